// Frequent batch auction (leeps-exchange.md §7).
//
// Between batches enter, cancel and replace only edit the book: orders join
// the back of their level as in the CDA, nothing matches and no BBO is
// written. batch() runs one uniform-price call auction.
//
// Priority at a price is segment first (segment k = orders created between
// batch k-1 and batch k), then a uniform random order within the segment.
// Rather than inserting each arrival at a random place (a linear walk of the
// level per order), the random order is drawn when a batch first needs a
// level: its not-yet-shuffled tail, which is the newest orders in arrival
// order grouped into runs of one segment each, is Fisher-Yates shuffled run by
// run and flagged. Every permutation of a run has probability 1/n!, a run's
// orders stay behind earlier segments, and later reduces or partial fills
// keep the drawn place. Flagged orders always form a prefix of their level,
// so "is this level drawn?" is one look at its tail, and a batch costs only
// the orders of the levels it touches.
//
// IOC orders (tif 0) rest until the next batch; their ids are listed in
// arrival order so that what is left of them is canceled, in that order, once
// the batch has traded.

import { allocate, relocate } from "./heap";
import { EV_BATCH, EV_CANCELED, EV_EXECUTED, EV_REPLACED, emit, eventsReserve } from "./events";
import {
  BUY, MAX_PRICE, NONE, SELL, addLevelVolume, bestAsk, bestBid, levelEmptied, levelHead,
  levelPrice, levelTail, levelVolume, nextWorse, setLevelHead, setLevelTail,
} from "./ladder";
import {
  FLAG_SHUFFLED, REASON_IOC, STATE_RESTING, admitEnter, admitReplace,
  replacementLiable, nextMatch, oFlags, oNext, oPrev, oSegment, oShares, oSide, oState,
  op, publishBboAlways, rest, restingCount, restingLeft, retire, setOFlags, unlink,
} from "./book";
import { below } from "./rng";

let segment: u32 = 1;

let iocPtr: usize = 0;
let iocCapacity: i32 = 0;
let iocCount: i32 = 0;

// i32 scratch: the ask levels of a batch, then one run at a time for a shuffle
let scratchPtr: usize = 0;
let scratchCapacity: i32 = 0;

export function fbaInit(): void {
  iocCapacity = 256;
  iocPtr = allocate(<usize>iocCapacity << 2);
  scratchCapacity = 1024;
  scratchPtr = allocate(<usize>scratchCapacity << 2);
  fbaReset();
}

export function fbaReset(): void {
  segment = 1;
  iocCount = 0;
}

// @ts-ignore: decorator
@inline function scratch(i: i32): usize { return scratchPtr + (<usize>i << 2); }

function scratchReserve(n: i32): void {
  if (n <= scratchCapacity) return;
  let cap = scratchCapacity << 1;
  while (cap < n) cap <<= 1;
  scratchPtr = relocate(scratchPtr, <usize>scratchCapacity << 2, <usize>cap << 2);
  scratchCapacity = cap;
}

function iocPush(id: i32): void {
  if (iocCount == iocCapacity) {
    const cap = iocCapacity << 1;
    iocPtr = relocate(iocPtr, <usize>iocCapacity << 2, <usize>cap << 2);
    iocCapacity = cap;
  }
  store<i32>(iocPtr + (<usize>iocCount << 2), id);
  iocCount++;
}

/** Rests an order in the current segment. */
function restInSegment(id: i32, side: i32, price: i32, shares: u32, tif: u32): void {
  rest(id, side, price, shares);
  store<u32>(op(id), segment, 28);
  if (tif == 0) iocPush(id);
}

// ---------------------------------------------------------------- commands

export function fbaEnter(id: i32, side: i32, price: i32, shares: u32, tif: u32): void {
  if (!admitEnter(id, side, price, shares, tif)) return;
  // shares = 0: accepted and nothing rests (§5.2), as in the CDA
  if (shares != 0) restInSegment(id, side, price, shares, tif);
}

