/**
 * The subject screen's state: the server's snapshot, kept current by
 * applying each sequenced update in order. Pure functions, so the browser,
 * the server-side render and the tests see the same arithmetic.
 */

import type {
  ClockState,
  OwnOrder,
  PageView,
  QuizQuestionView,
  SubjectSnapshot,
  SubjectUpdate,
  SurveyQuestionView,
} from "../protocol/subject_protocol.ts";
import { NO_BID, NO_OFFER } from "../protocol/subject_protocol.ts";

/** Trade marks kept for the graph; older ones are long faded. */
export const MAX_TRADES = 200;
/** Steps kept per graph; a 30-minute round with a step a second fits. */
export const MAX_STEPS = 4_000;

/** Updates that change what the screen shows (pong, refused and error do not). */
export type StateUpdate = Extract<
  SubjectUpdate,
  {
    type:
      | "snapshot"
      | "clock"
      | "book"
      | "trade"
      | "batch"
      | "external"
      | "orders"
      | "wallet"
      | "strategy"
      | "page";
  }
>;

export function isStateUpdate(u: SubjectUpdate): u is StateUpdate {
  switch (u.type) {
    case "pong":
    case "refused":
    case "error":
      return false;
    default:
      return true;
  }
}

function capped<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}

/** Appends a step unless it repeats the last value or goes back in time (a replayed update). */
function appendStep<T extends number[]>(steps: T[], step: T): T[] {
  const last = steps[steps.length - 1];
  if (last) {
    if (step[0] < last[0]) return steps;
    if (step.slice(1).every((v, i) => v === last[i + 1])) return steps;
  }
  return capped([...steps, step], MAX_STEPS);
}

/** A new round on the clock: the per-round series start again. */
function newRound(s: SubjectSnapshot, clock: ClockState): SubjectSnapshot {
  return { ...s, clock, trades: [], profit: [], sensitivities: [], last_batch: null };
}

export function applyUpdate(s: SubjectSnapshot, u: StateUpdate): SubjectSnapshot {
  switch (u.type) {
    case "snapshot":
      return u.state;
    case "clock":
      return u.clock.round !== s.clock.round ? newRound(s, u.clock) : { ...s, clock: u.clock };
    case "book":
      return { ...s, bbo: u.bbo, levels: u.levels };
    case "trade": {
      const t = u.trade;
      // A replayed trade (same time, price, size and side as the last) is the same trade.
      const last = s.trades[s.trades.length - 1];
      if (
        last && last.round_ms === t.round_ms && last.price === t.price &&
        last.shares === t.shares && last.mine === t.mine
      ) return s;
      return { ...s, trades: capped([...s.trades, t], MAX_TRADES) };
    }
    case "batch":
      return {
        ...s,
        last_batch: { clearing_price: u.clearing_price, volume: u.volume, round_ms: u.round_ms },
      };
    case "external":
      return { ...s, external: u.external, peg: u.peg };
    case "orders":
      return { ...s, orders: u.orders };
    case "wallet":
      return {
        ...s,
        wallet: u.wallet,
        profit: appendStep(s.profit, [u.round_ms, u.wallet.pbd]),
      };
    case "strategy": {
      const st = u.strategy;
      return {
        ...s,
        strategy: st,
        sensitivities: appendStep(s.sensitivities, [
          u.round_ms,
          st.a_x,
          st.a_y,
          st.a_z,
          st.speed ? 1 : 0,
          st.role === "automated" ? 1 : 0,
        ]),
      };
    }
    case "page":
      return { ...s, page: u.page };
  }
}

// ---- pages ----------------------------------------------------------------------

/** The round a wait, trading or results page belongs to; null for the others. */
export function pageRound(page: PageView): number | null {
  switch (page.name) {
    case "wait":
    case "trading":
    case "results":
      return page.round;
    default:
      return null;
  }
}

/**
 * One visit to a page: a new key means the subject moved on, while an
 * update of the same page (a quiz answer graded, the payment computed)
 * keeps it, and with it what the subject was typing or choosing there.
 */
export function pageKey(page: PageView): string {
  const round = pageRound(page);
  return round === null ? page.name : `${page.name}:${round}`;
}

/** Whole seconds until a server time, rounded up so "1 s" lasts until the moment itself. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function triesLeft(q: QuizQuestionView): number {
  return Math.max(0, q.max_attempts - q.tried.length);
}

/** "Next" leaves the quiz only once no question is open. */
export function quizDone(questions: readonly QuizQuestionView[]): boolean {
  return questions.every((q) => q.state !== "open");
}

