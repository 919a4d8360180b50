/**
 * Shared by the CDA, FBA and IEX golden tests and the property tests: the
 * scenario notation of leeps-exchange.md §11, tables of rows
 * `[input, expected events, book?]` run through {@link OrderBook} so that each
 * row reads against the spec directly; and, for property tests, a share
 * ledger and the check of BBO reports.
 *
 * Input lines:
 *   O tok side shares@price [tif=N] [peg]   enter (default tif 99999)
 *   X tok shares                            cancel: reduce to `shares` (reason U)
 *   timer tok                               TIF expiry: cancel to 0 with reason T
 *   U old→new shares@price [tif=N]          replace
 *   batch                                   FBA batch
 *   K bid:ask                               external best bid and offer (IEX)
 *   H                                       reset (new trading day)
 *
 * Expected events, separated by ";" (one engine event each):
 *   A(tok)                         accepted, fields echoed from the input line
 *   E a/b q@px m#                  executed: a = `order` (incoming; FBA the bid;
 *                                  IEX peg move the pegged order), b = `resting`
 *   C tok −d (r)                   canceled with decrement d, reason r
 *   R(new prev=old sh@px rests)    replaced with liable shares sh; `rests` or `gone`
 *   Q(bb,vbb,ba,vba,nb,na)         bbo (MAX = 2147483647)
 *   Z{cp tv bb/vbb ba/vba nb na}   the spec's PostBatch: one `batch` event (its
 *                                  fill count is the number of E in the row)
 *                                  followed by one `bbo` event
 *   L(state,peg)                   peg event
 *   ∅ reason                       exactly one `rejected` event with this reason
 *   ∅                              no event at all
 *
 * Book (optional), the whole book after the row, parts separated by ";":
 *   bids 101[A3:8] 100[B:5]     levels best first, orders in queue order
 *   asks 106[A2:6]
 *   pegbids PB:1@104 PC:2@103   pegged queue: token:shares@limit in queue order
 *   pegasks PS:1@102
 *   empty                       nothing rests
 */

import assert from "node:assert/strict";
import {
  type Bbo,
  bboOf,
  type BookEvent,
  type BookSnapshot,
  type CancelReason,
  type EngineEvent,
  MAX_PRICE,
  OrderBook,
  type RejectReason,
  type Side,
} from "../engine-wasm/mod.ts";

export type Row = [input: string, expected: string, book?: string];

const DEFAULT_TIF = 99999;
/** Tokens are 14 bytes on the wire: short names padded with spaces. */
export const tok = (name: string) => name.padEnd(14, " ");

export type Command =
  | {
    kind: "O";
    token: string;
    side: Side;
    shares: number;
    price: number;
    tif: number;
    peg: boolean;
  }
  | { kind: "X"; token: string; shares: number; reason: CancelReason }
  | {
    kind: "U";
    existing: string;
    replacement: string;
    shares: number;
    price: number;
    tif: number;
  }
  | { kind: "batch" }
  | { kind: "K"; bid: number; ask: number }
  | { kind: "H" };

const num = (s: string) => (s.trim() === "MAX" ? MAX_PRICE : +s);

export function parseInput(line: string): Command {
  let m = line.match(/^O (\S+) ([BS]) (\d+)@(\d+|MAX)(?: tif=(\d+))?( peg)?$/);
  if (m) {
    return {
      kind: "O",
      token: tok(m[1]),
      side: m[2] as Side,
      shares: +m[3],
      price: num(m[4]),
      tif: m[5] === undefined ? DEFAULT_TIF : +m[5],
      peg: m[6] !== undefined,
    };
  }
  m = line.match(/^X (\S+) (\d+)$/);
  if (m) return { kind: "X", token: tok(m[1]), shares: +m[2], reason: "U" };
  m = line.match(/^timer (\S+)$/);
  if (m) return { kind: "X", token: tok(m[1]), shares: 0, reason: "T" };
  m = line.match(/^U (\S+)→(\S+) (\d+)@(\d+)(?: tif=(\d+))?$/);
  if (m) {
    return {
      kind: "U",
      existing: tok(m[1]),
      replacement: tok(m[2]),
      shares: +m[3],
      price: +m[4],
      tif: m[5] === undefined ? DEFAULT_TIF : +m[5],
    };
  }
  if (line === "batch") return { kind: "batch" };
  m = line.match(/^K (\d+):(\d+|MAX)$/);
  if (m) return { kind: "K", bid: +m[1], ask: num(m[2]) };
  if (line === "H") return { kind: "H" };
  throw new Error(`bad input line: ${line}`);
}

