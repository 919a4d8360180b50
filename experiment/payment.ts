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
