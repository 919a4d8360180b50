// IEX: CDA matching plus hidden midpoint-pegged orders (leeps-exchange.md §8).
// The speed bump is the host's business: commands arrive here already delayed.
//
// The peg is set by external(bid, ask). Pegged orders never enter the ladder
// or the BBO: each side has one FIFO, linked through the order records'
// next/prev, with the order's limit in its price field. A pegged order may
// trade only while it is eligible (a peg exists and is within its limit,
// Q20); an ineligible one keeps its place and still counts in the peg state.
//
// An incoming order at effective price e (its limit, or the peg for a pegged
// order) takes the opposite limit levels up to and including the peg, then the
// eligible pegged orders at the peg, then the levels beyond the peg up to e:
// the hidden peg level ranks behind displayed orders at its price, and pegs
// are reached even when the walk ends before passing the peg (Q7), so an
// order never rests crossed with an eligible peg.

import { EV_CANCELED, EV_EXECUTED, EV_PEG, EV_REPLACED, emit, eventsReserve } from "./events";
import { BUY, MAX_PRICE, NONE, SELL, bestAsk, bestBid, levelPrice } from "./ladder";
import {
  FLAG_PEGGED, REASON_IOC, REASON_SYSTEM, STATE_RESTING, admitEnter, admitReplace,
  cancelOrder, replacementLiable, nextMatch, oFlags, oNext, oPrev, oPrice,
  oShares, oSide, oState, op, orderCapacity, publishBbo, record, rest, restingCount, retire,
  setOFlags, take, unlink,
} from "./book";

let peg: i32 = 0; // 0 = none
let headBid: i32 = 0;
let tailBid: i32 = 0;
let headAsk: i32 = 0;
let tailAsk: i32 = 0;
let countBid: i32 = 0;
let countAsk: i32 = 0;
let lastPegState: i32 = 0;

export function iexReset(): void {
  peg = 0;
  headBid = 0; tailBid = 0; headAsk = 0; tailAsk = 0;
  countBid = 0; countAsk = 0;
  lastPegState = 0;
}

export function pegPriceNow(): i32 { return peg; }
export function pegStateNow(): i32 { return countAsk - countBid; }
export function peggedCount(): i32 { return countBid + countAsk; }
export function peggedHead(side: i32): i32 { return side == BUY ? headBid : headAsk; }
export function peggedCountOf(side: i32): i32 { return side == BUY ? countBid : countAsk; }

// ---------------------------------------------------------------- pegged queues

function queue(id: i32, side: i32, shares: u32): void {
  const p = op(id);
  const tail = side == BUY ? tailBid : tailAsk;
  store<i32>(p, 0);
  store<i32>(p, tail, 4);
  store<u32>(p, shares, 8);
  store<u8>(p, STATE_RESTING, 24);
  if (tail == 0) {
    if (side == BUY) headBid = id; else headAsk = id;
  } else {
    store<i32>(op(tail), id);
  }
  if (side == BUY) { tailBid = id; countBid++; } else { tailAsk = id; countAsk++; }
}

function dequeue(id: i32): void {
  const side = oSide(id);
  const prev = oPrev(id);
  const next = oNext(id);
  if (prev == 0) {
    if (side == BUY) headBid = next; else headAsk = next;
  } else {
    store<i32>(op(prev), next);
  }
  if (next == 0) {
    if (side == BUY) tailBid = prev; else tailAsk = prev;
  } else {
    store<i32>(op(next), prev, 4);
  }
  if (side == BUY) countBid--; else countAsk--;
  retire(id);
}

/** A resting pegged order of `side` may trade at the current peg (§8.3, Q20). */
// @ts-ignore: decorator
@inline function eligible(side: i32, id: i32): bool {
  return peg != 0 && (side == BUY ? peg <= oPrice(id) : peg >= oPrice(id));
}

/** The entry rule: a peg exists and the limit is at least as aggressive as it. */
// @ts-ignore: decorator
@inline function admitsPegged(side: i32, limit: i32): bool {
  return peg != 0 && (side == BUY ? limit >= peg : limit <= peg);
}

