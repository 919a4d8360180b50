/**
 * Engine edge cases: the ladder window and its overflow, market-order
 * sentinels, a million resting orders, input validation, reset.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BookCore,
  type BookEvent,
  type EngineEvent,
  engineModule,
  MAX_PRICE,
  OrderBook,
  OrderInputError,
  WORDS_PER_COMMAND,
  WORDS_PER_EVENT,
} from "../engine-wasm/mod.ts";
import { ReferenceBook } from "./reference_book.ts";

const module = await engineModule();
const W = 262_144; // ladder window, engine-as/ladder.ts
const EMPTY_BOOK = { bids: [], asks: [], pegged: { bids: [], asks: [] } };

type Cmd =
  | ["enter", number, number, number, number, number]
  | ["cancel", number, number]
  | ["replace", number, number, number, number, number];

/** Runs commands on the engine and the reference; asserts identical events and books. */
function lockstep(
  core: BookCore,
  ref: ReferenceBook,
  cmds: Cmd[],
): EngineEvent[] {
  const all: EngineEvent[] = [];
  for (const c of cmds) {
    let got: EngineEvent[], want: EngineEvent[];
    if (c[0] === "enter") {
      got = core.readEvents(core.enter(c[1], c[2], c[3], c[4], c[5]));
      want = ref.enter(c[1], c[2], c[3], c[4], c[5]);
    } else if (c[0] === "cancel") {
      got = core.readEvents(core.cancel(c[1], c[2]));
      want = ref.cancel(c[1], c[2]);
    } else {
      got = core.readEvents(core.replace(c[1], c[2], c[3], c[4], c[5]));
      want = ref.replace(c[1], c[2], c[3], c[4], c[5]);
    }
    assert.deepStrictEqual(got, want, JSON.stringify(c));
    assert.deepStrictEqual(
      core.snapshot(),
      ref.snapshot(),
      `book after ${JSON.stringify(c)}`,
    );
    all.push(...got);
  }
  return all;
}

const prices = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === "executed" ? [e.price] : []));

// ---------------------------------------------------------------- window

Deno.test("the ladder window re-centres on the first order into an empty book", () => {
  const x = BookCore.fromModule(module);
  x.enter(1, 0, 1_000_000, 1, 99999);
  assert.equal(x.ladderBase, 1_000_000 - W / 2);
  x.enter(2, 0, 5, 1, 99999); // out of window: the book is not empty, no move
  assert.equal(x.ladderBase, 1_000_000 - W / 2);
  x.cancel(1, 0);
  x.cancel(2, 0);
  x.enter(3, 1, 2_000_000_000, 1, 99999);
  assert.equal(x.ladderBase, 2_000_000_000 - W / 2);
  x.cancel(3, 0);
  x.enter(4, 1, MAX_PRICE - 10, 1, 99999); // clamped: the window ends at MAX
  assert.equal(x.ladderBase, MAX_PRICE - W + 1);
  x.cancel(4, 0);
  x.enter(5, 1, MAX_PRICE, 1, 99999); // a sentinel never moves the window
  assert.equal(x.ladderBase, MAX_PRICE - W + 1);
  x.reset();
  x.enter(1, 0, 1000, 1, 99999);
  assert.equal(x.ladderBase, 0);
});

