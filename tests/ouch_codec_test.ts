/**
 * OUCH codec and framer tests: the wire vectors of `leeps-exchange.md` §4.5
 * byte for byte; every layout of §4.2–4.4 checked field by field against a
 * transcription kept here, independent of the codec's own offsets; round
 * trips of random messages of every type; random bytes and random chunking
 * against the decoders and the framer, which may throw nothing but
 * OuchDecodeError; and the encoder's field-naming errors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CLIENT_MESSAGE_SIZES,
  type ClientMessage,
  type ClientMessageType,
  decodeClientMessage,
  decodeServerMessage,
  type Direction,
  encodeClientMessage,
  encodeClientMessageInto,
  encodeServerMessage,
  encodeServerMessageInto,
  type MessageOf,
  messageSize,
  OuchDecodeError,
  OuchEncodeError,
  OuchFramer,
  SERVER_MESSAGE_SIZES,
  type ServerMessage,
  type ServerMessageType,
} from "../ouch/mod.ts";
import {
  arbClientMessage,
  arbServerMessage,
  clientMessageArbitraries,
  serverMessageArbitraries,
} from "./ouch_arbitraries.ts";

// ------------------------------------------------------------------ helpers

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function unhex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: h.length / 2 },
    (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16),
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Cuts `bytes` at the given points (any naturals; duplicates give empty chunks). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const decode = { client: decodeClientMessage, server: decodeServerMessage } as const;

function encode(direction: Direction, m: ClientMessage | ServerMessage): Uint8Array {
  return direction === "client"
    ? encodeClientMessage(m as ClientMessage)
    : encodeServerMessage(m as ServerMessage);
}

const SIZES = { client: CLIENT_MESSAGE_SIZES, server: SERVER_MESSAGE_SIZES } as const;
const CLIENT_TYPES = Object.keys(CLIENT_MESSAGE_SIZES) as ClientMessageType[];
const SERVER_TYPES = Object.keys(SERVER_MESSAGE_SIZES) as ServerMessageType[];

function isDecodeError(e: unknown): boolean {
  return e instanceof OuchDecodeError;
}

// ------------------------------------------------------------------ layouts of §4, transcribed

type FieldCode = "c" | "4s" | "8s" | "14s" | "I" | "i" | "Q" | "?";
type Layout = readonly (readonly [name: string, code: FieldCode, offset: number])[];

const WIDTH: Record<FieldCode, number> = {
  "c": 1,
  "4s": 4,
  "8s": 8,
  "14s": 14,
  "I": 4,
  "i": 4,
  "Q": 8,
  "?": 1,
};

const CLIENT_LAYOUTS: Record<ClientMessageType, Layout> = {
  O: [
    ["orderToken", "14s", 1],
    ["buySellIndicator", "c", 15],
    ["shares", "I", 16],
    ["stock", "8s", 20],
    ["price", "I", 28],
    ["timeInForce", "I", 32],
    ["firm", "4s", 36],
    ["display", "c", 40],
    ["capacity", "c", 41],
    ["intermarketSweepEligibility", "c", 42],
    ["minimumQuantity", "I", 43],
    ["crossType", "c", 47],
    ["customerType", "c", 48],
    ["midpointPeg", "?", 49],
  ],
  U: [
    ["existingOrderToken", "14s", 1],
    ["replacementOrderToken", "14s", 15],
    ["shares", "I", 29],
    ["price", "I", 33],
    ["timeInForce", "I", 37],
    ["display", "c", 41],
    ["intermarketSweepEligibility", "c", 42],
    ["minimumQuantity", "I", 43],
  ],
  X: [["orderToken", "14s", 1], ["shares", "I", 15]],
  M: [["orderToken", "14s", 1], ["buySellIndicator", "c", 15], ["shares", "I", 16]],
  N: [["orderToken", "14s", 1]],
  H: [["timestamp", "Q", 1], ["eventCode", "c", 9]],
  K: [["eBestBid", "I", 1], ["eBestOffer", "I", 5]],
};

const SERVER_LAYOUTS: Record<ServerMessageType, Layout> = {
  S: [["timestamp", "Q", 1], ["eventCode", "c", 9]],
  A: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["buySellIndicator", "c", 23],
    ["shares", "I", 24],
    ["stock", "8s", 28],
    ["price", "I", 36],
    ["timeInForce", "I", 40],
    ["firm", "4s", 44],
    ["display", "c", 48],
    ["orderReferenceNumber", "Q", 49],
    ["capacity", "c", 57],
    ["intermarketSweepEligibility", "c", 58],
    ["minimumQuantity", "I", 59],
    ["crossType", "c", 63],
    ["orderState", "c", 64],
    ["bboWeightIndicator", "c", 65],
    ["midpointPeg", "?", 66],
  ],
  U: [
    ["timestamp", "Q", 1],
    ["replacementOrderToken", "14s", 9],
    ["buySellIndicator", "c", 23],
    ["shares", "I", 24],
    ["stock", "8s", 28],
    ["price", "I", 36],
    ["timeInForce", "I", 40],
    ["firm", "4s", 44],
    ["display", "c", 48],
    ["orderReferenceNumber", "Q", 49],
    ["capacity", "c", 57],
    ["intermarketSweepEligibility", "c", 58],
    ["minimumQuantity", "I", 59],
    ["crossType", "c", 63],
    ["orderState", "c", 64],
    ["previousOrderToken", "14s", 65],
    ["bboWeightIndicator", "c", 79],
    ["midpointPeg", "?", 80],
  ],
  C: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["decrementShares", "I", 23],
    ["reason", "c", 27],
    ["midpointPeg", "?", 28],
  ],
  E: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["executedShares", "I", 23],
    ["executionPrice", "I", 27],
    ["liquidityFlag", "c", 31],
    ["matchNumber", "Q", 32],
    ["midpointPeg", "?", 40],
  ],
  Q: [
    ["timestamp", "Q", 1],
    ["stock", "8s", 9],
    ["bestBid", "I", 17],
    ["volumeAtBestBid", "I", 21],
    ["bestAsk", "I", 25],
    ["volumeAtBestAsk", "I", 29],
    ["nextBid", "I", 33],
    ["nextAsk", "I", 37],
  ],
  Z: [
    ["timestamp", "Q", 1],
    ["stock", "8s", 9],
    ["clearingPrice", "I", 17],
    ["transactedVolume", "I", 21],
    ["bestBid", "I", 25],
    ["volumeAtBestBid", "I", 29],
    ["volumeAtBestAsk", "I", 33],
    ["bestAsk", "I", 37],
    ["nextBid", "I", 41],
    ["nextAsk", "I", 45],
  ],
  L: [["timestamp", "Q", 1], ["pegState", "i", 9], ["pegPrice", "I", 13]],
  D: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["decrementShares", "I", 23],
    ["reason", "c", 27],
    ["quantityPreventedFromTrading", "I", 28],
    ["executionPrice", "I", 32],
    ["liquidityFlag", "c", 36],
  ],
  B: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["matchNumber", "Q", 23],
    ["reason", "c", 31],
  ],
  G: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["executedShares", "I", 23],
    ["executionPrice", "I", 27],
    ["liquidityFlag", "c", 31],
    ["matchNumber", "Q", 32],
    ["referencePrice", "I", 40],
    ["referencePriceType", "c", 44],
  ],
  F: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["executedShares", "I", 23],
    ["executionPrice", "I", 27],
    ["liquidityFlag", "c", 31],
    ["matchNumber", "Q", 32],
    ["reason", "c", 40],
  ],
  J: [["timestamp", "Q", 1], ["orderToken", "14s", 9], ["reason", "c", 23]],
  P: [["timestamp", "Q", 1], ["orderToken", "14s", 9]],
  I: [["timestamp", "Q", 1], ["orderToken", "14s", 9]],
  T: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["price", "I", 23],
    ["display", "c", 27],
    ["orderReferenceNumber", "Q", 28],
  ],
  M: [
    ["timestamp", "Q", 1],
    ["orderToken", "14s", 9],
    ["buySellIndicator", "c", 23],
    ["shares", "I", 24],
  ],
  N: [["timestamp", "Q", 1], ["orderToken", "14s", 9]],
};

const LAYOUTS: Record<Direction, Record<string, Layout>> = {
  client: CLIENT_LAYOUTS,
  server: SERVER_LAYOUTS,
};

/** Reads a field the plain way (DataView, char by char), independently of the codec. */
function readField(bytes: Uint8Array, code: FieldCode, offset: number): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (code) {
    case "I":
      return view.getUint32(offset);
    case "i":
      return view.getInt32(offset);
    case "Q":
      return view.getBigUint64(offset);
    case "?":
      return bytes[offset] !== 0;
    default:
      return Array.from(bytes.subarray(offset, offset + WIDTH[code]), (b) => String.fromCharCode(b))
        .join("");
  }
}

