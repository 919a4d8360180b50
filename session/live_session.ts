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
  MarketsFormed,
  ParticipantEntry,
  PaymentsEvent,
  PayoffEvent,
  RoundStart,
  SeatEntry,
  SessionCreated,
  SubjectAction,
} from "../eventlog/event_kinds.ts";
import { type FlowEvent, FlowRefusal, SessionFlow } from "../experiment/session_flow.ts";
import { loadQuestionBank, quizFor, surveyFor } from "../experiment/quiz.ts";
import { renderMarkdown } from "../experiment/markdown.ts";
import {
  computePayments,
  drawPaidRound,
  type Eligibility,
  type Payment,
  type PaymentInput,
} from "../experiment/payment.ts";
import { SeatBot } from "./seat_bot.ts";
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
  type PageView,
  type Phase,
  type RoundResultView,
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

/** A room's seats a new session is given (see the room registry). */
export interface RoomSeats {
  name: string;
  seats: { label: string; token: string }[];
}

/** What a session shows on its pages, prepared once from its config. */
interface FlowContent {
  consentHtml: string;
  instructionsHtml: string;
}

/** Kinds of the session stream that the flow applies. */
const FLOW_KINDS = new Set([
  "page",
  "consent",
  "markets_formed",
  "quiz_answer",
  "survey",
  "dropout",
  "payments",
]);

function randomUnit(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
}

export class LiveSession {
  readonly code: string;
  readonly config: EloSessionConfig;
  readonly participants: ParticipantEntry[];
  readonly room: string | null;
  readonly paidRound: number | null;
  readonly flow: SessionFlow;
  readonly #content: FlowContent;
  readonly #plan: SessionPlan;
  readonly #appender: EventAppender;
  readonly #channels = new Map<number, SubjectChannel>();
  readonly #presence = new Map<number, Presence>();
  readonly #byToken = new Map<string, ParticipantEntry>();
  readonly #byRoomSeat = new Map<string, ParticipantEntry>();
  readonly #bots = new Map<number, SeatBot>();
  /** Round → participant → the results page's numbers. */
  readonly #results = new Map<number, Map<number, RoundResultView>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #markets: LiveMarket[] = [];
  #round = 0;
  #phase: Phase = "waiting";
  /** Paused by the experimenter (as opposed to by a log outage). */
  #adminPaused = false;
  #logDown = false;
  #starting = false;
  #finishing = false;
  #closed = false;
  #version = 0;
  readonly #now?: () => number;

  private constructor(
    code: string,
    plan: SessionPlan,
    created: SessionCreated,
    flow: SessionFlow,
    content: FlowContent,
    appender: EventAppender,
    now?: () => number,
  ) {
    this.code = code;
    this.#plan = plan;
    this.config = plan.config;
    this.participants = created.participants;
    this.room = created.room ?? null;
    this.paidRound = created.paid_round ?? null;
    this.flow = flow;
    this.#content = content;
    this.#appender = appender;
    this.#now = now;
    for (const p of this.participants) {
      this.#channels.set(p.index, new SubjectChannel());
      this.#presence.set(p.index, { sockets: 0, rttMs: null });
      this.#byToken.set(p.token, p);
      if (p.room_seat) this.#byRoomSeat.set(p.room_seat, p);
    }
  }

  /** Seats of each market played by people, in seat order. */
  static humanSeats(config: EloSessionConfig): number[] {
    return config.seats.filter((s) => !s.bot).map((s) => s.seat);
  }

