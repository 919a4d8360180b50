/**
 * IEX (leeps-exchange.md §8): the golden scenarios G9 (all but the speed
 * bump, which the host applies before the engine sees a command) and G10
 * (Q7, Q20, pegged vs pegged, Q9) as exact event sequences, further pegged
 * order cases (cancel, expiry, replace, IOC, eligibility and queue order, the
 * three steps of a peg move), and a fast-check property that after every
 * command the book, limit levels plus eligible pegs at the peg, is never
 * crossed, shares are conserved and the BBO and peg records follow §6.3/§8.6.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BookCore,
  type BookSnapshot,
  EMPTY_BBO,
  type EngineEvent,
  engineModule,
  MAX_PRICE,
  OrderBook,
} from "../engine-wasm/mod.ts";
import { checkBboReport, Ledger, play, type Row } from "./golden_helpers.ts";

const module = await engineModule();
const iex = () => OrderBook.create({ format: "iex" });

// ---------------------------------------------------------------- G9

const G9_PEG: Row[] = [
  ["K 98:103", "L(0,100)"],
  ["O P1 S 1@90 peg", "A(P1); L(1,100)", "pegasks P1:1@90"],
  ["O P2 S 1@110 peg", "A(P2); C P2 −1 (Z)"], // 110 > peg: dropped (upstream: A only)
  [
    "O L1 B 2@101",
    "A(L1); E L1/P1 1@100 m0; Q(101,1,MAX,0,0,MAX); L(0,100)",
    "bids 101[L1:1]",
  ],
];

const G9_MOVE: Row[] = [
  ["K 100:110", "L(0,105)"],
  ["O L1 B 1@103", "A(L1); Q(103,1,MAX,0,0,MAX)"],
  ["O P1 S 1@100 peg", "A(P1); L(1,105)", "bids 103[L1:1]; pegasks P1:1@100"],
  // the fill is at the limit level's price, the pegged order named first
  ["K 100:104", "E P1/L1 1@103 m0; Q(0,0,MAX,0,0,MAX); L(0,102)", "empty"],
];

const G9_NO_PEG: Row[] = [
  ["O P1 B 1@100 peg", "A(P1); C P1 −1 (Z)"],
  ["K 0:105", "L(0,0)"],
  ["K 98:102", "L(0,100)"],
  ["O P2 B 1@101 peg", "A(P2); L(−1,100)"],
  ["K 0:105", "L(−1,0)"],
  ["X P2 0", "C P2 −1 (U); L(0,0)", "empty"],
];

const G9_LIQUIDITY: Row[] = [
  ["K 10:12", "L(0,11)"],
  ["O L S 1@10", "A(L); Q(0,0,10,1,0,MAX)"],
  ["O P S 1@9 peg", "A(P); L(1,11)"],
  ["O L2 S 1@13", "A(L2); Q(0,0,10,1,0,13)"],
  [
    "O B B 3@14",
    "A(B); E B/L 1@10 m0; E B/P 1@11 m1; E B/L2 1@13 m2; Q(0,0,MAX,0,0,MAX); L(0,11)",
    "empty",
  ],
];

// ---------------------------------------------------------------- G10

const G10_Q7: Row[] = [
  ["K 100:122", "L(0,111)"],
  ["O P1 S 1@100 peg", "A(P1); L(1,111)"],
  ["O S1 S 1@105", "A(S1); Q(0,0,105,1,0,MAX)"],
  [
    "O B1 B 2@115",
    "A(B1); E B1/S1 1@105 m0; E B1/P1 1@111 m1; Q(0,0,MAX,0,0,MAX); L(0,111)",
    "empty",
  ],
];

const G10_Q20: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O PB B 1@101 peg", "A(PB); L(−1,100)"],
  ["K 100:110", "L(−1,105)"], // PB ineligible: 105 > 101
  ["O S2 S 1@101", "A(S2); Q(0,0,101,1,0,MAX)", "asks 101[S2:1]; pegbids PB:1@101"],
  ["K 98:104", "E PB/S2 1@101 m0; Q(0,0,MAX,0,0,MAX); L(0,101)", "empty"],
];

const G10_PEG_VS_PEG: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O PB B 1@104 peg", "A(PB); L(−1,100)"],
  ["K 100:112", "L(−1,106)"], // PB ineligible
  ["O PS S 1@102 peg", "A(PS); L(0,106)", "pegbids PB:1@104; pegasks PS:1@102"],
  ["K 100:106", "E PB/PS 1@103 m0; L(0,103)", "empty"],
];

const G10_Q9: Row[] = [
  ["O A S 3@100", "A(A); Q(0,0,100,3,0,MAX)"],
  ["O B B 1@100", "A(B); E B/A 1@100 m0; Q(0,0,100,2,0,MAX)"], // upstream: no Q
];

// ---------------------------------------------------------------- more pegged cases

const PEGGED_CANCEL: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O P B 5@101 peg", "A(P); L(−1,100)"],
  ["O Q B 2@102 peg", "A(Q); L(−2,100)"],
  // a reduce keeps the queue position; a pegged cancel always reports L (Q29)
  ["X P 3", "C P −2 (U); L(−2,100)", "pegbids P:3@101 Q:2@102"],
  ["X P 7", "C P −0 (U); L(−2,100)"],
  ["timer Q", "C Q −2 (T); L(−1,100)", "pegbids P:3@101"],
  ["X Q 0", "∅ not-resting"], // no longer resting: silent, no L
  ["O S S 4@99", "A(S); E S/P 3@100 m0; Q(0,0,99,1,0,MAX); L(0,100)", "asks 99[S:1]"],
  ["X S 0", "C S −1 (U); Q(0,0,MAX,0,0,MAX)", "empty"], // not pegged: no L
];

const PEGGED_REPLACE: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O P B 2@101 peg", "A(P); L(−1,100)"],
  ["O P2 B 1@105 peg", "A(P2); L(−2,100)"],
  // keeps the peg flag, goes to the back of the pegged queue; the state is unchanged
  ["U P→P3 2@103", "R(P3 prev=P 2@103 rests)", "pegbids P2:1@105 P3:2@103"],
  ["K 100:110", "L(−2,105)"], // P3 ineligible
  // the replacement fails the entry rule (104 < 105): U with state D, then C Z (Q19)
  ["U P3→P4 2@104", "R(P4 prev=P3 2@104 gone); C P4 −2 (Z); L(−1,105)", "pegbids P2:1@105"],
  ["U P2→P5 3@106", "R(P5 prev=P2 3@106 rests)", "pegbids P5:3@106"], // liable 1 + (3 − 1)
  ["O S S 5@105 tif=0", "A(S); E S/P5 3@105 m0; C S −2 (I); L(0,105)", "empty"],
  ["O P6 S 3@99 tif=0 peg", "A(P6); C P6 −3 (I)"], // IOC pegged: no L, it never rested
  ["U P5→P7 1@106", "∅ not-resting"],
];

const PEGGED_ENTRY: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O L B 1@100", "A(L); Q(100,1,MAX,0,0,MAX)"],
  // a pegged sell takes the limit bid at the peg, and its rest joins the queue
  ["O P S 2@100 peg", "A(P); E P/L 1@100 m0; Q(0,0,MAX,0,0,MAX); L(1,100)", "pegasks P:1@100"],
  // a limit buy below the peg does not reach it
  ["O B B 1@99", "A(B); Q(99,1,MAX,0,0,MAX)", "bids 99[B:1]; pegasks P:1@100"],
  ["O P0 B 0@101 peg", "A(P0)"], // 0 shares: accepted, nothing rests
];

const INELIGIBLE_KEEP_PLACE: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O PB1 B 1@101 peg", "A(PB1); L(−1,100)"],
  ["O PB2 B 1@110 peg", "A(PB2); L(−2,100)"],
  ["K 100:110", "L(−2,105)"], // PB1 ineligible, PB2 eligible; no asks
  ["O S1 S 1@100", "A(S1); E S1/PB2 1@105 m0; L(−1,105)", "pegbids PB1:1@101"],
  ["K 98:102", "L(−1,100)"],
  ["O S2 S 1@100", "A(S2); E S2/PB1 1@100 m1; L(0,100)", "empty"],
];

const PEG_MOVE_STEP_1: Row[] = [
  ["K 90:92", "L(0,91)"],
  ["O A1 S 1@95", "A(A1); Q(0,0,95,1,0,MAX)"],
  ["O A2 S 2@96", "A(A2); Q(0,0,95,1,0,96)"],
  ["O PB1 B 2@100 peg", "A(PB1); L(−1,91)"],
  ["O PB2 B 2@100 peg", "A(PB2); L(−2,91)"],
  [
    "K 96:98",
    "E PB1/A1 1@95 m0; E PB1/A2 1@96 m1; E PB2/A2 1@96 m2; Q(0,0,MAX,0,0,MAX); L(−1,97)",
    "pegbids PB2:1@100",
  ],
];

const PEG_MOVE_STEPS_2_3: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O PB B 1@105 peg", "A(PB); L(−1,100)"],
  ["K 108:112", "L(−1,110)"], // PB ineligible
  ["O PS S 2@99 peg", "A(PS); L(0,110)"],
  ["O B1 B 1@101", "A(B1); Q(101,1,MAX,0,0,MAX)"],
  // step 2: PS takes the limit bid at its price; step 3: PB and PS at the peg
  ["K 98:102", "E PS/B1 1@101 m0; E PB/PS 1@100 m1; Q(0,0,MAX,0,0,MAX); L(0,100)", "empty"],
];

const PEG_EDGES: Row[] = [
  // the midpoint is computed without overflow
  ["K 2147483645:2147483646", "L(0,2147483645)"],
  ["K 1:MAX", "L(0,0)"], // no offer
  ["K 2147483647:5", "L(0,0)"], // a bid at the market-buy sentinel is no quote
  ["K 7:3", "L(0,5)"], // crossed external quotes still give a midpoint
  ["K 1:0", "L(0,0)"], // the one midpoint of 0, which reads as none
];

const RESET: Row[] = [
  ["K 98:102", "L(0,100)"],
  ["O P B 1@101 peg", "A(P); L(−1,100)"],
  ["O L S 1@120", "A(L); Q(0,0,120,1,0,MAX)"],
  ["H", "∅", "empty"],
  ["O P B 1@101 peg", "A(P); C P −1 (Z)"], // the peg is gone too
  ["K 98:102", "L(0,100)"], // and the last peg state is back to 0
];

const SCENARIOS: [name: string, table: Row[]][] = [
  ["G9: peg via external feed; a pegged order not aggressive enough is dropped", G9_PEG],
  ["G9: a peg move fills at the limit level's price", G9_MOVE],
  ["G9: no peg (Q8, Q19)", G9_NO_PEG],
  ["G9: limit level ahead of pegs at equal price", G9_LIQUIDITY],
  ["G10 Q7: pegs are checked after the walk", G10_Q7],
  ["G10 Q20: a pegged order's limit is respected", G10_Q20],
  ["G10: pegged vs pegged after a peg move", G10_PEG_VS_PEG],
  ["G10 Q9: a partial fill of the best level publishes a BBO", G10_Q9],
  ["pegged cancel: reduce keeps place, L on every pegged cancel, expiry T", PEGGED_CANCEL],
  ["pegged replace: back of the queue, entry rule again, IOC remainder", PEGGED_REPLACE],
  ["pegged entry takes limit levels at the peg, then queues", PEGGED_ENTRY],
  ["an ineligible pegged order keeps its place and trades once eligible", INELIGIBLE_KEEP_PLACE],
  ["peg move step 1: pegged bids in queue order take the asks up to the peg", PEG_MOVE_STEP_1],
  ["peg move steps 2 then 3", PEG_MOVE_STEPS_2_3],
  ["peg price edges: overflow, sentinels, crossed quotes", PEG_EDGES],
  ["H (Q13): pegged queues, peg and last peg state are reset", RESET],
];

for (const [name, table] of SCENARIOS) {
  Deno.test(name, async () => {
    play(await iex(), table);
  });
}

Deno.test("external() outside IEX writes no events and sets no peg (Q28)", async () => {
  for (const format of ["cda", "fba"] as const) {
    const ob = await OrderBook.create({ format });
    assert.deepStrictEqual(ob.external(98, 102), []);
    assert.equal(ob.pegPrice, 0);
    // and the peg flag is ignored: a pegged enter is a plain limit order
    ob.enter({ token: "P", side: "B", shares: 1, price: 100, timeInForce: 99999, peg: true });
    assert.deepStrictEqual(ob.snapshot().bids.map((l) => l.price), [100]);
    assert.deepStrictEqual(ob.snapshot().pegged, { bids: [], asks: [] });
  }
});

Deno.test("pegPrice, pegState and restingOrders count pegged orders", async () => {
  const ob = await iex();
  ob.external(98, 102);
  ob.enter({ token: "P1", side: "B", shares: 1, price: 101, timeInForce: 99999, peg: true });
  ob.enter({ token: "P2", side: "B", shares: 3, price: 101, timeInForce: 99999, peg: true });
  ob.enter({ token: "P3", side: "S", shares: 2, price: 99, timeInForce: 0, peg: true });
  ob.enter({ token: "L", side: "S", shares: 1, price: 120, timeInForce: 99999 });
  assert.equal(ob.pegPrice, 100);
  assert.equal(ob.pegState, -1); // P3 took P1 and one share of P2
  assert.equal(ob.core.restingOrders, 2);
  assert.equal(ob.restingShares("P2"), 2);
});

// ---------------------------------------------------------------- property

type IexCommand =
  | { kind: "enter"; side: 0 | 1; price: number; shares: number; ioc: boolean; peg: boolean }
  | { kind: "cancel"; pick: number; remaining: number; expiry: boolean }
  | { kind: "replace"; pick: number; price: number; shares: number; ioc: boolean }
  | { kind: "external"; bid: number; ask: number };

const CENTRE = 1_000_000;
const tick = (lo: number, hi: number) =>
  fc.integer({ min: lo, max: hi }).map((k) => CENTRE + 100 * k);
const priceArb = fc.oneof(
  { weight: 20, arbitrary: tick(-6, 6) },
  { weight: 4, arbitrary: fc.integer({ min: -600, max: 600 }).map((k) => CENTRE + k) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, MAX_PRICE) },
);
const sharesArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(1) },
  { weight: 4, arbitrary: fc.integer({ min: 2, max: 12 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const iexCommand: fc.Arbitrary<IexCommand> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("enter" as const),
      side: fc.constantFrom(0 as const, 1 as const),
      price: priceArb,
      shares: sharesArb,
      ioc: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
      peg: fc.integer({ min: 0, max: 2 }).map((k) => k === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      pick: fc.nat(),
      remaining: fc.integer({ min: 0, max: 6 }),
      expiry: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("replace" as const),
      pick: fc.nat(),
      price: priceArb,
      shares: sharesArb,
      ioc: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.tuple(tick(-7, 7), fc.integer({ min: 0, max: 600 })).map((
          [bid, spread],
        ) => ({ kind: "external" as const, bid, ask: bid + spread })),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { kind: "external" as const, bid: 0, ask: CENTRE },
          { kind: "external" as const, bid: CENTRE, ask: MAX_PRICE },
        ),
      },
    ),
  },
);

/** Best bid and ask of the whole book: limit levels and eligible pegs at the peg. */
function touch(book: BookSnapshot, peg: number): { bid: number; ask: number } {
  let bid = book.bids[0]?.price ?? -1;
  let ask = book.asks[0]?.price ?? Infinity;
  if (peg !== 0) {
    if (book.pegged.bids.some((o) => peg <= o.limit)) bid = Math.max(bid, peg);
    if (book.pegged.asks.some((o) => peg >= o.limit)) ask = Math.min(ask, peg);
  }
  return { bid, ask };
}

