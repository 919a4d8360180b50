/**
 * FBA (leeps-exchange.md §7): the golden scenarios G7 (rows a–n and the IOC
 * scenario) and G8 as exact event sequences, the random order within a
 * segment (uniformity, segments, reduces), and a fast-check property that
 * every batch clears at one price within both limits, conserves shares and
 * leaves the book uncrossed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bboOf,
  BookCore,
  type EngineEvent,
  engineModule,
  EV_EXECUTED,
  type MarketFormat,
  MAX_PRICE,
  OrderBook,
  OrderInputError,
} from "../engine-wasm/mod.ts";
import { Ledger, play, type Row, tok } from "./golden_helpers.ts";

const module = await engineModule();
const fba = () => OrderBook.create({ format: "fba" });

// ---------------------------------------------------------------- G7

/** One G7 row: the orders (each answered by A only), then one batch. */
type Case = [name: string, orders: string[], batch: string, book?: string];

const acceptOnly = (orders: string[]): Row[] => orders.map((o) => [o, `A(${o.split(" ")[1]})`]);

const G7: Case[] = [
  [
    "a. balanced: ceil((105 + 100) / 2)",
    ["O B1 B 10@105", "O S1 S 10@100"],
    "E B1/S1 10@103 m0; Z{103 10 0/0 MAX/0 0 MAX}",
    "empty",
  ],
  [
    "b. units: ceil((106 + 104) / 2)",
    [
      "O B1 B 1@110",
      "O B2 B 1@108",
      "O B3 B 1@104",
      "O S1 S 1@100",
      "O S2 S 1@103",
      "O S3 S 1@106",
    ],
    "E B1/S1 1@105 m0; E B2/S2 1@105 m1; Z{105 2 104/1 106/1 0 MAX}",
    "bids 104[B3:1]; asks 106[S3:1]",
  ],
  [
    "c. excess demand",
    ["O B1 B 1@105", "O B2 B 1@104", "O B3 B 1@101", "O S1 S 1@100"],
    "E B1/S1 1@105 m0; Z{105 1 104/1 MAX/0 101 MAX}",
    "bids 104[B2:1] 101[B3:1]",
  ],
  [
    "d. excess supply",
    ["O B1 B 1@105", "O S1 S 1@100", "O S2 S 1@102", "O S3 S 1@103"],
    "E B1/S1 1@101 m0; Z{101 1 0/0 102/1 0 103}",
    "asks 102[S2:1] 103[S3:1]",
  ],
  [
    "e. overshoot, one bid: B1 keeps 2",
    ["O B1 B 10@105", "O S1 S 4@100", "O S2 S 4@101"],
    "E B1/S1 4@105 m0; E B1/S2 4@105 m1; Z{105 8 105/2 MAX/0 0 MAX}",
    "bids 105[B1:2]",
  ],
  [
    "f. market buy",
    ["O B1 B 2@MAX", "O S1 S 1@100", "O S2 S 1@101", "O S3 S 1@103"],
    "E B1/S1 1@102 m0; E B1/S2 1@102 m1; Z{102 2 0/0 103/1 0 MAX}",
    "asks 103[S3:1]",
  ],
  // g. (market sells, random order at 0) has its own test below
  [
    "h. same price",
    ["O B1 B 1@100", "O S1 S 1@100"],
    "E B1/S1 1@100 m0; Z{100 1 0/0 MAX/0 0 MAX}",
    "empty",
  ],
  [
    "i. no cross: clearing price 0 (Q12), volumes at the best level (Q5)",
    ["O B1 B 10@100", "O S1 S 10@105"],
    "Z{0 0 100/10 105/10 0 MAX}",
    "bids 100[B1:10]; asks 105[S1:10]",
  ],
  [
    "j. bids only",
    ["O B1 B 1@100"],
    "Z{0 0 100/1 MAX/0 0 MAX}",
    "bids 100[B1:1]",
  ],
  ["k. empty book", [], "Z{0 0 0/0 MAX/0 0 MAX}", "empty"],
  [
    "l. partial ask fill (Q4): S2 keeps 5 in place",
    ["O B1 B 10@105", "O S1 S 5@100", "O S2 S 10@102"],
    "E B1/S1 5@102 m0; E B1/S2 5@102 m1; Z{102 10 0/0 102/5 0 MAX}",
    "asks 102[S2:5]",
  ],
  [
    "m. balanced + lower bid",
    ["O B1 B 10@105", "O B2 B 5@103", "O S1 S 10@100"],
    "E B1/S1 10@104 m0; Z{104 10 103/5 MAX/0 0 MAX}",
    "bids 103[B2:5]",
  ],
  [
    "n. sentinels only: no clearing without a real price (Q21)",
    ["O B1 B 5@MAX", "O S1 S 1@0"],
    "Z{0 0 MAX/5 0/1 0 MAX}",
    "bids 2147483647[B1:5]; asks 0[S1:1]",
  ],
];

