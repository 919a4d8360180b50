/**
 * Encoder and decoder of the Leeps OUCH 4.2 messages (shared reference
 * `leeps-exchange.md` §4): big-endian, fixed size per type letter and
 * direction, no framing on the wire.
 *
 * The exchange encodes every reply, so each message has its own hand-written
 * writer and reader over direct byte access: no DataView, no intermediate
 * arrays, and no allocation beyond the result (the output array when
 * encoding; the message object, its strings and its bigints when decoding).
 *
 * Errors:
 * - decoding throws only {@link OuchDecodeError}, whatever the bytes (a bad
 *   `offset` argument is a caller bug and throws RangeError);
 * - encoding throws {@link OuchEncodeError} naming the offending field, and
 *   RangeError when the target array has no room. A failed `…Into` call may
 *   have written part of the message into the target.
 */

import {
  type Accepted,
  type AIQCanceled,
  type BestBidAndOffer,
  type BrokenTrade,
  type Canceled,
  type CancelOrder,
  type CancelPending,
  type CancelReject,
  CLIENT_MESSAGE_NAMES,
  CLIENT_MESSAGE_SIZES,
  type ClientMessage,
  type ClientTradeNow,
  type Direction,
  type EnterOrder,
  type Executed,
  type ExecutedWithReferencePrice,
  type ExternalFeedChange,
  type ModifyOrder,
  type OrderModified,
  type OrderPriorityUpdate,
  type PegStateUpdate,
  type PostBatch,
  type Rejected,
  type Replaced,
  type ReplaceOrder,
  SERVER_MESSAGE_NAMES,
  SERVER_MESSAGE_SIZES,
  type ServerMessage,
  type ServerTradeNow,
  type SystemEvent,
  type SystemStart,
  type TradeCorrection,
} from "./messages.ts";

// ------------------------------------------------------------------ errors

export type OuchDecodeErrorCode = "unknown-type" | "truncated";

export interface OuchDecodeErrorDetails {
  code: OuchDecodeErrorCode;
  direction: Direction;
  /** Where the message starts: an index into the decoded array, or a stream position (framer). */
  offset: number;
  /** The message's type byte; null when not even that byte is there. */
  typeByte: number | null;
  /** The size the type byte calls for; null for an unknown or missing type byte. */
  expectedSize: number | null;
  /** Bytes there were from `offset` on (for the framer: in that chunk). */
  available: number;
}

/**
 * The bytes are not a whole message of a known type. After an `unknown-type`
 * on a stream the reader has lost the message boundaries for good.
 */
export class OuchDecodeError extends Error {
  override readonly name = "OuchDecodeError";
  readonly code: OuchDecodeErrorCode;
  readonly direction: Direction;
  readonly offset: number;
  readonly typeByte: number | null;
  readonly expectedSize: number | null;
  readonly available: number;

  constructor(details: OuchDecodeErrorDetails) {
    super(describeDecodeError(details));
    this.code = details.code;
    this.direction = details.direction;
    this.offset = details.offset;
    this.typeByte = details.typeByte;
    this.expectedSize = details.expectedSize;
    this.available = details.available;
  }
}

/** A message cannot go on the wire as it is; `field` names the culprit ("type" for the type). */
export class OuchEncodeError extends Error {
  override readonly name = "OuchEncodeError";
  readonly direction: Direction;
  /** The message's `type` as given (described, when it is not a string). */
  readonly messageType: string;
  readonly field: string;
  readonly problem: string;

  constructor(direction: Direction, messageType: string, field: string, problem: string) {
    // An unknown type has no label; the problem quotes it.
    const label = isKnownType(direction, messageType)
      ? ` ${messageLabel(direction, messageType)}`
      : "";
    super(`cannot encode OUCH ${direction} message${label}: ${field} ${problem}`);
    this.direction = direction;
    this.messageType = messageType;
    this.field = field;
    this.problem = problem;
  }
}

function describeDecodeError(d: OuchDecodeErrorDetails): string {
  const what = `OUCH ${d.direction} message`;
  if (d.typeByte === null) return `truncated ${what} at byte ${d.offset}: no bytes left`;
  if (d.code === "unknown-type") {
    return `unknown ${what} type ${describeByte(d.typeByte)} at byte ${d.offset}`;
  }
  return `truncated ${what} ${messageLabel(d.direction, CHARS[d.typeByte])} at byte ${d.offset}: ` +
    `needs ${d.expectedSize} bytes, ${d.available} available`;
}

