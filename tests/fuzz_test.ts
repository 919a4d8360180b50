/**
 * Hostile input against a real server process and a real exchange, on
 * loopback, in bounded loops:
 *
 * - random and malformed subject frames (fast-check): wrong types, missing
 *   fields, NaN and Infinity as JSON can carry them, negative and huge
 *   prices, junk text, binary frames, oversized frames and a flood. Each
 *   bad frame gets exactly one `error` frame, or (an oversized frame, a
 *   flood) an error and a logged disconnect; a second subject trading in
 *   the same market throughout sees nothing of it; the attacker's seat and
 *   the session are as they were; the server is alive at the end.
 * - random OUCH bytes and well-framed messages with random fields against
 *   the exchange's TCP server: it never fails, and a well-behaved client
 *   on another connection keeps trading.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSubjectRequest } from "../protocol/subject_protocol.ts";
import { adminFetch, spawnServer } from "./server_process.ts";
import { delay, waitFor } from "./storage_helpers.ts";
import { ExchangeServer } from "../exchange/tcp_server.ts";
import { encodeClientMessage } from "../ouch/codec.ts";
import { OuchFramer } from "../ouch/framer.ts";
import type { ServerMessage } from "../ouch/messages.ts";
import { enterOrder } from "../exchange/order_messages.ts";
import { arbClientMessage } from "./ouch_arbitraries.ts";
import { type CreatedSession, RawSocket } from "./raw_socket.ts";

const PASSWORD = "fuzz-test";
/** Fast enough that 300 frames in a row stay inside the burst; the flood still trips. */
const RATE = 200;
const CONFIG = (await Deno.readTextFile(new URL("../configs/elo-cda-demo.yaml", import.meta.url)))
  .replace("session-duration: 120", "session-duration: 300");

interface SeatState {
  page: unknown;
  strategy: unknown;
  orders: unknown;
  cash: number;
  inventory: number;
}

/** What a subject's own seat holds, from a fresh snapshot. */
async function seatState(origin: string, link: string): Promise<SeatState> {
  const c = await RawSocket.subject(origin, link);
  const s = c.last("snapshot")!.state as {
    page: unknown;
    strategy: unknown;
    orders: { side: string; price: number; state: string }[];
    wallet: { cash: number; inventory: number };
  };
  await c.close();
  return {
    page: s.page,
    strategy: s.strategy,
    orders: s.orders.map((o) => [o.side, o.price]),
    cash: s.wallet.cash,
    inventory: s.wallet.inventory,
  };
}

/** The parts of the session view that only subjects' valid decisions change. */
function sessionFacts(view: Record<string, unknown>) {
  const people = view.participants as Record<string, unknown>[];
  return {
    phase: view.phase,
    round: view.round,
    participants: people.map((p) => ({
      label: p.label,
      market: p.market,
      seat: p.seat,
      page: p.page,
      page_round: p.page_round,
      consent: p.consent,
      eligibility: p.eligibility,
      dropped: p.dropped,
      role: p.role,
      speed: p.speed,
    })),
  };
}

const FIELDS = [
  "last_seq",
  "role",
  "on",
  "a_x",
  "a_y",
  "a_z",
  "side",
  "price",
  "id",
  "avg_latency_ms",
  "max_latency_ms",
  "percent_active",
  "agree",
  "page",
  "round",
  "question",
  "answer",
  "answers",
];
const TYPES = [
  "hello",
  "role",
  "speed",
  "sliders",
  "order",
  "ping",
  "telemetry",
  "consent",
  "next",
  "quiz_answer",
  "survey",
];

/** JSON value text, including what JSON.parse turns into NaN-free oddities (1e400 → Infinity). */
const arbValueText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "0.5",
    "-1",
    "2147483647",
    "2147483648",
    "-2147483648",
    "9007199254740993",
    "1e308",
    '"NaN"',
    '"Infinity"',
    '"-Infinity"',
    '"1000000"',
    "null",
    "true",
    "[]",
    "{}",
    '{"__proto__":{"polluted":1}}',
    '{"__proto__":"x","constructor":"y"}',
    '"B"',
    '"S"',
    '"manual"',
    '"trading"',
  ),
  fc.integer().map(String),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : "1e999")),
  fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.json({ maxDepth: 2 }),
);

