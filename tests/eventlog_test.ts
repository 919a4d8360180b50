/**
 * Both event log backends against one contract (append, read, lastSeq,
 * streams, a retried batch, a gap, the consumer groups), then what only
 * one of them does: the memory log's journal, and Redis going away.
 */

import assert from "node:assert/strict";
import { EventLogUnavailableError, EventSequenceError } from "../eventlog/log_event.ts";
import type { EventLog, LogEvent } from "../eventlog/log_event.ts";
import type { EventSource, SourceEntry } from "../eventlog/event_source.ts";
import { decodeEvent } from "../eventlog/event_source.ts";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { RedisEventLog } from "../eventlog/redis_event_log.ts";
import { openEventLog } from "../eventlog/open_event_log.ts";
import {
  delay,
  freePort,
  hasRedisServer,
  marketEvents,
  noRedis,
  PrivateRedis,
  REDIS_URL,
  redisPrefix,
  rejectsWith,
  waitFor,
} from "./storage_helpers.ts";

type Log = EventLog & EventSource;

interface Backend {
  name: string;
  ignore: boolean;
  open(): Promise<{ log: Log; reopen?: () => Promise<Log>; cleanup(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: "memory",
    ignore: false,
    open: () => {
      const log = MemoryEventLog.open();
      return log.then((log) => ({ log, cleanup: () => log.close() }));
    },
  },
  {
    name: "memory+journal",
    ignore: false,
    async open() {
      const dir = await Deno.makeTempDir();
      const journalPath = `${dir}/eventlog.jsonl`;
      const log = await MemoryEventLog.open({ journalPath });
      return {
        log,
        cleanup: async () => {
          await log.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
    },
  },
  {
    name: "redis",
    ignore: noRedis,
    async open() {
      const { prefix, cleanup } = redisPrefix();
      const log = await RedisEventLog.open(REDIS_URL, { prefix });
      const opened: RedisEventLog[] = [log];
      return {
        log,
        reopen: async () => {
          const again = await RedisEventLog.open(REDIS_URL, { prefix });
          opened.push(again);
          return again;
        },
        cleanup: async () => {
          for (const l of opened) await l.close();
          await cleanup();
        },
      };
    },
  },
];

/** An event with awkward values: fractions, nulls, nesting, unicode, escapes. */
function oddEvent(stream: string, seq: number): LogEvent {
  return {
    stream,
    seq,
    wallMs: 1_767_225_600_123.456,
    round: null,
    roundMs: null,
    kind: "session_created",
    data: {
      code: "ABC123",
      config_text: 'name: "x"\n\ttab\\back\u00e9\u{1F600}',
      nested: { a: [1, 2.5, -0.125, null, { b: "" }], empty: {}, list: [] },
      big: 2147483647,
      neg: -1_000_000,
      tiny: 1e-7,
      flag: false,
      none: null,
    },
  };
}

const noSanitize = { sanitizeOps: false, sanitizeResources: false };

async function readAll(log: Log, group: string, consumer: string, want: number) {
  const got: SourceEntry[] = [];
  await waitFor(`${want} entries for ${consumer}`, async () => {
    const { entries } = await log.readGroup(group, consumer, { count: 1000, blockMs: 20 });
    got.push(...entries);
    return got.length >= want;
  }, 10_000);
  return got;
}

for (const backend of BACKENDS) {
  Deno.test({
    name: `event log (${backend.name}): append, read, lastSeq, streams, retries and gaps`,
    ignore: backend.ignore,
    ...noSanitize,
    async fn() {
      const { log, cleanup } = await backend.open();
      try {
        assert.deepStrictEqual(await log.lastSeq("S1/m1"), 0);
        assert.deepStrictEqual(await log.read("S1/m1"), []);

        const m1 = marketEvents("S1/m1", 1, 5);
        const m2 = marketEvents("S1/m2", 1, 3);
        const session = [oddEvent("S1", 1)];
        // One call across streams, interleaved.
        await log.append([m1[0], m2[0], session[0], m1[1], m2[1], m1[2]]);
        await log.append([m1[3], m1[4], m2[2]]);
        assert.deepStrictEqual(await log.read("S1/m1"), m1);
        assert.deepStrictEqual(await log.read("S1/m2"), m2);
        assert.deepStrictEqual(await log.read("S1"), session);
        assert.deepStrictEqual(await log.read("S1/m1", 3), m1.slice(3));
        assert.deepStrictEqual(await log.read("S1/m1", 5), []);
        assert.deepStrictEqual(await log.lastSeq("S1/m1"), 5);
        assert.deepStrictEqual(await log.lastSeq("S1"), 1);
        assert.deepStrictEqual(await log.streams(), ["S1", "S1/m1", "S1/m2"]);
        assert.deepStrictEqual(await log.streams("S1/"), ["S1/m1", "S1/m2"]);
        assert.deepStrictEqual(await log.streams("S2"), []);

        // A retried batch, whole or overlapping what is there, is taken once.
        await log.append([m1[3], m1[4]]);
        const more = marketEvents("S1/m1", 6, 2);
        await log.append([m1[4], ...more]);
        assert.deepStrictEqual(await log.read("S1/m1"), [...m1, ...more]);

        // A gap refuses the whole call, the good part included.
        const e = await rejectsWith(
          () => log.append([...marketEvents("S1/m2", 4, 1), ...marketEvents("S1/m1", 9, 1)]),
          EventSequenceError,
        );
        assert(e.message.includes("S1/m1"), e.message);
        assert.deepStrictEqual(await log.lastSeq("S1/m2"), 3);
        assert.deepStrictEqual(await log.lastSeq("S1/m1"), 7);
        // Out of order within a call is a gap too.
        await rejectsWith(
          () => log.append([...marketEvents("S1/m2", 5, 1), ...marketEvents("S1/m2", 4, 1)]),
          EventSequenceError,
        );
        assert.deepStrictEqual(await log.lastSeq("S1/m2"), 3);

        // What no database could store is refused at once.
        await rejectsWith(
          () => log.append([{ ...marketEvents("S1/m2", 4, 1)[0], wallMs: NaN }]),
          RangeError,
        );
        await rejectsWith(
          () => log.append([{ ...marketEvents("S1/m2", 4, 1)[0], data: { s: "a\u0000b" } }]),
          RangeError,
        );
        await rejectsWith(
          () => log.append([{ ...marketEvents("S1/m2", 4, 1)[0], data: { s: "a\ud800b" } }]),
          RangeError,
        );
        await rejectsWith(() => log.append(marketEvents("S1/m2", 0, 1)), RangeError);
        assert.deepStrictEqual(await log.lastSeq("S1/m2"), 3);
        await log.append([]);
      } finally {
        await cleanup();
      }
    },
  });

  Deno.test({
    name: `event log (${backend.name}): consumer groups deliver, claim and count`,
    ignore: backend.ignore,
    ...noSanitize,
    async fn() {
      const { log, reopen, cleanup } = await backend.open();
      try {
        // Appended before the group exists: the group still starts at the beginning.
        const a = marketEvents("G/m1", 1, 6);
        const b = marketEvents("G/m2", 1, 4);
        await log.append([...a, ...b]);
        const first = await readAll(log, "g", "c1", 10);
        assert.deepStrictEqual(first.length, 10);
        assert.deepStrictEqual(
          first.map((e) => decodeEvent(e.event)).sort((x, y) =>
            x.stream.localeCompare(y.stream) || x.seq - y.seq
          ),
          [...a, ...b],
        );
        await log.ack("g", first.slice(0, 6));
        assert.deepStrictEqual(await log.backlog("g"), { pending: 4, undelivered: 0 });

        // Nothing new, and nothing idle long enough to take over.
        const none = await log.readGroup("g", "c2", { blockMs: 20, claimIdleMs: 60_000 });
        assert.deepStrictEqual(none.entries, []);

        if (reopen !== undefined) {
          // The same consumer, restarted, is handed its unfinished entries first.
          const again = await reopen();
          const own = await again.readGroup("g", "c1", { blockMs: 20, claimIdleMs: 60_000 });
          assert.deepStrictEqual(
            own.entries.map((e) => e.id).sort(),
            first.slice(6).map((e) => e.id).sort(),
          );
        }

        // Another consumer takes over entries idle past claimIdleMs.
        await delay(5);
        const claimed: SourceEntry[] = [];
        await waitFor("claimed entries", async () => {
          const r = await log.readGroup("g", "c2", { blockMs: 20, claimIdleMs: 1 });
          claimed.push(...r.entries);
          return claimed.length >= 4;
        }, 10_000);
        assert.deepStrictEqual(
          claimed.map((e) => `${e.event.stream}#${e.event.seq}`).sort(),
          first.slice(6).map((e) => `${e.event.stream}#${e.event.seq}`).sort(),
        );
        await log.ack("g", claimed);
        await log.ack("g", claimed); // twice is harmless
        assert.deepStrictEqual(await log.backlog("g"), { pending: 0, undelivered: 0 });

        // A stream that appears later is picked up.
        const c = marketEvents("G/m3", 1, 3);
        await log.append(c);
        assert.deepStrictEqual((await log.backlog("g")).undelivered, 3);
        const late = await readAll(log, "g", "c2", 3);
        assert.deepStrictEqual(late.map((e) => decodeEvent(e.event)), c);
        await log.ack("g", late);
        assert.deepStrictEqual(await log.backlog("g"), { pending: 0, undelivered: 0 });

        // A second group reads everything again, independently.
        assert.deepStrictEqual((await readAll(log, "h", "x", 13)).length, 13);
      } finally {
        await cleanup();
      }
    },
  });
}

Deno.test("memory journal: reopening restores every appended event", async () => {
  const dir = await Deno.makeTempDir();
  const journalPath = `${dir}/data/eventlog.jsonl`;
  try {
    const log = await MemoryEventLog.open({ journalPath });
    const events = [oddEvent("J", 1), ...marketEvents("J/m1", 1, 50)];
    await log.append(events.slice(0, 20));
    await log.append(events.slice(10)); // a retried, overlapping batch
    await log.close();

    const again = await MemoryEventLog.open({ journalPath });
    assert.deepStrictEqual(await again.read("J"), [events[0]]);
    assert.deepStrictEqual(await again.read("J/m1"), events.slice(1));
    assert.deepStrictEqual(await again.streams(), ["J", "J/m1"]);
    await again.append(marketEvents("J/m1", 51, 1));
    await rejectsWith(() => again.append(marketEvents("J/m1", 53, 1)), EventSequenceError);
    await again.close();
    const third = await MemoryEventLog.open({ journalPath });
    assert.deepStrictEqual(await third.lastSeq("J/m1"), 51);
    await third.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("memory journal: a torn last line is dropped and cut off", async () => {
  const dir = await Deno.makeTempDir();
  const journalPath = `${dir}/eventlog.jsonl`;
  try {
    const log = await MemoryEventLog.open({ journalPath });
    const events = marketEvents("T/m1", 1, 4);
    await log.append(events);
    await log.close();
    const whole = await Deno.readTextFile(journalPath);
    // A kill in the middle of writing the fifth line.
    const fifth = JSON.stringify(marketEvents("T/m1", 5, 1)[0]);
    await Deno.writeTextFile(journalPath, whole + fifth.slice(0, 40));

    const again = await MemoryEventLog.open({ journalPath });
    assert.deepStrictEqual(await again.read("T/m1"), events);
    assert.deepStrictEqual(await Deno.readTextFile(journalPath), whole);
    // Appending after the cut starts on a fresh line.
    await again.append(marketEvents("T/m1", 5, 1));
    await again.close();
    const third = await MemoryEventLog.open({ journalPath });
    assert.deepStrictEqual(await third.lastSeq("T/m1"), 5);
    await third.close();

    // Damage in the middle is not a torn write: it is reported, not skipped.
    const lines = (await Deno.readTextFile(journalPath)).split("\n");
    lines[1] = lines[1].slice(0, 10);
    await Deno.writeTextFile(journalPath, lines.join("\n"));
    const err = await rejectsWith(() => MemoryEventLog.open({ journalPath }), Error);
    assert(err.message.includes("line 2"), err.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openEventLog: memory without a Redis URL, Redis with one", {
  ...noSanitize,
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const memory = await openEventLog({ dataDir: `${dir}/data` });
    assert.deepStrictEqual(memory.kind, "memory");
    await memory.append(marketEvents("O/m1", 1, 1));
    await memory.close();
    assert((await Deno.stat(`${dir}/data/eventlog.jsonl`)).size > 0);
    if (!noRedis) {
      const redis = await openEventLog({ redisUrl: REDIS_URL, dataDir: dir });
      assert.deepStrictEqual(redis.kind, "redis");
      await redis.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "redis log: nothing listening → open and append fail fast, naming the URL",
  ...noSanitize,
  async fn() {
    const url = `redis://127.0.0.1:${freePort()}`;
    let t = performance.now();
    const e = await rejectsWith(
      () => RedisEventLog.open(url, { connectTimeoutMs: 1000 }),
      EventLogUnavailableError,
    );
    assert(performance.now() - t < 2500, `open took ${performance.now() - t} ms`);
    assert(e.message.includes(`Redis at ${url} is unreachable`), e.message);

    const log = new RedisEventLog(url);
    try {
      for (let i = 0; i < 3; i++) {
        t = performance.now();
        const e = await rejectsWith(
          () => log.append(marketEvents("U/m1", 1, 1)),
          EventLogUnavailableError,
        );
        assert(performance.now() - t < 2000, `append took ${performance.now() - t} ms`);
        assert(e.message.includes(url), e.message);
      }
    } finally {
      await log.close();
    }
  },
});

Deno.test({
  name: "redis log: killed and restarted, or stopped and resumed, Redis → fail fast, then recover",
  ignore: !hasRedisServer,
  ...noSanitize,
  async fn() {
    const redis = new PrivateRedis();
    await redis.start();
    const log = await RedisEventLog.open(redis.url, { prefix: "t:" });
    try {
      await log.append(marketEvents("K/m1", 1, 3));

      // Killed: the connection drops.
      await redis.kill();
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        const e = await rejectsWith(
          () => log.append(marketEvents("K/m1", 4, 1)),
          EventLogUnavailableError,
        );
        assert(performance.now() - t < 2000, `append took ${performance.now() - t} ms`);
        assert(e.message.includes(`Redis at ${redis.url} is unreachable`), e.message);
        await delay(200);
      }
      // Back (empty: this Redis keeps nothing on disk): appends go through again.
      await redis.start();
      await waitFor("appends after the restart", async () => {
        try {
          await log.append(marketEvents("K2/m1", 1, 1));
          return true;
        } catch (e) {
          if (!(e instanceof EventLogUnavailableError)) throw e;
          return false;
        }
      }, 10_000);
      assert.deepStrictEqual(await log.lastSeq("K2/m1"), 1);

      // Stopped (a hung server or a partition): the connection stays up and says nothing.
      Deno.kill(redis.pid, "SIGSTOP");
      try {
        const t = performance.now();
        const e = await rejectsWith(
          () => log.append(marketEvents("K2/m1", 2, 1)),
          EventLogUnavailableError,
        );
        assert(performance.now() - t < 2500, `append took ${performance.now() - t} ms`);
        assert(e.message.includes(redis.url), e.message);
      } finally {
        Deno.kill(redis.pid, "SIGCONT");
      }
      // The append that timed out may or may not have landed; a retry is safe either way.
      await waitFor("appends after the resume", async () => {
        try {
          await log.append(marketEvents("K2/m1", 2, 2));
          return true;
        } catch (e) {
          if (!(e instanceof EventLogUnavailableError)) throw e;
          return false;
        }
      }, 10_000);
      assert.deepStrictEqual((await log.read("K2/m1")).map((e) => e.seq), [1, 2, 3]);
    } finally {
      await log.close();
      await redis.kill();
    }
  },
});
