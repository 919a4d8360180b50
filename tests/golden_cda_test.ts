/**
 * CDA golden scenarios of leeps-exchange.md §11 (G1–G6, G10 Q1/Q16/Q13) as
 * exact event sequences through {@link OrderBook}.
 *
 * Each scenario is a table of rows `[input, expected events, book?]` written
 * in (nearly) the spec's notation, so it can be read against §11 directly.
 *
 * Input lines:
 *   O tok side shares@price [tif=N]    enter (default tif 99999: no expiry)
 *   X tok shares                       cancel: reduce to `shares` (reason U)
 *   timer tok                          TIF expiry: cancel to 0 with reason T
 *   U old→new shares@price [tif=N]     replace
 *   H                                  reset (new trading day)
 *
 * Expected events, separated by ";" (one engine event each):
 *   A(tok)                         accepted, fields echoed from the input line
 *   E agg/rest q@px m#             one executed event per fill pair (the spec
 *                                  writes the pair as two E lines)
 *   C tok −d (r)                   canceled with decrement d, reason r
 *   R(new prev=old sh@px rests)    replaced with liable shares sh; `rests` or
 *                                  `gone` is whether the replacement rests
 *   Q(bb,vbb,ba,vba,nb,na)         bbo (MAX = 2147483647)
 *   ∅ reason                       the spec's "∅": the engine emits exactly one
 *                                  `rejected` event with this reason (the wire
 *                                  layer sends nothing)
 *   ∅                              no event at all
 *
 * Book (optional): the whole book after the row, e.g.
 *   "bids 101[A3:8] 100[B:5]; asks 106[A2:6]"   best level first, queue order
 *   "empty"                                     nothing rests
 */

import assert from "node:assert/strict";
import {
  type BookEvent,
  type BookSnapshot,
  type CancelReason,
  MAX_PRICE,
  OrderBook,
  type RejectReason,
  type Side,
} from "../engine-wasm/mod.ts";

type Row = [input: string, expected: string, book?: string];

const DEFAULT_TIF = 99999;
/** Tokens are 14 bytes on the wire: short names padded with spaces. */
const tok = (name: string) => name.padEnd(14, " ");

