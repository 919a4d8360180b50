/**
 * The subject's WebSocket protocol (`/ws/subject/<token>`), both directions.
 *
 * Browser → server: JSON {@link SubjectRequest}, parsed once at the edge by
 * {@link parseSubjectRequest}; a bad message gets an `error` frame naming
 * the problem and the connection stays.
 *
 * Server → browser: JSON {@link SubjectUpdate}, one per frame or several
 * in a frame as a JSON array (in order: the updates of one moment travel
 * together); every one carries `seq`,
 * increasing by 1 per participant across reconnects. The first message
 * after a (re)connect answers the client's `hello`: the missed updates if
 * the server still holds them, else a `snapshot` with the whole screen.
 *
 * Prices and money are integers in 1/10,000 ECU; 0 is "no bid" and
 * 2147483647 "no offer" (upstream's sentinels); times are ms.
 */

import type { EloRole } from "../market/session_config.ts";
import type { Payment } from "../experiment/payment.ts";

export const NO_BID = 0;
export const NO_OFFER = 2147483647;

// ---- browser → server ---------------------------------------------------------

export type SubjectRequest =
  /** First message on every connection; `last_seq` is the last update seen (null: none). */
  | { type: "hello"; last_seq: number | null }
  | { type: "role"; role: EloRole }
  | { type: "speed"; on: boolean }
  /** Each 0..1; sent when the slider is released. */
  | { type: "sliders"; a_x: number; a_y: number; a_z: number }
  /** Manual role: a buy (B) or sell (S) order at `price` (1e-4 ECU), replacing that side's order. */
  | { type: "order"; side: "B" | "S"; price: number }
  /** Round-trip probe; answered by `pong` with the same id. */
  | { type: "ping"; id: number }
  /** Every 10 s: the client's measured latency (mean and 90th percentile) and attention share. */
  | { type: "telemetry"; avg_latency_ms: number; max_latency_ms: number; percent_active: number }
  /** The consent page's answer. */
  | { type: "consent"; agree: boolean }
  /**
   * Leave `page` for the next one. Naming the page (and round) the subject is
   * on makes a repeated click harmless: it no longer matches and is ignored.
   */
  | { type: "next"; page: PageName; round: number | null }
  /** A quiz answer: `answer` indexes the options as this subject was shown them. */
  | { type: "quiz_answer"; question: string; answer: number }
  /** The survey, all at once: question id → chosen option or free text. */
  | { type: "survey"; answers: Record<string, string> };

// ---- pages ----------------------------------------------------------------------

/**
 * Where a participant is in the session. The order is consent →
 * instructions → (wait → trading → results) per round, with the quiz before
 * the first paid round → survey → payment; pages the config leaves out are
 * skipped. Someone not admitted to trade goes straight to payment.
 */
export type PageName =
  | "consent"
  | "instructions"
  | "quiz"
  | "wait"
  | "trading"
  | "results"
  | "survey"
  | "payment";

export interface QuizQuestionView {
  id: string;
  question: string;
  options: string[];
  /** Indices of the options tried so far, in order. */
  tried: number[];
  max_attempts: number;
  /** open: still to answer; right: answered right; revealed: attempts used up. */
  state: "open" | "right" | "revealed";
  /** The right option, once the question is no longer open. */
  correct: number | null;
}

export interface SurveyQuestionView {
  id: string;
  question: string;
  /** Empty: free text. */
  options: string[];
}

/** The results-page equations (leeps-hft-app.md §8.2), amounts in 1/10,000 ECU. */
export interface RoundResultView {
  round: number;
  trial: boolean;
  endowment: number;
  bought: number;
  sold: number;
  /** Average prices, rounded to 1/10,000 ECU; 0 when nothing was bought/sold. */
  avg_buy: number;
  avg_sale: number;
  cash: number;
  inventory: number;
  reference_price: number;
  inventory_value: number;
  speed_seconds: number;
  /** Per second of speed. */
  speed_unit_cost: number;
  speed_cost: number;
  payoff_before_deduction: number;
  deduction_rate: number;
  deduction: number;
  payoff: number;
  /** A bot played this seat for part of the round (the participant had dropped out). */
  played_by_bot: boolean;
}

export type PageView =
  | { name: "consent"; html: string }
  | {
    name: "instructions";
    html: string;
    /** Server time (epoch ms) from which "next" is offered. */
    next_at: number;
  }
  | { name: "quiz"; questions: QuizQuestionView[] }
  | {
    name: "wait";
    round: number;
    trial: boolean;
    /** Participants this round still waits for (0 once it is about to start). */
    waiting_for: number;
    /** True when the experimenter starts rounds by hand. */
    experimenter_starts: boolean;
  }
  | { name: "trading"; round: number }
  | {
    name: "results";
    round: number;
    /** null when this participant had no seat in the round (it started without them). */
    result: RoundResultView | null;
    next_at: number;
    /** Server time at which the page moves on by itself (null: it waits for "next"). */
    advance_at: number | null;
  }
  | { name: "survey"; questions: SurveyQuestionView[]; submitted: boolean }
  | {
    name: "payment";
    /** Null until the last round is settled. */
    payment: Payment | null;
  };

