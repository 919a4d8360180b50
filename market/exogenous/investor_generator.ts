/**
 * Seeded investor schedules, the generated alternative to an uploaded
 * investor file (shared reference `leeps-hft-app.md` §2.2 and §6.5,
 * `models-and-validation.md` §1 and F1). Both flavours return the same
 * {@link InvestorArrival} records as `parseInvestorArrivals`, so the market
 * cannot tell a generated schedule from a file.
 *
 * - **BCS**: a Poisson stream of unit market orders. Buys are IOC at
 *   2147483647 and sells IOC at 0, each side with probability ½.
 * - **ELO** (`createMarketEvents.py`): count ~ Poisson(λ_I·T), times
 *   Uniform(0, T), limit prices around the fundamental value. Upstream looked
 *   V up by *row index* ≤ arrival time, which is only close to right when
 *   jumps come about once a second; here V is the value in force at the
 *   arrival time.
 *
 * Times are floored to the ms, which keeps every arrival in [0, T); rounding
 * would put arrivals from the last half-ms on T itself, after the round.
 */

import { MAX_ASK, MIN_BID, priceGrid, TICKS_PER_ECU } from "../price_grid.ts";
import { chance, type Rng } from "../seeded_rng.ts";
import { exponential, normal, poisson } from "../random_draws.ts";
import { byTime } from "./csv_table.ts";
import { type InvestorArrival, MAX_TIME_IN_FORCE } from "./investor_arrivals.ts";
import { valueInForceAt, type ValueJump } from "./value_jumps.ts";

interface CommonOptions {
  rng: Rng;
  /** λ_I: arrivals per second. 0 gives an empty schedule. */
  ratePerSecond: number;
  /** Round length T in ms; every arrival falls in [0, T). */
  durationMs: number;
  /** Market index written on every arrival; default 0 (all markets, one shared schedule). */
  market?: number;
}

export interface BcsInvestorOptions extends CommonOptions {
  model: "bcs";
}

/** A fixed TIF in whole seconds, or Exponential with this rate (per second). */
export type TimeInForceRule = number | { ratePerSecond: number };

export interface EloInvestorOptions extends CommonOptions {
  model: "elo";
  /** V before the first jump, 10⁻⁴ ECU. */
  startValue: number;
  /** The value path; V at an arrival is the last jump at or before it. */
  jumps: readonly ValueJump[];
  /**
   * μ_I and σ_I of the price offset from V, in **10⁻⁴ ECU** like every other
   * price here (`run_erics_script.py`'s μ_I = 0.5, σ_I = 1.0 ECU are 5,000
   * and 10,000). A sell is placed at V + offset, a buy at V − offset.
   */
  offsetMean: number;
  offsetSd: number;
  /**
   * Exponential draws are truncated to whole seconds, as a file holding them
   * would be on loading, so a draw under 1 s becomes 0: an IOC order.
   */
  timeInForce: TimeInForceRule;
  /** Price grid step; default 10,000 (whole ECU), as upstream. */
  grid?: number;
}

/** Either flavour, chosen by `model`. */
export function generateInvestorArrivals(
  opts: BcsInvestorOptions | EloInvestorOptions,
): InvestorArrival[] {
  return opts.model === "bcs"
    ? generateBcsInvestorArrivals(opts)
    : generateEloInvestorArrivals(opts);
}

/**
 * BCS investors: exponential gaps at λ_I (so the count in [0, T) is
 * Poisson(λ_I·T)); per arrival one draw for the side. TIF 0.
 */
export function generateBcsInvestorArrivals(
  opts: Omit<BcsInvestorOptions, "model">,
): InvestorArrival[] {
  const { rng, ratePerSecond, durationMs } = opts;
  const market = checkCommon(opts);
  const out: InvestorArrival[] = [];
  if (ratePerSecond === 0) return out;
  const ratePerMs = ratePerSecond / 1000;
  let t = 0;
  for (;;) {
    t += exponential(rng, ratePerMs);
    if (t >= durationMs) return out;
    const sell = chance(rng, 0.5);
    out.push({
      atMs: Math.floor(t),
      market,
      price: sell ? MIN_BID : MAX_ASK,
      side: sell ? "S" : "B",
      timeInForce: 0,
    });
  }
}

/**
 * ELO investors, `createMarketEvents.py` with the V lookup fixed. Draw order:
 * the count, then every arrival time, then per arrival in time order the
 * side, the offset and (if random) the TIF.
 */
export function generateEloInvestorArrivals(
  opts: Omit<EloInvestorOptions, "model">,
): InvestorArrival[] {
  const { rng, ratePerSecond, durationMs, startValue, offsetMean, offsetSd, timeInForce } = opts;
  const market = checkCommon(opts);
  if (!Number.isSafeInteger(startValue) || startValue < 0 || startValue > MAX_ASK) {
    throw new RangeError(`startValue must be an integer in 0..${MAX_ASK}, got ${startValue}`);
  }
  if (!Number.isFinite(offsetMean)) throw new RangeError(`offsetMean must be finite`);
  if (!Number.isFinite(offsetSd) || offsetSd < 0) {
    throw new RangeError(`offsetSd must be a finite number >= 0, got ${offsetSd}`);
  }
  const grid = opts.grid ?? TICKS_PER_ECU;
  if (!Number.isSafeInteger(grid) || grid <= 0) {
    throw new RangeError(`grid must be a positive integer, got ${grid}`);
  }
  const drawTif = tifRule(timeInForce);
  const sorted = opts.jumps.every((j, i, a) => i === 0 || a[i - 1].atMs <= j.atMs);
  const jumps = sorted ? opts.jumps : byTime([...opts.jumps]);

  const count = poisson(rng, ratePerSecond * durationMs / 1000);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(rng() * durationMs);
  times.sort((a, b) => a - b);
  return times.map((t): InvestorArrival => {
    const atMs = Math.floor(t);
    const sell = chance(rng, 0.5);
    const offset = normal(rng, offsetMean, offsetSd);
    const v = valueInForceAt(jumps, startValue, atMs);
    return {
      atMs,
      market,
      price: priceGrid(v + offset * (sell ? 1 : -1), grid),
      side: sell ? "S" : "B",
      timeInForce: drawTif(rng),
    };
  });
}

function checkCommon(opts: Omit<CommonOptions, "rng">): number {
  const { ratePerSecond, durationMs, market = 0 } = opts;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond < 0) {
    throw new RangeError(`ratePerSecond must be a finite number >= 0, got ${ratePerSecond}`);
  }
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
    throw new RangeError(`durationMs must be a non-negative integer, got ${durationMs}`);
  }
  if (!Number.isSafeInteger(market) || market < 0) {
    throw new RangeError(`market must be a non-negative integer, got ${market}`);
  }
  return market;
}

function tifRule(rule: TimeInForceRule): (rng: Rng) => number {
  if (typeof rule === "number") {
    if (!Number.isSafeInteger(rule) || rule < 0 || rule > MAX_TIME_IN_FORCE) {
      throw new RangeError(
        `timeInForce must be an integer in 0..${MAX_TIME_IN_FORCE}, got ${rule}`,
      );
    }
    return () => rule;
  }
  const rate = rule.ratePerSecond;
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(`timeInForce.ratePerSecond must be a finite number > 0, got ${rate}`);
  }
  return (rng) => Math.min(Math.trunc(exponential(rng, rate)), MAX_TIME_IN_FORCE);
}