Deno.test("in-window and out-of-window levels on both sides give correct best/next levels", () => {
  const core = BookCore.fromModule(module);
  const ref = new ReferenceBook();
  const lo = 1_000_000 - W / 2; // first in-window price once centred on 1,000,000
  const hi = lo + W - 1; // last in-window price
  let id = 0;
  const enter = (
    side: number,
    price: number,
    shares = 1,
  ): Cmd => ["enter", ++id, side, price, shares, 99999];
  lockstep(core, ref, [
    enter(0, 1_000_000, 2), // centres the window
    enter(0, lo, 3),
    enter(0, lo - 1, 4), // overflow, just below
    enter(0, 5, 5), // overflow, far
    enter(0, 600_000, 6), // overflow
    enter(1, 1_000_100, 7),
    enter(1, hi, 8),
    enter(1, hi + 1, 9), // overflow, just above
    enter(1, 2_000_000_000, 10), // overflow, far
    enter(1, MAX_PRICE, 11), // a limit sell at MAX
  ]);
  const book = core.snapshot();
  assert.deepStrictEqual(book.bids.map((l) => l.price), [
    1_000_000,
    lo,
    lo - 1,
    600_000,
    5,
  ]);
  assert.deepStrictEqual(book.asks.map((l) => l.price), [
    1_000_100,
    hi,
    hi + 1,
    2_000_000_000,
    MAX_PRICE,
  ]);
  assert.deepStrictEqual(core.bbo(), {
    bestBid: 1_000_000,
    bestBidVolume: 2,
    bestAsk: 1_000_100,
    bestAskVolume: 7,
    nextBid: lo,
    nextAsk: hi,
  });
  // peel the best levels off one by one: best/next walk from the ladder
  // into the overflow lists and back
  const bbos = lockstep(core, ref, [
    ["cancel", 1, 0], // bids: lo, lo-1
    ["cancel", 6, 0], // asks: hi, hi+1
    ["cancel", 2, 0], // bids: lo-1, 600000
    ["cancel", 7, 0], // asks: hi+1, 2e9
    enter(0, lo + 1, 1), // bids: lo+1 (ladder), lo-1 (overflow)
    enter(1, hi - 1, 1), // asks: hi-1 (ladder), hi+1 (overflow)
  ]).filter((e) => e.type === "bbo");
  assert.deepStrictEqual(
    bbos.map((e) => e.type === "bbo" && [e.bestBid, e.nextBid, e.bestAsk, e.nextAsk]),
    [
      [lo, lo - 1, 1_000_100, hi],
      [lo, lo - 1, hi, hi + 1],
      [lo - 1, 600_000, hi, hi + 1],
      [lo - 1, 600_000, hi + 1, 2_000_000_000],
      [lo + 1, lo - 1, hi + 1, 2_000_000_000],
      [lo + 1, lo - 1, hi - 1, hi + 1],
    ],
  );
  // sweeps cross ladder and overflow levels in price order
  const sell = lockstep(core, ref, [["enter", ++id, 1, 0, 100, 0]]);
  assert.deepStrictEqual(prices(sell), [lo + 1, lo - 1, 600_000, 5]);
  assert.deepStrictEqual(sell.at(-2), {
    type: "canceled",
    order: id,
    side: "S",
    decrement: 100 - (1 + 4 + 6 + 5),
    reason: "I",
  });
  const buy = lockstep(core, ref, [["enter", ++id, 0, MAX_PRICE, 100, 0]]);
  assert.deepStrictEqual(prices(buy), [
    hi - 1,
    hi + 1,
    2_000_000_000,
    MAX_PRICE,
  ]);
  assert.deepStrictEqual(buy.at(-2), {
    type: "canceled",
    order: id,
    side: "B",
    decrement: 100 - (1 + 9 + 10 + 11),
    reason: "I",
  });
  assert.equal(core.restingOrders, 0);
  // the empty book re-centres: a far-away book works the same way
  lockstep(core, ref, [
    enter(0, 2_000_000_000, 1),
    enter(0, 1_000_000, 1), // now out of window
    enter(1, 2_000_000_001, 1),
    enter(1, MAX_PRICE - 1, 1),
    ["enter", ++id, 1, 999_999, 3, 0],
  ]);
  assert.deepStrictEqual(core.bbo(), {
    bestBid: 0,
    bestBidVolume: 0,
    bestAsk: 2_000_000_001,
    bestAskVolume: 1,
    nextBid: 0,
    nextAsk: MAX_PRICE - 1,
  });
});

