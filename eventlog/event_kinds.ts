/**
 * What the log's events mean: the `kind` and `data` of every event the
 * server appends. Prices and money are integers in 1/10,000 ECU; times are
 * ms. Field names follow upstream's records where upstream had them
 * (`leeps-hft-app.md` §12), so exports can copy them.
 *
 * Two families:
 * - **inputs** (`session_created`, `round_start`, `action`, `clock`,
 *   `pause`, `resume`, `round_end`): everything from outside the market's
 *   deterministic logic. Replaying them at their `roundMs` rebuilds the
 *   market exactly (recovery and replay use only these).
 * - **records** (everything else): what the market did, for the database,
 *   the exports and the monitor. Derived; never replayed.
 */

import type { EloRole } from "../market/session_config.ts";
import type { PageName } from "../protocol/subject_protocol.ts";
import type { Payment } from "../experiment/payment.ts";

// ---- session stream `<code>` -------------------------------------------------

export interface ParticipantEntry {
  /** 1-based across the session. */
  index: number;
  /** Shown to the experimenter: "P1", or the lab seat's name. */
  label: string;
  /** The link's secret: admits only this participant. */
  token: string;
  /**
   * 1-based market, and seat within it (firm letter A = 1); null until the
   * markets are formed (`markets_formed`), and for anyone not admitted.
   */
  market: number | null;
  seat: number | null;
  /** The room seat (its token) this participant was given to, if the session runs in a room. */
  room_seat?: string;
}

export interface SessionCreated {
  code: string;
  name: string;
  environment: "elo" | "bcs";
  format: "cda" | "fba" | "iex";
  /** The config exactly as posted, and the name it was parsed under. */
  config_text: string;
  config_source: string;
  participants: ParticipantEntry[];
  /** The room the session runs in, if any. */
  room?: string | null;
  /**
   * With session.random-payoff: the paid round, drawn once at creation
   * (uniformly from the non-trial rounds) and never again.
   */
  paid_round?: number | null;
}

// ---- session stream: the experiment's flow --------------------------------------

/** `consent`: a participant's answer on the consent page. */
export interface ConsentEvent {
  participant: number;
  agree: boolean;
}

/** `markets_formed`: who trades where; everyone else is paid the participation fee only. */
export interface MarketsFormed {
  markets: number;
  seats: { participant: number; market: number; seat: number }[];
  not_consented: number[];
  /** More people consented than seats: these were drawn to sit out. */
  overbooked: number[];
  /** Too few consented and underbooking is not allowed: nobody trades. */
  underbooked: number[];
  /** Why formation happened now: everyone answered, or the experimenter went ahead. */
  by: "consent" | "experimenter" | "creation";
}

/** `page`: a participant arrived on a page (page times come from these). */
export interface PageEvent {
  participant: number;
  page: PageName;
  round: number | null;
}

/** `quiz_answer`: one attempt at one question. */
export interface QuizAnswerEvent {
  participant: number;
  question: string;
  /** The option's text (positions differ between participants). */
  answer: string;
  attempt: number;
  correct: boolean;
}

/** `survey`: a participant's survey answers. */
export interface SurveyEvent {
  participant: number;
  answers: Record<string, string>;
}

/** `dropout`: the experimenter marked a participant dropped (a bot plays the seat) or back. */
export interface DropoutEvent {
  participant: number;
  dropped: boolean;
  /** The round trading when it happened (`running`), or else the next round. */
  round: number;
  running: boolean;
}

/** `payments`: the final payment of every participant, computed once with its inputs. */
export interface PaymentsEvent {
  rule: "sum" | "random";
  paid_round: number | null;
  rows: Payment[];
}

/** Session stream: a subject's connection came or went, or reported telemetry. */
export interface PresenceEvent {
  participant: number;
  connected: boolean;
}
export interface TelemetryEvent {
  participant: number;
  avg_latency_ms: number;
  max_latency_ms: number;
  percent_active: number;
}

// ---- market stream `<code>/m<n>`: inputs -----------------------------------------

export interface SeatEntry {
  seat: number;
  /** Session participant index, or null for a bot seat. */
  participant: number | null;
  role: EloRole;
  speed: boolean;
  a_x: number;
  a_y: number;
  a_z: number;
}

export interface RoundStart {
  round: number;
  trial: boolean;
  seed: number;
  duration_ms: number;
  format: "cda" | "fba" | "iex";
  seats: SeatEntry[];
}

