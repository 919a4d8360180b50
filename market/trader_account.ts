/**
 * One trader's account for one round: cash and inventory from fills, speed
 * billing, live values, and the end-of-round settlement (shared reference
 * `leeps-hft-app.md` §7, §8.1–8.2; BCS profit and period payoff §2.2;
 * accounting invariants F10 in `models-and-validation.md`).
 *
 * Money is integer 1/10,000 ECU throughout; the only float input is the
 * deduction rate, and its product is rounded once, half-to-even. Times are
 * integer milliseconds from market start, so that speed time sums exactly.
 * Two upstream defects are fixed here:
 *
 * - speed is billed only while the market is trading (upstream started the
 *   meter at the wait page when the initial choice had speed on);
 * - the payoff subtracts every speed charge of the round (upstream subtracted
 *   only the last invoice, so the results page could disagree with the pay).
 *
 * Pure and deterministic: the caller passes every time.
 */

import { MAX_ASK, MIN_BID, roundHalfEven } from "./price_grid.ts";

export type FillSide = "B" | "S";

export type MarketPhase = "before-open" | "trading" | "closed";

export interface TraderAccountOptions {
  /** Initial endowment, 1/10,000 ECU. */
  initialCash: number;
  /** Speed price, 1/10,000 ECU per second (0.01 ECU/s → 100). */
  speedUnitCost: number;
}

export interface SettleOptions {
  /** The market's reference price at market end, 1/10,000 ECU. */
  referencePrice: number;
  /** `parameters.deduction-rate`, e.g. 0.1. */
  deductionRate: number;
  /** When the round is settled (speed still on is billed up to here). */
  atMs: number;
}

/** End of round (§8.2). Every amount is an integer in 1/10,000 ECU. */
export interface RoundResult {
  readonly initialCash: number;
  readonly cash: number;
  readonly inventory: number;
  readonly bought: number;
  readonly sold: number;
  readonly sumBidPrice: number;
  readonly sumAskPrice: number;
  /** sumBidPrice / bought, unrounded; absent when nothing was bought. */
  readonly averageBuy?: number;
  /** sumAskPrice / sold, unrounded; absent when nothing was sold. */
  readonly averageSale?: number;
  readonly referencePrice: number;
  readonly deductionRate: number;
  /** referencePrice × inventory. */
  readonly inventoryValue: number;
  /** roundHalfEven(|deductionRate × inventoryValue|). */
  readonly deduction: number;
  readonly speedUnitCost: number;
  /** Integer milliseconds with speed on while trading. */
  readonly speedMs: number;
  readonly speedSeconds: number;
  /** roundHalfEven(speedSeconds × speedUnitCost), the whole round's speed charge. */
  readonly speedCost: number;
  /** cash + inventoryValue − speedCost. */
  readonly payoffBeforeDeduction: number;
  /** initialCash + sumAskPrice − sumBidPrice + inventoryValue − deduction − speedCost. */
  readonly payoff: number;
  /** Σ profit against the fundamental value over fills that carried one (BCS). */
  readonly profitAgainstValue: number;
}

/** BCS period result (§2.2): endowment + Σ profits against V − speed cost. */
export interface ValueResult {
  readonly endowment: number;
  readonly bought: number;
  readonly sold: number;
  readonly inventory: number;
  readonly profitAgainstValue: number;
  readonly speedMs: number;
  readonly speedSeconds: number;
  readonly speedCost: number;
  readonly payoff: number;
}

/** The results page's rows (§8.2), each computed by the page's own equation. */
export interface ResultsPage {
  readonly cash: number;
  readonly inventoryValue: number;
  readonly speedCost: number;
  readonly payoffBeforeDeduction: number;
  readonly deduction: number;
  readonly payoff: number;
}

/**
 * roundHalfEven(ms / 1000 × unitCost) computed exactly in integers. The float
 * product is not good enough: 4.1 s × 15 is 61.5, a tie that goes to 62, but
 * 4.1 × 15 in float64 is 61.49999999999999 and rounds to 61.
 */