/** Expected events of one row; `sides` maps tokens to the side of their order. */
export function parseExpected(
  text: string,
  cmd: Command,
  sides: Map<string, Side>,
): BookEvent[] {
  const out: BookEvent[] = [];
  const items = text.split(";").map((s) => s.trim()).filter((s) => s !== "" && s !== "∅");
  const fills = items.filter((s) => s.startsWith("E ")).length;
  const sideOf = (t: string) => {
    const side = sides.get(tok(t));
    if (side === undefined) throw new Error(`side of ${t} unknown`);
    return side;
  };
  for (const item of items) {
    let m = item.match(/^∅ (\S+)$/);
    if (m) {
      const reason = m[1] as RejectReason;
      if (cmd.kind === "O" || cmd.kind === "X") {
        out.push({ type: "rejected", order: cmd.token, reason });
      } else if (cmd.kind === "U") {
        out.push({ type: "rejected", order: cmd.existing, other: cmd.replacement, reason });
      } else if (cmd.kind === "batch") {
        out.push({ type: "rejected", order: "", reason });
      } else throw new Error(`∅ ${reason} after ${cmd.kind}`);
      continue;
    }
    m = item.match(/^A\((\S+)\)$/);
    if (m) {
      if (cmd.kind !== "O" || cmd.token !== tok(m[1])) {
        throw new Error(`${item} must follow an enter of ${m[1]}`);
      }
      out.push({
        type: "accepted",
        order: cmd.token,
        side: cmd.side,
        shares: cmd.shares,
        price: cmd.price,
        timeInForce: cmd.tif,
      });
      continue;
    }
    m = item.match(/^E (\S+)\/(\S+) (\d+)@(\d+) m(\d+)$/);
    if (m) {
      out.push({
        type: "executed",
        order: tok(m[1]),
        resting: tok(m[2]),
        shares: +m[3],
        price: +m[4],
        match: +m[5],
      });
      continue;
    }
    m = item.match(/^C (\S+) [−-](\d+) \(([UITZ])\)$/);
    if (m) {
      out.push({
        type: "canceled",
        order: tok(m[1]),
        side: sideOf(m[1]),
        decrement: +m[2],
        reason: m[3] as CancelReason,
      });
      continue;
    }
    m = item.match(/^R\((\S+) prev=(\S+) (\d+)@(\d+) (rests|gone)\)$/);
    if (m) {
      if (cmd.kind !== "U") throw new Error(`${item} must follow a replace`);
      out.push({
        type: "replaced",
        order: tok(m[1]),
        previous: tok(m[2]),
        side: sideOf(m[2]),
        shares: +m[3],
        price: +m[4],
        timeInForce: cmd.tif,
        resting: m[5] === "rests",
      });
      continue;
    }
    m = item.match(/^Q\(([^)]*)\)$/);
    if (m) {
      out.push(bbo(m[1].split(",")));
      continue;
    }
    m = item.match(/^Z\{(\S+) (\d+) (\S+)\/(\d+) (\S+)\/(\d+) (\S+) (\S+)\}$/);
    if (m) {
      out.push({ type: "batch", clearingPrice: num(m[1]), volume: +m[2], fills });
      out.push(bbo([m[3], m[4], m[5], m[6], m[7], m[8]]));
      continue;
    }
    m = item.match(/^L\(([−-]?\d+),(\d+)\)$/);
    if (m) {
      out.push({ type: "peg", pegState: +m[1].replace("−", "-"), pegPrice: +m[2] });
      continue;
    }
    throw new Error(`bad expected item: ${item}`);
  }
  return out;
}