/** An object with a known or odd type and some fields, any of them wrong or missing. */
const arbMessageText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...TYPES).map((t) => JSON.stringify(t)),
      fc.constantFrom('"__proto__"', '"constructor"', '"ORDER"', "null", "1", "[]", '""'),
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom(...FIELDS, "__proto__", "constructor", "seat", "participant", "token"),
        arbValueText,
      ),
      { maxLength: 5 },
    ),
  )
  .map(([type, fields]) =>
    `{"type":${type}${fields.map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join("")}}`
  );

const arbFrame: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: arbMessageText },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  // a valid message cut short
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 40 }).map((n) =>
      JSON.stringify({ type: "order", side: "B", price: 1_000_000 }).slice(0, n)
    ),
  },
);

function isValid(frame: string): boolean {
  try {
    parseSubjectRequest(frame);
    return true;
  } catch {
    return false;
  }
}

/** Sends one frame and waits for the error frame it must cause. */
async function expectError(c: RawSocket, frame: string | Uint8Array): Promise<string> {
  const before = c.count("error");
  c.raw(frame);
  await c.until(
    `an error frame for ${typeof frame === "string" ? frame.slice(0, 80) : "binary"}`,
    () => c.count("error") > before || c.closed !== null,
  );
  assert.equal(c.closed, null, "a malformed frame must not close the connection");
  assert.equal(c.count("error"), before + 1, "exactly one error frame per bad frame");
  const message = c.last("error")!.message;
  assert.equal(typeof message, "string");
  assert.ok((message as string).length > 0 && (message as string).length < 400);
  return message as string;
}