function describeByte(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, "0")}`;
  return b >= 0x20 && b < 0x7f ? `${hex} ('${CHARS[b]}')` : hex;
}

function namesOf(direction: Direction): Readonly<Record<string, string>> {
  return direction === "client" ? CLIENT_MESSAGE_NAMES : SERVER_MESSAGE_NAMES;
}

function isKnownType(direction: Direction, type: string): boolean {
  return Object.hasOwn(namesOf(direction), type);
}

/** `'U' (Replaced)`: the letter alone is ambiguous across directions. */
function messageLabel(direction: Direction, type: string): string {
  return `'${type}' (${namesOf(direction)[type]})`;
}

/** Never calls into the value (no toString), so describing bad input cannot throw. */
function describe(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
    case "number":
    case "boolean":
      return String(v);
    case "bigint":
      return `${v}n`;
    case "undefined":
      return "undefined";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      return v === null ? "null" : Array.isArray(v) ? "an array" : "an object";
  }
}

/**
 * Thrown by the field writers, which know the field but not the message;
 * the entry points turn it into an OuchEncodeError. Not an Error, as its
 * stack would never be seen.
 */
class FieldProblem {
  constructor(readonly field: string, readonly problem: string) {}
}

function toEncodeError(e: unknown, direction: Direction, type: string): unknown {
  return e instanceof FieldProblem ? new OuchEncodeError(direction, type, e.field, e.problem) : e;
}

// ------------------------------------------------------------------ tables

/** Per char code; 0 = not a type of that direction. */
function sizesByCode(sizes: Readonly<Record<string, number>>): Uint8Array {
  const t = new Uint8Array(256);
  for (const [letter, size] of Object.entries(sizes)) t[letter.charCodeAt(0)] = size;
  return t;
}

const CLIENT_SIZE = sizesByCode(CLIENT_MESSAGE_SIZES);
const SERVER_SIZE = sizesByCode(SERVER_MESSAGE_SIZES);

/** Single-char strings by byte, so decoding a `c` field allocates nothing. */
const CHARS: readonly string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

/**
 * Bytes of a message of this direction and type byte, or undefined when the
 * direction has no such type.
 */
export function messageSize(direction: Direction, typeByte: number): number | undefined {
  const size = (direction === "client" ? CLIENT_SIZE : SERVER_SIZE)[typeByte];
  return size ? size : undefined;
}

// ------------------------------------------------------------------ field writers

const TWO_32 = 4294967296;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** Up to here a u64 converts to a double exactly, avoiding bigint arithmetic. */
const SAFE_U64 = 0x1f_ffff_ffff_ffffn;

function putU32(b: Uint8Array, o: number, v: number, field: string): void {
  if (typeof v !== "number" || v >>> 0 !== v) {
    throw new FieldProblem(field, `must be an integer in 0..4294967295 (got ${describe(v)})`);
  }
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function putI32(b: Uint8Array, o: number, v: number, field: string): void {
  if (typeof v !== "number" || (v | 0) !== v) {
    throw new FieldProblem(
      field,
      `must be an integer in -2147483648..2147483647 (got ${describe(v)})`,
    );
  }
  b[o] = v >> 24;
  b[o + 1] = v >> 16;
  b[o + 2] = v >> 8;
  b[o + 3] = v;
}

function putU64(b: Uint8Array, o: number, v: bigint, field: string): void {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) {
    throw new FieldProblem(
      field,
      `must be a bigint in 0n..18446744073709551615n (got ${describe(v)})`,
    );
  }
  let hi: number;
  let lo: number;
  if (v <= SAFE_U64) {
    const n = Number(v);
    hi = Math.floor(n / TWO_32);
    lo = n >>> 0;
  } else {
    hi = Number(v >> 32n);
    lo = Number(v & 0xffff_ffffn);
  }
  b[o] = hi >>> 24;
  b[o + 1] = hi >>> 16;
  b[o + 2] = hi >>> 8;
  b[o + 3] = hi;
  b[o + 4] = lo >>> 24;
  b[o + 5] = lo >>> 16;
  b[o + 6] = lo >>> 8;
  b[o + 7] = lo;
}

function charProblem(v: string, k: number): string {
  const code = v.charCodeAt(k).toString(16).padStart(4, "0");
  return `char ${k} is U+${code}, but each char stands for one byte (codes 0-255)`;
}

/** `Ns`: exactly n chars, never padded, so a token goes out exactly as its owner spelled it. */
function putStr(b: Uint8Array, o: number, v: string, n: number, field: string): void {
  if (typeof v !== "string" || v.length !== n) {
    const got = typeof v === "string" ? `${v.length} chars: ${describe(v)}` : describe(v);
    throw new FieldProblem(field, `must be a string of exactly ${n} chars (got ${got})`);
  }
  for (let k = 0; k < n; k++) {
    const c = v.charCodeAt(k);
    if (c > 0xff) throw new FieldProblem(field, charProblem(v, k));
    b[o + k] = c;
  }
}

function putChar(b: Uint8Array, o: number, v: string, field: string): void {
  if (typeof v !== "string" || v.length !== 1) {
    throw new FieldProblem(field, `must be a 1-char string (got ${describe(v)})`);
  }
  const c = v.charCodeAt(0);
  if (c > 0xff) throw new FieldProblem(field, charProblem(v, 0));
  b[o] = c;
}

function putBool(b: Uint8Array, o: number, v: boolean, field: string): void {
  if (v === true) b[o] = 1;
  else if (v === false) b[o] = 0;
  else throw new FieldProblem(field, `must be a boolean (got ${describe(v)})`);
}

// ------------------------------------------------------------------ field readers

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function i32(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

function u64(b: Uint8Array, o: number): bigint {
  const hi = u32(b, o);
  const lo = u32(b, o + 4);
  // Below 2^53 the value is exact as a double: one bigint allocation, not four.
  return hi < 0x20_0000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function chr(b: Uint8Array, o: number): string {
  return CHARS[b[o]];
}

// TextDecoder("latin1") is windows-1252 in the Encoding standard (0x80 would
// become "€"), so bytes become chars through fromCharCode.
const fcc = String.fromCharCode;

function str4(b: Uint8Array, o: number): string {
  return fcc(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

function str8(b: Uint8Array, o: number): string {
  return fcc(b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
}

function str14(b: Uint8Array, o: number): string {
  return fcc(
    b[o],
    b[o + 1],
    b[o + 2],
    b[o + 3],
    b[o + 4],
    b[o + 5],
    b[o + 6],
    b[o + 7],
    b[o + 8],
    b[o + 9],
    b[o + 10],
    b[o + 11],
    b[o + 12],
    b[o + 13],
  );
}

function bool(b: Uint8Array, o: number): boolean {
  return b[o] !== 0;
}

// ------------------------------------------------------------------ client messages
// Offsets are those of the reference tables (type byte at 0), which the
// writers leave to the entry points.

function writeEnterOrder(m: EnterOrder, b: Uint8Array, o: number): void {
  putStr(b, o + 1, m.orderToken, 14, "orderToken");
  putChar(b, o + 15, m.buySellIndicator, "buySellIndicator");
  putU32(b, o + 16, m.shares, "shares");
  putStr(b, o + 20, m.stock, 8, "stock");
  putU32(b, o + 28, m.price, "price");
  putU32(b, o + 32, m.timeInForce, "timeInForce");
  putStr(b, o + 36, m.firm, 4, "firm");
  putChar(b, o + 40, m.display, "display");
  putChar(b, o + 41, m.capacity, "capacity");
  putChar(b, o + 42, m.intermarketSweepEligibility, "intermarketSweepEligibility");
  putU32(b, o + 43, m.minimumQuantity, "minimumQuantity");
  putChar(b, o + 47, m.crossType, "crossType");
  putChar(b, o + 48, m.customerType, "customerType");
  putBool(b, o + 49, m.midpointPeg, "midpointPeg");
}

function readEnterOrder(b: Uint8Array, o: number): EnterOrder {
  return {
    type: "O",
    orderToken: str14(b, o + 1),
    buySellIndicator: chr(b, o + 15),
    shares: u32(b, o + 16),
    stock: str8(b, o + 20),
    price: u32(b, o + 28),
    timeInForce: u32(b, o + 32),
    firm: str4(b, o + 36),
    display: chr(b, o + 40),
    capacity: chr(b, o + 41),
    intermarketSweepEligibility: chr(b, o + 42),
    minimumQuantity: u32(b, o + 43),
    crossType: chr(b, o + 47),
    customerType: chr(b, o + 48),
    midpointPeg: bool(b, o + 49),
  };
}

function writeReplaceOrder(m: ReplaceOrder, b: Uint8Array, o: number): void {
  putStr(b, o + 1, m.existingOrderToken, 14, "existingOrderToken");
  putStr(b, o + 15, m.replacementOrderToken, 14, "replacementOrderToken");
  putU32(b, o + 29, m.shares, "shares");
  putU32(b, o + 33, m.price, "price");
  putU32(b, o + 37, m.timeInForce, "timeInForce");
  putChar(b, o + 41, m.display, "display");
  putChar(b, o + 42, m.intermarketSweepEligibility, "intermarketSweepEligibility");
  putU32(b, o + 43, m.minimumQuantity, "minimumQuantity");
}

function readReplaceOrder(b: Uint8Array, o: number): ReplaceOrder {
  return {
    type: "U",
    existingOrderToken: str14(b, o + 1),
    replacementOrderToken: str14(b, o + 15),
    shares: u32(b, o + 29),
    price: u32(b, o + 33),
    timeInForce: u32(b, o + 37),
    display: chr(b, o + 41),
    intermarketSweepEligibility: chr(b, o + 42),
    minimumQuantity: u32(b, o + 43),
  };
}

function writeCancelOrder(m: CancelOrder, b: Uint8Array, o: number): void {
  putStr(b, o + 1, m.orderToken, 14, "orderToken");
  putU32(b, o + 15, m.shares, "shares");
}

function readCancelOrder(b: Uint8Array, o: number): CancelOrder {
  return { type: "X", orderToken: str14(b, o + 1), shares: u32(b, o + 15) };
}

function writeModifyOrder(m: ModifyOrder, b: Uint8Array, o: number): void {
  putStr(b, o + 1, m.orderToken, 14, "orderToken");
  putChar(b, o + 15, m.buySellIndicator, "buySellIndicator");
  putU32(b, o + 16, m.shares, "shares");
}

function readModifyOrder(b: Uint8Array, o: number): ModifyOrder {
  return {
    type: "M",
    orderToken: str14(b, o + 1),
    buySellIndicator: chr(b, o + 15),
    shares: u32(b, o + 16),
  };
}

function writeClientTradeNow(m: ClientTradeNow, b: Uint8Array, o: number): void {
  putStr(b, o + 1, m.orderToken, 14, "orderToken");
}

function readClientTradeNow(b: Uint8Array, o: number): ClientTradeNow {
  return { type: "N", orderToken: str14(b, o + 1) };
}

function writeSystemStart(m: SystemStart, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putChar(b, o + 9, m.eventCode, "eventCode");
}

function readSystemStart(b: Uint8Array, o: number): SystemStart {
  return { type: "H", timestamp: u64(b, o + 1), eventCode: chr(b, o + 9) };
}

function writeExternalFeedChange(m: ExternalFeedChange, b: Uint8Array, o: number): void {
  putU32(b, o + 1, m.eBestBid, "eBestBid");
  putU32(b, o + 5, m.eBestOffer, "eBestOffer");
}

function readExternalFeedChange(b: Uint8Array, o: number): ExternalFeedChange {
  return { type: "K", eBestBid: u32(b, o + 1), eBestOffer: u32(b, o + 5) };
}

// ------------------------------------------------------------------ server messages

function writeSystemEvent(m: SystemEvent, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putChar(b, o + 9, m.eventCode, "eventCode");
}

function readSystemEvent(b: Uint8Array, o: number): SystemEvent {
  return { type: "S", timestamp: u64(b, o + 1), eventCode: chr(b, o + 9) };
}

function writeAccepted(m: Accepted, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putChar(b, o + 23, m.buySellIndicator, "buySellIndicator");
  putU32(b, o + 24, m.shares, "shares");
  putStr(b, o + 28, m.stock, 8, "stock");
  putU32(b, o + 36, m.price, "price");
  putU32(b, o + 40, m.timeInForce, "timeInForce");
  putStr(b, o + 44, m.firm, 4, "firm");
  putChar(b, o + 48, m.display, "display");
  putU64(b, o + 49, m.orderReferenceNumber, "orderReferenceNumber");
  putChar(b, o + 57, m.capacity, "capacity");
  putChar(b, o + 58, m.intermarketSweepEligibility, "intermarketSweepEligibility");
  putU32(b, o + 59, m.minimumQuantity, "minimumQuantity");
  putChar(b, o + 63, m.crossType, "crossType");
  putChar(b, o + 64, m.orderState, "orderState");
  putChar(b, o + 65, m.bboWeightIndicator, "bboWeightIndicator");
  putBool(b, o + 66, m.midpointPeg, "midpointPeg");
}

function readAccepted(b: Uint8Array, o: number): Accepted {
  return {
    type: "A",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    buySellIndicator: chr(b, o + 23),
    shares: u32(b, o + 24),
    stock: str8(b, o + 28),
    price: u32(b, o + 36),
    timeInForce: u32(b, o + 40),
    firm: str4(b, o + 44),
    display: chr(b, o + 48),
    orderReferenceNumber: u64(b, o + 49),
    capacity: chr(b, o + 57),
    intermarketSweepEligibility: chr(b, o + 58),
    minimumQuantity: u32(b, o + 59),
    crossType: chr(b, o + 63),
    orderState: chr(b, o + 64),
    bboWeightIndicator: chr(b, o + 65),
    midpointPeg: bool(b, o + 66),
  };
}

function writeReplaced(m: Replaced, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.replacementOrderToken, 14, "replacementOrderToken");
  putChar(b, o + 23, m.buySellIndicator, "buySellIndicator");
  putU32(b, o + 24, m.shares, "shares");
  putStr(b, o + 28, m.stock, 8, "stock");
  putU32(b, o + 36, m.price, "price");
  putU32(b, o + 40, m.timeInForce, "timeInForce");
  putStr(b, o + 44, m.firm, 4, "firm");
  putChar(b, o + 48, m.display, "display");
  putU64(b, o + 49, m.orderReferenceNumber, "orderReferenceNumber");
  putChar(b, o + 57, m.capacity, "capacity");
  putChar(b, o + 58, m.intermarketSweepEligibility, "intermarketSweepEligibility");
  putU32(b, o + 59, m.minimumQuantity, "minimumQuantity");
  putChar(b, o + 63, m.crossType, "crossType");
  putChar(b, o + 64, m.orderState, "orderState");
  putStr(b, o + 65, m.previousOrderToken, 14, "previousOrderToken");
  putChar(b, o + 79, m.bboWeightIndicator, "bboWeightIndicator");
  putBool(b, o + 80, m.midpointPeg, "midpointPeg");
}

function readReplaced(b: Uint8Array, o: number): Replaced {
  return {
    type: "U",
    timestamp: u64(b, o + 1),
    replacementOrderToken: str14(b, o + 9),
    buySellIndicator: chr(b, o + 23),
    shares: u32(b, o + 24),
    stock: str8(b, o + 28),
    price: u32(b, o + 36),
    timeInForce: u32(b, o + 40),
    firm: str4(b, o + 44),
    display: chr(b, o + 48),
    orderReferenceNumber: u64(b, o + 49),
    capacity: chr(b, o + 57),
    intermarketSweepEligibility: chr(b, o + 58),
    minimumQuantity: u32(b, o + 59),
    crossType: chr(b, o + 63),
    orderState: chr(b, o + 64),
    previousOrderToken: str14(b, o + 65),
    bboWeightIndicator: chr(b, o + 79),
    midpointPeg: bool(b, o + 80),
  };
}

function writeCanceled(m: Canceled, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.decrementShares, "decrementShares");
  putChar(b, o + 27, m.reason, "reason");
  putBool(b, o + 28, m.midpointPeg, "midpointPeg");
}

function readCanceled(b: Uint8Array, o: number): Canceled {
  return {
    type: "C",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    decrementShares: u32(b, o + 23),
    reason: chr(b, o + 27),
    midpointPeg: bool(b, o + 28),
  };
}

function writeExecuted(m: Executed, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.executedShares, "executedShares");
  putU32(b, o + 27, m.executionPrice, "executionPrice");
  putChar(b, o + 31, m.liquidityFlag, "liquidityFlag");
  putU64(b, o + 32, m.matchNumber, "matchNumber");
  putBool(b, o + 40, m.midpointPeg, "midpointPeg");
}

function readExecuted(b: Uint8Array, o: number): Executed {
  return {
    type: "E",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    executedShares: u32(b, o + 23),
    executionPrice: u32(b, o + 27),
    liquidityFlag: chr(b, o + 31),
    matchNumber: u64(b, o + 32),
    midpointPeg: bool(b, o + 40),
  };
}

function writeBestBidAndOffer(m: BestBidAndOffer, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.stock, 8, "stock");
  putU32(b, o + 17, m.bestBid, "bestBid");
  putU32(b, o + 21, m.volumeAtBestBid, "volumeAtBestBid");
  putU32(b, o + 25, m.bestAsk, "bestAsk");
  putU32(b, o + 29, m.volumeAtBestAsk, "volumeAtBestAsk");
  putU32(b, o + 33, m.nextBid, "nextBid");
  putU32(b, o + 37, m.nextAsk, "nextAsk");
}

function readBestBidAndOffer(b: Uint8Array, o: number): BestBidAndOffer {
  return {
    type: "Q",
    timestamp: u64(b, o + 1),
    stock: str8(b, o + 9),
    bestBid: u32(b, o + 17),
    volumeAtBestBid: u32(b, o + 21),
    bestAsk: u32(b, o + 25),
    volumeAtBestAsk: u32(b, o + 29),
    nextBid: u32(b, o + 33),
    nextAsk: u32(b, o + 37),
  };
}

function writePostBatch(m: PostBatch, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.stock, 8, "stock");
  putU32(b, o + 17, m.clearingPrice, "clearingPrice");
  putU32(b, o + 21, m.transactedVolume, "transactedVolume");
  putU32(b, o + 25, m.bestBid, "bestBid");
  putU32(b, o + 29, m.volumeAtBestBid, "volumeAtBestBid");
  // Swapped relative to `Q` on purpose: the upstream wire contract (Q24).
  putU32(b, o + 33, m.volumeAtBestAsk, "volumeAtBestAsk");
  putU32(b, o + 37, m.bestAsk, "bestAsk");
  putU32(b, o + 41, m.nextBid, "nextBid");
  putU32(b, o + 45, m.nextAsk, "nextAsk");
}

function readPostBatch(b: Uint8Array, o: number): PostBatch {
  return {
    type: "Z",
    timestamp: u64(b, o + 1),
    stock: str8(b, o + 9),
    clearingPrice: u32(b, o + 17),
    transactedVolume: u32(b, o + 21),
    bestBid: u32(b, o + 25),
    volumeAtBestBid: u32(b, o + 29),
    bestAsk: u32(b, o + 37),
    volumeAtBestAsk: u32(b, o + 33),
    nextBid: u32(b, o + 41),
    nextAsk: u32(b, o + 45),
  };
}

function writePegStateUpdate(m: PegStateUpdate, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putI32(b, o + 9, m.pegState, "pegState");
  putU32(b, o + 13, m.pegPrice, "pegPrice");
}

function readPegStateUpdate(b: Uint8Array, o: number): PegStateUpdate {
  return {
    type: "L",
    timestamp: u64(b, o + 1),
    pegState: i32(b, o + 9),
    pegPrice: u32(b, o + 13),
  };
}

function writeAIQCanceled(m: AIQCanceled, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.decrementShares, "decrementShares");
  putChar(b, o + 27, m.reason, "reason");
  putU32(b, o + 28, m.quantityPreventedFromTrading, "quantityPreventedFromTrading");
  putU32(b, o + 32, m.executionPrice, "executionPrice");
  putChar(b, o + 36, m.liquidityFlag, "liquidityFlag");
}

function readAIQCanceled(b: Uint8Array, o: number): AIQCanceled {
  return {
    type: "D",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    decrementShares: u32(b, o + 23),
    reason: chr(b, o + 27),
    quantityPreventedFromTrading: u32(b, o + 28),
    executionPrice: u32(b, o + 32),
    liquidityFlag: chr(b, o + 36),
  };
}

function writeBrokenTrade(m: BrokenTrade, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU64(b, o + 23, m.matchNumber, "matchNumber");
  putChar(b, o + 31, m.reason, "reason");
}

function readBrokenTrade(b: Uint8Array, o: number): BrokenTrade {
  return {
    type: "B",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    matchNumber: u64(b, o + 23),
    reason: chr(b, o + 31),
  };
}

function writeExecutedWithReferencePrice(
  m: ExecutedWithReferencePrice,
  b: Uint8Array,
  o: number,
): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.executedShares, "executedShares");
  putU32(b, o + 27, m.executionPrice, "executionPrice");
  putChar(b, o + 31, m.liquidityFlag, "liquidityFlag");
  putU64(b, o + 32, m.matchNumber, "matchNumber");
  putU32(b, o + 40, m.referencePrice, "referencePrice");
  putChar(b, o + 44, m.referencePriceType, "referencePriceType");
}

function readExecutedWithReferencePrice(b: Uint8Array, o: number): ExecutedWithReferencePrice {
  return {
    type: "G",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    executedShares: u32(b, o + 23),
    executionPrice: u32(b, o + 27),
    liquidityFlag: chr(b, o + 31),
    matchNumber: u64(b, o + 32),
    referencePrice: u32(b, o + 40),
    referencePriceType: chr(b, o + 44),
  };
}

function writeTradeCorrection(m: TradeCorrection, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.executedShares, "executedShares");
  putU32(b, o + 27, m.executionPrice, "executionPrice");
  putChar(b, o + 31, m.liquidityFlag, "liquidityFlag");
  putU64(b, o + 32, m.matchNumber, "matchNumber");
  putChar(b, o + 40, m.reason, "reason");
}

function readTradeCorrection(b: Uint8Array, o: number): TradeCorrection {
  return {
    type: "F",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    executedShares: u32(b, o + 23),
    executionPrice: u32(b, o + 27),
    liquidityFlag: chr(b, o + 31),
    matchNumber: u64(b, o + 32),
    reason: chr(b, o + 40),
  };
}

function writeRejected(m: Rejected, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putChar(b, o + 23, m.reason, "reason");
}

function readRejected(b: Uint8Array, o: number): Rejected {
  return {
    type: "J",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    reason: chr(b, o + 23),
  };
}

/** `P`, `I` and server `N` share this layout. */
function writeTimestampToken(
  m: CancelPending | CancelReject | ServerTradeNow,
  b: Uint8Array,
  o: number,
): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
}

function writeOrderPriorityUpdate(m: OrderPriorityUpdate, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putU32(b, o + 23, m.price, "price");
  putChar(b, o + 27, m.display, "display");
  putU64(b, o + 28, m.orderReferenceNumber, "orderReferenceNumber");
}

function readOrderPriorityUpdate(b: Uint8Array, o: number): OrderPriorityUpdate {
  return {
    type: "T",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    price: u32(b, o + 23),
    display: chr(b, o + 27),
    orderReferenceNumber: u64(b, o + 28),
  };
}

function writeOrderModified(m: OrderModified, b: Uint8Array, o: number): void {
  putU64(b, o + 1, m.timestamp, "timestamp");
  putStr(b, o + 9, m.orderToken, 14, "orderToken");
  putChar(b, o + 23, m.buySellIndicator, "buySellIndicator");
  putU32(b, o + 24, m.shares, "shares");
}

function readOrderModified(b: Uint8Array, o: number): OrderModified {
  return {
    type: "M",
    timestamp: u64(b, o + 1),
    orderToken: str14(b, o + 9),
    buySellIndicator: chr(b, o + 23),
    shares: u32(b, o + 24),
  };
}

// ------------------------------------------------------------------ entry points

/** The char code of a 1-char `type`, else -1; guards against non-objects from untyped callers. */
function typeCode(m: unknown): number {
  if (typeof m !== "object" || m === null) return -1;
  const t = (m as { type?: unknown }).type;
  return typeof t === "string" && t.length === 1 ? t.charCodeAt(0) : -1;
}

function sizeFor(direction: Direction, m: unknown, code: number): number {
  const size = code >= 0 && code < 256
    ? (direction === "client" ? CLIENT_SIZE : SERVER_SIZE)[code]
    : 0;
  if (size !== 0) return size;
  const t = typeof m === "object" && m !== null ? (m as { type?: unknown }).type : m;
  const letters = Object.keys(direction === "client" ? CLIENT_MESSAGE_SIZES : SERVER_MESSAGE_SIZES);
  throw new OuchEncodeError(
    direction,
    typeof t === "string" ? t : describe(t),
    "type",
    `must be one of ${letters.join(", ")} (got ${describe(t)})`,
  );
}

function checkRoom(
  direction: Direction,
  type: string,
  size: number,
  target: Uint8Array,
  offset: number,
): void {
  if (Number.isInteger(offset) && offset >= 0 && offset + size <= target.length) return;
  throw new RangeError(
    `no room for OUCH ${direction} message ${messageLabel(direction, type)} (${size} bytes) ` +
      `at offset ${describe(offset)} of a ${target.length}-byte array`,
  );
}

/** Encodes a client → engine message into a new array of exactly its size. */
export function encodeClientMessage(m: ClientMessage): Uint8Array {
  const out = new Uint8Array(sizeFor("client", m, typeCode(m)));
  encodeClientMessageInto(m, out, 0);
  return out;
}

/** Writes a client → engine message at `target[offset]`; returns the bytes written. */
export function encodeClientMessageInto(
  m: ClientMessage,
  target: Uint8Array,
  offset: number,
): number {
  const code = typeCode(m);
  const size = sizeFor("client", m, code);
  checkRoom("client", m.type, size, target, offset);
  try {
    switch (m.type) {
      case "O":
        writeEnterOrder(m, target, offset);
        break;
      case "U":
        writeReplaceOrder(m, target, offset);
        break;
      case "X":
        writeCancelOrder(m, target, offset);
        break;
      case "M":
        writeModifyOrder(m, target, offset);
        break;
      case "N":
        writeClientTradeNow(m, target, offset);
        break;
      case "H":
        writeSystemStart(m, target, offset);
        break;
      case "K":
        writeExternalFeedChange(m, target, offset);
        break;
    }
  } catch (e) {
    throw toEncodeError(e, "client", m.type);
  }
  target[offset] = code;
  return size;
}

/** Encodes an engine → client message into a new array of exactly its size. */
export function encodeServerMessage(m: ServerMessage): Uint8Array {
  const out = new Uint8Array(sizeFor("server", m, typeCode(m)));
  encodeServerMessageInto(m, out, 0);
  return out;
}

/** Writes an engine → client message at `target[offset]`; returns the bytes written. */
export function encodeServerMessageInto(
  m: ServerMessage,
  target: Uint8Array,
  offset: number,
): number {
  const code = typeCode(m);
  const size = sizeFor("server", m, code);
  checkRoom("server", m.type, size, target, offset);
  try {
    switch (m.type) {
      case "S":
        writeSystemEvent(m, target, offset);
        break;
      case "A":
        writeAccepted(m, target, offset);
        break;
      case "U":
        writeReplaced(m, target, offset);
        break;
      case "C":
        writeCanceled(m, target, offset);
        break;
      case "E":
        writeExecuted(m, target, offset);
        break;
      case "Q":
        writeBestBidAndOffer(m, target, offset);
        break;
      case "Z":
        writePostBatch(m, target, offset);
        break;
      case "L":
        writePegStateUpdate(m, target, offset);
        break;
      case "D":
        writeAIQCanceled(m, target, offset);
        break;
      case "B":
        writeBrokenTrade(m, target, offset);
        break;
      case "G":
        writeExecutedWithReferencePrice(m, target, offset);
        break;
      case "F":
        writeTradeCorrection(m, target, offset);
        break;
      case "J":
        writeRejected(m, target, offset);
        break;
      case "P":
      case "I":
      case "N":
        writeTimestampToken(m, target, offset);
        break;
      case "T":
        writeOrderPriorityUpdate(m, target, offset);
        break;
      case "M":
        writeOrderModified(m, target, offset);
        break;
    }
  } catch (e) {
    throw toEncodeError(e, "server", m.type);
  }
  target[offset] = code;
  return size;
}

/** Reachable only if a size table and a decoder switch disagree; keeps the error contract. */
function unknownType(direction: Direction, bytes: Uint8Array, offset: number): OuchDecodeError {
  return new OuchDecodeError({
    code: "unknown-type",
    direction,
    offset,
    typeByte: bytes[offset],
    expectedSize: null,
    available: bytes.length - offset,
  });
}

/** Checks that a whole message of a known type starts at `offset`; returns its type byte. */
function frame(
  direction: Direction,
  sizes: Uint8Array,
  bytes: Uint8Array,
  offset: number,
): number {
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a non-negative integer (got ${describe(offset)})`);
  }
  const available = Math.max(bytes.length - offset, 0);
  if (available === 0) {
    throw new OuchDecodeError({
      code: "truncated",
      direction,
      offset,
      typeByte: null,
      expectedSize: null,
      available,
    });
  }
  const typeByte = bytes[offset];
  const size = sizes[typeByte];
  if (size === 0) throw unknownType(direction, bytes, offset);
  if (available < size) {
    throw new OuchDecodeError({
      code: "truncated",
      direction,
      offset,
      typeByte,
      expectedSize: size,
      available,
    });
  }
  return typeByte;
}