function applyIex(core: BookCore, c: IexCommand, id: number, other: number): number {
  switch (c.kind) {
    case "enter":
      return core.enter(id, c.side, c.price, c.shares, c.ioc ? 0 : 99999, c.peg);
    case "cancel":
      return core.cancel(id, c.expiry ? 0 : c.remaining, c.expiry ? "T" : "U");
    case "replace":
      return core.replace(id, other, c.shares, c.price, c.ioc ? 0 : 99999);
    case "external":
      return core.external(c.bid, c.ask);
  }
}

Deno.test("IEX: after every command the book is never crossed; shares, BBO and peg records hold", () => {
  const core = BookCore.fromModule(module, { format: "iex", initialOrders: 32, initialEvents: 16 });
  let commands = 0, pegFills = 0, pegMoveFills = 0;
  fc.assert(
    fc.property(fc.array(iexCommand, { maxLength: 150, size: "max" }), (cmds) => {
      core.reset();
      const ledger = new Ledger();
      const live: number[] = [];
      let next = 1;
      let lastBbo = { ...EMPTY_BBO };
      let lastPegState = 0;
      for (const c of cmds) {
        let id = 0, other = 0;
        if (c.kind === "enter") {
          id = next++;
          live.push(id);
        } else if (c.kind === "cancel" || c.kind === "replace") {
          if (live.length === 0) continue;
          id = live[c.pick % live.length];
          if (c.kind === "replace") live.push(other = next++);
        }
        const before = core.snapshot();
        const peggedBefore = [...before.pegged.bids, ...before.pegged.asks].some((o) =>
          o.order === id
        );
        const events = core.readEvents(applyIex(core, c, id, other));
        commands++;
        ledger.apply(events);
        const book = core.snapshot();
        ledger.check(book);
        for (const e of events) ledger.checkFill(e);
        const peg = core.pegPrice;
        const { bid, ask } = touch(book, peg);
        assert.ok(bid < ask, `crossed after ${JSON.stringify(c)}: ${bid} >= ${ask}`);

        // §8.6: PEG last, BBO just before it, each at most once
        const pegs = events.filter((e) => e.type === "peg");
        const bbos = events.filter((e) => e.type === "bbo");
        assert.ok(pegs.length <= 1 && bbos.length <= 1);
        const tail = events.slice(events.length - pegs.length - bbos.length).map((e) => e.type);
        assert.deepStrictEqual(tail, [...bbos.map(() => "bbo"), ...pegs.map(() => "peg")]);
        const state = core.pegState;
        const mustReport = c.kind === "external" ||
          (c.kind === "cancel" && peggedBefore) ||
          state !== lastPegState;
        assert.equal(pegs.length, mustReport ? 1 : 0, `peg record after ${JSON.stringify(c)}`);
        if (pegs.length === 1) {
          assert.deepStrictEqual(pegs[0], { type: "peg", pegState: state, pegPrice: peg });
          lastPegState = state;
        }
        assert.equal(
          state,
          book.pegged.asks.length - book.pegged.bids.length,
          "peg state counts orders",
        );
        // §6.3 over limit levels only
        lastBbo = checkBboReport(events, book, lastBbo, JSON.stringify(c));
        for (const e of events) {
          if (e.type !== "executed") continue;
          const pegged = [e.order, e.resting].filter((o) =>
            [...before.pegged.bids, ...before.pegged.asks].some((p) => p.order === o)
          );
          if (pegged.length > 0) pegFills++;
          if (c.kind === "external") pegMoveFills++;
        }
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(pegFills > commands / 50, `only ${pegFills} fills of pegged orders in ${commands}`);
  assert.ok(pegMoveFills > 0);
});

Deno.test("IEX through the command buffer gives the same events as one call per command", () => {
  const single = BookCore.fromModule(module, { format: "iex" });
  const viaRun = BookCore.fromModule(module, { format: "iex" });
  fc.assert(
    fc.property(fc.array(iexCommand, { maxLength: 80, size: "max" }), (cmds) => {
      single.reset();
      viaRun.reset();
      let next = 1, slot = 0;
      const live: number[] = [];
      const expected: EngineEvent[] = [];
      const flush = () => {
        assert.deepStrictEqual(viaRun.readEvents(viaRun.run(slot)), expected);
        expected.length = 0;
        slot = 0;
      };
      for (const c of cmds) {
        if (c.kind === "external") {
          flush();
          assert.deepStrictEqual(
            viaRun.readEvents(viaRun.external(c.bid, c.ask)),
            single.readEvents(single.external(c.bid, c.ask)),
          );
          continue;
        }
        let id = 0, other = 0;
        if (c.kind === "enter") {
          live.push(id = next++);
          viaRun.setEnter(slot++, id, c.side, c.price, c.shares, c.ioc ? 0 : 99999, c.peg);
        } else {
          if (live.length === 0) continue;
          id = live[c.pick % live.length];
          if (c.kind === "cancel") {
            viaRun.setCancel(slot++, id, c.expiry ? 0 : c.remaining, c.expiry ? "T" : "U");
          } else {
            live.push(other = next++);
            viaRun.setReplace(slot++, id, other, c.shares, c.price, c.ioc ? 0 : 99999);
          }
        }
        expected.push(...single.readEvents(applyIex(single, c, id, other)));
      }
      flush();
      assert.deepStrictEqual(viaRun.snapshot(), single.snapshot());
    }),
    { numRuns: 200 },
  );
});