// ---- server → browser ---------------------------------------------------------

export type Phase =
  /** No round running yet (or between rounds): the screen is inert. */
  | "waiting"
  | "running"
  /** Stopped by the experimenter or because the event log is unreachable. */
  | "paused"
  /** This round is over; the next has not started. */
  | "ended"
  /** The session's last round is over. */
  | "finished";

export interface Bbo {
  best_bid: number;
  best_offer: number;
  volume_at_best_bid: number;
  volume_at_best_offer: number;
}

/** One price of the visible book: resting shares on each side. */
export interface BookLevel {
  price: number;
  bid_volume: number;
  offer_volume: number;
}

/**
 * One of the subject's orders: per side the one resting at the exchange (or
 * the first on its way) and the latest asked for; orders between them are
 * superseded on their way and not listed.
 */
export interface OwnOrder {
  token: string;
  side: "B" | "S";
  price: number;
  /** "pending" until the exchange confirms it. */
  state: "pending" | "live";
}

/**
 * An order created since the previous `orders` update, listed or not (it
 * may already be gone, or superseded on its way): it tells a client which
 * of its decisions the server has taken. Screens need nothing of it.
 */
export interface CreatedOrder {
  token: string;
  side: "B" | "S";
  price: number;
}

export interface Wallet {
  cash: number;
  inventory: number;
  /** Profit before deduction: cash − endowment + inventory × reference price − speed cost. */
  pbd: number;
  speed_cost: number;
  reference_price: number;
  signed_volume: number;
}

export interface Strategy {
  role: EloRole;
  speed: boolean;
  a_x: number;
  a_y: number;
  a_z: number;
}

export interface External {
  e_best_bid: number;
  e_best_offer: number;
  e_signed_volume: number;
}

export interface TradeMark {
  round_ms: number;
  price: number;
  shares: number;
  /** This subject's side in the trade, or null if it was someone else's. */
  mine: "B" | "S" | null;
}

export interface ClockState {
  phase: Phase;
  /** 1-based; 0 before the first round. */
  round: number;
  num_rounds: number;
  trial: boolean;
  duration_ms: number;
  /** The market clock when the server sent this. */
  round_ms: number;
}

export interface SubjectSnapshot {
  label: string;
  /** The page this participant is on. */
  page: PageView;
  environment: "elo" | "bcs";
  format: "cda" | "fba" | "iex";
  /** Roles this environment offers, in button order. */
  roles: EloRole[];
  signed_volume_widgets: boolean;
  clock: ClockState;
  bbo: Bbo;
  levels: BookLevel[];
  external: External;
  /** IEX: the peg price (0: none). */
  peg: number;
  /** FBA: the last batch (null before the first). */
  last_batch: { clearing_price: number; volume: number; round_ms: number } | null;
  trades: TradeMark[];
  strategy: Strategy;
  orders: OwnOrder[];
  wallet: Wallet;
  /** [round_ms, pbd] steps of this round. */
  profit: [number, number][];
  /** [round_ms, a_x, a_y, a_z, speed 0/1, automated 0/1] steps of this round. */
  sensitivities: [number, number, number, number, number, number][];
}

interface Sequenced {
  seq: number;
}

export type SubjectUpdate =
  & Sequenced
  & (
    | { type: "snapshot"; state: SubjectSnapshot }
    | { type: "clock"; clock: ClockState }
    | { type: "book"; round_ms: number; bbo: Bbo; levels: BookLevel[] }
    | { type: "trade"; trade: TradeMark }
    | { type: "batch"; round_ms: number; clearing_price: number; volume: number }
    | { type: "external"; round_ms: number; external: External; peg: number }
    | { type: "orders"; round_ms: number; orders: OwnOrder[]; created?: CreatedOrder[] }
    | { type: "wallet"; round_ms: number; wallet: Wallet }
    | { type: "strategy"; round_ms: number; strategy: Strategy }
    /** An action the server did not take (e.g. a self-crossing order), for the subject to read. */
    | { type: "refused"; reason: string }
    /** A message the server could not parse; the connection stays open. */
    | { type: "error"; message: string }
    | { type: "pong"; id: number; server_ms: number }
    /** The participant moved to another page, or its content changed. */
    | { type: "page"; page: PageView }
  );

