/** Loads and compiles engine.wasm once per process (or page). */

let compiled: Promise<WebAssembly.Module> | undefined;

export function engineModule(): Promise<WebAssembly.Module> {
  compiled ??= fetch(new URL("./engine.wasm", import.meta.url))
    .then((r) => r.arrayBuffer())
    .then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}