Deno.test("random prices around the window edges and far away match the reference", () => {
  const core = BookCore.fromModule(module);
  const ref = new ReferenceBook();
  const lo = 1_000_000 - W / 2, hi = lo + W - 1;
  const price = fc.constantFrom(
    5,
    lo - 2,
    lo - 1,
    lo,
    lo + 1,
    1_000_000,
    hi - 1,
    hi,
    hi + 1,
    hi + 2,
    2_000_000_000,
  );
  const cmd = fc.oneof(
    fc.tuple(
      fc.constantFrom(0, 1),
      price,
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(0, 99999),
    ),
    fc.tuple(
      fc.constant(-1),
      fc.nat(),
      fc.integer({ min: 0, max: 3 }),
      fc.constant(0),
    ),
  );
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 120, size: "max" }), (list) => {
      core.reset();
      ref.reset();
      // the first order centres the window on 1,000,000
      const cmds: Cmd[] = [["enter", 1, 0, 1_000_000, 1, 99999]];
      let id = 1;
      for (const [side, p, shares, tif] of list) {
        if (side >= 0) cmds.push(["enter", ++id, side, p, shares, tif]);
        else cmds.push(["cancel", 1 + (p % id), shares]);
      }
      lockstep(core, ref, cmds);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- sentinels

Deno.test("non-IOC market orders rest at the sentinel price (§5.7)", () => {
  const core = BookCore.fromModule(module);
  const ref = new ReferenceBook();
  const buy = lockstep(core, ref, [["enter", 1, 0, MAX_PRICE, 3, 99999]]);
  assert.deepStrictEqual(buy.at(-1), {
    type: "bbo",
    bestBid: MAX_PRICE,
    bestBidVolume: 3,
    bestAsk: MAX_PRICE,
    bestAskVolume: 0,
    nextBid: 0,
    nextAsk: MAX_PRICE,
  });
  // any sell trades with it, at the resting (sentinel) price
  const sell = lockstep(core, ref, [["enter", 2, 1, 1_000_000, 1, 99999]]);
  assert.deepStrictEqual(sell[1], {
    type: "executed",
    order: 2,
    resting: 1,
    shares: 1,
    price: MAX_PRICE,
    match: 0,
  });
  lockstep(core, ref, [["cancel", 1, 0]]);
  const msell = lockstep(core, ref, [["enter", 3, 1, 0, 4, 99999]]);
  assert.deepStrictEqual(msell.at(-1), {
    type: "bbo",
    bestBid: 0,
    bestBidVolume: 0,
    bestAsk: 0,
    bestAskVolume: 4,
    nextBid: 0,
    nextAsk: MAX_PRICE,
  });
  const b = lockstep(core, ref, [["enter", 4, 0, 5, 1, 0]]);
  assert.deepStrictEqual(prices(b), [0]);
  // IOC market orders never rest
  lockstep(core, ref, [
    ["cancel", 3, 0],
    ["enter", 5, 0, MAX_PRICE, 2, 0],
    ["enter", 6, 1, 0, 2, 0],
  ]);
  assert.equal(core.restingOrders, 0);
});

Deno.test("an IOC sell remainder is canceled with side S (regression)", async () => {
  const ob = await OrderBook.create();
  assert.deepStrictEqual(
    ob.enter({ token: "s", side: "S", shares: 2, price: 100, timeInForce: 0 }),
    [
      {
        type: "accepted",
        order: "s",
        side: "S",
        shares: 2,
        price: 100,
        timeInForce: 0,
      },
      { type: "canceled", order: "s", side: "S", decrement: 2, reason: "I" },
    ],
  );
  ob.enter({
    token: "b",
    side: "B",
    shares: 1,
    price: 100,
    timeInForce: 99999,
  });
  const r = ob.replace({
    existing: "b",
    replacement: "b2",
    shares: 3,
    price: 101,
    timeInForce: 0,
  });
  assert.deepStrictEqual(r.slice(0, 2), [
    {
      type: "replaced",
      order: "b2",
      previous: "b",
      side: "B",
      shares: 3,
      price: 101,
      timeInForce: 0,
      resting: false,
    },
    { type: "canceled", order: "b2", side: "B", decrement: 3, reason: "I" },
  ]);
});

Deno.test("an enter with 0 shares is accepted and nothing rests (§5.2)", async () => {
  const ob = await OrderBook.create();
  assert.deepStrictEqual(
    ob.enter({
      token: "z",
      side: "B",
      shares: 0,
      price: 100,
      timeInForce: 99999,
    }),
    [
      {
        type: "accepted",
        order: "z",
        side: "B",
        shares: 0,
        price: 100,
        timeInForce: 99999,
      },
    ],
  );
  assert.deepStrictEqual(ob.cancel("z"), [{
    type: "rejected",
    order: "z",
    reason: "not-resting",
  }]);
  assert.deepStrictEqual(ob.snapshot(), EMPTY_BOOK);
});

// ---------------------------------------------------------------- scale

Deno.test("1,000,000 resting orders fit, and sweeps through them are exact", async () => {
  const core = await BookCore.create();
  const N = 1_000_000;
  const LEVELS = 5000;
  // expected book: price -> [orders, volume] per side
  const model = [
    new Map<number, [number, number]>(),
    new Map<number, [number, number]>(),
  ];
  const priceOf = (i: number) => {
    const side = i & 1, level = (i >> 1) % LEVELS;
    // about 1% of the bids (of every level) outside the window
    if (i % 202 === 0) return 100_000 + level;
    return side === 0 ? 999_000 - level * 10 : 1_001_000 + level * 10;
  };
  for (let i = 1; i <= N; i++) {
    const side = i & 1, price = priceOf(i), shares = 1 + (i % 7);
    const n = core.enter(i, side, price, shares, 99999);
    if (n < 1 || n > 2 || core.event(0) !== 1) {
      throw new Error(`enter ${i}: ${JSON.stringify(core.readEvents(n))}`);
    }
    const m = model[side].get(price) ?? [0, 0];
    m[0]++;
    m[1] += shares;
    model[side].set(price, m);
  }
  assert.equal(core.restingOrders, N);
  const book = core.snapshot();
  const summary = (levels: typeof book.bids) => ({
    levels: levels.length,
    orders: levels.reduce((s, l) => s + l.orders.length, 0),
    volume: levels.reduce((s, l) => s + l.volume, 0),
    best: levels[0].price,
    worst: levels.at(-1)!.price,
  });
  const expect = (side: 0 | 1) => {
    const ps = [...model[side].keys()].sort((a, b) => side === 0 ? b - a : a - b);
    let orders = 0, volume = 0;
    for (const [o, v] of model[side].values()) {
      orders += o;
      volume += v;
    }
    return {
      levels: ps.length,
      orders,
      volume,
      best: ps[0],
      worst: ps.at(-1)!,
    };
  };
  assert.deepStrictEqual(summary(book.bids), expect(0));
  assert.deepStrictEqual(summary(book.asks), expect(1));
  for (const side of [book.bids, book.asks]) {
    for (const l of side) {
      const [orders, volume] = model[side === book.bids ? 0 : 1].get(l.price)!;
      assert.equal(l.orders.length, orders);
      assert.equal(l.volume, volume);
      for (let k = 1; k < l.orders.length; k++) {
        assert.ok(l.orders[k - 1].order < l.orders[k].order, "FIFO by arrival");
      }
    }
  }
  assert.deepStrictEqual(core.bbo(), {
    bestBid: 999_000,
    bestBidVolume: model[0].get(999_000)![1],
    bestAsk: 1_001_000,
    bestAskVolume: model[1].get(1_001_000)![1],
    nextBid: 998_990,
    nextAsk: 1_001_010,
  });

  // sweep every bid at or above 998,000 with one IOC sell
  const swept = book.bids.filter((l) => l.price >= 998_000);
  const sweptOrders = swept.reduce((s, l) => s + l.orders.length, 0);
  const sweptVolume = swept.reduce((s, l) => s + l.volume, 0);
  const n = core.enter(N + 1, 1, 998_000, 2 * sweptVolume, 0);
  const ev = core.readEvents(n);
  assert.equal(ev.length, 1 + sweptOrders + 2);
  const fills = ev.filter((e) => e.type === "executed");
  assert.equal(fills.length, sweptOrders);
  assert.deepStrictEqual(
    fills.slice(0, swept[0].orders.length).map((e) => e.type === "executed" && e.resting),
    swept[0].orders.map((o) => o.order),
  );
  assert.equal(
    fills.reduce((s, e) => s + (e.type === "executed" ? e.shares : 0), 0),
    sweptVolume,
  );
  assert.ok(fills.every((e, k) => e.type === "executed" && e.match === k));
  assert.deepStrictEqual(ev.at(-2), {
    type: "canceled",
    order: N + 1,
    side: "S",
    decrement: sweptVolume,
    reason: "I",
  });
  assert.deepStrictEqual(ev.at(-1), {
    type: "bbo",
    ...core.bbo(),
  });
  assert.equal(core.bbo().bestBid, 997_990);
  assert.equal(core.restingOrders, N - sweptOrders);

  // a market buy for part of the best ask level
  const level = book.asks[0];
  const part = level.orders[0].shares + level.orders[1].shares + 1;
  const m = core.readEvents(core.enter(N + 2, 0, MAX_PRICE, part, 0));
  assert.deepStrictEqual(
    m.filter((e) => e.type === "executed").map((e) =>
      e.type === "executed" && [e.resting, e.shares, e.price]
    ),
    [
      [level.orders[0].order, level.orders[0].shares, 1_001_000],
      [level.orders[1].order, level.orders[1].shares, 1_001_000],
      [level.orders[2].order, 1, 1_001_000],
    ],
  );
  const third = level.orders[2];
  assert.equal(
    core.restingShares(third.order),
    third.shares > 1 ? third.shares - 1 : -1,
  );
  assert.equal(core.bbo().bestAskVolume, level.volume - part);
  assert.equal(core.restingOrders, N - sweptOrders - 2);
  // and everything can be reset
  core.reset();
  assert.equal(core.restingOrders, 0);
  assert.deepStrictEqual(core.snapshot(), EMPTY_BOOK);
  assert.equal(
    core.readEvents(core.enter(1, 0, 999_000, 1, 99999))[0].type,
    "accepted",
  );
});

// ---------------------------------------------------------------- inputs

Deno.test("bad inputs through OrderBook throw OrderInputError naming the field", async () => {
  const ob = await OrderBook.create();
  const ok = {
    token: "t",
    side: "B" as const,
    shares: 1,
    price: 100,
    timeInForce: 99999,
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ price: 100.5 }, /^price /],
    [{ price: Number.NaN }, /^price /],
    [{ price: -1 }, /^price /],
    [{ price: MAX_PRICE + 1 }, /^price /],
    [{ shares: -1 }, /^shares /],
    [{ shares: 1.5 }, /^shares /],
    [{ shares: 2 ** 32 }, /^shares /],
    [{ timeInForce: -1 }, /^timeInForce /],
    [{ side: "X" }, /^side /],
  ];
  for (const [patch, message] of cases) {
    assert.throws(
      () => ob.enter({ ...ok, ...patch } as typeof ok),
      (e: unknown) => e instanceof OrderInputError && message.test(e.message),
      JSON.stringify(patch),
    );
  }
  assert.throws(
    () => ob.cancel("t", -1),
    (e: unknown) => e instanceof OrderInputError && /^remaining /.test(e.message),
  );
  const rep = {
    existing: "t",
    replacement: "t2",
    shares: 1,
    price: 100,
    timeInForce: 99999,
  };
  for (
    const [patch, message] of [
      [{ price: 1e10 }, /^price /],
      [{ shares: -3 }, /^shares /],
      [{ timeInForce: 0.5 }, /^timeInForce /],
    ] as const
  ) {
    assert.throws(
      () => ob.replace({ ...rep, ...patch }),
      (e: unknown) => e instanceof OrderInputError && message.test(e.message),
    );
  }
  // nothing reached the engine: the book is empty and the token is unused
  assert.deepStrictEqual(ob.snapshot(), EMPTY_BOOK);
  assert.equal(ob.enter(ok)[0].type, "accepted");
  assert.ok(new OrderInputError("x") instanceof TypeError);
});