export function fbaReplace(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): void {
  if (!admitReplace(oldId, newId, price)) return;
  const side = oSide(oldId);
  const remaining = oShares(oldId);
  unlink(oldId);
  const liable = replacementLiable(oldId, newId, side, remaining, shares, price);
  if (liable == 0) return;
  // nothing matches before the batch, so the replacement always rests
  emit(EV_REPLACED | (side << 16), newId, oldId, <i32>liable, price, 1, <i32>tif);
  restInSegment(newId, side, price, <u32>liable, tif);
}

// ---------------------------------------------------------------- random order

/** Draws the order of every not-yet-drawn run of level l (see the top of this file). */
function shuffleLevel(l: i32): void {
  const tail = levelTail(l);
  if (tail == 0 || (oFlags(tail) & FLAG_SHUFFLED) != 0) return;
  let first = tail;
  while (true) {
    const p = oPrev(first);
    if (p == 0 || (oFlags(p) & FLAG_SHUFFLED) != 0) break;
    first = p;
  }
  let before = oPrev(first);
  let id = first;
  while (id != 0) {
    const seg = oSegment(id);
    let n = 0;
    let after = id;
    while (after != 0 && oSegment(after) == seg) {
      n++;
      after = oNext(after);
    }
    scratchReserve(n);
    let k = 0;
    for (let x = id; x != after; x = oNext(x)) store<i32>(scratch(k++), x);
    for (let i = n - 1; i > 0; i--) {
      const j = <i32>below(<u32>(i + 1));
      const a = load<i32>(scratch(i));
      store<i32>(scratch(i), load<i32>(scratch(j)));
      store<i32>(scratch(j), a);
    }
    // relink the run between `before` and `after` in the drawn order
    let prev = before;
    for (let i = 0; i < n; i++) {
      const x = load<i32>(scratch(i));
      const p = op(x);
      store<i32>(p, prev, 4);
      if (prev == 0) setLevelHead(l, x); else store<i32>(op(prev), x);
      setOFlags(x, oFlags(x) | FLAG_SHUFFLED);
      prev = x;
    }
    store<i32>(op(prev), after);
    if (after == 0) setLevelTail(l, prev); else store<i32>(op(after), prev, 4);
    before = prev;
    id = after;
  }
}

// ---------------------------------------------------------------- clearing price

// @ts-ignore: decorator
@inline function isReal(p: i32): bool { return p > 0 && p < MAX_PRICE; }

// The §7.4 walk over all levels in descending price, asks before bids at
// equal prices: bids come from the ladder best first, asks from the scratch
// list (ascending) read backwards.
let walkBid: i32 = NONE;
let walkAsk: i32 = 0;

/** The next level of the walk, or NONE when both sides are exhausted. */
function walkNext(): i32 {
  if (walkAsk > 0) {
    const a = load<i32>(scratch(walkAsk - 1));
    if (walkBid == NONE || levelPrice(a) >= levelPrice(walkBid)) {
      walkAsk--;
      return a;
    }
  }
  const b = walkBid;
  if (b != NONE) walkBid = nextWorse(BUY, levelPrice(b));
  return b;
}

/**
 * The uniform clearing price of §7.4, step for step, or 0 when the book does
 * not clear. A clearing price is always real (0 < p < MAX): every branch
 * returns L's or P's real price, their ceil midpoint, or minReal.
 */
