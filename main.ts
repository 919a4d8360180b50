/**
 * hft-lab web server: `deno task start`.
 *
 * Env: PORT (default 8000), HOST (default 0.0.0.0).
 */

import { buildIslands } from "./islands/build.ts";
import { DemoStream } from "./routes/api_demo.ts";
import { createApp } from "./routes/app.ts";

async function bundleIslands(): Promise<void> {
  const started = performance.now();
  try {
    const { built } = await buildIslands();
    if (built.length > 0) {
      const ms = Math.round(performance.now() - started);
      console.log(`bundled islands in ${ms} ms: ${built.join(", ")}`);
    }
  } catch (e) {
    // The pages still render on the server; they just stay static.
    console.error(`island bundle failed, pages will not be interactive:`, e);
  }
}

function parsePort(text: string | undefined): number {
  const port = Number(text ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be 0..65535, got ${text}`);
  }
  return port;
}

if (import.meta.main) {
  const port = parsePort(Deno.env.get("PORT"));
  const hostname = Deno.env.get("HOST") ?? "0.0.0.0";

  await bundleIslands();
  const demo = await DemoStream.create();
  demo.start();
  const app = createApp({ demo });

  const server = Deno.serve({
    port,
    hostname,
    onListen({ hostname, port }) {
      const shown = hostname === "0.0.0.0" || hostname === "::"
        ? "localhost"
        : hostname.includes(":")
        ? `[${hostname}]`
        : hostname;
      console.log(`hft-lab listening on http://${shown}:${port}/`);
    },
  }, app.fetch);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log("shutting down…");
    // Close the sockets first: the server waits for open connections.
    demo.close();
    await server.shutdown();
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, shutdown);
  };
  const SIGNALS: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of SIGNALS) Deno.addSignalListener(signal, shutdown);
  await server.finished;
}
