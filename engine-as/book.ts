// Orders and the continuous double auction.
//
// Orders live in an arena indexed by the host's dense order id (id 0 = null).
// Order record, 32 bytes at ordersPtr + id * 32:
//   @0  next id in level FIFO   @4  prev id        @8  remaining shares (u32)
//   @12 price (i32)             @16 shares of the creating message (u32)
//   @20 level id                @24 state (u8)     @25 side (u8)
//   @26 flags (u8: FLAG_*, used by FBA and IEX)   @28 FBA segment (u32)
// State: 0 unknown (token never used this day), 1 resting, 2 known but not resting.
// An id is written as a new order at most once a day and reset() zeroes every
// used record, so flags and segment start at 0 without a store on the CDA path.
// Each level is a doubly linked FIFO, so a cancel unlinks in O(1) and a
// reduce keeps queue position. Nothing is allocated per order: the arena grows
// by doubling when the host uses an id beyond its capacity.
//
// After each command the BBO tuple (best bid, its volume, best ask, its volume,
// next bid, next ask) is recomputed only if the command touched a level at
// least as good as the second level of that side as last broadcast, and an
// event is written only if the tuple differs from the last one.

import { allocate, relocate } from "./heap";
import {
  EV_ACCEPTED, EV_BBO, EV_CANCELED, EV_EXECUTED, EV_REJECTED, EV_REPLACED,
  REJECT_BAD_ID, REJECT_BAD_PRICE, REJECT_BAD_SIDE, REJECT_DUPLICATE_TOKEN,
  REJECT_NOT_RESTING, REJECT_REPLACEMENT_USED, REJECT_UNKNOWN_TOKEN, emit,
} from "./events";
import {
  BUY, MAX_PRICE, NONE, SELL, addLevelVolume, atLeastAsGood, bestAsk, bestBid,
  inWindow, levelEmptied, levelFor, levelHead, levelOccupied, levelPrice, levelTail,
  levelVolume, nextWorse, recentre, setLevelHead, setLevelTail,
} from "./ladder";

export const STATE_UNKNOWN: u8 = 0;
export const STATE_RESTING: u8 = 1;
export const STATE_DONE: u8 = 2;

export const REASON_USER: i32 = 0x55; // 'U'
export const REASON_IOC: i32 = 0x49; // 'I'
export const REASON_SYSTEM: i32 = 0x5a; // 'Z'

/** IEX: the order sits in a pegged queue (linked through next/prev), not in a level. */
export const FLAG_PEGGED: u8 = 1;
/** FBA: the order's place within its segment has been drawn. */
export const FLAG_SHUFFLED: u8 = 2;

export let ordersPtr: usize = 0;
export let orderCapacity: i32 = 0;
export let maxIdUsed: i32 = 0;
export let restingCount: i32 = 0;
export let matchNumber: u64 = 0;

// last BBO tuple written (or the empty book after a reset)
let lastBb: i32 = 0;
let lastVbb: i32 = 0;
let lastBa: i32 = MAX_PRICE;
let lastVba: i32 = 0;
let lastNb: i32 = 0;
let lastNa: i32 = MAX_PRICE;
// Which parts of the tuple may have changed: bit 0/1 the bid/ask side,
// bit 2/3 the bid/ask level structure (a level at least as good as the second
// one appeared or vanished, so the next price must be searched again).
let dirty: i32 = 0;

// @ts-ignore: decorator
@inline export function op(id: i32): usize { return ordersPtr + (<usize>id << 5); }
// @ts-ignore: decorator
@inline export function oNext(id: i32): i32 { return load<i32>(op(id)); }
// @ts-ignore: decorator
@inline export function oPrev(id: i32): i32 { return load<i32>(op(id), 4); }
// @ts-ignore: decorator
@inline export function oShares(id: i32): u32 { return load<u32>(op(id), 8); }
// @ts-ignore: decorator
@inline export function oPrice(id: i32): i32 { return load<i32>(op(id), 12); }
// @ts-ignore: decorator
@inline export function oCreated(id: i32): u32 { return load<u32>(op(id), 16); }
// @ts-ignore: decorator
@inline export function oLevel(id: i32): i32 { return load<i32>(op(id), 20); }
// @ts-ignore: decorator
@inline export function oState(id: i32): u8 { return load<u8>(op(id), 24); }
// @ts-ignore: decorator
@inline export function oSide(id: i32): i32 { return <i32>load<u8>(op(id), 25); }
// @ts-ignore: decorator
@inline export function oFlags(id: i32): u8 { return load<u8>(op(id), 26); }
// @ts-ignore: decorator
@inline export function setOFlags(id: i32, f: u8): void { store<u8>(op(id), f, 26); }
// @ts-ignore: decorator
@inline export function oSegment(id: i32): u32 { return load<u32>(op(id), 28); }

