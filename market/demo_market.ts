/**
 * The landing page's demo market: a small, deterministic continuous double
 * auction driven through the real matching engine.
 *
 * A fundamental value V jumps on a tick grid around a centre; two market
 * makers keep ladders of quotes at V ± their half-spread and move them with
 * replace orders; a sniper sometimes races them to the stale quotes right
 * after a jump (the speed race frequent batch auctions and speed bumps are
 * about); random investors send immediate-or-cancel orders for one share.
 *
 * No I/O and no clock: the caller owns time and calls {@link DemoMarket.step},
 * and all randomness comes from the injected RNG, so a seed replays exactly.
 */

import { type Bbo, type BookEvent, OrderBook, type Side } from "../engine-wasm/mod.ts";
import { chance, randomInt, type Rng } from "./seeded_rng.ts";

export interface DemoMarketOptions {
  /** Where the fundamental value starts and reverts to (default 1,000,000 = 100.0000). */
  center?: number;
  /** Price grid; the value and every quote sit on it (default 10,000 = 1.0000). */
  tick?: number;
  /** The value stays within center ± this many ticks (default 8). */
  maxDeviationTicks?: number;
  /** Chance per step that the value jumps (default 0.25). */
  jumpProbability?: number;
  /** Chance that a sniper reaches stale quotes before the makers move (default 0.4). */
  sniperProbability?: number;
  /** Investors arriving per step: uniform in 0..this (default 3). */
  maxInvestorsPerStep?: number;
  /**
   * Tokens to issue before starting a new trading day. The engine remembers
   * every token of the day, so a demo that runs for weeks must reset now and
   * then to keep memory bounded (default 200,000).
   */
  tokensPerSession?: number;
}

export interface DemoTrade {
  price: number;
  shares: number;
  /** The step in which the trade happened. */
  t: number;
  /** Side of the incoming (aggressing) order. */
  side: Side;
}

export interface DemoStepResult {
  /** Number of this step, from 1. */
  step: number;
  value: number;
  /** Change of the value in this step, in ticks. */
  jump: number;
  trades: DemoTrade[];
  bbo: Bbo;
  /** Whether the book was reset (new trading day) at the start of this step. */
  newSession: boolean;
}

export interface DepthLevel {
  price: number;
  volume: number;
}

export interface Depth {
  /** Best (highest) first. */
  bids: DepthLevel[];
  /** Best (lowest) first. */
  asks: DepthLevel[];
}

interface MakerProfile {
  name: string;
  halfSpreadTicks: number;
  /** Size of each ladder layer, best first; layer k sits k ticks further out. */
  layerShares: readonly number[];
}

// A is the tight, thin maker; B sits behind it and gives the book depth
// (together they fill eight levels a side).
const MAKERS: readonly MakerProfile[] = [
  { name: "A", halfSpreadTicks: 1, layerShares: [3, 5, 6, 8, 10] },
  { name: "B", halfSpreadTicks: 2, layerShares: [4, 5, 7, 9, 10, 12, 14] },
];
const MAX_OFFSET_TICKS = Math.max(
  ...MAKERS.map((m) => m.halfSpreadTicks + m.layerShares.length - 1),
);

/** Resting quotes never expire on their own: the makers manage them. */
const TIF_DAY = 99998;
const TIF_IOC = 0;

/** One quote a maker keeps in the book, followed across its replace chain. */
interface QuoteSlot {
  maker: string;
  side: Side;
  offsetTicks: number;
  baseShares: number;
  /** Size the maker currently wants resting; re-drawn whenever the quote moves. */
  shares: number;
  token: string | null;
  price: number;
  /**
   * Shares executed since the chain's original enter. A replace's size is a
   * total from which the engine deducts these, so refilling to `shares`
   * means asking for `shares + executed`.
   */
  executed: number;
}

export class DemoMarket {
  readonly book: OrderBook;
  readonly center: number;
  readonly tick: number;
  readonly #rng: Rng;
  readonly #maxDeviation: number;
  readonly #jumpProbability: number;
  readonly #sniperProbability: number;
  readonly #maxInvestors: number;
  readonly #tokensPerSession: number;
  readonly #slots: QuoteSlot[] = [];
  readonly #slotByToken = new Map<string, QuoteSlot>();
  #valueTicks = 0;
  #step = 0;
  #tokens = 0;
  #trades: DemoTrade[] = [];

