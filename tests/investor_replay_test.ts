/**
 * Replaying an upstream investor-arrivals CSV on the CDA gives the exact
 * execution sequence (shared references `leeps-hft-app.md` §3.7, §6.1, §6.3
 * and `leeps-exchange.md` §5–§6).
 *
 * Every row of each shipped file becomes one Enter from the investor: firm
 * `INVE`, token `INVE{B|S}0001{count:05d}` with one count across both sides
 * in schedule order, 1 share, the gridded price and the CSV time in force.
 *
 * Timing decisions:
 * - Upstream's investor delay of 0.01 s is applied: a row at `arrival_time`
 *   s reaches the exchange at `arrival_time × 1000 + 10` ms. The delay is the
 *   same for every row, so it shifts the schedule without reordering it.
 * - An order processed at t with TIF s lives on [t, t + 1000·s): at equal
 *   times the expiries due go first, then the arrival. This is the exchange's
 *   own rule (`receive` runs everything due at `now` before the request; the
 *   driver below only makes it explicit) and the rule of upstream's naive
 *   replay in `createExternalFeedFromExternalInvestors.py` (§6.5: orders
 *   with `arrival + tif ≤ now` expire before the arrival is processed). It is
 *   not academic: in `investors_trial.csv` (TIF 20/40, whole-second times)
 *   183 rows arrive exactly when another order's TIF ends, and the fill at
 *   59.01 s changes with the rule (asserted below).
 * - Expiries due at the same time run in the order their orders were
 *   processed (the exchange's timer queue keeps insertion order at ties).
 *
 * The expected sequence comes from {@link replayIndependently}: a naive
 * unit-order book written for this test, sharing nothing with the engine but
 * the parsed schedule. The exchange side is observed only through its OUCH
 * replies and the final book snapshot.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../exchange/clock.ts";
import { TIF_NO_EXPIRY } from "../exchange/exchange.ts";
import { InProcessExchange } from "../exchange/in_process_exchange.ts";
import { enterOrder } from "../exchange/order_messages.ts";
import { parseInvestorArrivals } from "../market/exogenous/mod.ts";

/** Upstream's investor delay (`leeps-hft-app.md` §3.7), applied to every row. */
const INVESTOR_DELAY_MS = 10;

/** One investor order as the exchange receives it. */
interface InvestorOrder {
  /** Exchange time the Enter is processed (ms). */
  atMs: number;
  token: string;
  side: "B" | "S";
  price: number;
  timeInForce: number;
}

interface Fill {
  atMs: number;
  aggressor: string;
  resting: string;
  price: number;
}

interface Expiry {
  token: string;
  atMs: number;
}

/** Resting orders as `token@price`, each side best first, in queue order. */
interface BookView {
  bids: string[];
  asks: string[];
}

interface Replay {
  fills: Fill[];
  expiries: Expiry[];
  /** The book right after the last row was processed (its trailing expiries not yet run). */
  bookAfterLastRow: BookView;
  /** The book after every remaining expiry has run. */
  bookAtEnd: BookView;
}

function readData(name: string): string {
  return Deno.readTextFileSync(new URL(`./data/${name}`, import.meta.url));
}

function investorOrders(file: string): InvestorOrder[] {
  // parseInvestorArrivals sorts by time, keeping file order among equal times
  return parseInvestorArrivals(readData(file), file).map((a, i) => {
    assert.equal(a.market, 1, `${file}: every shipped row is for market 1`);
    return {
      atMs: a.atMs + INVESTOR_DELAY_MS,
      token: `INVE${a.side}0001${String(i + 1).padStart(5, "0")}`,
      side: a.side,
      price: a.price,
      timeInForce: a.timeInForce,
    };
  });
}

// ------------------------------------------------------ independent replay

interface NaiveOrder {
  token: string;
  side: "B" | "S";
  price: number;
  /** Processing order: time priority within a price. */
  seq: number;
  expiresAt: number;
}

