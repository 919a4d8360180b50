/**
 * Property tests: BookCore (the wasm engine) against the naive reference book,
 * plus book invariants checked on the engine after every command, plus the
 * batch path (`run`) against per-command calls.
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
} from "../engine-wasm/mod.ts";
import { checkBboReport } from "./golden_helpers.ts";
import { ReferenceBook } from "./reference_book.ts";

const RUNS = 300;
const MAX_COMMANDS = 200;

// ---------------------------------------------------------------- commands

/**
 * Commands name orders abstractly (`fresh`; a pick among the orders resting
 * at that point, or among all ids issued so far; an id never issued; 0), and
 * {@link resolve} turns them into concrete ids by replaying the sequence on a
 * shadow reference book.
 * That keeps generated sequences meaningful while fast-check shrinks them.
 */
type IdRef =
  | { k: "fresh" }
  | { k: "issued"; pick: number }
  | { k: "resting"; pick: number }
  | { k: "unknown"; pick: number }
  | { k: "zero" };

type AbstractCommand =
  | {
    kind: "enter";
    id: IdRef;
    side: 0 | 1;
    price: number;
    shares: number;
    tif: number;
  }
  | { kind: "cancel"; id: IdRef; remaining: number; reason: "U" | "T" }
  | {
    kind: "replace";
    old: IdRef;
    next: IdRef;
    shares: number;
    price: number;
    tif: number;
  }
  | { kind: "reset" };

type Command =
  | {
    kind: "enter";
    id: number;
    side: number;
    price: number;
    shares: number;
    tif: number;
  }
  | { kind: "cancel"; id: number; remaining: number; reason: "U" | "T" }
  | {
    kind: "replace";
    old: number;
    next: number;
    shares: number;
    price: number;
    tif: number;
  }
  | { kind: "reset" };

const CENTRE = 1_000_000;

/**
 * Limit prices: mostly a few levels around 1,000,000 (levels lo..hi, 100
 * ticks apart), sometimes near them off the grid, sometimes far away.
 */
const limitPrice = (lo: number, hi: number) =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc.integer({ min: lo, max: hi }).map((k) => CENTRE + k * 100),
    },
    {
      weight: 2,
      arbitrary: fc.integer({ min: -1000, max: 1000 }).map((k) => CENTRE + k),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        5,
        CENTRE - 200_000, // outside the 262,144-tick window centred on 1,000,000
        CENTRE + 200_000,
        2_000_000_000,
      ),
    },
  );

const tifArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(99999) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 99998 }) },
);

const sharesArb = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 10 }) },
  { weight: 2, arbitrary: fc.integer({ min: 11, max: 60 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);

const idRef = (freshWeight: number): fc.Arbitrary<IdRef> =>
  fc.oneof(
    { weight: freshWeight, arbitrary: fc.constant<IdRef>({ k: "fresh" }) },
    {
      weight: 4,
      arbitrary: fc.nat().map((pick): IdRef => ({ k: "issued", pick })),
    },
    {
      weight: 8,
      arbitrary: fc.nat().map((pick): IdRef => ({
        k: "resting",
        pick,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.nat({ max: 50 }).map((pick): IdRef => ({
        k: "unknown",
        pick,
      })),
    },
    {
      weight: freshWeight > 0 ? 0 : 1,
      arbitrary: fc.constant<IdRef>({ k: "zero" }),
    },
  );

const enterArb: fc.Arbitrary<AbstractCommand> = fc.oneof(
  // limit orders; the bid and ask clusters overlap on three levels, so
  // orders both cross and queue
  {
    weight: 10,
    arbitrary: fc.constantFrom<0 | 1>(0, 1).chain((side) =>
      fc.record({
        kind: fc.constant("enter" as const),
        id: fc.oneof(
          { weight: 20, arbitrary: fc.constant<IdRef>({ k: "fresh" }) },
          { weight: 1, arbitrary: idRef(0) },
        ),
        side: fc.constant(side),
        price: side === 0 ? limitPrice(-4, 1) : limitPrice(-1, 4),
        shares: sharesArb,
        tif: tifArb,
      })
    ),
  },
  // market orders: the sentinel price, mostly IOC (a non-IOC one rests there)
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("enter" as const),
      id: fc.constant<IdRef>({ k: "fresh" }),
      side: fc.constantFrom<0 | 1>(0, 1),
      price: fc.constant(-1), // resolved by side: 2147483647 buys, 0 sells
      shares: sharesArb,
      tif: fc.oneof(
        { weight: 5, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constant(99999) },
      ),
    }),
  },
);

const cancelArb: fc.Arbitrary<AbstractCommand> = fc.record({
  kind: fc.constant("cancel" as const),
  id: idRef(0),
  remaining: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 20 }) },
  ),
  reason: fc.constantFrom<"U" | "T">("U", "U", "T"),
});

