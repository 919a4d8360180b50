/**
 * Test plumbing for the event log and the store: the machine's Redis and
 * PostgreSQL (a unique key prefix and a fresh database per run), private
 * redis-server processes to kill and restart, and realistic events.
 *
 * Without those servers the tests that need them are skipped with a note,
 * except under CI (`CI` set), where they fail.
 */

import { traderRecord } from "./sample_records.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import pg from "pg";
import { createClient } from "@redis/client";

export const REDIS_URL = Deno.env.get("TEST_REDIS_URL") ?? "redis://127.0.0.1:6379";
/** A database the tests may create databases from. */
export const POSTGRES_ADMIN_URL = Deno.env.get("TEST_POSTGRES_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";

async function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  try {
    const conn = await Deno.connect({
      hostname: u.hostname,
      port: Number(u.port || fallbackPort),
    });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

const inCi = (Deno.env.get("CI") ?? "") !== "";

/** Whether to skip the tests needing a server: only when it is away outside CI. */
async function skipUnless(name: string, url: string, port: number): Promise<boolean> {
  if (await reachable(url, port)) return false;
  if (inCi) return false;
  console.warn(`${name} at ${url} is not reachable: skipping the tests that need it`);
  return true;
}

export const noRedis = await skipUnless("Redis", REDIS_URL, 6379);
export const noPostgres = await skipUnless("PostgreSQL", POSTGRES_ADMIN_URL, 5432);
export const hasRedisServer = await new Deno.Command("redis-server", { args: ["--version"] })
  .output().then((o) => o.success, () => false);

export function randomName(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

// ---- Redis -------------------------------------------------------------------------

/** A key prefix no other run uses, and a way to delete every key under it. */
export function redisPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `hft-test-${randomName()}:log:`;
  return {
    prefix,
    async cleanup() {
      const client = createClient({ url: REDIS_URL, RESP: 2 });
      client.on("error", () => {});
      await client.connect();
      try {
        let cursor = "0";
        do {
          const [next, keys] = await client.sendCommand([
            "SCAN",
            cursor,
            "MATCH",
            `${prefix}*`,
            "COUNT",
            "1000",
          ]) as [string, string[]];
          if (keys.length > 0) await client.sendCommand(["UNLINK", ...keys]);
          cursor = next;
        } while (cursor !== "0");
      } finally {
        await client.close();
      }
    },
  };
}

/** One command on the test Redis, over a connection of its own (RESP 2 replies). */
export async function redisCommand(args: string[]): Promise<unknown> {
  const client = createClient({ url: REDIS_URL, RESP: 2 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    await client.close();
  }
}

/** A port nothing listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A redis-server of the test's own, on a spare port, to kill and restart at will. */
export class PrivateRedis {
  readonly port: number;
  #process: Deno.ChildProcess | null = null;

  constructor(port = freePort()) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.#process === null) throw new Error("redis-server is not running");
    return this.#process.pid;
  }

  async start(): Promise<void> {
    this.#process = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 10_000;
    while (!(await reachable(this.url, this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${this.port}`);
      await delay(20);
    }
  }

  async kill(): Promise<void> {
    if (this.#process === null) return;
    try {
      this.#process.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#process.status;
    this.#process = null;
  }
}

// ---- PostgreSQL --------------------------------------------------------------------

/** A database of its own for one test file, dropped at the end. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hft_test_${randomName()}`;
  // A database name cannot be a parameter; this one is made of [0-9a-z_] only.
  await sqlOnce(POSTGRES_ADMIN_URL, `create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await sqlOnce(POSTGRES_ADMIN_URL, `drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs one command against a database and closes the connection. */
export async function sqlOnce<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const CLUSTER_VERSION = (() => {
  try {
    return [...Deno.readDirSync("/etc/postgresql")].map((e) => e.name).sort().at(-1) ?? "";
  } catch {
    return "";
  }
})();

/** Whether the machine's PostgreSQL can be stopped and started from here. */
export const canControlPostgres = CLUSTER_VERSION !== "" &&
  await new Deno.Command("pg_ctlcluster", { args: ["--help"], stdout: "null", stderr: "null" })
    .output().then(() => true, () => false);

export async function postgresCluster(action: "stop" | "start"): Promise<void> {
  const out = await new Deno.Command("pg_ctlcluster", {
    args: ["--skip-systemctl-redirect", CLUSTER_VERSION, "main", action],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success && !/already running|is not running/.test(err)) {
    throw new Error(`pg_ctlcluster ${action} failed: ${err}`);
  }
}

// ---- events ------------------------------------------------------------------------

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

/** Values that test every column and the escaping of COPY and JSON. */
export function awkward(stream: string, seq: number): LogEvent {
  return {
    stream,
    seq,
    wallMs: 1_767_225_600_123.4567,
    round: seq % 2 ? null : 2147483647,
    roundMs: seq % 2 ? null : 0.1 + 0.2,
    kind: "odd\tkind\\x",
    data: {
      text: 'tab\there, newline\nthere, backslash \\ quote " and \\n literally',
      crlf: "a\r\nb",
      unicode: "Zoë 東京 \u{1F4C8} \u2028",
      numbers: [0, -1, 1.5, 1e-9, 123456789012, -2147483648, Number.MAX_SAFE_INTEGER],
      nested: { deeper: { list: [[], {}, [null]], t: true, f: false } },
      nothing: null,
      empty: "",
    },
  };
}

/** `count` events of one stream from `fromSeq`, alternating kinds like a market's. */
export function marketEvents(stream: string, fromSeq: number, count: number): LogEvent[] {
  const out: LogEvent[] = [];
  for (let k = 0; k < count; k++) {
    const seq = fromSeq + k;
    const kind = seq % 3 === 0 ? "order" : "trader_record";
    out.push({
      stream,
      seq,
      wallMs: Date.now() + (seq % 4) / 4,
      round: seq % 10 === 0 ? null : 1,
      roundMs: seq % 10 === 0 ? null : seq * 1.5,
      kind,
      data: kind === "order"
        ? {
          seat: 2,
          participant: 3,
          order_token: `SUBA${seq}`,
          step: "accepted",
          buy_sell_indicator: "B",
          price: 999_000,
          shares: 1,
        }
        : traderRecord(seq),
    });
  }
  return out;
}

/** Awaits `fn`, which must reject with an instance of `type`; returns the error. */
export async function rejectsWith<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected ${type.name}, got ${e}`, { cause: e });
  }
  throw new Error(`expected ${type.name}, but it resolved`);
}