export function speedCharge(ms: number, unitCost: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0 || !Number.isSafeInteger(unitCost) || unitCost < 0) {
    throw new RangeError(
      `speedCharge: ms and unitCost must be non-negative integers, got ${ms}, ${unitCost}`,
    );
  }
  const n = BigInt(ms) * BigInt(unitCost);
  const q = n / 1000n;
  const r = n % 1000n;
  return Number(r > 500n || (r === 500n && q % 2n === 1n) ? q + 1n : q);
}

/** The §8.2 deduction: one float product, rounded half-to-even. */
function deductionOf(rate: number, inventoryValue: number): number {
  return roundHalfEven(Math.abs(inventoryValue) * rate);
}

/**
 * The results page's equations, evaluated from a {@link RoundResult}'s
 * displayed quantities (averages, seconds, prices), not from its totals, so
 * that a test can show they agree with the settled payoff. Products of an
 * average and a count are rounded to whole 1/10,000 ECU: that recovers the
 * exact sum, since (s / n) × n is within a few ulps of s.
 */
export function resultsPage(result: RoundResult): ResultsPage {
  const sales = result.averageSale === undefined
    ? 0
    : roundHalfEven(result.sold * result.averageSale);
  const buys = result.averageBuy === undefined
    ? 0
    : roundHalfEven(result.bought * result.averageBuy);
  const cash = result.initialCash + sales - buys;
  const inventoryValue = (result.bought - result.sold) * result.referencePrice + 0; // no −0
  const speedCost = speedCharge(Math.round(result.speedSeconds * 1000), result.speedUnitCost);
  const payoffBeforeDeduction = cash + inventoryValue - speedCost;
  const deduction = deductionOf(result.deductionRate, inventoryValue);
  return Object.freeze({
    cash,
    inventoryValue,
    speedCost,
    payoffBeforeDeduction,
    deduction,
    payoff: payoffBeforeDeduction - deduction,
  });
}

function fail(method: string, message: string): never {
  throw new RangeError(`TraderAccount.${method}: ${message}`);
}

function checkInteger(method: string, name: string, x: unknown, min = -Infinity): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) {
    fail(method, `${name} must be an integer${min === 0 ? " ≥ 0" : ""}, got ${String(x)}`);
  }
  return x;
}

function checkResult(method: string, name: string, x: number): number {
  if (!Number.isSafeInteger(x)) fail(method, `${name} overflowed the safe integer range`);
  return x;
}

export class TraderAccount {
  readonly initialCash: number;
  readonly speedUnitCost: number;

  #cash: number;
  #inventory = 0;
  #sumBidPrice = 0;
  #sumAskPrice = 0;
  #totalBids = 0;
  #totalAsks = 0;
  #profitAgainstValue = 0;
  #fillsWithoutValue = 0;

  #phase: MarketPhase = "before-open";
  #speedOn = false;
  /** Start of the running speed segment; set iff speed is on while trading. */
  #segmentStartMs: number | null = null;
  #speedMs = 0;
  #lastMs = 0;

  constructor(options: TraderAccountOptions) {
    this.initialCash = checkInteger("constructor", "initialCash", options.initialCash);
    this.speedUnitCost = checkInteger("constructor", "speedUnitCost", options.speedUnitCost, 0);
    this.#cash = this.initialCash;
  }

  get cash(): number {
    return this.#cash;
  }
  get inventory(): number {
    return this.#inventory;
  }
  get sumBidPrice(): number {
    return this.#sumBidPrice;
  }
  get sumAskPrice(): number {
    return this.#sumAskPrice;
  }
  /** Shares bought. */
  get totalBids(): number {
    return this.#totalBids;
  }
  /** Shares sold. */
  get totalAsks(): number {
    return this.#totalAsks;
  }
  get profitAgainstValue(): number {
    return this.#profitAgainstValue;
  }
  get speedOn(): boolean {
    return this.#speedOn;
  }
  get phase(): MarketPhase {
    return this.#phase;
  }