/** What encoding the decoded `bytes` must give back: the same, with booleans as 0/1. */
function canonical(bytes: Uint8Array, layout: Layout): Uint8Array {
  const out = bytes.slice();
  for (const [, code, offset] of layout) if (code === "?") out[offset] = out[offset] ? 1 : 0;
  return out;
}

/** Every type of both directions with its arbitrary, for per-type steps. */
const ALL_TYPES: readonly {
  direction: Direction;
  type: string;
  arb: fc.Arbitrary<ClientMessage | ServerMessage>;
}[] = [
  ...CLIENT_TYPES.map((type) => ({
    direction: "client" as const,
    type,
    arb: clientMessageArbitraries[type] as fc.Arbitrary<ClientMessage>,
  })),
  ...SERVER_TYPES.map((type) => ({
    direction: "server" as const,
    type,
    arb: serverMessageArbitraries[type] as fc.Arbitrary<ServerMessage>,
  })),
];

// ------------------------------------------------------------------ §4.5 wire vectors

const VECTORS: readonly {
  name: string;
  direction: Direction;
  hex: string;
  message: ClientMessage | ServerMessage;
}[] = [
  {
    name: "W1 O EnterOrder",
    direction: "client",
    hex: "4f 4141414142303030313030303031 42 00000001 414d415a474f4f47 000f4240 0001869f " +
      "41414141 59 50 4e 00000001 4e 52 00",
    message: {
      type: "O",
      orderToken: "AAAAB000100001",
      buySellIndicator: "B",
      shares: 1,
      stock: "AMAZGOOG",
      price: 1000000,
      timeInForce: 99999,
      firm: "AAAA",
      display: "Y",
      capacity: "P",
      intermarketSweepEligibility: "N",
      minimumQuantity: 1,
      crossType: "N",
      customerType: "R",
      midpointPeg: false,
    },
  },
  {
    name: "W2 X CancelOrder",
    direction: "client",
    hex: "58 4141414142303030313030303031 00000000",
    message: { type: "X", orderToken: "AAAAB000100001", shares: 0 },
  },
  {
    name: "W3 U ReplaceOrder",
    direction: "client",
    hex: "55 4141414142303030313030303031 4141414142303030313030303032 00000001 000f6950 " +
      "0001869f 59 4e 00000001",
    message: {
      type: "U",
      existingOrderToken: "AAAAB000100001",
      replacementOrderToken: "AAAAB000100002",
      shares: 1,
      price: 1010000,
      timeInForce: 99999,
      display: "Y",
      intermarketSweepEligibility: "N",
      minimumQuantity: 1,
    },
  },
  {
    name: "W4 K ExternalFeedChange",
    direction: "client",
    hex: "4b 000f1b30 000f6950",
    message: { type: "K", eBestBid: 990000, eBestOffer: 1010000 },
  },
  {
    name: "W5 H SystemStart",
    direction: "client",
    hex: "48 0000000000000000 53",
    message: { type: "H", timestamp: 0n, eventCode: "S" },
  },
  {
    name: "W6 Q BestBidAndOffer",
    direction: "server",
    hex: "51 0000000000000000 414d415a474f4f47 000f4240 00000001 7fffffff 00000000 00000000 " +
      "7fffffff",
    message: {
      type: "Q",
      timestamp: 0n,
      stock: "AMAZGOOG",
      bestBid: 1000000,
      volumeAtBestBid: 1,
      bestAsk: 2147483647,
      volumeAtBestAsk: 0,
      nextBid: 0,
      nextAsk: 2147483647,
    },
  },
  {
    name: "W7 L PegStateUpdate",
    direction: "server",
    hex: "4c 0000000000000000 ffffffff 000f4240",
    message: { type: "L", timestamp: 0n, pegState: -1, pegPrice: 1000000 },
  },
];