for (const [name, orders, batch, book] of G7) {
  Deno.test(`G7 ${name}`, async () => {
    play(await fba(), [...acceptOnly(orders), ["batch", batch, book]]);
  });
}

Deno.test("G7 g. market sells: B1 then B2 take S1 and S2 in the level's random order, at 98", async () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 64; seed++) {
    const ob = await OrderBook.create({ format: "fba", seed });
    play(
      ob,
      acceptOnly(["O S1 S 1@0", "O S2 S 1@0", "O B1 B 1@100", "O B2 B 1@99", "O B3 B 1@97"]),
    );
    const ev = ob.batch();
    assert.equal(ev.length, 4);
    const [e0, e1, z, q] = ev;
    assert.ok(e0.type === "executed" && e1.type === "executed");
    assert.deepStrictEqual([e0.order, e1.order], [tok("B1"), tok("B2")]);
    assert.deepStrictEqual([e0.resting, e1.resting].sort(), [tok("S1"), tok("S2")]);
    assert.deepStrictEqual([e0.shares, e0.price, e0.match], [1, 98, 0]);
    assert.deepStrictEqual([e1.shares, e1.price, e1.match], [1, 98, 1]);
    assert.deepStrictEqual(z, { type: "batch", clearingPrice: 98, volume: 2, fills: 2 });
    assert.deepStrictEqual(q, {
      type: "bbo",
      bestBid: 97,
      bestBidVolume: 1,
      bestAsk: MAX_PRICE,
      bestAskVolume: 0,
      nextBid: 0,
      nextAsk: MAX_PRICE,
    });
    seen.add(e0.resting);
  }
  assert.equal(seen.size, 2, "both asks come first for some seed");
});

Deno.test("G7 FBA IOC (Q10): an IOC order waits for the batch, then its rest is canceled", async () => {
  play(await fba(), [
    ["O I B 3@105 tif=0", "A(I)"],
    ["O S1 S 1@100", "A(S1)"],
    ["batch", "E I/S1 1@105 m0; C I −2 (I); Z{105 1 0/0 MAX/0 0 MAX}", "empty"],
    ["O J B 1@99 tif=0", "A(J)", "bids 99[J:1]"],
    ["batch", "C J −1 (I); Z{0 0 0/0 MAX/0 0 MAX}", "empty"],
  ]);
});

// ---------------------------------------------------------------- G8

const G8: Row[] = [
  ["O B1 B 1@100", "A(B1)"],
  ["batch", "Z{0 0 100/1 MAX/0 0 MAX}"],
  ["O B2 B 1@100", "A(B2)"],
  ["O S1 S 1@99", "A(S1)"],
  ["batch", "E B1/S1 1@100 m0; Z{100 1 100/1 MAX/0 0 MAX}", "bids 100[B2:1]"],
];

Deno.test("G8: every batch closes a segment, so B1 always wins (Q6)", async () => {
  for (let seed = 0; seed < 200; seed++) {
    play(await OrderBook.create({ format: "fba", seed }), G8);
  }
});

