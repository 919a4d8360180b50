/**
 * Where every participant of a session is: consent, instructions, the
 * rounds' wait, trading and results pages, the quiz before the first paid
 * round, the survey and the payment page; who was admitted to trade and
 * where; quiz attempts, survey answers and dropouts.
 *
 * Event-sourced and pure: `decide…` methods check a request against the
 * state and return the events that record it (or a refusal); `apply` is
 * the only thing that changes the state, live and when a session is
 * rebuilt from its log, so both give the same flow.
 */

import type { PageName } from "../protocol/subject_protocol.ts";
import type {
  ConsentEvent,
  DropoutEvent,
  MarketsFormed,
  PageEvent,
  PaymentsEvent,
  QuizAnswerEvent,
  SurveyEvent,
} from "../eventlog/event_kinds.ts";
import type { Eligibility, Payment } from "./payment.ts";
import { gradeAttempt, type QuizQuestion, type SurveyQuestion } from "./quiz.ts";

export interface FlowSettings {
  /** Participants, 1..n. */
  participants: number;
  /** Markets the config allows at most. */
  markets: number;
  /** Seats of a market that people play, in order. */
  humanSeats: number[];
  allowUnderbooking: boolean;
  numRounds: number;
  trialRounds: number[];
  consentPage: boolean;
  instructionsPage: boolean;
  /** Each participant's quiz (options in their order); empty: no quiz page. */
  quiz: (participant: number) => QuizQuestion[];
  hasQuiz: boolean;
  survey: SurveyQuestion[];
  quizAttempts: number;
  /** "Next" is refused on the instructions / results page until this long after arriving. */
  instructionsNextDelayMs: number;
  resultsNextDelayMs: number;
}

export interface FlowEvent {
  kind: string;
  data: Record<string, unknown>;
}

export interface QuizProgress {
  tried: number[];
  state: "open" | "right" | "revealed";
}

export interface ParticipantFlow {
  index: number;
  page: PageName;
  round: number | null;
  /** Epoch ms the page was entered (from its event). */
  since: number;
  consent: boolean | null;
  eligibility: Eligibility | null;
  market: number | null;
  seat: number | null;
  dropped: boolean;
  /** While dropped: the first round the bot plays. */
  droppedFrom: number | null;
  /** Rounds during which a bot played this participant's seat (for some of it). */
  botRounds: Set<number>;
  quiz: Map<string, QuizProgress>;
  survey: Record<string, string> | null;
}

/** A request that does not fit where the participant is; the reason is for the subject. */
export class FlowRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlowRefusal";
  }
}

type Stop = { page: PageName; round: number | null };

export class SessionFlow {
  readonly settings: FlowSettings;
  readonly people: ParticipantFlow[] = [];
  formed = false;
  formation: MarketsFormed | null = null;
  payments: PaymentsEvent | null = null;
  readonly #quizzes = new Map<number, QuizQuestion[]>();
  /** The pages of an admitted participant, in order (fixed by the settings). */
  readonly #stops: Stop[];

  constructor(settings: FlowSettings) {
    this.settings = settings;
    this.#stops = this.#pages();
    const first = this.#stops[0];
    for (let i = 1; i <= settings.participants; i++) {
      this.people.push({
        index: i,
        page: first.page,
        round: first.round,
        since: 0,
        consent: null,
        eligibility: null,
        market: null,
        seat: null,
        dropped: false,
        droppedFrom: null,
        botRounds: new Set(),
        quiz: new Map(),
        survey: null,
      });
    }
  }

  get firstPaidRound(): number | null {
    for (let r = 1; r <= this.settings.numRounds; r++) {
      if (!this.settings.trialRounds.includes(r)) return r;
    }
    return null;
  }

