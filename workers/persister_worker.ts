/**
 * A Persister in a Deno Worker, for a server that logs to Redis or keeps
 * its log in process: the
 * inserts, the JSON handling and the database driver run off the main
 * thread. Started with
 * `new Worker(new URL("../workers/persister_worker.ts", import.meta.url), { type: "module" })`.
 *
 * Messages, main thread → worker:
 * - `{ type: "init", redisUrl, databaseUrl?, dataDir?, consumer?, group?, options? }`:
 *   connect and start. `databaseUrl` (PostgreSQL) is what a server sharing
 *   Redis wants; without it the worker opens PGlite in `<dataDir>/pglite`,
 *   which it then owns alone. `consumer` defaults to `<hostname>-<pid>-worker`,
 *   `group` to `persisters`; `options` are {@link PersisterTuning}.
 *   Without `redisUrl` the log is the server's in-process one: the worker
 *   reads it with `source-call` messages answered by `source-reply`
 *   (workers/event_source_bridge.ts).
 * - `{ type: "stats" }`: asks for the counters.
 * - `{ type: "reset-lag" }`: forgets the commit-lag distribution.
 * - `{ type: "stop" }`: finish the batches in hand, close the connections, close the worker.
 *
 * Worker → main thread:
 * - `{ type: "ready", consumer }` once running;
 * - `{ type: "error", message }` when init fails (the worker then closes);
 * - `{ type: "stats", stats }` in answer to `stats` (a {@link PersisterStats});
 * - `{ type: "stopped", stats }` as its last message.
 */

import { RedisEventLog } from "../eventlog/redis_event_log.ts";
import { openDatabase } from "../store/database.ts";
import type { Database } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { Persister } from "./persister.ts";
import type { PersisterOptions, PersisterStats } from "./persister.ts";
import { BridgedEventSource, type SourceCall, type SourceReply } from "./event_source_bridge.ts";

export type PersisterTuning = Pick<
  PersisterOptions,
  | "batchSize"
  | "blockMs"
  | "minIntervalMs"
  | "maxBusyShare"
  | "claimIdleMs"
  | "maxInFlight"
  | "backoffMinMs"
  | "backoffMaxMs"
>;

export interface PersisterInit {
  type: "init";
  /** The Redis log to read; without it the log is the server's own, read over messages. */
  redisUrl?: string;
  databaseUrl?: string;
  dataDir?: string;
  consumer?: string;
  group?: string;
  /** Redis key prefix of the log (default `hft:log:`). */
  prefix?: string;
  options?: PersisterTuning;
}

export type ToPersisterWorker =
  | PersisterInit
  | SourceReply
  | { type: "stats" }
  | { type: "reset-lag" }
  | { type: "stop" };

export type FromPersisterWorker =
  | SourceCall
  | { type: "ready"; consumer: string }
  | { type: "error"; message: string }
  | { type: "stats"; stats: PersisterStats }
  | { type: "stopped"; stats: PersisterStats | null };

/** The parts of the worker's global scope used here (the project's types are the window's). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ToPersisterWorker>) => void) | null;
  postMessage(message: FromPersisterWorker): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;

let persister: Persister | null = null;
let log: RedisEventLog | null = null;
let bridge: BridgedEventSource | null = null;
let db: Database | null = null;
let stopping = false;

async function init(message: PersisterInit): Promise<void> {
  const consumer = message.consumer ?? `${Deno.hostname()}-${Deno.pid}-worker`;
  if (message.redisUrl) {
    log = await RedisEventLog.open(message.redisUrl, {
      prefix: message.prefix,
      name: `persister-${consumer}`,
    });
  } else {
    bridge = new BridgedEventSource((call) => scope.postMessage(call));
  }
  db = await openDatabase({
    databaseUrl: message.databaseUrl,
    dataDir: message.dataDir ?? "./data",
    postgres: { max: (message.options?.maxInFlight ?? 2) + 1 },
  });
  persister = new Persister({
    source: log ?? bridge!,
    store: new EventStore(db),
    consumer,
    group: message.group,
    ...message.options,
  });
  persister.start();
  scope.postMessage({ type: "ready", consumer });
}

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await persister?.stop();
  const stats = persister?.stats() ?? null;
  await log?.close().catch(() => {});
  await db?.close().catch(() => {});
  scope.postMessage({ type: "stopped", stats });
  scope.close();
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case "init":
      init(message).catch(async (e) => {
        scope.postMessage({ type: "error", message: (e as Error).message ?? String(e) });
        await shutdown();
      });
      break;
    case "source-reply":
      bridge?.receive(message);
      break;
    case "stats":
      if (persister !== null) scope.postMessage({ type: "stats", stats: persister.stats() });
      break;
    case "reset-lag":
      persister?.resetLag();
      break;
    case "stop":
      shutdown();
      break;
  }
};
