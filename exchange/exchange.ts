/**
 * The exchange: Leeps OUCH semantics around the WebAssembly book, for one
 * instrument. It owns what the book does not: order tokens and the
 * connection that owns each, the echo fields of every reply, order reference
 * numbers, time-in-force timers, the FBA batch schedule, the IEX speed bump
 * and the trading day (`H`). Rules: shared reference `leeps-exchange.md`
 * §3, §5–§9, with every FIX of its quirk table applied.
 *
 * No I/O and no timers of its own: the host passes the time with every call
 * and asks {@link Exchange.nextDeadline} when to call {@link Exchange.advance}.
 * So the TCP server drives it with the wall clock and tests and simulations
 * with virtual time, and both get the same replies.
 */

import { BookCore } from "../engine-wasm/book_core.ts";
import {
  EV_ACCEPTED,
  EV_BATCH,
  EV_BBO,
  EV_CANCELED,
  EV_EXECUTED,
  EV_PEG,
  EV_REJECTED,
  EV_REPLACED,
  type MarketFormat,
  MAX_PRICE,
  REJECT_REASONS,
} from "../engine-wasm/events.ts";
import type { ClientMessage, ServerMessage } from "../ouch/mod.ts";
import { virtualTimestamp } from "./clock.ts";
import { EventQueue } from "./event_queue.ts";

export type EnterOrder = Extract<ClientMessage, { type: "O" }>;
export type ReplaceOrder = Extract<ClientMessage, { type: "U" }>;
export type CancelOrder = Extract<ClientMessage, { type: "X" }>;

/** Where replies go. Connection ids are the host's. */
export interface ExchangeOutput {
  send(conn: number, message: ServerMessage): void;
  broadcast(message: ServerMessage): void;
}

export interface ExchangeOptions {
  format: MarketFormat;
  /** FBA batch interval (upstream `--interval`, seconds there). */
  batchMs?: number;
  /** IEX speed bump (upstream `--delay`). */
  delayMs?: number;
  /** Seeds the FBA random order within a batch segment. */
  seed?: number;
  /** Send OUCH `J` Rejected for ignored requests (upstream clients cannot parse it). */
  rejects?: boolean;
  /** Clock milliseconds to OUCH timestamp; virtual time by default. */
  timestamp?: (ms: number) => bigint;
  /** Clock time the FBA schedule is anchored to until the first `H`. */
  startMs?: number;
  log?: (line: string) => void;
}

/** Upstream's hard-coded symbol in `Q` and `Z`. */
export const STOCK = "AMAZGOOG";
/** TIF at or above this never expires. */
export const TIF_NO_EXPIRY = 99998;

const W = 8; // words per engine event
const CANCEL_T = 0x54;

/** A request that waits in the IEX speed bump. */
interface Bumped {
  conn: number;
  message: EnterOrder | ReplaceOrder | CancelOrder;
}

export class Exchange {
  readonly format: MarketFormat;
  readonly batchMs: number;
  readonly delayMs: number;
  readonly seed: number;
  readonly #core: BookCore;
  readonly #out: ExchangeOutput;
  readonly #stamp: (ms: number) => bigint;
  readonly #log: (line: string) => void;
  readonly #rejects: boolean;

  // The trading day's order store, by dense engine id (0 unused).
  #ids = new Map<string, number>();
  #tokens: string[] = [""];
  #owners: number[] = [0];
  /** The Enter that started each order's chain: side, stock, firm, peg, echo fields. */
  #origins: EnterOrder[] = [undefined as unknown as EnterOrder];
  #expiry: number[] = [0];
  #nextId = 1;
  #orderReference = 1n;

  /** TIF expiries by order id. */
  readonly #timers = new EventQueue<number>();
  #bump: { at: number; item: Bumped }[] = [];
  #bumpHead = 0;
  #nextBatchAt = Infinity;
  #batchZ: { clearingPrice: number; volume: number } | null = null;

  private constructor(core: BookCore, out: ExchangeOutput, options: ExchangeOptions) {
    this.format = options.format;
    this.batchMs = options.batchMs ?? 3000;
    this.delayMs = options.delayMs ?? 0;
    this.seed = (options.seed ?? 1) >>> 0;
    if (!(this.batchMs > 0)) throw new RangeError(`batchMs must be > 0, got ${this.batchMs}`);
    if (!(this.delayMs >= 0)) throw new RangeError(`delayMs must be >= 0, got ${this.delayMs}`);
    this.#core = core;
    this.#out = out;
    this.#stamp = options.timestamp ?? virtualTimestamp;
    this.#log = options.log ?? (() => {});
    this.#rejects = options.rejects ?? false;
    core.setFormat(this.format);
    core.seed(this.seed);
    if (this.format === "fba") this.#nextBatchAt = (options.startMs ?? 0) + this.batchMs;
  }

