// Price levels of both sides: a flat ladder for a window of prices, a sorted
// overflow list for everything outside it, and the best level of each side.
//
// Level ids
//   [0, W)          bid ladder slot  price = base + id
//   [W, 2W)         ask ladder slot  price = base + id - W
//   [2W, 2W + ovCap) overflow slot   price = ovPrice[id - 2W]
// Level record, 16 bytes at levelsPtr + id * 16:
//   @0 head order id (0 = empty)   @4 tail order id   @8 volume (u64 shares)
// An empty level is all zeroes, so reset only has to clear the occupied ones.
//
// Occupancy of ladder slots is a three-level bitmap per side (W = 2^18 bits,
// 4096 words, 64 summary words, 1 top word), so the next occupied price above
// or below any slot is found with at most three ctz/clz steps however sparse
// the book is. Experiments quote on a 10,000-tick grid around 1,000,000; the
// window (262,144 ticks) re-centres on the first order into an empty book.
// Out-of-window prices (including the 0 / 2^31-1 market sentinels) live in
// per-side arrays of overflow ids sorted by price: slower, never refused.

import { allocate, relocate } from "./heap";

export const WINDOW_LOG2: i32 = 18;
export const W: i32 = 1 << WINDOW_LOG2;
export const L0_WORDS: i32 = W >> 6;
export const L1_WORDS: i32 = L0_WORDS >> 6;
export const BUY: i32 = 0;
export const SELL: i32 = 1;
export const NONE: i32 = -1;
export const MAX_PRICE: i32 = 0x7fffffff;

export let base: i32 = 0;
export let levelsPtr: usize = 0;
let l0Ptr: usize = 0; // 2 sides x L0_WORDS u64
let l1Ptr: usize = 0; // 2 sides x L1_WORDS u64
let l2Bid: u64 = 0;
let l2Ask: u64 = 0;

let ovCap: i32 = 0;
let ovPricePtr: usize = 0; // i32 per overflow slot
let ovFreePtr: usize = 0; // stack of free overflow slots
let ovFreeTop: i32 = 0;
let ovSortedPtr: usize = 0; // 2 sides x ovCap level ids, ascending price
let ovCountBid: i32 = 0;
let ovCountAsk: i32 = 0;

export let bestBid: i32 = NONE;
export let bestAsk: i32 = NONE;

export function ladderInit(overflowCapacity: i32): void {
  ovCap = overflowCapacity;
  levelsPtr = allocate(<usize>(2 * W + ovCap) << 4);
  l0Ptr = allocate(<usize>(2 * L0_WORDS) << 3);
  l1Ptr = allocate(<usize>(2 * L1_WORDS) << 3);
  ovPricePtr = allocate(<usize>ovCap << 2);
  ovFreePtr = allocate(<usize>ovCap << 2);
  ovSortedPtr = allocate(<usize>(2 * ovCap) << 2);
  ovResetFree();
  base = 0;
  bestBid = NONE;
  bestAsk = NONE;
}

function ovResetFree(): void {
  for (let i = 0; i < ovCap; i++) store<i32>(ovFreePtr + (<usize>i << 2), ovCap - 1 - i);
  ovFreeTop = ovCap;
}

// ---------------------------------------------------------------- records

// @ts-ignore: decorator
@inline export function levelHead(l: i32): i32 { return load<i32>(levelsPtr + (<usize>l << 4)); }
// @ts-ignore: decorator
@inline export function levelTail(l: i32): i32 { return load<i32>(levelsPtr + (<usize>l << 4), 4); }
// @ts-ignore: decorator
@inline export function levelVolume(l: i32): u64 { return load<u64>(levelsPtr + (<usize>l << 4), 8); }
// @ts-ignore: decorator
@inline export function setLevelHead(l: i32, v: i32): void { store<i32>(levelsPtr + (<usize>l << 4), v); }
// @ts-ignore: decorator
@inline export function setLevelTail(l: i32, v: i32): void { store<i32>(levelsPtr + (<usize>l << 4), v, 4); }
// @ts-ignore: decorator
@inline export function addLevelVolume(l: i32, delta: i64): void {
  const p = levelsPtr + (<usize>l << 4);
  store<u64>(p, load<u64>(p, 8) + <u64>delta, 8);
}

