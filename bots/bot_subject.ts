/**
 * One bot subject: a WebSocket client of `/ws/subject/<token>` that speaks
 * the subjects' protocol exactly as a browser does, so it exercises the
 * same server code path as a person. It says hello with the last sequence
 * number it applied (so a reconnect replays what it missed, or sends a
 * snapshot), walks through the pages (consent, instructions, quiz, survey,
 * results) the way a cooperative subject would, and trades by its
 * strategy while the round runs: its actions arrive as a Poisson process at
 * the bot's rate. The socket is bots/ws_client.ts (Nagle off, as in a
 * browser).
 *
 * Order → acknowledgement: from sending an `order` to receiving the first
 * `orders` update that names the new order, or a `refused`. `pending` already counts: it is the server's answer that it
 * took the decision, logged it durably and sent it on to the exchange;
 * `live` comes after the seat's configured exchange latency
 * (`slow-latency-ms`/`fast-latency-ms`), which is a treatment parameter,
 * not the server's speed. The request carries no token, so the new order
 * is recognised in the update's `created` list (every order taken since
 * the previous update, listed or not) on the same side at the price sent
 * (bots send grid prices, which the server keeps as they are); after a
 * reconnect, as a token the snapshot lists that was not listed before.
 * A `refused` answers the oldest order still waiting: the server handles a
 * connection's messages in order. An order still unanswered when the run
 * has drained is lost.
 *
 * The server ignores an order at the price its side already has (nothing
 * to do, so no answer); the bot never sends one that could be that.
 */

import type {
  Bbo,
  ClockState,
  CreatedOrder,
  OwnOrder,
  PageView,
  SubjectRequest,
} from "../protocol/subject_protocol.ts";
import type { EloRole } from "../market/session_config.ts";
import { LatencyHistogram } from "./latency.ts";
import { BotWebSocket, CLOSED, OPEN } from "./ws_client.ts";
import type { BotStrategy, TradingContext } from "./strategies.ts";

const NO_OFFER = 2147483647;
/** Orders a bot keeps unanswered at most: past this an overloaded server is not pushed further. */
export const MAX_IN_FLIGHT = 1_000;
/** Reasons of refusals that answer something other than an order. */
const NOT_ORDER_REFUSALS = [/^speed must stay on/];

export interface BotCounters {
  /** Orders sent. */
  orders: number;
  /** Orders acknowledged by an `orders` update. */
  acks: number;
  /** Orders answered by a `refused`. */
  refused: number;
  /** Frames sent and received. */
  sent: number;
  received: number;
  /** `error` frames, refusals of page requests, failed or dropped connections. */
  errors: number;
}

export interface BotSubjectOptions {
  /** `ws(s)://host/ws/subject/<token>`. */
  socketUrl: string;
  label: string;
  strategy: BotStrategy;
  /** Paced strategy actions per second (orders for `manual`). */
  rate: number;
  random: () => number;
  /** Where order → acknowledgement latencies go (shared by a run's bots). */
  latency: LatencyHistogram;
  log?: (line: string) => void;
  /** Wall clock, to compare with the server's `next_at` times. */
  wallNow?: () => number;
  /** Monotonic clock for latencies and pacing. */
  now?: () => number;
  /** Unanswered orders past which the bot holds back (default {@link MAX_IN_FLIGHT}). */
  maxInFlight?: number;
}

interface Waiting {
  side: "B" | "S";
  price: number;
  at: number;
}

const EMPTY_BBO: Bbo = {
  best_bid: 0,
  best_offer: NO_OFFER,
  volume_at_best_bid: 0,
  volume_at_best_offer: 0,
};

export class BotSubject {
  readonly options: BotSubjectOptions;
  readonly counters: BotCounters = {
    orders: 0,
    acks: 0,
    refused: 0,
    sent: 0,
    received: 0,
    errors: 0,
  };
  readonly #now: () => number;
  readonly #wallNow: () => number;
  #ws: BotWebSocket | null = null;
  #lastSeq: number | null = null;
  #synced = false;
  #closing = false;
  #failures = 0;
  #retryAt: number | null = null;
  /** Actions not taken because too many orders were unanswered (an overloaded server). */
  heldBack = 0;
  /** Actions the strategy took without sending anything (e.g. no free price). */
  skipped = 0;
  /** Why the bot gave up on its connection for good (e.g. a refused link). */
  fatal: string | null = null;