Deno.test("wire vectors W1-W7 (§4.5): encode gives the bytes, decode gives the fields", async (t) => {
  for (const v of VECTORS) {
    await t.step(v.name, () => {
      const expected = unhex(v.hex);
      const encoded = encode(v.direction, v.message);
      assert.equal(hex(encoded), hex(expected));
      assert.equal(encoded.length, SIZES[v.direction][v.message.type as "U"]);
      assert.deepEqual(decode[v.direction](expected), v.message);
    });
  }
});

Deno.test("Z PostBatch keeps volumeAtBestAsk @33 before bestAsk @37 (Q24)", () => {
  const z: ServerMessage = {
    type: "Z",
    timestamp: 0x0102030405060708n,
    stock: "AMAZGOOG",
    clearingPrice: 0x11,
    transactedVolume: 0x22,
    bestBid: 0x33,
    volumeAtBestBid: 0x44,
    bestAsk: 0x55,
    volumeAtBestAsk: 0x66,
    nextBid: 0x77,
    nextAsk: 0x88,
  };
  assert.equal(
    hex(encodeServerMessage(z)),
    "5a" + "0102030405060708" + "414d415a474f4f47" +
      "00000011" + "00000022" + "00000033" + "00000044" + "00000066" + "00000055" +
      "00000077" + "00000088",
  );
  assert.deepEqual(decodeServerMessage(encodeServerMessage(z)), z);
});

