/**
 * The SQL database behind the event store, as a small interface with two
 * adapters: PostgreSQL over the network (`DATABASE_URL`) and PGlite,
 * Postgres compiled to WebAssembly and kept in a folder, for the embedded
 * default. Values always travel as bound parameters.
 *
 * The PostgreSQL adapter uses node-postgres with pg-copy-streams. postgres.js
 * 3.4.9 was tried first and dropped: when the server goes away during a
 * transaction or a COPY it throws from a timer callback (porsager/postgres
 * #1154, #1208: `socket.write` on a null socket), which no caller can catch
 * and which ends the process, and it loses the error of a COPY the server
 * refuses, leaving the caller waiting forever. The persister has to ride
 * out exactly those events.
 *
 * PGlite lives inside one JavaScript thread and one process: whoever opens
 * its folder owns it.
 */

import pg from "pg";
import { from as copyStream } from "pg-copy-streams";
import { PGlite } from "@electric-sql/pglite";
import { migrate } from "./migrations.ts";

export type Row = Record<string, unknown>;

/** A COPY that did not finish in time; its connection is dropped, which rolls it back. */
export class CopyStalledError extends Error {
  readonly code = "COPY_STALLED";
  constructor(message: string) {
    super(message);
    this.name = "CopyStalledError";
  }
}

export interface Queryable {
  /** Rows of one statement; `$1`, `$2`… are bound to `params`. */
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one statement and returns how many rows it changed. */
  execute(text: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Streams text-format data into a `COPY … FROM STDIN` statement
   * (PGlite reads it from a blob it names `/dev/blob`).
   */
  copyFrom?(statement: string, data: string, timeoutMs?: number): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Where it is, for messages: the URL without its password, or the folder. */
  readonly location: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Whether an error is the database being away or busy (worth retrying the
 * same statement) rather than the statement or its data being wrong.
 * SQLSTATE classes 08 connection, 40 rollback (deadlock, serialization),
 * 53 resources, 57 operator intervention (shutdown), 58 system; any error
 * without a SQLSTATE is the driver's own (refused, reset, timeout).
 */
export function isTransientError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ["08", "40", "53", "57", "58"].includes(code.slice(0, 2));
}

export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

// ---- PostgreSQL (node-postgres) -----------------------------------------------------

type Client = pg.PoolClient;

async function copyOn(
  client: Client,
  statement: string,
  data: string,
  timeoutMs: number,
): Promise<void> {
  const stream = client.query(copyStream(statement));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on("error", reject);
      stream.on("finish", resolve);
      timer = setTimeout(
        () => reject(new CopyStalledError(`COPY did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      stream.end(data);
    });
  } finally {
    clearTimeout(timer);
  }
}

function clientQueryable(client: Client): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, [...params])).rows as T[];
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, [...params])).rowCount ?? 0;
    },
    copyFrom(statement: string, data: string, timeoutMs = 60_000) {
      return copyOn(client, statement, data, timeoutMs);
    },
  };
}

export interface PostgresOptions {
  /** Connections in the pool (default 4). */
  max?: number;
  /** How long to wait for a connection (default 5000 ms). */
  connectTimeoutMs?: number;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
  });
  // An idle connection the server closed: the pool drops it and makes another when needed.
  pool.on("error", () => {});

  /** Runs `fn` on one connection; a connection that failed under it is discarded, not reused. */
  async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (e: Error) => broken = e;
    client.on("error", onError);
    try {
      return await fn(client);
    } catch (e) {
      if (e instanceof CopyStalledError) broken = e;
      throw e;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  return {
    kind: "postgres",
    location: redactDatabaseUrl(url),
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, [...params])).rows as T[];
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, [...params])).rowCount ?? 0;
    },
    copyFrom(statement: string, data: string, timeoutMs = 60_000) {
      return withClient((client) => copyOn(client, statement, data, timeoutMs));
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return withClient(async (client) => {
        await client.query("begin");
        try {
          const result = await fn(clientQueryable(client));
          await client.query("commit");
          return result;
        } catch (e) {
          // A stalled COPY still holds the connection, which is dropped
          // instead; on a lost connection the server has rolled back already.
          if (!(e instanceof CopyStalledError)) await client.query("rollback").catch(() => {});
          throw e;
        }
      });
    },
    async close() {
      await pool.end();
    },
  };
}

// ---- PGlite ----------------------------------------------------------------------

interface PGliteLike {
  query<T>(
    text: string,
    params?: unknown[],
    options?: { blob?: Blob },
  ): Promise<{ rows: T[]; affectedRows?: number }>;
}

const FROM_STDIN = /\bfrom\s+stdin\s*$/i;

function pgliteQueryable(db: PGliteLike): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      return (await db.query<T>(text, [...params])).rows;
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await db.query(text, [...params])).affectedRows ?? 0;
    },
    // PGlite runs in this thread: there is no stream to stall, so no timeout
    async copyFrom(statement: string, data: string) {
      if (!FROM_STDIN.test(statement)) {
        throw new Error(`copyFrom needs a COPY … FROM STDIN statement, got ${statement}`);
      }
      // about 1.6× cheaper per row than inserting from a JSON array
      await db.query(statement.replace(FROM_STDIN, "from '/dev/blob'"), [], {
        blob: new Blob([data]),
      });
    },
  };
}

export async function openPglite(dir: string): Promise<Database> {
  if (!dir.startsWith("memory://")) await Deno.mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  return {
    kind: "pglite",
    location: dir,
    ...pgliteQueryable(db),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(pgliteQueryable(tx)));
    },
    async close() {
      await db.close();
    },
  };
}

// ---- choosing --------------------------------------------------------------------

export interface OpenDatabaseOptions {
  /** `postgres://…`; empty or absent chooses PGlite. */
  databaseUrl?: string;
  /** PGlite keeps its files in `<dataDir>/pglite` (`memory://` keeps them in memory). */
  dataDir: string;
  /** Apply the schema migrations (default true). */
  migrate?: boolean;
  postgres?: PostgresOptions;
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl?.trim();
  const db = url ? openPostgres(url, options.postgres) : await openPglite(
    options.dataDir.startsWith("memory://")
      ? options.dataDir
      : `${options.dataDir.replace(/[\\/]+$/, "")}/pglite`,
  );
  if (options.migrate ?? true) {
    try {
      await migrate(db);
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
  }
  return db;
}