/**
 * Unit orders only, so the book is just a list of resting orders. An arrival
 * first lets every order with `expiresAt ≤ now` expire, then takes the best
 * crossing order on the other side (best price for the aggressor, then the
 * earliest), trading at that resting order's price; if none crosses it rests
 * (IOC excepted). A filled order has left the list, so its expiry is a no-op.
 */
function replayIndependently(orders: readonly InvestorOrder[]): Replay {
  let book: NaiveOrder[] = [];
  const fills: Fill[] = [];
  const expiries: Expiry[] = [];
  const expireUpTo = (now: number) => {
    const due = book.filter((o) => o.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.seq - b.seq);
    for (const o of due) expiries.push({ token: o.token, atMs: o.expiresAt });
    book = book.filter((o) => o.expiresAt > now);
  };
  orders.forEach((o, seq) => {
    expireUpTo(o.atMs);
    const crossing = book.filter((r) =>
      r.side !== o.side && (o.side === "B" ? r.price <= o.price : r.price >= o.price)
    );
    let best: NaiveOrder | undefined;
    for (const r of crossing) {
      const better = best === undefined ||
        (o.side === "B" ? r.price < best.price : r.price > best.price) ||
        (r.price === best.price && r.seq < best.seq);
      if (better) best = r;
    }
    if (best !== undefined) {
      book = book.filter((r) => r !== best);
      fills.push({ atMs: o.atMs, aggressor: o.token, resting: best.token, price: best.price });
    } else if (o.timeInForce > 0) {
      const expiresAt = o.timeInForce >= TIF_NO_EXPIRY ? Infinity : o.atMs + o.timeInForce * 1000;
      book.push({ token: o.token, side: o.side, price: o.price, seq, expiresAt });
    }
  });
  const view = (): BookView => {
    const show = (side: "B" | "S") =>
      book.filter((r) => r.side === side)
        .sort((a, b) => (side === "B" ? b.price - a.price : a.price - b.price) || a.seq - b.seq)
        .map((r) => `${r.token}@${r.price}`);
    return { bids: show("B"), asks: show("S") };
  };
  const bookAfterLastRow = view();
  expireUpTo(Number.MAX_VALUE);
  return { fills, expiries, bookAfterLastRow, bookAtEnd: view() };
}

// ------------------------------------------------------ the real exchange

/** Virtual timestamps are nanoseconds with 0 ms at midnight. */
function msOf(timestamp: bigint): number {
  return Number(timestamp / 1_000_000n);
}