Deno.test({
  name:
    "fuzz: malformed subject frames bounce off; the other subject and the session are untouched",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "hft-fuzz-" });
    const server = await spawnServer({
      HFT_DATA_DIR: dataDir,
      HFT_ADMIN_PASSWORD: PASSWORD,
      HFT_SUBJECT_RATE_PER_S: String(RATE),
      HOST: "127.0.0.1",
    });
    const clients: RawSocket[] = [];
    try {
      const api = adminFetch(server.origin, PASSWORD);
      const created = await api("/api/sessions?name=elo-cda-demo.yaml", {
        method: "POST",
        body: CONFIG,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { code, participants } = created.body as CreatedSession;
      assert.equal((await api(`/api/sessions/${code}/start`, { method: "POST" })).status, 200);
      const [p1, p2] = participants;

      // the victim trades in the same market throughout
      const victim = await RawSocket.subject(server.origin, p2.url);
      clients.push(victim);
      victim.send({ type: "role", role: "manual" });
      victim.send({ type: "order", side: "B", price: 900_000 });
      await waitFor(
        "the victim's bid",
        () =>
          ((victim.last("orders")?.orders ?? []) as { price: number }[])
            .some((o) => o.price === 900_000),
        10_000,
      );
      const attacker = await RawSocket.subject(server.origin, p1.url);
      clients.push(attacker);
      await delay(300);
      const factsBefore = sessionFacts((await api(`/api/sessions/${code}`)).body);
      const seatBefore = await seatState(server.origin, p1.url);
      const victimBefore = victim.got.length;

      // ---- random frames ----
      let sent = 0;
      let skippedValid = 0;
      await fc.assert(
        fc.asyncProperty(arbFrame, async (frame) => {
          // valid messages may change state legitimately; only bad ones are under test
          if (isValid(frame)) {
            skippedValid++;
            return;
          }
          sent++;
          await expectError(attacker, frame);
        }),
        { numRuns: 300 },
      );
      assert.ok(sent >= 250, `only ${sent} of 300 frames were malformed`);

      // ---- hand-picked ----
      const picked = [
        '{"type":"order","side":"B","price":NaN}',
        '{"type":"order","side":"B","price":1e400}',
        '{"type":"order","side":"B","price":-1e400}',
        '{"type":"order","side":"B","price":-10000}',
        '{"type":"order","side":"B","price":0}',
        '{"type":"order","side":"B","price":2147483647}',
        '{"type":"order","side":"B","price":99999999999999999999}',
        '{"type":"order","side":"B","price":1000000.5}',
        '{"type":"order","side":"B","price":"1000000"}',
        '{"type":"order","side":"X","price":1000000}',
        '{"type":"order","price":1000000}',
        '{"type":"order","side":"B"}',
        '{"type":"sliders","a_x":NaN,"a_y":0,"a_z":0}',
        '{"type":"sliders","a_x":1e400,"a_y":0,"a_z":0}',
        '{"type":"sliders","a_x":-0.1,"a_y":0,"a_z":0}',
        '{"type":"role","role":"god"}',
        '{"type":"role","role":"__proto__"}',
        '{"type":"speed","on":"true"}',
        '{"type":"hello","last_seq":-1}',
        '{"type":"hello","last_seq":1e400}',
        '{"type":"next","page":"payment","round":1e400}',
        '{"type":"quiz_answer","question":"","answer":0}',
        '{"type":"survey","answers":[]}',
        '{"type":"survey","answers":{"a":1}}',
        '{"type":"__proto__"}',
        '{"type":"constructor"}',
        '{"type":"toString"}',
        "[]",
        "null",
        "",
        "{",
        "\u0000",
        `{"type":"survey","answers":{"x":"${"y".repeat(1001)}"}}`,
        `{"type":"order","side":"B","price":1000000,"pad":"${"z".repeat(9000)}"}`,
      ];
      for (const frame of picked) {
        assert.ok(!isValid(frame), frame);
        await expectError(attacker, frame);
      }
      const binary = await expectError(attacker, new Uint8Array([0x7b, 0x7d, 0, 255]));
      assert.match(binary, /binary/);

      // ---- 1 MB frames: an error, then a logged disconnect ----
      const big = `{"type":"order","side":"B","price":1000000,"pad":"${"x".repeat(1 << 20)}"}`;
      const errorsBefore = attacker.count("error");
      attacker.raw(big);
      const close = await attacker.done;
      assert.equal(close.code, 1009, close.reason);
      // as with the flood below, a reset connection may lose the error: the log has it then
      if (attacker.count("error") > errorsBefore) {
        assert.match(attacker.last("error")!.message as string, /frame of \d+ bytes/);
      }
      await waitFor(
        "the disconnect in the log",
        () => /disconnected \(1009\)/.test(server.output()),
      );
      const bigBinary = await RawSocket.subject(server.origin, p1.url);
      clients.push(bigBinary);
      bigBinary.raw(new Uint8Array(1 << 20));
      assert.equal((await bigBinary.done).code, 1009);

      // ---- a flood: told once, then disconnected ----
      const flooder = await RawSocket.subject(server.origin, p1.url);
      clients.push(flooder);
      for (let i = 0; i < 20 * RATE && flooder.closed === null; i++) {
        flooder.send({ type: "ping", id: i });
        if (i % 500 === 499) await delay(0);
      }
      await flooder.done;
      // the error frames are sent before the close, but a client still writing may see the
      // connection reset first and lose what it had not read: then the server's log is the record
      const errors = flooder.got.filter((m) => m.type === "error").map((m) => m.message as string);
      if (errors.length > 0) {
        assert.match(errors[0], new RegExp(`too many messages: at most ${RATE} per second`));
      }
      // tokens refill while the flood goes on, so the warning may repeat; the flood message,
      // if it arrived, is the last word
      for (const [i, message] of errors.entries()) {
        const pattern = i === errors.length - 1
          ? /too many messages|message flood/
          : /too many messages/;
        assert.match(message, pattern);
      }
      assert.ok(flooder.count("pong") <= 2 * RATE + 50, `${flooder.count("pong")} pongs`);
      await waitFor(
        "the flood in the log",
        () => /disconnected \(1008\)[^\n]*flood/.test(server.output()),
      );

      // ---- nothing changed but what valid messages change ----
      const factsAfter = sessionFacts((await api(`/api/sessions/${code}`)).body);
      assert.deepEqual(factsAfter, factsBefore);
      const seatAfter = await seatState(server.origin, p1.url);
      assert.deepEqual(seatAfter, seatBefore);

      // the victim heard nothing of it, kept getting its updates in order, and still trades
      assert.ok(victim.got.length > victimBefore, "the victim kept receiving updates");
      assert.equal(victim.count("error"), 0);
      assert.equal(victim.closed, null);
      const seqs = victim.got.map((m) => m.seq as number);
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1);
      victim.send({ type: "order", side: "B", price: 910_000 });
      await waitFor(
        "the victim's new bid",
        () =>
          ((victim.last("orders")?.orders ?? []) as { price: number }[])
            .some((o) => o.price === 910_000),
        10_000,
      );

      const health = await fetch(`${server.origin}/health`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      assert.doesNotMatch(server.output(), /Uncaught|panicked|could not process that message/);
      console.log(`fuzz: ${sent} random malformed frames (${skippedValid} valid ones skipped)`);
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      // alive was checked above; a graceful stop waits out idle keep-alive connections
      await server.kill();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

// ---- OUCH -----------------------------------------------------------------------

/** Reads OUCH replies off a connection. */
class OuchClient {
  readonly received: ServerMessage[] = [];
  readonly done: Promise<void>;
  private constructor(readonly conn: Deno.TcpConn) {
    this.done = this.#read();
  }
  static async connect(port: number): Promise<OuchClient> {
    return new OuchClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }
  async write(bytes: Uint8Array): Promise<void> {
    let n = 0;
    while (n < bytes.length) n += await this.conn.write(bytes.subarray(n));
  }
  close(): void {
    try {
      this.conn.close();
    } catch { /* closed already */ }
  }
  async #read(): Promise<void> {
    const framer = new OuchFramer("server");
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.received.push(...(framer.push(buf.subarray(0, n)) as ServerMessage[]));
      }
    } catch { /* reset by the server */ }
  }
}

