/**
 * The persister end to end: every appended event lands in the database
 * exactly once, over the embedded pair (memory log, PGlite) and over Redis
 * with PostgreSQL (two persisters sharing the group, and the Worker that
 * the server starts); a redelivered batch adds nothing; an event the
 * database refuses does not hold up the rest.
 */

import assert from "node:assert/strict";
import type { LogEvent } from "../eventlog/log_event.ts";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { RedisEventLog } from "../eventlog/redis_event_log.ts";
import type { Database } from "../store/database.ts";
import { openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { LagHistogram, Persister } from "../workers/persister.ts";
import type { FromPersisterWorker, ToPersisterWorker } from "../workers/persister_worker.ts";
import {
  freshDatabase,
  marketEvents,
  noPostgres,
  noRedis,
  REDIS_URL,
  redisPrefix,
  waitFor,
} from "./storage_helpers.ts";
import { createClient } from "@redis/client";

const noSanitize = { sanitizeOps: false, sanitizeResources: false };
const quiet = () => {};

/** Appends `perStream` events to each stream in small batches, markets interleaved. */
async function appendMany(
  log: { append(e: readonly LogEvent[]): Promise<void> },
  streams: string[],
  perStream: number,
  batch = 7,
  fromSeq = 1,
): Promise<number> {
  for (let seq = fromSeq; seq < fromSeq + perStream; seq += batch) {
    const n = Math.min(batch, fromSeq + perStream - seq);
    await Promise.all(streams.map((s) => log.append(marketEvents(s, seq, n))));
  }
  return streams.length * perStream;
}

/** Every stored (stream, seq) once, 1..n per stream, and nothing else. */
async function assertExactlyOnce(db: Database, expected: Map<string, number>): Promise<void> {
  const rows = await db.query<{ stream: string; n: unknown; lo: unknown; hi: unknown }>(
    `select stream, count(*) as n, min(seq) as lo, max(seq) as hi from events group by stream`,
  );
  const got = new Map(rows.map((r) => [r.stream, [Number(r.n), Number(r.lo), Number(r.hi)]]));
  for (const [stream, n] of expected) {
    assert.deepStrictEqual(got.get(stream), [n, 1, n], `stream ${stream}`);
  }
  assert.equal(got.size, expected.size, `streams stored: ${[...got.keys()]}`);
}

Deno.test("LagHistogram: quantiles within a bucket's width", () => {
  const h = new LagHistogram();
  assert.equal(h.quantile(0.5), 0);
  for (let i = 1; i <= 1000; i++) h.add(i);
  assert.equal(h.count, 1000);
  assert.ok(Math.abs(h.quantile(0.5) - 500) / 500 < 0.03, `${h.quantile(0.5)}`);
  assert.ok(Math.abs(h.quantile(0.99) - 990) / 990 < 0.03, `${h.quantile(0.99)}`);
  assert.equal(h.quantile(1), 1000);
  h.add(0.05);
  assert.ok(h.quantile(0.0001) <= 0.1);
  h.reset();
  assert.equal(h.count, 0);
});

Deno.test({
  name: "persister (memory log → PGlite): all land once, and a restart skips what is stored",
  ...noSanitize,
  async fn() {
    const dir = await Deno.makeTempDir();
    const journalPath = `${dir}/eventlog.jsonl`;
    try {
      const streams = ["E1", "E1/m1", "E1/m2", "E1/m3", "E2/m1"];
      let log = await MemoryEventLog.open({ journalPath });
      let db = await openDatabase({ dataDir: dir });
      let persister = new Persister({
        source: log,
        store: new EventStore(db),
        consumer: "embedded",
        batchSize: 500,
        log: quiet,
      });
      persister.start();
      // Appended while the persister runs.
      const total = await appendMany(log, streams, 300);
      await waitFor("the backlog to drain", () => persister.stats().handled >= total, 60_000);
      const s = persister.stats();
      assert.equal(s.persisted, total);
      assert.equal(s.handled, total);
      assert.ok(s.batches > 1);
      assert.ok(s.commitLagP99Ms >= s.commitLagP50Ms && s.commitLagP50Ms > 0);
      assert.deepStrictEqual(await log.backlog("persisters"), { pending: 0, undelivered: 0 });
      await persister.stop();
      assert.equal(persister.stats().running, false);
      await log.close();
      await db.close();
      // A new process: the journal is read back, the group starts afresh,
      // and what the database holds is skipped rather than offered again.
      log = await MemoryEventLog.open({ journalPath });
      db = await openDatabase({ dataDir: dir });
      persister = new Persister({
        source: log,
        store: new EventStore(db),
        consumer: "embedded",
        log: quiet,
      });
      persister.start();
      await appendMany(log, streams.slice(1, 3), 10, 5, 301);
      await waitFor("the new events", () => persister.stats().handled >= 20, 30_000);
      assert.equal(persister.stats().handled, 20);
      assert.equal(persister.stats().persisted, 20);
      await persister.stop();
      await assertExactlyOnce(
        db,
        new Map(streams.map((s, i) => [s, i === 1 || i === 2 ? 310 : 300])),
      );
      await log.close();
      await db.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "persister (Redis → PostgreSQL): two persisters share the work, each event once",
  ignore: noRedis || noPostgres,
  ...noSanitize,
  async fn() {
    const { prefix, cleanup } = redisPrefix();
    const fresh = await freshDatabase();
    const log = await RedisEventLog.open(REDIS_URL, { prefix });
    const dbs: Database[] = [];
    const persisters: Persister[] = [];
    try {
      for (const name of ["p1", "p2"]) {
        const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
        dbs.push(db);
        const source = await RedisEventLog.open(REDIS_URL, { prefix });
        const p = new Persister({
          source,
          store: new EventStore(db),
          consumer: name,
          batchSize: 1000,
          log: quiet,
        });
        persisters.push(p);
        p.start();
      }
      const streams = ["R1", ...Array.from({ length: 9 }, (_, i) => `R1/m${i + 1}`)];
      const total = await appendMany(log, streams, 1000, 20);
      const handled = () => persisters.reduce((n, p) => n + p.stats().handled, 0);
      const persisted = () => persisters.reduce((n, p) => n + p.stats().persisted, 0);
      await waitFor("the backlog to drain", () => handled() >= total, 60_000);
      assert.equal(persisted(), total);
      assert.equal(handled(), total);
      assert.deepStrictEqual(await log.backlog("persisters"), { pending: 0, undelivered: 0 });
      await assertExactlyOnce(dbs[0], new Map(streams.map((s) => [s, 1000])));

      // Every event delivered again (a new group reads it all): nothing is added.
      const again = new Persister({
        source: log,
        store: new EventStore(dbs[0]),
        consumer: "again",
        group: "replay",
        log: quiet,
      });
      again.start();
      await waitFor("the redelivery", () => again.stats().handled >= total, 60_000);
      await again.stop();
      assert.equal(again.stats().persisted, 0);
      await assertExactlyOnce(dbs[0], new Map(streams.map((s) => [s, 1000])));
    } finally {
      for (const p of persisters) await p.stop();
      await log.close();
      for (const db of dbs) await db.close();
      await fresh.drop();
      await cleanup();
    }
  },
});

Deno.test({
  name:
    "persister (Redis → PostgreSQL): an event the database refuses is reported, the rest stored",
  ignore: noRedis || noPostgres,
  ...noSanitize,
  async fn() {
    const { prefix, cleanup } = redisPrefix();
    const fresh = await freshDatabase();
    const log = await RedisEventLog.open(REDIS_URL, { prefix });
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
    const messages: string[] = [];
    const persister = new Persister({
      source: log,
      store: new EventStore(db, { copyTimeoutMs: 500 }),
      consumer: "p",
      backoffMinMs: 10,
      log: (m) => messages.push(m),
    });
    const raw = createClient({ url: REDIS_URL, RESP: 2 });
    raw.on("error", () => {});
    await raw.connect();
    try {
      await log.append(marketEvents("B1/m1", 1, 5));
      // Written behind the log's back: data that is not JSON.
      await raw.sendCommand([
        "XADD",
        log.keyOf("B1/m1"),
        "6-0",
        "wall_ms",
        "1",
        "round",
        "",
        "round_ms",
        "",
        "kind",
        "x",
        "data",
        "{not json",
      ]);
      await log.append(marketEvents("B1/m1", 7, 4));
      persister.start();
      await waitFor("the batch to be handled", () => persister.stats().handled >= 10, 30_000);
      const s = persister.stats();
      assert.equal(s.refused, 1);
      assert.equal(s.persisted, 9);
      assert.ok(messages.some((m) => m.includes("B1/m1#6")), messages.join("\n"));
      assert.deepStrictEqual(await log.backlog("persisters"), { pending: 0, undelivered: 0 });
      const seqs = await db.query<{ seq: unknown }>(`select seq from events order by seq`);
      assert.deepStrictEqual(seqs.map((r) => Number(r.seq)), [1, 2, 3, 4, 5, 7, 8, 9, 10]);
    } finally {
      await persister.stop();
      await raw.close();
      await log.close();
      await db.close();
      await fresh.drop();
      await cleanup();
    }
  },
});

Deno.test({
  name: "persister worker: init, stats and stop over messages",
  ignore: noRedis || noPostgres,
  ...noSanitize,
  async fn() {
    const { prefix, cleanup } = redisPrefix();
    const fresh = await freshDatabase();
    const log = await RedisEventLog.open(REDIS_URL, { prefix });
    const worker = new Worker(new URL("../workers/persister_worker.ts", import.meta.url), {
      type: "module",
    });
    const inbox: FromPersisterWorker[] = [];
    worker.onmessage = (e: MessageEvent<FromPersisterWorker>) => inbox.push(e.data);
    const send = (m: ToPersisterWorker) => worker.postMessage(m);
    try {
      send({ type: "init", redisUrl: REDIS_URL, databaseUrl: fresh.url, consumer: "w1", prefix });
      await waitFor("ready", () => inbox.some((m) => m.type === "ready" || m.type === "error"));
      assert.deepStrictEqual(inbox[0], { type: "ready", consumer: "w1" });
      const total = await appendMany(log, ["W/m1", "W/m2", "W"], 500, 25);
      let handled = 0;
      await waitFor("the worker to store everything", () => {
        send({ type: "stats" });
        const last = inbox.findLast((m) => m.type === "stats");
        if (last?.type === "stats") handled = last.stats.handled;
        return handled >= total;
      }, 60_000);
      send({ type: "stop" });
      await waitFor("stopped", () => inbox.some((m) => m.type === "stopped"));
      const stopped = inbox.find((m) => m.type === "stopped");
      assert.ok(stopped?.type === "stopped" && stopped.stats?.persisted === total);
      const rows = await (async () => {
        const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
        try {
          return await db.query<{ n: unknown }>(`select count(*) as n from events`);
        } finally {
          await db.close();
        }
      })();
      assert.equal(Number(rows[0].n), total);

      // An init that cannot connect says why.
      const bad = new Worker(new URL("../workers/persister_worker.ts", import.meta.url), {
        type: "module",
      });
      const badInbox: FromPersisterWorker[] = [];
      bad.onmessage = (e: MessageEvent<FromPersisterWorker>) => badInbox.push(e.data);
      bad.postMessage({ type: "init", redisUrl: "redis://127.0.0.1:1", databaseUrl: fresh.url });
      await waitFor("the error", () => badInbox.some((m) => m.type === "error"), 15_000);
      const err = badInbox.find((m) => m.type === "error");
      assert.ok(err?.type === "error" && err.message.includes("redis://127.0.0.1:1"));
      bad.terminate();
    } finally {
      worker.terminate();
      await log.close();
      await fresh.drop();
      await cleanup();
    }
  },
});

Deno.test({
  name: "persister: maxBusyShare spaces the batches so the inserts keep to that share of a core",
  ...noSanitize,
  async fn() {
    const log = await MemoryEventLog.open();
    await appendMany(log, ["B1/m1"], 40, 40);
    const starts: number[] = [];
    // a database whose every batch takes 30 ms
    const store = {
      db: { location: "a test double" },
      storedPrefix: () => Promise.resolve(0),
      async insertEvents(events: readonly unknown[]) {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 30));
        return events.length;
      },
    } as unknown as EventStore;
    const persister = new Persister({
      source: log,
      store,
      consumer: "capped",
      batchSize: 10,
      maxInFlight: 1,
      maxBusyShare: 0.25,
      log: quiet,
    });
    persister.start();
    await waitFor("four batches", () => persister.stats().handled >= 40, 10_000);
    await persister.stop();
    await log.close();
    assert.equal(starts.length, 4);
    // 30 ms of work at a quarter share: a batch begins 120 ms after the last began
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i] - starts[i - 1];
      assert.ok(gap >= 115, `batch ${i + 1} began ${gap.toFixed(1)} ms after batch ${i}`);
    }
    assert.throws(
      () => new Persister({ source: log, store, consumer: "x", maxBusyShare: 0 }),
      /maxBusyShare must be in \(0, 1\], got 0/,
    );
  },
});
