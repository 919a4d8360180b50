// The event buffer: fixed 32-byte records the host reads through a typed view.
//
//  word 0: type | reason << 8 | side << 16
//  words 1..7: payload, by type
//    ACCEPTED  1 id, 2 side, 3 shares, 4 price, 5 tif
//    EXECUTED  1 aggressor id, 2 resting id, 3 shares, 4 price, 5 match lo, 6 match hi
//              (FBA batch: 1 bid, 2 ask, price = clearing price; IEX peg move:
//              1 the pegged order, or the pegged bid when two pegged orders trade)
//    CANCELED  1 id, 2 decrement            (reason: 'U' user, 'I' IOC rest, 'T' expiry, 'Z' system)
//    REPLACED  1 new id, 2 old id, 3 liable shares, 4 price, 5 rests after processing (0/1),
//              6 tif
//    BBO       1 best bid, 2 volume, 3 best ask, 4 volume, 5 next bid, 6 next ask
//    REJECTED  1 id, 2 second id (replace) or 0, 3 offending value (bad side/price)
//              (reason: see REJECT_*)
//    BATCH     1 clearing price (0 = nothing traded), 2 volume in shares lo, 3 hi,
//              4 number of fills                                  (FBA, once per batch)
//    PEG       1 peg state = resting pegged asks - pegged bids (orders, signed),
//              2 peg price (0 = none)                             (IEX)
// The buffer is rewritten from record 0 by every exported command call.

import { allocate, relocate } from "./heap";

export const EV_ACCEPTED: i32 = 1;
export const EV_EXECUTED: i32 = 2;
export const EV_CANCELED: i32 = 3;
export const EV_REPLACED: i32 = 4;
export const EV_BBO: i32 = 5;
export const EV_REJECTED: i32 = 6;
export const EV_BATCH: i32 = 7;
export const EV_PEG: i32 = 8;

export const REJECT_DUPLICATE_TOKEN: i32 = 1;
export const REJECT_UNKNOWN_TOKEN: i32 = 2;
export const REJECT_NOT_RESTING: i32 = 3;
export const REJECT_REPLACEMENT_USED: i32 = 4;
export const REJECT_BAD_PRICE: i32 = 5;
export const REJECT_BAD_SIDE: i32 = 6;
export const REJECT_BAD_ID: i32 = 7;
export const REJECT_BAD_COMMAND: i32 = 8;

export const EVENT_BYTES: usize = 32;

export let eventsPtr: usize = 0;
export let eventCapacity: i32 = 0;
export let eventCount: i32 = 0;

export function eventsInit(capacity: i32): void {
  eventCapacity = capacity;
  eventsPtr = allocate(<usize>capacity * EVENT_BYTES);
  eventCount = 0;
}

export function eventsClear(): void {
  eventCount = 0;
}

/** Guarantees room for `more` further records, growing the buffer if needed. */
export function eventsReserve(more: i32): void {
  const need = eventCount + more;
  if (need <= eventCapacity) return;
  let cap = eventCapacity << 1;
  while (cap < need) cap <<= 1;
  eventsPtr = relocate(eventsPtr, <usize>eventCount * EVENT_BYTES, <usize>cap * EVENT_BYTES);
  eventCapacity = cap;
}

/** Writes one record and returns its address (callers patch REPLACED's flag). */
// @ts-ignore: decorator
@inline
export function emit(head: i32, a: i32, b: i32, c: i32, d: i32, e: i32, f: i32): usize {
  const p = eventsPtr + (<usize>eventCount << 5);
  eventCount++;
  // four 8-byte stores instead of seven 4-byte ones; constant zeros fold away
  store<u64>(p, <u64><u32>head | (<u64><u32>a << 32));
  store<u64>(p, <u64><u32>b | (<u64><u32>c << 32), 8);
  store<u64>(p, <u64><u32>d | (<u64><u32>e << 32), 16);
  store<u64>(p, <u64><u32>f, 24);
  return p;
}