  /** The flow of a session of `participants`, with its quiz and pages read from the config. */
  static async #prepare(
    config: EloSessionConfig,
    participants: number,
  ): Promise<{ flow: SessionFlow; content: FlowContent }> {
    const f = config.flow;
    const bank = f.quizFile && config.runSurvey ? await loadQuestionBank(f.quizFile) : null;
    const survey = bank ? surveyFor(bank, f.surveySections) : [];
    // check the quiz once now: a bad section name is a config error, not a crash at round 3
    const quizOf = (i: number) =>
      bank
        ? quizFor(
          bank,
          f.quizSections,
          config.auctionFormat,
          (config.seed ^ Math.imul(i, 0x9e3779b1)) >>> 0,
        )
        : [];
    const hasQuiz = quizOf(1).length > 0;
    const flow = new SessionFlow({
      participants,
      markets: config.numberOfMarkets,
      humanSeats: LiveSession.humanSeats(config),
      allowUnderbooking: config.allowUnderbooking,
      numRounds: config.numRounds,
      trialRounds: config.trialRounds,
      consentPage: f.consent !== null,
      instructionsPage: f.instructions !== null,
      quiz: quizOf,
      hasQuiz,
      survey,
      quizAttempts: f.quizAttempts,
      instructionsNextDelayMs: f.instructionsNextDelayMs,
      resultsNextDelayMs: f.resultsNextDelayMs,
    });
    return {
      flow,
      content: {
        consentHtml: f.consent === null ? "" : renderMarkdown(f.consent),
        instructionsHtml: f.instructions === null ? "" : renderMarkdown(f.instructions),
      },
    };
  }

  static async create(
    appender: EventAppender,
    config: EloSessionConfig,
    configText: string,
    code: string,
    now?: () => number,
    options: { room?: RoomSeats } = {},
  ): Promise<LiveSession> {
    const plan = await planSession(config);
    const n = config.demoParticipants;
    const room = options.room;
    if (room && room.seats.length < n) {
      throw new SessionStateError(
        `room "${room.name}" has ${room.seats.length} seats; this session needs ${n} participants ` +
          "(demo.number-of-participants)",
      );
    }
    const { flow, content } = await LiveSession.#prepare(config, n);
    const participants: ParticipantEntry[] = [];
    for (let index = 1; index <= n; index++) {
      const seat = room?.seats[index - 1];
      participants.push({
        index,
        label: seat?.label ?? `P${index}`,
        token: newToken(),
        market: null,
        seat: null,
        ...(seat ? { room_seat: seat.token } : {}),
      });
    }
    const created: SessionCreated = {
      code,
      name: config.displayName || config.name,
      environment: config.environment,
      format: config.auctionFormat,
      config_text: configText,
      config_source: config.source,
      participants,
      room: room?.name ?? null,
      paid_round: config.payment.randomPayoff
        ? drawPaidRound(config.numRounds, config.trialRounds, randomUnit)
        : null,
    };
    appender.emit(code, "session_created", structuredClone({ ...created }), {
      round: null,
      roundMs: null,
    });
    const session = new LiveSession(code, plan, created, flow, content, appender, now);
    session.#emitFlow(flow.decideStart());
    // no consent page: everyone takes part, so the markets can be formed now
    if (config.flow.consent === null) {
      session.#emitFlow(flow.decideFormation("creation", randomUnit));
    }
    return session;
  }

  /**
   * Rebuilds a session from its streams: the flow from the session stream,
   * the last round of every market by replay; a round that was trading when
   * the server stopped carries on from where its log ends.
   */
  static async recover(
    appender: EventAppender,
    config: EloSessionConfig,
    sessionEvents: LogEvent[],
    marketEvents: Map<number, LogEvent[]>,
    now?: () => number,
  ): Promise<LiveSession> {
    const created = structuredClone(sessionEvents[0].data) as unknown as SessionCreated;
    const plan = await planSession(config);
    const { flow, content } = await LiveSession.#prepare(config, created.participants.length);
    const session = new LiveSession(created.code, plan, created, flow, content, appender, now);
    appender.resume(created.code, sessionEvents[sessionEvents.length - 1].seq);
    for (const e of sessionEvents) {
      if (!FLOW_KINDS.has(e.kind)) continue;
      flow.apply(e.kind, e.data, e.wallMs);
      if (e.kind === "markets_formed") session.#seat(e.data as unknown as MarketsFormed);
    }
    let anyRunning = false;
    for (const [m, events] of [...marketEvents].sort((a, b) => a[0] - b[0])) {
      session.#collectResults(events);
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
    session.#markets = session.#markets.filter((m) => m !== undefined);
    const finished = flow.payments !== null;
    session.#phase = finished
      ? "finished"
      : session.#round === 0
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
    // pages the dead process had not yet moved on
    if (session.#round > 0) {
      if (anyRunning) {
        session.#emitFlow(flow.decideRoundStart(session.#round));
      } else if (!finished) {
        session.#roundOver();
      }
    }
    for (const p of flow.people) if (p.dropped) session.#startBot(p.index);
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

  participantByRoomSeat(token: string): ParticipantEntry | undefined {
    return this.#byRoomSeat.get(token);
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
      onRecord: (kind: string, data: Record<string, unknown>) => {
        if (kind === "payoff") this.#noteResult(start.round, data as unknown as PayoffEvent);
      },
      onEnd: () => this.#marketEnded(),
      now: this.#now,
    };
  }

  // ---- the flow ------------------------------------------------------------------

  /** Logs flow events, applies them, and shows the pages that changed. */
  #emitFlow(events: FlowEvent[]): void {
    if (events.length === 0) return;
    const moved = new Set<number>();
    for (const e of events) {
      const wallMs = Date.now();
      this.#appender.emit(this.code, e.kind, e.data, {
        round: this.#round || null,
        roundMs: null,
        wallMs,
      });
      this.flow.apply(e.kind, e.data, wallMs);
      if (e.kind === "markets_formed") this.#seat(e.data as unknown as MarketsFormed);
      const who = e.data.participant;
      if (typeof who === "number") moved.add(who);
      if (e.kind === "markets_formed" || e.kind === "payments") {
        for (const p of this.participants) moved.add(p.index);
      }
    }
    this.#version++;
    // whoever waits for a round sees how many others it still waits for
    for (const p of this.flow.people) if (p.page === "wait") moved.add(p.index);
    for (const i of moved) {
      this.#channels.get(i)?.publish({ type: "page", page: this.#pageView(i) });
    }
    this.#maybeStartRound();
  }

  /** The participants' entries learn their market and seat. */
  #seat(formed: MarketsFormed): void {
    for (const s of formed.seats) {
      const p = this.participants[s.participant - 1];
      p.market = s.market;
      p.seat = s.seat;
    }
  }

  #connected(index: number): boolean {
    return (this.#presence.get(index)?.sockets ?? 0) > 0;
  }

  /** Starts the next round by itself once everyone it needs is ready, when the config says so. */
  #maybeStartRound(): void {
    if (this.config.flow.roundStart !== "auto" || this.#starting || this.#closed) return;
    if (this.#phase !== "waiting" && this.#phase !== "ended") return;
    if (this.#logDown || this.#finishing || this.flow.payments) return;
    const next = this.#round + 1;
    if (next > this.config.numRounds) return;
    if (!this.flow.readyFor(next, (i) => this.#connected(i))) return;
    this.startRound().catch((e) => {
      if (!(e instanceof SessionStateError)) {
        console.error(`session ${this.code}: round ${next} did not start:`, e);
      }
    });
  }

  #later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) run();
    }, ms);
    this.#timers.add(t);
  }

  /** Round over in every market: results pages (after the post-round delay), payments after the last. */
  #roundOver(): void {
    const round = this.#round;
    if (round >= this.config.numRounds || this.#finishing) this.#settle();
    const show = () => {
      this.#emitFlow(this.flow.decideRoundResults(round));
      const after = this.config.flow.autoAdvanceMs;
      if (after > 0) {
        this.#later(after, () => this.#emitFlow(this.flow.decideAdvanceResults(round)));
      }
    };
    const delay = this.config.flow.postRoundDelayMs;
    if (delay > 0) this.#later(delay, show);
    else show();
  }

  /** Computes every payment, once: a recomputation could not differ, and is never done. */
  #settle(): void {
    if (this.flow.payments) return;
    const lastRound = this.#round;
    const participants = this.flow.people.map((p) => {
      const eligibility: Eligibility = p.eligibility ??
        (p.consent === false ? "not_consented" : "underbooked");
      const rounds = [];
      for (let r = 1; r <= lastRound; r++) {
        const result = this.#results.get(r)?.get(p.index);
        if (!result) continue;
        rounds.push({
          round: r,
          trial: this.#trial(r),
          payoff: result.payoff,
          played_by_bot: this.flow.playedByBot(p.index, r, lastRound),
        });
      }
      return {
        participant: p.index,
        label: this.participants[p.index - 1].label,
        eligibility,
        rounds,
      };
    });
    const rows = this.#payments(participants);
    const data: PaymentsEvent = {
      rule: this.config.payment.randomPayoff ? "random" : "sum",
      paid_round: this.paidRound,
      rows,
    };
    this.#phase = "finished";
    this.#emitFlow([{ kind: "payments", data: { ...data } }]);
  }

  /** Payoff records of a market stream, every round. */
  #collectResults(events: LogEvent[]): void {
    for (const e of events) {
      if (e.kind === "payoff" && e.round !== null) {
        this.#noteResult(e.round, e.data as unknown as PayoffEvent);
      }
    }
  }

  #noteResult(round: number, e: PayoffEvent): void {
    if (e.participant === null) return;
    let byRound = this.#results.get(round);
    if (!byRound) this.#results.set(round, byRound = new Map());
    const bought = e.bought ?? 0;
    const sold = e.sold ?? 0;
    byRound.set(e.participant, {
      round,
      trial: e.trial,
      endowment: e.endowment,
      bought,
      sold,
      avg_buy: bought > 0 ? Math.round((e.sum_bid_price ?? 0) / bought) : 0,
      avg_sale: sold > 0 ? Math.round((e.sum_ask_price ?? 0) / sold) : 0,
      cash: e.cash,
      inventory: e.inventory,
      reference_price: e.reference_price,
      inventory_value: e.inventory_value,
      speed_seconds: e.speed_seconds,
      speed_unit_cost: this.config.speedUnitCost,
      speed_cost: e.speed_cost,
      payoff_before_deduction: e.payoff_before_deduction,
      deduction_rate: this.config.elo.deductionRate,
      deduction: e.deduction,
      payoff: e.payoff,
      played_by_bot: false,
    });
  }

  #pageView(index: number): PageView {
    const p = this.flow.person(index);
    const f = this.config.flow;
    switch (p.page) {
      case "consent":
        return { name: "consent", html: this.#content.consentHtml };
      case "instructions":
        return {
          name: "instructions",
          html: this.#content.instructionsHtml,
          next_at: p.since + f.instructionsNextDelayMs,
        };
      case "quiz":
        return {
          name: "quiz",
          questions: this.flow.quizOf(index).map((q) => {
            const progress = this.flow.quizProgress(p, q.id);
            return {
              id: q.id,
              question: q.question,
              options: q.options,
              tried: progress.tried,
              max_attempts: f.quizAttempts,
              state: progress.state,
              correct: progress.state === "open" ? null : q.correct,
            };
          }),
        };
      case "wait": {
        const round = p.round ?? this.#round + 1;
        return {
          name: "wait",
          round,
          trial: this.#trial(round),
          waiting_for: this.flow.waitingFor(round),
          experimenter_starts: f.roundStart === "experimenter",
        };
      }
      case "trading":
        return { name: "trading", round: p.round ?? this.#round };
      case "results": {
        const round = p.round ?? this.#round;
        const result = this.#results.get(round)?.get(index) ?? null;
        return {
          name: "results",
          round,
          result: result && {
            ...result,
            played_by_bot: this.flow.playedByBot(index, round, this.#round),
          },
          next_at: p.since + f.resultsNextDelayMs,
          advance_at: f.autoAdvanceMs > 0 ? p.since + f.autoAdvanceMs : null,
        };
      }
      case "survey":
        return {
          name: "survey",
          questions: this.flow.settings.survey,
          submitted: p.survey !== null,
        };
      case "payment":
        return { name: "payment", payment: this.#paymentOf(index) };
    }
  }

  #payments(participants: PaymentInput[]): Payment[] {
    return computePayments({
      payment: this.config.payment,
      currency: this.config.currency,
      numRounds: this.config.numRounds,
      trialRounds: this.config.trialRounds,
      paidRound: this.paidRound,
      participants,
    });
  }

  /** The final payment, or for someone who never traded the fee they are sure to get. */
  #paymentOf(index: number) {
    const paid = this.flow.paymentOf(index);
    if (paid) return paid;
    const p = this.flow.person(index);
    const eligibility: Eligibility | null = p.eligibility === "eligible"
      ? null
      : p.eligibility ?? (p.consent === false ? "not_consented" : null);
    if (eligibility === null) return null;
    const label = this.participants[index - 1].label;
    return this.#payments([{ participant: index, label, eligibility, rounds: [] }])[0];
  }

  // ---- experimenter ---------------------------------------------------------------

  /** Forms the markets with whoever has consented so far. */
  formMarkets(): void {
    if (this.flow.formed) throw new SessionStateError("the markets are already formed");
    this.#emitFlow(this.flow.decideFormation("experimenter", randomUnit));
  }

  /** Marks a participant dropped (a bot plays the seat) or back. */
  setDropped(index: number, dropped: boolean): void {
    if (index < 1 || index > this.participants.length) {
      throw new SessionStateError(`there is no participant ${index}`);
    }
    const running = this.#phase === "running" || this.#phase === "paused";
    const round = running ? this.#round : this.#round + 1;
    try {
      this.#emitFlow(this.flow.decideDropout(index, dropped, round, running));
    } catch (e) {
      if (e instanceof FlowRefusal) throw new SessionStateError(e.message);
      throw e;
    }
    if (dropped) this.#startBot(index);
    else this.#stopBot(index);
  }

  #startBot(index: number): void {
    if (this.#bots.has(index)) return;
    const p = this.participants[index - 1];
    const seat = this.config.seats[(p.seat ?? 1) - 1];
    const bot = new SeatBot(
      { a_x: seat?.aX ?? 0, a_y: seat?.aY ?? 0, a_z: seat?.aZ ?? 0 },
      (request, socket) => this.handle(p, socket, request),
    );
    this.#bots.set(index, bot);
    this.#channels.get(index)!.attach(bot.socket);
    this.handle(p, bot.socket, { type: "hello", last_seq: null });
  }

  #stopBot(index: number): void {
    const bot = this.#bots.get(index);
    if (!bot) return;
    bot.close();
    this.#channels.get(index)!.detach(bot.socket);
    this.#bots.delete(index);
  }

  /** Ends the session now: any round is ended, payments computed from the rounds played. */
  finish(): void {
    if (this.flow.payments) throw new SessionStateError("the session is already finished");
    this.#finishing = true;
    if (this.#phase === "running" || this.#phase === "paused") {
      // the round's end settles it, then #roundOver pays everyone
      for (const m of this.#markets) m.end("admin");
    } else {
      this.#settle();
    }
    this.#emitFlow(this.flow.decideFinish());
  }

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
    if (this.flow.payments || this.#finishing) {
      throw new SessionStateError("the session is finished; payments are computed");
    }
    if (this.#round >= this.config.numRounds) {
      throw new SessionStateError(`all ${this.config.numRounds} rounds have been played`);
    }
    if (this.#logDown) {
      throw new SessionStateError(LOG_PAUSE);
    }
    const formation = this.flow.formation;
    if (!formation) {
      throw new SessionStateError(
        "the markets are not formed yet: wait until everyone has answered the consent page, " +
          "or form them now with whoever has consented",
      );
    }
    if (formation.markets === 0) {
      throw new SessionStateError(
        "too few participants consented to fill a market and underbooking is not allowed; " +
          "nobody trades in this session",
      );
    }
    const round = this.#round + 1;
    const markets: LiveMarket[] = [];
    for (let m = 1; m <= formation.markets; m++) {
      const people = this.config.seats.map((s) =>
        formation.seats.find((p) => p.market === m && p.seat === s.seat)?.participant ?? null
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
    this.#emitFlow(this.flow.decideRoundStart(round));
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
    this.#roundOver();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const i of [...this.#bots.keys()]) this.#stopBot(i);
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
      this.#maybeStartRound();
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

  /** One parsed message from a subject's socket (or from the bot in a dropped seat). */
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
      case "consent":
      case "next":
      case "quiz_answer":
      case "survey": {
        if (this.#logDown) {
          channel.direct(socket, { type: "refused", reason: LOG_PAUSE });
          return;
        }
        try {
          this.#emitFlow(this.#flowDecision(p.index, request));
          if (request.type === "consent" && !this.flow.formed && this.flow.consentComplete()) {
            this.#emitFlow(this.flow.decideFormation("consent", randomUnit));
          }
        } catch (e) {
          if (!(e instanceof FlowRefusal)) throw e;
          channel.direct(socket, { type: "refused", reason: e.message });
        }
        return;
      }
      default: {
        const person = this.flow.person(p.index);
        const market = person.market === null ? undefined : this.#markets[person.market - 1];
        if (person.dropped && socket !== this.#bots.get(p.index)?.socket) {
          channel.direct(socket, {
            type: "refused",
            reason: "a bot plays your seat for now; ask the experimenter to give it back to you",
          });
          return;
        }
        if (!market || this.#phase === "waiting") {
          const reason = person.market === null && this.flow.formed
            ? "you have no seat in a market"
            : "no round is running yet";
          channel.direct(socket, { type: "refused", reason });
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

  #flowDecision(
    index: number,
    request: Extract<SubjectRequest, { type: "consent" | "next" | "quiz_answer" | "survey" }>,
  ): FlowEvent[] {
    switch (request.type) {
      case "consent":
        return this.flow.decideConsent(index, request.agree);
      case "next":
        return this.flow.decideNext(index, request.page, request.round, Date.now());
      case "quiz_answer":
        return this.flow.decideQuizAnswer(index, request.question, request.answer);
      case "survey":
        return this.flow.decideSurvey(index, request.answers);
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
    const update: UpdateBody = { type: "clock", clock: this.clock() };
    for (const channel of this.#channels.values()) channel.publish(update);
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

  #marketOf(p: ParticipantEntry): LiveMarket | undefined {
    const m = this.flow.person(p.index).market;
    return m === null ? undefined : this.#markets[m - 1];
  }

  snapshot(p: ParticipantEntry): SubjectSnapshot {
    const market = this.#marketOf(p);
    const base = {
      label: p.label,
      page: this.#pageView(p.index),
      environment: this.config.environment,
      format: this.config.auctionFormat,
      roles: this.roles(),
      signed_volume_widgets: this.config.elo.includeSignedVolumeWidgets,
      clock: this.clock(),
    };
    const seatIndex = market?.seatOfParticipant(p.index) ?? 0;
    if (!market || seatIndex < 1) {
      const seat = this.config.seats[(p.seat ?? 1) - 1];
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
    const seat = seatIndex;
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

  #participantView(p: ParticipantEntry, url: string): ParticipantView {
    const presence = this.#presence.get(p.index)!;
    const person = this.flow.person(p.index);
    const market = this.#marketOf(p);
    const seat = market?.seatOfParticipant(p.index) ?? 0;
    const strategy = market && seat > 0 ? market.strategy(seat) : null;
    const wallet = market && seat > 0 ? market.wallet(seat) : null;
    const quiz = this.flow.quizScore(p.index);
    return {
      index: p.index,
      label: p.label,
      market: person.market,
      seat: person.seat,
      room_seat: p.room_seat ? p.label : null,
      url,
      connected: presence.sockets > 0,
      page: person.page,
      page_round: person.round,
      consent: person.consent,
      eligibility: person.eligibility,
      dropped: person.dropped,
      quiz_right_first: quiz.rightFirst,
      quiz_asked: quiz.asked,
      payment: this.flow.paymentOf(p.index)?.payment ?? null,
      role: strategy?.role ?? this.config.elo.defaultRole,
      speed: strategy?.speed ?? false,
      inventory: wallet?.inventory ?? 0,
      cash: wallet?.cash ?? this.config.initialEndowment,
      profit: wallet?.pbd ?? 0,
      speed_cost: wallet?.speed_cost ?? 0,
      rtt_ms: presence.rttMs,
    };
  }

  view(urls: { admin: string; subject: (token: string) => string }): SessionView {
    const clock = this.clock();
    const everyone = this.participants.map((p) => this.#participantView(p, urls.subject(p.token)));
    const markets: MarketView[] = [];
    const count = this.flow.formation?.markets ?? 0;
    for (let m = 1; m <= count; m++) {
      const market = this.#markets[m - 1];
      const label = (seat: number) =>
        seat === 0
          ? "investor"
          : this.participants.find((p) => p.market === m && p.seat === seat)?.label ??
            `bot ${String.fromCharCode(64 + seat)}`;
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
        participants: everyone.filter((p) => p.market === m),
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
      participants: everyone,
      room: this.room,
      formed: this.flow.formed,
      round_start: this.config.flow.roundStart,
      currency: this.config.currency,
      payments: this.flow.payments?.rows ?? null,
    };
  }
}