// ------------------------------------------------------------------ sizes and layouts

Deno.test("size tables are those of §4, per direction", () => {
  assert.deepEqual({ ...CLIENT_MESSAGE_SIZES }, { O: 50, U: 47, X: 19, M: 20, N: 15, H: 10, K: 9 });
  assert.deepEqual({ ...SERVER_MESSAGE_SIZES }, {
    S: 10,
    A: 67,
    U: 81,
    C: 29,
    E: 41,
    Q: 41,
    Z: 49,
    L: 17,
    D: 37,
    B: 32,
    G: 45,
    F: 41,
    J: 24,
    P: 23,
    I: 23,
    T: 36,
    M: 28,
    N: 23,
  });
  for (const direction of ["client", "server"] as const) {
    for (let b = 0; b < 256; b++) {
      const letter = String.fromCharCode(b);
      const size = (SIZES[direction] as Record<string, number>)[letter];
      assert.equal(
        messageSize(direction, b),
        Object.hasOwn(SIZES[direction], letter) ? size : undefined,
      );
    }
  }
});

Deno.test("the transcribed layouts tile each message exactly", () => {
  for (const direction of ["client", "server"] as const) {
    for (const [type, layout] of Object.entries(LAYOUTS[direction])) {
      let next = 1;
      for (const [name, code, offset] of layout) {
        assert.equal(offset, next, `${direction} ${type}.${name}`);
        next += WIDTH[code];
      }
      assert.equal(
        next,
        (SIZES[direction] as Record<string, number>)[type],
        `${direction} ${type}`,
      );
    }
  }
});

Deno.test("encode writes every field at its §4 offset, with the table's size", async (t) => {
  for (const { direction, type, arb } of ALL_TYPES) {
    await t.step(`${direction} ${type}`, () => {
      const layout = LAYOUTS[direction][type];
      fc.assert(fc.property(arb, (m) => {
        const bytes = encode(direction, m);
        assert.equal(bytes.length, (SIZES[direction] as Record<string, number>)[type]);
        assert.equal(bytes[0], type.charCodeAt(0));
        const fields = m as unknown as Record<string, unknown>;
        assert.deepEqual(Object.keys(fields).sort(), ["type", ...layout.map(([n]) => n)].sort());
        for (const [name, code, offset] of layout) {
          assert.equal(readField(bytes, code, offset), fields[name], name);
          if (code === "?") assert.equal(bytes[offset], fields[name] ? 1 : 0, name);
        }
      }));
    });
  }
});

Deno.test("decode reads every field from its §4 offset; re-encoding gives the bytes back", async (t) => {
  for (const { direction, type } of ALL_TYPES) {
    await t.step(`${direction} ${type}`, () => {
      const layout = LAYOUTS[direction][type];
      const size = (SIZES[direction] as Record<string, number>)[type];
      const arbBytes = fc.uint8Array({ minLength: size - 1, maxLength: size - 1 }).map((rest) =>
        Uint8Array.of(type.charCodeAt(0), ...rest)
      );
      fc.assert(fc.property(arbBytes, (bytes) => {
        const m = decode[direction](bytes) as unknown as Record<string, unknown>;
        assert.equal(m.type, type);
        assert.deepEqual(Object.keys(m).sort(), ["type", ...layout.map(([n]) => n)].sort());
        for (const [name, code, offset] of layout) {
          assert.equal(m[name], readField(bytes, code, offset), name);
        }
        const again = encode(direction, m as unknown as ClientMessage | ServerMessage);
        assert.equal(hex(again), hex(canonical(bytes, layout)));
      }));
    });
  }
});

// ------------------------------------------------------------------ round trips

Deno.test("decode(encode(m)) deep-equals m for every message type", async (t) => {
  for (const { direction, type, arb } of ALL_TYPES) {
    await t.step(`${direction} ${type}`, () => {
      fc.assert(
        fc.property(arb, (m) => assert.deepEqual(decode[direction](encode(direction, m)), m)),
        { numRuns: 300 },
      );
    });
  }
});