const replaceArb: fc.Arbitrary<AbstractCommand> = fc.record({
  kind: fc.constant("replace" as const),
  old: idRef(0),
  next: fc.oneof(
    { weight: 8, arbitrary: fc.constant<IdRef>({ k: "fresh" }) },
    { weight: 2, arbitrary: idRef(0) },
  ),
  shares: fc.integer({ min: 0, max: 25 }),
  price: limitPrice(-3, 3),
  tif: tifArb,
});

const commandArb = (withReset: boolean): fc.Arbitrary<AbstractCommand> =>
  fc.oneof(
    { weight: 100, arbitrary: enterArb },
    { weight: 40, arbitrary: cancelArb },
    { weight: 40, arbitrary: replaceArb },
    {
      // about one reset per run
      weight: withReset ? 1 : 0,
      arbitrary: fc.constant<AbstractCommand>({ kind: "reset" }),
    },
  );

const commandsArb = (withReset: boolean) =>
  fc.array(commandArb(withReset), {
    minLength: 1,
    maxLength: MAX_COMMANDS,
    size: "max",
  });

/** Turns abstract commands into concrete ids and prices, deterministically. */
function resolve(cmds: AbstractCommand[]): Command[] {
  const shadow = new ReferenceBook();
  let nextId = 1;
  let issued: number[] = [];
  const id = (r: IdRef): number => {
    switch (r.k) {
      case "fresh":
        issued.push(nextId);
        return nextId++;
      case "issued":
        return issued.length === 0 ? 1_000_000 : issued[r.pick % issued.length];
      case "resting": {
        const resting = issued.filter((i) => shadow.restingShares(i) >= 0);
        return resting.length === 0 ? 1_000_000 : resting[r.pick % resting.length];
      }
      case "unknown":
        return 1_000_000 + r.pick; // never issued
      case "zero":
        return 0;
    }
  };
  return cmds.map((a): Command => {
    let c: Command;
    switch (a.kind) {
      case "enter": {
        const price = a.price >= 0 ? a.price : a.side === 0 ? MAX_PRICE : 0;
        c = { ...a, id: id(a.id), price };
        break;
      }
      case "cancel":
        c = { ...a, id: id(a.id) };
        break;
      case "replace":
        c = { ...a, old: id(a.old), next: id(a.next) };
        break;
      case "reset":
        // ids restart: the engine forgets them, and the arena stays small
        issued = [];
        nextId = 1;
        c = a;
        break;
    }
    applyRef(shadow, c);
    return c;
  });
}

function apply(core: BookCore, c: Command): EngineEvent[] {
  let n = 0;
  switch (c.kind) {
    case "enter":
      n = core.enter(c.id, c.side, c.price, c.shares, c.tif);
      break;
    case "cancel":
      n = core.cancel(c.id, c.remaining, c.reason);
      break;
    case "replace":
      n = core.replace(c.old, c.next, c.shares, c.price, c.tif);
      break;
    case "reset":
      core.reset();
      break;
  }
  return core.readEvents(n);
}

function applyRef(ref: ReferenceBook, c: Command): EngineEvent[] {
  switch (c.kind) {
    case "enter":
      return ref.enter(c.id, c.side, c.price, c.shares, c.tif);
    case "cancel":
      return ref.cancel(c.id, c.remaining, c.reason);
    case "replace":
      return ref.replace(c.old, c.next, c.shares, c.price, c.tif);
    case "reset":
      ref.reset();
      return [];
  }
}

const show = (cmds: Command[], i: number) =>
  `command #${i} ${JSON.stringify(cmds[i])} (after ${i} commands)`;

// ---------------------------------------------------------------- invariants

