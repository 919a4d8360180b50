/**
 * hft-lab web server: `deno task start`.
 *
 * Env:
 * - PORT (default 8000), HOST (default 0.0.0.0);
 * - HFT_ADMIN_PASSWORD: the experimenter's password (a random one is
 *   printed when unset);
 * - HFT_DATA_DIR (default ./data): the embedded event log and database;
 * - REDIS_URL, DATABASE_URL: the event log in Redis streams and the
 *   database in Postgres instead of the embedded ones;
 * - EVENTLOG_PREFIX: the Redis key prefix (default `hft:log:`), as for
 *   `deno task persister`;
 * - HFT_PUBLIC_URL: the origin participant links use, behind a proxy.
 */

import { buildIslands } from "./islands/build.ts";
import { DemoStream } from "./routes/api_demo.ts";
import { createApp } from "./routes/app.ts";
import { newAdminAuth } from "./routes/admin_auth.ts";
import { openStorage } from "./session/storage.ts";

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

async function exampleConfigs(dir: string): Promise<{ name: string; text: string }[]> {
  const out: { name: string; text: string }[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /^elo-.*\.ya?ml$/.test(e.name)) {
      out.push({ name: e.name, text: await Deno.readTextFile(`${dir}/${e.name}`) });
    }
  }
  // the small demo first: it is the one to try
  return out.sort((a, b) =>
    Number(b.name.includes("demo")) - Number(a.name.includes("demo")) ||
    a.name.localeCompare(b.name)
  );
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const port = parsePort(env("PORT"));
  const hostname = env("HOST") ?? "0.0.0.0";
  const configDir = new URL("./configs", import.meta.url).pathname;

  await bundleIslands();
  let storage;
  try {
    storage = await openStorage({
      dataDir: env("HFT_DATA_DIR") ?? "./data",
      redisUrl: env("REDIS_URL"),
      databaseUrl: env("DATABASE_URL"),
      redisPrefix: env("EVENTLOG_PREFIX"),
      configDir,
    });
  } catch (e) {
    // no sessions without somewhere to record them: say what to fix and stop
    console.error(`hft-lab cannot open its storage: ${e instanceof Error ? e.message : e}`);
    console.error(
      "Check REDIS_URL and DATABASE_URL, or unset both to use the embedded log and database " +
        "under HFT_DATA_DIR (default ./data).",
    );
    Deno.exit(1);
  }
  console.log(storage.describe());
  const rooms = await storage.rooms.recover();
  if (rooms > 0) console.log(`rebuilt ${rooms} room(s) from the event log`);
  const rebuilt = await storage.registry.recover();
  if (rebuilt > 0) console.log(`rebuilt ${rebuilt} session(s) from the event log`);

  const { auth, generated } = newAdminAuth(env("HFT_ADMIN_PASSWORD"));
  const demo = await DemoStream.create();
  demo.start();
  const app = createApp({
    demo,
    sessions: {
      registry: storage.registry,
      auth,
      exportSource: (code) => storage.exportSource(code),
      examples: () => exampleConfigs(configDir),
      publicUrl: env("HFT_PUBLIC_URL"),
      health: () => storage.health(),
      rooms: storage.rooms,
    },
  });

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
      console.log(`experimenter pages: http://${shown}:${port}/admin`);
      if (generated) {
        console.log(`admin password (set HFT_ADMIN_PASSWORD to choose one): ${auth.password}`);
      }
    },
  }, app.fetch);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log("shutting down…");
    // Close the sockets first: the server waits for open connections.
    demo.close();
    storage.registry.close();
    await server.shutdown();
    await storage.close();
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, shutdown);
  };
  const SIGNALS: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of SIGNALS) Deno.addSignalListener(signal, shutdown);
  await server.finished;
}