  #page: PageView | null = null;
  #clock: ClockState | null = null;
  #bbo: Bbo = EMPTY_BBO;
  #role: EloRole = "out";
  #speed = false;

  /** Tokens of the last `orders` list: a token never comes back once gone. */
  #seen = new Set<string>();
  readonly #waiting: Waiting[] = [];
  readonly #lastAcked: Record<"B" | "S", number | null> = { B: null, S: null };

  /** A page request is out: no second one until the page changes or it is refused. */
  #flowBusy = false;
  #flowRetryAt = 0;
  #consentSent = false;
  #surveySent = false;

  #trading = false;
  #stopped = false;
  #tradingRound = 0;
  #tradingSince = 0;
  #nextActionAt = Infinity;

  constructor(options: BotSubjectOptions) {
    this.options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#wallNow = options.wallNow ?? Date.now;
  }

  get label(): string {
    return this.options.label;
  }

  /** Orders sent and not yet answered. */
  get unanswered(): number {
    return this.#waiting.length;
  }

  get page(): PageView | null {
    return this.#page;
  }

  get connected(): boolean {
    return this.#synced;
  }

  /** The bot is on a running round's trading page. */
  get trading(): boolean {
    return this.#trading;
  }

  start(): void {
    this.#connect();
  }

  /** No more strategy actions; answers to orders already sent are still awaited. */
  stopTrading(): void {
    this.#stopped = true;
    this.#trading = false;
  }

  async close(): Promise<void> {
    this.#closing = true;
    const ws = this.#ws;
    this.#ws = null;
    if (!ws || ws.readyState === CLOSED) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = new Promise<void>((resolve) => {
      ws.onclose = () => resolve();
      timer = setTimeout(resolve, 1500);
    });
    ws.close(1000, "bot done");
    await closed;
    clearTimeout(timer);
  }

  // ---- connection --------------------------------------------------------------