// ---------------------------------------------------------------- entry

Deno.test("FBA entry: no matching, no BBO; replace rests and joins the segment; cancel reduces", async () => {
  play(await fba(), [
    ["O A B 5@100", "A(A)"],
    ["O S S 5@90", "A(S)", "bids 100[A:5]; asks 90[S:5]"],
    ["X A 3", "C A −2 (U)", "bids 100[A:3]; asks 90[S:5]"],
    ["X A 7", "C A −0 (U)"],
    ["U S→S2 4@95", "R(S2 prev=S 4@95 rests)", "bids 100[A:3]; asks 95[S2:4]"],
    ["U S2→S3 0@95", "C S2 −4 (U)", "bids 100[A:3]"], // liable = 4 + (0 − 4) = 0
    ["U A→I 5@100 tif=0", "R(I prev=A 3@100 rests)", "bids 100[I:3]"], // 3 + (5 − 5)
    ["X A 0", "∅ not-resting"],
    ["O S4 S 1@100", "A(S4)"],
    ["batch", "E I/S4 1@100 m0; C I −2 (I); Z{100 1 0/0 MAX/0 0 MAX}", "empty"],
    ["O A B 1@1", "∅ duplicate-token"],
    ["K 98:102", "∅"], // CDA and FBA only log the external quote (Q28)
  ]);
});

Deno.test("batch() outside FBA is rejected and changes nothing", async () => {
  for (const format of ["cda", "iex"] as const) {
    const ob = await OrderBook.create({ format });
    ob.enter({ token: "A", side: "B", shares: 1, price: 100, timeInForce: 99999 });
    assert.deepStrictEqual(ob.batch(), [{ type: "rejected", order: "", reason: "bad-command" }]);
    assert.equal(ob.restingShares("A"), 1);
  }
});

Deno.test("the format survives reset() and changes only on an empty book", async () => {
  const ob = await OrderBook.create();
  assert.equal(ob.format, "cda");
  ob.setFormat("fba");
  ob.enter({ token: "A", side: "B", shares: 1, price: 100, timeInForce: 99999 });
  assert.throws(() => ob.setFormat("iex"), /reset/);
  assert.equal(ob.format, "fba");
  ob.reset();
  assert.equal(ob.format, "fba");
  ob.setFormat("iex");
  assert.equal(ob.format, "iex");
  assert.throws(() => ob.setFormat("call" as MarketFormat), RangeError);
  assert.throws(() => ob.seed(-1), RangeError);
  assert.throws(() => ob.seed(2 ** 32), RangeError);
  assert.throws(() => ob.external(1.5, 2), OrderInputError);
  assert.throws(() => ob.external(1, 2 ** 32), OrderInputError);
});

Deno.test("FBA reset (Q13): match numbers restart, the book and IOC list are emptied", async () => {
  const ob = await fba();
  const day: Row[] = [
    ["O I B 2@105 tif=0", "A(I)"],
    ["O S1 S 1@100", "A(S1)"],
    ["batch", "E I/S1 1@105 m0; C I −1 (I); Z{105 1 0/0 MAX/0 0 MAX}"],
    ["O B1 B 1@100", "A(B1)"],
    ["O I2 B 1@100 tif=0", "A(I2)"],
  ];
  play(ob, day);
  play(ob, [["H", "∅", "empty"], ["batch", "Z{0 0 0/0 MAX/0 0 MAX}"]]);
  play(ob, day);
});

// ---------------------------------------------------------------- random order

/** The order in which a batch fills the bids, read from raw EXECUTED records. */
function fillOrder(core: BookCore, n: number): number[] {
  const ev = core.events;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((ev[i * 8] & 0xff) === EV_EXECUTED) out.push(ev[i * 8 + 1]);
  }
  return out;
}

/** An order for {@link batchOnce}: side 0 bids, 1 asks; it never expires. */
type Order = readonly [id: number, side: 0 | 1, price: number, shares: number];

