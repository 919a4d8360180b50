/**
 * fast-check arbitraries for every OUCH message, both directions, over the
 * whole range each wire field can carry (any byte in strings and chars, full
 * u32/i32/u64), with the values the Leeps app really sends mixed in so that
 * tests reusing them also see realistic traffic. Messages follow the layout
 * tables of `ouch/messages.ts`, one arbitrary per wire type; the codec test
 * checks those tables against a transcription of its own.
 */

import fc from "fast-check";
import {
  CLIENT_LAYOUTS,
  type ClientMessage,
  type ClientMessageOf,
  type ClientMessageType,
  SERVER_LAYOUTS,
  type ServerMessage,
  type ServerMessageOf,
  type ServerMessageType,
  type WireField,
  type WireType,
  wireWidth,
} from "../ouch/messages.ts";

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

/** The values a field of this wire type can carry, with the app's own mixed in. */
function arbField(wire: WireType): fc.Arbitrary<unknown> {
  switch (wire) {
    case "c":
      return arbChar;
    case "14s":
      return arbToken;
    case "8s":
      return arbStock;
    case "4s":
      return arbFirm;
    case "I":
      return arbU32;
    case "i":
      return arbI32;
    case "Q":
      return arbU64;
    case "?":
      return arbBool;
    default:
      return arbRawString(wireWidth(wire));
  }
}

/**
 * Per type letter, messages with every field of the type's layout. Plain
 * objects, like messages built in code: fast-check's default null prototype
 * fails deepEqual.
 */
function messageArbitraries(
  layouts: Readonly<Record<string, readonly WireField[]>>,
): Record<string, fc.Arbitrary<unknown>> {
  return Object.fromEntries(
    Object.entries(layouts).map(([type, fields]) => [
      type,
      fc.record(
        Object.fromEntries([
          ["type", fc.constant(type)],
          ...fields.map(([name, wire]) => [name, arbField(wire)]),
        ]),
        { noNullPrototype: true },
      ),
    ]),
  );
}

export const clientMessageArbitraries = messageArbitraries(CLIENT_LAYOUTS) as {
  readonly [T in ClientMessageType]: fc.Arbitrary<ClientMessageOf<T>>;
};

export const serverMessageArbitraries = messageArbitraries(SERVER_LAYOUTS) as {
  readonly [T in ServerMessageType]: fc.Arbitrary<ServerMessageOf<T>>;
};

/** Any client → engine message, every type equally likely. */
export const arbClientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  ...Object.values(clientMessageArbitraries) as fc.Arbitrary<ClientMessage>[],
);

/** Any engine → client message, every type equally likely. */
export const arbServerMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  ...Object.values(serverMessageArbitraries) as fc.Arbitrary<ServerMessage>[],
);