function bbo(v: string[]): BookEvent {
  if (v.length !== 6) throw new Error(`bad tuple ${v}`);
  const [bestBid, bestBidVolume, bestAsk, bestAskVolume, nextBid, nextAsk] = v.map(num);
  return { type: "bbo", bestBid, bestBidVolume, bestAsk, bestAskVolume, nextBid, nextAsk };
}

export function parseBook(text: string): BookSnapshot<string> {
  const book: BookSnapshot<string> = { bids: [], asks: [], pegged: { bids: [], asks: [] } };
  if (text.trim() === "empty") return book;
  for (const part of text.split(";").map((s) => s.trim())) {
    let m = part.match(/^(bids|asks)((?: \d+\[[^\]]*\])+)$/);
    if (m) {
      for (const [, price, list] of m[2].matchAll(/(\d+)\[([^\]]*)\]/g)) {
        const orders = list.trim().split(/\s+/).map((o) => {
          const [t, s] = o.split(":");
          return { order: tok(t), shares: +s };
        });
        book[m[1] as "bids" | "asks"].push({
          price: +price,
          volume: orders.reduce((a, o) => a + o.shares, 0),
          orders,
        });
      }
      continue;
    }
    m = part.match(/^peg(bids|asks)((?: \S+:\d+@\d+)+)$/);
    if (m) {
      for (const [, t, s, limit] of m[2].matchAll(/(\S+):(\d+)@(\d+)/g)) {
        book.pegged[m[1] as "bids" | "asks"].push({ order: tok(t), shares: +s, limit: +limit });
      }
      continue;
    }
    throw new Error(`bad book: ${part}`);
  }
  return book;
}

export function execute(ob: OrderBook, cmd: Command): BookEvent[] {
  switch (cmd.kind) {
    case "O":
      return ob.enter({
        token: cmd.token,
        side: cmd.side,
        shares: cmd.shares,
        price: cmd.price,
        timeInForce: cmd.tif,
        peg: cmd.peg,
      });
    case "X":
      return ob.cancel(cmd.token, cmd.shares, cmd.reason);
    case "U":
      return ob.replace({
        existing: cmd.existing,
        replacement: cmd.replacement,
        shares: cmd.shares,
        price: cmd.price,
        timeInForce: cmd.tif,
      });
    case "batch":
      return ob.batch();
    case "K":
      return ob.external(cmd.bid, cmd.ask);
    case "H":
      ob.reset();
      return [];
  }
}

/** Runs a scenario table, asserting every row; returns all events emitted. */
export function play(ob: OrderBook, rows: Row[]): BookEvent[] {
  const sides = new Map<string, Side>();
  const all: BookEvent[] = [];
  for (const [input, expected, book] of rows) {
    const cmd = parseInput(input);
    if (cmd.kind === "O" && !sides.has(cmd.token)) sides.set(cmd.token, cmd.side);
    if (cmd.kind === "U" && sides.has(cmd.existing)) {
      sides.set(cmd.replacement, sides.get(cmd.existing)!);
    }
    const got = execute(ob, cmd);
    assert.deepStrictEqual(got, parseExpected(expected, cmd, sides), `events of "${input}"`);
    if (book !== undefined) {
      assert.deepStrictEqual(ob.snapshot(), parseBook(book), `book after "${input}"`);
    }
    all.push(...got);
  }
  return all;
}

// ---------------------------------------------------------------- ledger

/**
 * Per-order shares as the events account for them (BookCore ids): what is
 * left of each order must be exactly what rests, in a level or a pegged
 * queue, and every share entered is resting, executed (on both sides),
 * canceled or handed over to a replacement.
 */