/**
 * A new day on `core`, drawing with `seed`: enters the orders, then runs one
 * batch; returns its event count.
 */
function batchOnce(core: BookCore, seed: number, orders: readonly Order[]): number {
  core.reset();
  core.seed(seed);
  for (const [id, side, price, shares] of orders) core.enter(id, side, price, shares, 99999);
  return core.batch();
}

Deno.test("three unit bids in one segment come out in each of the 6 orders equally often (chi-square)", () => {
  const core = BookCore.fromModule(module, { format: "fba" });
  const SEEDS = 6000;
  const orders: Order[] = [[1, 0, 100, 1], [2, 0, 100, 1], [3, 0, 100, 1], [4, 1, 99, 3]];
  const counts = new Map<string, number>();
  for (let seed = 0; seed < SEEDS; seed++) {
    const key = fillOrder(core, batchOnce(core, seed, orders)).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepStrictEqual([...counts.keys()].sort(), ["123", "132", "213", "231", "312", "321"]);
  const expected = SEEDS / 6;
  let chi2 = 0;
  for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
  // 5 degrees of freedom: P(chi2 > 20.52) = 0.001 for a uniform shuffle. The
  // seeds are fixed, so the outcome never changes from run to run.
  assert.ok(chi2 < 20.52, `chi-square ${chi2.toFixed(2)}: ${JSON.stringify([...counts])}`);
});

Deno.test("each ask level is drawn too: two unit asks at 0 come first equally often", () => {
  const core = BookCore.fromModule(module, { format: "fba" });
  let first1 = 0;
  const SEEDS = 4000;
  const orders: Order[] = [[1, 1, 0, 1], [2, 1, 0, 1], [3, 0, 100, 1]];
  for (let seed = 0; seed < SEEDS; seed++) {
    assert.equal(batchOnce(core, seed, orders), 3);
    if (core.word(0, 2) === 1) first1++;
  }
  // 1 degree of freedom, P(chi2 > 10.83) = 0.001
  const chi2 = 2 * (first1 - SEEDS / 2) ** 2 / (SEEDS / 2);
  assert.ok(chi2 < 10.83, `ask 1 first ${first1} of ${SEEDS}`);
});

Deno.test("the same seed gives the same events; reset() does not reseed", () => {
  const run = (core: BookCore) => {
    const out: EngineEvent[] = [];
    for (let day = 0; day < 3; day++) {
      core.reset();
      for (let id = 1; id <= 8; id++) core.enter(id, 0, 100, 1, 99999);
      core.enter(9, 1, 100, 4, 99999);
      out.push(...core.readEvents(core.batch()));
    }
    return out;
  };
  const a = run(BookCore.fromModule(module, { format: "fba", seed: 42 }));
  assert.deepStrictEqual(run(BookCore.fromModule(module, { format: "fba", seed: 42 })), a);
  assert.notDeepStrictEqual(run(BookCore.fromModule(module, { format: "fba", seed: 43 })), a);
  // three days on one engine draw three different orders (with 8! orders each)
  const days = [a.slice(0, 4), a.slice(6, 10), a.slice(12, 16)].map((d) =>
    d.map((e) => (e.type === "executed" ? e.order : 0)).join()
  );
  assert.equal(new Set(days).size, 3);
});

const SEGMENT_RUNS = 200;

Deno.test("an order from an earlier segment is always ahead of later ones at its price", () => {
  const core = BookCore.fromModule(module, { format: "fba" });
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 }),
      fc.nat(),
      fc.boolean(),
      (segments, seed, touch) => {
        core.reset();
        core.seed(seed >>> 0);
        let id = 0, ask = 1000;
        const segmentOf = new Map<number, number>();
        segments.forEach((n, s) => {
          for (let k = 0; k < n; k++) {
            core.enter(++id, 0, 100, 2, 99999);
            segmentOf.set(id, s);
          }
          // a batch that trades one share draws the level's order now,
          // an empty one leaves it to a later batch
          if (touch) core.enter(++ask, 1, 100, 1, 99999);
          core.batch();
        });
        core.enter(++ask, 1, 99, 2 * id, 99999);
        const order = fillOrder(core, core.batch());
        const segs = order.map((o) => segmentOf.get(o)!);
        assert.deepStrictEqual(segs, [...segs].sort((x, y) => x - y), `fills ${order}`);
      },
    ),
    { numRuns: SEGMENT_RUNS },
  );
});

