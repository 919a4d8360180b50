/**
 * A live session: its participants and their links, its markets, the round
 * it is in, and the experimenter's controls. It turns subjects' messages
 * into market decisions and markets' changes into screen updates, and it
 * logs every input, so the whole session can be rebuilt from its streams
 * ({@link LiveSession.recover}).
 */

import type { EloSessionConfig } from "../market/session_config.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import type {
  ParticipantEntry,
  RoundStart,
  SeatEntry,
  SessionCreated,
  SubjectAction,
} from "../eventlog/event_kinds.ts";
import type { EventAppender } from "./event_appender.ts";
import { LiveMarket } from "./live_market.ts";
import { newToken } from "./secret_token.ts";
import {
  marketSeed,
  planSession,
  roundInput,
  seatsAtStart,
  type SessionPlan,
} from "./round_inputs.ts";
import { SubjectChannel, type SubjectSocket, type UpdateBody } from "./subject_channel.ts";
import {
  type ClockState,
  NO_OFFER,
  type Phase,
  type SubjectRequest,
  type SubjectSnapshot,
} from "../protocol/subject_protocol.ts";
import type {
  MarketView,
  ParticipantView,
  SessionSummary,
  SessionView,
} from "../protocol/admin_protocol.ts";
import type { EloRole } from "../market/session_config.ts";

/** An admin action that does not fit the session's state (HTTP 409). */
export class SessionStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionStateError";
  }
}

interface Presence {
  sockets: number;
  rttMs: number | null;
}

const ADMIN_PAUSE = "paused by the experimenter";
const LOG_PAUSE = "the event log is unreachable; trading resumes when it is back";

export class LiveSession {
  readonly code: string;
  readonly config: EloSessionConfig;
  readonly participants: ParticipantEntry[];
  readonly #plan: SessionPlan;
  readonly #appender: EventAppender;
  readonly #channels = new Map<number, SubjectChannel>();
  readonly #presence = new Map<number, Presence>();
  readonly #byToken = new Map<string, ParticipantEntry>();
  #markets: LiveMarket[] = [];
  #round = 0;
  #phase: Phase = "waiting";
  /** Paused by the experimenter (as opposed to by a log outage). */
  #adminPaused = false;
  #logDown = false;
  #starting = false;
  #version = 0;
  readonly #now?: () => number;

  private constructor(
    code: string,
    plan: SessionPlan,
    participants: ParticipantEntry[],
    appender: EventAppender,
    now?: () => number,
  ) {
    this.code = code;
    this.#plan = plan;
    this.config = plan.config;
    this.participants = participants;
    this.#appender = appender;
    this.#now = now;
    for (const p of participants) {
      this.#channels.set(p.index, new SubjectChannel());
      this.#presence.set(p.index, { sockets: 0, rttMs: null });
      this.#byToken.set(p.token, p);
    }
  }

  /** Seats of each market played by people, in seat order. */
  static humanSeats(config: EloSessionConfig): number[] {
    return config.seats.filter((s) => !s.bot).map((s) => s.seat);
  }

  static async create(
    appender: EventAppender,
    config: EloSessionConfig,
    configText: string,
    code: string,
    now?: () => number,
  ): Promise<LiveSession> {
    const plan = await planSession(config);
    const seats = LiveSession.humanSeats(config);
    const participants: ParticipantEntry[] = [];
    for (let m = 1; m <= config.numberOfMarkets; m++) {
      for (const seat of seats) {
        const index = participants.length + 1;
        participants.push({ index, label: `P${index}`, token: newToken(), market: m, seat });
      }
    }
    const session = new LiveSession(code, plan, participants, appender, now);
    const created: SessionCreated = {
      code,
      name: config.displayName || config.name,
      environment: config.environment,
      format: config.auctionFormat,
      config_text: configText,
      config_source: config.source,
      participants,
    };
    appender.emit(code, "session_created", { ...created }, { round: null, roundMs: null });
    return session;
  }

