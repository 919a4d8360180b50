/**
 * Where a server keeps its sessions: the event log (Redis streams with
 * `REDIS_URL`, else the in-process log journaled under the data
 * directory), the database (Postgres with `DATABASE_URL`, else PGlite
 * under the data directory) and the persister between them (a Worker
 * beside a Redis log; in process beside the embedded one, which PGlite
 * cannot share with a worker).
 */

import { hostname } from "node:os";
import { type OpenedEventLog, openEventLog } from "../eventlog/open_event_log.ts";
import { redactUrl } from "../eventlog/redis_event_log.ts";
import { type Database, openDatabase, redactDatabaseUrl } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { Persister, type PersisterStats } from "../workers/persister.ts";
import type { FromPersisterWorker, ToPersisterWorker } from "../workers/persister_worker.ts";
import type { SessionExportInput } from "../exports/mod.ts";
import type { EventLog, LogEvent } from "../eventlog/log_event.ts";
import { EventAppender } from "./event_appender.ts";
import { SessionRegistry } from "./session_registry.ts";
import { RoomRegistry } from "./room_registry.ts";

export interface StorageOptions {
  dataDir: string;
  redisUrl?: string;
  databaseUrl?: string;
  /** Redis key prefix of the log (EVENTLOG_PREFIX; default `hft:log:`). */
  redisPrefix?: string;
  configDir: string;
}

export interface Storage {
  log: OpenedEventLog;
  appender: EventAppender;
  registry: SessionRegistry;
  /** The lab's rooms; `recover()` them at start, like the registry. */
  rooms: RoomRegistry;
  /** A session's streams for the exports: from the log, else from the database. */
  exportSource(code: string): Promise<SessionExportInput | null>;
  health(): Record<string, unknown>;
  describe(): string;
  close(): Promise<void>;
}

/** A session's streams as the log holds them, or null when it holds none. */
export async function sessionFromLog(
  log: EventLog,
  code: string,
): Promise<SessionExportInput | null> {
  const session = await log.read(code);
  // other streams without a "/" (the rooms) are not sessions
  if (session[0]?.kind !== "session_created") return null;
  const markets = new Map<string, LogEvent[]>();
  for (const s of await log.streams(`${code}/`)) markets.set(s, await log.read(s));
  return { session, markets };
}

/** The database, or an error that says which one could not be opened. */
async function database(options: StorageOptions): Promise<Database> {
  try {
    return await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  } catch (e) {
    const which = options.databaseUrl
      ? `PostgreSQL at ${redactDatabaseUrl(options.databaseUrl)}`
      : `PGlite in ${options.dataDir}/pglite`;
    throw new Error(`${which} cannot be opened: ${e instanceof Error ? e.message : e}`, {
      cause: e,
    });
  }
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  await Deno.mkdir(options.dataDir, { recursive: true });
  const log = await openEventLog({
    redisUrl: options.redisUrl,
    prefix: options.redisPrefix,
    dataDir: options.dataDir,
  });
  const self: { registry?: SessionRegistry } = {};
  const appender = new EventAppender(log, {
    onAvailability: (available) => self.registry?.logAvailability(available),
  });
  const registry = self.registry = new SessionRegistry({
    appender,
    configDir: options.configDir,
  });
  const rooms = new RoomRegistry(appender);
  const consumer = `${hostname()}-${Deno.pid}`;

  // the database: read by exports of sessions the log no longer holds
  let db: Database | null = null;
  let persister: Persister | null = null;
  let worker: Worker | null = null;
  let workerStats: PersisterStats | null = null;
  let statsTimer: ReturnType<typeof setInterval> | undefined;
  if (options.redisUrl) {
    // with Postgres the server reads it too; PGlite belongs to the worker alone
    if (options.databaseUrl) {
      db = await database(options);
    }
    worker = new Worker(new URL("../workers/persister_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (e: MessageEvent<FromPersisterWorker>) => {
      const m = e.data;
      if (m.type === "stats" || m.type === "stopped") workerStats = m.stats;
      if (m.type === "error") console.error(`persister: ${m.message}`);
    };
    const init: ToPersisterWorker = {
      type: "init",
      redisUrl: options.redisUrl,
      databaseUrl: options.databaseUrl,
      dataDir: options.dataDir,
      consumer: `${consumer}-worker`,
      prefix: options.redisPrefix,
    };
    worker.postMessage(init);
    statsTimer = setInterval(
      () => worker?.postMessage({ type: "stats" } as ToPersisterWorker),
      1000,
    );
  } else {
    db = await database(options);
    persister = new Persister({ source: log, store: new EventStore(db), consumer });
    persister.start();
  }
  const store = db ? new EventStore(db) : null;

  return {
    log,
    appender,
    registry,
    rooms,
    async exportSource(code) {
      const fromLog = await sessionFromLog(log, code);
      if (fromLog || !store) return fromLog;
      const stored = await store.readSession(code);
      if (stored.session[0]?.kind !== "session_created") return null;
      return {
        session: stored.session,
        markets: new Map(stored.markets.map((m) => [m.stream, m.events])),
      };
    },
    health() {
      const stats = persister?.stats() ?? workerStats;
      return {
        event_log: log.kind,
        event_log_available: appender.available,
        events_appended: appender.appended,
        events_held: appender.backlog,
        database: options.databaseUrl ? "postgres" : "pglite",
        persisted: stats?.persisted ?? null,
        persister_lag_ms: stats?.lagMs ?? null,
        database_down: stats?.databaseDown ?? null,
      };
    },
    describe() {
      const where = options.redisUrl
        ? `Redis streams at ${redactUrl(options.redisUrl)}`
        : `the embedded log ${options.dataDir}/eventlog.jsonl`;
      const database = options.databaseUrl
        ? `PostgreSQL at ${redactDatabaseUrl(options.databaseUrl)}`
        : `PGlite in ${options.dataDir}/pglite`;
      return `event log: ${where}; database: ${database}`;
    },
    async close() {
      await appender.close();
      if (statsTimer !== undefined) clearInterval(statsTimer);
      if (persister) await persister.stop();
      if (worker) {
        const w = worker;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 5000);
          w.addEventListener("message", (e: MessageEvent<FromPersisterWorker>) => {
            if (e.data.type === "stopped") {
              clearTimeout(t);
              resolve();
            }
          });
          w.postMessage({ type: "stop" } as ToPersisterWorker);
        });
        w.terminate();
      }
      await db?.close().catch(() => {});
      await log.close();
    },
  };
}