Deno.test("BookCore rejects what OrderBook would refuse (bad id, side, price)", () => {
  const core = BookCore.fromModule(module);
  const ref = new ReferenceBook();
  lockstep(core, ref, [
    ["enter", 0, 0, 100, 1, 99999], // bad-id
    ["enter", -5, 0, 100, 1, 99999], // bad-id
    ["enter", 1, 2, 100, 1, 99999], // bad-side, id stays unused
    ["enter", 1, 0, -1, 1, 99999], // bad-price
    ["enter", 1, 0, 2 ** 31, 1, 99999], // wraps to a negative i32: bad-price
    ["enter", 1, 0, 100, 1, 99999],
    ["replace", 1, 0, 1, 100, 99999], // bad replacement id
    ["replace", 1, 2, 1, -7, 99999], // bad-price
    ["replace", 0, 2, 1, 100, 99999], // unknown
    ["replace", 1, 1, 1, 100, 99999], // replacement used (itself)
    ["cancel", 0, 0], // unknown
    ["cancel", 99, 0], // unknown
  ]);
  assert.deepStrictEqual(
    [
      core.readEvents(core.enter(0, 0, 100, 1, 99999)),
      core.readEvents(core.enter(3, 7, 100, 1, 99999)),
      core.readEvents(core.replace(1, 0, 1, 100, 99999)),
      core.readEvents(core.replace(1, 2, 1, -7, 99999)),
    ],
    [
      [{ type: "rejected", order: 0, reason: "bad-id" }],
      [{ type: "rejected", order: 3, reason: "bad-side" }],
      [{ type: "rejected", order: 0, other: 1, reason: "bad-id" }],
      [{ type: "rejected", order: 1, other: 2, reason: "bad-price" }],
    ],
  );
});

