// hft-lab matching engine: one instrument, in one of three market formats
// chosen at run time with setFormat: the continuous double auction (CDA,
// book.ts), frequent batch auctions (FBA, fba.ts) and IEX midpoint pegs
// (iex.ts). The format changes only on an empty book (after init or reset),
// because resting orders keep the bookkeeping of the format that placed them
// (a pegged order is in no level, an FBA order carries its segment).
//
// The host (engine-wasm/order_book.ts) owns tokens, clocks and the wire. It
// calls one exported command per message, or writes many commands into the
// command buffer and calls `run(n)` once. Either way the engine writes the
// resulting events into the event buffer (layout in events.ts) and returns
// how many it wrote. Nothing is allocated per order and there is no callback
// into the host: a fill costs a few loads and stores. The CDA path tests the
// format once per command and is otherwise what it was before FBA and IEX.
//
// Memory, all from one bump allocator (heap.ts), regions grow by relocation:
//   commands | events | level records | bitmaps | overflow lists | orders |
//   snapshot | FBA IOC list | FBA scratch

import { heapReset, allocate, relocate } from "./heap";
import { eventCount, eventsClear, eventsInit, eventsPtr, eventsReserve, eventCapacity, EV_REJECTED, REJECT_BAD_COMMAND, emit } from "./events";
import { ladderClear, ladderInit, best, levelPrice, levelHead, levelVolume, nextWorse, base, NONE, BUY, SELL } from "./ladder";
import { bboStale, bookReset, cancelOrder, enterOrder, ordersInit, publishBbo, replaceOrder, restingCount, restingShares, oNext, oPrice, oShares, orderCapacity } from "./book";
import { fbaBatch, fbaEnter, fbaInit, fbaReplace, fbaReset } from "./fba";
import { iexCancel, iexEnter, iexExternal, iexReplace, iexReset, peggedCount, peggedCountOf, peggedHead, pegPriceNow, pegStateNow } from "./iex";
import { rngSeed } from "./rng";

export const COMMAND_BYTES: i32 = 32;
export const CMD_ENTER: i32 = 1;
export const CMD_CANCEL: i32 = 2;
export const CMD_REPLACE: i32 = 3;

export const FORMAT_CDA: i32 = 0;
export const FORMAT_FBA: i32 = 1;
export const FORMAT_IEX: i32 = 2;

/** Bit 0 of enter's flags: a midpoint-pegged order (IEX; the others ignore it). */
export const ENTER_PEG: i32 = 1;

let format: i32 = FORMAT_CDA;

let commandsPtr: usize = 0;
let commandCapacity: i32 = 0;
let snapshotPtr: usize = 0;
let snapshotCapacity: i32 = 0; // words

/** Sets up an empty book. Safe to call again: everything is re-allocated. */
export function init(orderCapacityHint: i32, eventCapacityHint: i32, commandCapacityHint: i32): void {
  heapReset();
  commandCapacity = commandCapacityHint > 0 ? commandCapacityHint : 4096;
  commandsPtr = allocate(<usize>commandCapacity * <usize>COMMAND_BYTES);
  eventsInit(eventCapacityHint > 16 ? eventCapacityHint : 4096);
  ladderInit(256);
  ordersInit(orderCapacityHint > 16 ? orderCapacityHint : 1024);
  snapshotCapacity = 1024;
  snapshotPtr = allocate(<usize>snapshotCapacity << 2);
  fbaInit();
  iexReset();
  format = FORMAT_CDA;
  rngSeed(0);
}

/**
 * 0 CDA, 1 FBA, 2 IEX. Kept across reset(): a session runs one format for
 * all its trading days. Ignored for any other value or while orders rest
 * (getFormat tells whether it took).
 */
export function setFormat(f: i32): void {
  if (f < FORMAT_CDA || f > FORMAT_IEX || f == format) return;
  if (restingCount + peggedCount() != 0) return;
  format = f;
  // FBA writes no BBO between batches, so the last one written may be stale
  bboStale();
}

export function getFormat(): i32 { return format; }

/** Seeds the FBA shuffle. Not touched by reset(); init() seeds with 0. */
export function seed(s: u32): void {
  rngSeed(s);
}

// A command can produce one EXECUTED per resting order plus a handful of others.
// @ts-ignore: decorator
@inline function reserve(): void {
  if (eventCount + restingCount + 4 > eventCapacity) eventsReserve(restingCount + 4);
}

