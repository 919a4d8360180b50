/**
 * OrderBook: the engine addressed by order tokens (OUCH tokens are 14 bytes).
 *
 * Tokens are interned to dense integer ids for the engine; decoded events
 * name orders by token again. Inputs are validated here, once, so a bad
 * number never reaches the engine: integers only, shares and TIF in uint32,
 * prices in 0..2147483647.
 */

import {
  BookCore,
  type BookCoreOptions,
  type BookSnapshot,
  SIDE_BUY,
  SIDE_SELL,
} from "./book_core.ts";
import {
  type Bbo,
  type CancelReason,
  type EngineEvent,
  type MarketFormat,
  MAX_PRICE,
  type Side,
} from "./events.ts";
import { engineModule } from "./engine_module.ts";

export type BookEvent = EngineEvent<string>;

export interface EnterOrder {
  token: string;
  side: Side;
  shares: number;
  price: number;
  /** Seconds: 0 = immediate-or-cancel, 1..99997 expires (host timer), >= 99998 never. */
  timeInForce: number;
  /** IEX midpoint peg, with `price` as its limit (ignored by CDA and FBA). */
  peg?: boolean;
}

export interface ReplaceOrder {
  existing: string;
  replacement: string;
  /** New total size: shares executed since the creating message are deducted. */
  shares: number;
  price: number;
  timeInForce: number;
}

/** Raised for arguments no engine call could accept (not for book-level rejections). */
export class OrderInputError extends TypeError {
  override name = "OrderInputError";
}

const UINT32_MAX = 0xffffffff;

function uint(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new OrderInputError(
      `${name} must be an integer in 0..${max}, got ${v}`,
    );
  }
  return v;
}

export class OrderBook {
  readonly core: BookCore;
  #ids = new Map<string, number>();
  #tokens: string[] = [""];

  constructor(core: BookCore) {
    this.core = core;
  }

  static async create(options: BookCoreOptions = {}): Promise<OrderBook> {
    return new OrderBook(BookCore.fromModule(await engineModule(), options));
  }

  #intern(token: string): number {
    let id = this.#ids.get(token);
    if (id === undefined) {
      id = this.#tokens.length;
      this.#tokens.push(token);
      this.#ids.set(token, id);
    }
    return id;
  }

  /** The id of a token, or 0 if it was never seen this trading day. */
  idOf(token: string): number {
    return this.#ids.get(token) ?? 0;
  }

  tokenOf(id: number): string {
    return this.#tokens[id];
  }

  enter(o: EnterOrder): BookEvent[] {
    const side = o.side === "B" ? SIDE_BUY : o.side === "S" ? SIDE_SELL : -1;
    if (side < 0) {
      throw new OrderInputError(
        `side must be "B" or "S", got ${JSON.stringify(o.side)}`,
      );
    }
    const price = uint("price", o.price, MAX_PRICE);
    const shares = uint("shares", o.shares, UINT32_MAX);
    const tif = uint("timeInForce", o.timeInForce, UINT32_MAX);
    return this.#read(
      this.core.enter(this.#intern(o.token), side, price, shares, tif, o.peg === true),
    );
  }

  /** Reduces the order to `remaining` shares; 0 cancels it. */
  cancel(
    token: string,
    remaining = 0,
    reason: CancelReason = "U",
  ): BookEvent[] {
    uint("remaining", remaining, UINT32_MAX);
    const id = this.#ids.get(token);
    if (id === undefined) {
      return [{ type: "rejected", order: token, reason: "unknown-token" }];
    }
    return this.#read(this.core.cancel(id, remaining, reason));
  }

  replace(r: ReplaceOrder): BookEvent[] {
    const price = uint("price", r.price, MAX_PRICE);
    const shares = uint("shares", r.shares, UINT32_MAX);
    const tif = uint("timeInForce", r.timeInForce, UINT32_MAX);
    const old = this.#ids.get(r.existing);
    if (old === undefined) {
      return [{
        type: "rejected",
        order: r.existing,
        other: r.replacement,
        reason: "unknown-token",
      }];
    }
    return this.#read(
      this.core.replace(old, this.#intern(r.replacement), shares, price, tif),
    );
  }

  /** FBA: runs one batch (see {@link BookCore.batch}). */
  batch(): BookEvent[] {
    return this.#read(this.core.batch());
  }

  /** IEX: a new external best bid and offer (see {@link BookCore.external}). */
  external(bid: number, ask: number): BookEvent[] {
    return this.#read(
      this.core.external(uint("bid", bid, UINT32_MAX), uint("ask", ask, UINT32_MAX)),
    );
  }

  /** Switches the market format (see {@link BookCore.setFormat}): empty book only. */
  setFormat(format: MarketFormat): void {
    this.core.setFormat(format);
  }

  get format(): MarketFormat {
    return this.core.format;
  }

  /** Seeds the FBA random order (not touched by {@link reset}). */
  seed(s: number): void {
    this.core.seed(s);
  }

  /** The IEX peg, 0 = none. */
  get pegPrice(): number {
    return this.core.pegPrice;
  }

  /** Resting pegged asks minus resting pegged bids (orders). */
  get pegState(): number {
    return this.core.pegState;
  }

  /** Starts a new trading day: empty book, every token forgotten. */
  reset(): void {
    this.core.reset();
    this.#ids.clear();
    this.#tokens = [""];
  }

  /** Remaining shares of a resting order, or -1 if it is not in the book. */
  restingShares(token: string): number {
    const id = this.#ids.get(token);
    return id === undefined ? -1 : this.core.restingShares(id);
  }

  bbo(): Bbo {
    return this.core.bbo();
  }

  snapshot(maxLevels = -1): BookSnapshot<string> {
    const s = this.core.snapshot(maxLevels);
    const named = (levels: typeof s.bids) =>
      levels.map((l) => ({
        price: l.price,
        volume: l.volume,
        orders: l.orders.map((o) => ({
          order: this.#tokens[o.order],
          shares: o.shares,
        })),
      }));
    const pegged = (orders: typeof s.pegged.bids) =>
      orders.map((o) => ({ order: this.#tokens[o.order], shares: o.shares, limit: o.limit }));
    return {
      bids: named(s.bids),
      asks: named(s.asks),
      pegged: { bids: pegged(s.pegged.bids), asks: pegged(s.pegged.asks) },
    };
  }

  #read(n: number): BookEvent[] {
    const t = this.#tokens;
    return this.core.readEvents(n).map((e): BookEvent => {
      switch (e.type) {
        case "executed":
          return { ...e, order: t[e.order], resting: t[e.resting] };
        case "replaced":
          return { ...e, order: t[e.order], previous: t[e.previous] };
        case "rejected": {
          const r: BookEvent = {
            type: "rejected",
            order: t[e.order] ?? String(e.order),
            reason: e.reason,
          };
          if (e.other !== undefined) r.other = t[e.other];
          return r;
        }
        case "bbo":
        case "batch":
        case "peg":
          return e;
        default:
          return { ...e, order: t[e.order] };
      }
    });
  }
}