Deno.test("encode…Into writes only its own bytes at the offset and returns the size", () => {
  const arb = fc.tuple(
    fc.oneof(
      arbClientMessage.map((m) => ({ direction: "client" as const, m })),
      arbServerMessage.map((m) => ({ direction: "server" as const, m })),
    ),
    fc.nat(40),
    fc.nat(40),
  );
  fc.assert(fc.property(arb, ([{ direction, m }, before, after]) => {
    const alone = encode(direction, m);
    const target = new Uint8Array(before + alone.length + after).fill(0xee);
    const written = direction === "client"
      ? encodeClientMessageInto(m as ClientMessage, target, before)
      : encodeServerMessageInto(m as ServerMessage, target, before);
    assert.equal(written, alone.length);
    assert.equal(hex(target.subarray(before, before + written)), hex(alone));
    assert.ok(target.subarray(0, before).every((b) => b === 0xee));
    assert.ok(target.subarray(before + written).every((b) => b === 0xee));
    assert.deepEqual(decode[direction](target, before), m);
  }));
});

Deno.test("encode…Into refuses a target without room", () => {
  const x: ClientMessage = { type: "X", orderToken: "AAAAB000100001", shares: 0 };
  const target = new Uint8Array(30).fill(0xee);
  assert.throws(() => encodeClientMessageInto(x, target, 12), RangeError);
  assert.throws(() => encodeClientMessageInto(x, target, -1), RangeError);
  assert.throws(() => encodeClientMessageInto(x, target, 1.5), RangeError);
  assert.ok(target.every((b) => b === 0xee));
  assert.equal(encodeClientMessageInto(x, target, 11), 19);
  const s: ServerMessage = { type: "S", timestamp: 1n, eventCode: "S" };
  assert.throws(() => encodeServerMessageInto(s, new Uint8Array(9), 0), RangeError);
});

Deno.test("type letters are scoped by direction", () => {
  const replace = encodeClientMessage(VECTORS[2].message as ClientMessage);
  assert.equal(replace.length, 47);
  assert.throws(
    () => decodeServerMessage(replace),
    (e: unknown) =>
      e instanceof OuchDecodeError && e.code === "truncated" && e.expectedSize === 81 &&
      e.available === 47 &&
      e.message === "truncated OUCH server message 'U' (Replaced) at byte 0: needs 81 bytes, " +
          "47 available",
  );
  const s = encodeServerMessage({ type: "S", timestamp: 0n, eventCode: "S" });
  assert.throws(
    () => decodeClientMessage(s),
    (e: unknown) =>
      e instanceof OuchDecodeError && e.code === "unknown-type" && e.typeByte === 0x53,
  );
  const modify = encodeClientMessage({
    type: "M",
    orderToken: "AAAAB000100001",
    buySellIndicator: "B",
    shares: 3,
  });
  assert.equal(modify.length, 20);
  assert.equal(decodeServerMessage(concat([modify, new Uint8Array(8)])).type, "M");
});

Deno.test("strings are one char per byte (0x80-0xff too), never trimmed", () => {
  const token = String.fromCharCode(
    0x80,
    0x81,
    0x9f,
    0xa0,
    0xff,
    0,
    0,
    0x20,
    0x20,
    0,
    0x41,
    0,
    0,
    0,
  );
  const m: ClientMessage = { type: "X", orderToken: token, shares: 7 };
  const bytes = encodeClientMessage(m);
  assert.equal(hex(bytes.subarray(1, 15)), "80819fa0ff0000202000410000" + "00");
  assert.deepEqual(decodeClientMessage(bytes), m);
  assert.equal((decodeClientMessage(bytes) as { orderToken: string }).orderToken.length, 14);
});

Deno.test("any non-zero bool byte decodes as true; encode writes 0x01", () => {
  const bytes = unhex(VECTORS[0].hex);
  for (const b of [1, 2, 0x7f, 0x80, 0xff]) {
    bytes[49] = b;
    const m = decodeClientMessage(bytes);
    assert.equal(m.type === "O" && m.midpointPeg, true);
    assert.equal(encodeClientMessage(m)[49], 1);
  }
});

// ------------------------------------------------------------------ decode errors