// ---- parsing ------------------------------------------------------------------

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** Frames larger than this are refused before parsing (a survey's free text fits). */
export const MAX_FRAME_BYTES = 8192;
/** Characters of one free-text survey answer. */
export const MAX_SURVEY_ANSWER = 1000;

const PAGES: readonly PageName[] = [
  "consent",
  "instructions",
  "quiz",
  "wait",
  "trading",
  "results",
  "survey",
  "payment",
];

const ROLES: readonly EloRole[] = ["out", "manual", "automated"];

function field(o: Record<string, unknown>, name: string): unknown {
  if (!(name in o)) throw new ProtocolError(`${o.type}: missing field "${name}"`);
  return o[name];
}

function int(o: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = field(o, name);
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(
      `${o.type}: "${name}" must be an integer ${min}..${max}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function real(o: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = field(o, name);
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw new ProtocolError(
      `${o.type}: "${name}" must be a number ${min}..${max}, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function bool(o: Record<string, unknown>, name: string): boolean {
  const v = field(o, name);
  if (typeof v !== "boolean") {
    throw new ProtocolError(`${o.type}: "${name}" must be true or false, got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(
  o: Record<string, unknown>,
  name: string,
  values: readonly T[],
): T {
  const v = field(o, name);
  if (typeof v !== "string" || !values.includes(v as T)) {
    throw new ProtocolError(
      `${o.type}: "${name}" must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

/** Parses one browser frame; throws {@link ProtocolError} naming what is wrong. */
export function parseSubjectRequest(frame: string | ArrayBuffer | Blob): SubjectRequest {
  if (typeof frame !== "string") throw new ProtocolError("frames must be JSON text, not binary");
  if (frame.length > MAX_FRAME_BYTES) {
    throw new ProtocolError(`frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(frame);
  } catch {
    throw new ProtocolError("frame is not valid JSON");
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new ProtocolError('frame must be a JSON object with a "type"');
  }
  const m = o as Record<string, unknown>;
  switch (m.type) {
    case "hello": {
      const last = field(m, "last_seq");
      if (last === null) return { type: "hello", last_seq: null };
      return { type: "hello", last_seq: int(m, "last_seq", 0, Number.MAX_SAFE_INTEGER) };
    }
    case "role":
      return { type: "role", role: oneOf(m, "role", ROLES) };
    case "speed":
      return { type: "speed", on: bool(m, "on") };
    case "sliders":
      return {
        type: "sliders",
        a_x: real(m, "a_x", 0, 1),
        a_y: real(m, "a_y", 0, 1),
        a_z: real(m, "a_z", 0, 1),
      };
    case "order":
      return {
        type: "order",
        side: oneOf(m, "side", ["B", "S"] as const),
        price: int(m, "price", 1, NO_OFFER - 1),
      };
    case "ping":
      return { type: "ping", id: int(m, "id", 0, Number.MAX_SAFE_INTEGER) };
    case "telemetry":
      return {
        type: "telemetry",
        avg_latency_ms: real(m, "avg_latency_ms", 0, 3_600_000),
        max_latency_ms: real(m, "max_latency_ms", 0, 3_600_000),
        percent_active: real(m, "percent_active", 0, 100),
      };
    case "consent":
      return { type: "consent", agree: bool(m, "agree") };
    case "next": {
      const page = oneOf(m, "page", PAGES);
      const round = field(m, "round");
      return {
        type: "next",
        page,
        round: round === null ? null : int(m, "round", 1, 1000),
      };
    }
    case "quiz_answer": {
      const question = field(m, "question");
      if (typeof question !== "string" || question.length === 0 || question.length > 200) {
        throw new ProtocolError(
          `quiz_answer: "question" must be a question id (1..200 characters), got ${
            JSON.stringify(question)?.slice(0, 50)
          }`,
        );
      }
      return { type: "quiz_answer", question, answer: int(m, "answer", 0, 99) };
    }
    case "survey": {
      const answers = field(m, "answers");
      if (typeof answers !== "object" || answers === null || Array.isArray(answers)) {
        throw new ProtocolError('survey: "answers" must be an object of question id → answer');
      }
      // no prototype: a "__proto__" key stays an answer (to no known question) instead of vanishing
      const out: Record<string, string> = Object.create(null);
      for (const [k, v] of Object.entries(answers)) {
        if (typeof v !== "string") {
          throw new ProtocolError(`survey: the answer to "${k.slice(0, 50)}" must be text`);
        }
        if (v.length > MAX_SURVEY_ANSWER) {
          throw new ProtocolError(
            `survey: the answer to "${
              k.slice(0, 50)
            }" is longer than ${MAX_SURVEY_ANSWER} characters`,
          );
        }
        out[k] = v;
      }
      return { type: "survey", answers: out };
    }
    default:
      throw new ProtocolError(
        `unknown message type ${JSON.stringify(m.type)?.slice(0, 50)}; expected one of ` +
          "hello, role, speed, sliders, order, ping, telemetry, consent, next, quiz_answer, survey",
      );
  }
}