// ---------------------------------------------------------------- reset

Deno.test("reset() then the same scenario gives identical events", async () => {
  const scenario = (ob: OrderBook): BookEvent[] => {
    const out: BookEvent[] = [];
    const e = (
      token: string,
      side: "B" | "S",
      shares: number,
      price: number,
      timeInForce = 99999,
    ) => out.push(...ob.enter({ token, side, shares, price, timeInForce }));
    e("far", "S", 5, 2_000_000_000); // centres the window far away
    e("a1", "S", 5, 1_000_100);
    e("a2", "S", 3, 1_000_000);
    e("b1", "B", 4, 999_900);
    e("b2", "B", 2, 999_900);
    out.push(...ob.cancel("b1", 1));
    out.push(
      ...ob.replace({
        existing: "a1",
        replacement: "a1r",
        shares: 6,
        price: 1_000_000,
        timeInForce: 99999,
      }),
    );
    e("x", "B", 20, MAX_PRICE, 0);
    e("b1", "B", 1, 1); // duplicate
    out.push(...ob.cancel("a2"));
    e("y", "S", 10, 0, 0);
    e("z", "S", 1, 999_000);
    e("w", "B", 2, 1_000_000); // the book was emptied: re-centres here
    return out;
  };
  const ob = await OrderBook.create();
  const first = scenario(ob);
  const book = ob.snapshot();
  assert.ok(first.filter((e) => e.type === "executed").length >= 4);
  for (let k = 0; k < 3; k++) {
    ob.reset();
    assert.deepStrictEqual(ob.snapshot(), EMPTY_BOOK);
    assert.deepStrictEqual(scenario(ob), first);
    assert.deepStrictEqual(ob.snapshot(), book);
  }
  // and a fresh engine gives the same events as a reset one
  assert.deepStrictEqual(scenario(await OrderBook.create()), first);
});

