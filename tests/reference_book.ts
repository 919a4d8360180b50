/**
 * A small, deliberately naive reference implementation of the CDA book
 * (leeps-exchange.md §5–§6 with the required fixes), with the same id-based
 * API and the same event conventions as {@link BookCore}. Clarity over speed:
 * levels are plain sorted arrays, orders are plain arrays in queue order, and
 * the BBO tuple is recomputed from scratch after every command.
 *
 * Conventions copied from engine-as/book.ts (they are part of what the
 * property tests compare):
 * - rejection precedence per command (see the numbered checks below);
 * - `rejected.other` is the second id of the command (a replace's
 *   replacement) when it is non-zero;
 * - a bad replacement id reports the replacement as `order` and the
 *   existing id as `other`;
 * - BBO volumes saturate at 2^32 − 1.
 */

import type { BookSnapshot, LevelSnapshot } from "../engine-wasm/book_core.ts";
import {
  type Bbo,
  type CancelReason,
  EMPTY_BBO,
  type EngineEvent,
  MAX_PRICE,
  type RejectReason,
  type Side,
} from "../engine-wasm/events.ts";

type Ev = EngineEvent<number>;

interface Order {
  id: number;
  side: 0 | 1;
  price: number;
  /** Shares of the creating message (the Enter, or the Replace). */
  created: number;
  /** Remaining shares while resting; 0 once done. */
  shares: number;
  resting: boolean;
}

interface Level {
  price: number;
  orders: Order[];
}

const SIDES: readonly Side[] = ["B", "S"];
const UINT32_MAX = 0xffffffff;

export class ReferenceBook {
  /** Every id used this trading day (resting or not). */
  #known = new Map<number, Order>();
  /** Index 0 = bids, best (highest) first; 1 = asks, best (lowest) first. */
  #levels: [Level[], Level[]] = [[], []];
  #match = 0;
  #last: Bbo = { ...EMPTY_BBO };

  reset(): void {
    this.#known.clear();
    this.#levels = [[], []];
    this.#match = 0;
    this.#last = { ...EMPTY_BBO };
  }