// The FBA and IEX halves of each command, kept out of line so that the CDA
// path stays as small as it was.
function enterOther(id: i32, side: i32, price: i32, shares: u32, tif: u32, flags: i32): void {
  if (format == FORMAT_FBA) {
    reserve();
    fbaEnter(id, side, price, shares, tif);
  } else {
    iexEnter(id, side, price, shares, tif, flags);
  }
}

function cancelOther(id: i32, remaining: u32, reason: i32): void {
  if (format == FORMAT_FBA) {
    reserve();
    cancelOrder(id, remaining, reason); // a reduce keeps the place and the segment
  } else {
    iexCancel(id, remaining, reason);
  }
}

function replaceOther(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): void {
  if (format == FORMAT_FBA) {
    reserve();
    fbaReplace(oldId, newId, shares, price, tif);
  } else {
    iexReplace(oldId, newId, shares, price, tif);
  }
}

/** flags: ENTER_PEG. */
export function enter(id: i32, side: i32, price: i32, shares: u32, tif: u32, flags: i32): i32 {
  eventsClear();
  if (format != FORMAT_CDA) {
    enterOther(id, side, price, shares, tif, flags);
    return eventCount;
  }
  reserve();
  enterOrder(id, side, price, shares, tif);
  publishBbo();
  return eventCount;
}

export function cancel(id: i32, remaining: u32, reason: i32): i32 {
  eventsClear();
  if (format != FORMAT_CDA) {
    cancelOther(id, remaining, reason);
    return eventCount;
  }
  reserve();
  cancelOrder(id, remaining, reason);
  publishBbo();
  return eventCount;
}

export function replace(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): i32 {
  eventsClear();
  if (format != FORMAT_CDA) {
    replaceOther(oldId, newId, shares, price, tif);
    return eventCount;
  }
  reserve();
  replaceOrder(oldId, newId, shares, price, tif);
  publishBbo();
  return eventCount;
}

/**
 * FBA: runs one uniform-price call auction (fba.ts). Events: EXECUTED per
 * fill (bid id, ask id, shares, clearing price), CANCELED 'I' per IOC order
 * left, one BATCH, one BBO. Other formats: one REJECTED bad-command.
 */
export function batch(): i32 {
  eventsClear();
  if (format != FORMAT_FBA) {
    emit(EV_REJECTED | (REJECT_BAD_COMMAND << 8), 0, 0, 0, 0, 0, 0);
    return eventCount;
  }
  fbaBatch();
  return eventCount;
}

/**
 * IEX: a new external best bid and offer, which sets the peg (iex.ts).
 * Events: EXECUTED per fill the peg move allows, BBO if it changed, then
 * always one PEG. CDA and FBA only log the quote upstream (Q28): no events.
 */
export function external(bid: u32, ask: u32): i32 {
  eventsClear();
  if (format != FORMAT_IEX) return 0;
  iexExternal(bid, ask);
  return eventCount;
}

function runOther(c: usize, i: i32): void {
  const kind = load<i32>(c);
  if (kind == CMD_ENTER) {
    enterOther(load<i32>(c, 4), load<i32>(c, 8), load<i32>(c, 12), load<u32>(c, 16), load<u32>(c, 20), load<i32>(c, 28));
  } else if (kind == CMD_CANCEL) {
    cancelOther(load<i32>(c, 4), load<u32>(c, 16), load<i32>(c, 24));
  } else if (kind == CMD_REPLACE) {
    replaceOther(load<i32>(c, 4), load<i32>(c, 8), load<u32>(c, 16), load<i32>(c, 12), load<u32>(c, 20));
  } else {
    reserve();
    emit(EV_REJECTED | (REJECT_BAD_COMMAND << 8), kind, i, 0, 0, 0, 0);
  }
}

/**
 * Runs `n` commands from the command buffer. Record, 32 bytes of i32:
 *   0 kind (CMD_*)  1 id  2 side | new id (replace)  3 price  4 shares
 *   5 tif  6 cancel reason  7 enter flags (ENTER_PEG)
 * Events of all commands are appended in order.
 */