Deno.test("decode errors say what and where", () => {
  const z = Uint8Array.of(0x7a, 1, 2, 3);
  assert.throws(() => decodeClientMessage(z), (e: unknown) => {
    assert.ok(e instanceof OuchDecodeError);
    assert.equal(e.message, "unknown OUCH client message type 0x7a ('z') at byte 0");
    assert.equal(e.name, "OuchDecodeError");
    assert.equal(e.code, "unknown-type");
    assert.equal(e.typeByte, 0x7a);
    assert.equal(e.offset, 0);
    assert.equal(e.direction, "client");
    return true;
  });
  assert.throws(
    () => decodeServerMessage(Uint8Array.of(0x53, 0, 0, 0x00), 3),
    (e: unknown) =>
      e instanceof OuchDecodeError && e.code === "unknown-type" && e.offset === 3 &&
      e.message === "unknown OUCH server message type 0x00 at byte 3",
  );
  assert.throws(
    () => decodeClientMessage(new Uint8Array(5), 5),
    (e: unknown) =>
      e instanceof OuchDecodeError && e.code === "truncated" && e.typeByte === null &&
      e.message === "truncated OUCH client message at byte 5: no bytes left",
  );
  const w1 = unhex(VECTORS[0].hex);
  for (let n = 1; n < w1.length; n++) {
    assert.throws(
      () => decodeClientMessage(w1.subarray(0, n)),
      (e: unknown) =>
        e instanceof OuchDecodeError && e.code === "truncated" && e.typeByte === 0x4f &&
        e.expectedSize === 50 && e.available === n,
    );
  }
  assert.throws(() => decodeClientMessage(w1, -1), RangeError);
});

Deno.test("random bytes at random offsets: the decoders return or throw OuchDecodeError", () => {
  const typeBytes = [...new Set([...CLIENT_TYPES, ...SERVER_TYPES])].map((l) => l.charCodeAt(0));
  const arbBytes = fc.oneof(
    fc.uint8Array({ maxLength: 100 }),
    // mostly starting with a known letter, so that whole messages decode too
    fc.tuple(fc.constantFrom(...typeBytes), fc.uint8Array({ maxLength: 100 }))
      .map(([t, rest]) => Uint8Array.of(t, ...rest)),
  );
  fc.assert(
    fc.property(arbBytes, fc.nat(110), fc.boolean(), (bytes, at, zero) => {
      const offset = zero ? 0 : at;
      for (const direction of ["client", "server"] as const) {
        let m: ClientMessage | ServerMessage;
        try {
          m = decode[direction](bytes, offset);
        } catch (e) {
          if (!isDecodeError(e)) throw e;
          const err = e as OuchDecodeError;
          assert.equal(err.offset, offset);
          assert.equal(err.direction, direction);
          if (offset >= bytes.length) assert.equal(err.typeByte, null);
          else if (messageSize(direction, bytes[offset]) === undefined) {
            assert.equal(err.code, "unknown-type");
          } else assert.equal(err.code, "truncated");
          continue;
        }
        const size = messageSize(direction, bytes[offset]);
        assert.equal(m.type.charCodeAt(0), bytes[offset]);
        assert.ok(size !== undefined && offset + size <= bytes.length);
      }
    }),
    { numRuns: 2000 },
  );
});

// ------------------------------------------------------------------ encode errors

function assertEncodeError(
  f: () => unknown,
  expected: { direction: Direction; messageType: string; field: string; problem?: RegExp },
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof OuchEncodeError, `expected OuchEncodeError, got ${e}`);
    assert.equal(e.name, "OuchEncodeError");
    assert.equal(e.direction, expected.direction);
    assert.equal(e.messageType, expected.messageType);
    assert.equal(e.field, expected.field);
    assert.ok(e.message.includes(expected.field), e.message);
    if (expected.problem) assert.match(e.problem, expected.problem);
    return true;
  });
}