/**
 * Share accounting rebuilt from the event stream alone, plus what it implies
 * about the book. Per order: shares in (accepted, or the liable shares of a
 * replacement) = resting + executed + canceled (U/T/I) + handed on by a replace.
 */
class Ledger {
  /** Remaining shares per order id, from events. */
  rem = new Map<number, number>();
  /** Shares of the creating message per order id, from commands. */
  created = new Map<number, number>();
  /** Index of the command that last put the order at the back of a queue. */
  arrival = new Map<number, number>();
  totalIn = 0;
  totalExecuted = 0;
  totalCanceled = 0;
  totalHandedOn = 0;

  reset(): void {
    this.rem.clear();
    this.created.clear();
    this.arrival.clear();
    this.totalIn =
      this.totalExecuted =
      this.totalCanceled =
      this.totalHandedOn =
        0;
  }

  apply(cmd: Command, events: EngineEvent[], index: number): void {
    for (const e of events) {
      switch (e.type) {
        case "accepted":
          assert.equal(cmd.kind, "enter");
          this.rem.set(e.order, e.shares);
          this.created.set(e.order, e.shares);
          this.arrival.set(e.order, index);
          this.totalIn += e.shares;
          break;
        case "executed": {
          assert.ok(e.shares > 0, "a fill has shares");
          for (const id of [e.order, e.resting]) {
            const r = this.rem.get(id)! - e.shares;
            assert.ok(r >= 0, `order ${id} overfilled`);
            this.rem.set(id, r);
          }
          this.totalExecuted += e.shares;
          break;
        }
        case "canceled": {
          const r = this.rem.get(e.order)! - e.decrement;
          assert.ok(r >= 0, `order ${e.order} over-canceled`);
          if (e.reason !== "U" && e.reason !== "T") {
            assert.equal(r, 0, "an IOC remainder is all that is left");
          }
          this.rem.set(e.order, r);
          this.totalCanceled += e.decrement;
          break;
        }
        case "replaced": {
          assert.equal(cmd.kind, "replace");
          if (cmd.kind !== "replace") break;
          const r = this.rem.get(e.previous)!;
          // liable = remaining + new total − shares of the creating message
          assert.equal(
            e.shares,
            r + cmd.shares - this.created.get(e.previous)!,
          );
          this.rem.set(e.previous, 0);
          this.totalHandedOn += r;
          this.rem.set(e.order, e.shares);
          this.created.set(e.order, cmd.shares);
          this.arrival.set(e.order, index);
          this.totalIn += e.shares;
          break;
        }
      }
    }
  }

  check(book: BookSnapshot, restingOrders: number): void {
    // every order with shares left is in the book with exactly those shares,
    // and nothing else is
    const inBook = new Map<number, number>();
    let resting = 0;
    for (const side of [book.bids, book.asks]) {
      for (const level of side) {
        let volume = 0;
        let lastArrival = -1;
        assert.ok(level.orders.length > 0, `empty level ${level.price} shown`);
        for (const o of level.orders) {
          assert.ok(!inBook.has(o.order), `order ${o.order} twice in the book`);
          assert.ok(o.shares > 0, `order ${o.order} rests with 0 shares`);
          inBook.set(o.order, o.shares);
          volume += o.shares;
          // FIFO: arrival order within a level (a reduce keeps its place,
          // a replacement arrives when it is created)
          const a = this.arrival.get(o.order)!;
          assert.ok(
            a > lastArrival,
            `level ${level.price} is not in arrival order`,
          );
          lastArrival = a;
        }
        assert.equal(level.volume, volume, `volume of level ${level.price}`);
        resting += volume;
      }
    }
    assert.equal(inBook.size, restingOrders, "restingOrders");
    for (const [id, r] of this.rem) {
      assert.equal(inBook.get(id) ?? 0, r, `shares of order ${id}`);
    }
    for (const id of inBook.keys()) {
      assert.ok(this.rem.has(id), `unknown order ${id} rests`);
    }
    assert.equal(
      this.totalIn,
      resting + 2 * this.totalExecuted + this.totalCanceled +
        this.totalHandedOn,
      "shares are conserved",
    );
  }
}