async function replayOnExchange(orders: readonly InvestorOrder[]): Promise<Replay> {
  const clock = new VirtualClock(0);
  const host = await InProcessExchange.create({ format: "cda", clock, startMs: 0 });
  const venue = host.connect();
  const fills: Fill[] = [];
  const expiries: Expiry[] = [];
  const unexpected: string[] = [];
  let lastAccepted = "";
  let halfFill: { token: string; match: bigint; price: number; atMs: number } | null = null;

  const unsubscribe = venue.subscribe((e) => {
    switch (e.type) {
      case "A":
        lastAccepted = e.orderToken;
        return;
      case "E": {
        if (e.executedShares !== 1) unexpected.push(`E ${e.orderToken} ${e.executedShares} shares`);
        const half = { token: e.orderToken, match: e.matchNumber, price: e.executionPrice };
        if (halfFill === null) {
          halfFill = { ...half, atMs: msOf(e.timestamp) };
          return;
        }
        const first = halfFill;
        halfFill = null;
        if (first.match !== half.match || first.price !== half.price) {
          unexpected.push(`E pair ${first.token} / ${half.token} disagree`);
        }
        // The aggressor is the order whose Enter was just accepted; the
        // other side of the match was resting.
        const tokens = [first.token, half.token];
        const aggressor = tokens.filter((t) => t === lastAccepted);
        if (aggressor.length !== 1) {
          unexpected.push(`E pair ${tokens.join(" / ")} after A ${lastAccepted}`);
        }
        fills.push({
          atMs: first.atMs,
          aggressor: lastAccepted.trimEnd(),
          resting: tokens.find((t) => t !== lastAccepted)!.trimEnd(),
          price: first.price,
        });
        return;
      }
      case "C":
        if (e.reason === "T" && e.decrementShares === 1) {
          expiries.push({ token: e.orderToken.trimEnd(), atMs: msOf(e.timestamp) });
        } else {
          unexpected.push(`C ${e.orderToken} -${e.decrementShares} (${e.reason})`);
        }
        return;
      case "Q":
        return;
      default:
        unexpected.push(`unexpected ${e.type} event`);
    }
  });

  // Runs every TIF expiry due at or before `t`, each at its own time.
  const runDueUpTo = (t: number) => {
    for (;;) {
      const due = host.exchange.nextDeadline();
      if (!(due <= t) || due === Infinity) return;
      assert.ok(due >= clock.ms, `deadline ${due} ms is before the clock (${clock.ms} ms)`);
      clock.ms = due;
      host.advance();
    }
  };

  for (const o of orders) {
    runDueUpTo(o.atMs); // expiries due at the arrival's time go first
    assert.ok(o.atMs >= clock.ms, `row ${o.token} at ${o.atMs} ms is out of order`);
    clock.ms = o.atMs;
    venue.send(enterOrder({
      token: o.token,
      side: o.side,
      shares: 1,
      price: o.price,
      timeInForce: o.timeInForce,
      firm: "INVE",
    }));
  }
  const view = (): BookView => {
    const snap = host.exchange.book.snapshot();
    const show = (levels: typeof snap.bids) =>
      levels.flatMap((l) =>
        l.orders.map((r) => {
          const shares = r.shares === 1 ? "" : `x${r.shares}`;
          return `${host.exchange.tokenOf(r.order)?.trimEnd()}@${l.price}${shares}`;
        })
      );
    return { bids: show(snap.bids), asks: show(snap.asks) };
  };
  const bookAfterLastRow = view();
  runDueUpTo(Infinity);
  const bookAtEnd = view();
  unsubscribe();
  await venue.close();
  host.close();

  assert.equal(halfFill, null, "an E message without its pair");
  assert.deepEqual(unexpected, [], "the exchange sent messages a unit-order replay cannot produce");
  return { fills, expiries, bookAfterLastRow, bookAtEnd };
}

// ------------------------------------------------------ comparison

const showFill = (f: Fill | undefined) =>
  f === undefined ? "(none)" : `${f.atMs} ms ${f.aggressor} x ${f.resting} @ ${f.price}`;
const showExpiry = (x: Expiry | undefined) =>
  x === undefined ? "(none)" : `${x.token} at ${x.atMs} ms`;

/** deepEqual whose failure message names the first differing element. */
function assertSameSequence<T>(
  what: string,
  actual: readonly T[],
  expected: readonly T[],
  show: (x: T | undefined) => string,
): void {
  let i = 0;
  while (
    i < actual.length && i < expected.length &&
    JSON.stringify(actual[i]) === JSON.stringify(expected[i])
  ) i++;
  assert.deepEqual(
    actual,
    expected,
    `${what}: first difference at #${i} (0-based): exchange ${show(actual[i])}, ` +
      `independent replay ${show(expected[i])}; lengths ${actual.length} vs ${expected.length}`,
  );
}

function assertSameReplay(file: string, actual: Replay, expected: Replay): void {
  assertSameSequence(`${file} fills`, actual.fills, expected.fills, showFill);
  assertSameSequence(`${file} expiry cancels`, actual.expiries, expected.expiries, showExpiry);
  assert.deepEqual(
    actual.bookAfterLastRow,
    expected.bookAfterLastRow,
    `${file}: resting book after the last row`,
  );
  assert.deepEqual(actual.bookAtEnd, expected.bookAtEnd, `${file}: book after the last expiry`);
}

// ------------------------------------------------------ tests

/**
 * Fill counts per file. Also computed by a throwaway Python replay while
 * writing this test, so a wrong parse or a wrong naive book cannot make both
 * sides agree on a wrong number.
 */