// @ts-ignore: decorator
@inline export function levelPrice(l: i32): i32 {
  if (l < 2 * W) return base + (l & (W - 1));
  return load<i32>(ovPricePtr + (<usize>(l - 2 * W) << 2));
}

// @ts-ignore: decorator
@inline export function best(side: i32): i32 { return side == BUY ? bestBid : bestAsk; }

/** True when price p is at least as good as q for a resting order on `side`. */
// @ts-ignore: decorator
@inline export function atLeastAsGood(side: i32, p: i32, q: i32): bool {
  return side == BUY ? p >= q : p <= q;
}

// ---------------------------------------------------------------- bitmaps

// @ts-ignore: decorator
@inline function l0(side: i32, w: i32): usize { return l0Ptr + ((<usize>(side * L0_WORDS + w)) << 3); }
// @ts-ignore: decorator
@inline function l1(side: i32, w: i32): usize { return l1Ptr + ((<usize>(side * L1_WORDS + w)) << 3); }

function bitSet(side: i32, i: i32): void {
  const p0 = l0(side, i >> 6);
  const w0 = load<u64>(p0);
  store<u64>(p0, w0 | (<u64>1 << <u64>(i & 63)));
  if (w0 != 0) return;
  const j = i >> 6;
  const p1 = l1(side, j >> 6);
  const w1 = load<u64>(p1);
  store<u64>(p1, w1 | (<u64>1 << <u64>(j & 63)));
  if (w1 != 0) return;
  const top = <u64>1 << <u64>(j >> 6);
  if (side == BUY) l2Bid |= top; else l2Ask |= top;
}

function bitClear(side: i32, i: i32): void {
  const p0 = l0(side, i >> 6);
  const w0 = load<u64>(p0) & ~(<u64>1 << <u64>(i & 63));
  store<u64>(p0, w0);
  if (w0 != 0) return;
  const j = i >> 6;
  const p1 = l1(side, j >> 6);
  const w1 = load<u64>(p1) & ~(<u64>1 << <u64>(j & 63));
  store<u64>(p1, w1);
  if (w1 != 0) return;
  const top = ~(<u64>1 << <u64>(j >> 6));
  if (side == BUY) l2Bid &= top; else l2Ask &= top;
}

/** Lowest occupied slot >= i on `side`, or NONE. Requires 0 <= i < W. */
function findUp(side: i32, i: i32): i32 {
  let wi = i >> 6;
  const w = load<u64>(l0(side, wi)) & (<u64>-1 << <u64>(i & 63));
  if (w != 0) return (wi << 6) | <i32>ctz(w);
  const j = wi + 1;
  if (j >= L0_WORDS) return NONE;
  const w1 = load<u64>(l1(side, j >> 6)) & (<u64>-1 << <u64>(j & 63));
  if (w1 != 0) {
    wi = ((j >> 6) << 6) | <i32>ctz(w1);
    return (wi << 6) | <i32>ctz(load<u64>(l0(side, wi)));
  }
  const k = (j >> 6) + 1;
  if (k >= L1_WORDS) return NONE;
  const w2 = (side == BUY ? l2Bid : l2Ask) & (<u64>-1 << <u64>k);
  if (w2 == 0) return NONE;
  const k2 = <i32>ctz(w2);
  wi = (k2 << 6) | <i32>ctz(load<u64>(l1(side, k2)));
  return (wi << 6) | <i32>ctz(load<u64>(l0(side, wi)));
}

