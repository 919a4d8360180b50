/**
 * Market statistics of the ELO environment: signed volume and the reference
 * price (shared reference `leeps-hft-app.md` §5, validation fact F12 in
 * `models-and-validation.md`).
 *
 * Each statistic runs in one of two modes:
 *
 * - `"required"` (default): one update per fill, keyed by match number, so the
 *   two `E` messages the exchange sends for one fill count once; the reference
 *   price is a correct exponentially weighted average of fill prices.
 * - `"upstream"`: the Leeps oTree app's per-`E`-message formulas, quirks
 *   included, for replaying or comparing against sessions run upstream.
 *
 * The caller feeds fills with {@link SignedVolume.onFill} (once per fill) or
 * raw execution messages with `onExecutionMessage` (once per `E`); either
 * feed gives the behaviour of the selected mode. Prices are integers in
 * 1/10,000 ECU, times are milliseconds from market start; decay rates are per
 * second. Pure and deterministic: no clock is read, the caller passes time.
 */

import { MAX_ASK, priceGrid } from "./price_grid.ts";

export type StatisticsMode = "required" | "upstream";

/** Exchange match numbers are uint64 on the wire (bigint in `ouch/`). */
export type MatchNumber = number | bigint;

/** One fill, or one `E` message, as the statistics need it. */
export interface ExecutionInput {
  /** The fill's match number, shared by both of its `E` messages. */
  match: MatchNumber;
  /** Execution price, 1/10,000 ECU. */
  price: number;
  /** Milliseconds from market start. */
  atMs: number;
  /** Best bid before the fill (the exchange sends `Q` after the `E`s); 0 = none. */
  bestBid: number;
  /** Best offer before the fill; 2147483647 = none. */
  bestOffer: number;
}

/** The reference price ignores the book, so it needs only these fields. */
export type ReferenceFill = Pick<ExecutionInput, "match" | "price" | "atMs">;

/**
 * Python's `round(x, digits)` on a float64: the decimal nearest to the exact
 * binary value of `x`, ties to even, read back as the nearest float64.
 *
 * `Number.prototype.toFixed` is specified on the exact value too, so it agrees
 * with Python everywhere except at exact ties, which it sends away from zero.
 * A float64 is an exact tie at `digits` places only if `x · 2^(digits+1)` is an
 * odd integer (the factor 5^digits of 10^digits cannot divide a power of two),
 * so ties are detected exactly and settled in BigInt. The only deliberate
 * difference: −0 comes back as 0, because Python's sign of zero is invisible in
 * its arithmetic but `Object.is` and strict asserts would see it here.
 */
export function pythonRound(x: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new RangeError(`pythonRound: digits must be an integer in [0, 20], got ${digits}`);
  }
  if (!Number.isFinite(x)) return x;
  const t = x * 2 ** (digits + 1); // exact: scaling by a power of two
  if (Number.isInteger(t) && t % 2 !== 0) return roundTieToEven(t, digits) + 0;
  return Number(x.toFixed(digits)) + 0;
}

/** `t / 2^(digits+1)` is an exact tie at `digits` places; picks the even neighbour. */
function roundTieToEven(t: number, digits: number): number {
  // x · 10^digits = t · 5^digits / 2, whose two integer neighbours are (m ± 1) / 2
  const m = BigInt(t) * 5n ** BigInt(digits);
  const lo = (m - 1n) / 2n;
  const n = lo % 2n === 0n ? lo : lo + 1n;
  const negative = n < 0n;
  const s = (negative ? -n : n).toString().padStart(digits + 1, "0");
  const point = s.length - digits;
  // parsing the decimal string rounds once, as Python's float(repr) does
  return Number(`${negative ? "-" : ""}${s.slice(0, point)}.${s.slice(point) || "0"}`);
}

function checkMode(where: string, mode: unknown): StatisticsMode {
  if (mode !== "required" && mode !== "upstream") {
    throw new RangeError(`${where}: mode must be "required" or "upstream", got ${String(mode)}`);
  }
  return mode;
}