const FILES: { file: string; rows: number; fills: number }[] = [
  { file: "investor_focal_T1_May2021.csv", rows: 363, fills: 78 },
  { file: "thick_investors.csv", rows: 465, fills: 146 },
  { file: "investors_trial.csv", rows: 229, fills: 78 },
];

const replays = new Map<string, Promise<{ exchange: Replay; expected: Replay }>>();

function replayFile(file: string): Promise<{ exchange: Replay; expected: Replay }> {
  let r = replays.get(file);
  if (r === undefined) {
    const orders = investorOrders(file);
    r = replayOnExchange(orders).then((exchange) => ({
      exchange,
      expected: replayIndependently(orders),
    }));
    replays.set(file, r);
  }
  return r;
}

for (const { file, rows, fills } of FILES) {
  Deno.test(`investor replay: ${file} executes exactly as an independent CDA replay`, async () => {
    const { exchange, expected } = await replayFile(file);
    assertSameReplay(file, exchange, expected);
    assert.equal(exchange.fills.length, fills, `${file}: fill count`);
    // All TIFs are finite and positive, so every unit order trades or expires.
    assert.equal(
      2 * exchange.fills.length + exchange.expiries.length,
      rows,
      `${file}: every order either trades once or expires once`,
    );
    assert.deepEqual(exchange.bookAtEnd, { bids: [], asks: [] }, `${file}: book empty at the end`);
  });
}

Deno.test("investor replay: focal T1 facts checked by hand", async () => {
  const { exchange } = await replayFile("investor_focal_T1_May2021.csv");
  // Rows 1–7 (s): 1.495 S 104, 1.518 S 100, 2.157 S 104, 2.861 S 103,
  // 3.833 B 96 (no ask ≤ 96: rests), 4.208 S 99 (bid 96 < 99: rests),
  // 4.565 S 96 meets the resting B 96: the first trade, at 96, +10 ms delay.
  assert.deepEqual(exchange.fills[0], {
    atMs: 4575,
    aggressor: "INVES000100007",
    resting: "INVEB000100005",
    price: 960000,
  });
  // Next cross: 9.059 B 95 faces asks 99, 103, 105, 95 (6.504), 90 (7.45),
  // 93 (8.131); rows 1–4 expired at 6.505–7.871 s. Best is row 13 at 90.
  assert.deepEqual(exchange.fills[1], {
    atMs: 9069,
    aggressor: "INVEB000100015",
    resting: "INVES000100013",
    price: 900000,
  });
  // The first expiry is row 1 (1.505 s + 5 s); row 5 filled before its
  // expiry at 8.843 s, so that expiry is a no-op and no C appears for it.
  assert.deepEqual(exchange.expiries[0], { token: "INVES000100001", atMs: 6505 });
  assert.ok(!exchange.expiries.some((x) => x.token === "INVEB000100005"));
  assert.equal(exchange.expiries.length, 363 - 2 * 78);
  assert.deepEqual(exchange.bookAfterLastRow, {
    bids: ["INVEB000100363@800000", "INVEB000100362@790000", "INVEB000100353@760000"],
    asks: ["INVES000100357@870000"],
  });
});

Deno.test("investor replay: trial file, an arrival at an expiry's time sees it gone", async () => {
  const { exchange } = await replayFile("investors_trial.csv");
  // Row 31 (19 s, S 1002617 → 100 ECU, TIF 40) expires at 59.01 s exactly
  // when row 48 (59 s, B 1018374 → 102 ECU) arrives. Expiry first, so row 48
  // buys from row 38 (29 s, S 1012711 → 101 ECU) instead of row 31 at 100.
  const at59 = exchange.fills.filter((f) => f.atMs === 59010);
  assert.deepEqual(at59, [{
    atMs: 59010,
    aggressor: "INVEB000100048",
    resting: "INVES000100038",
    price: 1010000,
  }]);
  assert.ok(exchange.expiries.some((x) => x.token === "INVES000100031" && x.atMs === 59010));
});