  /**
   * One share executed at `price` while the market trades. `value` is the
   * fundamental value the trader knew at the execution (BCS); with it the
   * fill's profit against V (buyer V − p, seller p − V) is accumulated.
   */
  fill(side: FillSide, price: number, atMs: number, value?: number): void {
    const m = "fill";
    if (side !== "B" && side !== "S") fail(m, `side must be "B" or "S", got ${String(side)}`);
    if (
      typeof price !== "number" || !Number.isSafeInteger(price) || price < MIN_BID ||
      price > MAX_ASK
    ) {
      fail(m, `price must be an integer in [${MIN_BID}, ${MAX_ASK}], got ${String(price)}`);
    }
    if (value !== undefined) checkInteger(m, "value", value);
    this.#checkTime(m, atMs);
    if (this.#phase !== "trading") fail(m, `no fill can happen while the market is ${this.#phase}`);

    const buy = side === "B";
    const cash = checkResult(m, "cash", this.#cash + (buy ? -price : price));
    const sumBid = checkResult(m, "sumBidPrice", this.#sumBidPrice + (buy ? price : 0));
    const sumAsk = checkResult(m, "sumAskPrice", this.#sumAskPrice + (buy ? 0 : price));
    const profit = value === undefined ? this.#profitAgainstValue : checkResult(
      m,
      "profitAgainstValue",
      this.#profitAgainstValue + (buy ? value - price : price - value),
    );
    this.#lastMs = atMs;
    this.#cash = cash;
    this.#sumBidPrice = sumBid;
    this.#sumAskPrice = sumAsk;
    this.#profitAgainstValue = profit;
    if (buy) {
      this.#inventory += 1;
      this.#totalBids += 1;
    } else {
      this.#inventory -= 1;
      this.#totalAsks += 1;
    }
    if (value === undefined) this.#fillsWithoutValue += 1;
  }

  /** Speed on or off; repeating the current state is a no-op. Billed only while trading. */
  setSpeed(on: boolean, atMs: number): void {
    if (typeof on !== "boolean") fail("setSpeed", `on must be a boolean, got ${String(on)}`);
    this.#checkTime("setSpeed", atMs);
    this.#lastMs = atMs;
    if (on === this.#speedOn) return;
    this.#speedOn = on;
    if (this.#phase !== "trading") return;
    if (on) this.#segmentStartMs = atMs;
    else this.#endSegment(atMs);
  }

  marketOpen(atMs: number): void {
    this.#checkTime("marketOpen", atMs);
    if (this.#phase !== "before-open") {
      fail("marketOpen", `the market can open once, and it is already ${this.#phase}`);
    }
    this.#lastMs = atMs;
    this.#phase = "trading";
    if (this.#speedOn) this.#segmentStartMs = atMs;
  }

  marketClose(atMs: number): void {
    this.#checkTime("marketClose", atMs);
    if (this.#phase !== "trading") fail("marketClose", `the market is ${this.#phase}, not trading`);
    this.#lastMs = atMs;
    this.#endSegment(atMs);
    this.#phase = "closed";
  }

  /** Milliseconds with speed on while trading, up to `atMs`. */
  speedMs(atMs: number): number {
    this.#checkTime("speedMs", atMs);
    return this.#speedMs + (this.#segmentStartMs === null ? 0 : atMs - this.#segmentStartMs);
  }

  speedSeconds(atMs: number): number {
    return this.speedMs(atMs) / 1000;
  }

  /** roundHalfEven(speed seconds × unit cost), 1/10,000 ECU. */
  speedCost(atMs: number): number {
    return speedCharge(this.speedMs(atMs), this.speedUnitCost);
  }

  /** Live net worth (§8.1): cash + inventory × reference price. */
  netWorth(referencePrice: number): number {
    checkInteger("netWorth", "referencePrice", referencePrice, 0);
    return checkResult("netWorth", "net worth", this.#cash + this.#inventory * referencePrice);
  }

  /** Live PBD: net worth less the speed cost so far (exact, not stepped per second). */
  payoffBeforeDeduction(referencePrice: number, atMs: number): number {
    return this.netWorth(referencePrice) - this.speedCost(atMs);
  }

  /** End of round (§8.2) at `atMs`, with every speed charge of the round subtracted. */
  settle(options: SettleOptions): RoundResult {
    const m = "settle";
    const referencePrice = checkInteger(m, "referencePrice", options.referencePrice, 0);
    const rate = options.deductionRate;
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
      fail(m, `deductionRate must be a finite number ≥ 0, got ${String(rate)}`);
    }
    const speedMs = this.speedMs(options.atMs);
    const speedCost = speedCharge(speedMs, this.speedUnitCost);
    // + 0: a short position at reference price 0 would otherwise be worth −0
    const inventoryValue = checkResult(m, "inventory value", referencePrice * this.#inventory + 0);
    const deduction = checkResult(m, "deduction", deductionOf(rate, inventoryValue));
    const payoff = checkResult(
      m,
      "payoff",
      this.initialCash + this.#sumAskPrice - this.#sumBidPrice + inventoryValue - deduction -
        speedCost,
    );
    return Object.freeze({
      initialCash: this.initialCash,
      cash: this.#cash,
      inventory: this.#inventory,
      bought: this.#totalBids,
      sold: this.#totalAsks,
      sumBidPrice: this.#sumBidPrice,
      sumAskPrice: this.#sumAskPrice,
      ...(this.#totalBids > 0 ? { averageBuy: this.#sumBidPrice / this.#totalBids } : {}),
      ...(this.#totalAsks > 0 ? { averageSale: this.#sumAskPrice / this.#totalAsks } : {}),
      referencePrice,
      deductionRate: rate,
      inventoryValue,
      deduction,
      speedUnitCost: this.speedUnitCost,
      speedMs,
      speedSeconds: speedMs / 1000,
      speedCost,
      payoffBeforeDeduction: this.#cash + inventoryValue - speedCost,
      payoff,
      profitAgainstValue: this.#profitAgainstValue,
    });
  }

  /**
   * BCS period payoff (§2.2): endowment + Σ profits against V − speed cost.
   * Every fill must have carried its value, or the sum would be meaningless.
   */
  settleAgainstValue(options: { atMs: number }): ValueResult {
    if (this.#fillsWithoutValue > 0) {
      fail(
        "settleAgainstValue",
        `${this.#fillsWithoutValue} fill(s) carried no fundamental value`,
      );
    }
    const speedMs = this.speedMs(options.atMs);
    const speedCost = speedCharge(speedMs, this.speedUnitCost);
    return Object.freeze({
      endowment: this.initialCash,
      bought: this.#totalBids,
      sold: this.#totalAsks,
      inventory: this.#inventory,
      profitAgainstValue: this.#profitAgainstValue,
      speedMs,
      speedSeconds: speedMs / 1000,
      speedCost,
      payoff: checkResult(
        "settleAgainstValue",
        "payoff",
        this.initialCash + this.#profitAgainstValue - speedCost,
      ),
    });
  }

  #endSegment(atMs: number): void {
    if (this.#segmentStartMs === null) return;
    this.#speedMs += atMs - this.#segmentStartMs;
    this.#segmentStartMs = null;
  }

  #checkTime(method: string, atMs: unknown): void {
    if (typeof atMs !== "number" || !Number.isSafeInteger(atMs) || atMs < 0) {
      fail(method, `atMs must be an integer number of milliseconds ≥ 0, got ${String(atMs)}`);
    }
    if (atMs < this.#lastMs) {
      fail(method, `time went backwards (${atMs} ms after an event at ${this.#lastMs} ms)`);
    }
  }
}