  private constructor(book: OrderBook, rng: Rng, o: DemoMarketOptions) {
    this.book = book;
    this.#rng = rng;
    this.center = o.center ?? 1_000_000;
    this.tick = o.tick ?? 10_000;
    this.#maxDeviation = o.maxDeviationTicks ?? 8;
    this.#jumpProbability = o.jumpProbability ?? 0.25;
    this.#sniperProbability = o.sniperProbability ?? 0.4;
    this.#maxInvestors = o.maxInvestorsPerStep ?? 3;
    this.#tokensPerSession = o.tokensPerSession ?? 200_000;
    if (!Number.isInteger(this.center) || !Number.isInteger(this.tick)) {
      throw new RangeError("center and tick must be integers");
    }
    const lowest = this.center -
      this.tick * (this.#maxDeviation + MAX_OFFSET_TICKS);
    if (this.tick <= 0 || lowest <= 0) {
      throw new RangeError("every quote price must stay positive");
    }
    for (const m of MAKERS) {
      for (const side of ["B", "S"] as const) {
        m.layerShares.forEach((shares, layer) =>
          this.#slots.push({
            maker: m.name,
            side,
            offsetTicks: m.halfSpreadTicks + layer,
            baseShares: shares,
            shares,
            token: null,
            price: 0,
            executed: 0,
          })
        );
      }
    }
    this.#requote(0);
  }

  static async create(
    rng: Rng,
    options: DemoMarketOptions = {},
  ): Promise<DemoMarket> {
    return new DemoMarket(await OrderBook.create(), rng, options);
  }

  /** The fundamental value, in price units. */
  get value(): number {
    return this.center + this.#valueTicks * this.tick;
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.#step;
  }

  /** Advances the market by one step of order flow. */
  step(): DemoStepResult {
    this.#step++;
    this.#trades = [];
    const newSession = this.#tokens >= this.#tokensPerSession;
    if (newSession) this.#newSession();

    const jump = this.#jump();
    if (jump !== 0 && chance(this.#rng, this.#sniperProbability)) {
      this.#snipe(jump);
    }
    this.#requote(jump);
    this.#investors();

    return {
      step: this.#step,
      value: this.value,
      jump,
      trades: this.#trades,
      bbo: this.book.bbo(),
      newSession,
    };
  }

  /** Aggregated top of book, up to `levels` price levels per side. */
  depth(levels: number): Depth {
    const s = this.book.snapshot(levels);
    const strip = (l: { price: number; volume: number }) => ({
      price: l.price,
      volume: l.volume,
    });
    return { bids: s.bids.map(strip), asks: s.asks.map(strip) };
  }

  #jump(): number {
    if (!chance(this.#rng, this.#jumpProbability)) return 0;
    const size = chance(this.#rng, 0.8) ? 1 : 2;
    // Lean back toward the centre so the demo does not wander off screen.
    const pUp = 0.5 - 0.35 * (this.#valueTicks / this.#maxDeviation);
    const wanted = chance(this.#rng, pUp) ? size : -size;
    const next = Math.max(
      -this.#maxDeviation,
      Math.min(this.#maxDeviation, this.#valueTicks + wanted),
    );
    const jump = next - this.#valueTicks;
    this.#valueTicks = next;
    return jump;
  }

  /** Buys asks now below the value (or sells bids above it) before the makers move. */
  #snipe(jump: number): void {
    const side: Side = jump > 0 ? "B" : "S";
    const bbo = this.book.bbo();
    const price = jump > 0 ? this.value - this.tick : this.value + this.tick;
    const stale = jump > 0 ? bbo.bestAsk <= price : bbo.bestBid >= price;
    if (!stale) return;
    this.#send(side, randomInt(this.#rng, 2, 6), price, "S");
  }

  #investors(): void {
    const n = randomInt(this.#rng, 0, this.#maxInvestors);
    for (let i = 0; i < n; i++) {
      const side: Side = chance(this.#rng, 0.5) ? "B" : "S";
      // Willing to pay up to a few ticks through the value; some miss and cancel.
      const reach = randomInt(this.#rng, 0, 3) * this.tick;
      const price = side === "B" ? this.value + reach : this.value - reach;
      this.#send(side, 1, price, "I");
    }
  }

  /**
   * Moves every quote to its place around the current value. Quotes on the
   * side the value moved toward go first, so a maker's new bid never meets
   * its own or its rival's not-yet-moved ask.
   */
  #requote(jump: number): void {
    const first: Side = jump > 0 ? "S" : "B";
    for (const pass of [first, first === "B" ? "S" : "B"] as const) {
      for (const slot of this.#slots) {
        if (slot.side === pass) this.#refresh(slot);
      }
    }
  }

  #refresh(slot: QuoteSlot): void {
    const offset = slot.offsetTicks * this.tick;
    const price = slot.side === "B" ? this.value - offset : this.value + offset;
    const resting = slot.token === null ? -1 : this.book.restingShares(slot.token);
    if (resting === slot.shares && price === slot.price) return;
    if (price !== slot.price) {
      // Varying sizes keep the ladder from looking like a fixed pattern.
      const wiggle = Math.floor(slot.baseShares / 3);
      slot.shares = slot.baseShares + randomInt(this.#rng, -wiggle, wiggle);
    }

    const token = this.#nextToken(slot.maker);
    if (resting <= 0 || slot.token === null) {
      if (slot.token !== null) this.#slotByToken.delete(slot.token);
      slot.executed = 0;
      this.#apply(
        this.book.enter({
          token,
          side: slot.side,
          shares: slot.shares,
          price,
          timeInForce: TIF_DAY,
        }),
        slot.side,
      );
    } else {
      this.#slotByToken.delete(slot.token);
      this.#apply(
        this.book.replace({
          existing: slot.token,
          replacement: token,
          shares: slot.shares + slot.executed,
          price,
          timeInForce: TIF_DAY,
        }),
        slot.side,
      );
    }
    slot.token = token;
    slot.price = price;
    this.#slotByToken.set(token, slot);
  }

  #send(side: Side, shares: number, price: number, who: string): void {
    this.#apply(
      this.book.enter({
        token: this.#nextToken(who),
        side,
        shares,
        price,
        timeInForce: TIF_IOC,
      }),
      side,
    );
  }

  /** Records fills; `side` is the side of the order that was just sent. */
  #apply(events: BookEvent[], side: Side): void {
    for (const e of events) {
      if (e.type !== "executed") continue;
      const slot = this.#slotByToken.get(e.resting);
      if (slot) slot.executed += e.shares;
      this.#trades.push({
        price: e.price,
        shares: e.shares,
        t: this.#step,
        side,
      });
    }
  }

  #nextToken(who: string): string {
    this.#tokens++;
    return who + this.#tokens.toString(36);
  }

  #newSession(): void {
    this.book.reset();
    this.#slotByToken.clear();
    this.#tokens = 0;
    for (const slot of this.#slots) {
      slot.token = null;
      slot.price = 0;
      slot.executed = 0;
    }
  }
}