function checkNotCrossed(book: BookSnapshot): void {
  for (
    const [side, better] of [[book.bids, (a: number, b: number) => a > b], [
      book.asks,
      (a: number, b: number) => a < b,
    ]] as const
  ) {
    for (let i = 1; i < side.length; i++) {
      assert.ok(
        better(side[i - 1].price, side[i].price),
        "levels sorted best first",
      );
    }
  }
  if (book.bids.length > 0 && book.asks.length > 0) {
    assert.ok(
      book.bids[0].price < book.asks[0].price,
      `crossed book: ${book.bids[0].price} >= ${book.asks[0].price}`,
    );
  }
}

// ---------------------------------------------------------------- properties

const module = await engineModule();

Deno.test("BookCore and the reference book emit identical events and books; invariants hold", () => {
  const core = BookCore.fromModule(module, {
    initialOrders: 64,
    initialEvents: 32,
  });
  const ref = new ReferenceBook();
  const ledger = new Ledger();
  let commandsRun = 0, fills = 0, rests = 0;
  fc.assert(
    fc.property(commandsArb(true), (abstract) => {
      core.reset();
      ref.reset();
      ledger.reset();
      const cmds = resolve(abstract);
      let lastBbo = { ...EMPTY_BBO };
      for (let i = 0; i < cmds.length; i++) {
        const c = cmds[i];
        const got = apply(core, c);
        const want = applyRef(ref, c);
        assert.deepStrictEqual(got, want, show(cmds, i));
        if (c.kind === "reset") {
          ledger.reset();
          lastBbo = { ...EMPTY_BBO };
        }
        ledger.apply(c, got, i);
        const book = core.snapshot();
        assert.deepStrictEqual(
          book,
          ref.snapshot(),
          `book after ${show(cmds, i)}`,
        );
        checkNotCrossed(book);
        ledger.check(book, core.restingOrders);
        // a bbo event is emitted iff the tuple changed, it is the tuple, and
        // it comes last
        lastBbo = checkBboReport(got, book, lastBbo, show(cmds, i));
        assert.ok(!got.slice(0, -1).some((e) => e.type === "bbo"), "bbo event not last");
        fills += got.filter((e) => e.type === "executed").length;
        rests += book.bids.length + book.asks.length > 0 ? 1 : 0;
      }
      commandsRun += cmds.length;
    }),
    { numRuns: RUNS },
  );
  // the generator really produces a busy book
  assert.ok(
    fills > commandsRun / 10,
    `only ${fills} fills in ${commandsRun} commands`,
  );
  assert.ok(rests > commandsRun / 2);
});

Deno.test("the batch path (set* + run) gives the same events as per-command calls", () => {
  const single = BookCore.fromModule(module, {
    initialOrders: 64,
    initialEvents: 32,
  });
  const batch = BookCore.fromModule(module, {
    initialOrders: 64,
    initialEvents: 32,
  });
  fc.assert(
    fc.property(
      commandsArb(false),
      fc.array(fc.integer({ min: 1, max: MAX_COMMANDS }), {
        minLength: 1,
        maxLength: 5,
      }),
      (abstract, chunks) => {
        single.reset();
        batch.reset();
        const cmds = resolve(abstract);
        let at = 0, chunk = 0;
        while (at < cmds.length) {
          const n = Math.min(chunks[chunk++ % chunks.length], cmds.length - at);
          const expected: EngineEvent[] = [];
          for (let i = 0; i < n; i++) {
            const c = cmds[at + i];
            expected.push(...apply(single, c));
            switch (c.kind) {
              case "enter":
                batch.setEnter(i, c.id, c.side, c.price, c.shares, c.tif);
                break;
              case "cancel":
                batch.setCancel(i, c.id, c.remaining, c.reason);
                break;
              case "replace":
                batch.setReplace(i, c.old, c.next, c.shares, c.price, c.tif);
                break;
              case "reset":
                throw new Error("reset is not a batch command");
            }
          }
          const got = batch.readEvents(batch.run(n));
          assert.deepStrictEqual(
            got,
            expected,
            `batch of commands ${at}..${at + n - 1}`,
          );
          at += n;
        }
        assert.deepStrictEqual(batch.snapshot(), single.snapshot());
        assert.equal(batch.restingOrders, single.restingOrders);
      },
    ),
    { numRuns: RUNS },
  );
});