// ---------------------------------------------------------------- matching

/** Fills `aggressor` against the eligible pegged orders of `side`, at the peg. */
function takePegged(aggressor: i32, side: i32, shares: u32): u32 {
  let left = shares;
  let id = side == BUY ? headBid : headAsk;
  while (id != 0 && left != 0) {
    const next = oNext(id);
    if (eligible(side, id)) {
      const rs = oShares(id);
      const q = rs < left ? rs : left;
      const m = nextMatch();
      emit(EV_EXECUTED, aggressor, id, <i32>q, peg, <i32>m, <i32>(m >> 32));
      left -= q;
      if (q == rs) dequeue(id); else store<u32>(op(id), rs - q, 8);
    }
    id = next;
  }
  return left;
}

/** §8.4 for an incoming order of `side` at effective price e; returns the shares left. */
function takeWithPegs(id: i32, side: i32, e: i32, shares: u32): u32 {
  if (peg == 0 || (side == BUY ? peg > e : peg < e)) return take(id, side, e, shares);
  let left = take(id, side, peg, shares);
  if (left != 0) left = takePegged(id, side ^ 1, left);
  if (left != 0) left = take(id, side, e, left);
  return left;
}

/** Matches, then rests (limit), queues (pegged) or cancels (IOC) the rest. True if it stays. */
function place(id: i32, side: i32, e: i32, shares: u32, ioc: bool, pegged: bool): bool {
  const left = takeWithPegs(id, side, e, shares);
  if (left == 0) return false;
  if (ioc) {
    emit(EV_CANCELED | (REASON_IOC << 8) | (side << 16), id, <i32>left, 0, 0, 0, 0);
    return false;
  }
  if (pegged) queue(id, side, left); else rest(id, side, e, left);
  return true;
}

/** §8.5: what a peg move makes tradable, in the required order. */
function pegMove(): void {
  if (peg == 0) return;
  // 1. eligible pegged bids take the limit asks priced <= peg, at the ask's price
  let id = headBid;
  while (id != 0 && bestAsk != NONE && levelPrice(bestAsk) <= peg) {
    const next = oNext(id);
    if (eligible(BUY, id)) {
      const have = oShares(id);
      const left = take(id, BUY, peg, have);
      if (left == 0) dequeue(id); else store<u32>(op(id), left, 8);
    }
    id = next;
  }
  // 2. eligible pegged asks take the limit bids priced >= peg
  id = headAsk;
  while (id != 0 && bestBid != NONE && levelPrice(bestBid) >= peg) {
    const next = oNext(id);
    if (eligible(SELL, id)) {
      const have = oShares(id);
      const left = take(id, SELL, peg, have);
      if (left == 0) dequeue(id); else store<u32>(op(id), left, 8);
    }
    id = next;
  }
  // 3. pegged against pegged, at the peg; only possible since limits are kept (Q20)
  let b = headBid;
  let a = headAsk;
  while (true) {
    while (b != 0 && !eligible(BUY, b)) b = oNext(b);
    while (a != 0 && !eligible(SELL, a)) a = oNext(a);
    if (b == 0 || a == 0) break;
    const bs = oShares(b);
    const as = oShares(a);
    const q = bs < as ? bs : as;
    const m = nextMatch();
    emit(EV_EXECUTED, b, a, <i32>q, peg, <i32>m, <i32>(m >> 32));
    if (q == bs) {
      const nb = oNext(b);
      dequeue(b);
      b = nb;
    } else {
      store<u32>(op(b), bs - q, 8);
    }
    if (q == as) {
      const na = oNext(a);
      dequeue(a);
      a = na;
    } else {
      store<u32>(op(a), as - q, 8);
    }
  }
}

// ---------------------------------------------------------------- commands

// A command fills at most every resting order once plus one, and adds an
// accept/replace, an I/Z cancel, a BBO and a peg record.
// @ts-ignore: decorator
@inline function reserveIex(): void {
  eventsReserve(restingCount + countBid + countAsk + 8);
}

