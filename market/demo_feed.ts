/**
 * What the demo book WebSocket sends: the demo market turned into
 * self-contained snapshots, so a client that (re)connects needs nothing but
 * the latest message.
 */

import type { DemoMarket, DemoTrade, DepthLevel } from "./demo_market.ts";

/** One message on `/ws/demo-book`. Prices are integers in 1/10,000 currency units. */
export interface DemoBookMessage {
  /** The market step this snapshot follows; increases by one per step. */
  seq: number;
  /** Best (highest) first, at most {@link DEMO_LEVELS}. */
  bids: DepthLevel[];
  /** Best (lowest) first, at most {@link DEMO_LEVELS}. */
  asks: DepthLevel[];
  /** The most recent trades, newest first, at most {@link DEMO_TRADES}. */
  trades: DemoTrade[];
  /** The fundamental value the makers quote around. */
  value: number;
}

export const DEMO_LEVELS = 8;
export const DEMO_TRADES = 12;

export class DemoFeed {
  readonly market: DemoMarket;
  #recent: DemoTrade[] = [];
  #current: DemoBookMessage;

  constructor(market: DemoMarket) {
    this.market = market;
    this.#current = this.#snapshot();
  }

  /** The latest snapshot (what a newly connected client is sent). */
  get current(): DemoBookMessage {
    return this.#current;
  }

  /** Steps the market once and returns the new snapshot. */
  advance(): DemoBookMessage {
    const r = this.market.step();
    if (r.newSession) this.#recent = [];
    if (r.trades.length > 0) {
      this.#recent = [...r.trades].reverse().concat(this.#recent)
        .slice(0, DEMO_TRADES);
    }
    this.#current = this.#snapshot();
    return this.#current;
  }

  #snapshot(): DemoBookMessage {
    const { bids, asks } = this.market.depth(DEMO_LEVELS);
    return {
      seq: this.market.stepCount,
      bids,
      asks,
      trades: this.#recent,
      value: this.market.value,
    };
  }
}
