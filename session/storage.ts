/**
 * Where a server keeps its sessions: the event log (Redis streams with
 * `REDIS_URL`, else the in-process log journaled under the data
 * directory), the database (Postgres with `DATABASE_URL`, else PGlite
 * under the data directory) and the persister between them, always in a
 * Worker (reading the embedded log over messages): PGlite's inserts run
 * synchronously and would stall the markets.
 */

import { hostname } from "node:os";
import { type OpenedEventLog, openEventLog } from "../eventlog/open_event_log.ts";
import { redactUrl } from "../eventlog/redis_event_log.ts";
import { type Database, openDatabase, redactDatabaseUrl } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import type { PersisterStats } from "../workers/persister.ts";
import { answerSourceCall } from "../workers/event_source_bridge.ts";
import type { FromPersisterWorker, ToPersisterWorker } from "../workers/persister_worker.ts";
import type { SessionExportInput } from "../exports/mod.ts";
import type { EventLog, LogEvent } from "../eventlog/log_event.ts";
import { EventAppender } from "./event_appender.ts";
import { SessionRegistry } from "./session_registry.ts";
import { RoomRegistry } from "./room_registry.ts";
import { lowerThreadPriority, newWorkerThreads, processThreads } from "./thread_priority.ts";

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

/** Its thread's nice value: below the server's thread whenever the two compete for a core. */
const PERSISTER_NICE = 10;
/** How often the embedded persister reads while it keeps up: PGlite's lag behind the log, at most. */
const PERSISTER_READ_INTERVAL_MS = 100;
/**
 * The share of a core PGlite's inserts may take: at most a quarter, so a
 * burst of orders lags the database copy (it catches up afterwards, and the
 * journal holds everything meanwhile) rather than the subjects' screens. A
 * lab's usual load, a few hundred orders a second, is far below it.
 */
const PERSISTER_BUSY_SHARE = 0.25;
/**
 * Events per read of the embedded persister. The server's thread answers
 * each read and its acknowledgement between two turns of the markets:
 * 1,000 entries take it about 2 ms, 4,000 took 10 to 20 ms, a stall every
 * subject's screen would feel. PGlite's cost per event is the same either way.
 */
const PERSISTER_BATCH = 1000;

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
  // One name per host that outlives the process: a restarted server's
  // persister takes back at once the batch its predecessor had read but not
  // stored when it died, instead of leaving it to be claimed after
  // claimIdleMs by some other consumer (a hole in the database meanwhile).
  const consumer = `${hostname()}-server`;

  // the database: read by exports of sessions the log no longer holds
  let db: Database | null = null;
  let workerStats: PersisterStats | null = null;
  // the persister and its database driver work in a Worker: PGlite's inserts
  // run synchronously and would stall the markets in this thread
  if (options.databaseUrl) {
    // with Postgres the server reads it too; PGlite belongs to the worker alone
    db = await database(options);
  }
  const threadsBefore = await processThreads();
  const worker = new Worker(new URL("../workers/persister_worker.ts", import.meta.url), {
    type: "module",
  });
  const ready = new Promise<string | null>((resolve) => {
    worker.onmessage = (e: MessageEvent<FromPersisterWorker>) => {
      const m = e.data;
      if (m.type === "source-call") {
        answerSourceCall(log, m, (r) => worker.postMessage(r));
        return;
      }
      if (m.type === "ready") {
        resolve(null);
        // the copy into the database may lag; the markets and sockets may not
        newWorkerThreads(threadsBefore).then((threads) =>
          lowerThreadPriority(threads, PERSISTER_NICE)
        ).then((why) => {
          if (why !== null) console.error(`persister: runs at normal priority (${why})`);
        });
      }
      if (m.type === "stats" || m.type === "stopped") workerStats = m.stats;
      if (m.type === "error") {
        console.error(`persister: ${m.message}`);
        resolve(m.message);
      }
    };
  });
  const init: ToPersisterWorker = {
    type: "init",
    redisUrl: options.redisUrl,
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    consumer,
    prefix: options.redisPrefix,
    // beside the embedded log a read per append would make PGlite, in CPU the
    // markets share, pay its cost per batch for a handful of events
    options: options.redisUrl ? {} : {
      minIntervalMs: PERSISTER_READ_INTERVAL_MS,
      maxBusyShare: PERSISTER_BUSY_SHARE,
      batchSize: PERSISTER_BATCH,
    },
  };
  worker.postMessage(init);
  if (!options.redisUrl) {
    // the embedded database is the server's own: one that cannot open stops the start
    const failed = await ready;
    if (failed !== null) {
      worker.terminate();
      await log.close();
      throw new Error(`PGlite in ${options.dataDir}/pglite cannot be opened: ${failed}`);
    }
  }
  const statsTimer = setInterval(
    () => worker.postMessage({ type: "stats" } as ToPersisterWorker),
    1000,
  );
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
      const stats = workerStats;
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
      clearInterval(statsTimer);
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
      await db?.close().catch(() => {});
      await log.close();
    },
  };
}