function clearingPrice(): i32 {
  if (bestBid == NONE) return 0; // no bid shares: no marginal level (step 3)
  // the ask levels, ascending, and A = all ask shares
  let asks = 0;
  let total: u64 = 0;
  for (let a = bestAsk; a != NONE; a = nextWorse(SELL, levelPrice(a))) {
    scratchReserve(asks + 1);
    store<i32>(scratch(asks++), a);
    total += levelVolume(a);
  }
  walkBid = bestBid;
  walkAsk = asks;
  let v: u64 = 0;
  let vp: u64 = 0;
  let hasP = false;
  let pPrice = 0;
  let lPrice = 0;
  let minReal = MAX_PRICE; // MAX_PRICE = no real price visited yet
  let found = false;
  while (true) {
    const l = walkNext();
    if (l == NONE) break;
    const price = levelPrice(l);
    if (isReal(price) && price < minReal) minReal = price;
    const vol = levelVolume(l);
    if (v + vol > total) {
      found = true;
      lPrice = price;
      vp = v;
      break;
    }
    v += vol;
    hasP = true;
    pPrice = price;
  }
  if (!found) return 0;
  // step 4: market buys alone exceed supply; the marginal price is the first below MAX
  while (lPrice == MAX_PRICE) {
    const l = walkNext();
    if (l == NONE) break;
    lPrice = levelPrice(l);
    if (isReal(lPrice) && lPrice < minReal) minReal = lPrice;
  }
  if (minReal == MAX_PRICE) return 0; // step 5 (Q21)
  if (vp == total && hasP) {
    if (pPrice == MAX_PRICE && isReal(lPrice)) return lPrice;
    if (pPrice < MAX_PRICE && lPrice > 0) return <i32>((<i64>pPrice + <i64>lPrice + 1) >> 1);
    if (isReal(pPrice) && lPrice == 0) return pPrice;
    if (pPrice == 0) return minReal;
    return 0;
  }
  return lPrice > minReal ? lPrice : minReal;
}

// ---------------------------------------------------------------- batch

/** Takes the fully traded head order off level l; true if the level emptied. */
function dropHead(side: i32, l: i32, price: i32, id: i32): bool {
  const next = oNext(id);
  retire(id);
  restingLeft();
  if (next == 0) {
    setLevelHead(l, 0);
    setLevelTail(l, 0);
    levelEmptied(side, l, price);
    return true;
  }
  setLevelHead(l, next);
  store<i32>(op(next), 0, 4);
  return false;
}

export function fbaBatch(): void {
  // every fill retires an order except the last, and every IOC cancel is of a resting order
  eventsReserve((restingCount << 1) + 4);
  const price = clearingPrice();
  let volume: u64 = 0;
  let fills = 0;
  if (price != 0) {
    let asksLeft = true;
    while (asksLeft && bestBid != NONE) {
      const bl = bestBid;
      const bp = levelPrice(bl);
      if (bp < price) break;
      shuffleLevel(bl);
      let bid = levelHead(bl);
      let emptied = false;
      while (!emptied) {
        const had = oShares(bid);
        let want = had;
        while (want != 0) {
          const al = bestAsk;
          if (al == NONE) break;
          const ap = levelPrice(al);
          if (ap > price) break;
          shuffleLevel(al);
          const ask = levelHead(al);
          const rs = oShares(ask);
          const q = rs < want ? rs : want;
          const m = nextMatch();
          emit(EV_EXECUTED, bid, ask, <i32>q, price, <i32>m, <i32>(m >> 32));
          fills++;
          want -= q;
          addLevelVolume(al, -<i64>q);
          if (q == rs) dropHead(SELL, al, ap, ask); else store<u32>(op(ask), rs - q, 8);
        }
        volume += had - want;
        addLevelVolume(bl, -<i64>(had - want));
        if (want != 0) {
          // the asks are exhausted: a partly filled bid keeps its place
          store<u32>(op(bid), want, 8);
          asksLeft = false;
          break;
        }
        const next = oNext(bid);
        emptied = dropHead(BUY, bl, bp, bid);
        bid = next;
      }
    }
  }
  for (let i = 0; i < iocCount; i++) {
    const id = load<i32>(iocPtr + (<usize>i << 2));
    if (oState(id) != STATE_RESTING) continue; // traded, canceled or replaced meanwhile
    const left = oShares(id);
    const side = oSide(id);
    unlink(id);
    emit(EV_CANCELED | (REASON_IOC << 8) | (side << 16), id, <i32>left, 0, 0, 0, 0);
  }
  iocCount = 0;
  emit(EV_BATCH, volume != 0 ? price : 0, <i32>volume, <i32>(volume >> 32), fills, 0, 0);
  publishBboAlways();
  segment++;
}