export function ordersInit(capacity: i32): void {
  orderCapacity = capacity;
  ordersPtr = allocate(<usize>capacity << 5);
  maxIdUsed = 0;
  restingCount = 0;
}

/** Makes id addressable; false (with a REJECTED event) if it is not a valid id. */
function admitId(id: i32, other: i32): bool {
  if (id <= 0) {
    emit(EV_REJECTED | (REJECT_BAD_ID << 8), id, other, 0, 0, 0, 0);
    return false;
  }
  if (id >= orderCapacity) {
    let cap = orderCapacity << 1;
    while (cap <= id) cap <<= 1;
    ordersPtr = relocate(ordersPtr, <usize>orderCapacity << 5, <usize>cap << 5);
    orderCapacity = cap;
  }
  if (id > maxIdUsed) maxIdUsed = id;
  return true;
}

export function bookReset(): void {
  memory.fill(ordersPtr, 0, <usize>(maxIdUsed + 1) << 5);
  maxIdUsed = 0;
  restingCount = 0;
  matchNumber = 0;
  lastBb = 0; lastVbb = 0; lastBa = MAX_PRICE; lastVba = 0; lastNb = 0; lastNa = MAX_PRICE;
  dirty = 0;
}

// ---------------------------------------------------------------- BBO

// @ts-ignore: decorator
@inline function touch(side: i32, price: i32, structural: bool): void {
  if (atLeastAsGood(side, price, side == BUY ? lastNb : lastNa)) {
    dirty |= (1 | (<i32>structural << 2)) << side;
  }
}

function clampVolume(v: u64): i32 {
  return v > <u64>0xffffffff ? -1 : <i32><u32>v;
}

/**
 * Writes a BBO event if the tuple changed since the last one. Inlined at
 * build time into every command: V8 sizes its own wasm inlining budget by
 * the module's share of tiny functions, and the CDA command loop ran ~10%
 * slower once the FBA and IEX code lowered that share and V8 stopped
 * inlining this call.
 */
// @ts-ignore: decorator
@inline export function publishBbo(): void {
  if (dirty == 0) return;
  let changed = false;
  if (dirty & 1) {
    let bb = 0, vbb = 0, nb = 0;
    const b = bestBid;
    if (b != NONE) {
      bb = levelPrice(b);
      vbb = clampVolume(levelVolume(b));
      if (dirty & 4) {
        const n = nextWorse(BUY, bb);
        if (n != NONE) nb = levelPrice(n);
      } else {
        nb = lastNb;
      }
    }
    if (bb != lastBb || vbb != lastVbb || nb != lastNb) {
      lastBb = bb; lastVbb = vbb; lastNb = nb;
      changed = true;
    }
  }
  if (dirty & 2) {
    let ba = MAX_PRICE, vba = 0, na = MAX_PRICE;
    const a = bestAsk;
    if (a != NONE) {
      ba = levelPrice(a);
      vba = clampVolume(levelVolume(a));
      if (dirty & 8) {
        const n = nextWorse(SELL, ba);
        if (n != NONE) na = levelPrice(n);
      } else {
        na = lastNa;
      }
    }
    if (ba != lastBa || vba != lastVba || na != lastNa) {
      lastBa = ba; lastVba = vba; lastNa = na;
      changed = true;
    }
  }
  dirty = 0;
  if (changed) emit(EV_BBO, lastBb, lastVbb, lastBa, lastVba, lastNb, lastNa);
}

/**
 * Writes the whole tuple, changed or not, and makes it the last one written
 * (an FBA batch reports the book after every batch).
 */
export function publishBboAlways(): void {
  let bb = 0, vbb = 0, nb = 0, ba = MAX_PRICE, vba = 0, na = MAX_PRICE;
  const b = bestBid;
  if (b != NONE) {
    bb = levelPrice(b);
    vbb = clampVolume(levelVolume(b));
    const n = nextWorse(BUY, bb);
    if (n != NONE) nb = levelPrice(n);
  }
  const a = bestAsk;
  if (a != NONE) {
    ba = levelPrice(a);
    vba = clampVolume(levelVolume(a));
    const n = nextWorse(SELL, ba);
    if (n != NONE) na = levelPrice(n);
  }
  lastBb = bb; lastVbb = vbb; lastBa = ba; lastVba = vba; lastNb = nb; lastNa = na;
  dirty = 0;
  emit(EV_BBO, bb, vbb, ba, vba, nb, na);
}

/** Makes the next publishBbo recompute the whole tuple (after a format switch). */
export function bboStale(): void {
  dirty = 15;
}

// ---------------------------------------------------------------- book edits

