/**
 * What the experimenter's pages see: `GET /api/sessions/:code` returns a
 * {@link SessionView}; `/ws/admin/<code>?key=<monitor key>` pushes
 * `{type:"monitor", seq, session: SessionView}` at most every 250 ms while
 * something changes. Round controls are HTTP: `POST
 * /api/sessions/:code/{start,pause,resume,end}`.
 */

import type { EloRole } from "../market/session_config.ts";
import type { Bbo, BookLevel, PageName, Phase } from "./subject_protocol.ts";
import type { Eligibility, Payment } from "../experiment/payment.ts";

export interface ParticipantView {
  index: number;
  label: string;
  /** Null until the markets are formed, and for anyone not admitted to trade. */
  market: number | null;
  seat: number | null;
  /** The room seat's label when the session runs in a room. */
  room_seat: string | null;
  page: PageName;
  /** The round of a wait, trading or results page. */
  page_round: number | null;
  /** null: has not answered (or there is no consent page). */
  consent: boolean | null;
  /** null until the markets are formed. */
  eligibility: Eligibility | null;
  /** A bot plays the seat. */
  dropped: boolean;
  /** Quiz questions answered right at the first try / asked. */
  quiz_right_first: number;
  quiz_asked: number;
  /** The final payment (1/10,000 currency), once computed. */
  payment: number | null;
  /** The subject's link (absolute when the server knows its origin). */
  url: string;
  connected: boolean;
  role: EloRole;
  speed: boolean;
  inventory: number;
  cash: number;
  /** Profit before deduction, this round. */
  profit: number;
  speed_cost: number;
  /** Last measured WebSocket round trip, ms (null: never measured). */
  rtt_ms: number | null;
}

export interface MarketView {
  market: number;
  bbo: Bbo;
  levels: BookLevel[];
  /** Most recent first, at most 20. */
  trades: { round_ms: number; price: number; shares: number; buyer: string; seller: string }[];
  participants: ParticipantView[];
}

export interface SessionView {
  code: string;
  name: string;
  environment: "elo" | "bcs";
  format: "cda" | "fba" | "iex";
  phase: Phase;
  round: number;
  num_rounds: number;
  trial: boolean;
  round_ms: number;
  duration_ms: number;
  admin_url: string;
  markets: MarketView[];
  /** Everyone, admitted or not, in participant order. */
  participants: ParticipantView[];
  /** The room the session runs in. */
  room: string | null;
  /** Markets have been formed (consent is over). */
  formed: boolean;
  round_start: "auto" | "experimenter";
  currency: string;
  /** Computed once when the last round is settled (or the experimenter finishes early). */
  payments: Payment[] | null;
}

export interface SessionSummary {
  code: string;
  name: string;
  phase: Phase;
  round: number;
  num_rounds: number;
  participants: number;
  connected: number;
  admin_url: string;
}