Deno.test("a reduced or partly filled order keeps its place", () => {
  const ob = BookCore.fromModule(module, { format: "fba" });
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 3, max: 8 }), fc.nat(), (seed, n, pick) => {
      ob.reset();
      ob.seed(seed >>> 0);
      for (let id = 1; id <= n; id++) ob.enter(id, 0, 100, 3, 99999);
      ob.enter(100, 1, 100, 1, 99999);
      const first = fillOrder(ob, ob.batch());
      const queue = () => ob.snapshot().bids[0].orders.map((o) => o.order);
      const drawn = queue();
      assert.equal(drawn[0], first[0], "the partly filled head stays first");
      assert.equal(ob.snapshot().bids[0].orders[0].shares, 2);
      const reduced = drawn[1 + (pick % (n - 1))];
      ob.cancel(reduced, 1);
      ob.enter(101, 0, 100, 3, 99999); // a later segment goes behind
      assert.deepStrictEqual(queue(), [...drawn, 101]);
      ob.enter(102, 1, 100, 3 * n + 3, 99999);
      const all = fillOrder(ob, ob.batch());
      assert.deepStrictEqual(all, [...drawn, 101]);
    }),
    { numRuns: SEGMENT_RUNS },
  );
});

// ---------------------------------------------------------------- property

type FbaCommand =
  | { kind: "enter"; side: 0 | 1; price: number; shares: number; ioc: boolean }
  | { kind: "cancel"; pick: number; remaining: number }
  | { kind: "replace"; pick: number; price: number; shares: number; ioc: boolean }
  | { kind: "batch" };

const CENTRE = 1_000_000;
const priceArb = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: -6, max: 6 }).map((k) => CENTRE + 100 * k) },
  { weight: 3, arbitrary: fc.integer({ min: -500, max: 500 }).map((k) => CENTRE + k) },
  { weight: 1, arbitrary: fc.constantFrom(1, CENTRE + 300_000, MAX_PRICE - 1) },
);
const sharesArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(1) },
  { weight: 4, arbitrary: fc.integer({ min: 2, max: 20 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);
const fbaCommand: fc.Arbitrary<FbaCommand> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("enter" as const),
      side: fc.constantFrom(0 as const, 1 as const),
      price: priceArb,
      shares: sharesArb,
      ioc: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      pick: fc.nat(),
      remaining: fc.integer({ min: 0, max: 10 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("replace" as const),
      pick: fc.nat(),
      price: priceArb,
      shares: sharesArb,
      ioc: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "batch" as const }) },
);