/** Highest occupied slot <= i on `side`, or NONE. Requires 0 <= i < W. */
function findDown(side: i32, i: i32): i32 {
  let wi = i >> 6;
  const w = load<u64>(l0(side, wi)) & (<u64>-1 >> <u64>(63 - (i & 63)));
  if (w != 0) return (wi << 6) | (63 - <i32>clz(w));
  const j = wi - 1;
  if (j < 0) return NONE;
  const w1 = load<u64>(l1(side, j >> 6)) & (<u64>-1 >> <u64>(63 - (j & 63)));
  if (w1 != 0) {
    wi = ((j >> 6) << 6) | (63 - <i32>clz(w1));
    return (wi << 6) | (63 - <i32>clz(load<u64>(l0(side, wi))));
  }
  const k = (j >> 6) - 1;
  if (k < 0) return NONE;
  const w2 = (side == BUY ? l2Bid : l2Ask) & (<u64>-1 >> <u64>(63 - k));
  if (w2 == 0) return NONE;
  const k2 = 63 - <i32>clz(w2);
  wi = (k2 << 6) | (63 - <i32>clz(load<u64>(l1(side, k2))));
  return (wi << 6) | (63 - <i32>clz(load<u64>(l0(side, wi))));
}

// ---------------------------------------------------------------- overflow

// @ts-ignore: decorator
@inline function ovSorted(side: i32, k: i32): usize { return ovSortedPtr + ((<usize>(side * ovCap + k)) << 2); }
// @ts-ignore: decorator
@inline function ovCount(side: i32): i32 { return side == BUY ? ovCountBid : ovCountAsk; }
function setOvCount(side: i32, n: i32): void { if (side == BUY) ovCountBid = n; else ovCountAsk = n; }