function checkRate(where: string, name: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) {
    throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${String(x)}`);
  }
  return x;
}

function checkPrice(where: string, name: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > MAX_ASK) {
    throw new RangeError(
      `${where}: ${name} must be an integer in [0, ${MAX_ASK}] (1/10,000 ECU), got ${String(x)}`,
    );
  }
  return x;
}

function matchKey(where: string, match: unknown): bigint {
  if (typeof match === "bigint" && match >= 0n) return match;
  if (typeof match === "number" && Number.isSafeInteger(match) && match >= 0) return BigInt(match);
  throw new RangeError(`${where}: match must be a non-negative integer, got ${String(match)}`);
}

/**
 * Rejects NaN and time running backwards. Checking and committing are
 * separate so that a message with any bad field leaves no trace.
 */
class Clock {
  #lastMs = 0;
  constructor(private readonly where: string) {}

  check(atMs: unknown): number {
    if (typeof atMs !== "number" || !Number.isFinite(atMs) || atMs < 0) {
      throw new RangeError(`${this.where}: atMs must be a finite number ≥ 0, got ${String(atMs)}`);
    }
    if (atMs < this.#lastMs) {
      throw new RangeError(
        `${this.where}: time went backwards (${atMs} ms after an update at ${this.#lastMs} ms)`,
      );
    }
    return atMs;
  }

  commit(atMs: number): void {
    this.#lastMs = atMs;
  }
}

/**
 * +1 for a buyer-initiated fill (price at the pre-trade best offer), −1 for a
 * seller-initiated one (price at the best bid), 0 when it is neither. The offer
 * is tested first, as upstream does, for the degenerate locked book.
 */
export function fillDirection(price: number, bestBid: number, bestOffer: number): 1 | -1 | 0 {
  if (price === bestOffer) return 1;
  if (price === bestBid) return -1;
  return 0;
}

export interface SignedVolumeOptions {
  /** `k_signed_volume`, decay per second (0.5 in the shipped configs). */
  kSignedVolume: number;
  /** Default `"required"`. */
  mode?: StatisticsMode;
}

/**
 * Signed volume (§5.1): `sv ← round(d + sv · e^(−k·Δt), 2)` on each classified
 * update, 0 at market start; the rounded value is the state, as upstream.
 *
 * - required: d = ±1, once per fill; Δt runs from the previous classified fill.
 * - upstream: d = ±0.5 per `E` message (so ≈ ±1 per fill); Δt runs from the
 *   previous `E` of any kind, so an unclassified `E` restarts the clock without
 *   decaying and that interval's decay is lost; the first message has Δt = 0.
 */
export class SignedVolume {
  readonly mode: StatisticsMode;
  readonly kSignedVolume: number;
  #value = 0;
  /** Required: time of the previous classified fill. Upstream: of the previous `E`. */
  #lastStepMs: number | null = null;
  readonly #seen = new Set<bigint>();
  readonly #clock = new Clock("SignedVolume");

  constructor(options: SignedVolumeOptions) {
    this.mode = checkMode("SignedVolume", options.mode ?? "required");
    this.kSignedVolume = checkRate("SignedVolume", "kSignedVolume", options.kSignedVolume);
  }

  /** Current signed volume (2 dp). */
  get value(): number {
    return this.#value;
  }

  /**
   * One fill. Required: one update (a repeated match number is ignored).
   * Upstream: both of the fill's `E` messages, at the same instant.
   * Returns whether the published value changed.
   */
  onFill(fill: ExecutionInput): boolean {
    if (this.mode === "required") return this.onExecutionMessage(fill);
    const before = this.#value;
    this.onExecutionMessage(fill);
    this.onExecutionMessage(fill);
    return this.#value !== before;
  }