export class Ledger {
  entered = 0;
  /** Shares, counted once per fill. */
  executed = 0;
  canceled = 0;
  replacedAway = 0;
  left = new Map<number, number>();
  side = new Map<number, number>();
  /** The price of the creating message: the limit price, or a pegged order's limit. */
  limit = new Map<number, number>();

  apply(events: EngineEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case "accepted":
          this.entered += e.shares;
          this.left.set(e.order, e.shares);
          this.side.set(e.order, e.side === "B" ? 0 : 1);
          this.limit.set(e.order, e.price);
          break;
        case "replaced":
          this.replacedAway += this.left.get(e.previous)!;
          this.left.set(e.previous, 0);
          this.entered += e.shares;
          this.left.set(e.order, e.shares);
          this.side.set(e.order, e.side === "B" ? 0 : 1);
          this.limit.set(e.order, e.price);
          break;
        case "executed":
          this.executed += e.shares;
          for (const id of [e.order, e.resting]) {
            const l = this.left.get(id)! - e.shares;
            assert.ok(l >= 0, `order ${id} overfilled`);
            this.left.set(id, l);
          }
          break;
        case "canceled": {
          const l = this.left.get(e.order)! - e.decrement;
          assert.ok(l >= 0, `order ${e.order} over-canceled`);
          this.left.set(e.order, l);
          this.canceled += e.decrement;
          break;
        }
      }
    }
  }

  /** Each fill of `e` is within the limits of both orders, whoever is the buyer. */
  checkFill(e: EngineEvent): void {
    if (e.type !== "executed") return;
    const [buyer, seller] = this.side.get(e.order) === 0
      ? [e.order, e.resting]
      : [e.resting, e.order];
    assert.equal(this.side.get(buyer), 0, `fill ${JSON.stringify(e)} between two sellers`);
    assert.equal(this.side.get(seller), 1, `fill ${JSON.stringify(e)} between two buyers`);
    assert.ok(e.price <= this.limit.get(buyer)!, `buyer ${buyer} paid above its limit`);
    assert.ok(e.price >= this.limit.get(seller)!, `seller ${seller} sold below its limit`);
  }

  check(book: BookSnapshot): void {
    const resting = new Map<number, number>();
    for (const l of [...book.bids, ...book.asks]) {
      for (const o of l.orders) resting.set(o.order, o.shares);
    }
    for (const o of [...book.pegged.bids, ...book.pegged.asks]) {
      assert.equal(o.limit, this.limit.get(o.order), `limit of pegged order ${o.order}`);
      resting.set(o.order, o.shares);
    }
    let restingShares = 0;
    for (const [id, l] of this.left) {
      assert.equal(resting.get(id) ?? 0, l, `shares of order ${id}`);
      restingShares += l;
    }
    assert.equal(resting.size, [...this.left.values()].filter((l) => l > 0).length);
    assert.equal(
      restingShares + 2 * this.executed + this.canceled + this.replacedAway,
      this.entered,
    );
  }
}

// ---------------------------------------------------------------- BBO reports

/**
 * §6.3 after one command: it reports the BBO (one `bbo` event at most)
 * exactly when the tuple of the limit levels changed, and then reports the
 * new tuple. `last` is the tuple last reported; returns the tuple now in force.
 */
export function checkBboReport(
  events: EngineEvent[],
  book: BookSnapshot,
  last: Bbo,
  after: string,
): Bbo {
  const bbos = events.filter((e) => e.type === "bbo");
  assert.ok(bbos.length <= 1, `more than one bbo event after ${after}`);
  const now = bboOf(book);
  if (bbos.length === 1) {
    const { type: _, ...tuple } = bbos[0];
    assert.notDeepStrictEqual(tuple, last, `bbo event without a change after ${after}`);
    assert.deepStrictEqual(tuple, now);
  } else {
    assert.deepStrictEqual(now, last, `unreported bbo change after ${after}`);
  }
  return now;
}
