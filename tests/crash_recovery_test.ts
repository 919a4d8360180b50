/**
 * The server process killed mid-round (SIGKILL: no shutdown code runs) and
 * started again rebuilds every market from its event log: the book, each
 * subject's role, orders and wallet, and the round clock; subjects
 * reconnect into the same state and trade on. Run on the embedded log and
 * on Redis streams with the Postgres persister, whose table then holds
 * every event exactly once.
 */

import assert from "node:assert/strict";
import {
  delay,
  freshDatabase,
  noPostgres,
  noRedis,
  REDIS_URL,
  redisCommand,
  redisPrefix,
  sqlOnce,
  waitFor,
} from "./storage_helpers.ts";
import { adminFetch, spawnServer, SubjectClient } from "./server_process.ts";
import type { SubjectSnapshot } from "../protocol/subject_protocol.ts";

const CONFIG = (await Deno.readTextFile(new URL("../configs/elo-cda-demo.yaml", import.meta.url)))
  .replace("session-duration: 120", "session-duration: 90");
const PASSWORD = "crash-test";

interface Created {
  code: string;
  participants: { label: string; url: string }[];
}

function state(client: SubjectClient): SubjectSnapshot {
  return client.last("snapshot")!.state as SubjectSnapshot;
}

async function snapshotOf(origin: string, url: string): Promise<SubjectSnapshot> {
  const c = await SubjectClient.connect(origin, url);
  await waitFor("a snapshot", () => c.last("snapshot") !== undefined, 10_000);
  await c.close();
  return state(c);
}

async function crashAndRecover(env: Record<string, string>) {
  let server = await spawnServer(env);
  try {
    const api = adminFetch(server.origin, PASSWORD);
    const created = await api("/api/sessions", { method: "POST", body: CONFIG });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { code, participants } = created.body as Created;
    assert.equal((await api(`/api/sessions/${code}/start`, { method: "POST" })).status, 200);

    const p1 = await SubjectClient.connect(server.origin, participants[0].url);
    const p2 = await SubjectClient.connect(server.origin, participants[1].url);
    p1.send({ type: "role", role: "manual" });
    p2.send({ type: "role", role: "automated" });
    p2.send({ type: "sliders", a_x: 0, a_y: 0.3, a_z: 0.7 });
    p1.send({ type: "order", side: "B", price: 900_000 });
    await waitFor(
      "p1's bid is live",
      () =>
        ((p1.last("orders")?.orders ?? []) as { price: number; state: string }[])
          .some((o) => o.price === 900_000 && o.state === "live"),
      10_000,
    );
    await delay(600);
    const lastSeq = p1.lastSeq;
    const before = await snapshotOf(server.origin, participants[0].url);
    const before2 = await snapshotOf(server.origin, participants[1].url);
    await p1.close();
    await p2.close();
    await delay(100);

    await server.kill();
    server = await spawnServer(env);
    assert.match(server.output(), /rebuilt 1 session/);

    const view = await adminFetch(server.origin, PASSWORD)(`/api/sessions/${code}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.phase, "running");
    assert.equal(view.body.round, 1);

    // a screen that reconnects with its old sequence number gets the whole state
    const again = await SubjectClient.connect(server.origin, participants[0].url, lastSeq);
    await waitFor("the snapshot after the restart", () => again.last("snapshot") !== undefined);
    const after = state(again);
    assert.equal(after.strategy.role, "manual");
    assert.deepEqual(
      after.orders.map((o) => [o.side, o.price, o.state]),
      before.orders.map((o) => [o.side, o.price, o.state]),
    );
    assert.equal(after.wallet.inventory, before.wallet.inventory);
    assert.equal(after.wallet.cash, before.wallet.cash);
    assert.equal(after.clock.round, 1);
    assert.equal(after.clock.phase, "running");
    // the clock stood still while the server was down, so no trading time was
    // lost; it resumes from its last note in the log, at most a second back
    assert.ok(
      after.clock.round_ms >= before.clock.round_ms - 1100,
      `${after.clock.round_ms} vs ${before.clock.round_ms}`,
    );
    assert.ok(after.clock.round_ms < before.clock.round_ms + 3000);
    assert.ok(after.levels.some((l) => l.price === 900_000 && l.bid_volume >= 1));
    const after2 = await snapshotOf(server.origin, participants[1].url);
    assert.deepEqual(after2.strategy, before2.strategy);
    assert.equal(after2.strategy.role, "automated");

    // and it trades on: the other subject sells into the best bid
    const p2again = await SubjectClient.connect(server.origin, participants[1].url);
    p2again.send({ type: "role", role: "manual" });
    p2again.send({ type: "order", side: "S", price: 10_000 });
    await waitFor(
      "a fill after the restart",
      () =>
        (p2again.last("wallet")?.wallet as { inventory: number } | undefined)?.inventory ===
          before2.wallet.inventory - 1,
      10_000,
    );
    await again.close();
    await p2again.close();
    return { code, server };
  } catch (e) {
    console.error(server.output());
    await server.kill();
    throw e;
  }
}

Deno.test("crash recovery: the embedded default rebuilds a killed server's round", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hft-crash-" });
  try {
    const { server } = await crashAndRecover({
      HFT_DATA_DIR: dir,
      HFT_ADMIN_PASSWORD: PASSWORD,
    });
    await server.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "crash recovery: on Redis and Postgres, and the database holds every event once",
  ignore: noRedis || noPostgres,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hft-crash-" });
    const redis = redisPrefix();
    const db = await freshDatabase();
    try {
      const { code, server } = await crashAndRecover({
        HFT_DATA_DIR: dir,
        HFT_ADMIN_PASSWORD: PASSWORD,
        REDIS_URL,
        EVENTLOG_PREFIX: redis.prefix,
        DATABASE_URL: db.url,
      });
      const health = async () => (await (await fetch(`${server.origin}/health`)).json());
      await waitFor("the persister to catch up", async () => {
        const h = await health();
        return h.events_held === 0 && h.persister_lag_ms === 0 && h.persisted > 0;
      }, 20_000);
      // the restarted server's persister came back under its predecessor's
      // name, so whatever that one had read and not stored was its own to take
      // RESP 2: one flat [field, value, …] list per consumer
      const consumers = await redisCommand([
        "XINFO",
        "CONSUMERS",
        `${redis.prefix}${code}`,
        "persisters",
      ]) as string[][];
      const names = consumers.map((c) => c[c.indexOf("name") + 1]);
      assert.deepEqual(names, [`${Deno.hostname()}-server`]);
      await delay(300);
      const rows = await sqlOnce<{ stream: string; n: string; max: string; distinct: string }>(
        db.url,
        `select stream, count(*) as n, max(seq) as max, count(distinct seq) as distinct
         from events where stream like $1 group by stream`,
        [`${code}%`],
      );
      assert.ok(rows.length >= 2, JSON.stringify(rows));
      for (const r of rows) {
        // gapless from 1 and no duplicates (the primary key forbids them anyway)
        assert.equal(Number(r.n), Number(r.max), `${r.stream}: ${r.n} rows, max seq ${r.max}`);
        assert.equal(Number(r.distinct), Number(r.n));
      }
      await server.stop();
    } finally {
      await redis.cleanup();
      await db.drop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