type Command =
  | {
    kind: "O";
    token: string;
    side: Side;
    shares: number;
    price: number;
    tif: number;
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
  | { kind: "H" };

function parseInput(line: string): Command {
  let m = line.match(/^O (\S+) ([BS]) (\d+)@(\d+)(?: tif=(\d+))?$/);
  if (m) {
    return {
      kind: "O",
      token: tok(m[1]),
      side: m[2] as Side,
      shares: +m[3],
      price: +m[4],
      tif: m[5] === undefined ? DEFAULT_TIF : +m[5],
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
  if (line === "H") return { kind: "H" };
  throw new Error(`bad input line: ${line}`);
}

const num = (s: string) => (s.trim() === "MAX" ? MAX_PRICE : +s);

/** Expected events of one row; `sides` maps tokens to the side of their order. */
function parseExpected(
  text: string,
  cmd: Command,
  sides: Map<string, Side>,
): BookEvent[] {
  const out: BookEvent[] = [];
  for (const raw of text.split(";")) {
    const item = raw.trim();
    if (item === "" || item === "∅") continue;
    let m = item.match(/^∅ (\S+)$/);
    if (m) {
      const reason = m[1] as RejectReason;
      if (cmd.kind === "O" || cmd.kind === "X") {
        out.push({ type: "rejected", order: cmd.token, reason });
      } else if (cmd.kind === "U") {
        out.push({
          type: "rejected",
          order: cmd.existing,
          other: cmd.replacement,
          reason,
        });
      } else throw new Error(`∅ ${reason} after H`);
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
      const side = sides.get(tok(m[1]));
      if (side === undefined) throw new Error(`side of ${m[1]} unknown`);
      out.push({
        type: "canceled",
        order: tok(m[1]),
        side,
        decrement: +m[2],
        reason: m[3] as CancelReason,
      });
      continue;
    }
    m = item.match(/^R\((\S+) prev=(\S+) (\d+)@(\d+) (rests|gone)\)$/);
    if (m) {
      if (cmd.kind !== "U") throw new Error(`${item} must follow a replace`);
      const side = sides.get(tok(m[2]));
      if (side === undefined) throw new Error(`side of ${m[2]} unknown`);
      out.push({
        type: "replaced",
        order: tok(m[1]),
        previous: tok(m[2]),
        side,
        shares: +m[3],
        price: +m[4],
        timeInForce: cmd.tif,
        resting: m[5] === "rests",
      });
      continue;
    }
    m = item.match(/^Q\(([^)]*)\)$/);
    if (m) {
      const v = m[1].split(",").map(num);
      if (v.length !== 6) throw new Error(`bad tuple ${item}`);
      out.push({
        type: "bbo",
        bestBid: v[0],
        bestBidVolume: v[1],
        bestAsk: v[2],
        bestAskVolume: v[3],
        nextBid: v[4],
        nextAsk: v[5],
      });
      continue;
    }
    throw new Error(`bad expected item: ${item}`);
  }
  return out;
}

function parseBook(text: string): BookSnapshot<string> {
  const book: BookSnapshot<string> = { bids: [], asks: [], pegged: { bids: [], asks: [] } };
  if (text.trim() === "empty") return book;
  for (const part of text.split(";")) {
    const m = part.trim().match(/^(bids|asks)((?: \d+\[[^\]]*\])+)$/);
    if (!m) throw new Error(`bad book: ${part}`);
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
  }
  return book;
}

function execute(ob: OrderBook, cmd: Command): BookEvent[] {
  switch (cmd.kind) {
    case "O":
      return ob.enter({
        token: cmd.token,
        side: cmd.side,
        shares: cmd.shares,
        price: cmd.price,
        timeInForce: cmd.tif,
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
    case "H":
      ob.reset();
      return [];
  }
}

/** Runs a scenario table, asserting every row; returns all events emitted. */
function play(ob: OrderBook, rows: Row[]): BookEvent[] {
  const sides = new Map<string, Side>();
  const all: BookEvent[] = [];
  for (const [input, expected, book] of rows) {
    const cmd = parseInput(input);
    if (cmd.kind === "O" && !sides.has(cmd.token)) {
      sides.set(cmd.token, cmd.side);
    }
    if (cmd.kind === "U" && sides.has(cmd.existing)) {
      sides.set(cmd.replacement, sides.get(cmd.existing)!);
    }
    const got = execute(ob, cmd);
    assert.deepStrictEqual(
      got,
      parseExpected(expected, cmd, sides),
      `events of "${input}"`,
    );
    if (book !== undefined) {
      assert.deepStrictEqual(
        ob.snapshot(),
        parseBook(book),
        `book after "${input}"`,
      );
    }
    all.push(...got);
  }
  return all;
}

const fresh = () => OrderBook.create();

// ---------------------------------------------------------------- scenarios

const G1: Row[] = [
  ["O A S 5@101", "A(A); Q(0,0,101,5,0,MAX)"],
  ["O B S 3@100", "A(B); Q(0,0,100,3,0,101)"],
  ["O C S 2@100", "A(C); Q(0,0,100,5,0,101)"],
  [
    "O D B 8@101",
    "A(D); E D/B 3@100 m0; E D/C 2@100 m1; E D/A 3@101 m2; Q(0,0,101,2,0,MAX)",
    "asks 101[A:2]",
  ],
  [
    "O E B 10@102",
    "A(E); E E/A 2@101 m3; Q(102,8,MAX,0,0,MAX)",
    "bids 102[E:8]",
  ],
];

const G2: Row[] = [
  ["O A B 10@100", "A(A); Q(100,10,MAX,0,0,MAX)"],
  ["O B B 5@100", "A(B); Q(100,15,MAX,0,0,MAX)"],
  ["X A 4", "C A −6 (U); Q(100,9,MAX,0,0,MAX)", "bids 100[A:4 B:5]"],
  ["X A 7", "C A −0 (U)", "bids 100[A:4 B:5]"],
  ["X A 4", "C A −0 (U)"],
  ["X A 0", "C A −4 (U); Q(100,5,MAX,0,0,MAX)", "bids 100[B:5]"],
  ["X A 0", "∅ not-resting", "bids 100[B:5]"],
  ["X ZZ 0", "∅ unknown-token"],
  [
    "O S1 S 2@99",
    "A(S1); E S1/B 2@100 m0; Q(100,3,MAX,0,0,MAX)",
    "bids 100[B:3]",
  ],
];

const G3: Row[] = [
  ["O A S 3@100", "A(A); Q(0,0,100,3,0,MAX)"],
  ["O I B 5@100 tif=0", "A(I); E I/A 3@100 m0; C I −2 (I); Q(0,0,MAX,0,0,MAX)"],
  ["O I2 B 5@99 tif=0", "A(I2); C I2 −5 (I)", "empty"],
  ["O A S 3@105", "∅ duplicate-token", "empty"],
];

const G4: Row[] = [
  ["O A B 10@100", "A(A); Q(100,10,MAX,0,0,MAX)"],
  ["O B B 5@100", "A(B); Q(100,15,MAX,0,0,MAX)"],
  ["O S S 4@101", "A(S); Q(100,15,101,4,0,MAX)"],
  // no Q: the tuple is unchanged (upstream re-sends it)
  [
    "U A→A2 10@100",
    "R(A2 prev=A 10@100 rests)",
    "bids 100[B:5 A2:10]; asks 101[S:4]",
  ],
  [
    "U A2→A3 12@101",
    "R(A3 prev=A2 12@101 rests); E A3/S 4@101 m0; Q(101,8,MAX,0,100,MAX)",
    "bids 101[A3:8] 100[B:5]",
  ],
];

const G5: Row[] = [
  ["O A S 10@105", "A(A); Q(0,0,105,10,0,MAX)"],
  ["O X B 4@105", "A(X); E X/A 4@105 m0; Q(0,0,105,6,0,MAX)"],
  // liable = 6 + (10 − 10)
  ["U A→A2 10@106", "R(A2 prev=A 6@106 rests); Q(0,0,106,6,0,MAX)"],
  ["U A2→X 10@107", "∅ replacement-token-used"],
  ["U NOPE→N2 10@107", "∅ unknown-token"],
  ["U A→A9 10@107", "∅ not-resting", "asks 106[A2:6]"], // no phantom level at 105
  // liable = max(0, 6 + (3 − 10)) = 0
  ["U A2→A3 3@106", "C A2 −6 (U); Q(0,0,MAX,0,0,MAX)", "empty"],
  ["U A3→A4 1@106", "∅ unknown-token"], // A3 was not consumed
  ["O A3 S 1@110", "A(A3); Q(0,0,110,1,0,MAX)", "asks 110[A3:1]"],
];

const G6_EXPIRY: Row[] = [
  ["O T B 4@100 tif=5", "A(T); Q(100,4,MAX,0,0,MAX)"],
  ["timer T", "C T −4 (T); Q(0,0,MAX,0,0,MAX)", "empty"],
];

const G6_REPLACE: Row[] = [
  ["O T B 1@100 tif=5", "A(T); Q(100,1,MAX,0,0,MAX)"],
  ["U T→T2 1@101 tif=3", "R(T2 prev=T 1@101 rests); Q(101,1,MAX,0,0,MAX)"],
  ["timer T2", "C T2 −1 (T); Q(0,0,MAX,0,0,MAX)", "empty"],
  // the old token's timer was cancelled by the host; if it fired anyway, the
  // engine would refuse it and leave the book untouched (no phantom level)
  ["timer T", "∅ not-resting", "empty"],
];

const G10_Q1: Row[] = [
  ["O A B 1@100", "A(A); Q(100,1,MAX,0,0,MAX)"],
  ["O B B 1@99", "A(B); Q(100,1,MAX,0,99,MAX)"],
  ["O S S 1@100", "A(S); E S/A 1@100 m0; Q(99,1,MAX,0,0,MAX)"],
  ["X A 0", "∅ not-resting", "bids 99[B:1]"],
  ["O C B 1@98", "A(C); Q(99,1,MAX,0,98,MAX)"], // upstream: Q(100,0,MAX,0,99,MAX)
];

const G10_Q16: Row[] = [
  ["O A B 1@100", "A(A); Q(100,1,MAX,0,0,MAX)"],
  ["O B B 1@99", "A(B); Q(100,1,MAX,0,99,MAX)"],
  ["X B 0", "C B −1 (U); Q(100,1,MAX,0,0,MAX)"], // upstream: no Q
];

// ---------------------------------------------------------------- tests

const SCENARIOS: [name: string, table: Row[]][] = [
  ["G1: price-time priority, multi-level sweep, price improvement, partial fill", G1],
  ["G2: cancel is 'reduce to'; a reduce keeps queue position", G2],
  ["G3: IOC remainder is canceled with reason I; duplicate token", G3],
  ["G4: replace loses priority at the same price; a replace can cross", G4],
  ["G5: replace arithmetic, ignored replaces, liable = 0", G5],
  ["G6: TIF expiry cancels with reason T", G6_EXPIRY],
  ["G6: after a replace, the old token's expiry is refused (not resting)", G6_REPLACE],
  ["G10 Q1: a cancel of a filled order leaves no phantom level", G10_Q1],
  ["G10 Q16: a cancel at the second level updates next_bid", G10_Q16],
];

for (const [name, table] of SCENARIOS) {
  Deno.test(name, async () => {
    play(await fresh(), table);
  });
}

Deno.test("G10 Q13: after H, G1 gives identical output, match numbers from 0", async () => {
  const ob = await fresh();
  const first = play(ob, G1);
  play(ob, [["H", "∅", "empty"]]);
  assert.deepStrictEqual(ob.bbo(), {
    bestBid: 0,
    bestBidVolume: 0,
    bestAsk: MAX_PRICE,
    bestAskVolume: 0,
    nextBid: 0,
    nextAsk: MAX_PRICE,
  });
  const second = play(ob, G1);
  assert.deepStrictEqual(second, first);
  // tokens are forgotten too: every G1 token could be entered again
  assert.equal(ob.restingShares(tok("E")), 8);
});

Deno.test("golden tables: the notation helpers parse as documented", () => {
  const sides = new Map<string, Side>([[tok("I"), "B"]]);
  const cmd = parseInput("O I B 5@100 tif=0");
  assert.deepStrictEqual(
    parseExpected(
      "A(I); E I/A 3@100 m0; C I −2 (I); Q(0,0,MAX,0,0,MAX)",
      cmd,
      sides,
    ),
    [
      {
        type: "accepted",
        order: tok("I"),
        side: "B",
        shares: 5,
        price: 100,
        timeInForce: 0,
      },
      {
        type: "executed",
        order: tok("I"),
        resting: tok("A"),
        shares: 3,
        price: 100,
        match: 0,
      },
      {
        type: "canceled",
        order: tok("I"),
        side: "B",
        decrement: 2,
        reason: "I",
      },
      {
        type: "bbo",
        bestBid: 0,
        bestBidVolume: 0,
        bestAsk: MAX_PRICE,
        bestAskVolume: 0,
        nextBid: 0,
        nextAsk: MAX_PRICE,
      },
    ],
  );
  assert.deepStrictEqual(parseBook("bids 101[A3:8] 100[B:5 C:1]"), {
    bids: [
      { price: 101, volume: 8, orders: [{ order: tok("A3"), shares: 8 }] },
      {
        price: 100,
        volume: 6,
        orders: [{ order: tok("B"), shares: 5 }, {
          order: tok("C"),
          shares: 1,
        }],
      },
    ],
    asks: [],
    pegged: { bids: [], asks: [] },
  });
  assert.throws(() => parseExpected("E nonsense", cmd, sides));
});