Deno.test("encode errors name the field and the problem", () => {
  const enter = VECTORS[0].message as ClientMessage & { type: "O" };
  assert.throws(
    () => encodeClientMessage({ ...enter, orderToken: "AAAAB00010000" }),
    (e: unknown) =>
      e instanceof OuchEncodeError &&
      e.message === "cannot encode OUCH client message 'O' (EnterOrder): orderToken must be " +
          'a string of exactly 14 chars (got 13 chars: "AAAAB00010000")',
  );
  const client = (messageType: string, field: string, problem?: RegExp) => ({
    direction: "client" as const,
    messageType,
    field,
    problem,
  });
  const server = (messageType: string, field: string, problem?: RegExp) => ({
    direction: "server" as const,
    messageType,
    field,
    problem,
  });
  assertEncodeError(
    () => encodeClientMessage({ ...enter, firm: "AAAAA" }),
    client("O", "firm", /exactly 4 chars/),
  );
  assertEncodeError(
    () => encodeClientMessage({ ...enter, stock: "AMAZGOO\u20ac" }),
    client("O", "stock", /char 7 is U\+20ac/),
  );
  assertEncodeError(
    () => encodeClientMessage({ ...enter, display: "YY" }),
    client("O", "display", /1-char/),
  );
  assertEncodeError(
    () => encodeClientMessage({ ...enter, crossType: "\u0100" }),
    client("O", "crossType", /U\+0100/),
  );
  assertEncodeError(
    () => encodeClientMessage({ ...enter, midpointPeg: 1 as unknown as boolean }),
    client("O", "midpointPeg", /boolean/),
  );
  for (const shares of [1.5, -1, 2 ** 32, NaN, Infinity, "1" as unknown as number]) {
    assertEncodeError(
      () => encodeClientMessage({ type: "X", orderToken: "AAAAB000100001", shares }),
      client("X", "shares", /integer in 0\.\.4294967295/),
    );
  }
  for (const timestamp of [2n ** 64n, -1n, 5 as unknown as bigint]) {
    assertEncodeError(
      () => encodeServerMessage({ type: "S", timestamp, eventCode: "S" }),
      server("S", "timestamp", /bigint in 0n\.\.18446744073709551615n/),
    );
  }
  assertEncodeError(
    () => encodeServerMessage({ type: "L", timestamp: 0n, pegState: 2 ** 31, pegPrice: 0 }),
    server("L", "pegState", /-2147483648\.\.2147483647/),
  );
  assertEncodeError(
    () => encodeServerMessage({ type: "L", timestamp: 0n, pegState: -1, pegPrice: -1 }),
    server("L", "pegPrice"),
  );
  const target = new Uint8Array(100);
  assertEncodeError(
    () =>
      encodeServerMessageInto(
        {
          type: "E",
          ...{ timestamp: 0n, orderToken: "AAAAB000100001", executedShares: 1 },
        } as ServerMessage,
        target,
        3,
      ),
    server("E", "executionPrice"),
  );
  assertEncodeError(
    () => encodeClientMessage({ type: "z" } as unknown as ClientMessage),
    client("z", "type", /one of O, U, X, M, N, H, K/),
  );
  assertEncodeError(
    () =>
      encodeClientMessage({ type: "S", timestamp: 0n, eventCode: "S" } as unknown as ClientMessage),
    client("S", "type"),
  );
  assertEncodeError(
    () => encodeServerMessage(null as unknown as ServerMessage),
    server("null", "type"),
  );
});

Deno.test("a bad value in any field: OuchEncodeError naming that field, or a valid encoding", () => {
  const arb = fc.tuple(
    fc.oneof(
      arbClientMessage.map((m) => ({ direction: "client" as const, m })),
      arbServerMessage.map((m) => ({ direction: "server" as const, m })),
    ),
    fc.nat(),
    fc.oneof(
      fc.anything(),
      fc.string({ maxLength: 16 }),
      fc.double(),
      fc.bigInt(),
      fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
    ),
  );
  fc.assert(fc.property(arb, ([{ direction, m }, pick, value]) => {
    const fields = Object.keys(m).filter((k) => k !== "type");
    const field = fields[pick % fields.length];
    const bad = { ...m, [field]: value };
    try {
      const bytes = encode(direction, bad);
      assert.equal(bytes.length, (SIZES[direction] as Record<string, number>)[m.type]);
    } catch (e) {
      assert.ok(e instanceof OuchEncodeError, String(e));
      assert.equal(e.field, field);
      assert.equal(e.messageType, m.type);
    }
  }));
});

// ------------------------------------------------------------------ framer

/** What a reader decoding `bytes` message after message from the start gets. */
function readSequentially(direction: Direction, bytes: Uint8Array) {
  const messages: (ClientMessage | ServerMessage)[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    try {
      const m = decode[direction](bytes, offset);
      messages.push(m);
      offset += (SIZES[direction] as Record<string, number>)[m.type];
    } catch (e) {
      const err = e as OuchDecodeError;
      if (err.code === "unknown-type") return { messages, badByteAt: offset, rest: 0 };
      return { messages, badByteAt: null, rest: bytes.length - offset };
    }
  }
  return { messages, badByteAt: null, rest: 0 };
}

/** Feeds the chunks, through one reused buffer when `reuse` (as `conn.read(buf)` does). */
function feed<D extends Direction>(framer: OuchFramer<D>, chunks: Uint8Array[], reuse: boolean) {
  const messages: MessageOf<D>[] = [];
  const scratch = new Uint8Array(Math.max(0, ...chunks.map((c) => c.length)));
  let error: OuchDecodeError | null = null;
  for (const chunk of chunks) {
    let input = chunk;
    if (reuse) {
      scratch.set(chunk);
      input = scratch.subarray(0, chunk.length);
    }
    try {
      messages.push(...framer.push(input));
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      error = e as OuchDecodeError;
      messages.push(...framer.drain());
      break;
    }
    if (reuse) scratch.fill(0xee);
  }
  return { messages, error };
}

