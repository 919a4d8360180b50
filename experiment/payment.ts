/**
 * The final payment (leeps-hft-app.md §8.3, "Required payment rule"): pure,
 * integer arithmetic, computed once when the last round is settled and
 * stored with its inputs, never recomputed on a page refresh.
 */

import type { PaymentConfig } from "../market/session_config.ts";

/** Why a participant is or is not paid for trading. */
export type Eligibility = "eligible" | "not_consented" | "overbooked" | "underbooked";

export interface RoundPayoff {
  round: number;
  trial: boolean;
  /** The round's payoff including the endowment, 1/10,000 ECU. */
  payoff: number;
  /** A bot played this seat for some of the round (the participant had dropped out). */
  played_by_bot: boolean;
}

export interface PaymentInput {
  participant: number;
  label: string;
  eligibility: Eligibility;
  rounds: RoundPayoff[];
}

export interface Payment {
  participant: number;
  label: string;
  eligibility: Eligibility;
  currency: string;
  rule: "sum" | "random";
  /** The drawn round when rule is "random" (null: no paid round exists). */
  paid_round: number | null;
  /** Every round with whether it counts (not a trial, the drawn one, not played by a bot). */
  rounds: (RoundPayoff & { counted: boolean })[];
  /** E: the counted payoffs, 1/10,000 ECU. */
  ecu: number;
  exchange_rate: number;
  /** max(0, E × rate) before the cap, 1/10,000 currency, rounded to cents (half to even). */
  earnings_before_cap: number;
  /** min(earnings_before_cap, max_payment). */
  earnings: number;
  negative: boolean;
  capped: boolean;
  participation_fee: number;
  max_payment: number;
  /** participation_fee + earnings, 1/10,000 currency (a whole number of cents). */
  payment: number;
}

/** Everything the payment depends on; the same input always gives the same payments. */
export interface PaymentComputation {
  payment: PaymentConfig;
  currency: string;
  numRounds: number;
  /** 1-based, as in the config. */
  trialRounds: number[];
  /**
   * The round drawn once by {@link drawPaidRound} under the random rule
   * (null only when every round is a trial); ignored under the sum rule.
   */
  paidRound: number | null;
  participants: PaymentInput[];
}

/** The rounds that can be paid, 1-based and ascending: {1..numRounds} \ trialRounds. */
export function payableRounds(numRounds: number, trialRounds: readonly number[]): number[] {
  if (!Number.isSafeInteger(numRounds) || numRounds < 0) {
    throw new RangeError(`numRounds must be a whole number ≥ 0, got ${numRounds}`);
  }
  const trials = new Set(trialRounds);
  const rounds: number[] = [];
  for (let r = 1; r <= numRounds; r++) if (!trials.has(r)) rounds.push(r);
  return rounds;
}

/**
 * The paid round under the random rule, drawn uniformly from the payable
 * rounds (1-based: upstream's trial test was 0-based, which let the draw land
 * on a zeroed round); null when every round is a trial.
 */
export function drawPaidRound(
  numRounds: number,
  trialRounds: readonly number[],
  random: () => number,
): number | null {
  const rounds = payableRounds(numRounds, trialRounds);
  if (rounds.length === 0) return null;
  const u = random();
  if (!(u >= 0 && u < 1)) throw new RangeError(`random() must be in [0, 1), got ${u}`);
  // u < 1 can still give u × n = n after float rounding for some n.
  return rounds[Math.min(Math.floor(u * rounds.length), rounds.length - 1)];
}

/**
 * Every participant's final payment by the required rule (§8.3):
 * E = the counted round payoffs (the drawn round, or the sum of the payable
 * ones), earnings = min(max(0, E × rate), max_payment), payment = fee +
 * earnings. Non-eligible participants get the fee alone.
 *
 * Throws RangeError on input that would pay the wrong amount silently: a
 * drawn round that is not payable, no drawn round while some round is
 * payable, a round listed twice, or money that is not a safe integer.
 */