/**
 * Decodes the one client → engine message starting at `bytes[offset]`; bytes
 * after it are not looked at (its size is `messageSize("client", type)`).
 */
export function decodeClientMessage(bytes: Uint8Array, offset = 0): ClientMessage {
  const t = frame("client", CLIENT_SIZE, bytes, offset);
  switch (CHARS[t]) {
    case "O":
      return readEnterOrder(bytes, offset);
    case "U":
      return readReplaceOrder(bytes, offset);
    case "X":
      return readCancelOrder(bytes, offset);
    case "M":
      return readModifyOrder(bytes, offset);
    case "N":
      return readClientTradeNow(bytes, offset);
    case "H":
      return readSystemStart(bytes, offset);
    case "K":
      return readExternalFeedChange(bytes, offset);
  }
  throw unknownType("client", bytes, offset);
}

/**
 * Decodes the one engine → client message starting at `bytes[offset]`; bytes
 * after it are not looked at (its size is `messageSize("server", type)`).
 */
export function decodeServerMessage(bytes: Uint8Array, offset = 0): ServerMessage {
  const t = frame("server", SERVER_SIZE, bytes, offset);
  const o = offset;
  switch (CHARS[t]) {
    case "S":
      return readSystemEvent(bytes, o);
    case "A":
      return readAccepted(bytes, o);
    case "U":
      return readReplaced(bytes, o);
    case "C":
      return readCanceled(bytes, o);
    case "E":
      return readExecuted(bytes, o);
    case "Q":
      return readBestBidAndOffer(bytes, o);
    case "Z":
      return readPostBatch(bytes, o);
    case "L":
      return readPegStateUpdate(bytes, o);
    case "D":
      return readAIQCanceled(bytes, o);
    case "B":
      return readBrokenTrade(bytes, o);
    case "G":
      return readExecutedWithReferencePrice(bytes, o);
    case "F":
      return readTradeCorrection(bytes, o);
    case "J":
      return readRejected(bytes, o);
    case "P":
      return { type: "P", timestamp: u64(bytes, o + 1), orderToken: str14(bytes, o + 9) };
    case "I":
      return { type: "I", timestamp: u64(bytes, o + 1), orderToken: str14(bytes, o + 9) };
    case "T":
      return readOrderPriorityUpdate(bytes, o);
    case "M":
      return readOrderModified(bytes, o);
    case "N":
      return { type: "N", timestamp: u64(bytes, o + 1), orderToken: str14(bytes, o + 9) };
  }
  throw unknownType("server", bytes, offset);
}
