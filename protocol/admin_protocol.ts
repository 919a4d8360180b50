/**
 * What the experimenter's pages see: `GET /api/sessions/:code` returns a
 * {@link SessionView}; `/ws/admin/<code>?key=<monitor key>` pushes
 * `{type:"monitor", seq, session: SessionView}` at most every 250 ms while
 * something changes. Round controls are HTTP: `POST
 * /api/sessions/:code/{start,pause,resume,end}`.
 */

import type { EloRole } from "../market/session_config.ts";
import type { Bbo, BookLevel, Phase } from "./subject_protocol.ts";

export interface ParticipantView {
  index: number;
  label: string;
  market: number;
  seat: number;
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
