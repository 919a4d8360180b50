/**
 * Encoder and decoder of the Leeps OUCH 4.2 messages (shared reference
 * `leeps-exchange.md` §4): big-endian, fixed size per type letter and
 * direction, no framing on the wire.
 *
 * The layouts are data (`CLIENT_LAYOUTS` and `SERVER_LAYOUTS` in
 * `messages.ts`). The exchange encodes every reply, so at load time each
 * layout becomes a writer and a reader of straight-line code (see
 * `compileLayout`) over direct byte access: no DataView, no intermediate
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
  CLIENT_LAYOUTS,
  CLIENT_MESSAGE_NAMES,
  CLIENT_MESSAGE_SIZES,
  type ClientMessage,
  type Direction,
  SERVER_LAYOUTS,
  SERVER_MESSAGE_NAMES,
  SERVER_MESSAGE_SIZES,
  type ServerMessage,
  type WireField,
  type WireType,
  wireWidth,
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

// ------------------------------------------------------------------ field writers

const TWO_32 = 4294967296;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** Up to here a u64 converts to a double exactly, avoiding bigint arithmetic. */
const SAFE_U64 = 0x1f_ffff_ffff_ffffn;

function putU32(b: Uint8Array, o: number, v: unknown, field: string): void {
  if (typeof v !== "number" || v >>> 0 !== v) {
    throw new FieldProblem(field, `must be an integer in 0..4294967295 (got ${describe(v)})`);
  }
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function putI32(b: Uint8Array, o: number, v: unknown, field: string): void {
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

function putU64(b: Uint8Array, o: number, v: unknown, field: string): void {
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
function putStr(b: Uint8Array, o: number, v: unknown, n: number, field: string): void {
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

function putChar(b: Uint8Array, o: number, v: unknown, field: string): void {
  if (typeof v !== "string" || v.length !== 1) {
    throw new FieldProblem(field, `must be a 1-char string (got ${describe(v)})`);
  }
  const c = v.charCodeAt(0);
  if (c > 0xff) throw new FieldProblem(field, charProblem(v, 0));
  b[o] = c;
}

function putBool(b: Uint8Array, o: number, v: unknown, field: string): void {
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

/** Single-char strings by byte, so decoding a `c` field allocates nothing. */
const CHARS: readonly string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

// TextDecoder("latin1") is windows-1252 in the Encoding standard (0x80 would
// become "€"), so an `Ns` field becomes chars through fromCharCode, one
// argument per byte.
const fcc = String.fromCharCode;

// ------------------------------------------------------------------ layouts

/** One message type of one direction, ready to write and read. */
interface Layout {
  readonly type: string;
  readonly typeByte: number;
  /** Bytes on the wire, type byte included. */
  readonly size: number;
  /** Writes the fields (not the type byte) of a message that starts at `b[o]`. */
  readonly write: (m: ClientMessage | ServerMessage, b: Uint8Array, o: number) => void;
  /** Reads the message that starts at `b[o]`, whose type byte is this layout's. */
  readonly read: (b: Uint8Array, o: number) => ClientMessage | ServerMessage;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The field's writer call, in the generated code. */
function writeCall([name, wire]: WireField, at: string): string {
  const args = `b, ${at}, m.${name}`;
  switch (wire) {
    case "c":
      return `putChar(${args}, "${name}");`;
    case "I":
      return `putU32(${args}, "${name}");`;
    case "i":
      return `putI32(${args}, "${name}");`;
    case "Q":
      return `putU64(${args}, "${name}");`;
    case "?":
      return `putBool(${args}, "${name}");`;
    default:
      return `putStr(${args}, ${wireWidth(wire)}, "${name}");`;
  }
}

/** The field's value, read at offset `o + offset`, in the generated code. */
function readExpression(wire: WireType, offset: number): string {
  switch (wire) {
    case "c":
      return `CHARS[b[o + ${offset}]]`;
    case "I":
      return `u32(b, o + ${offset})`;
    case "i":
      return `i32(b, o + ${offset})`;
    case "Q":
      return `u64(b, o + ${offset})`;
    case "?":
      return `b[o + ${offset}] !== 0`;
    default: {
      const bytes = Array.from({ length: wireWidth(wire) }, (_, k) => `b[o + ${offset + k}]`);
      return `fcc(${bytes.join(", ")})`;
    }
  }
}

/**
 * Generates, once at load time, the writer and the reader of one message
 * type from its layout: straight-line code with each field's offset as a
 * literal and the field as a named property, as one would write it by hand.
 * (A loop over the field list would look each field up by a computed key,
 * which V8 does several times slower on objects this wide: decoding an `A`
 * took 2.8× as long, encoding one into an array 1.9×.)
 */
function compileLayout(type: string, name: string, fields: readonly WireField[]): Layout {
  const writes: string[] = [];
  const reads: string[] = [`type: ${JSON.stringify(type)}`];
  let offset = 1;
  for (const field of fields) {
    const [fieldName, wire] = field;
    if (!IDENTIFIER.test(fieldName)) throw new Error(`bad OUCH field name ${describe(fieldName)}`);
    writes.push(writeCall(field, `o + ${offset}`));
    reads.push(`${fieldName}: ${readExpression(wire, offset)}`);
    offset += wireWidth(wire);
  }
  if (!IDENTIFIER.test(name)) throw new Error(`bad OUCH message name ${describe(name)}`);
  const write = new Function(
    "putChar",
    "putStr",
    "putU32",
    "putI32",
    "putU64",
    "putBool",
    `"use strict";\nreturn function write${name}(m, b, o) {\n  ${writes.join("\n  ")}\n};`,
  )(putChar, putStr, putU32, putI32, putU64, putBool);
  const read = new Function(
    "u32",
    "i32",
    "u64",
    "CHARS",
    "fcc",
    `"use strict";\nreturn function read${name}(b, o) {\n  return {\n    ${
      reads.join(",\n    ")
    },\n  };\n};`,
  )(u32, i32, u64, CHARS, fcc);
  return { type, typeByte: type.charCodeAt(0), size: offset, write, read };
}

/** Per type byte, the layout of that type (undefined when the direction has no such type). */
function compile(
  layouts: Readonly<Record<string, readonly WireField[]>>,
  names: Readonly<Record<string, string>>,
): readonly (Layout | undefined)[] {
  const byTypeByte = Array.from({ length: 256 }, (): Layout | undefined => undefined);
  for (const [type, fields] of Object.entries(layouts)) {
    byTypeByte[type.charCodeAt(0)] = compileLayout(type, names[type], fields);
  }
  return byTypeByte;
}

const CLIENT = compile(CLIENT_LAYOUTS, CLIENT_MESSAGE_NAMES);
const SERVER = compile(SERVER_LAYOUTS, SERVER_MESSAGE_NAMES);

/**
 * Bytes of a message of this direction and type byte, or undefined when the
 * direction has no such type.
 */
export function messageSize(direction: Direction, typeByte: number): number | undefined {
  return (direction === "client" ? CLIENT : SERVER)[typeByte]?.size;
}

// ------------------------------------------------------------------ entry points

/** The char code of a 1-char `type`, else -1; guards against non-objects from untyped callers. */
function typeCode(m: unknown): number {
  if (typeof m !== "object" || m === null) return -1;
  const t = (m as { type?: unknown }).type;
  return typeof t === "string" && t.length === 1 ? t.charCodeAt(0) : -1;
}

function layoutOf(direction: Direction, m: unknown): Layout {
  const code = typeCode(m);
  const layout = code >= 0 && code < 256
    ? (direction === "client" ? CLIENT : SERVER)[code]
    : undefined;
  if (layout !== undefined) return layout;
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

/** Writes the whole message at `target[offset]`, type byte last; returns its size. */
function write(
  direction: Direction,
  layout: Layout,
  m: ClientMessage | ServerMessage,
  target: Uint8Array,
  offset: number,
): number {
  checkRoom(direction, layout.type, layout.size, target, offset);
  try {
    layout.write(m, target, offset);
  } catch (e) {
    throw toEncodeError(e, direction, layout.type);
  }
  target[offset] = layout.typeByte;
  return layout.size;
}

function encode(direction: Direction, m: ClientMessage | ServerMessage): Uint8Array {
  const layout = layoutOf(direction, m);
  const out = new Uint8Array(layout.size);
  write(direction, layout, m, out, 0);
  return out;
}

/** Encodes a client → engine message into a new array of exactly its size. */
export function encodeClientMessage(m: ClientMessage): Uint8Array {
  return encode("client", m);
}

/** Writes a client → engine message at `target[offset]`; returns the bytes written. */
export function encodeClientMessageInto(
  m: ClientMessage,
  target: Uint8Array,
  offset: number,
): number {
  return write("client", layoutOf("client", m), m, target, offset);
}

/** Encodes an engine → client message into a new array of exactly its size. */
export function encodeServerMessage(m: ServerMessage): Uint8Array {
  return encode("server", m);
}

/** Writes an engine → client message at `target[offset]`; returns the bytes written. */
export function encodeServerMessageInto(
  m: ServerMessage,
  target: Uint8Array,
  offset: number,
): number {
  return write("server", layoutOf("server", m), m, target, offset);
}

/** The layout of the whole message of a known type that starts at `offset`. */
function frame(
  direction: Direction,
  layouts: readonly (Layout | undefined)[],
  bytes: Uint8Array,
  offset: number,
): Layout {
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
  const layout = layouts[typeByte];
  if (layout === undefined) {
    throw new OuchDecodeError({
      code: "unknown-type",
      direction,
      offset,
      typeByte,
      expectedSize: null,
      available,
    });
  }
  if (available < layout.size) {
    throw new OuchDecodeError({
      code: "truncated",
      direction,
      offset,
      typeByte,
      expectedSize: layout.size,
      available,
    });
  }
  return layout;
}

/**
 * Decodes the one client → engine message starting at `bytes[offset]`; bytes
 * after it are not looked at (its size is `messageSize("client", type)`).
 */
export function decodeClientMessage(bytes: Uint8Array, offset = 0): ClientMessage {
  return frame("client", CLIENT, bytes, offset).read(bytes, offset) as ClientMessage;
}

/**
 * Decodes the one engine → client message starting at `bytes[offset]`; bytes
 * after it are not looked at (its size is `messageSize("server", type)`).
 */
export function decodeServerMessage(bytes: Uint8Array, offset = 0): ServerMessage {
  return frame("server", SERVER, bytes, offset).read(bytes, offset) as ServerMessage;
}