export function computePayments(input: PaymentComputation): Payment[] {
  const config = input.payment;
  const rule = config.randomPayoff ? "random" : "sum";
  const payable = new Set(payableRounds(input.numRounds, input.trialRounds));
  const paidRound = rule === "random" ? checkedPaidRound(input.paidRound, payable) : null;
  const rate = exactDecimal(config.exchangeRate);
  const fee = nonNegativeMoney(config.participationFee, "participationFee");
  const max = nonNegativeMoney(config.maxPayment, "maxPayment");

  return input.participants.map((p) => {
    const eligible = p.eligibility === "eligible";
    const seen = new Set<number>();
    let ecu = 0n;
    const rounds = [...p.rounds].sort((a, b) => a.round - b.round).map((r) => {
      if (seen.has(r.round)) {
        throw new RangeError(`participant ${p.participant}: round ${r.round} listed twice`);
      }
      seen.add(r.round);
      if (!Number.isSafeInteger(r.payoff)) {
        throw new RangeError(`participant ${p.participant} round ${r.round}: payoff ${r.payoff}`);
      }
      const counted = eligible && payable.has(r.round) && !r.trial && !r.played_by_bot &&
        (rule === "sum" || r.round === paidRound);
      if (counted) ecu += BigInt(r.payoff);
      return { ...r, counted };
    });

    // E × rate in 1/10,000 currency is E × num / den exactly; dividing by a
    // further 100 gives cents, rounded half to even (Python's round, the
    // reference's rounding everywhere) with no float ever holding money.
    const cents = divideHalfEven(ecu * rate.num, rate.den * 100n);
    const beforeCap = cents > 0n ? safeNumber(cents * 100n, "earnings") : 0;
    const earnings = Math.min(beforeCap, max);
    return {
      participant: p.participant,
      label: p.label,
      eligibility: p.eligibility,
      currency: input.currency,
      rule,
      paid_round: paidRound,
      rounds,
      ecu: safeNumber(ecu, "E"),
      exchange_rate: config.exchangeRate,
      earnings_before_cap: beforeCap,
      earnings,
      negative: ecu < 0n,
      capped: beforeCap > max,
      participation_fee: fee,
      max_payment: max,
      // The fee and the cap are whole cents unless the config says otherwise;
      // the total is rounded to cents (half to even) so it can be paid out.
      payment: safeNumber(divideHalfEven(BigInt(fee + earnings), 100n) * 100n, "payment"),
    };
  });
}

/** "51.50 EUR": 1/10,000 currency units to 2 decimals, sub-cent rest rounded half to even. */
export function formatMoney(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`money must be an integer, got ${amount}`);
  }
  const cents = divideHalfEven(BigInt(amount), 100n);
  const abs = cents < 0n ? -cents : cents;
  const whole = abs / 100n;
  const rest = String(abs % 100n).padStart(2, "0");
  return `${cents < 0n ? "-" : ""}${whole}.${rest} ${currency}`;
}

// ---- exact arithmetic ----------------------------------------------------------

function checkedPaidRound(round: number | null, payable: ReadonlySet<number>): number | null {
  if (payable.size === 0) {
    if (round !== null) throw new RangeError(`paid round ${round}: every round is a trial`);
    return null;
  }
  if (round === null || !payable.has(round)) {
    throw new RangeError(
      `paid round ${round} is not one of the payable rounds ${[...payable].join(", ")}`,
    );
  }
  return round;
}

/**
 * A rate as the exact fraction its shortest decimal text denotes (0.02 →
 * 2/100, 1e-7 → 1/10,000,000): what the experimenter typed, not the binary
 * float's value, which for 0.02 is slightly above 2/100.
 */
export function exactDecimal(x: number): { num: bigint; den: bigint } {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`exchange rate must be ≥ 0, got ${x}`);
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!match) throw new RangeError(`exchange rate ${x} has no decimal form`);
  const [, int, frac = "", exp = "0"] = match;
  const shift = Number(exp) - frac.length;
  const digits = BigInt(int + frac);
  return shift >= 0
    ? { num: digits * 10n ** BigInt(shift), den: 1n }
    : { num: digits, den: 10n ** BigInt(-shift) };
}

/** num / den (den > 0) rounded to the nearest integer, ties to the even one. */
export function divideHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const twice = 2n * (r < 0n ? -r : r);
  const away = twice > den || (twice === den && q % 2n !== 0n);
  return away ? q + (num < 0n ? -1n : 1n) : q;
}

function nonNegativeMoney(x: number, name: string): number {
  if (!Number.isSafeInteger(x) || x < 0) {
    throw new RangeError(`${name} must be a whole number of 1/10,000 ≥ 0, got ${x}`);
  }
  return x;
}

function safeNumber(x: bigint, name: string): number {
  const n = Number(x);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} ${x} is beyond exact numbers`);
  return n;
}
