/**
 * The event store on both databases: PGlite and a fresh PostgreSQL
 * database. Events come back exactly as written, a batch stored twice is
 * stored once, and the migrations run once however many processes start.
 */

import assert from "node:assert/strict";
import type { LogEvent } from "../eventlog/log_event.ts";
import { encodeEvent } from "../eventlog/event_source.ts";
import { type Database, isTransientError, openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { migrate, MIGRATIONS } from "../store/migrations.ts";
import { awkward, freshDatabase, marketEvents, noPostgres } from "./storage_helpers.ts";

interface Target {
  name: string;
  ignore: boolean;
  open(): Promise<{ db: Database; url?: string; cleanup(): Promise<void> }>;
}

const TARGETS: Target[] = [
  {
    name: "pglite",
    ignore: false,
    async open() {
      const dir = await Deno.makeTempDir();
      const db = await openDatabase({ dataDir: dir });
      return {
        db,
        async cleanup() {
          await db.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
    },
  },
  {
    name: "postgres",
    ignore: noPostgres,
    async open() {
      const fresh = await freshDatabase();
      const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
      return {
        db,
        url: fresh.url,
        async cleanup() {
          await db.close();
          await fresh.drop();
        },
      };
    },
  },
];

function sorted(events: LogEvent[]): LogEvent[] {
  return [...events].sort((a, b) =>
    a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq
  );
}

const noSanitize = { sanitizeOps: false, sanitizeResources: false };

for (const target of TARGETS) {
  Deno.test({
    name: `event store (${target.name}): round trip, idempotent insert, queries`,
    ignore: target.ignore,
    ...noSanitize,
    async fn() {
      const { db, cleanup } = await target.open();
      try {
        const store = new EventStore(db);
        assert.deepStrictEqual(await store.streams(), []);
        assert.equal(await store.lastSeq("AB12/m1"), 0);

        const session = [awkward("AB12", 1), awkward("AB12", 2)];
        const m1 = marketEvents("AB12/m1", 1, 40);
        const m2 = marketEvents("AB12/m2", 1, 25);
        const m10 = marketEvents("AB12/m10", 1, 3);
        const other = marketEvents("ZZ99/m1", 1, 5);
        // Plain LogEvents and encoded ones, in any order.
        const firstBatch = [...m2.slice(0, 10), ...session, ...m1.slice(0, 20)];
        assert.equal(await store.insertEvents(firstBatch.map(encodeEvent)), 32);
        assert.equal(await store.insertEvents([...m10, ...other, ...m1.slice(20)]), 28);

        assert.deepStrictEqual(await store.readStream("AB12"), session);
        assert.deepStrictEqual(await store.readStream("AB12/m1"), m1.slice(0, 40));
        assert.deepStrictEqual(await store.readStream("AB12/m1", 35), m1.slice(35));
        assert.deepStrictEqual(await store.readStream("AB12/m1", 10, 5), m1.slice(10, 15));
        assert.equal(await store.lastSeq("AB12/m1"), 40);
        assert.equal(await store.lastSeq("AB12/m2"), 10);
        assert.deepStrictEqual(await store.streams("AB12/"), ["AB12/m1", "AB12/m10", "AB12/m2"]);
        assert.deepStrictEqual(await store.streams(), [
          "AB12",
          "AB12/m1",
          "AB12/m10",
          "AB12/m2",
          "ZZ99/m1",
        ]);
        assert.deepStrictEqual(await store.sessions(), ["AB12", "ZZ99"]);
        // LIKE wildcards in a prefix are plain characters.
        assert.deepStrictEqual(await store.streams("AB1_"), []);

        // The same batch again adds nothing; an overlapping one adds only what is new.
        assert.equal(await store.insertEvents(firstBatch), 0);
        assert.equal(await store.insertEvents(m2), 15);
        assert.equal(await store.insertEvents([...m2, ...m2]), 0);
        const count = await db.query<{ n: unknown }>(`select count(*) as n from events`);
        assert.equal(Number(count[0].n), 2 + 40 + 25 + 3 + 5);

        const read = await store.readSession("AB12");
        assert.equal(read.code, "AB12");
        assert.deepStrictEqual(read.session, session);
        assert.deepStrictEqual(read.markets.map((m) => m.stream), [
          "AB12/m1",
          "AB12/m2",
          "AB12/m10",
        ]);
        assert.deepStrictEqual(read.markets.map((m) => m.events), [m1, m2, m10]);
        assert.deepStrictEqual(sorted((await store.readSession("ZZ99")).markets[0].events), other);
        assert.deepStrictEqual(await store.readSession("NONE"), {
          code: "NONE",
          session: [],
          markets: [],
        });

        // Exports find one kind of one session through the session column.
        const orders = await db.query<{ n: unknown }>(
          `select count(*) as n from events where session = $1 and kind = $2`,
          ["AB12", "order"],
        );
        assert.equal(
          Number(orders[0].n),
          [...m1, ...m2, ...m10].filter((e) => e.kind === "order").length,
        );

        // A hole: the stored prefix stops before it.
        const m3 = marketEvents("AB12/m3", 1, 10);
        await store.insertEvents([...m3.slice(0, 4), ...m3.slice(6)]);
        assert.equal(await store.storedPrefix("AB12/m3"), 4);
        assert.equal(await store.lastSeq("AB12/m3"), 10);
        await store.insertEvents(m3);
        assert.equal(await store.storedPrefix("AB12/m3"), 10);
        assert.equal(await store.storedPrefix("nothing"), 0);

        // Values travel only as parameters.
        const evil = marketEvents("x'); drop table events; --", 1, 1);
        assert.equal(await store.insertEvents(evil), 1);
        assert.deepStrictEqual(await store.readStream(evil[0].stream), evil);
      } finally {
        await cleanup();
      }
    },
  });

  Deno.test({
    name: `migrations (${target.name}): applied once, recorded, safe to rerun`,
    ignore: target.ignore,
    ...noSanitize,
    async fn() {
      const { db, url, cleanup } = await target.open();
      try {
        assert.deepStrictEqual(await migrate(db), []);
        const rows = await db.query<{ version: unknown }>(
          `select version from schema_migrations order by version`,
        );
        assert.deepStrictEqual(
          rows.map((r) => Number(r.version)),
          MIGRATIONS.map((m) => m.version),
        );
        if (url !== undefined) {
          // Several processes starting at once: one applies, the others wait and find it done.
          await db.query(`drop table events, event_streams, schema_migrations`);
          const dbs = await Promise.all(
            [1, 2, 3].map(() => openDatabase({ databaseUrl: url, dataDir: "", migrate: false })),
          );
          try {
            const results = await Promise.all(dbs.map((d) => migrate(d)));
            assert.deepStrictEqual(results.flat().sort(), MIGRATIONS.map((m) => m.version));
          } finally {
            await Promise.all(dbs.map((d) => d.close()));
          }
          const again = await db.query<{ n: unknown }>(
            `select count(*) as n from schema_migrations`,
          );
          assert.equal(Number(again[0].n), MIGRATIONS.length);
        }
        // A failing migration leaves nothing behind.
        await assert.rejects(() =>
          migrate(db, [...MIGRATIONS, {
            version: 999,
            name: "broken",
            statements: [`create table half_done (x int)`, `select * from no_such_table`],
          }])
        );
        const half = await db.query(
          `select 1 from information_schema.tables where table_name = $1`,
          [
            "half_done",
          ],
        );
        assert.deepStrictEqual(half, []);
        const recorded = await db.query(`select 1 from schema_migrations where version = 999`);
        assert.deepStrictEqual(recorded, []);
      } finally {
        await cleanup();
      }
    },
  });
}

Deno.test({
  name: "event store (postgres): the same batch stored by two writers at once lands once",
  ignore: noPostgres,
  ...noSanitize,
  async fn() {
    const fresh = await freshDatabase();
    const db = await openDatabase({ databaseUrl: fresh.url, dataDir: "unused" });
    try {
      const store = new EventStore(db, { copyTimeoutMs: 1000 });
      const batch = [...marketEvents("R/m1", 1, 300), ...marketEvents("R/m2", 1, 300)];
      for (let round = 0; round < 3; round++) {
        const more = batch.map((e) => ({ ...e, seq: e.seq + round * 300 }));
        const counts = await Promise.all([store.insertEvents(more), store.insertEvents(more)]);
        assert.equal(counts[0] + counts[1], more.length, `round ${round}: ${counts}`);
      }
      const rows = await db.query<{ n: unknown }>(`select count(*) as n from events`);
      assert.equal(Number(rows[0].n), 3 * batch.length);

      // A COPY the server refuses fails with the server's error, and the pool goes on.
      await assert.rejects(
        () =>
          db.transaction((tx) =>
            tx.copyFrom!(`copy event_streams (stream, session) from stdin`, "R/m1\tR\n", 5000)
          ),
        (e: Error & { code?: string }) => e.code === "23505",
      );
      for (let i = 0; i < 8; i++) assert.equal((await db.query(`select 1 as x`)).length, 1);
    } finally {
      await db.close();
      await fresh.drop();
    }
  },
});

Deno.test("isTransientError: connection trouble is retried, bad data is not", () => {
  assert.equal(
    isTransientError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })),
    true,
  );
  assert.equal(
    isTransientError(Object.assign(new Error("x"), { code: "CONNECTION_CLOSED" })),
    true,
  );
  assert.equal(isTransientError(Object.assign(new Error("x"), { code: "57P01" })), true);
  assert.equal(isTransientError(Object.assign(new Error("x"), { code: "40P01" })), true);
  assert.equal(isTransientError(new Error("no code")), true);
  assert.equal(isTransientError(Object.assign(new Error("x"), { code: "22P02" })), false);
  assert.equal(isTransientError(Object.assign(new Error("x"), { code: "23505" })), false);
});
