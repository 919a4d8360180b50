/**
 * BookCore: the engine's order book addressed by dense integer order ids.
 *
 * This is the fast path. Each command is one call into WebAssembly; the
 * engine writes the resulting events into its event buffer and the call
 * returns how many. Read them with {@link BookCore.event} / {@link BookCore.word}
 * (no allocation) or {@link BookCore.readEvents} (decoded objects). The buffer
 * is overwritten by the next command.
 *
 * For bulk replay, write commands with {@link BookCore.setEnter} etc. and
 * execute them with one {@link BookCore.run} call.
 *
 * The market format (CDA, FBA or IEX) is chosen with the `format` option or
 * {@link BookCore.setFormat} on an empty book. FBA adds {@link BookCore.batch},
 * IEX adds {@link BookCore.external} and pegged orders (`enter(..., true)`).
 */

import {
  type Bbo,
  type CancelReason,
  EMPTY_BBO,
  type EngineEvent,
  EV_ACCEPTED,
  EV_BATCH,
  EV_BBO,
  EV_CANCELED,
  EV_EXECUTED,
  EV_PEG,
  EV_REJECTED,
  EV_REPLACED,
  type MarketFormat,
  REJECT_REASONS,
  type Side,
} from "./events.ts";
import { engineModule } from "./engine_module.ts";

interface EngineExports {
  memory: WebAssembly.Memory;
  init(orders: number, events: number, commands: number): void;
  enter(
    id: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
    flags: number,
  ): number;
  cancel(id: number, remaining: number, reason: number): number;
  replace(
    oldId: number,
    newId: number,
    shares: number,
    price: number,
    tif: number,
  ): number;
  run(n: number): number;
  batch(): number;
  external(bid: number, ask: number): number;
  setFormat(f: number): void;
  getFormat(): number;
  seed(s: number): void;
  pegPrice(): number;
  pegState(): number;
  reset(): void;
  snapshot(maxLevels: number): number;
  orderShares(id: number): bigint;
  restingOrders(): number;
  eventsPointer(): number;
  commandsPointer(): number;
  commandsCapacity(): number;
  snapshotPointer(): number;
  ladderBase(): number;
}

export interface BookCoreOptions {
  /** Order ids the arena holds before it first grows (default 1024). */
  initialOrders?: number;
  /** Event records before the buffer first grows (default 4096). */
  initialEvents?: number;
  /** Commands one {@link BookCore.run} call can take (default 4096). */
  commandCapacity?: number;
  /** Market format (default "cda"). */
  format?: MarketFormat;
  /** Seed of the FBA random order within a segment (default 0). */
  seed?: number;
}

export interface LevelSnapshot<K = number> {
  price: number;
  volume: number;
  /** Resting orders in queue order. */
  orders: { order: K; shares: number }[];
}

export interface PeggedSnapshot<K = number> {
  order: K;
  shares: number;
  /** The price of the creating message: the order trades only while the peg is within it. */
  limit: number;
}

export interface BookSnapshot<K = number> {
  /** Best (highest) first. */
  bids: LevelSnapshot<K>[];
  /** Best (lowest) first. */
  asks: LevelSnapshot<K>[];
  /** IEX midpoint-pegged orders, hidden from the levels, in queue order (empty elsewhere). */
  pegged: { bids: PeggedSnapshot<K>[]; asks: PeggedSnapshot<K>[] };
}

export const SIDE_BUY = 0;
export const SIDE_SELL = 1;
export const CMD_ENTER = 1;
export const CMD_CANCEL = 2;
export const CMD_REPLACE = 3;
export const WORDS_PER_EVENT = 8;
export const WORDS_PER_COMMAND = 8;
/** Bit 0 of an enter command's flags word (command word 7): midpoint peg. */
export const ENTER_PEG = 1;
/** Engine format codes, by index. */
export const MARKET_FORMATS: readonly MarketFormat[] = ["cda", "fba", "iex"];
const SIDES: readonly Side[] = ["B", "S"];
const UINT32_MAX = 0xffffffff;

export class BookCore {
  readonly #x: EngineExports;
  // Exported functions held directly: one property load less per command.
  readonly #enter: EngineExports["enter"];
  readonly #cancel: EngineExports["cancel"];
  readonly #replace: EngineExports["replace"];
  /** Whole-memory view; replaced whenever the engine grows its memory. */
  #mem: Int32Array;
  #events = 0;
  #commands = 0;
  #eventView: Int32Array = new Int32Array(0);
  #commandView: Int32Array = new Int32Array(0);
  readonly commandCapacity: number;

