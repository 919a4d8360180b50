/**
 * `deno task bench:persist`: how fast the event log reaches PostgreSQL.
 *
 * Offers events at a fixed rate (default 60,000/s for 10 s) the way a live
 * server does: each of 20 market streams appends its own small batches to
 * the Redis log about every millisecond, with realistic records (about 30
 * fields). The persister runs in a Worker, as the server runs it, and moves
 * them into a fresh PostgreSQL database. Reports events/s stored and the
 * lag from an event's time to its commit (p50, p99), then for scale two
 * baselines in the same process: the store alone (COPY batches straight to
 * PostgreSQL, no Redis) and one INSERT per event. The last line is JSON:
 * `{"events_per_s":N,"lag_p50_ms":N,"lag_p99_ms":N}`.
 *
 * Flags: --rate N, --seconds N, --markets N. Env: REDIS_URL (default the
 * local one; keys go under a prefix of their own and are deleted after),
 * PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres: a
 * database is created there for the run and dropped after).
 */

import type { LogEvent } from "../eventlog/log_event.ts";
import { encodeEvent } from "../eventlog/event_source.ts";
import { RedisConnection, RedisEventLog } from "../eventlog/redis_event_log.ts";
import { openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import type { PersisterStats } from "../workers/persister.ts";
import type { FromPersisterWorker, ToPersisterWorker } from "../workers/persister_worker.ts";
import pg from "pg";
import { traderRecord } from "../tests/sample_records.ts";

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(Deno.args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} needs a positive number`);
  return n;
}

const RATE = flag("rate", 60_000);
const SECONDS = flag("seconds", 10);
const MARKETS = flag("markets", 20);
const REDIS_URL = Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379";
const ADMIN_URL = Deno.env.get("PG_ADMIN_URL") || "postgres://postgres@127.0.0.1:5432/postgres";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function admin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

// ---- events as a market writes them ------------------------------------------------

/** A market's event mix: mostly trader records, then market records and order steps. */
function marketEvent(stream: string, seq: number, wallMs: number, roundMs: number): LogEvent {
  const r = seq % 10;
  const base = { stream, seq, wallMs, round: 1, roundMs };
  if (r < 5) {
    return {
      ...base,
      kind: "trader_record",
      data: traderRecord(seq),
    };
  }
  if (r < 7) {
    return {
      ...base,
      kind: "market_record",
      data: {
        trigger_event_type: "Q",
        reference_price: 1_000_000,
        best_bid: 999_500,
        best_offer: 1_000_500,
        next_bid: 999_000,
        next_offer: 1_001_000,
        volume_at_best_bid: 3,
        volume_at_best_offer: 2,
        e_best_bid: 999_500,
        e_best_offer: 1_000_500,
        signed_volume: 0.125,
        e_signed_volume: 0.0625,
        clearing_price: null,
        transacted_volume: null,
      },
    };
  }
  return {
    ...base,
    kind: "order",
    data: {
      seat: 1 + (seq % 6),
      participant: 1 + (seq % 6),
      order_token: `SUBA${String(seq).padStart(10, "0")}`,
      step: ["sent", "accepted", "executed"][seq % 3],
      buy_sell_indicator: seq % 2 ? "B" : "S",
      price: 999_000 + (seq % 100) * 10,
      shares: 1,
      time_in_force: 99999,
    },
  };
}

// ---- the persister worker ----------------------------------------------------------

class PersisterWorker {
  readonly worker = new Worker(new URL("../workers/persister_worker.ts", import.meta.url), {
    type: "module",
  });
  last: PersisterStats | null = null;
  #waiters: ((m: FromPersisterWorker) => void)[] = [];

  constructor() {
    this.worker.onmessage = (e: MessageEvent<FromPersisterWorker>) => {
      if (e.data.type === "stats") this.last = e.data.stats;
      for (const w of this.#waiters.splice(0)) w(e.data);
    };
  }

  send(m: ToPersisterWorker): void {
    this.worker.postMessage(m);
  }

  next(type: FromPersisterWorker["type"]): Promise<FromPersisterWorker> {
    return new Promise((resolve) => {
      const wait = (m: FromPersisterWorker) => {
        if (m.type === type || m.type === "error") resolve(m);
        else this.#waiters.push(wait);
      };
      this.#waiters.push(wait);
    });
  }

  async stats(): Promise<PersisterStats> {
    const answer = this.next("stats");
    this.send({ type: "stats" });
    const m = await answer;
    if (m.type !== "stats") throw new Error(`persister worker: ${JSON.stringify(m)}`);
    return m.stats;
  }
}

// ---- the run -----------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main() {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const prefix = `hft-bench-${id}:log:`;
  const dbName = `hft_bench_${id}`;
  await admin(`create database ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  const log = await RedisEventLog.open(REDIS_URL, { prefix });
  const persister = new PersisterWorker();
  const code = "BENCH";
  const streams = Array.from({ length: MARKETS }, (_, i) => `${code}/m${i + 1}`);

  try {
    persister.send({ type: "init", redisUrl: REDIS_URL, databaseUrl, consumer: "bench", prefix });
    const ready = await persister.next("ready");
    if (ready.type !== "ready") throw new Error(`persister worker: ${JSON.stringify(ready)}`);

    console.log(
      `offering ${RATE} events/s for ${SECONDS} s over ${MARKETS} market streams ` +
        `(Redis ${log.url}, PostgreSQL ${dbName}), persister in a Worker`,
    );
    console.log("   t s   offered  appended    stored   lag now ms");

    // Each market appends its own events in order, one call at a time, each
    // call taking whatever accumulated while the previous one was out.
    const queues = streams.map(() => [] as LogEvent[]);
    const busy = streams.map(() => false);
    const nextSeq = streams.map(() => 1);
    const appendMs: number[] = [];
    let appended = 0;
    let offered = 0;
    let failed: unknown = null;
    const flush = (m: number) => {
      if (busy[m] || queues[m].length === 0) return;
      busy[m] = true;
      const batch = queues[m].splice(0);
      const t0 = performance.now();
      log.append(batch).then(() => {
        appendMs.push(performance.now() - t0);
        appended += batch.length;
        busy[m] = false;
        flush(m);
      }, (e) => failed = e);
    };

    const start = Date.now();
    const total = Math.round(RATE * SECONDS);
    let market = 0;
    let nextReport = start + 1000;
    while (offered < total) {
      if (failed) throw failed;
      const now = Date.now();
      const due = Math.min(total, Math.floor((now - start) * RATE / 1000));
      for (; offered < due; offered++) {
        const m = market++ % MARKETS;
        queues[m].push(marketEvent(streams[m], nextSeq[m]++, Date.now(), now - start));
      }
      for (let m = 0; m < MARKETS; m++) flush(m);
      if (now >= nextReport) {
        nextReport += 1000;
        const s = await persister.stats();
        console.log(
          `${((now - start) / 1000).toFixed(0).padStart(5)} ${String(offered).padStart(9)} ` +
            `${String(appended).padStart(9)} ${String(s.persisted).padStart(9)} ${
              String(s.lagMs).padStart(12)
            }`,
        );
      }
      await delay(1);
    }
    const offeredMs = Date.now() - start;
    await (async () => {
      while (appended < total) {
        if (failed) throw failed;
        for (let m = 0; m < MARKETS; m++) flush(m);
        await delay(1);
      }
    })();
    const deadline = Date.now() + 120_000;
    let s = await persister.stats();
    while (s.persisted < total) {
      if (Date.now() > deadline) throw new Error(`only ${s.persisted} of ${total} stored`);
      await delay(20);
      s = await persister.stats();
    }
    const storedMs = s.lastCommitMs - start;
    const eventsPerS = Math.round(total / (storedMs / 1000));
    appendMs.sort((a, b) => a - b);

    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    const rows = Number((await check.query(`select count(*) as n from events`)).rows[0].n);
    await check.end();
    if (rows !== total) throw new Error(`the table holds ${rows} rows, expected ${total}`);

    const stop = persister.next("stopped");
    persister.send({ type: "stop" });
    await stop;

    // Baselines: the same kind of events, straight into the database.
    const baselineDb = await openDatabase({ databaseUrl, dataDir: "unused" });
    const store = new EventStore(baselineDb);
    const copyEvents = Array.from(
      { length: 120_000 },
      (_, i) =>
        encodeEvent(marketEvent(`BASE/m${1 + (i % MARKETS)}`, 1 + Math.floor(i / MARKETS), 0, 0)),
    );
    let t0 = performance.now();
    for (let i = 0; i < copyEvents.length; i += 4000) {
      await store.insertEvents(copyEvents.slice(i, i + 4000));
    }
    const storeOnly = copyEvents.length / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    let single = 0;
    while (performance.now() - t0 < 3000) {
      const e = marketEvent("ROW/m1", single + 1, 0, 0);
      await baselineDb.execute(
        `insert into events (stream, seq, wall_ms, round, round_ms, kind, data) values ($1, $2, $3, $4, $5, $6, $7)`,
        [e.stream, e.seq, e.wallMs, e.round, e.roundMs, e.kind, JSON.stringify(e.data)],
      );
      single++;
    }
    const singleRows = single / ((performance.now() - t0) / 1000);
    await baselineDb.close();

    const avgBytes = Math.round(
      copyEvents.slice(0, 1000).reduce((n, e) => n + e.dataJson.length, 0) / 1000,
    );
    console.log("");
    console.log(`events                    ${total} (data ${avgBytes} bytes of JSON on average)`);
    console.log(`offered for               ${(offeredMs / 1000).toFixed(2)} s`);
    console.log(
      `stored, events/s          ${eventsPerS}  (all ${total} by ${
        (storedMs / 1000).toFixed(2)
      } s)`,
    );
    console.log(
      `event → commit lag        p50 ${s.commitLagP50Ms.toFixed(1)} ms, p99 ${
        s.commitLagP99Ms.toFixed(1)
      } ms, max ${s.commitLagMaxMs.toFixed(1)} ms`,
    );
    console.log(
      `append call               p50 ${quantile(appendMs, 0.5).toFixed(2)} ms, p99 ${
        quantile(appendMs, 0.99).toFixed(2)
      } ms (${appendMs.length} calls)`,
    );
    console.log(
      `persister batches         ${s.batches}, ${
        Math.round(s.handled / Math.max(1, s.batches))
      } events each on average`,
    );
    console.log(
      `baseline: store alone     ${
        Math.round(storeOnly)
      } events/s (COPY batches of 4000, no Redis)`,
    );
    console.log(
      `baseline: row by row      ${Math.round(singleRows)} events/s (one INSERT per event)`,
    );
    console.log(`ratio to row by row       ${(eventsPerS / singleRows).toFixed(1)}×`);
    console.log(JSON.stringify({
      events_per_s: eventsPerS,
      lag_p50_ms: Number(s.commitLagP50Ms.toFixed(1)),
      lag_p99_ms: Number(s.commitLagP99Ms.toFixed(1)),
    }));
  } finally {
    persister.worker.terminate();
    await log.close();
    const redis = new RedisConnection(REDIS_URL);
    try {
      await redis.ready();
      const names = await redis.send(["SMEMBERS", `${prefix}streams`]) as string[];
      const keys = [...names.map((n) => prefix + n), `${prefix}streams`];
      for (let i = 0; i < keys.length; i += 100) {
        await redis.send(["UNLINK", ...keys.slice(i, i + 100)]);
      }
    } finally {
      await redis.close();
    }
    await admin(`drop database if exists ${dbName} with (force)`);
  }
}

if (import.meta.main) await main();
