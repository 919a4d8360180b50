/**
 * The persister under faults, with trading going on throughout:
 * - the persister process is SIGKILLed mid-batch, again and again, and a
 *   successor (under a new name, then under the dead one's) takes over;
 * - PostgreSQL is stopped for 30 s: the log keeps growing, nothing is
 *   acknowledged, the outage is reported once, and the backlog drains when
 *   the database is back.
 * Each ends with every (stream, seq) stored exactly once.
 */

import assert from "node:assert/strict";
import { RedisEventLog } from "../eventlog/redis_event_log.ts";
import type { Database } from "../store/database.ts";
import { openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { Persister } from "../workers/persister.ts";
import {
  canControlPostgres,
  delay,
  freshDatabase,
  hasRedisServer,
  marketEvents,
  noPostgres,
  noRedis,
  postgresCluster,
  PrivateRedis,
  REDIS_URL,
  redisPrefix,
  waitFor,
} from "./storage_helpers.ts";

const noSanitize = { sanitizeOps: false, sanitizeResources: false };

/** Keeps appending small batches to every stream, as markets do, until stopped. */
class Trading {
  readonly next = new Map<string, number>();
  appended = 0;
  #stop = false;
  #done: Promise<void>;

  constructor(log: RedisEventLog, streams: string[], perBatch: number, pauseMs: number) {
    for (const s of streams) this.next.set(s, 1);
    this.#done = (async () => {
      while (!this.#stop) {
        await Promise.all(streams.map(async (s) => {
          const from = this.next.get(s)!;
          await log.append(marketEvents(s, from, perBatch));
          this.next.set(s, from + perBatch);
          this.appended += perBatch;
        }));
        await delay(pauseMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }

  /** Per stream, its last seq. */
  expected(): Map<string, number> {
    return new Map([...this.next].map(([s, n]) => [s, n - 1]));
  }
}

async function assertExactlyOnce(db: Database, expected: Map<string, number>): Promise<void> {
  const rows = await db.query<{ stream: string; n: unknown; lo: unknown; hi: unknown }>(
    `select stream, count(*) as n, min(seq) as lo, max(seq) as hi from events group by stream`,
  );
  const got = new Map(rows.map((r) => [r.stream, [Number(r.n), Number(r.lo), Number(r.hi)]]));
  for (const [stream, n] of expected) {
    assert.deepStrictEqual(got.get(stream), [n, 1, n], `stream ${stream}`);
  }
  assert.equal(got.size, expected.size);
}

async function storedCount(db: Database): Promise<number> {
  return Number((await db.query<{ n: unknown }>(`select count(*) as n from events`))[0].n);
}

function spawnPersister(name: string, redisUrl: string, databaseUrl: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL("../workers/main.ts", import.meta.url).pathname],
    env: {
      REDIS_URL: redisUrl,
      DATABASE_URL: databaseUrl,
      PERSISTER_NAME: name,
      PERSISTER_CLAIM_IDLE_MS: "1000",
      NO_COLOR: "1",
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test({
  name: "fault: the persister process is SIGKILLed mid-batch and a successor resumes",
  ignore: noPostgres || !hasRedisServer,
  ...noSanitize,
  async fn() {
    const redis = new PrivateRedis();
    await redis.start();
    const fresh = await freshDatabase();
    const log = await RedisEventLog.open(redis.url);
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
    const streams = ["F1", ...Array.from({ length: 9 }, (_, i) => `F1/m${i + 1}`)];
    const trading = new Trading(log, streams, 8, 3);
    const children: Deno.ChildProcess[] = [];
    try {
      let pendingAtKills = 0;
      // A dies; B (a new name) must claim A's batches; B dies; A (the same name) comes back.
      for (const name of ["a", "b"]) {
        const before = await storedCount(db);
        const child = spawnPersister(name, redis.url, fresh.url);
        children.push(child);
        await waitFor(
          `persister ${name} to store`,
          async () => (await storedCount(db)) > before + 2000,
        );
        await delay(Math.random() * 200);
        child.kill("SIGKILL");
        const status = await child.status;
        assert.equal(status.signal, "SIGKILL");
        pendingAtKills += (await log.backlog("persisters")).pending;
      }
      // Batches were in hand at the kills: delivered, not acknowledged.
      assert.ok(pendingAtKills > 0, "no batch was pending at any kill");

      const last = spawnPersister("a", redis.url, fresh.url);
      children.push(last);
      await delay(1500);
      await trading.stop();
      const expected = trading.expected();
      const total = trading.appended;
      assert.ok(total > 5000, `only ${total} appended`);
      await waitFor("the backlog to drain", async () => (await storedCount(db)) >= total, 60_000);
      await waitFor("all acknowledged", async () => {
        const b = await log.backlog("persisters");
        return b.pending === 0 && b.undelivered === 0;
      });
      await assertExactlyOnce(db, expected);
      // A clean stop on SIGTERM.
      last.kill("SIGTERM");
      assert.equal((await last.status).code, 0);
    } finally {
      await trading.stop();
      for (const c of children) {
        try {
          c.kill("SIGKILL");
        } catch { /* already gone */ }
        await c.status;
      }
      await log.close();
      await db.close();
      await fresh.drop();
      await redis.kill();
    }
  },
});

Deno.test({
  name: "fault: PostgreSQL stopped for 30 s while trading goes on, then the backlog drains",
  ignore: noRedis || noPostgres || !canControlPostgres,
  ...noSanitize,
  async fn() {
    const { prefix, cleanup } = redisPrefix();
    const fresh = await freshDatabase();
    const log = await RedisEventLog.open(REDIS_URL, { prefix });
    const source = await RedisEventLog.open(REDIS_URL, { prefix });
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
    const messages: string[] = [];
    const persister = new Persister({
      source,
      store: new EventStore(db),
      consumer: "p",
      log: (m) => messages.push(m),
    });
    persister.start();
    const streams = ["D1", ...Array.from({ length: 5 }, (_, i) => `D1/m${i + 1}`)];
    const trading = new Trading(log, streams, 4, 5);
    let stopped = false;
    try {
      await waitFor("the first events stored", () => persister.stats().persisted > 500);
      await postgresCluster("stop");
      stopped = true;
      const handledAtStop = persister.stats().handled;
      const appendedAtStop = trading.appended;

      const backlogs: number[] = [];
      const started = Date.now();
      while (Date.now() - started < 30_000) {
        await delay(5_000);
        const b = await log.backlog("persisters");
        // Nothing acknowledged: what is owed is exactly what was appended and not handled.
        assert.equal(b.pending + b.undelivered, trading.appended - persister.stats().handled);
        backlogs.push(b.pending + b.undelivered);
      }
      const s = persister.stats();
      assert.ok(s.databaseDown, "the persister did not notice the outage");
      assert.ok(s.lagMs >= 25_000, `lag ${s.lagMs} ms`);
      // At most the batch committing at the stop got through.
      assert.ok(
        s.handled - handledAtStop <= 8000,
        `${s.handled - handledAtStop} handled while down`,
      );
      assert.ok(
        trading.appended - appendedAtStop > 5000,
        "trading stalled while the database was down",
      );
      for (let i = 1; i < backlogs.length; i++) {
        assert.ok(backlogs[i] > backlogs[i - 1], `the backlog did not grow: ${backlogs}`);
      }

      await postgresCluster("start");
      stopped = false;
      await delay(2000);
      await trading.stop();
      const total = trading.appended;
      await waitFor("the backlog to drain", () => persister.stats().handled >= total, 120_000);
      assert.deepStrictEqual(await log.backlog("persisters"), { pending: 0, undelivered: 0 });
      assert.equal(persister.stats().persisted, total);
      assert.equal(persister.stats().databaseDown, false);
      await assertExactlyOnce(db, trading.expected());
      // Reported when it began and when it ended, not at every retry (about 35 of them). A
      // shutting-down server may still take a connection after the first one broke: that flap
      // is reported as its own short outage, so up to two pairs, and the long one among them.
      const about = messages.filter((m) => m.includes("database"));
      const report = about.join("\n");
      assert.ok(about.length === 2 || about.length === 4, report);
      about.forEach((m, i) => assert.match(m, i % 2 === 0 ? /failing/ : /works again/, report));
      const longest = Math.max(
        ...about.map((m) => Number(/works again after ([\d.]+) s/.exec(m)?.[1] ?? 0)),
      );
      assert.ok(longest >= 25, report);
    } finally {
      if (stopped) await postgresCluster("start");
      await trading.stop();
      await persister.stop();
      await log.close();
      await source.close();
      await db.close();
      await waitFor("PostgreSQL to accept connections", async () => {
        try {
          await fresh.drop();
          return true;
        } catch {
          return false;
        }
      }, 60_000);
      await cleanup();
    }
  },
});