  /**
   * One `E` message. Required: only the first message of each match number
   * counts. Returns whether the published value changed.
   */
  onExecutionMessage(message: ExecutionInput): boolean {
    const where = "SignedVolume";
    const atMs = this.#clock.check(message.atMs);
    const key = matchKey(where, message.match);
    const price = checkPrice(where, "price", message.price);
    const d = fillDirection(
      price,
      checkPrice(where, "bestBid", message.bestBid),
      checkPrice(where, "bestOffer", message.bestOffer),
    );
    this.#clock.commit(atMs);
    const before = this.#value;
    if (this.mode === "required") {
      if (this.#seen.has(key)) return false;
      this.#seen.add(key);
      if (d === 0) return false;
      const dt = this.#lastStepMs === null ? 0 : (atMs - this.#lastStepMs) / 1000;
      this.#lastStepMs = atMs;
      this.#value = pythonRound(d + this.#value * Math.exp(-this.kSignedVolume * dt), 2);
    } else {
      // upstream steps its timer before looking at the price
      const dt = this.#lastStepMs === null ? 0 : (atMs - this.#lastStepMs) / 1000;
      this.#lastStepMs = atMs;
      if (d === 0) return false;
      // same operations, in the same order, as hft/market_facts.py
      const discount = Math.E ** (-1 * this.kSignedVolume * dt);
      this.#value = pythonRound(d * 0.5 + this.#value * discount, 2);
    }
    return this.#value !== before;
  }
}

export interface ReferencePriceOptions {
  /** `k_reference_price`; the decay per second is D = round(k × sessionDuration, 2). */
  kReferencePrice: number;
  /** Round length in seconds (`session_duration`). */
  sessionDurationSeconds: number;
  /** Default `"required"`. */
  mode?: StatisticsMode;
  /**
   * Upstream mode only: the weight sum S after the first `E` message.
   * 0 (default) follows `leeps-hft-app.md` §5.2 ("n = 1: ref = p, S stays
   * 0"). 1 follows the code of `hft/market_facts.py` (commit 39d43f1), which
   * runs the recursion on the first message too, leaving S = 1 and
   * ref = price_grid(p).
   */
  upstreamFirstWeight?: 0 | 1;
}

/**
 * Reference price (§5.2), published on the price grid, 0 before the first fill.
 *
 * - required: the exponentially weighted average of fill prices with weights
 *   e^(−D·age), kept unrounded (state R and weight sum W) so that gridding
 *   never feeds back; equal to Σ p_i·e^(−D(t−t_i)) / Σ e^(−D(t−t_i)).
 * - upstream: per `E` message, S ← 1 + S·e^(−D·Δt) and
 *   ref ← price_grid(p·(1 − 1/S) + ref·(1/S)), with the weights swapped
 *   relative to a correct average and the gridded ref fed back.
 */
export class ReferencePrice {
  readonly mode: StatisticsMode;
  /** D, decay per second. */
  readonly discountRate: number;
  readonly upstreamFirstWeight: 0 | 1;
  #published = 0;
  /** Required: R. Upstream: the (gridded after the first message) ref. */
  #state = 0;
  /** Required: W. Upstream: S. */
  #weights = 0;
  #count = 0;
  #lastMs = 0;
  readonly #seen = new Set<bigint>();
  readonly #clock = new Clock("ReferencePrice");

  constructor(options: ReferencePriceOptions) {
    const where = "ReferencePrice";
    this.mode = checkMode(where, options.mode ?? "required");
    const k = checkRate(where, "kReferencePrice", options.kReferencePrice);
    const duration = checkRate(where, "sessionDurationSeconds", options.sessionDurationSeconds);
    this.discountRate = pythonRound(k * duration, 2);
    const first = options.upstreamFirstWeight ?? 0;
    if (first !== 0 && first !== 1) {
      throw new RangeError(`${where}: upstreamFirstWeight must be 0 or 1, got ${String(first)}`);
    }
    this.upstreamFirstWeight = first;
  }

  /** Published reference price (1/10,000 ECU); 0 before the first fill. */
  get value(): number {
    return this.#published;
  }

  /** Required: the unrounded average R. Upstream: the same as {@link value}. 0 before any fill. */
  get unrounded(): number {
    return this.#state;
  }

  /**
   * One fill. Required: one update (a repeated match number is ignored).
   * Upstream: both of the fill's `E` messages, at the same instant.
   * Returns whether the published value changed.
   */
  onFill(fill: ReferenceFill): boolean {
    if (this.mode === "required") return this.onExecutionMessage(fill);
    const before = this.#published;
    this.onExecutionMessage(fill);
    this.onExecutionMessage(fill);
    return this.#published !== before;
  }

  /**
   * One `E` message. Required: only the first message of each match number
   * counts. Returns whether the published value changed.
   */
  onExecutionMessage(message: ReferenceFill): boolean {
    const where = "ReferencePrice";
    const atMs = this.#clock.check(message.atMs);
    const key = matchKey(where, message.match);
    const p = checkPrice(where, "price", message.price);
    this.#clock.commit(atMs);
    const before = this.#published;
    if (this.mode === "required") {
      if (this.#seen.has(key)) return false;
      this.#seen.add(key);
    }
    const dt = this.#count === 0 ? 0 : (atMs - this.#lastMs) / 1000;
    this.#lastMs = atMs;
    this.#count += 1;
    if (this.mode === "required") {
      if (this.#count === 1) {
        this.#weights = 1;
        this.#state = p;
      } else {
        this.#weights = 1 + this.#weights * Math.exp(-this.discountRate * dt);
        this.#state = p / this.#weights + this.#state * (1 - 1 / this.#weights);
      }
      this.#published = priceGrid(this.#state);
    } else if (this.#count === 1 && this.upstreamFirstWeight === 0) {
      this.#state = p;
      this.#published = p;
    } else {
      if (this.#count === 1) this.#state = p;
      // same operations, in the same order, as hft/market_facts.py
      const discount = Math.E ** -(dt * this.discountRate);
      this.#weights = 1 + this.#weights * discount;
      this.#state = priceGrid(p * (1 - this.#weights ** -1) + this.#state * this.#weights ** -1);
      this.#published = this.#state;
    }
    return this.#published !== before;
  }
}