const arbOuchChunk: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  // framed messages with random fields, then maybe junk: past the framer into the exchange
  fc.tuple(fc.array(arbClientMessage, { maxLength: 6 }), fc.uint8Array({ maxLength: 20 }))
    .map(([messages, tail]) => {
      const parts = [...messages.map(encodeClientMessage), tail];
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    }),
);

for (const format of ["cda", "fba", "iex"] as const) {
  Deno.test(`fuzz: random OUCH bytes never break the ${format} exchange`, async () => {
    const logs: string[] = [];
    const server = await ExchangeServer.start({
      format,
      port: 0,
      batchMs: 50,
      delayMs: 5,
      log: (l) => logs.push(l),
    });
    const port = server.addr.port;
    const good = await OuchClient.connect(port);
    try {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(arbOuchChunk, async (bytes) => {
          const c = await OuchClient.connect(port);
          await c.write(bytes).catch(() => {});
          // every tenth one hangs up at once; the rest let the server answer first
          if (++n % 10 !== 0) await delay(1);
          c.close();
          await c.done;
        }),
        { numRuns: 120 },
      );
      // the well-behaved client still trades
      const before = good.received.length;
      const token = `GOOD${format.toUpperCase()}00000001`.slice(0, 14);
      await good.write(
        encodeClientMessage(enterOrder({ token, side: "B", shares: 1, price: 1_000 })),
      );
      await waitFor(
        "the good client's acceptance",
        () => good.received.slice(before).some((m) => m.type === "A" && m.orderToken === token),
        5000,
      );
      assert.ok(!logs.some((l) => /internal error/.test(l)), logs.join("\n"));
    } finally {
      good.close();
      await server.close();
      await good.done;
    }
  });
}