export function run(n: i32): i32 {
  eventsClear();
  if (n > commandCapacity) n = commandCapacity;
  for (let i = 0; i < n; i++) {
    const c = commandsPtr + (<usize>i << 5);
    if (format != FORMAT_CDA) {
      runOther(c, i);
      continue;
    }
    reserve();
    const kind = load<i32>(c);
    if (kind == CMD_ENTER) {
      enterOrder(load<i32>(c, 4), load<i32>(c, 8), load<i32>(c, 12), load<u32>(c, 16), load<u32>(c, 20));
    } else if (kind == CMD_CANCEL) {
      cancelOrder(load<i32>(c, 4), load<u32>(c, 16), load<i32>(c, 24));
    } else if (kind == CMD_REPLACE) {
      replaceOrder(load<i32>(c, 4), load<i32>(c, 8), load<u32>(c, 16), load<i32>(c, 12), load<u32>(c, 20));
    } else {
      emit(EV_REJECTED | (REJECT_BAD_COMMAND << 8), kind, i, 0, 0, 0, 0);
    }
    publishBbo();
  }
  return eventCount;
}

/** Empties the book and forgets every order id (the start of a trading day). */
export function reset(): void {
  ladderClear();
  bookReset();
  fbaReset();
  iexReset();
  eventsClear();
}

function snapshotWord(at: i32, v: i32): void {
  if (at >= snapshotCapacity) {
    let cap = snapshotCapacity << 1;
    while (cap <= at) cap <<= 1;
    snapshotPtr = relocate(snapshotPtr, <usize>snapshotCapacity << 2, <usize>cap << 2);
    snapshotCapacity = cap;
  }
  store<i32>(snapshotPtr + (<usize>at << 2), v);
}

/**
 * Writes the book into the snapshot region, for each side (bids, then asks)
 * best level first: level count, then per level price, volume lo, volume hi,
 * order count and (id, shares) per order in queue order. `maxLevels` < 0
 * means all. Then the IEX pegged queues, whole whatever `maxLevels`: for bids,
 * then asks, an order count and (id, shares, limit) per order in queue order
 * (both counts are 0 in the other formats). Returns the number of words
 * written.
 *
 * FBA: the order shown within a level's newest segment is arrival order until
 * a batch draws the random order of that level (fba.ts).
 */
export function snapshot(maxLevels: i32): i32 {
  let at = 0;
  for (let side = BUY; side <= SELL; side++) {
    const countAt = at++;
    snapshotWord(countAt, 0);
    let levels = 0;
    let l = best(side);
    while (l != NONE && (maxLevels < 0 || levels < maxLevels)) {
      const price = levelPrice(l);
      const vol = levelVolume(l);
      snapshotWord(at++, price);
      snapshotWord(at++, <i32>vol);
      snapshotWord(at++, <i32>(vol >> 32));
      const orderCountAt = at++;
      snapshotWord(orderCountAt, 0);
      let orders = 0;
      let id = levelHead(l);
      while (id != 0) {
        snapshotWord(at++, id);
        snapshotWord(at++, <i32>oShares(id));
        orders++;
        id = oNext(id);
      }
      store<i32>(snapshotPtr + (<usize>orderCountAt << 2), orders);
      levels++;
      l = nextWorse(side, price);
    }
    store<i32>(snapshotPtr + (<usize>countAt << 2), levels);
  }
  for (let side = BUY; side <= SELL; side++) {
    snapshotWord(at++, peggedCountOf(side));
    for (let id = peggedHead(side); id != 0; id = oNext(id)) {
      snapshotWord(at++, id);
      snapshotWord(at++, <i32>oShares(id));
      snapshotWord(at++, oPrice(id));
    }
  }
  return at;
}

export function orderShares(id: i32): i64 { return restingShares(id); }
/** Orders resting in the book, pegged ones included. */
export function restingOrders(): i32 { return restingCount + peggedCount(); }
/** The IEX peg, 0 = none. */
export function pegPrice(): i32 { return pegPriceNow(); }
/** Resting pegged asks minus resting pegged bids (orders). */
export function pegState(): i32 { return pegStateNow(); }
export function eventsPointer(): usize { return eventsPtr; }
export function eventsCapacity(): i32 { return eventCapacity; }
export function commandsPointer(): usize { return commandsPtr; }
export function commandsCapacity(): i32 { return commandCapacity; }
export function snapshotPointer(): usize { return snapshotPtr; }
export function ladderBase(): i32 { return base; }
export function ordersCapacity(): i32 { return orderCapacity; }