  #connect(): void {
    this.#retryAt = null;
    this.#synced = false;
    const ws = new BotWebSocket(this.options.socketUrl);
    this.#ws = ws;
    ws.onopen = () => {
      this.#raw({ type: "hello", last_seq: this.#lastSeq });
      // answered even when nothing was missed: the pong proves the hello was taken
      this.#raw({ type: "ping", id: 1 });
    };
    ws.onmessage = (e) => this.#receive(e.data);
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#synced = false;
      if (this.#closing) return;
      if (e.code === 4404) {
        this.fatal = `the server refused the link: ${e.reason}`;
        this.counters.errors++;
        this.#log(this.fatal);
        return;
      }
      this.#failed(`connection closed (${e.code}${e.reason ? ` ${e.reason}` : ""})`);
    };
  }

  #failed(why: string): void {
    this.counters.errors++;
    this.#log(why);
    if (this.#closing) return;
    const backoff = Math.min(5000, 250 * 2 ** Math.min(this.#failures++, 5));
    this.#retryAt = this.#now() + backoff;
  }

  /** Drops the connection and opens another, asking for everything after #lastSeq. */
  #resync(): void {
    const ws = this.#ws;
    this.#ws = null;
    this.#synced = false;
    if (ws) {
      ws.onclose = null;
      ws.close(4000, "resync");
    }
    this.#connect();
  }

  #raw(request: SubjectRequest): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(JSON.stringify(request));
    this.counters.sent++;
    return true;
  }

  #send(request: SubjectRequest): boolean {
    return this.#synced && this.#raw(request);
  }

  #log(line: string): void {
    this.options.log?.(`${this.label}: ${line}`);
  }

  // ---- updates -----------------------------------------------------------------

  #receive(data: unknown): void {
    if (typeof data !== "string") {
      this.counters.received++;
      return;
    }
    let parsed: Record<string, unknown> | Record<string, unknown>[];
    try {
      parsed = JSON.parse(data);
    } catch {
      this.counters.received++;
      this.counters.errors++;
      return;
    }
    // a frame holds one update, or several in order
    for (const u of Array.isArray(parsed) ? parsed : [parsed]) {
      this.counters.received++;
      this.#receiveUpdate(u);
    }
  }

  #receiveUpdate(u: Record<string, unknown>): void {
    const seq = u.seq;
    if (typeof seq !== "number") return;
    const last = this.#lastSeq;
    if (u.type !== "snapshot" && last !== null) {
      if (seq <= last) return;
      if (seq > last + 1) {
        this.#log(`gap after seq ${last} (got ${seq}); reconnecting for a replay`);
        this.#resync();
        return;
      }
    }
    this.#lastSeq = seq;
    if (!this.#synced) {
      this.#synced = true;
      this.#failures = 0;
    }
    this.#apply(u);
  }

  #apply(u: Record<string, unknown>): void {
    switch (u.type) {
      case "snapshot": {
        const s = u.state as {
          page: PageView;
          clock: ClockState;
          bbo: Bbo;
          orders: OwnOrder[];
          strategy: { role: EloRole; speed: boolean };
        };
        this.#clock = s.clock;
        this.#bbo = s.bbo;
        this.#role = s.strategy.role;
        this.#speed = s.strategy.speed;
        this.#orders(s.orders);
        this.#setPage(s.page);
        break;
      }
      case "page":
        this.#setPage(u.page as PageView);
        break;
      case "clock":
        this.#clock = u.clock as ClockState;
        this.#updateTrading();
        break;
      case "book":
        this.#bbo = u.bbo as Bbo;
        break;
      case "strategy": {
        const s = u.strategy as { role: EloRole; speed: boolean };
        this.#role = s.role;
        this.#speed = s.speed;
        break;
      }
      case "orders":
        // only `created` answers: a listed token may be one taken long ago that
        // became the resting order, and must not answer a newer decision
        this.#created((u.created ?? []) as CreatedOrder[], u.orders as OwnOrder[]);
        break;
      case "refused":
        this.#refused(String(u.reason ?? ""));
        break;
      case "error":
        this.counters.errors++;
        this.#log(`error from the server: ${String(u.message)}`);
        break;
    }
  }

  /** The orders the server took since its last orders update: each answers a waiting order. */
  #created(created: CreatedOrder[], listed: OwnOrder[]): void {
    const now = this.#now();
    for (const o of created) this.#answer(o, now);
    this.#seen = new Set(listed.map((o) => o.token));
  }

  /** A snapshot's orders: a token not listed before is a new order. */
  #orders(list: OwnOrder[]): void {
    const now = this.#now();
    const current = new Set<string>();
    for (const o of list) {
      current.add(o.token);
      if (!this.#seen.has(o.token)) this.#answer(o, now);
    }
    this.#seen = current;
  }

  #answer(o: CreatedOrder, now: number): void {
    const i = this.#waiting.findIndex((w) => w.side === o.side && w.price === o.price);
    if (i < 0) return; // the automated role's own quotes
    const [w] = this.#waiting.splice(i, 1);
    this.counters.acks++;
    this.options.latency.record(now - w.at);
    this.#lastAcked[w.side] = w.price;
  }

  #refused(reason: string): void {
    const forOrder = this.#waiting.length > 0 && !NOT_ORDER_REFUSALS.some((r) => r.test(reason));
    if (forOrder) {
      const w = this.#waiting.shift()!;
      this.counters.refused++;
      this.options.latency.record(this.#now() - w.at);
      return;
    }
    if (this.#flowBusy) {
      // a page request came too early (its timer) or twice: try again shortly
      this.#flowBusy = false;
      const wait = /(\d+) s more/.exec(reason);
      this.#flowRetryAt = this.#wallNow() + (wait ? Number(wait[1]) * 1000 : 1000);
      this.#consentSent = false;
      this.#surveySent = false;
    }
  }

  // ---- pages -------------------------------------------------------------------

  #setPage(page: PageView): void {
    this.#page = page;
    this.#flowBusy = false;
    this.#updateTrading();
  }

  #updateTrading(): void {
    const page = this.#page;
    const running = page?.name === "trading" && this.#clock?.phase === "running" &&
      this.#clock.round === page.round;
    this.#trading = running && !this.#stopped;
    if (!this.#trading) this.#tradingRound = 0;
  }

  /** One request for the page the bot is on, when it has something to say there. */
  #pageStep(): void {
    const page = this.#page;
    if (!page || this.#flowBusy || this.#wallNow() < this.#flowRetryAt) return;
    const flow = (request: SubjectRequest) => {
      if (this.#send(request)) this.#flowBusy = true;
    };
    switch (page.name) {
      case "consent":
        if (!this.#consentSent) {
          this.#consentSent = true;
          flow({ type: "consent", agree: true });
        }
        return;
      case "instructions":
        // a small margin: the server's clock decides, and ours may be behind it
        if (this.#wallNow() >= page.next_at + 50) {
          flow({ type: "next", page: "instructions", round: null });
        }
        return;
      case "quiz": {
        const open = page.questions.find((q) => q.state === "open");
        if (open) {
          const untried = open.options.findIndex((_, i) => !open.tried.includes(i));
          flow({ type: "quiz_answer", question: open.id, answer: Math.max(0, untried) });
        } else {
          flow({ type: "next", page: "quiz", round: null });
        }
        return;
      }
      case "results":
        if (this.#wallNow() >= page.next_at + 50) {
          flow({ type: "next", page: "results", round: page.round });
        }
        return;
      case "survey":
        if (!page.submitted && !this.#surveySent) {
          const answers: Record<string, string> = {};
          for (const q of page.questions) answers[q.id] = q.options[0] ?? "(a bot)";
          this.#surveySent = true;
          flow({ type: "survey", answers });
        } else if (page.submitted) {
          flow({ type: "next", page: "survey", round: null });
        }
        return;
      default:
        return;
    }
  }

  // ---- trading -----------------------------------------------------------------

  /** Drives the bot: reconnects, page requests and the paced strategy. */
  tick(): void {
    const now = this.#now();
    if (this.#retryAt !== null && now >= this.#retryAt && !this.#closing) this.#connect();
    if (!this.#synced) return;
    if (!this.#trading) {
      this.#pageStep();
      return;
    }
    const page = this.#page as Extract<PageView, { name: "trading" }>;
    const ctx = this.#context();
    if (this.#tradingRound !== page.round) {
      this.#tradingRound = page.round;
      this.#tradingSince = now;
      this.#nextActionAt = now + this.#gap();
      this.options.strategy.start(ctx);
    }
    // a stalled generator catches up a little (0.2 s of actions), never in one burst
    this.#nextActionAt = Math.max(this.#nextActionAt, now - 200);
    const limit = this.options.maxInFlight ?? MAX_IN_FLIGHT;
    while (this.#nextActionAt <= now && this.#trading && this.options.rate > 0) {
      this.#nextActionAt += this.#gap();
      if (this.#waiting.length >= limit) {
        // the server is this far behind: an action skipped, not queued up for later
        this.heldBack++;
        continue;
      }
      const sent = this.counters.sent;
      this.options.strategy.act(ctx);
      if (this.counters.sent === sent) this.skipped++;
    }
    this.options.strategy.idle?.(ctx, now - this.#tradingSince);
  }

  /**
   * Ms to the next action: exponential, so actions arrive as a Poisson
   * process. Paced evenly, bots that start together would all send in the
   * same tick, and the server would see bursts no room of people makes.
   */
  #gap(): number {
    return (-Math.log(1 - this.options.random()) / this.options.rate) * 1000;
  }

  #context(): TradingContext {
    // deno-lint-ignore no-this-alias
    const bot = this;
    return {
      get bbo() {
        return bot.#bbo;
      },
      get role() {
        return bot.#role;
      },
      get speed() {
        return bot.#speed;
      },
      random: this.options.random,
      send: (request) => {
        this.#send(request);
      },
      order: (side, price) => this.order(side, price),
    };
  }

  /**
   * Sends an order unless the server might have nothing to do with it: a
   * price off the grid or out of range, or the price of an order of that
   * side still unanswered or last acknowledged (the side's current order,
   * if it still rests). False when nothing was sent.
   */
  order(side: "B" | "S", price: number): boolean {
    if (!Number.isInteger(price) || price <= 0 || price >= NO_OFFER || price % 10_000 !== 0) {
      return false;
    }
    if (this.#waiting.length >= (this.options.maxInFlight ?? MAX_IN_FLIGHT)) return false;
    if (this.#lastAcked[side] === price) return false;
    if (this.#waiting.some((w) => w.side === side && w.price === price)) return false;
    const at = this.#now();
    if (!this.#send({ type: "order", side, price })) return false;
    this.#waiting.push({ side, price, at });
    this.counters.orders++;
    return true;
  }
}