  /**
   * Rebuilds a session from its streams: the last round of every market is
   * replayed; a round that was trading when the server stopped carries on
   * from where its log ends.
   */
  static async recover(
    appender: EventAppender,
    config: EloSessionConfig,
    sessionEvents: LogEvent[],
    marketEvents: Map<number, LogEvent[]>,
    now?: () => number,
  ): Promise<LiveSession> {
    const created = sessionEvents[0].data as unknown as SessionCreated;
    const plan = await planSession(config);
    const session = new LiveSession(created.code, plan, created.participants, appender, now);
    appender.resume(created.code, sessionEvents[sessionEvents.length - 1].seq);
    let anyRunning = false;
    for (const [m, events] of [...marketEvents].sort((a, b) => a[0] - b[0])) {
      const startAt = events.findLastIndex((e) => e.kind === "round_start");
      if (startAt < 0) {
        appender.resume(`${created.code}/m${m}`, events.at(-1)?.seq ?? 0);
        continue;
      }
      const roundEvents = events.slice(startAt);
      const start = roundEvents[0].data as unknown as RoundStart;
      const market = await LiveMarket.recover(
        roundInput(plan, start.round, m, start.seats, start.duration_ms, start.seed),
        session.#marketOptions(m, start),
        roundEvents,
      );
      session.#markets[m - 1] = market;
      session.#round = Math.max(session.#round, start.round);
      if (market.state !== "ended") anyRunning = true;
      if (market.pausedFor === ADMIN_PAUSE) session.#adminPaused = true;
    }
    session.#phase = session.#round === 0
      ? "waiting"
      : anyRunning
      ? "running"
      : session.#round >= config.numRounds
      ? "finished"
      : "ended";
    if (anyRunning && session.#adminPaused) {
      // the experimenter had paused it: it stays paused until they resume
      session.#phase = "paused";
    } else if (anyRunning) {
      for (const market of session.#markets) market?.resume("recovered after a server restart");
    }
    return session;
  }

  get round(): number {
    return this.#round;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Changes whenever anything the monitor shows may have changed. */
  get version(): number {
    return this.#version;
  }

  participantByToken(token: string): ParticipantEntry | undefined {
    return this.#byToken.get(token);
  }

  #trial(round: number): boolean {
    return this.config.trialRounds.includes(round);
  }

  #durationMs(round: number): number {
    return this.config.rounds[round - 1]?.durationMs ?? this.config.roundDurationMs;
  }

