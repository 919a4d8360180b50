/**
 * CDA golden scenarios of leeps-exchange.md §11 (G1–G6, G10 Q1/Q16/Q13) as
 * exact event sequences through {@link OrderBook}.
 *
 * Each scenario is a table of rows `[input, expected events, book?]` in the
 * notation of `golden_helpers.ts`, (nearly) the spec's own, so it can be read
 * against §11 directly. CDA rows use the inputs O, X, timer, U and H, and the
 * events A, E, C, R, Q and ∅:
 * - `E agg/rest q@px m#` is one executed event per fill pair, which the spec
 *   writes as two E lines;
 * - `∅ reason` is the spec's "∅": the engine emits exactly one `rejected`
 *   event with this reason, and the wire layer sends nothing.
 */

import assert from "node:assert/strict";
import { EMPTY_BBO, MAX_PRICE, OrderBook, type Side } from "../engine-wasm/mod.ts";
import { parseBook, parseExpected, parseInput, play, type Row, tok } from "./golden_helpers.ts";

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
  assert.deepStrictEqual(ob.bbo(), EMPTY_BBO);
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