// ---------------------------------------------------------------- raw views

Deno.test("raw command and event views match the slot writers and the decoder", () => {
  const viaSlots = BookCore.fromModule(module, { commandCapacity: 8 });
  const viaView = BookCore.fromModule(module, { commandCapacity: 8 });
  viaSlots.setEnter(0, 1, 1, 101, 5, 99999);
  viaSlots.setEnter(1, 2, 0, 102, 3, 0);
  viaSlots.setCancel(2, 1, 1);
  viaSlots.setReplace(3, 1, 3, 4, 100, 99999);
  const cmd = viaView.commands;
  cmd.set([1, 1, 1, 101, 5, 99999, 0, 0], 0);
  cmd.set([1, 2, 0, 102, 3, 0, 0, 0], WORDS_PER_COMMAND);
  cmd.set([2, 1, 0, 0, 1, 0, 0x55, 0], 2 * WORDS_PER_COMMAND);
  cmd.set([3, 1, 3, 100, 4, 99999, 0, 0], 3 * WORDS_PER_COMMAND);
  const n = viaSlots.run(4);
  assert.equal(viaView.run(4), n);
  const decoded = viaView.readEvents(n);
  assert.deepEqual(decoded, viaSlots.readEvents(n));
  assert.deepEqual(
    decoded.map((e) => e.type),
    // the IOC buy fills 3 of 5; the reduce leaves 1; replacing it with a total
    // of 4 leaves 1 + (4 - 5) = 0 liable, so it is canceled
    ["accepted", "bbo", "accepted", "executed", "bbo", "canceled", "bbo", "canceled", "bbo"],
  );
  const ev = viaView.events;
  for (let i = 0; i < n; i++) assert.equal(ev[i * WORDS_PER_EVENT] & 0xff, viaView.event(i));
});