Deno.test("after any batch: one price within both limits, shares conserved, book not crossed", () => {
  const core = BookCore.fromModule(module, { format: "fba", initialOrders: 32, initialEvents: 16 });
  let batches = 0, trading = 0;
  fc.assert(
    fc.property(fc.nat(), fc.array(fbaCommand, { maxLength: 150, size: "max" }), (seed, cmds) => {
      core.reset();
      core.seed(seed >>> 0);
      const ledger = new Ledger();
      const live: number[] = [];
      const ioc = new Set<number>();
      let next = 1;
      for (const c of cmds) {
        let n: number;
        if (c.kind === "enter") {
          const id = next++;
          n = core.enter(id, c.side, c.price, c.shares, c.ioc ? 0 : 99999);
          live.push(id);
          if (c.ioc) ioc.add(id);
        } else if (c.kind === "cancel" || c.kind === "replace") {
          if (live.length === 0) continue;
          const id = live[c.pick % live.length];
          if (c.kind === "cancel") {
            n = core.cancel(id, c.remaining);
          } else {
            const nid = next++;
            n = core.replace(id, nid, c.shares, c.price, c.ioc ? 0 : 99999);
            live.push(nid);
            if (c.ioc) ioc.add(nid);
          }
        } else {
          n = core.batch();
        }
        const events = core.readEvents(n);
        ledger.apply(events);
        const book = core.snapshot();
        ledger.check(book);
        if (c.kind !== "batch") {
          assert.ok(events.every((e) => e.type !== "bbo" && e.type !== "executed"));
          continue;
        }
        batches++;
        const fills = events.filter((e) => e.type === "executed");
        const [z, q] = events.slice(-2);
        assert.ok(z.type === "batch" && q.type === "bbo");
        assert.equal(z.fills, fills.length);
        assert.equal(z.volume, fills.reduce((s, e) => s + e.shares, 0));
        if (fills.length > 0) trading++;
        for (const e of fills) {
          assert.equal(e.price, z.clearingPrice, "uniform price");
          assert.equal(ledger.side.get(e.order), 0, "the bid comes first");
          assert.equal(ledger.side.get(e.resting), 1);
          assert.ok(ledger.limit.get(e.order)! >= e.price, "within the bid's limit");
          assert.ok(ledger.limit.get(e.resting)! <= e.price, "within the ask's limit");
        }
        if (fills.length === 0) assert.equal(z.clearingPrice, 0);
        const { type: _, ...tuple } = q;
        assert.deepStrictEqual(tuple, bboOf(book), "post-batch BBO");
        if (book.bids.length > 0 && book.asks.length > 0) {
          assert.ok(
            book.bids[0].price < book.asks[0].price,
            `crossed after a batch: ${book.bids[0].price} >= ${book.asks[0].price}`,
          );
        }
        for (const id of ioc) assert.equal(core.restingShares(id), -1, "no IOC order survives");
        ioc.clear();
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(trading > batches / 4, `only ${trading} of ${batches} batches traded`);
});

Deno.test("FBA through the command buffer gives the same events as one call per command", () => {
  const single = BookCore.fromModule(module, { format: "fba", seed: 7 });
  const viaRun = BookCore.fromModule(module, { format: "fba", seed: 7 });
  fc.assert(
    fc.property(fc.array(fbaCommand, { maxLength: 60, size: "max" }), (cmds) => {
      single.reset();
      viaRun.reset();
      let next = 1, slot = 0;
      const live: number[] = [];
      const expected: EngineEvent[] = [];
      const flush = () => {
        const got = viaRun.readEvents(viaRun.run(slot));
        assert.deepStrictEqual(got, expected);
        expected.length = 0;
        slot = 0;
      };
      for (const c of cmds) {
        const tif = "ioc" in c && c.ioc ? 0 : 99999;
        if (c.kind === "enter") {
          const id = next++;
          expected.push(...single.readEvents(single.enter(id, c.side, c.price, c.shares, tif)));
          viaRun.setEnter(slot++, id, c.side, c.price, c.shares, tif);
          live.push(id);
        } else if (c.kind === "batch") {
          flush();
          assert.deepStrictEqual(
            viaRun.readEvents(viaRun.batch()),
            single.readEvents(single.batch()),
          );
        } else if (live.length > 0) {
          const id = live[c.pick % live.length];
          if (c.kind === "cancel") {
            expected.push(...single.readEvents(single.cancel(id, c.remaining)));
            viaRun.setCancel(slot++, id, c.remaining);
          } else {
            const nid = next++;
            expected.push(...single.readEvents(single.replace(id, nid, c.shares, c.price, tif)));
            viaRun.setReplace(slot++, id, nid, c.shares, c.price, tif);
            live.push(nid);
          }
        }
      }
      flush();
      assert.deepStrictEqual(viaRun.snapshot(), single.snapshot());
    }),
    { numRuns: 200 },
  );
});
