/**
 * The SQL database behind the event store, as a small interface with two
 * adapters: PostgreSQL over the network (`DATABASE_URL`, postgres.js) and
 * PGlite, Postgres compiled to WebAssembly and kept in a folder, for the
 * embedded default. Values always travel as bound parameters.
 *
 * PGlite lives inside one JavaScript thread and one process: whoever opens
 * its folder owns it.
 */

// deno-lint-ignore no-import-prefix
import postgres from "npm:postgres@3.4.9";
// deno-lint-ignore no-import-prefix
import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
import { migrate } from "./migrations.ts";

export type Row = Record<string, unknown>;

/** A COPY that neither finished nor failed in time; its transaction is to be rolled back. */
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
   * Streams text-format data into a `COPY … FROM STDIN` statement. Only
   * where the driver can (PostgreSQL); absent on PGlite.
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

// ---- postgres.js -----------------------------------------------------------------

type Sql = ReturnType<typeof postgres>;
// The transaction handle has the same query methods as the pool.
type SqlLike = Pick<Sql, "unsafe">;

function pgQueryable(sql: SqlLike): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      const rows = await sql.unsafe(text, params as never[]);
      return [...rows] as unknown as T[];
    },
    async execute(text: string, params: readonly unknown[] = []) {
      const result = await sql.unsafe(text, params as never[]);
      return result.count ?? 0;
    },
    async copyFrom(statement: string, data: string, timeoutMs = 10_000) {
      const stream = await sql.unsafe(statement).writable();
      // postgres.js reports a COPY that the server refuses after the data
      // (a duplicate key, a lost connection) nowhere: the stream just never
      // finishes. Past the timeout the caller rolls back and takes another way.
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
    },
  };
}

export interface PostgresOptions {
  /** Connections in the pool (default 4). */
  max?: number;
  /** Seconds to wait for a connection (default 5). */
  connectTimeoutS?: number;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 4,
    connect_timeout: options.connectTimeoutS ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    // int8 and numeric come back as strings by default; the store converts.
  });
  const q = pgQueryable(sql);
  return {
    kind: "postgres",
    location: redactDatabaseUrl(url),
    ...q,
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return sql.begin((tx) => fn(pgQueryable(tx as unknown as SqlLike))) as Promise<T>;
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

// ---- PGlite ----------------------------------------------------------------------

interface PGliteLike {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}

function pgliteQueryable(db: PGliteLike): Queryable {
  return {
    async query<T extends Row>(text: string, params: readonly unknown[] = []) {
      return (await db.query<T>(text, [...params])).rows;
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await db.query(text, [...params])).affectedRows ?? 0;
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