  #marketOptions(m: number, start: RoundStart) {
    return {
      stream: `${this.code}/m${m}`,
      market: m,
      round: start.round,
      trial: start.trial,
      durationMs: start.duration_ms,
      participants: start.seats.map((s) => s.participant),
      appender: this.#appender,
      publish: (p: number, u: UpdateBody) => {
        this.#version++;
        this.#channels.get(p)?.publish(u);
      },
      onEnd: () => this.#marketEnded(),
      now: this.#now,
    };
  }

  // ---- experimenter ---------------------------------------------------------------

  /** Starts the next round in every market, whoever is connected. */
  async startRound(): Promise<void> {
    // a second click while the first start is still opening the markets
    if (this.#starting) throw new SessionStateError(`round ${this.#round + 1} is starting`);
    this.#starting = true;
    try {
      await this.#startRound();
    } finally {
      this.#starting = false;
    }
  }

  async #startRound(): Promise<void> {
    if (this.#phase === "running" || this.#phase === "paused") {
      throw new SessionStateError(`round ${this.#round} is still ${this.#phase}; end it first`);
    }
    if (this.#round >= this.config.numRounds) {
      throw new SessionStateError(`all ${this.config.numRounds} rounds have been played`);
    }
    if (this.#logDown) {
      throw new SessionStateError(LOG_PAUSE);
    }
    const round = this.#round + 1;
    const markets: LiveMarket[] = [];
    for (let m = 1; m <= this.config.numberOfMarkets; m++) {
      const people = this.config.seats.map((s) =>
        this.participants.find((p) => p.market === m && p.seat === s.seat)?.index ?? null
      );
      const seats: SeatEntry[] = seatsAtStart(this.config, people);
      const start: RoundStart = {
        round,
        trial: this.#trial(round),
        seed: marketSeed(this.config, round, m),
        duration_ms: this.#durationMs(round),
        format: this.config.auctionFormat,
        seats,
      };
      this.#appender.emit(`${this.code}/m${m}`, "round_start", { ...start }, {
        round,
        roundMs: 0,
      });
      markets.push(
        await LiveMarket.open(
          roundInput(this.#plan, round, m, seats, start.duration_ms, start.seed),
          this.#marketOptions(m, start),
        ),
      );
    }
    this.#markets = markets;
    this.#round = round;
    this.#phase = "running";
    this.#adminPaused = false;
    for (const market of markets) market.resume("round start");
    this.#snapshotAll();
  }

  pause(): void {
    if (this.#phase !== "running") {
      throw new SessionStateError(`nothing to pause: the session is ${this.#phase}`);
    }
    this.#adminPaused = true;
    this.#phase = "paused";
    for (const m of this.#markets) m.pause(ADMIN_PAUSE);
    this.#clockAll();
  }

  resume(): void {
    if (this.#phase !== "paused") {
      throw new SessionStateError(`nothing to resume: the session is ${this.#phase}`);
    }
    if (this.#logDown) throw new SessionStateError(LOG_PAUSE);
    this.#adminPaused = false;
    this.#phase = "running";
    for (const m of this.#markets) m.resume("resumed by the experimenter");
    this.#clockAll();
  }

  endRound(): void {
    if (this.#phase !== "running" && this.#phase !== "paused") {
      throw new SessionStateError(`no round to end: the session is ${this.#phase}`);
    }
    for (const m of this.#markets) m.end("admin");
  }

  /** The log went away or came back: markets stop rather than trade unrecorded. */
  logAvailability(available: boolean): void {
    this.#logDown = !available;
    if (!available && this.#phase === "running") {
      this.#phase = "paused";
      for (const m of this.#markets) m.pause(LOG_PAUSE);
      this.#clockAll();
    } else if (available && this.#phase === "paused" && !this.#adminPaused) {
      this.#phase = "running";
      for (const m of this.#markets) m.resume("event log reachable again");
      this.#clockAll();
    }
  }

  #marketEnded(): void {
    if (this.#markets.some((m) => m.state !== "ended")) return;
    this.#phase = this.#round >= this.config.numRounds ? "finished" : "ended";
    this.#clockAll();
  }

  close(): void {
    for (const m of this.#markets) if (m.state === "running") m.pause("server shutting down");
  }

  // ---- subjects -----------------------------------------------------------------

  connect(p: ParticipantEntry, socket: SubjectSocket): void {
    this.#channels.get(p.index)!.attach(socket);
    const presence = this.#presence.get(p.index)!;
    presence.sockets++;
    this.#version++;
    if (presence.sockets === 1) {
      this.#appender.emit(this.code, "presence", { participant: p.index, connected: true }, {
        round: this.#round || null,
        roundMs: null,
      });
    }
  }

  disconnect(p: ParticipantEntry, socket: SubjectSocket): void {
    this.#channels.get(p.index)!.detach(socket);
    const presence = this.#presence.get(p.index)!;
    presence.sockets = Math.max(0, presence.sockets - 1);
    this.#version++;
    if (presence.sockets === 0) {
      this.#appender.emit(this.code, "presence", { participant: p.index, connected: false }, {
        round: this.#round || null,
        roundMs: null,
      });
    }
  }

  /** One parsed message from a subject's socket. */
  handle(p: ParticipantEntry, socket: SubjectSocket, request: SubjectRequest): void {
    const channel = this.#channels.get(p.index)!;
    switch (request.type) {
      case "hello": {
        const missed = request.last_seq === null ? null : channel.since(request.last_seq);
        if (missed === null) {
          // a snapshot numbered in the participant's stream; sent to this socket only
          channel.direct(socket, { type: "snapshot", state: this.snapshot(p) });
        } else {
          for (const text of missed) socket.send(text);
        }
        return;
      }
      case "ping":
        channel.direct(socket, { type: "pong", id: request.id, server_ms: Date.now() });
        return;
      case "telemetry":
        this.#presence.get(p.index)!.rttMs = request.avg_latency_ms;
        this.#version++;
        this.#appender.emit(this.code, "telemetry", { participant: p.index, ...request }, {
          round: this.#round || null,
          roundMs: null,
        });
        return;
      default: {
        const market = this.#markets[p.market - 1];
        if (!market || this.#phase === "waiting") {
          channel.direct(socket, { type: "refused", reason: "no round is running yet" });
          return;
        }
        const seat = market.seatOfParticipant(p.index);
        const action: SubjectAction = request;
        const refused = market.act(seat, action);
        if (refused !== null && market.state !== "running") {
          channel.publish({ type: "refused", reason: refused });
        }
      }
    }
  }

  /** Tells one socket what was wrong with its message; nothing else changes. */
  error(p: ParticipantEntry, socket: SubjectSocket, message: string): void {
    this.#channels.get(p.index)!.direct(socket, { type: "error", message });
  }

  clock(): ClockState {
    const market = this.#markets[0];
    return {
      phase: this.#phase,
      round: this.#round,
      num_rounds: this.config.numRounds,
      trial: this.#trial(Math.max(1, this.#round)),
      duration_ms: market?.options.durationMs ?? this.#durationMs(1),
      round_ms: market?.roundMs ?? 0,
    };
  }

  #clockAll(): void {
    this.#version++;
    const clock = this.clock();
    for (const channel of this.#channels.values()) channel.publish({ type: "clock", clock });
  }

  #snapshotAll(): void {
    this.#version++;
    for (const p of this.participants) {
      this.#channels.get(p.index)!.publish({ type: "snapshot", state: this.snapshot(p) });
    }
  }

  roles(): EloRole[] {
    return this.config.elo.includeManualRole
      ? ["out", "manual", "automated"]
      : ["out", "automated"];
  }

  snapshot(p: ParticipantEntry): SubjectSnapshot {
    const market = this.#markets[p.market - 1];
    const base = {
      label: p.label,
      environment: this.config.environment,
      format: this.config.auctionFormat,
      roles: this.roles(),
      signed_volume_widgets: this.config.elo.includeSignedVolumeWidgets,
      clock: this.clock(),
    };
    if (!market) {
      const seat = this.config.seats[p.seat - 1];
      return {
        ...base,
        bbo: { best_bid: 0, best_offer: NO_OFFER, volume_at_best_bid: 0, volume_at_best_offer: 0 },
        levels: [],
        external: { e_best_bid: 0, e_best_offer: NO_OFFER, e_signed_volume: 0 },
        peg: 0,
        last_batch: null,
        trades: [],
        strategy: {
          role: this.config.elo.defaultRole,
          speed: false,
          a_x: seat?.aX ?? 0,
          a_y: seat?.aY ?? 0,
          a_z: seat?.aZ ?? 0,
        },
        orders: [],
        wallet: {
          cash: this.config.initialEndowment,
          inventory: 0,
          pbd: 0,
          speed_cost: 0,
          reference_price: 0,
          signed_volume: 0,
        },
        profit: [],
        sensitivities: [],
      };
    }
    const seat = market.seatOfParticipant(p.index);
    const v = market.elo.marketView();
    return {
      ...base,
      bbo: market.bbo(),
      levels: market.levels(),
      external: {
        e_best_bid: v.external.bestBid,
        e_best_offer: v.external.bestOffer,
        e_signed_volume: v.external.signedVolume,
      },
      peg: v.peg,
      last_batch: v.lastBatch
        ? {
          clearing_price: v.lastBatch.clearingPrice,
          volume: v.lastBatch.volume,
          round_ms: v.lastBatch.atMs,
        }
        : null,
      trades: market.tradeMarks(seat),
      strategy: market.strategy(seat),
      orders: market.orders(seat),
      wallet: market.wallet(seat),
      profit: market.profit(seat),
      sensitivities: market.sensitivities(seat),
    };
  }

  // ---- experimenter's views ------------------------------------------------------

  summary(adminUrl: string): SessionSummary {
    let connected = 0;
    for (const p of this.#presence.values()) if (p.sockets > 0) connected++;
    return {
      code: this.code,
      name: this.config.displayName || this.config.name,
      phase: this.#phase,
      round: this.#round,
      num_rounds: this.config.numRounds,
      participants: this.participants.length,
      connected,
      admin_url: adminUrl,
    };
  }

  view(urls: { admin: string; subject: (token: string) => string }): SessionView {
    const clock = this.clock();
    const markets: MarketView[] = [];
    for (let m = 1; m <= this.config.numberOfMarkets; m++) {
      const market = this.#markets[m - 1];
      const label = (seat: number) =>
        seat === 0
          ? "investor"
          : this.participants.find((p) => p.market === m && p.seat === seat)?.label ??
            `bot ${String.fromCharCode(64 + seat)}`;
      const participants: ParticipantView[] = this.participants.filter((p) => p.market === m)
        .map((p) => {
          const presence = this.#presence.get(p.index)!;
          const seat = market?.seatOfParticipant(p.index) ?? 0;
          const strategy = market && seat > 0 ? market.strategy(seat) : null;
          const wallet = market && seat > 0 ? market.wallet(seat) : null;
          return {
            index: p.index,
            label: p.label,
            market: p.market,
            seat: p.seat,
            url: urls.subject(p.token),
            connected: presence.sockets > 0,
            role: strategy?.role ?? this.config.elo.defaultRole,
            speed: strategy?.speed ?? false,
            inventory: wallet?.inventory ?? 0,
            cash: wallet?.cash ?? this.config.initialEndowment,
            profit: wallet?.pbd ?? 0,
            speed_cost: wallet?.speed_cost ?? 0,
            rtt_ms: presence.rttMs,
          };
        });
      markets.push({
        market: m,
        bbo: market?.bbo() ??
          { best_bid: 0, best_offer: NO_OFFER, volume_at_best_bid: 0, volume_at_best_offer: 0 },
        levels: market?.levels() ?? [],
        trades: (market?.trades ?? []).slice(-20).reverse().map((t) => ({
          round_ms: t.round_ms,
          price: t.price,
          shares: t.shares,
          buyer: label(t.buyer_seat),
          seller: label(t.seller_seat),
        })),
        participants,
      });
    }
    return {
      code: this.code,
      name: this.config.displayName || this.config.name,
      environment: this.config.environment,
      format: this.config.auctionFormat,
      phase: clock.phase,
      round: clock.round,
      num_rounds: clock.num_rounds,
      trial: clock.trial,
      round_ms: clock.round_ms,
      duration_ms: clock.duration_ms,
      admin_url: urls.admin,
      markets,
    };
  }
}