  enter(
    id: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
  ): Ev[] {
    // the engine sees i32 / u32 arguments
    price |= 0;
    shares >>>= 0;
    tif >>>= 0;
    const out: Ev[] = [];
    // 1. bad id, 2. duplicate, 3. bad side, 4. bad price
    if (id <= 0) return [rejected(id, 0, "bad-id")];
    if (this.#known.has(id)) return [rejected(id, 0, "duplicate-token")];
    if (side !== 0 && side !== 1) return [rejected(id, 0, "bad-side")];
    if (price < 0) return [rejected(id, 0, "bad-price")];
    out.push({
      type: "accepted",
      order: id,
      side: SIDES[side],
      shares,
      price,
      timeInForce: tif,
    });
    const order: Order = {
      id,
      side,
      price,
      created: shares,
      shares: 0,
      resting: false,
    };
    this.#known.set(id, order);
    this.#place(order, shares, tif === 0, out);
    this.#publish(out);
    return out;
  }

  cancel(id: number, remaining: number, reason: CancelReason = "U"): Ev[] {
    remaining >>>= 0;
    const order = this.#known.get(id);
    // 1. unknown (including ids <= 0), 2. not resting
    if (id <= 0 || order === undefined) {
      return [rejected(id, 0, "unknown-token")];
    }
    if (!order.resting) return [rejected(id, 0, "not-resting")];
    const out: Ev[] = [];
    const cur = order.shares;
    let decrement: number;
    if (remaining >= cur) {
      decrement = 0;
    } else if (remaining === 0) {
      this.#remove(order);
      decrement = cur;
    } else {
      order.shares = remaining; // in place: keeps its queue position
      decrement = cur - remaining;
    }
    out.push({
      type: "canceled",
      order: id,
      side: SIDES[order.side],
      decrement,
      reason,
    });
    this.#publish(out);
    return out;
  }

  replace(
    oldId: number,
    newId: number,
    shares: number,
    price: number,
    tif: number,
  ): Ev[] {
    price |= 0;
    shares >>>= 0;
    tif >>>= 0;
    const old = this.#known.get(oldId);
    // 1. unknown existing, 2. bad replacement id, 3. replacement used,
    // 4. existing not resting, 5. bad price
    if (oldId <= 0 || old === undefined) {
      return [rejected(oldId, newId, "unknown-token")];
    }
    if (newId <= 0) return [rejected(newId, oldId, "bad-id")];
    if (this.#known.has(newId)) {
      return [rejected(oldId, newId, "replacement-token-used")];
    }
    if (!old.resting) return [rejected(oldId, newId, "not-resting")];
    if (price < 0) return [rejected(oldId, newId, "bad-price")];
    const out: Ev[] = [];
    const r = old.shares;
    this.#remove(old);
    const liable = r + shares - old.created;
    if (liable <= 0) {
      // fixed Q3: the old order is cancelled, the new id stays unused
      out.push({
        type: "canceled",
        order: oldId,
        side: SIDES[old.side],
        decrement: r,
        reason: "U",
      });
      this.#publish(out);
      return out;
    }
    const order: Order = {
      id: newId,
      side: old.side,
      price,
      created: shares,
      shares: 0,
      resting: false,
    };
    this.#known.set(newId, order);
    const ev: Ev = {
      type: "replaced",
      order: newId,
      previous: oldId,
      side: SIDES[old.side],
      shares: liable,
      price,
      timeInForce: tif,
      resting: false,
    };
    out.push(ev);
    ev.resting = this.#place(order, liable, tif === 0, out);
    this.#publish(out);
    return out;
  }

  /** Remaining shares of a resting order, or -1. */
  restingShares(id: number): number {
    const o = this.#known.get(id);
    return o?.resting ? o.shares : -1;
  }

  get restingOrders(): number {
    let n = 0;
    for (const side of this.#levels) {
      for (const l of side) n += l.orders.length;
    }
    return n;
  }

  snapshot(maxLevels = -1): BookSnapshot {
    const side = (levels: Level[]): LevelSnapshot[] =>
      (maxLevels < 0 ? levels : levels.slice(0, maxLevels)).map((l) => ({
        price: l.price,
        volume: l.orders.reduce((s, o) => s + o.shares, 0),
        orders: l.orders.map((o) => ({ order: o.id, shares: o.shares })),
      }));
    return {
      bids: side(this.#levels[0]),
      asks: side(this.#levels[1]),
      pegged: { bids: [], asks: [] },
    };
  }

  bbo(): Bbo {
    const volume = (l: Level | undefined) =>
      Math.min(l?.orders.reduce((s, o) => s + o.shares, 0) ?? 0, UINT32_MAX);
    const [b1, b2] = this.#levels[0];
    const [a1, a2] = this.#levels[1];
    return {
      bestBid: b1?.price ?? 0,
      bestBidVolume: volume(b1),
      bestAsk: a1?.price ?? MAX_PRICE,
      bestAskVolume: volume(a1),
      nextBid: b2?.price ?? 0,
      nextAsk: a2?.price ?? MAX_PRICE,
    };
  }

  // ------------------------------------------------------------ internals

  /** True when a resting order at `restingPrice` on `side` trades with `limit`. */
  static #crosses(side: 0 | 1, restingPrice: number, limit: number): boolean {
    return side === 0 ? restingPrice >= limit : restingPrice <= limit;
  }

  /** Matches `shares` of `order`, then rests or discards the rest. True if it rests. */
  #place(order: Order, shares: number, ioc: boolean, out: Ev[]): boolean {
    const opposite = this.#levels[order.side ^ 1];
    let left = shares;
    while (left > 0 && opposite.length > 0) {
      const level = opposite[0];
      if (
        !ReferenceBook.#crosses(
          (order.side ^ 1) as 0 | 1,
          level.price,
          order.price,
        )
      ) break;
      while (left > 0 && level.orders.length > 0) {
        const resting = level.orders[0];
        const q = Math.min(left, resting.shares);
        out.push({
          type: "executed",
          order: order.id,
          resting: resting.id,
          shares: q,
          price: level.price,
          match: this.#match++,
        });
        left -= q;
        resting.shares -= q;
        if (resting.shares === 0) {
          resting.resting = false;
          level.orders.shift();
        }
      }
      if (level.orders.length === 0) opposite.shift();
    }
    if (left === 0) return false;
    if (ioc) {
      out.push({
        type: "canceled",
        order: order.id,
        side: SIDES[order.side],
        decrement: left,
        reason: "I",
      });
      return false;
    }
    order.shares = left;
    order.resting = true;
    const levels = this.#levels[order.side];
    // first level that is worse than the order's price
    let i = 0;
    while (
      i < levels.length &&
      ReferenceBook.#crosses(order.side, levels[i].price, order.price)
    ) i++;
    if (i > 0 && levels[i - 1].price === order.price) {
      levels[i - 1].orders.push(order);
    } else {
      levels.splice(i, 0, { price: order.price, orders: [order] });
    }
    return true;
  }

  #remove(order: Order): void {
    const levels = this.#levels[order.side];
    const li = levels.findIndex((l) => l.price === order.price);
    const level = levels[li];
    level.orders.splice(level.orders.indexOf(order), 1);
    if (level.orders.length === 0) levels.splice(li, 1);
    order.shares = 0;
    order.resting = false;
  }

  #publish(out: Ev[]): void {
    const now = this.bbo();
    const last = this.#last;
    if (
      now.bestBid === last.bestBid &&
      now.bestBidVolume === last.bestBidVolume &&
      now.bestAsk === last.bestAsk &&
      now.bestAskVolume === last.bestAskVolume &&
      now.nextBid === last.nextBid && now.nextAsk === last.nextAsk
    ) return;
    this.#last = now;
    out.push({ type: "bbo", ...now });
  }
}

function rejected(order: number, other: number, reason: RejectReason): Ev {
  const ev: Ev = { type: "rejected", order, reason };
  if (other !== 0) {
    ev.other = other;
  }
  return ev;
}