/** Marks an order that traded its last share; the caller has unlinked it. */
// @ts-ignore: decorator
@inline export function retire(id: i32): void {
  const p = op(id);
  store<u32>(p, 0, 8);
  store<u8>(p, STATE_DONE, 24);
}

/** The next match number (shared by every format, restarting each day). */
// @ts-ignore: decorator
@inline export function nextMatch(): u64 {
  return matchNumber++;
}

/** Counts an order that left a level without going through unlink. */
// @ts-ignore: decorator
@inline export function restingLeft(): void {
  restingCount--;
}

export function rest(id: i32, side: i32, price: i32, shares: u32): void {
  if (restingCount == 0 && !inWindow(price) && price > 0 && price < MAX_PRICE) recentre(price);
  const l = levelFor(side, price);
  const p = op(id);
  const tail = levelTail(l);
  store<i32>(p, 0);
  store<i32>(p, tail, 4);
  store<u32>(p, shares, 8);
  store<i32>(p, l, 20);
  store<u8>(p, STATE_RESTING, 24);
  if (tail == 0) {
    setLevelHead(l, id);
    setLevelTail(l, id);
    levelOccupied(side, l, price);
  } else {
    store<i32>(op(tail), id);
    setLevelTail(l, id);
  }
  addLevelVolume(l, <i64>shares);
  restingCount++;
  touch(side, price, tail == 0);
}

/** Takes a resting order out of its level; its record keeps price and side. */
export function unlink(id: i32): void {
  const l = oLevel(id);
  const prev = oPrev(id);
  const next = oNext(id);
  if (prev == 0) setLevelHead(l, next); else store<i32>(op(prev), next);
  if (next == 0) setLevelTail(l, prev); else store<i32>(op(next), prev, 4);
  addLevelVolume(l, -<i64>oShares(id));
  store<u32>(op(id), 0, 8);
  store<u8>(op(id), STATE_DONE, 24);
  restingCount--;
  const side = oSide(id);
  const price = oPrice(id);
  const emptied = prev == 0 && next == 0;
  if (emptied) levelEmptied(side, l, price);
  touch(side, price, emptied);
}

/**
 * Fills an incoming order of `side` at limit `price` against the opposite
 * side, best level first, FIFO within a level, each fill at the resting
 * level's price. Returns the shares left over.
 */
export function take(aggressor: i32, side: i32, price: i32, shares: u32): u32 {
  const other = side ^ 1;
  let left = shares;
  while (left != 0) {
    const l = other == BUY ? bestBid : bestAsk;
    if (l == NONE) break;
    const lp = levelPrice(l);
    if (!atLeastAsGood(other, lp, price)) break;
    let id = levelHead(l);
    let filled: u64 = 0;
    while (id != 0 && left != 0) {
      const rs = oShares(id);
      const q = rs < left ? rs : left;
      emit(EV_EXECUTED, aggressor, id, <i32>q, lp, <i32>matchNumber, <i32>(matchNumber >> 32));
      matchNumber++;
      left -= q;
      filled += q;
      if (q == rs) {
        const next = oNext(id);
        const p = op(id);
        store<u32>(p, 0, 8);
        store<u8>(p, STATE_DONE, 24);
        restingCount--;
        id = next;
      } else {
        store<u32>(op(id), rs - q, 8);
      }
    }
    addLevelVolume(l, -<i64>filled);
    dirty |= (id == 0 ? 5 : 1) << other;
    if (id == 0) {
      setLevelHead(l, 0);
      setLevelTail(l, 0);
      levelEmptied(other, l, lp);
    } else {
      setLevelHead(l, id);
      store<i32>(op(id), 0, 4);
    }
  }
  return left;
}

/** Matches, then rests or (IOC) discards the remainder. True if it rests. */
function place(id: i32, side: i32, price: i32, shares: u32, ioc: bool): bool {
  const left = take(id, side, price, shares);
  if (left == 0) return false;
  if (ioc) {
    emit(EV_CANCELED | (REASON_IOC << 8) | (side << 16), id, <i32>left, 0, 0, 0, 0);
    return false;
  }
  rest(id, side, price, left);
  return true;
}

export function record(id: i32, side: i32, price: i32, created: u32): void {
  const p = op(id);
  store<i32>(p, price, 12);
  store<u32>(p, created, 16);
  store<u8>(p, STATE_DONE, 24);
  store<u8>(p, <u8>side, 25);
}

// ---------------------------------------------------------------- commands

/**
 * Checks an enter (REJECTED if it cannot be taken), then writes ACCEPTED and
 * the order record. Shared by every format.
 */