/** Questions with options still unanswered (free text may stay empty). */
export function missingSurveyAnswers(
  questions: readonly SurveyQuestionView[],
  answers: Readonly<Record<string, string>>,
): SurveyQuestionView[] {
  return questions.filter((q) => q.options.length > 0 && !q.options.includes(answers[q.id] ?? ""));
}

/** This subject's live or pending order on a side, if any. */
export function ownOrder(s: SubjectSnapshot, side: "B" | "S"): OwnOrder | undefined {
  // The latest one wins: a replace may briefly leave the old one listed.
  for (let i = s.orders.length - 1; i >= 0; i--) {
    if (s.orders[i].side === side) return s.orders[i];
  }
  return undefined;
}

export function hasBid(price: number): boolean {
  return price > NO_BID && price < NO_OFFER;
}

/** Where the market clock stood at a point of local time. */
export interface ClockAnchor {
  round_ms: number;
  /** performance.now() (or any monotonic ms) when round_ms was current. */
  at: number;
}

/** Market time now: frozen unless the round is running, never past the round's end. */
export function marketMs(clock: ClockState, anchor: ClockAnchor, now: number): number {
  const moving = clock.phase === "running" ? Math.max(0, now - anchor.at) : 0;
  return Math.min(clock.duration_ms, Math.max(0, anchor.round_ms + moving));
}

export function remainingMs(clock: ClockState, anchor: ClockAnchor, now: number): number {
  if (clock.phase === "ended" || clock.phase === "finished") return 0;
  return clock.duration_ms - marketMs(clock, anchor, now);
}

// ---- the spread graph's price window ----------------------------------------

/** Upstream's spread graph spans 20 ECU. */
export const GRAPH_SPAN = 200_000;
/** The window recentres on whole ECU. */
const CENTRE_GRID = 10_000;
/** Where a screen with no prices at all looks: 100 ECU. */
const DEFAULT_CENTRE = 1_000_000;

function roundToGrid(p: number): number {
  return Math.round(p / CENTRE_GRID) * CENTRE_GRID;
}

/** The price the window should follow: the BBO midpoint, else the side there is, else the external market. */
export function focusPrice(s: SubjectSnapshot): number | null {
  const bid = hasBid(s.bbo.best_bid) ? s.bbo.best_bid : null;
  const offer = hasBid(s.bbo.best_offer) ? s.bbo.best_offer : null;
  if (bid !== null && offer !== null) return (bid + offer) / 2;
  if (bid !== null) return bid;
  if (offer !== null) return offer;
  const eb = hasBid(s.external.e_best_bid) ? s.external.e_best_bid : null;
  const eo = hasBid(s.external.e_best_offer) ? s.external.e_best_offer : null;
  if (eb !== null && eo !== null) return (eb + eo) / 2;
  if (eb !== null) return eb;
  if (eo !== null) return eo;
  if (s.wallet.reference_price > 0) return s.wallet.reference_price;
  return null;
}

/**
 * The window's centre after this state: unchanged while the focus stays in
 * the central 60 %, else recentred on it (upstream's rule), so the axis does
 * not swim with every quote.
 */
export function nextCentre(previous: number | null, s: SubjectSnapshot | null): number {
  const focus = s ? focusPrice(s) : null;
  if (previous === null) return focus === null ? DEFAULT_CENTRE : roundToGrid(focus);
  if (focus === null) return previous;
  const half = GRAPH_SPAN / 2;
  const inner = 0.6 * half;
  if (focus < previous - inner || focus > previous + inner) {
    return Math.max(half, roundToGrid(focus));
  }
  return previous;
}

export interface PriceWindow {
  min: number;
  max: number;
}

export function windowAround(centre: number): PriceWindow {
  const half = GRAPH_SPAN / 2;
  const c = Math.max(half, centre);
  return { min: c - half, max: c + half };
}

/** Price at a horizontal position (0..width) of the graph: the inverse of its linear x mapping. */
export function priceAtX(w: PriceWindow, x: number, width: number): number {
  return w.min + (x / width) * (w.max - w.min);
}

export function xOfPrice(w: PriceWindow, price: number, width: number): number {
  return ((price - w.min) / (w.max - w.min)) * width;
}