const arbStream = fc.oneof(
  fc.array(arbClientMessage, { maxLength: 30 }).map((ms) => ({
    direction: "client" as const,
    messages: ms as (ClientMessage | ServerMessage)[],
  })),
  fc.array(arbServerMessage, { maxLength: 30 }).map((ms) => ({
    direction: "server" as const,
    messages: ms as (ClientMessage | ServerMessage)[],
  })),
);
const arbCuts = fc.array(fc.nat(3000), { maxLength: 40 });

Deno.test("framer: messages encoded, concatenated and cut anywhere come back identical", () => {
  fc.assert(
    fc.property(arbStream, arbCuts, fc.boolean(), ({ direction, messages }, cuts, reuse) => {
      const bytes = concat(messages.map((m) => encode(direction, m)));
      const framer = new OuchFramer(direction);
      const got = feed(framer, split(bytes, cuts), reuse);
      assert.equal(got.error, null);
      assert.deepEqual(got.messages, messages);
      assert.equal(framer.buffered, 0);
    }),
    { numRuns: 300 },
  );
});

Deno.test("framer: on any bytes and any chunking it reads what a sequential decoder reads", () => {
  const arbBytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: arbClientMessage.map((m) => encodeClientMessage(m)) },
        { weight: 4, arbitrary: arbServerMessage.map((m) => encodeServerMessage(m)) },
        { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }) },
      ),
      { maxLength: 12 },
    ).map(concat),
  );
  fc.assert(
    fc.property(
      fc.constantFrom<Direction>("client", "server"),
      arbBytes,
      arbCuts,
      fc.boolean(),
      (direction, bytes, cuts, reuse) => {
        const expected = readSequentially(direction, bytes);
        const framer = new OuchFramer(direction);
        const got = feed(framer, split(bytes, cuts), reuse);
        assert.deepEqual(got.messages, expected.messages);
        if (expected.badByteAt === null) {
          assert.equal(got.error, null);
          assert.equal(framer.buffered, expected.rest);
        } else {
          assert.ok(got.error);
          assert.equal(got.error.code, "unknown-type");
          assert.equal(got.error.offset, expected.badByteAt);
          assert.equal(got.error.typeByte, bytes[expected.badByteAt]);
          assert.throws(() => framer.push(new Uint8Array(1)), (e: unknown) => e === got.error);
          assert.deepEqual(framer.drain(), []);
        }
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("framer: byte by byte, `buffered` counts the partial message", () => {
  const a = encodeServerMessage({ type: "S", timestamp: 5n, eventCode: "S" });
  const b = encodeServerMessage({ type: "L", timestamp: 6n, pegState: -3, pegPrice: 0 });
  const bytes = concat([a, b]);
  const framer = new OuchFramer("server");
  const seen: ServerMessage[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const out = framer.push(bytes.subarray(i, i + 1));
    seen.push(...out);
    const end = i + 1;
    if (end === a.length || end === bytes.length) {
      assert.equal(out.length, 1);
      assert.equal(framer.buffered, 0);
    } else {
      assert.equal(out.length, 0);
      assert.equal(framer.buffered, end < a.length ? end : end - a.length);
    }
  }
  assert.deepEqual(seen, [decodeServerMessage(a), decodeServerMessage(b)]);
});

Deno.test("framer: an unknown type byte throws after the messages before it, which drain() returns", () => {
  const x = encodeClientMessage({ type: "X", orderToken: "AAAAB000100001", shares: 0 });
  const framer = new OuchFramer("client");
  assert.deepEqual(framer.push(x.subarray(0, 10)), []);
  const tail = concat([x.subarray(10), x, Uint8Array.of(0x7a), x]);
  let error: unknown;
  try {
    framer.push(tail);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof OuchDecodeError);
  assert.equal(error.message, "unknown OUCH client message type 0x7a ('z') at byte 38");
  assert.equal(error.offset, 38);
  assert.deepEqual(framer.drain(), [decodeClientMessage(x), decodeClientMessage(x)]);
  assert.deepEqual(framer.drain(), []);
  assert.throws(() => framer.push(x), (e: unknown) => e === error);
  assert.deepEqual(new OuchFramer("client").drain(), []);
  assert.throws(() => new OuchFramer("both" as Direction), RangeError);
});
