/**
 * fast-check arbitraries for every OUCH message, both directions, over the
 * whole range each wire field can carry (any byte in strings and chars, full
 * u32/i32/u64), with the values the Leeps app really sends mixed in so that
 * tests reusing them also see realistic traffic.
 */

import fc from "fast-check";
import type {
  ClientMessage,
  ClientMessageOf,
  ClientMessageType,
  ServerMessage,
  ServerMessageOf,
  ServerMessageType,
} from "../ouch/mod.ts";

/** One char per byte: codes 0–255. */
export const arbByteChar: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 255 })
  .map((c) => String.fromCharCode(c));

/** An `Ns` field: exactly `n` chars of codes 0–255. */
export function arbRawString(n: number): fc.Arbitrary<string> {
  return fc.string({ unit: arbByteChar, minLength: n, maxLength: n });
}

/** Tokens as the app builds them (`{firm}{B|S}{player:04d}{count:05d}`), or any 14 bytes. */
export const arbToken: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("A", "B", "C", "D", "I"),
      fc.constantFrom("B", "S"),
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 99999 }),
    )
    .map(([f, side, player, count]) =>
      `${f.repeat(4)}${side}${String(player).padStart(4, "0")}${String(count).padStart(5, "0")}`
    ),
  arbRawString(14),
);

export const arbStock: fc.Arbitrary<string> = fc.oneof(fc.constant("AMAZGOOG"), arbRawString(8));
export const arbFirm: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("AAAA", "BBBB", "INVE"),
  arbRawString(4),
);
export const arbChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("B", "S", "Y", "N", "P", "R", "L", "D", "U", " ", "*", "?"),
  arbByteChar,
);

export const arbU32: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.constantFrom(0, 1, 99999, 1_000_000, 0x7fff_ffff, 0xffff_ffff),
);
export const arbI32: fc.Arbitrary<number> = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
export const arbU64: fc.Arbitrary<bigint> = fc.oneof(
  // nanoseconds since midnight
  fc.bigInt({ min: 0n, max: 86_400_000_000_000n }),
  fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
  fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n),
);
export const arbBool: fc.Arbitrary<boolean> = fc.boolean();

/** Plain objects, like messages built in code: fast-check's default null prototype fails deepEqual. */
function record<T extends Record<string, unknown>>(
  model: { [K in keyof T]: fc.Arbitrary<T[K]> },
): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

export const clientMessageArbitraries: {
  readonly [T in ClientMessageType]: fc.Arbitrary<ClientMessageOf<T>>;
} = {
  O: record({
    type: fc.constant("O"),
    orderToken: arbToken,
    buySellIndicator: arbChar,
    shares: arbU32,
    stock: arbStock,
    price: arbU32,
    timeInForce: arbU32,
    firm: arbFirm,
    display: arbChar,
    capacity: arbChar,
    intermarketSweepEligibility: arbChar,
    minimumQuantity: arbU32,
    crossType: arbChar,
    customerType: arbChar,
    midpointPeg: arbBool,
  }),
  U: record({
    type: fc.constant("U"),
    existingOrderToken: arbToken,
    replacementOrderToken: arbToken,
    shares: arbU32,
    price: arbU32,
    timeInForce: arbU32,
    display: arbChar,
    intermarketSweepEligibility: arbChar,
    minimumQuantity: arbU32,
  }),
  X: record({ type: fc.constant("X"), orderToken: arbToken, shares: arbU32 }),
  M: record({
    type: fc.constant("M"),
    orderToken: arbToken,
    buySellIndicator: arbChar,
    shares: arbU32,
  }),
  N: record({ type: fc.constant("N"), orderToken: arbToken }),
  H: record({ type: fc.constant("H"), timestamp: arbU64, eventCode: arbChar }),
  K: record({ type: fc.constant("K"), eBestBid: arbU32, eBestOffer: arbU32 }),
};