/** One subject's decision, applied at the event's `roundMs`. */
export type SubjectAction =
  | { type: "role"; role: EloRole }
  | { type: "speed"; on: boolean }
  | { type: "sliders"; a_x: number; a_y: number; a_z: number }
  | { type: "order"; side: "B" | "S"; price: number };

export interface ActionEvent {
  seat: number;
  action: SubjectAction;
}

/** `pause` / `resume` carry {reason}; the round clock stands still between them. */
export interface PauseEvent {
  reason: string;
}

export interface RoundEnd {
  reason: "time" | "admin";
}

/**
 * `clock` {}: the round clock passed `roundMs` (written about every second
 * while a round trades), so a rebuilt round resumes at most that far back
 * even when nothing else happened.
 */
export const INPUT_KINDS = new Set([
  "round_start",
  "action",
  "clock",
  "pause",
  "resume",
  "round_end",
]);

// ---- market stream: records -----------------------------------------------------

/** An order's life, one event per step (`order` kind). */
export interface OrderEvent {
  /** Seat, or 0 for the investor. */
  seat: number;
  participant: number | null;
  order_token: string;
  step: "sent" | "accepted" | "replaced" | "canceled" | "executed" | "replace_sent" | "cancel_sent";
  buy_sell_indicator: "B" | "S" | "";
  price: number | null;
  shares: number;
  /** replaced: the token it replaced. */
  old_token?: string;
  time_in_force?: number;
  midpoint_peg?: boolean;
  execution_price?: number;
  match_number?: string;
}

/** One trade (`trade` kind): both sides. Seat 0 is the investor. */
export interface TradeEvent {
  match_number: string;
  price: number;
  shares: number;
  buyer_seat: number;
  seller_seat: number;
  /** The side whose order arrived last and took liquidity, "" in a batch. */
  aggressor: "B" | "S" | "";
}

/** An FBA batch (`batch` kind). */
export interface BatchEvent {
  clearing_price: number;
  transacted_volume: number;
}

/**
 * `market_record`: upstream's MarketRecord row at `trigger_event_type`
 * (Q, E, Z, market_start, market_end, external_feed).
 */
export interface MarketRecord {
  trigger_event_type: string;
  reference_price: number;
  best_bid: number;
  best_offer: number;
  next_bid: number;
  next_offer: number;
  volume_at_best_bid: number;
  volume_at_best_offer: number;
  e_best_bid: number;
  e_best_offer: number;
  signed_volume: number;
  e_signed_volume: number;
  clearing_price: number | null;
  transacted_volume: number | null;
}

/**
 * `trader_record`: upstream's TraderRecord row for one seat at
 * `trigger_event_type` (speed_change, role_change, slider, market_start,
 * market_end, A, U, C, E).
 */
export interface TraderRecord {
  seat: number;
  participant: number | null;
  trigger_event_type: string;
  trader_model_name: EloRole;
  /** 0.1 s fast, 0.5 s slow (seconds, as upstream). */
  delay: number;
  speed: boolean;
  inventory: number;
  cash: number;
  speed_cost: number;
  /** Profit before deduction: cash + inventory × reference price − endowment… as the screen shows it. */
  net_worth: number;
  tax_paid: number;
  reference_price: number;
  bid: number | null;
  offer: number | null;
  staged_bid: number | null;
  staged_offer: number | null;
  implied_bid: number | null;
  implied_offer: number | null;
  best_bid: number;
  best_offer: number;
  best_bid_except_me: number;
  best_offer_except_me: number;
  e_best_bid: number;
  e_best_offer: number;
  slider_a_x: number;
  slider_a_y: number;
  slider_a_z: number;
  signed_volume: number;
  e_signed_volume: number;
  executed_price: number | null;
  buy_sell_indicator: "B" | "S" | "";
}

/** `payoff`: a seat's settlement at the round's end (results-page equations). */
export interface PayoffEvent {
  seat: number;
  participant: number | null;
  /** A practice round: paid 0. */
  trial: boolean;
  endowment: number;
  cash: number;
  inventory: number;
  /** Shares bought and sold, and the sums of their prices (results-page averages). */
  bought?: number;
  sold?: number;
  sum_bid_price?: number;
  sum_ask_price?: number;
  reference_price: number;
  inventory_value: number;
  speed_cost: number;
  payoff_before_deduction: number;
  deduction: number;
  payoff: number;
  speed_seconds: number;
  /** Shares of the round (0..1) spent in each role. */
  time_as_automated: number;
  time_as_manual: number;
  time_as_out: number;
}

/** `refused`: an action the market did not take, with the reason the subject saw. */
export interface RefusedEvent {
  seat: number;
  reason: string;
}