  #pages(): Stop[] {
    const s = this.settings;
    const stops: Stop[] = [];
    if (s.consentPage) stops.push({ page: "consent", round: null });
    if (s.instructionsPage) stops.push({ page: "instructions", round: null });
    const quizBefore = s.hasQuiz ? (this.firstPaidRound ?? 1) : null;
    for (let r = 1; r <= s.numRounds; r++) {
      if (r === quizBefore) stops.push({ page: "quiz", round: null });
      stops.push({ page: "wait", round: r }, { page: "trading", round: r }, {
        page: "results",
        round: r,
      });
    }
    if (s.survey.length > 0) stops.push({ page: "survey", round: null });
    stops.push({ page: "payment", round: null });
    return stops;
  }

  #position(p: ParticipantFlow): number {
    return this.#stops.findIndex((s) => s.page === p.page && s.round === p.round);
  }

  person(index: number): ParticipantFlow {
    const p = this.people[index - 1];
    if (!p) throw new Error(`no participant ${index}`);
    return p;
  }

  quizOf(index: number): QuizQuestion[] {
    let q = this.#quizzes.get(index);
    if (!q) this.#quizzes.set(index, q = this.settings.hasQuiz ? this.settings.quiz(index) : []);
    return q;
  }

  /** Admitted to trade, and seated. */
  seated(): ParticipantFlow[] {
    return this.people.filter((p) => p.eligibility === "eligible" && p.market !== null);
  }

  #page(p: ParticipantFlow, page: PageName, round: number | null): FlowEvent {
    const data: PageEvent = { participant: p.index, page, round };
    return { kind: "page", data: { ...data } };
  }

  #after(p: ParticipantFlow): Stop {
    const stops = this.#stops;
    const at = this.#position(p);
    return stops[Math.min(at + 1, stops.length - 1)];
  }

  // ---- decisions -------------------------------------------------------------

  /** Everyone's first page, logged when the session is created. */
  decideStart(): FlowEvent[] {
    return this.people.map((p) => this.#page(p, p.page, p.round));
  }

  decideConsent(index: number, agree: boolean): FlowEvent[] {
    const p = this.person(index);
    if (p.page !== "consent") throw new FlowRefusal("the consent page is behind you");
    const consent: ConsentEvent = { participant: index, agree };
    const events: FlowEvent[] = [{ kind: "consent", data: { ...consent } }];
    if (!agree) {
      events.push(this.#page(p, "payment", null));
    } else if (this.formed) {
      // consent arrived after the markets were formed: too late to be seated
      events.push(this.#page(p, "payment", null));
    } else {
      const next = this.#after(p);
      events.push(this.#page(p, next.page, next.round));
    }
    return events;
  }

  /** Whether every participant has answered the consent page. */
  consentComplete(): boolean {
    return this.people.every((p) => p.consent !== null);
  }

  /**
   * Seats the participants who consented: extra ones are drawn (with
   * `random`) to sit out, and with too few and no underbooking nobody trades.
   */
  decideFormation(by: MarketsFormed["by"], random: () => number): FlowEvent[] {
    if (this.formed) throw new FlowRefusal("the markets are already formed");
    const s = this.settings;
    const consented = this.people.filter((p) => p.consent === true || !s.consentPage);
    const notConsented = this.people.filter((p) => !consented.includes(p)).map((p) => p.index);
    const h = s.humanSeats.length;
    const markets = s.allowUnderbooking
      ? Math.min(s.markets, Math.ceil(consented.length / h))
      : Math.min(s.markets, Math.floor(consented.length / h));
    const places = Math.min(consented.length, markets * h);
    let underbooked: number[] = [];
    let overbooked: number[] = [];
    let admitted = consented.map((p) => p.index);
    if (markets === 0) {
      underbooked = admitted;
      admitted = [];
    } else if (consented.length > places) {
      // a partial Fisher–Yates: the last `extra` positions are the ones sitting out
      const pool = [...admitted];
      for (let i = pool.length - 1; i >= places; i--) {
        const j = Math.floor(random() * (i + 1));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      overbooked = pool.slice(places).sort((a, b) => a - b);
      admitted = admitted.filter((i) => !overbooked.includes(i));
    }
    const seats = admitted.map((participant, k) => ({
      participant,
      market: Math.floor(k / h) + 1,
      seat: s.humanSeats[k % h],
    }));
    const formed: MarketsFormed = {
      markets,
      seats,
      not_consented: notConsented,
      overbooked,
      underbooked,
      by,
    };
    const events: FlowEvent[] = [{ kind: "markets_formed", data: { ...formed } }];
    // anyone not trading goes to be paid the fee, whatever page they were on
    for (const i of [...overbooked, ...underbooked, ...notConsented]) {
      const p = this.person(i);
      if (p.page !== "payment") events.push(this.#page(p, "payment", null));
    }
    return events;
  }

  /**
   * "Next" from `page` (of `round`) at epoch ms `now`; a request for a page
   * already left is ignored ([]).
   */
  decideNext(index: number, page: PageName, round: number | null, now: number): FlowEvent[] {
    const p = this.person(index);
    if (p.page !== page || p.round !== round) return [];
    switch (page) {
      case "instructions":
      case "results": {
        const delay = page === "instructions"
          ? this.settings.instructionsNextDelayMs
          : this.settings.resultsNextDelayMs;
        // the page hides the button until then; a hand-made request waits as well
        const wait = p.since + delay - now;
        if (wait > 0) {
          throw new FlowRefusal(`please stay on this page ${Math.ceil(wait / 1000)} s more`);
        }
        break;
      }
      case "quiz":
        if (this.quizOf(index).some((q) => this.quizProgress(p, q.id).state === "open")) {
          throw new FlowRefusal("answer every question first");
        }
        break;
      case "survey":
        if (p.survey === null) throw new FlowRefusal("submit the survey first");
        break;
      default:
        throw new FlowRefusal(`the ${page} page does not move on by request`);
    }
    if (p.eligibility !== null && p.eligibility !== "eligible") {
      return [this.#page(p, "payment", null)];
    }
    const next = this.#after(p);
    return [this.#page(p, next.page, next.round)];
  }

  quizProgress(p: ParticipantFlow, question: string): QuizProgress {
    return p.quiz.get(question) ?? { tried: [], state: "open" };
  }

  decideQuizAnswer(index: number, question: string, answer: number): FlowEvent[] {
    const p = this.person(index);
    if (p.page !== "quiz") throw new FlowRefusal("the quiz is not open");
    const q = this.quizOf(index).find((q) => q.id === question);
    if (!q) throw new FlowRefusal(`there is no question "${question}"`);
    if (answer >= q.options.length) {
      throw new FlowRefusal(`question "${question}" has ${q.options.length} options`);
    }
    const progress = this.quizProgress(p, question);
    if (progress.state !== "open") throw new FlowRefusal("that question is already answered");
    const data: QuizAnswerEvent = {
      participant: index,
      question,
      answer: q.options[answer],
      attempt: progress.tried.length + 1,
      correct: answer === q.correct,
    };
    return [{ kind: "quiz_answer", data: { ...data } }];
  }

  decideSurvey(index: number, answers: Record<string, string>): FlowEvent[] {
    const p = this.person(index);
    if (p.page !== "survey") throw new FlowRefusal("the survey is not open");
    if (p.survey !== null) throw new FlowRefusal("the survey was already submitted");
    const known = new Map(this.settings.survey.map((q) => [q.id, q]));
    const clean: Record<string, string> = {};
    for (const [id, answer] of Object.entries(answers)) {
      const q = known.get(id);
      if (!q) throw new FlowRefusal(`there is no survey question "${id.slice(0, 50)}"`);
      if (q.options.length > 0 && !q.options.includes(answer)) {
        throw new FlowRefusal(`"${answer.slice(0, 50)}" is not an option of "${id}"`);
      }
      clean[id] = answer;
    }
    const missing = this.settings.survey.filter((q) => q.options.length > 0 && !(q.id in clean));
    if (missing.length > 0) {
      throw new FlowRefusal(`please answer: ${missing.map((q) => q.question).join("; ")}`);
    }
    const data: SurveyEvent = { participant: index, answers: clean };
    return [{ kind: "survey", data: { ...data } }];
  }

  /** Round `round` starts: every seated participant goes to its trading page. */
  decideRoundStart(round: number): FlowEvent[] {
    return this.seated()
      .filter((p) => !(p.page === "trading" && p.round === round))
      .map((p) => this.#page(p, "trading", round));
  }

  /** Round `round` is over: its traders see their results. */
  decideRoundResults(round: number): FlowEvent[] {
    return this.seated()
      .filter((p) => this.#position(p) < this.#positionOf("results", round))
      .map((p) => this.#page(p, "results", round));
  }

  /** The results page of `round` times out: whoever is still on it moves on. */
  decideAdvanceResults(round: number): FlowEvent[] {
    return this.seated()
      .filter((p) => p.page === "results" && p.round === round)
      .flatMap((p) => this.decideNext(p.index, "results", round, Infinity));
  }

  #positionOf(page: PageName, round: number | null): number {
    return this.#stops.findIndex((s) => s.page === page && s.round === round);
  }

  /**
   * The experimenter ends the session early: everyone not yet there goes to
   * the survey (if any, and admitted) or the payment page.
   */
  decideFinish(): FlowEvent[] {
    const events: FlowEvent[] = [];
    for (const p of this.people) {
      if (p.page === "payment" || p.page === "survey") continue;
      const survey = this.settings.survey.length > 0 && p.eligibility === "eligible";
      events.push(this.#page(p, survey ? "survey" : "payment", null));
    }
    return events;
  }

  /** `round`: the round trading now (`running`), or else the next one. */
  decideDropout(index: number, dropped: boolean, round: number, running: boolean): FlowEvent[] {
    const p = this.person(index);
    if (p.dropped === dropped) {
      throw new FlowRefusal(`${dropped ? "already dropped" : "not dropped"}`);
    }
    if (dropped && (p.eligibility !== "eligible" || p.market === null)) {
      throw new FlowRefusal("only a participant with a seat in a market can be replaced by a bot");
    }
    const data: DropoutEvent = { participant: index, dropped, round, running };
    return [{ kind: "dropout", data: { ...data } }];
  }

  /**
   * Whether round `round` may start by itself: the markets are formed and
   * every seated participant who is not dropped waits for it on its page and
   * is connected.
   */
  readyFor(round: number, connected: (index: number) => boolean): boolean {
    if (!this.formed) return false;
    const people = this.seated().filter((p) => !p.dropped);
    return people.length > 0 &&
      people.every((p) => p.page === "wait" && p.round === round && connected(p.index));
  }

  /** Seated, present participants the round still waits for. */
  waitingFor(round: number): number {
    return this.seated().filter((p) => !p.dropped && !(p.page === "wait" && p.round === round))
      .length;
  }

  // ---- state ---------------------------------------------------------------

  /** Applies one logged event (`at`: its epoch ms). Unknown kinds are not the flow's. */
  apply(kind: string, data: Record<string, unknown>, at: number): void {
    switch (kind) {
      case "page": {
        const e = data as unknown as PageEvent;
        const p = this.person(e.participant);
        p.page = e.page;
        p.round = e.round;
        p.since = at;
        return;
      }
      case "consent": {
        const e = data as unknown as ConsentEvent;
        this.person(e.participant).consent = e.agree;
        return;
      }
      case "markets_formed": {
        const e = data as unknown as MarketsFormed;
        this.formed = true;
        this.formation = e;
        for (const p of this.people) {
          p.eligibility = e.overbooked.includes(p.index)
            ? "overbooked"
            : e.underbooked.includes(p.index)
            ? "underbooked"
            : e.not_consented.includes(p.index)
            ? "not_consented"
            : "eligible";
        }
        for (const s of e.seats) {
          const p = this.person(s.participant);
          p.market = s.market;
          p.seat = s.seat;
        }
        return;
      }
      case "quiz_answer": {
        const e = data as unknown as QuizAnswerEvent;
        const p = this.person(e.participant);
        const q = this.quizOf(e.participant).find((q) => q.id === e.question);
        if (!q) return;
        const progress = this.quizProgress(p, e.question);
        const answer = q.options.indexOf(e.answer);
        // a log written by another version could hold answers this bank no longer takes
        if (progress.state !== "open" || answer < 0) return;
        const graded = gradeAttempt(q, progress.tried, answer, this.settings.quizAttempts);
        p.quiz.set(e.question, { tried: [...progress.tried, answer], state: graded.state });
        return;
      }
      case "survey": {
        const e = data as unknown as SurveyEvent;
        this.person(e.participant).survey = e.answers;
        return;
      }
      case "dropout": {
        const e = data as unknown as DropoutEvent;
        const p = this.person(e.participant);
        p.dropped = e.dropped;
        if (e.dropped) {
          p.droppedFrom = e.round;
        } else if (p.droppedFrom !== null) {
          // back between rounds: the bot played up to the last one; mid-round: this one too
          const last = e.running ? e.round : e.round - 1;
          for (let r = p.droppedFrom; r <= last; r++) p.botRounds.add(r);
          p.droppedFrom = null;
        }
        return;
      }
      case "payments":
        this.payments = data as unknown as PaymentsEvent;
        return;
    }
  }

  /** Whether a bot played `index`'s seat during `round` (through `lastRound` for a seat still dropped). */
  playedByBot(index: number, round: number, lastRound: number): boolean {
    const p = this.person(index);
    if (p.botRounds.has(round)) return true;
    return p.droppedFrom !== null && round >= p.droppedFrom && round <= lastRound;
  }

  paymentOf(index: number): Payment | null {
    return this.payments?.rows.find((r) => r.participant === index) ?? null;
  }

  /** Quiz questions answered right at the first try. */
  quizScore(index: number): { rightFirst: number; asked: number } {
    const p = this.person(index);
    const asked = this.quizOf(index);
    let rightFirst = 0;
    for (const q of asked) {
      const progress = p.quiz.get(q.id);
      if (progress?.state === "right" && progress.tried.length === 1) rightFirst++;
    }
    return { rightFirst, asked: asked.length };
  }
}
