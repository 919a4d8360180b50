/**
 * One market's round, live: the deterministic {@link EloMarket} stepped to
 * the round clock, subjects' decisions applied at the moment they arrive,
 * every input and record appended to the market's event stream, and each
 * change turned into screen updates for the market's subjects.
 *
 * The same class rebuilds a round from its stream ({@link LiveMarket.recover}):
 * the logged decisions are applied again at their logged times, which gives
 * the same market, because the market depends only on its inputs, their
 * times and its seed. Records the crashed server produced but never got
 * into the log are produced again and appended.
 */

import { type EloMarket, type EloRoundInput, openEloMarket } from "../market/elo_market.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import { INPUT_KINDS, type SubjectAction } from "../eventlog/event_kinds.ts";
import type { EventAppender } from "./event_appender.ts";
import { RoundClock } from "./round_clock.ts";
import type {
  Bbo,
  BookLevel,
  CreatedOrder,
  OwnOrder,
  Strategy,
  TradeMark,
  Wallet,
} from "../protocol/subject_protocol.ts";
import type { UpdateBody } from "./subject_channel.ts";

/** Longest wait between steps: the clock and speed costs move on screens at least this often. */
const TICK_MS = 500;
/**
 * Shortest wait between steps. The market runs everything due in its own
 * time whenever it steps, so this only bounds how late screens hear of what
 * happened between decisions (exchange replies, investors, the feed); a busy
 * market would otherwise step for every message its exchange delivers.
 */
const MIN_STEP_MS = 5;
/** How often a trading round notes its clock in the log (a rebuilt round resumes there). */
const CLOCK_MARK_MS = 1000;
/** Speed cost grows every ms; screens hear of that drift this often. */
const WALLET_DRIFT_MS = 250;
/**
 * A market's book goes to its screens at most this often (a trailing
 * update carries the last change): about one redraw of a 60 Hz screen.
 * Under load a busy market changes its book with nearly every order, and
 * each change goes to every seat. Acknowledgements, fills and wallets are
 * not held.
 */
export const BOOK_MIN_MS = 20;
/** Trades kept for screens and the monitor. */
const RECENT_TRADES = 50;

export interface LiveMarketOptions {
  /** `<code>/m<n>`. */
  stream: string;
  market: number;
  round: number;
  trial: boolean;
  durationMs: number;
  /** Session participant of each seat (index = seat − 1), null for a bot. */
  participants: (number | null)[];
  appender: EventAppender;
  /** Delivers a screen update to one participant. */
  publish: (participant: number, update: UpdateBody) => void;
  /** Sees every record the market appends (the session collects payoffs). */
  onRecord?: (kind: string, data: Record<string, unknown>) => void;
  /** Called once when the round has ended and been settled. */
  onEnd: (market: LiveMarket) => void;
  /** Monotonic ms (tests drive it). */
  now?: () => number;
}

export interface PublicTrade {
  round_ms: number;
  price: number;
  shares: number;
  buyer_seat: number;
  seller_seat: number;
}

export type MarketState = "paused" | "running" | "ended";

export class LiveMarket {
  readonly options: LiveMarketOptions;
  readonly #elo: EloMarket;
  #clock: RoundClock;
  #state: MarketState = "paused";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #settling = false;
  /** When the step timer fires (performance.now()). */
  #timerAt = Infinity;
  /** Set while the book has just been sent: a change meanwhile waits for it. */
  #bookCooldown: ReturnType<typeof setTimeout> | undefined;
  #bookWaiting = false;
  #muted = false;
  #pausedFor: string | null = null;
  #clockMarkedAt = 0;
  readonly trades: PublicTrade[] = [];
  /** Per seat: [round_ms, pbd] steps. */
  readonly #profit: [number, number][][];
  readonly #sensitivities: [number, number, number, number, number, number][][];
  /** Per seat: the wallet its screen last heard of (null: none yet). */
  readonly #lastWallet: (Wallet | null)[];
  readonly #lastWalletAt: number[];
  /** Per seat: how many of its orders its screen has been told of. */
  readonly #listed: number[];

  private constructor(elo: EloMarket, options: LiveMarketOptions, clock: RoundClock) {
    this.#elo = elo;
    this.options = options;
    this.#clock = clock;
    const n = options.participants.length;
    this.#profit = Array.from({ length: n }, () => []);
    this.#sensitivities = Array.from({ length: n }, () => []);
    this.#lastWallet = Array.from({ length: n }, () => null);
    this.#lastWalletAt = Array.from({ length: n }, () => -Infinity);
    this.#listed = Array.from({ length: n }, () => 0);
  }