export const serverMessageArbitraries: {
  readonly [T in ServerMessageType]: fc.Arbitrary<ServerMessageOf<T>>;
} = {
  S: record({ type: fc.constant("S"), timestamp: arbU64, eventCode: arbChar }),
  A: record({
    type: fc.constant("A"),
    timestamp: arbU64,
    orderToken: arbToken,
    buySellIndicator: arbChar,
    shares: arbU32,
    stock: arbStock,
    price: arbU32,
    timeInForce: arbU32,
    firm: arbFirm,
    display: arbChar,
    orderReferenceNumber: arbU64,
    capacity: arbChar,
    intermarketSweepEligibility: arbChar,
    minimumQuantity: arbU32,
    crossType: arbChar,
    orderState: arbChar,
    bboWeightIndicator: arbChar,
    midpointPeg: arbBool,
  }),
  U: record({
    type: fc.constant("U"),
    timestamp: arbU64,
    replacementOrderToken: arbToken,
    buySellIndicator: arbChar,
    shares: arbU32,
    stock: arbStock,
    price: arbU32,
    timeInForce: arbU32,
    firm: arbFirm,
    display: arbChar,
    orderReferenceNumber: arbU64,
    capacity: arbChar,
    intermarketSweepEligibility: arbChar,
    minimumQuantity: arbU32,
    crossType: arbChar,
    orderState: arbChar,
    previousOrderToken: arbToken,
    bboWeightIndicator: arbChar,
    midpointPeg: arbBool,
  }),
  C: record({
    type: fc.constant("C"),
    timestamp: arbU64,
    orderToken: arbToken,
    decrementShares: arbU32,
    reason: arbChar,
    midpointPeg: arbBool,
  }),
  E: record({
    type: fc.constant("E"),
    timestamp: arbU64,
    orderToken: arbToken,
    executedShares: arbU32,
    executionPrice: arbU32,
    liquidityFlag: arbChar,
    matchNumber: arbU64,
    midpointPeg: arbBool,
  }),
  Q: record({
    type: fc.constant("Q"),
    timestamp: arbU64,
    stock: arbStock,
    bestBid: arbU32,
    volumeAtBestBid: arbU32,
    bestAsk: arbU32,
    volumeAtBestAsk: arbU32,
    nextBid: arbU32,
    nextAsk: arbU32,
  }),
  Z: record({
    type: fc.constant("Z"),
    timestamp: arbU64,
    stock: arbStock,
    clearingPrice: arbU32,
    transactedVolume: arbU32,
    bestBid: arbU32,
    volumeAtBestBid: arbU32,
    bestAsk: arbU32,
    volumeAtBestAsk: arbU32,
    nextBid: arbU32,
    nextAsk: arbU32,
  }),
  L: record({ type: fc.constant("L"), timestamp: arbU64, pegState: arbI32, pegPrice: arbU32 }),
  D: record({
    type: fc.constant("D"),
    timestamp: arbU64,
    orderToken: arbToken,
    decrementShares: arbU32,
    reason: arbChar,
    quantityPreventedFromTrading: arbU32,
    executionPrice: arbU32,
    liquidityFlag: arbChar,
  }),
  B: record({
    type: fc.constant("B"),
    timestamp: arbU64,
    orderToken: arbToken,
    matchNumber: arbU64,
    reason: arbChar,
  }),
  G: record({
    type: fc.constant("G"),
    timestamp: arbU64,
    orderToken: arbToken,
    executedShares: arbU32,
    executionPrice: arbU32,
    liquidityFlag: arbChar,
    matchNumber: arbU64,
    referencePrice: arbU32,
    referencePriceType: arbChar,
  }),
  F: record({
    type: fc.constant("F"),
    timestamp: arbU64,
    orderToken: arbToken,
    executedShares: arbU32,
    executionPrice: arbU32,
    liquidityFlag: arbChar,
    matchNumber: arbU64,
    reason: arbChar,
  }),
  J: record({
    type: fc.constant("J"),
    timestamp: arbU64,
    orderToken: arbToken,
    reason: arbChar,
  }),
  P: record({ type: fc.constant("P"), timestamp: arbU64, orderToken: arbToken }),
  I: record({ type: fc.constant("I"), timestamp: arbU64, orderToken: arbToken }),
  T: record({
    type: fc.constant("T"),
    timestamp: arbU64,
    orderToken: arbToken,
    price: arbU32,
    display: arbChar,
    orderReferenceNumber: arbU64,
  }),
  M: record({
    type: fc.constant("M"),
    timestamp: arbU64,
    orderToken: arbToken,
    buySellIndicator: arbChar,
    shares: arbU32,
  }),
  N: record({ type: fc.constant("N"), timestamp: arbU64, orderToken: arbToken }),
};

/** Any client → engine message, every type equally likely. */
export const arbClientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  ...Object.values(clientMessageArbitraries) as fc.Arbitrary<ClientMessage>[],
);

/** Any engine → client message, every type equally likely. */
export const arbServerMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  ...Object.values(serverMessageArbitraries) as fc.Arbitrary<ServerMessage>[],
);
