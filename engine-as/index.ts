// hft-lab matching engine: one instrument, continuous double auction.
//
// The host (engine-wasm/order_book.ts) owns tokens, clocks and the wire. It
// calls one exported command per message, or writes many commands into the
// command buffer and calls `run(n)` once. Either way the engine writes the
// resulting events into the event buffer (layout in events.ts) and returns
// how many it wrote. Nothing is allocated per order and there is no callback
// into the host: a fill costs a few loads and stores.
//
// Memory, all from one bump allocator (heap.ts), regions grow by relocation:
//   commands | events | level records | bitmaps | overflow lists | orders | snapshot

import { heapReset, allocate, relocate } from "./heap";
import { eventCount, eventsClear, eventsInit, eventsPtr, eventsReserve, eventCapacity, EV_REJECTED, REJECT_BAD_COMMAND, emit } from "./events";
import { ladderClear, ladderInit, best, levelPrice, levelHead, levelVolume, nextWorse, base, NONE, BUY, SELL } from "./ladder";
import { bookReset, cancelOrder, enterOrder, ordersInit, publishBbo, replaceOrder, restingCount, restingShares, oNext, oShares, orderCapacity } from "./book";

export const COMMAND_BYTES: i32 = 32;
export const CMD_ENTER: i32 = 1;
export const CMD_CANCEL: i32 = 2;
export const CMD_REPLACE: i32 = 3;

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
}

// A command can produce one EXECUTED per resting order plus a handful of others.
// @ts-ignore: decorator
@inline function reserve(): void {
  if (eventCount + restingCount + 4 > eventCapacity) eventsReserve(restingCount + 4);
}

export function enter(id: i32, side: i32, price: i32, shares: u32, tif: u32): i32 {
  eventsClear();
  reserve();
  enterOrder(id, side, price, shares, tif);
  publishBbo();
  return eventCount;
}

export function cancel(id: i32, remaining: u32, reason: i32): i32 {
  eventsClear();
  reserve();
  cancelOrder(id, remaining, reason);
  publishBbo();
  return eventCount;
}

export function replace(oldId: i32, newId: i32, shares: u32, price: i32, tif: u32): i32 {
  eventsClear();
  reserve();
  replaceOrder(oldId, newId, shares, price, tif);
  publishBbo();
  return eventCount;
}

/**
 * Runs `n` commands from the command buffer. Record, 32 bytes of i32:
 *   0 kind (CMD_*)  1 id  2 side | new id (replace)  3 price  4 shares
 *   5 tif  6 cancel reason
 * Events of all commands are appended in order.
 */
export function run(n: i32): i32 {
  eventsClear();
  if (n > commandCapacity) n = commandCapacity;
  for (let i = 0; i < n; i++) {
    const c = commandsPtr + (<usize>i << 5);
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
 * means all. Returns the number of words written.
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
  return at;
}

export function orderShares(id: i32): i64 { return restingShares(id); }
export function restingOrders(): i32 { return restingCount; }
export function eventsPointer(): usize { return eventsPtr; }
export function eventsCapacity(): i32 { return eventCapacity; }
export function commandsPointer(): usize { return commandsPtr; }
export function commandsCapacity(): i32 { return commandCapacity; }
export function snapshotPointer(): usize { return snapshotPtr; }
export function ladderBase(): i32 { return base; }
export function ordersCapacity(): i32 { return orderCapacity; }