  /** Opens a new round (its `round_start` is already logged); it starts with {@link resume}. */
  static async open(input: EloRoundInput, options: LiveMarketOptions): Promise<LiveMarket> {
    const self: { market?: LiveMarket } = {};
    const elo = await openEloMarket(input, {
      participants: options.participants,
      roundLog: false,
      record: (kind, data) => self.market!.#record(kind, data),
    });
    return self.market = new LiveMarket(elo, options, new RoundClock(0, options.now));
  }

  /**
   * Rebuilds a round from its stream: `events` are the round's, from its
   * `round_start` on. Ends paused at the last logged time (or settled, if
   * the round had ended).
   */
  static async recover(
    input: EloRoundInput,
    options: LiveMarketOptions,
    events: LogEvent[],
  ): Promise<LiveMarket> {
    const start = events[0];
    const lastSeq = events[events.length - 1].seq;
    let counter = start.seq;
    const self: { market?: LiveMarket } = {};
    const appender = options.appender;
    const elo = await openEloMarket(input, {
      participants: options.participants,
      roundLog: false,
      record: (kind, data) => {
        counter++;
        // what the log already has is not written again
        if (counter > lastSeq) self.market!.#record(kind, data);
      },
    });
    const market = self.market = new LiveMarket(elo, options, new RoundClock(0, options.now));
    market.#muted = true;
    appender.resume(options.stream, lastSeq);
    let lastMs = 0;
    let ended: LogEvent | null = null;
    let pausedFor: string | null = null;
    for (const e of events.slice(1)) {
      lastMs = Math.max(lastMs, e.roundMs ?? 0);
      if (!INPUT_KINDS.has(e.kind)) continue;
      elo.run(e.roundMs ?? 0);
      if (counter + 1 !== e.seq) {
        console.error(
          `${options.stream}: the replay reached seq ${e.seq} (${e.kind}) after ${counter}; ` +
            `the rebuilt market may differ from the logged one`,
        );
      }
      counter = e.seq;
      if (e.kind === "action") {
        const { seat, action } = e.data as { seat: number; action: SubjectAction };
        elo.act(seat - 1, action);
      } else if (e.kind === "pause") {
        pausedFor = String(e.data.reason ?? "");
      } else if (e.kind === "resume") {
        pausedFor = null;
      } else if (e.kind === "round_end") {
        ended = e;
      }
    }
    market.#muted = false;
    if (ended) {
      market.#state = "ended";
      elo.finish(ended.roundMs ?? options.durationMs);
      elo.takeChanges();
      elo.close();
      return market;
    }
    // everything before the last logged moment happened; what was due at
    // that moment runs when the clock moves again (already-logged records
    // are not written twice)
    const resumeAt = Math.min(lastMs, options.durationMs);
    if (resumeAt > elo.now) elo.run(resumeAt);
    elo.takeChanges();
    market.#clock = new RoundClock(resumeAt, options.now);
    market.#pausedFor = pausedFor;
    market.#clockMarkedAt = resumeAt;
    market.#rebuildSeries();
    return market;
  }

  get clock(): RoundClock {
    return this.#clock;
  }

  /** Why a recovered round had been paused when its log ended (null: it was trading). */
  get pausedFor(): string | null {
    return this.#pausedFor;
  }

  get state(): MarketState {
    return this.#state;
  }

  get roundMs(): number {
    return this.#state === "ended" ? this.options.durationMs : this.clock.ms;
  }

  get elo(): EloMarket {
    return this.#elo;
  }

  #record(kind: string, data: Record<string, unknown>): void {
    if (this.#muted) return;
    // the market settles seats; whether the round pays is the session's to say
    if (kind === "payoff") data = { ...data, trial: this.options.trial };
    this.options.appender.emit(this.options.stream, kind, data, {
      round: this.options.round,
      roundMs: this.#elo.now,
    });
    this.options.onRecord?.(kind, data);
  }

