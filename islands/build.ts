/**
 * Bundles the island client entries for the browser with `deno bundle`.
 *
 * Runs at server start; a bundle is rebuilt only when a source it may include
 * is newer than it, so restarts stay fast.
 */

const PROJECT_ROOT = new URL("../", import.meta.url);

/** A browser entry: `islands/<source>` → `<outDir>/<name>.js`. */
export interface IslandEntry {
  name: string;
  source: string;
}

export const ISLAND_ENTRIES: readonly IslandEntry[] = [
  { name: "client", source: "client.tsx" },
];

/** Where the server looks for bundles by default. */
export const DEFAULT_BUILD_DIR = new URL("static/build/", PROJECT_ROOT)
  .pathname;

// What an island bundle can depend on: island, protocol and market sources,
// and the import map and lock file that pin preact.
const WATCHED_DIRS = ["islands/", "protocol/", "market/"];
const WATCHED_FILES = ["deno.json", "deno.lock"];

export interface BuildOptions {
  outDir?: string;
  /** Rebuild even if the bundle looks fresh. */
  force?: boolean;
  minify?: boolean;
}

export interface BuildResult {
  built: string[];
  upToDate: string[];
}

export class IslandBuildError extends Error {}

async function mtime(path: string | URL): Promise<number> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
}

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const f of WATCHED_FILES) {
    newest = Math.max(newest, await mtime(new URL(f, PROJECT_ROOT)));
  }
  for (const d of WATCHED_DIRS) {
    const dir = new URL(d, PROJECT_ROOT);
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /\.tsx?$/.test(e.name)) {
        newest = Math.max(newest, await mtime(new URL(e.name, dir)));
      }
    }
  }
  return newest;
}

async function bundle(
  entry: IslandEntry,
  out: string,
  minify: boolean,
): Promise<void> {
  // Build beside the target and rename, so a failed build never leaves a
  // truncated bundle that a later start would take as fresh.
  const tmp = out.replace(/\.js$/, `.${Deno.pid}.tmp.js`);
  const args = ["bundle", "--platform", "browser"];
  if (minify) args.push("--minify");
  args.push("-o", tmp, `islands/${entry.source}`);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT.pathname,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    await Deno.remove(tmp).catch(() => {});
    throw new IslandBuildError(
      `deno bundle islands/${entry.source} failed:\n` +
        new TextDecoder().decode(stderr),
    );
  }
  await Deno.rename(tmp, out);
}

export async function buildIslands(
  options: BuildOptions = {},
): Promise<BuildResult> {
  const outDir = options.outDir ?? DEFAULT_BUILD_DIR;
  await Deno.mkdir(outDir, { recursive: true });
  const newest = options.force ? Infinity : await newestSource();
  const result: BuildResult = { built: [], upToDate: [] };
  for (const entry of ISLAND_ENTRIES) {
    const out = `${outDir.replace(/\/$/, "")}/${entry.name}.js`;
    if (await mtime(out) > newest) {
      result.upToDate.push(out);
      continue;
    }
    await bundle(entry, out, options.minify ?? true);
    result.built.push(out);
  }
  return result;
}