  static async create(out: ExchangeOutput, options: ExchangeOptions): Promise<Exchange> {
    const core = await BookCore.create({ format: options.format, seed: options.seed });
    return new Exchange(core, out, options);
  }

  /** The book, for inspection (snapshots, BBO); commands go through {@link receive}. */
  get book(): BookCore {
    return this.#core;
  }

  /** Orders known this trading day. */
  get tokensKnown(): number {
    return this.#ids.size;
  }

  /** Requests waiting in the speed bump. */
  get bumped(): number {
    return this.#bump.length - this.#bumpHead;
  }

  tokenOf(id: number): string | undefined {
    return this.#tokens[id];
  }

  idOf(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** When {@link advance} next has work: a TIF expiry, a batch or a bump release. */
  nextDeadline(): number {
    let t = this.#nextBatchAt;
    const timer = this.#timers.peekAt();
    if (timer < t) t = timer;
    if (this.#bumpHead < this.#bump.length && this.#bump[this.#bumpHead].at < t) {
      t = this.#bump[this.#bumpHead].at;
    }
    return t;
  }

  /**
   * Runs everything due at or before `now`, each at its own due time, which
   * also stamps its replies. At equal times a bump release goes first (it
   * arrived earlier), then expiries, then the batch.
   */
  advance(now: number): void {
    for (;;) {
      const bumpAt = this.#bumpHead < this.#bump.length ? this.#bump[this.#bumpHead].at : Infinity;
      const timerAt = this.#timers.peekAt();
      const batchAt = this.#nextBatchAt;
      if (bumpAt <= now && bumpAt <= timerAt && bumpAt <= batchAt) {
        const { item } = this.#bump[this.#bumpHead++];
        if (this.#bumpHead === this.#bump.length) {
          this.#bump = [];
          this.#bumpHead = 0;
        }
        this.#process(item.conn, item.message, bumpAt);
      } else if (timerAt <= now && timerAt <= batchAt) {
        const id = this.#timers.pop()!.item;
        if (this.#expiry[id] === timerAt) this.#expire(id, timerAt);
      } else if (batchAt <= now) {
        this.#nextBatchAt = batchAt + this.batchMs;
        this.runBatch(batchAt);
      } else {
        return;
      }
    }
  }

  /** One inbound message from connection `conn`, arriving at `now`. */
  receive(conn: number, message: ClientMessage, now: number): void {
    this.advance(now);
    switch (message.type) {
      case "O":
      case "U":
      case "X":
        if (this.format === "iex" && this.delayMs > 0) {
          this.#bump.push({ at: now + this.delayMs, item: { conn, message } });
        } else {
          this.#process(conn, message, now);
        }
        return;
      case "H":
        this.#systemStart(conn, now);
        return;
      case "K":
        if (this.format !== "iex") {
          this.#log(`K ${message.eBestBid}:${message.eBestOffer} ignored (${this.format})`);
          return;
        }
        this.#emit(this.#core.external(message.eBestBid, message.eBestOffer), now, conn);
        return;
      case "M":
      case "N":
        this.#log(`conn ${conn}: ${message.type} is not supported, ignored`);
        return;
    }
  }

  /** Runs one FBA batch now (the schedule calls this; tests may too). */
  runBatch(now: number): void {
    if (this.format !== "fba") throw new Error(`runBatch: format is ${this.format}, not fba`);
    this.#emit(this.#core.batch(), now, 0);
  }

  #process(conn: number, m: EnterOrder | ReplaceOrder | CancelOrder, now: number): void {
    if (m.type === "O") this.#enter(conn, m, now);
    else if (m.type === "U") this.#replace(conn, m, now);
    else this.#cancel(conn, m, now);
  }

  #enter(conn: number, m: EnterOrder, now: number): void {
    if (this.#ids.has(m.orderToken)) {
      return this.#reject(conn, m.orderToken, "O", "duplicate order token", now);
    }
    if (m.price > MAX_PRICE) {
      return this.#reject(conn, m.orderToken, "X", `price ${m.price} above ${MAX_PRICE}`, now);
    }
    const side = m.buySellIndicator === "B" ? 0 : m.buySellIndicator === "S" ? 1 : -1;
    if (side < 0) {
      return this.#reject(
        conn,
        m.orderToken,
        "O",
        `side ${JSON.stringify(m.buySellIndicator)}`,
        now,
      );
    }
    const id = this.#register(m.orderToken, conn, m);
    const n = this.#core.enter(id, side, m.price, m.shares, m.timeInForce, m.midpointPeg);
    this.#emit(n, now, conn, m);
    this.#arm(id, m.timeInForce, now);
  }

  #replace(conn: number, m: ReplaceOrder, now: number): void {
    const old = this.#ids.get(m.existingOrderToken);
    if (old === undefined) {
      return this.#reject(conn, m.replacementOrderToken, "O", "existing token unknown", now);
    }
    if (this.#ids.has(m.replacementOrderToken)) {
      return this.#reject(conn, m.replacementOrderToken, "O", "replacement token used", now);
    }
    if (m.price > MAX_PRICE) {
      const why = `price ${m.price} above ${MAX_PRICE}`;
      return this.#reject(conn, m.replacementOrderToken, "X", why, now);
    }
    // The id becomes the replacement's only if the engine creates it
    // (liable 0 leaves the token unused, Q3).
    const id = this.#nextId;
    this.#grow(id);
    const n = this.#core.replace(old, id, m.shares, m.price, m.timeInForce);
    const ev = this.#core.events;
    let created = false;
    for (let i = 0; i < n; i++) {
      if ((ev[i * W] & 0xff) === EV_REPLACED) created = true;
    }
    if (created) {
      this.#nextId++;
      this.#ids.set(m.replacementOrderToken, id);
      this.#tokens[id] = m.replacementOrderToken;
      this.#owners[id] = conn;
      this.#origins[id] = this.#origins[old];
      this.#expiry[old] = 0;
    }
    this.#emit(n, now, conn, m);
    if (created) this.#arm(id, m.timeInForce, now);
  }

  #cancel(conn: number, m: CancelOrder, now: number): void {
    const id = this.#ids.get(m.orderToken);
    if (id === undefined) return this.#reject(conn, m.orderToken, "O", "token unknown", now);
    this.#emit(this.#core.cancel(id, m.shares, "U"), now, conn, m);
  }

  #expire(id: number, now: number): void {
    this.#expiry[id] = 0;
    this.#emit(this.#core.cancel(id, 0, "T"), now, 0);
  }

  #systemStart(conn: number, now: number): void {
    this.#core.reset();
    this.#ids.clear();
    this.#tokens = [""];
    this.#owners = [0];
    this.#origins = [undefined as unknown as EnterOrder];
    this.#expiry = [0];
    this.#nextId = 1;
    this.#orderReference = 1n;
    this.#timers.clear();
    if (this.#bump.length > this.#bumpHead) {
      this.#log(`H discards ${this.#bump.length - this.#bumpHead} requests in the speed bump`);
    }
    this.#bump = [];
    this.#bumpHead = 0;
    if (this.format === "fba") this.#nextBatchAt = now + this.batchMs;
    this.#out.send(conn, { type: "S", timestamp: this.#stamp(now), eventCode: "S" });
  }

  #register(token: string, conn: number, origin: EnterOrder): number {
    const id = this.#nextId++;
    this.#grow(id);
    this.#ids.set(token, id);
    this.#tokens[id] = token;
    this.#owners[id] = conn;
    this.#origins[id] = origin;
    return id;
  }

  #grow(id: number): void {
    while (this.#tokens.length <= id) {
      this.#tokens.push("");
      this.#owners.push(0);
      this.#origins.push(undefined as unknown as EnterOrder);
      this.#expiry.push(0);
    }
  }

  /** Starts the TIF timer of an order that rests after processing. */
  #arm(id: number, tif: number, now: number): void {
    if (tif === 0 || tif >= TIF_NO_EXPIRY || this.#core.restingShares(id) < 0) return;
    const at = now + tif * 1000;
    this.#expiry[id] = at;
    this.#timers.push(at, id);
  }

  #reject(conn: number, token: string, reason: string, why: string, now: number): void {
    this.#log(`conn ${conn}: ignored request for ${JSON.stringify(token)}: ${why}`);
    if (this.#rejects) {
      this.#out.send(conn, { type: "J", timestamp: this.#stamp(now), orderToken: token, reason });
    }
  }

  /** Turns the engine's `n` events into OUCH replies and broadcasts. */
  #emit(
    n: number,
    now: number,
    conn: number,
    request?: EnterOrder | ReplaceOrder | CancelOrder,
  ): void {
    if (n === 0) return;
    const ev = this.#core.events;
    const ts = this.#stamp(now);
    const out = this.#out;
    for (let i = 0; i < n; i++) {
      const o = i * W;
      const head = ev[o];
      switch (head & 0xff) {
        case EV_ACCEPTED: {
          const id = ev[o + 1];
          const m = this.#origins[id];
          out.send(this.#owners[id], {
            type: "A",
            timestamp: ts,
            orderToken: m.orderToken,
            buySellIndicator: m.buySellIndicator,
            shares: m.shares,
            stock: m.stock,
            price: m.price,
            timeInForce: m.timeInForce,
            firm: m.firm,
            display: m.display,
            orderReferenceNumber: this.#nextReference(),
            capacity: m.capacity,
            intermarketSweepEligibility: m.intermarketSweepEligibility,
            minimumQuantity: m.minimumQuantity,
            crossType: m.crossType,
            orderState: "L",
            bboWeightIndicator: " ",
            midpointPeg: m.midpointPeg,
          });
          break;
        }
        case EV_REPLACED: {
          const id = ev[o + 1];
          const r = request as ReplaceOrder;
          const m = this.#origins[id];
          out.send(this.#owners[id], {
            type: "U",
            timestamp: ts,
            replacementOrderToken: this.#tokens[id],
            buySellIndicator: m.buySellIndicator,
            shares: ev[o + 3] >>> 0,
            stock: m.stock,
            price: r.price,
            timeInForce: r.timeInForce,
            firm: m.firm,
            display: r.display,
            orderReferenceNumber: this.#nextReference(),
            capacity: "*",
            intermarketSweepEligibility: r.intermarketSweepEligibility,
            minimumQuantity: r.minimumQuantity,
            crossType: "*",
            orderState: ev[o + 5] !== 0 ? "L" : "D",
            previousOrderToken: this.#tokens[ev[o + 2]],
            bboWeightIndicator: "*",
            midpointPeg: m.midpointPeg,
          });
          break;
        }
        case EV_EXECUTED: {
          const match = BigInt(ev[o + 5] >>> 0) + (BigInt(ev[o + 6] >>> 0) << 32n);
          const shares = ev[o + 3] >>> 0;
          const price = ev[o + 4];
          // the incoming (or FBA bid, or pegged) order first, as the wire requires
          this.#executed(ev[o + 1], shares, price, match, ts);
          this.#executed(ev[o + 2], shares, price, match, ts);
          break;
        }
        case EV_CANCELED: {
          const id = ev[o + 1];
          out.send(this.#owners[id], {
            type: "C",
            timestamp: ts,
            orderToken: this.#tokens[id],
            decrementShares: ev[o + 2] >>> 0,
            reason: String.fromCharCode((head >>> 8) & 0xff),
            midpointPeg: this.#origins[id].midpointPeg,
          });
          if (((head >>> 8) & 0xff) === CANCEL_T) this.#expiry[id] = 0;
          break;
        }
        case EV_BBO: {
          const bbo = {
            bestBid: ev[o + 1],
            volumeAtBestBid: ev[o + 2] >>> 0,
            bestAsk: ev[o + 3],
            volumeAtBestAsk: ev[o + 4] >>> 0,
            nextBid: ev[o + 5],
            nextAsk: ev[o + 6],
          };
          const batch = this.#batchZ;
          if (batch) {
            this.#batchZ = null;
            out.broadcast({
              type: "Z",
              timestamp: ts,
              stock: STOCK,
              clearingPrice: batch.clearingPrice,
              transactedVolume: batch.volume,
              ...bbo,
            });
          } else {
            out.broadcast({ type: "Q", timestamp: ts, stock: STOCK, ...bbo });
          }
          break;
        }
        case EV_BATCH: {
          const volume = (ev[o + 2] >>> 0) + (ev[o + 3] >>> 0) * 2 ** 32;
          this.#batchZ = {
            clearingPrice: ev[o + 1],
            // the wire field is 32 bits; a larger batch saturates
            volume: Math.min(volume, 0xffffffff),
          };
          break;
        }
        case EV_PEG:
          out.broadcast({ type: "L", timestamp: ts, pegState: ev[o + 1], pegPrice: ev[o + 2] });
          break;
        case EV_REJECTED: {
          const reason = REJECT_REASONS[(head >>> 8) & 0xff] ?? "unknown";
          const token = request
            ? (request.type === "U" ? request.replacementOrderToken : request.orderToken)
            : this.#tokens[ev[o + 1]] ?? "";
          if (reason === "not-resting" && request?.type === "X") {
            // a cancel that lost a race with a fill: routine, KEEP silent
            this.#log(`conn ${conn}: cancel of ${JSON.stringify(token)}: not resting`);
            if (this.#rejects) {
              out.send(conn, { type: "J", timestamp: ts, orderToken: token, reason: "O" });
            }
          } else if (request) {
            this.#reject(conn, token, reason === "bad-price" ? "X" : "O", reason, now);
          }
          break;
        }
      }
    }
  }

  #executed(id: number, shares: number, price: number, match: bigint, ts: bigint): void {
    this.#out.send(this.#owners[id], {
      type: "E",
      timestamp: ts,
      orderToken: this.#tokens[id],
      executedShares: shares,
      executionPrice: price,
      liquidityFlag: "?",
      matchNumber: match,
      midpointPeg: this.#origins[id].midpointPeg,
    });
  }

  #nextReference(): bigint {
    const r = this.#orderReference;
    this.#orderReference += 2n;
    return r;
  }
}