/** The §8.6 record after a command: when the state moved, or always if `force`. */
function publishPeg(force: bool): void {
  const s = countAsk - countBid;
  if (force || s != lastPegState) {
    emit(EV_PEG, s, peg, 0, 0, 0, 0);
    lastPegState = s;
  }
}

export function iexEnter(id: i32, side: i32, price: i32, shares: u32, tif: u32, flags: i32): void {
  reserveIex();
  if (admitEnter(id, side, price, shares, tif)) {
    if ((flags & 1) == 0) {
      place(id, side, price, shares, tif == 0, false);
    } else {
      setOFlags(id, FLAG_PEGGED);
      if (admitsPegged(side, price)) {
        place(id, side, peg, shares, tif == 0, true);
      } else {
        emit(EV_CANCELED | (REASON_SYSTEM << 8) | (side << 16), id, <i32>shares, 0, 0, 0, 0);
      }
    }
  }
  publishBbo();
  publishPeg(false);
}

export function iexCancel(id: i32, remaining: u32, reason: i32): void {
  reserveIex();
  let pegged = false;
  if (id > 0 && id < orderCapacity && oState(id) == STATE_RESTING && (oFlags(id) & FLAG_PEGGED) != 0) {
    pegged = true;
    const cur = oShares(id);
    const head = EV_CANCELED | ((reason & 0xff) << 8) | (oSide(id) << 16);
    if (remaining >= cur) {
      emit(head, id, 0, 0, 0, 0, 0);
    } else if (remaining == 0) {
      dequeue(id);
      emit(head, id, <i32>cur, 0, 0, 0, 0);
    } else {
      // reduced in place: it keeps its place in the pegged queue (§5.4)
      store<u32>(op(id), remaining, 8);
      emit(head, id, <i32>(cur - remaining), 0, 0, 0, 0);
    }
  } else {
    cancelOrder(id, remaining, reason);
  }
  publishBbo();
  // Q29: a cancel of a resting pegged order always reports the peg state
  publishPeg(pegged);
}

export function iexReplace(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): void {
  reserveIex();
  if (admitReplace(oldId, newId, price)) replacePegAware(oldId, newId, shares, price, tif);
  publishBbo();
  publishPeg(false);
}

function replacePegAware(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): void {
  const side = oSide(oldId);
  const remaining = oShares(oldId);
  const pegged = (oFlags(oldId) & FLAG_PEGGED) != 0;
  if (pegged) dequeue(oldId); else unlink(oldId);
  const liable = replacementLiable(oldId, newId, side, remaining, shares, price);
  if (liable == 0) return;
  const ev = emit(EV_REPLACED | (side << 16), newId, oldId, <i32>liable, price, 0, <i32>tif);
  let rests = false;
  if (!pegged) {
    rests = place(newId, side, price, <u32>liable, tif == 0, false);
  } else {
    // the replacement keeps the peg flag and must pass the entry rule again
    setOFlags(newId, FLAG_PEGGED);
    if (!admitsPegged(side, price)) {
      emit(EV_CANCELED | (REASON_SYSTEM << 8) | (side << 16), newId, <i32>liable, 0, 0, 0, 0);
      return;
    }
    rests = place(newId, side, peg, <u32>liable, tif == 0, true);
  }
  if (rests) store<i32>(ev, 1, 20);
}

/**
 * New external BBO. A bid of 0 or an offer at or above MAX is no quote, so no
 * peg (§8.2); a bid at or above MAX is treated the same way, since it is the
 * market-buy sentinel rather than a price. The only other midpoint that would
 * be 0 (bid 1, offer 0) also reads as no peg, because 0 is how the peg record
 * says "none".
 */
export function iexExternal(bid: u32, ask: u32): void {
  if (bid == 0 || bid >= <u32>MAX_PRICE || ask >= <u32>MAX_PRICE) {
    peg = 0;
  } else {
    peg = <i32>((<u64>bid + <u64>ask) >> 1);
  }
  reserveIex();
  pegMove();
  publishBbo();
  publishPeg(true);
}