  private constructor(
    instance: WebAssembly.Instance,
    options: BookCoreOptions,
  ) {
    this.#x = instance.exports as unknown as EngineExports;
    this.#enter = this.#x.enter;
    this.#cancel = this.#x.cancel;
    this.#replace = this.#x.replace;
    this.#x.init(
      options.initialOrders ?? 1024,
      options.initialEvents ?? 4096,
      options.commandCapacity ?? 4096,
    );
    this.commandCapacity = this.#x.commandsCapacity();
    this.#mem = new Int32Array(0);
    this.#remap();
    if (options.format !== undefined) this.setFormat(options.format);
    if (options.seed !== undefined) this.seed(options.seed);
  }

  static async create(options: BookCoreOptions = {}): Promise<BookCore> {
    return BookCore.fromModule(await engineModule(), options);
  }

  static fromModule(
    module: WebAssembly.Module,
    options: BookCoreOptions = {},
  ): BookCore {
    return new BookCore(new WebAssembly.Instance(module, {}), options);
  }

  #remap(): void {
    this.#mem = new Int32Array(this.#x.memory.buffer);
    this.#events = this.#x.eventsPointer() >>> 2;
    this.#commands = this.#x.commandsPointer() >>> 2;
    this.#eventView = this.#mem.subarray(this.#events);
    this.#commandView = this.#mem.subarray(
      this.#commands,
      this.#commands + this.commandCapacity * WORDS_PER_COMMAND,
    );
  }

  // A grown memory detaches the old buffer, so a zero-length view means
  // region pointers may have moved.
  #sync(n: number): number {
    if (this.#mem.length === 0) this.#remap();
    return n;
  }

  /**
   * Enters an order. side 0 = buy, 1 = sell; tif 0 = IOC; `peg` = midpoint
   * peg with `price` as its limit (IEX only, ignored elsewhere). Returns the
   * event count.
   */
  enter(
    id: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
    peg = false,
  ): number {
    return this.#sync(this.#enter(id, side, price, shares, tif, peg ? ENTER_PEG : 0));
  }

  /** Reduces a resting order to `remaining` shares (0 = cancel). */
  cancel(id: number, remaining: number, reason: CancelReason = "U"): number {
    return this.#sync(this.#cancel(id, remaining, reason.charCodeAt(0)));
  }

  /** Replaces `oldId` by `newId` with a new total size, price and TIF. */
  replace(
    oldId: number,
    newId: number,
    shares: number,
    price: number,
    tif: number,
  ): number {
    return this.#sync(this.#replace(oldId, newId, shares, price, tif));
  }

  /**
   * FBA: runs one batch (uniform-price call auction): `executed` (bid, ask)
   * per fill, `canceled` I per IOC order left, `batch`, `bbo`. In the other
   * formats the only event is a `rejected` bad-command.
   */
  batch(): number {
    return this.#sync(this.#x.batch());
  }

  /**
   * IEX: a new external best bid and offer; the peg becomes their midpoint
   * (rounded down), or none when bid is 0 or either is 2147483647 or more.
   * Events: fills the peg move allows, `bbo` if changed, always `peg`. No
   * events in the other formats.
   */
  external(bid: number, ask: number): number {
    return this.#sync(this.#x.external(bid, ask));
  }

  /**
   * Switches the market format, kept across {@link reset}. Only an empty book
   * can switch (resting orders belong to the format that placed them), so
   * call it after creating the book or after a reset.
   */
  setFormat(format: MarketFormat): void {
    const f = MARKET_FORMATS.indexOf(format);
    if (f < 0) throw new RangeError(`unknown market format ${JSON.stringify(format)}`);
    this.#x.setFormat(f);
    if (this.#x.getFormat() !== f) {
      throw new Error(`setFormat(${format}): orders rest in the book; reset() first`);
    }
  }

  get format(): MarketFormat {
    return MARKET_FORMATS[this.#x.getFormat()];
  }

  /** Seeds the FBA random order (not touched by {@link reset}). */
  seed(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s > UINT32_MAX) {
      throw new RangeError(`seed must be an integer in 0..${UINT32_MAX}, got ${s}`);
    }
    this.#x.seed(s);
  }

  /** The IEX peg, 0 = none. */
  get pegPrice(): number {
    return this.#x.pegPrice();
  }

  /** Resting pegged asks minus resting pegged bids (orders). */
  get pegState(): number {
    return this.#x.pegState();
  }

  /** Empties the book and forgets all ids (a new trading day); also the peg and FBA segments. */
  reset(): void {
    this.#x.reset();
    this.#sync(0);
  }

  /**
   * The event buffer as raw words, 8 per event (layout in engine-as/events.ts):
   * event i's kind is `events[i * 8] & 0xff`. Fetch it again after every
   * command: the buffer moves when the engine grows it.
   */
  get events(): Int32Array {
    return this.#eventView;
  }

  /**
   * The command buffer as raw words, 8 per command slot (layout in
   * engine-as/index.ts `run`), for hosts that write commands without a call
   * each. Fetch it again after every command, as {@link events}.
   */
  get commands(): Int32Array {
    return this.#commandView;
  }

  /** Event kind (EV_*) of event i of the last command. */
  event(i: number): number {
    return this.#mem[this.#events + i * WORDS_PER_EVENT] & 0xff;
  }

  /** Word k (0..7) of event i; layout in engine-as/events.ts. */
  word(i: number, k: number): number {
    return this.#mem[this.#events + i * WORDS_PER_EVENT + k];
  }

  // ------------------------------------------------------------ batches

  /** Writes command slot i as an enter. */
  setEnter(
    i: number,
    id: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
    peg = false,
  ) {
    const m = this.#mem, c = this.#commands + i * WORDS_PER_COMMAND;
    m[c] = CMD_ENTER;
    m[c + 1] = id;
    m[c + 2] = side;
    m[c + 3] = price;
    m[c + 4] = shares;
    m[c + 5] = tif;
    m[c + 7] = peg ? ENTER_PEG : 0;
  }

  /** Writes command slot i as a cancel (reduce to `remaining`). */
  setCancel(
    i: number,
    id: number,
    remaining: number,
    reason: CancelReason = "U",
  ) {
    const m = this.#mem, c = this.#commands + i * WORDS_PER_COMMAND;
    m[c] = CMD_CANCEL;
    m[c + 1] = id;
    m[c + 4] = remaining;
    m[c + 6] = reason.charCodeAt(0);
  }

  /** Writes command slot i as a replace. */
  setReplace(
    i: number,
    oldId: number,
    newId: number,
    shares: number,
    price: number,
    tif: number,
  ) {
    const m = this.#mem, c = this.#commands + i * WORDS_PER_COMMAND;
    m[c] = CMD_REPLACE;
    m[c + 1] = oldId;
    m[c + 2] = newId;
    m[c + 3] = price;
    m[c + 4] = shares;
    m[c + 5] = tif;
  }

  /** Runs command slots 0..n-1 in one call; returns the number of events. */
  run(n: number): number {
    if (n > this.commandCapacity) {
      throw new RangeError(
        `run(${n}): at most ${this.commandCapacity} commands per call`,
      );
    }
    return this.#sync(this.#x.run(n));
  }

  // ------------------------------------------------------------ reading

  /** Decodes events 0..n-1 of the last command or run. */
  readEvents(n: number): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (let i = 0; i < n; i++) out.push(this.decode(i));
    return out;
  }

  decode(i: number): EngineEvent {
    const m = this.#mem, p = this.#events + i * WORDS_PER_EVENT;
    const head = m[p], kind = head & 0xff, code = (head >>> 8) & 0xff;
    const side = SIDES[(head >>> 16) & 1];
    switch (kind) {
      case EV_ACCEPTED:
        return {
          type: "accepted",
          order: m[p + 1],
          side: SIDES[m[p + 2]],
          shares: m[p + 3] >>> 0,
          price: m[p + 4],
          timeInForce: m[p + 5] >>> 0,
        };
      case EV_EXECUTED:
        return {
          type: "executed",
          order: m[p + 1],
          resting: m[p + 2],
          shares: m[p + 3] >>> 0,
          price: m[p + 4],
          match: (m[p + 5] >>> 0) + (m[p + 6] >>> 0) * 2 ** 32,
        };
      case EV_CANCELED:
        return {
          type: "canceled",
          order: m[p + 1],
          side,
          decrement: m[p + 2] >>> 0,
          reason: String.fromCharCode(code) as CancelReason,
        };
      case EV_REPLACED:
        return {
          type: "replaced",
          order: m[p + 1],
          previous: m[p + 2],
          side,
          shares: m[p + 3] >>> 0,
          price: m[p + 4],
          timeInForce: m[p + 6] >>> 0,
          resting: m[p + 5] === 1,
        };
      case EV_BBO:
        return {
          type: "bbo",
          bestBid: m[p + 1],
          bestBidVolume: m[p + 2] >>> 0,
          bestAsk: m[p + 3],
          bestAskVolume: m[p + 4] >>> 0,
          nextBid: m[p + 5],
          nextAsk: m[p + 6],
        };
      case EV_REJECTED: {
        const ev: EngineEvent = {
          type: "rejected",
          order: m[p + 1],
          reason: REJECT_REASONS[code] ?? "bad-command",
        };
        if (m[p + 2] !== 0) ev.other = m[p + 2];
        return ev;
      }
      case EV_BATCH:
        return {
          type: "batch",
          clearingPrice: m[p + 1],
          volume: (m[p + 2] >>> 0) + (m[p + 3] >>> 0) * 2 ** 32,
          fills: m[p + 4] >>> 0,
        };
      case EV_PEG:
        return { type: "peg", pegState: m[p + 1], pegPrice: m[p + 2] };
      default:
        throw new Error(`engine wrote an unknown event kind ${kind}`);
    }
  }

  /** Remaining shares of a resting order, or -1. */
  restingShares(id: number): number {
    return Number(this.#x.orderShares(id));
  }

  /** Lowest price of the flat ladder window (prices outside it take the slower path). */
  get ladderBase(): number {
    return this.#x.ladderBase();
  }

  /** Number of orders resting in the book, IEX pegged orders included. */
  get restingOrders(): number {
    return this.#x.restingOrders();
  }

  /** The book, best levels first; `maxLevels` per side (default all). */
  snapshot(maxLevels = -1): BookSnapshot {
    const words = this.#sync(this.#x.snapshot(maxLevels));
    const m = this.#mem;
    let p = this.#x.snapshotPointer() >>> 2;
    const end = p + words;
    const sides: LevelSnapshot[][] = [];
    for (let s = 0; s < 2; s++) {
      const levels: LevelSnapshot[] = [];
      const n = m[p++];
      for (let l = 0; l < n; l++) {
        const price = m[p++];
        const volume = (m[p++] >>> 0) + (m[p++] >>> 0) * 2 ** 32;
        const count = m[p++];
        const orders = [];
        for (let k = 0; k < count; k++) {
          orders.push({ order: m[p++], shares: m[p++] >>> 0 });
        }
        levels.push({ price, volume, orders });
      }
      sides.push(levels);
    }
    const pegged: PeggedSnapshot[][] = [];
    for (let s = 0; s < 2; s++) {
      const n = m[p++];
      const orders: PeggedSnapshot[] = [];
      for (let k = 0; k < n; k++) {
        orders.push({ order: m[p++], shares: m[p++] >>> 0, limit: m[p++] });
      }
      pegged.push(orders);
    }
    if (p !== end) throw new Error("engine snapshot is malformed");
    return { bids: sides[0], asks: sides[1], pegged: { bids: pegged[0], asks: pegged[1] } };
  }

  /** The current BBO tuple, computed from the book. */
  bbo(): Bbo {
    return bboOf(this.snapshot(2));
  }
}

/** The BBO tuple of a snapshot with at least two levels per side. */
export function bboOf(book: BookSnapshot<unknown>): Bbo {
  const [b1, b2] = book.bids, [a1, a2] = book.asks;
  return {
    bestBid: b1?.price ?? EMPTY_BBO.bestBid,
    bestBidVolume: b1?.volume ?? 0,
    bestAsk: a1?.price ?? EMPTY_BBO.bestAsk,
    bestAskVolume: a1?.volume ?? 0,
    nextBid: b2?.price ?? EMPTY_BBO.nextBid,
    nextAsk: a2?.price ?? EMPTY_BBO.nextAsk,
  };
}