// @ts-ignore: decorator
@inline export function admitEnter(id: i32, side: i32, price: i32, shares: u32, tif: u32): bool {
  if (!admitId(id, 0)) return false;
  if (oState(id) != STATE_UNKNOWN) {
    emit(EV_REJECTED | (REJECT_DUPLICATE_TOKEN << 8), id, 0, 0, 0, 0, 0);
    return false;
  }
  if (side != BUY && side != SELL) {
    emit(EV_REJECTED | (REJECT_BAD_SIDE << 8), id, 0, side, 0, 0, 0);
    return false;
  }
  if (price < 0) {
    emit(EV_REJECTED | (REJECT_BAD_PRICE << 8), id, 0, price, 0, 0, 0);
    return false;
  }
  emit(EV_ACCEPTED | (side << 16), id, side, <i32>shares, price, <i32>tif, 0);
  record(id, side, price, shares);
  return true;
}

export function enterOrder(id: i32, side: i32, price: i32, shares: u32, tif: u32): void {
  if (!admitEnter(id, side, price, shares, tif)) return;
  place(id, side, price, shares, tif == 0);
}

export function cancelOrder(id: i32, remaining: u32, reason: i32): void {
  if (id <= 0 || id >= orderCapacity || oState(id) == STATE_UNKNOWN) {
    emit(EV_REJECTED | (REJECT_UNKNOWN_TOKEN << 8), id, 0, 0, 0, 0, 0);
    return;
  }
  if (oState(id) != STATE_RESTING) {
    emit(EV_REJECTED | (REJECT_NOT_RESTING << 8), id, 0, 0, 0, 0, 0);
    return;
  }
  const cur = oShares(id);
  const head = EV_CANCELED | ((reason & 0xff) << 8) | (oSide(id) << 16);
  if (remaining >= cur) {
    emit(head, id, 0, 0, 0, 0, 0);
  } else if (remaining == 0) {
    unlink(id);
    emit(head, id, <i32>cur, 0, 0, 0, 0);
  } else {
    store<u32>(op(id), remaining, 8);
    addLevelVolume(oLevel(id), -<i64>(cur - remaining));
    touch(oSide(id), oPrice(id), false);
    emit(head, id, <i32>(cur - remaining), 0, 0, 0, 0);
  }
}

/** Checks a replace; REJECTED and false if it cannot be taken. Shared by every format. */
// @ts-ignore: decorator
@inline export function admitReplace(oldId: i32, newId: i32, price: i32): bool {
  if (oldId <= 0 || oldId >= orderCapacity || oState(oldId) == STATE_UNKNOWN) {
    emit(EV_REJECTED | (REJECT_UNKNOWN_TOKEN << 8), oldId, newId, 0, 0, 0, 0);
    return false;
  }
  if (!admitId(newId, oldId)) return false;
  if (oState(newId) != STATE_UNKNOWN) {
    emit(EV_REJECTED | (REJECT_REPLACEMENT_USED << 8), oldId, newId, 0, 0, 0, 0);
    return false;
  }
  if (oState(oldId) != STATE_RESTING) {
    emit(EV_REJECTED | (REJECT_NOT_RESTING << 8), oldId, newId, 0, 0, 0, 0);
    return false;
  }
  if (price < 0) {
    emit(EV_REJECTED | (REJECT_BAD_PRICE << 8), oldId, newId, price, 0, 0, 0);
    return false;
  }
  return true;
}

/**
 * The shared end of a replace once the old order has left the book: the
 * liable shares the replacement owes, recorded under the new id, or 0 when
 * nothing is owed and the old order was canceled instead.
 */
// @ts-ignore: decorator
@inline export function replacementLiable(
  oldId: i32, newId: i32, side: i32, remaining: u32, shares: u32, price: i32,
): i64 {
  // upstream arithmetic: the replace states a new total, and shares already
  // executed since the creating message are not owed again
  const liable = <i64>remaining + <i64>shares - <i64>oCreated(oldId);
  if (liable <= 0) {
    // nothing owed: the old order is canceled and the new token stays unused (Q3)
    emit(EV_CANCELED | (REASON_USER << 8) | (side << 16), oldId, <i32>remaining, 0, 0, 0, 0);
    return 0;
  }
  record(newId, side, price, shares);
  return liable;
}

export function replaceOrder(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): void {
  if (!admitReplace(oldId, newId, price)) return;
  const side = oSide(oldId);
  const remaining = oShares(oldId);
  unlink(oldId);
  const liable = replacementLiable(oldId, newId, side, remaining, shares, price);
  if (liable == 0) return;
  const ev = emit(EV_REPLACED | (side << 16), newId, oldId, <i32>liable, price, 0, <i32>tif);
  if (place(newId, side, price, <u32>liable, tif == 0)) store<i32>(ev, 1, 20);
}

/** Remaining shares of a resting order, or -1 if it is not resting. */
export function restingShares(id: i32): i64 {
  if (id <= 0 || id >= orderCapacity || oState(id) != STATE_RESTING) return -1;
  return <i64>oShares(id);
}