  #input(kind: string, data: Record<string, unknown>, atMs: number): void {
    this.options.appender.emit(this.options.stream, kind, data, {
      round: this.options.round,
      roundMs: atMs,
    });
  }

  /** Starts or continues the round clock. */
  resume(reason: string): void {
    if (this.#state !== "paused") return;
    const at = Math.max(this.#elo.now, this.clock.ms);
    this.#input("resume", { reason }, at);
    this.#state = "running";
    this.clock.resume();
    this.#step();
  }

  pause(reason: string): void {
    if (this.#state !== "running") return;
    // the clock stops first: a millisecond passing between the two would
    // leave the market behind the time the pause shows (and a replay to it)
    this.clock.pause();
    this.#catchUp();
    this.#state = "paused";
    this.#input("pause", { reason }, this.#elo.now);
    this.#clearTimer();
    this.#publishChanges(true);
  }

  /** Ends the round now (`admin`) or at its length (`time`), settling every seat. */
  end(reason: "time" | "admin"): void {
    if (this.#state === "ended") return;
    this.#clearTimer();
    const at = reason === "time"
      ? this.options.durationMs
      : Math.min(Math.max(this.#elo.now, this.clock.ms), this.options.durationMs);
    if (at > this.#elo.now) this.#elo.run(at);
    this.#input("round_end", { reason }, at);
    this.clock.pause();
    this.#state = "ended";
    this.#elo.finish(at);
    this.#publishChanges(true);
    this.#clearBookCooldown();
    this.#elo.close();
    this.options.onEnd(this);
  }

  /**
   * A subject's decision (1-based seat), applied now; returns the reason it
   * was refused, or null.
   */
  act(seat: number, action: SubjectAction): string | null {
    if (this.#state !== "running") {
      return this.#state === "paused"
        ? "the market is paused; your order was not sent"
        : "the round is over";
    }
    this.#catchUp();
    const at = this.#elo.now;
    this.#input("action", { seat, action }, at);
    const refused = this.#elo.act(seat - 1, action);
    this.#settleSoon();
    return refused;
  }

  /**
   * Screens and the next timer are brought up to date once per turn of the
   * event loop, not once per decision: under load, one book update and one
   * wallet per seat carry every order the turn brought, so the cost of a
   * busy market grows with its turns rather than its orders.
   */
  #settleSoon(): void {
    if (this.#settling) return;
    this.#settling = true;
    queueMicrotask(this.#settle);
  }

  #settle = (): void => {
    this.#settling = false;
    // a pause or the end in the same turn has published already
    if (this.#state !== "running") return;
    try {
      this.#publishChanges();
      this.#schedule();
    } catch (e) {
      this.#fail(e);
    }
  };

  /** Runs the market up to the round clock (or its end). */
  #catchUp(): void {
    const target = Math.min(this.clock.ms + 1, this.options.durationMs);
    if (target > this.#elo.now) this.#elo.run(target);
  }

  #step = (): void => {
    this.#timer = undefined;
    if (this.#state !== "running") return;
    try {
      this.#advance();
    } catch (e) {
      this.#fail(e);
    }
  };

  /** A fault in one market stops that market, never the server or the others. */
  #fail(e: unknown): void {
    console.error(`${this.options.stream}: the market stopped on an internal error:`, e);
    this.#clearTimer();
    this.clock.pause();
    this.#state = "paused";
    try {
      this.#input("pause", { reason: `internal error: ${String(e)}` }, this.#elo.now);
    } catch { /* the log entry is a courtesy here */ }
  }

  #advance(): void {
    this.#catchUp();
    this.#publishChanges();
    if (this.#elo.now - this.#clockMarkedAt >= CLOCK_MARK_MS) {
      this.#clockMarkedAt = this.#elo.now;
      this.#input("clock", {}, this.#elo.now);
    }
    if (this.clock.ms >= this.options.durationMs) {
      this.end("time");
      return;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#state !== "running") {
      this.#clearTimer();
      return;
    }
    const due = Math.min(this.#elo.nextAt(), this.options.durationMs);
    const wait = Math.min(Math.max(MIN_STEP_MS, due - this.clock.ms), TICK_MS);
    const at = performance.now() + wait;
    // a timer already set to fire first stays: every turn's decisions reschedule
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(this.#step, wait);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #clearBookCooldown(): void {
    if (this.#bookCooldown !== undefined) clearTimeout(this.#bookCooldown);
    this.#bookCooldown = undefined;
  }

  /** Whether the book goes out now; otherwise it goes when the cooldown ends. */
  #bookDue(changed: boolean, now: boolean): boolean {
    if (changed) this.#bookWaiting = true;
    if (!this.#bookWaiting) return false;
    if (this.#bookCooldown !== undefined && !now) return false;
    this.#bookWaiting = false;
    this.#clearBookCooldown();
    this.#bookCooldown = setTimeout(this.#bookCooled, BOOK_MIN_MS);
    return true;
  }

  #bookCooled = (): void => {
    this.#bookCooldown = undefined;
    // a pause or the end sent the book as it stood; a stopped market sends nothing more
    if (!this.#bookWaiting || this.#state !== "running") return;
    try {
      this.#publishChanges();
    } catch (e) {
      this.#fail(e);
    }
  };

  // ---- screens ----------------------------------------------------------------

  seatOfParticipant(participant: number): number {
    return this.options.participants.indexOf(participant) + 1;
  }

  bbo(): Bbo {
    const v = this.#elo.marketView();
    return {
      best_bid: v.bestBid,
      best_offer: v.bestOffer,
      volume_at_best_bid: v.volumeAtBestBid,
      volume_at_best_offer: v.volumeAtBestOffer,
    };
  }

  levels(): BookLevel[] {
    const v = this.#elo.book();
    const byPrice = new Map<number, BookLevel>();
    for (const b of v.bids) {
      byPrice.set(b.price, { price: b.price, bid_volume: b.volume, offer_volume: 0 });
    }
    for (const a of v.asks) {
      const l = byPrice.get(a.price);
      if (l) l.offer_volume += a.volume;
      else byPrice.set(a.price, { price: a.price, bid_volume: 0, offer_volume: a.volume });
    }
    return [...byPrice.values()].sort((x, y) => x.price - y.price);
  }

  strategy(seat: number): Strategy {
    const s = this.#elo.seatView(seat - 1);
    return { role: s.role, speed: s.speed, a_x: s.aX, a_y: s.aY, a_z: s.aZ };
  }

  orders(seat: number): OwnOrder[] {
    const out: OwnOrder[] = [];
    for (const o of this.#elo.shownOrders(seat - 1)) {
      if (o.price === null) continue;
      out.push({
        token: o.token,
        side: o.side,
        price: o.price,
        state: o.state === "pending-new" ? "pending" : "live",
      });
    }
    return out;
  }

  /** The seat's orders created since its screen last heard of its orders. */
  #created(seat: number): CreatedOrder[] {
    const i = seat - 1;
    const created = this.#elo.ordersCreated(i);
    if (created === this.#listed[i]) return [];
    const out: CreatedOrder[] = [];
    for (const o of this.#elo.ordersCreatedSince(i, this.#listed[i])) {
      if (o.price !== null) out.push({ token: o.token, side: o.side, price: o.price });
    }
    this.#listed[i] = created;
    return out;
  }

  wallet(seat: number, market = this.#elo.marketView()): Wallet {
    const s = this.#elo.seatMoney(seat - 1);
    return {
      cash: s.cash,
      inventory: s.inventory,
      pbd: s.pbd,
      speed_cost: s.speedCost,
      reference_price: market.referencePrice,
      signed_volume: market.signedVolume,
    };
  }

  profit(seat: number): [number, number][] {
    return this.#profit[seat - 1];
  }

  sensitivities(seat: number): [number, number, number, number, number, number][] {
    return this.#sensitivities[seat - 1];
  }

  tradeMarks(seat: number): TradeMark[] {
    return this.trades.map((t) => ({
      round_ms: t.round_ms,
      price: t.price,
      shares: t.shares,
      mine: t.buyer_seat === seat ? "B" : t.seller_seat === seat ? "S" : null,
    }));
  }

  #rebuildSeries(): void {
    const now = this.#elo.now;
    this.options.participants.forEach((_, i) => {
      this.#listed[i] = this.#elo.ordersCreated(i);
      const w = this.wallet(i + 1);
      this.#profit[i] = [[now, w.pbd]];
      this.#lastWallet[i] = w;
      this.#noteStrategy(i + 1, now);
    });
  }

  #noteStrategy(seat: number, at: number): void {
    const s = this.strategy(seat);
    this.#sensitivities[seat - 1].push([
      at,
      s.a_x,
      s.a_y,
      s.a_z,
      s.speed ? 1 : 0,
      s.role === "automated" ? 1 : 0,
    ]);
  }

  /** `final`: a pause or the end, after which screens must show the book as it stands. */
  #publishChanges(final = false): void {
    const c = this.#elo.takeChanges();
    const at = this.#elo.now;
    const people = this.options.participants;
    const out: [number, UpdateBody][] = [];
    const send = (seat: number, u: UpdateBody) => {
      const p = people[seat - 1];
      if (p !== null && p !== undefined) out.push([p, u]);
    };
    const everyone = (make: (seat: number) => UpdateBody) => {
      for (let seat = 1; seat <= people.length; seat++) {
        if (people[seat - 1] !== null) send(seat, make(seat));
      }
    };
    for (const t of c.trades) {
      const trade: PublicTrade = {
        round_ms: t.atMs,
        price: t.price,
        shares: t.shares,
        buyer_seat: t.buyerSeat,
        seller_seat: t.sellerSeat,
      };
      this.trades.push(trade);
      if (this.trades.length > RECENT_TRADES) this.trades.shift();
      everyone((seat) => ({
        type: "trade",
        trade: {
          round_ms: t.atMs,
          price: t.price,
          shares: t.shares,
          mine: t.buyerSeat === seat ? "B" : t.sellerSeat === seat ? "S" : null,
        },
      }));
    }
    // one object for every seat: the channel serialises it once
    if (this.#bookDue(c.book, final)) {
      const book: UpdateBody = {
        type: "book",
        round_ms: at,
        bbo: this.bbo(),
        levels: this.levels(),
      };
      everyone(() => book);
    }
    if (c.batch) {
      const b = c.batch;
      const batch: UpdateBody = {
        type: "batch",
        round_ms: b.atMs,
        clearing_price: b.clearingPrice,
        volume: b.volume,
      };
      everyone(() => batch);
    }
    if (c.external) {
      const v = this.#elo.marketView();
      const external = {
        e_best_bid: v.external.bestBid,
        e_best_offer: v.external.bestOffer,
        e_signed_volume: v.external.signedVolume,
      };
      const update: UpdateBody = { type: "external", round_ms: at, external, peg: v.peg };
      everyone(() => update);
    }
    const view = this.#elo.marketView();
    for (let seat = 1; seat <= people.length; seat++) {
      const i = seat - 1;
      if (people[i] === null) continue;
      const changed = c.seats.has(i);
      if (changed) {
        const created = this.#created(seat);
        send(
          seat,
          created.length === 0
            ? { type: "orders", round_ms: at, orders: this.orders(seat) }
            : { type: "orders", round_ms: at, orders: this.orders(seat), created },
        );
        const strategy = this.strategy(seat);
        const last = this.#sensitivities[i].at(-1);
        if (
          !last || last[1] !== strategy.a_x || last[2] !== strategy.a_y ||
          last[3] !== strategy.a_z || last[4] !== (strategy.speed ? 1 : 0) ||
          last[5] !== (strategy.role === "automated" ? 1 : 0)
        ) {
          this.#noteStrategy(seat, at);
          send(seat, { type: "strategy", round_ms: at, strategy });
        }
      }
      // PBD moves with fills and the reference price, and with speed on
      // every ms: that drift is sent at most every WALLET_DRIFT_MS. A wallet
      // the screen already shows is not sent again: a new order changes the
      // seat but rarely its money, and under load that was one update in four
      const wallet = this.wallet(seat, view);
      const last = this.#lastWallet[i];
      const drifted = wallet.pbd !== last?.pbd && at - this.#lastWalletAt[i] >= WALLET_DRIFT_MS;
      if ((changed || c.statistics || drifted) && !sameWallet(wallet, last)) {
        this.#lastWallet[i] = wallet;
        this.#lastWalletAt[i] = at;
        this.#profit[i].push([at, wallet.pbd]);
        send(seat, { type: "wallet", round_ms: at, wallet });
      }
    }
    for (const [i, reason] of c.refusals) send(i + 1, { type: "refused", reason });
    if (out.length === 0) return;
    this.options.appender.afterDurable(() => {
      for (const [p, u] of out) this.options.publish(p, u);
    });
  }
}

function sameWallet(a: Wallet, b: Wallet | null): boolean {
  return b !== null && a.cash === b.cash && a.inventory === b.inventory && a.pbd === b.pbd &&
    a.speed_cost === b.speed_cost && a.reference_price === b.reference_price &&
    a.signed_volume === b.signed_volume;
}