/** First position in the side's sorted overflow list whose price is >= p. */
function ovLowerBound(side: i32, p: i32): i32 {
  let lo = 0;
  let hi = ovCount(side);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (levelPrice(load<i32>(ovSorted(side, mid))) < p) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function ovPushFree(slot: i32): void {
  store<i32>(ovFreePtr + (<usize>ovFreeTop << 2), slot);
  ovFreeTop++;
}

function ovGrow(): void {
  const old = ovCap;
  const cap = old << 1;
  levelsPtr = relocate(levelsPtr, <usize>(2 * W + old) << 4, <usize>(2 * W + cap) << 4);
  ovPricePtr = relocate(ovPricePtr, <usize>old << 2, <usize>cap << 2);
  const sorted = allocate(<usize>(2 * cap) << 2);
  memory.copy(sorted, ovSortedPtr, <usize>ovCountBid << 2);
  memory.copy(sorted + (<usize>cap << 2), ovSortedPtr + (<usize>old << 2), <usize>ovCountAsk << 2);
  ovSortedPtr = sorted;
  ovFreePtr = allocate(<usize>cap << 2);
  ovCap = cap;
  // every old slot is in use (that is why we grow); the new ones are free
  ovFreeTop = 0;
  for (let i = cap - 1; i >= old; i--) ovPushFree(i);
}

// ---------------------------------------------------------------- levels

/** Level id for a price on a side, creating an overflow slot if needed. */
export function levelFor(side: i32, price: i32): i32 {
  const off = <i64>price - <i64>base;
  if (off >= 0 && off < <i64>W) return side * W + <i32>off;
  const pos = ovLowerBound(side, price);
  const n = ovCount(side);
  if (pos < n) {
    const l = load<i32>(ovSorted(side, pos));
    if (levelPrice(l) == price) return l;
  }
  if (ovFreeTop == 0) ovGrow();
  ovFreeTop--;
  const slot = load<i32>(ovFreePtr + (<usize>ovFreeTop << 2));
  store<i32>(ovPricePtr + (<usize>slot << 2), price);
  const at = ovSorted(side, pos);
  memory.copy(at + 4, at, <usize>(n - pos) << 2);
  const l = 2 * W + slot;
  store<i32>(at, l);
  setOvCount(side, n + 1);
  return l;
}

/** Marks a level that just received its first order as occupied. */
export function levelOccupied(side: i32, l: i32, price: i32): void {
  if (l < 2 * W) bitSet(side, l - side * W);
  const b = best(side);
  if (b == NONE || !atLeastAsGood(side, levelPrice(b), price)) {
    if (side == BUY) bestBid = l; else bestAsk = l;
  }
}

/** Releases a level whose last order left (its record is already zero). */
export function levelEmptied(side: i32, l: i32, price: i32): void {
  if (l < 2 * W) {
    bitClear(side, l - side * W);
  } else {
    const pos = ovLowerBound(side, price);
    const n = ovCount(side);
    const at = ovSorted(side, pos);
    memory.copy(at, at + 4, <usize>(n - pos - 1) << 2);
    setOvCount(side, n - 1);
    ovPushFree(l - 2 * W);
  }
  if (best(side) == l) {
    const nb = nextWorse(side, price);
    if (side == BUY) bestBid = nb; else bestAsk = nb;
  }
}

/** The best occupied level on `side` strictly worse than price p, or NONE. */
export function nextWorse(side: i32, p: i32): i32 {
  let found = NONE;
  if (side == BUY) {
    let start = <i64>p - 1 - <i64>base;
    if (start >= <i64>W) start = W - 1;
    if (start >= 0) found = findDown(BUY, <i32>start);
    const n = ovCountBid;
    if (n > 0) {
      const pos = ovLowerBound(BUY, p) - 1; // highest overflow price < p
      if (pos >= 0) {
        const l = load<i32>(ovSorted(BUY, pos));
        if (found == NONE || levelPrice(l) > levelPrice(found)) found = l;
      }
    }
  } else {
    let start = <i64>p + 1 - <i64>base;
    if (start < 0) start = 0;
    if (start < <i64>W) {
      const s = findUp(SELL, <i32>start);
      if (s != NONE) found = W + s;
    }
    const n = ovCountAsk;
    if (n > 0) {
      let pos = ovLowerBound(SELL, p);
      if (pos < n && levelPrice(load<i32>(ovSorted(SELL, pos))) == p) pos++;
      if (pos < n) {
        const l = load<i32>(ovSorted(SELL, pos));
        if (found == NONE || levelPrice(l) < levelPrice(found)) found = l;
      }
    }
  }
  return found;
}

/** Moves the ladder window so that it is centred on `price`. Book must be empty. */
export function recentre(price: i32): void {
  let b = <i64>price - <i64>(W >> 1);
  if (b < 0) b = 0;
  if (b > <i64>MAX_PRICE - <i64>W + 1) b = <i64>MAX_PRICE - <i64>W + 1;
  base = <i32>b;
}

/** True when `price` falls inside the ladder window. */
export function inWindow(price: i32): bool {
  const off = <i64>price - <i64>base;
  return off >= 0 && off < <i64>W;
}

/** Clears every occupied level of both sides. */
export function ladderClear(): void {
  for (let side = 0; side < 2; side++) {
    for (let w = 0; w < L0_WORDS; w++) {
      const p = l0(side, w);
      let bits = load<u64>(p);
      while (bits != 0) {
        const i = (w << 6) | <i32>ctz(bits);
        bits &= bits - 1;
        memory.fill(levelsPtr + (<usize>(side * W + i) << 4), 0, 16);
      }
      store<u64>(p, 0);
    }
    memory.fill(l1(side, 0), 0, <usize>L1_WORDS << 3);
    const n = ovCount(side);
    for (let k = 0; k < n; k++) {
      memory.fill(levelsPtr + (<usize>load<i32>(ovSorted(side, k)) << 4), 0, 16);
    }
    setOvCount(side, 0);
  }
  l2Bid = 0;
  l2Ask = 0;
  ovResetFree();
  bestBid = NONE;
  bestAsk = NONE;
}
