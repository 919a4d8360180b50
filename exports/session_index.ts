/**
 * What every export table looks up while it writes rows, built once per
 * export in linear time (plus sorts of already-sorted arrays): the session's
 * participants, who sat where in each round, each participant's telemetry
 * history, the experiment's flow (formation, consent, dropouts, payments),
 * and the order in which events are written.
 *
 * Row order everywhere is round, market, seq (upstream: subsession, market,
 * timestamp). Events outside any round (round null) come before round 1; the
 * session stream comes before market 1 within a round.
 */

import type { LogEvent } from "../eventlog/log_event.ts";
import type {
  ConsentEvent,
  DropoutEvent,
  MarketsFormed,
  ParticipantEntry,
  PaymentsEvent,
  RoundStart,
  SeatEntry,
  SessionCreated,
  TelemetryEvent,
} from "../eventlog/event_kinds.ts";
import type { Eligibility } from "../experiment/payment.ts";

/** What a database read of one session returns. */
export interface SessionExportInput {
  /** The session stream `<code>`, ascending by seq. */
  session: LogEvent[];
  /** Each market stream `<code>/m<n>` by stream name, each ascending by seq. */
  markets: Map<string, LogEvent[]>;
}

/** A run of consecutive events of one stream in one round, in seq order. */
export interface EventChunk {
  round: number | null;
  /** Market number, or null for the session stream. */
  market: number | null;
  stream: string;
  events: LogEvent[];
}

export interface Telemetry {
  avgLatencyMs: unknown;
  maxLatencyMs: unknown;
  percentActive: unknown;
}

/** One participant's telemetry reports in time order, for binary search. */
interface TelemetryHistory {
  wallMs: number[];
  reports: Telemetry[];
}

export interface RoundSeats {
  trial: boolean | null;
  seats: Map<number, SeatEntry>;
}

export interface Placement {
  market: number;
  seat: number;
}

export class SessionIndex {
  readonly code: string;
  readonly created: SessionCreated | null;
  /** session_created's wall time, or null without one. */
  readonly createdWallMs: number | null;
  readonly participants = new Map<number, ParticipantEntry>();
  /** `${market}:${round}` → the round's seats, from `round_start`. */
  readonly roundSeats = new Map<string, RoundSeats>();
  /** Every stream's events, split into chunks and put in export order. */
  readonly chunks: EventChunk[];
  /** The session stream ascending by seq (the flow files follow it). */
  readonly sessionEvents: LogEvent[];
  /** Every `payments` event (normally one), in seq order. */
  readonly payments: { e: LogEvent; d: PaymentsEvent }[] = [];
  readonly #telemetry = new Map<number, TelemetryHistory>();
  readonly #placement = new Map<number, Placement>();
  readonly #eligibility = new Map<number, Eligibility>();
  readonly #consent = new Map<number, boolean>();
  readonly #dropped = new Set<number>();

  constructor(input: SessionExportInput) {
    const session = input.session;
    const createdEvent = session.find((e) => e.kind === "session_created");
    this.created = createdEvent ? (createdEvent.data as unknown as SessionCreated) : null;
    this.createdWallMs = createdEvent?.wallMs ?? null;
    this.code = sessionCode(input, this.created);
    for (const p of this.created?.participants ?? []) {
      this.participants.set(p.index, p);
      // Sessions without a consent page may seat everyone at creation.
      if (typeof p.market === "number" && typeof p.seat === "number") {
        this.#placement.set(p.index, { market: p.market, seat: p.seat });
      }
    }

    this.sessionEvents = inSeqOrder(session);
    let formed: MarketsFormed | null = null;
    for (const e of this.sessionEvents) {
      switch (e.kind) {
        case "telemetry":
          this.#addTelemetry(e);
          break;
        case "markets_formed":
          // Formed once; were it logged again, the latest formation is the one that stood.
          formed = e.data as unknown as MarketsFormed;
          break;
        case "consent": {
          const c = e.data as unknown as ConsentEvent;
          if (typeof c.participant === "number") this.#consent.set(c.participant, c.agree);
          break;
        }
        case "dropout": {
          const d = e.data as unknown as DropoutEvent;
          if (typeof d.participant === "number" && d.dropped) this.#dropped.add(d.participant);
          break;
        }
        case "payments":
          this.payments.push({ e, d: e.data as unknown as PaymentsEvent });
          break;
      }
    }
    for (const history of this.#telemetry.values()) sortHistory(history);
    if (formed) this.#formMarkets(formed);
    // Payment rows say who was eligible when no formation was logged.
    for (const { d } of this.payments) {
      for (const row of d.rows ?? []) {
        if (!this.#eligibility.has(row.participant)) {
          this.#eligibility.set(row.participant, row.eligibility);
        }
      }
    }

    const chunks = splitByRound(this.sessionEvents, null, this.code);
    for (const [stream, events] of input.markets) {
      const market = marketNumber(stream, events);
      const ordered = inSeqOrder(events);
      for (const e of ordered) {
        if (e.kind !== "round_start") continue;
        const start = e.data as unknown as RoundStart;
        const round = typeof start.round === "number" ? start.round : e.round;
        if (round === null || market === null) continue;
        const seats = new Map<number, SeatEntry>();
        for (const seat of start.seats ?? []) seats.set(seat.seat, seat);
        this.roundSeats.set(`${market}:${round}`, {
          trial: typeof start.trial === "boolean" ? start.trial : null,
          seats,
        });
      }
      chunks.push(...splitByRound(ordered, market, stream));
    }
    chunks.sort(compareChunks);
    this.chunks = chunks;
  }

  #addTelemetry(e: LogEvent): void {
    const t = e.data as unknown as TelemetryEvent;
    if (typeof t.participant !== "number") return;
    let history = this.#telemetry.get(t.participant);
    if (!history) {
      history = { wallMs: [], reports: [] };
      this.#telemetry.set(t.participant, history);
    }
    history.wallMs.push(e.wallMs);
    history.reports.push({
      avgLatencyMs: t.avg_latency_ms,
      maxLatencyMs: t.max_latency_ms,
      percentActive: t.percent_active,
    });
  }

  #formMarkets(formed: MarketsFormed): void {
    for (const s of formed.seats ?? []) {
      this.#placement.set(s.participant, { market: s.market, seat: s.seat });
      this.#eligibility.set(s.participant, "eligible");
    }
    const excluded: [Eligibility, number[] | undefined][] = [
      ["not_consented", formed.not_consented],
      ["overbooked", formed.overbooked],
      ["underbooked", formed.underbooked],
    ];
    for (const [why, list] of excluded) {
      for (const p of list ?? []) {
        this.#eligibility.set(p, why);
        this.#placement.delete(p);
      }
    }
  }

  /** Every participant the session names (links, formation, payments), ascending. */
  knownParticipants(): number[] {
    const all = new Set<number>(this.participants.keys());
    for (const p of this.#eligibility.keys()) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  /** Market and seat from `markets_formed` (else `session_created`); null when not admitted. */
  placement(participant: number): Placement | null {
    return this.#placement.get(participant) ?? null;
  }

  /** From `markets_formed` (else the payment rows); null before the markets are formed. */
  eligibility(participant: number): Eligibility | null {
    return this.#eligibility.get(participant) ?? null;
  }

  /** The participant's last consent answer; null if they never gave one. */
  consent(participant: number): boolean | null {
    return this.#consent.get(participant) ?? null;
  }

  /** Marked dropped at least once (a bot played their seat for a while). */
  dropped(participant: number): boolean {
    return this.#dropped.has(participant);
  }

  label(participant: unknown): string | null {
    if (typeof participant !== "number") return null;
    return this.participants.get(participant)?.label ?? null;
  }

  /** The session participant at a seat in a round, null for a bot, the investor or unknown. */
  seatParticipant(market: number | null, round: number | null, seat: unknown): number | null {
    if (market === null || round === null || typeof seat !== "number") return null;
    return this.roundSeats.get(`${market}:${round}`)?.seats.get(seat)?.participant ?? null;
  }

  /** The participant's latest telemetry report at or before `wallMs`, or null. */
  telemetryAt(participant: unknown, wallMs: number): Telemetry | null {
    if (typeof participant !== "number") return null;
    const history = this.#telemetry.get(participant);
    if (!history) return null;
    // Last index with wallMs[i] <= wallMs.
    const times = history.wallMs;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] <= wallMs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : history.reports[lo - 1];
  }
}

function sessionCode(input: SessionExportInput, created: SessionCreated | null): string {
  if (created && typeof created.code === "string" && created.code !== "") return created.code;
  const first = input.session[0]?.stream;
  if (first) return first;
  for (const stream of input.markets.keys()) {
    const slash = stream.lastIndexOf("/");
    if (slash > 0) return stream.slice(0, slash);
  }
  return "session";
}

/** `<code>/m<n>` → n; falls back to the events' own stream name. */
export function marketNumber(stream: string, events: readonly LogEvent[]): number | null {
  for (const name of [stream, events[0]?.stream ?? ""]) {
    const match = /\/m(\d+)$/.exec(name);
    if (match) return Number(match[1]);
  }
  return null;
}

/** The events themselves when already ascending by seq (the normal case), else a sorted copy. */
function inSeqOrder(events: LogEvent[]): LogEvent[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i].seq < events[i - 1].seq) return [...events].sort((a, b) => a.seq - b.seq);
  }
  return events;
}

/** Stable sort by wall time: clocks can step back, and ties keep seq order. */
function sortHistory(history: TelemetryHistory): void {
  const times = history.wallMs;
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i] >= times[i - 1];
  if (sorted) return;
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  history.wallMs = order.map((i) => times[i]);
  history.reports = order.map((i) => history.reports[i]);
}

function splitByRound(events: LogEvent[], market: number | null, stream: string): EventChunk[] {
  const byRound = new Map<number | null, LogEvent[]>();
  for (const e of events) {
    const round = typeof e.round === "number" ? e.round : null;
    let list = byRound.get(round);
    if (!list) {
      list = [];
      byRound.set(round, list);
    }
    list.push(e);
  }
  return [...byRound].map(([round, list]) => ({ round, market, stream, events: list }));
}

function compareChunks(a: EventChunk, b: EventChunk): number {
  const ra = a.round ?? -Infinity;
  const rb = b.round ?? -Infinity;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const ma = a.market ?? -Infinity;
  const mb = b.market ?? -Infinity;
  if (ma !== mb) return ma < mb ? -1 : 1;
  return a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0;
}
