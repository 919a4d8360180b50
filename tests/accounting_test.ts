/**
 * Accounting and market statistics: `market/trader_account.ts` and
 * `market/market_statistics.ts` against the quiz anchors and equations of the
 * shared reference (`leeps-hft-app.md` §5, §7, §8.1–8.2) and validation facts
 * F10 and F12 (`models-and-validation.md`).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { priceGrid, roundHalfEven } from "../market/price_grid.ts";
import {
  type ExecutionInput,
  pythonRound,
  ReferencePrice,
  SignedVolume,
} from "../market/market_statistics.ts";
import {
  resultsPage,
  type RoundResult,
  speedCharge,
  TraderAccount,
} from "../market/trader_account.ts";

const RUNS = 300;
const ECU = 10_000;

/** An account whose market opened at 0. */
function trading(initialCash = 0, speedUnitCost = 0): TraderAccount {
  const account = new TraderAccount({ initialCash, speedUnitCost });
  account.marketOpen(0);
  return account;
}

// ------------------------------------------------------------ quiz anchors

Deno.test("quiz speed.three_min: 180 s at 0.01 ECU/s costs 1.8 ECU = 18,000", () => {
  const account = new TraderAccount({ initialCash: 0, speedUnitCost: 0.01 * ECU });
  account.marketOpen(0);
  account.setSpeed(true, 0);
  account.marketClose(180_000);
  assert.equal(account.speedSeconds(180_000), 180);
  assert.equal(account.speedCost(180_000), 18_000);
  const result = account.settle({ referencePrice: 0, deductionRate: 0.1, atMs: 180_000 });
  assert.equal(result.speedCost, 18_000);
  assert.equal(result.payoff, -18_000);
});

Deno.test("quiz inventory.end_trading_pos: PBD 100, inventory +10, ref 100, 10% → payoff 0", () => {
  // 100 ECU of cash buys 10 shares at 100 ECU: cash −900 ECU, inventory worth 1,000 ECU
  const account = trading(100 * ECU);
  for (let i = 0; i < 10; i++) account.fill("B", 100 * ECU, 1_000 + i);
  account.marketClose(2_000);
  const result = account.settle({ referencePrice: 100 * ECU, deductionRate: 0.1, atMs: 2_000 });
  assert.equal(result.cash, -900 * ECU);
  assert.equal(result.inventory, 10);
  assert.equal(result.inventoryValue, 1_000 * ECU);
  assert.equal(result.payoffBeforeDeduction, 1_000_000);
  assert.equal(result.deduction, 1_000_000);
  assert.equal(result.payoff, 0);
  assert.equal(account.payoffBeforeDeduction(100 * ECU, 2_000), 1_000_000);
  assert.equal(account.netWorth(100 * ECU), 1_000_000);
  assert.deepEqual({ ...resultsPage(result) }, {
    cash: -9_000_000,
    inventoryValue: 10_000_000,
    speedCost: 0,
    payoffBeforeDeduction: 1_000_000,
    deduction: 1_000_000,
    payoff: 0,
  });
});

// ------------------------------------------------------------ per fill (§8.1)

Deno.test("fills move cash, inventory and the price sums; the result is frozen", () => {
  const account = trading(500 * ECU);
  account.fill("B", 101 * ECU, 10);
  account.fill("B", 99 * ECU, 20);
  account.fill("S", 103 * ECU, 30);
  assert.equal(account.cash, (500 - 101 - 99 + 103) * ECU);
  assert.equal(account.inventory, 1);
  assert.equal(account.sumBidPrice, 200 * ECU);
  assert.equal(account.sumAskPrice, 103 * ECU);
  assert.equal(account.totalBids, 2);
  assert.equal(account.totalAsks, 1);
  assert.equal(account.netWorth(102 * ECU), (403 + 102) * ECU);
  const result = account.settle({ referencePrice: 102 * ECU, deductionRate: 0.1, atMs: 40 });
  assert.equal(result.averageBuy, 100 * ECU);
  assert.equal(result.averageSale, 103 * ECU);
  assert.ok(Object.isFrozen(result));
  assert.throws(() => {
    (result as { payoff: number }).payoff = 1;
  }, TypeError);
});

Deno.test("averages are absent when nothing was bought or sold", () => {
  const account = trading(7);
  const result = account.settle({ referencePrice: 0, deductionRate: 0.1, atMs: 0 });
  assert.equal("averageBuy" in result, false);
  assert.equal("averageSale" in result, false);
  assert.equal(result.payoff, 7);
  assert.equal(resultsPage(result).payoff, 7);
});

// ------------------------------------------------------------ speed (§7)

Deno.test("speed is billed only while the market trades", () => {
  const account = new TraderAccount({ initialCash: 0, speedUnitCost: 100 });
  account.setSpeed(true, 0); // initial choice: on, at the wait page
  assert.equal(account.speedMs(4_999), 0);
  account.marketOpen(5_000);
  account.setSpeed(false, 8_000); // 3,000
  account.setSpeed(false, 9_000); // repeat: no-op
  account.setSpeed(true, 10_000);
  account.setSpeed(false, 10_500); // 500
  account.setSpeed(true, 50_000);
  assert.equal(account.speedMs(55_000), 3_000 + 500 + 5_000); // the running segment counts live
  account.marketClose(60_000); // 10,000
  account.setSpeed(false, 60_000);
  account.setSpeed(true, 61_000); // after the close: not billed
  assert.equal(account.speedMs(70_000), 13_500);
  assert.equal(account.speedSeconds(70_000), 13.5);
  assert.equal(account.speedCost(70_000), 1_350);
  assert.equal(
    account.settle({ referencePrice: 0, deductionRate: 0, atMs: 90_000 }).speedCost,
    1_350,
  );
});

Deno.test("speed switched on and off before the open costs nothing", () => {
  const account = new TraderAccount({ initialCash: 0, speedUnitCost: 100 });
  account.setSpeed(true, 0);
  account.setSpeed(false, 3_000);
  account.marketOpen(5_000);
  account.marketClose(10_000);
  assert.equal(account.speedCost(10_000), 0);
});

Deno.test("payoff subtracts every speed charge of the round, not just the last invoice", () => {
  const account = trading(100 * ECU, 0.01 * ECU);
  account.setSpeed(true, 0);
  account.setSpeed(false, 30_000); // upstream invoiced 0.3 ECU here and never subtracted it
  account.setSpeed(true, 60_000);
  account.marketClose(90_000); // and invoiced 0.3 ECU here
  const result = account.settle({ referencePrice: 0, deductionRate: 0.1, atMs: 90_000 });
  assert.equal(result.speedSeconds, 60);
  assert.equal(result.speedCost, 6_000);
  assert.equal(result.payoff, 100 * ECU - 6_000);
  assert.equal(result.payoffBeforeDeduction - result.deduction, result.payoff);
});

Deno.test("settling while speed is still on bills up to the settle time", () => {
  const account = trading(0, 100);
  account.setSpeed(true, 1_000);
  assert.equal(account.settle({ referencePrice: 0, deductionRate: 0, atMs: 3_000 }).speedMs, 2_000);
  assert.equal(account.payoffBeforeDeduction(0, 3_500), -250);
});

// ------------------------------------------------------------ rounding

Deno.test("rounding is half-to-even: speed charge, deduction, pythonRound", () => {
  // speed: exact ties of seconds × price
  assert.equal(speedCharge(2_500, 1), 2); // 2.5 → 2
  assert.equal(speedCharge(3_500, 1), 4); // 3.5 → 4
  assert.equal(speedCharge(500, 1), 0); // 0.5 → 0
  assert.equal(speedCharge(1_500, 1), 2); // 1.5 → 2
  assert.equal(speedCharge(4_100, 15), 62); // 61.5 → 62, though 4.1 × 15 = 61.4999… in float64
  assert.equal(speedCharge(2_180, 25), 54); // 54.5 → 54
  assert.equal(speedCharge(1_501, 1), 2);
  assert.equal(speedCharge(2_499, 1), 2);
  // deduction: |rate × ref × inventory|
  const deduction = (ref: number, sells: number, rate: number) => {
    const account = trading();
    for (let i = 0; i < sells; i++) account.fill("S", 1, i);
    return account.settle({ referencePrice: ref, deductionRate: rate, atMs: sells }).deduction;
  };
  assert.equal(deduction(5, 1, 0.5), 2); // |−2.5| → 2
  assert.equal(deduction(7, 1, 0.5), 4); // |−3.5| → 4
  assert.equal(deduction(9, 1, 0.5), 4); // |−4.5| → 4
  assert.equal(deduction(100 * ECU, 3, 0.1), 300_000);
  // Python's round(x, 2) on float64 (values checked with CPython 3)
  const cases: [number, number, number][] = [
    [0.125, 2, 0.12],
    [0.375, 2, 0.38],
    [0.625, 2, 0.62],
    [0.875, 2, 0.88],
    [-0.125, 2, -0.12],
    [2.675, 2, 2.67], // float64 2.675 is below the tie
    [1.005, 2, 1],
    [0.135, 2, 0.14], // float64 0.135 is above the tie
    [0.285, 2, 0.28],
    [1.115, 2, 1.11],
    [123456789.125, 2, 123456789.12],
    [2 ** 49 + 0.125, 2, 2 ** 49 + 0.125], // the even neighbour .12 reads back as .125
    [2.5, 0, 2],
    [3.5, 0, 4],
    [-2.5, 0, -2],
    [0.5 + 0.5 * Math.E ** -0.5, 2, 0.8],
  ];
  for (const [x, digits, expected] of cases) {
    assert.equal(pythonRound(x, digits), expected, `round(${x}, ${digits})`);
  }
  assert.ok(Object.is(pythonRound(-0.001, 2), 0)); // no −0
});

// ------------------------------------------------------------ bad input

Deno.test("bad input is rejected with a clear error and leaves no trace", () => {
  const account = trading(100 * ECU, 100);
  account.fill("B", 100 * ECU, 10);
  const snapshot = () => [account.cash, account.inventory, account.sumBidPrice, account.totalBids];
  const before = snapshot();
  assert.throws(() => account.fill("B", 100.5 * ECU + 0.5, 20), /price must be an integer/);
  assert.throws(() => account.fill("B", NaN, 20), /price must be an integer/);
  assert.throws(() => account.fill("B", -1, 20), /price must be an integer/);
  assert.throws(() => account.fill("X" as "B", 100, 20), /side must be/);
  assert.throws(() => account.fill("B", 100, NaN), /atMs must be an integer/);
  assert.throws(() => account.fill("B", 100, 1.5), /atMs must be an integer/);
  assert.throws(() => account.fill("B", 100, 5), /time went backwards/);
  assert.throws(() => account.fill("B", 100, 20, 0.5), /value must be an integer/);
  assert.deepEqual(snapshot(), before);
  assert.throws(() => account.setSpeed(true, 9), /time went backwards/);
  assert.throws(() => account.marketOpen(20), /open once/);
  assert.throws(() => account.speedCost(5), /time went backwards/);
  assert.throws(() => account.netWorth(1.5), /referencePrice must be an integer/);
  assert.throws(
    () => account.settle({ referencePrice: 100 * ECU, deductionRate: NaN, atMs: 20 }),
    /deductionRate/,
  );
  account.marketClose(30);
  assert.throws(() => account.marketClose(40), /not trading/);
  assert.throws(() => account.marketOpen(40), /open once/);
  assert.throws(() => account.fill("S", 100, 40), /while the market is closed/);
  const fresh = new TraderAccount({ initialCash: 0, speedUnitCost: 0 });
  assert.throws(() => fresh.fill("B", 100, 0), /while the market is before-open/);
  assert.throws(() => fresh.marketClose(0), /not trading/);
  assert.throws(
    () => new TraderAccount({ initialCash: 0.5, speedUnitCost: 0 }),
    /initialCash must be an integer/,
  );
  assert.throws(
    () => new TraderAccount({ initialCash: 0, speedUnitCost: -1 }),
    /speedUnitCost must be an integer ≥ 0/,
  );
  assert.throws(() => speedCharge(1.5, 1), /non-negative integers/);
});

// ------------------------------------------------------------ BCS (§2.2)

Deno.test("BCS: profit against V; period payoff = endowment + Σ profits − speed cost", () => {
  const maker = trading(20 * ECU, 0.01 * ECU);
  const sniper = trading(20 * ECU, 0.01 * ECU);
  sniper.setSpeed(true, 0);
  // V jumps 100 → 102; the sniper takes the maker's stale ask at 101
  maker.fill("S", 101 * ECU, 1_000, 102 * ECU);
  sniper.fill("B", 101 * ECU, 1_000, 102 * ECU);
  assert.equal(maker.profitAgainstValue, -1 * ECU);
  assert.equal(sniper.profitAgainstValue, 1 * ECU);
  // an investor sells at the maker's bid 101 while V is 102: the maker earns 1
  maker.fill("B", 101 * ECU, 2_000, 102 * ECU);
  assert.equal(maker.profitAgainstValue, 0);
  for (const a of [maker, sniper]) a.marketClose(10_000);
  const s = sniper.settleAgainstValue({ atMs: 10_000 });
  assert.deepEqual({ ...s }, {
    endowment: 20 * ECU,
    bought: 1,
    sold: 0,
    inventory: 1,
    profitAgainstValue: 1 * ECU,
    speedMs: 10_000,
    speedSeconds: 10,
    speedCost: 1_000,
    payoff: 20 * ECU + 1 * ECU - 1_000,
  });
  assert.equal(maker.settleAgainstValue({ atMs: 10_000 }).payoff, 20 * ECU);
  assert.equal(
    maker.settle({ referencePrice: 0, deductionRate: 0, atMs: 10_000 })
      .profitAgainstValue,
    0,
  );
  const noValue = trading();
  noValue.fill("B", 100, 1);
  assert.throws(() => noValue.settleAgainstValue({ atMs: 1 }), /carried no fundamental value/);
});

// ------------------------------------------------------------ properties

type Action =
  | { kind: "fill"; side: "B" | "S"; price: number; dt: number }
  | { kind: "speed"; on: boolean; dt: number };

const arbAction: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("fill" as const),
    side: fc.constantFrom("B" as const, "S" as const),
    price: fc.oneof(fc.integer({ min: 0, max: 300 }).map((e) => e * ECU), fc.nat(3_000_000)),
    dt: fc.nat(5_000),
  }),
  fc.record({ kind: fc.constant("speed" as const), on: fc.boolean(), dt: fc.nat(20_000) }),
);

Deno.test("property: the results-page equations agree with the settled payoff", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000 * ECU }),
      fc.integer({ min: 0, max: 500 }),
      fc.boolean(),
      fc.array(arbAction, { maxLength: 60 }),
      fc.integer({ min: 0, max: 300 * ECU }),
      fc.oneof(fc.constantFrom(0, 0.1, 0.25, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      fc.nat(30_000),
      (initialCash, unitCost, speedBeforeOpen, actions, ref, rate, tail) => {
        const account = new TraderAccount({ initialCash, speedUnitCost: unitCost });
        account.setSpeed(speedBeforeOpen, 0);
        let t = 1_000;
        account.marketOpen(t);
        for (const a of actions) {
          t += a.dt;
          if (a.kind === "fill") account.fill(a.side, a.price, t);
          else account.setSpeed(a.on, t);
        }
        account.marketClose(t += tail);
        const r: RoundResult = account.settle({
          referencePrice: ref,
          deductionRate: rate,
          atMs: t,
        });

        // the page, equation by equation, from what it displays
        // a count × an average is the sum up to float error, so it is read to whole units
        const sales = r.sold === 0 ? 0 : roundHalfEven(r.sold * r.averageSale!);
        const buys = r.bought === 0 ? 0 : roundHalfEven(r.bought * r.averageBuy!);
        const cash = r.initialCash + sales - buys;
        const inventoryValue = (r.bought - r.sold) * r.referencePrice + 0; // −1 × 0 is −0
        const speedCost = speedCharge(Math.round(r.speedSeconds * 1000), r.speedUnitCost);
        const pbd = cash + inventoryValue - speedCost;
        const deduction = roundHalfEven(Math.abs(inventoryValue) * r.deductionRate);
        assert.equal(cash, r.cash);
        assert.equal(inventoryValue, r.inventoryValue);
        assert.equal(speedCost, r.speedCost);
        assert.equal(pbd, r.payoffBeforeDeduction);
        assert.equal(deduction, r.deduction);
        assert.equal(pbd - deduction, r.payoff);
        assert.deepEqual({ ...resultsPage(r) }, {
          cash: r.cash,
          inventoryValue: r.inventoryValue,
          speedCost: r.speedCost,
          payoffBeforeDeduction: r.payoffBeforeDeduction,
          deduction: r.deduction,
          payoff: r.payoff,
        });
        // and the §8.2 formula, from the totals
        assert.equal(
          r.payoff,
          r.initialCash + r.sumAskPrice - r.sumBidPrice + r.inventoryValue - r.deduction -
            r.speedCost,
        );
        for (const x of Object.values(r)) assert.ok(Number.isFinite(x));
        for (
          const k of [
            "cash",
            "inventoryValue",
            "deduction",
            "speedCost",
            "payoffBeforeDeduction",
            "payoff",
          ] as const
        ) assert.ok(Number.isSafeInteger(r[k]), k);
      },
    ),
    { numRuns: RUNS },
  );
});

interface Trade {
  buyer: number;
  seller: number;
  price: number;
  value: number;
  dt: number;
}

Deno.test("property F10: inventories and cash changes sum to 0; profits vs V cancel per fill", () => {
  const arbCase = fc.integer({ min: 2, max: 6 }).chain((traders) =>
    fc.record({
      traders: fc.constant(traders),
      // index `traders` is the investor
      trades: fc.array(
        fc.record({
          buyer: fc.nat(traders),
          seller: fc.nat(traders),
          price: fc.integer({ min: 0, max: 3_000_000 }),
          value: fc.integer({ min: 0, max: 3_000_000 }),
          dt: fc.nat(2_000),
        }),
        { maxLength: 80 },
      ),
      endowments: fc.array(fc.integer({ min: 0, max: 1_000 * ECU }), {
        minLength: traders,
        maxLength: traders,
      }),
      speed: fc.array(fc.nat(10_000), { minLength: traders, maxLength: traders }),
      ref: fc.integer({ min: 0, max: 300 * ECU }),
      rate: fc.constantFrom(0, 0.1, 0.2),
    })
  );
  fc.assert(
    fc.property(arbCase, ({ traders, trades, endowments, speed, ref, rate }) => {
      const accounts = [
        ...endowments.map((cash) => new TraderAccount({ initialCash: cash, speedUnitCost: 100 })),
        new TraderAccount({ initialCash: 0, speedUnitCost: 0 }), // the investor
      ];
      for (const a of accounts) a.marketOpen(0);
      accounts.forEach((a, i) => i < traders && a.setSpeed(speed[i] % 2 === 0, 0));
      let t = 0;
      for (const { buyer, seller, price, value, dt } of trades as Trade[]) {
        t += dt;
        const before = accounts[buyer].profitAgainstValue +
          (buyer === seller ? 0 : accounts[seller].profitAgainstValue);
        accounts[buyer].fill("B", price, t, value);
        accounts[seller].fill("S", price, t, value);
        const after = accounts[buyer].profitAgainstValue +
          (buyer === seller ? 0 : accounts[seller].profitAgainstValue);
        assert.equal(after, before, "the two sides' profits against V sum to 0");
        assert.equal(accounts.reduce((s, a) => s + a.inventory, 0), 0);
        assert.equal(accounts.reduce((s, a) => s + a.cash - a.initialCash, 0), 0);
      }
      t += 1;
      for (const a of accounts) a.marketClose(t);
      const traderProfit = accounts.slice(0, traders).reduce((s, a) => s + a.profitAgainstValue, 0);
      assert.equal(traderProfit + accounts[traders].profitAgainstValue, 0);
      const results = accounts.map((a) =>
        a.settle({ referencePrice: ref, deductionRate: rate, atMs: t })
      );
      const sum = (f: (r: RoundResult) => number) => results.reduce((s, r) => s + f(r), 0);
      assert.equal(
        sum((r) => r.payoff),
        sum((r) => r.initialCash) - sum((r) => r.deduction) - sum((r) => r.speedCost),
      );
    }),
    { numRuns: RUNS },
  );
});

// ------------------------------------------------------------ statistics (§5, F12)

function fillAt(
  match: number | bigint,
  price: number,
  atMs: number,
  bestBid = 0,
  bestOffer = 2147483647,
): ExecutionInput {
  return { match, price, atMs, bestBid, bestOffer };
}

/** Δt at which e^(−0.5·Δt) = 1/2, so hand computations halve. */
const HALF_LIFE_MS = (Math.log(2) / 0.5) * 1000;

Deno.test("F12: with no fills both statistics stay 0, in both modes", () => {
  for (const mode of ["required", "upstream"] as const) {
    const sv = new SignedVolume({ kSignedVolume: 0.5, mode });
    const ref = new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: 180, mode });
    assert.equal(sv.value, 0);
    assert.equal(ref.value, 0);
    // fills neither at the bid nor at the offer do not move signed volume
    sv.onFill(fillAt(1, 100 * ECU, 10, 99 * ECU, 101 * ECU));
    assert.equal(sv.value, 0);
  }
});

Deno.test("F12 required: one fill is one update; buyer-initiated +1, seller-initiated −1", () => {
  const sv = new SignedVolume({ kSignedVolume: 0.5 });
  const bbo = { bestBid: 99 * ECU, bestOffer: 101 * ECU };
  // both E messages of match 7 arrive; only the first counts
  assert.equal(sv.onExecutionMessage({ match: 7n, price: 101 * ECU, atMs: 0, ...bbo }), true);
  assert.equal(sv.onExecutionMessage({ match: 7n, price: 101 * ECU, atMs: 0, ...bbo }), false);
  assert.equal(sv.value, 1);
  assert.equal(sv.onFill({ match: 7, price: 101 * ECU, atMs: 0, ...bbo }), false); // same key
  const down = new SignedVolume({ kSignedVolume: 0.5 });
  down.onFill({ match: 1, price: 99 * ECU, atMs: 5, ...bbo });
  assert.equal(down.value, -1);
  const ref = new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: 180 });
  ref.onExecutionMessage(fillAt(3, 101 * ECU, 0));
  ref.onExecutionMessage(fillAt(3, 97 * ECU, 0)); // a second message of match 3 is ignored
  assert.equal(ref.value, 101 * ECU);
});

Deno.test("required signed volume decays from the previous classified fill only", () => {
  const sv = new SignedVolume({ kSignedVolume: 0.5 });
  const bbo = { bestBid: 99 * ECU, bestOffer: 101 * ECU };
  sv.onFill({ match: 1, price: 101 * ECU, atMs: 0, ...bbo }); // 1
  sv.onFill({ match: 2, price: 100 * ECU, atMs: 600, ...bbo }); // unclassified: nothing at all
  sv.onFill({ match: 3, price: 101 * ECU, atMs: 1_000, ...bbo });
  assert.equal(sv.value, 1.61); // round(1 + e^−0.5, 2) = round(1.6065…, 2)
  sv.onFill({ match: 4, price: 99 * ECU, atMs: 2_000, ...bbo });
  assert.equal(sv.value, -0.02); // round(−1 + 1.61·e^−0.5, 2) = round(−0.0235…, 2)
});

Deno.test("D = round(k_reference_price × session_duration, 2)", () => {
  const d = (k: number, s: number) =>
    new ReferencePrice({ kReferencePrice: k, sessionDurationSeconds: s }).discountRate;
  assert.equal(d(0.7, 180), 126); // 0.7 × 180 = 125.99999999999999 in float64
  assert.equal(d(0.2, 180), 36); // 36.00000000000001
  assert.equal(d(0.5, 1), 0.5);
});

/** Σ p_i e^(−D(t_n − t_i)) / Σ e^(−D(t_n − t_i)). */
function closedForm(fills: { price: number; atMs: number }[], D: number): number {
  const tn = fills[fills.length - 1].atMs;
  let num = 0;
  let den = 0;
  for (const { price, atMs } of fills) {
    const w = Math.exp(-D * (tn - atMs) / 1000);
    num += price * w;
    den += w;
  }
  return num / den;
}

Deno.test("property F12: the required reference price is the gridded closed-form average", () => {
  const arbFills = fc.array(
    fc.record({
      price: fc.oneof(fc.integer({ min: 50, max: 150 }).map((e) => e * ECU), fc.nat(2_000_000)),
      dt: fc.oneof(
        fc.constant(0),
        fc.nat(50),
        fc.nat(5_000),
        fc.double({ min: 0, max: 3_000, noNaN: true }),
      ),
    }),
    { minLength: 1, maxLength: 40 },
  );
  const arbK = fc.constantFrom(0, 0.001, 0.01, 0.2, 0.7, 1.3);
  fc.assert(
    fc.property(arbFills, arbK, (steps, k) => {
      const ref = new ReferencePrice({ kReferencePrice: k, sessionDurationSeconds: 180 });
      const fills: { price: number; atMs: number }[] = [];
      let t = 0;
      steps.forEach(({ price, dt }, i) => {
        t += dt;
        fills.push({ price, atMs: t });
        ref.onFill({ match: i + 1, price, atMs: t });
        const exact = closedForm(fills, ref.discountRate);
        assert.ok(
          Math.abs(ref.unrounded - exact) <= 1e-9 * 2_000_000,
          `R ${ref.unrounded} ${exact}`,
        );
        // price_grid jumps where trunc(R) mod 10,000 reaches 5,000 or 5,001; at a
        // jump the last-bit difference between recursion and closed form decides
        const frac = exact - Math.floor(exact / ECU) * ECU;
        const nearJump = Math.abs(frac - 5_000) < 1e-6 || Math.abs(frac - 5_001) < 1e-6;
        if (!nearJump) assert.equal(ref.value, priceGrid(exact));
      });
    }),
    { numRuns: RUNS },
  );
});

Deno.test("required reference price: gridded output never feeds back", () => {
  const ref = new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: 180 });
  ref.onFill(fillAt(1, 102 * ECU, 0));
  ref.onFill(fillAt(2, 1_027_000, 1_000)); // 1 s later: weight of the old fill e^−126
  assert.equal(ref.value, 103 * ECU);
  assert.ok(Math.abs(ref.unrounded - 1_027_000) < 1e-6);
});

Deno.test("upstream signed volume, by hand: ±0.5 per E, clock restarted by every E", () => {
  // k = 0.5; HALF_LIFE_MS makes e^(−kΔt) = 1/2
  const sv = new SignedVolume({ kSignedVolume: 0.5, mode: "upstream" });
  const buy = (atMs: number) => fillAt(0, 101 * ECU, atMs, 99 * ECU, 101 * ECU);
  const sell = (atMs: number) => fillAt(0, 99 * ECU, atMs, 99 * ECU, 101 * ECU);
  const other = (atMs: number) => fillAt(0, 100 * ECU, atMs, 99 * ECU, 101 * ECU);
  const steps: [ExecutionInput, number][] = [
    [buy(0), 0.5], // first step Δt = 0: round(0.5 + 0, 2)
    [buy(0), 1], // the fill's second E: round(0.5 + 0.5·1, 2)
    [sell(HALF_LIFE_MS), 0], // round(−0.5 + 1·½, 2)
    [sell(HALF_LIFE_MS), -0.5], // round(−0.5 + 0·1, 2)
    [other(2_000), -0.5], // unclassified: no change, but the clock restarts at 2 s
    [buy(2_000 + HALF_LIFE_MS), 0.25], // round(0.5 − 0.5·½, 2): the 0.61 s before 2 s never decay
    [buy(3_000 + HALF_LIFE_MS), 0.65], // round(0.5 + 0.25·e^−0.5, 2) = round(0.6516…, 2)
  ];
  for (const [message, expected] of steps) {
    sv.onExecutionMessage(message);
    assert.equal(sv.value, expected, `at ${message.atMs} ms`);
  }
  // the same fills in required mode: one ±1 update per fill, decay from the last classified fill
  const req = new SignedVolume({ kSignedVolume: 0.5 });
  req.onFill({ ...buy(0), match: 1 });
  req.onFill({ ...sell(HALF_LIFE_MS), match: 2 });
  assert.equal(req.value, -0.5); // round(−1 + 1·½, 2)
  req.onFill({ ...other(2_000), match: 3 });
  req.onFill({ ...buy(2_000 + HALF_LIFE_MS), match: 4 });
  assert.equal(req.value, 0.82); // Δt = 2 s from the sell: round(1 − 0.5·e^−1, 2) = round(0.816…, 2)
});

Deno.test("upstream signed volume via onFill applies both E messages", () => {
  const a = new SignedVolume({ kSignedVolume: 0.5, mode: "upstream" });
  const b = new SignedVolume({ kSignedVolume: 0.5, mode: "upstream" });
  const fills = [
    fillAt(1, 101 * ECU, 0, 99 * ECU, 101 * ECU),
    fillAt(2, 99 * ECU, 700, 99 * ECU, 101 * ECU),
    fillAt(3, 100 * ECU, 900, 99 * ECU, 101 * ECU),
    fillAt(4, 99 * ECU, 2_500, 99 * ECU, 101 * ECU),
  ];
  for (const f of fills) {
    a.onFill(f);
    b.onExecutionMessage(f);
    b.onExecutionMessage(f);
    assert.equal(a.value, b.value);
  }
  // 0.5, 1; round(−0.5 + e^−0.35, 2) = 0.2, −0.3; no change at 0.9 s; −0.63, −1.13
  assert.equal(a.value, -1.13);
});

Deno.test("upstream reference price, by hand: D = 126, sparse fills (§5.2)", () => {
  // each fill is two E messages at one instant; fills 1 s apart carry e^−126 ≈ 0 of S
  const ref = new ReferencePrice({
    kReferencePrice: 0.7,
    sessionDurationSeconds: 180,
    mode: "upstream",
  });
  const steps: [number, number, number][] = [
    [0, 100 * ECU, 100 * ECU], // n = 1: ref = p, S = 0
    [0, 100 * ECU, 100 * ECU], // S = 1: ref = grid(p·0 + ref·1), unchanged
    [1_000, 102 * ECU, 100 * ECU], // S ≈ 1: ref barely moves
    [1_000, 102 * ECU, 101 * ECU], // S ≈ 2: grid(102·½ + 100·½) = 101
    [2_000, 103 * ECU, 101 * ECU],
    [2_000, 103 * ECU, 102 * ECU], // grid(103·½ + 101·½)
    [3_000, 1_027_000, 102 * ECU],
    [3_000, 1_027_000, 102 * ECU], // grid(102.7·½ + 102·½) = grid(102.35) = 102: stuck
    [4_000, 1_027_000, 102 * ECU],
    [4_000, 1_027_000, 102 * ECU], // the gridded value fed back keeps it at 102 forever
  ];
  steps.forEach(([atMs, price, expected], i) => {
    ref.onExecutionMessage({ match: Math.floor(i / 2) + 1, price, atMs });
    assert.equal(ref.value, expected, `message ${i + 1}`);
  });
  // required mode on the same fills: essentially the last price, gridded
  const req = new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: 180 });
  for (let i = 0; i < steps.length; i += 2) {
    req.onFill({ match: i, price: steps[i][1], atMs: steps[i][0] });
  }
  assert.equal(req.value, 103 * ECU); // grid(102.7)
});

Deno.test("upstream reference price, by hand: D = 0.5 with halving weights", () => {
  const make = (upstreamFirstWeight: 0 | 1) =>
    new ReferencePrice({
      kReferencePrice: 0.5,
      sessionDurationSeconds: 1,
      mode: "upstream",
      upstreamFirstWeight,
    });
  const messages = [
    { match: 1, price: 100 * ECU, atMs: 0 },
    { match: 1, price: 100 * ECU, atMs: 0 },
    { match: 2, price: 104 * ECU, atMs: HALF_LIFE_MS },
    { match: 2, price: 104 * ECU, atMs: HALF_LIFE_MS },
  ];
  // §5.2 as written: S = 0, 1, 1 + 1·½ = 1.5, 1 + 1.5 = 2.5
  //   ref: 100; grid(100) = 100; grid(104·⅓ + 100·⅔ = 101.33) = 101;
  //        grid(104·0.6 + 101·0.4 = 102.8) = 103
  const doc = make(0);
  const docValues = messages.map((m) => (doc.onExecutionMessage(m), doc.value));
  assert.deepEqual(docValues, [100, 100, 101, 103].map((e) => e * ECU));
  // hft/market_facts.py: the first message runs the recursion too, so S = 1, 2, 2, 3
  //   ref: grid(100) = 100; grid(100·½ + 100·½) = 100; grid(104·½ + 100·½) = 102;
  //        grid(104·⅔ + 102·⅓ = 103.33) = 103
  const code = make(1);
  const codeValues = messages.map((m) => (code.onExecutionMessage(m), code.value));
  assert.deepEqual(codeValues, [100, 100, 102, 103].map((e) => e * ECU));
  // an off-grid first price is published as is by §5.2 but gridded by the code
  const docOff = make(0);
  docOff.onExecutionMessage({ match: 1, price: 1_005_000, atMs: 0 });
  assert.equal(docOff.value, 1_005_000);
  docOff.onExecutionMessage({ match: 1, price: 1_005_000, atMs: 0 });
  assert.equal(docOff.value, 100 * ECU); // grid(100.5) = 100, half-to-even
  const codeOff = make(1);
  codeOff.onExecutionMessage({ match: 1, price: 1_005_000, atMs: 0 });
  assert.equal(codeOff.value, 100 * ECU);
  // onFill in upstream mode is the fill's two E messages
  const viaFill = make(0);
  viaFill.onFill(messages[0]);
  viaFill.onFill(messages[2]);
  assert.equal(viaFill.value, 103 * ECU);
});

Deno.test("statistics reject bad input and keep their state", () => {
  const sv = new SignedVolume({ kSignedVolume: 0.5 });
  sv.onFill(fillAt(1, 101 * ECU, 1_000, 99 * ECU, 101 * ECU));
  assert.throws(() => sv.onFill(fillAt(2, 101 * ECU, 999, 99 * ECU, 101 * ECU)), /backwards/);
  assert.throws(() => sv.onFill(fillAt(2, 100.5, 2_000)), /price must be an integer/);
  assert.throws(() => sv.onFill(fillAt(2, NaN, 2_000)), /price must be an integer/);
  assert.throws(() => sv.onFill(fillAt(2, 100, NaN)), /atMs must be a finite number/);
  assert.throws(() => sv.onFill(fillAt(-1, 100, 2_000)), /match must be/);
  // the rejected messages left neither a value nor a clock behind
  sv.onFill(fillAt(2, 101 * ECU, 1_000, 99 * ECU, 101 * ECU));
  assert.equal(sv.value, 2);
  assert.throws(
    () => new SignedVolume({ kSignedVolume: 0.5, mode: "other" as "required" }),
    /mode must be/,
  );
  assert.throws(() => new SignedVolume({ kSignedVolume: NaN }), /kSignedVolume/);
  const ref = new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: 180 });
  assert.throws(() => ref.onFill({ match: 1, price: 1.5, atMs: 0 }), /price must be an integer/);
  assert.equal(ref.value, 0);
  assert.throws(
    () => new ReferencePrice({ kReferencePrice: 0.7, sessionDurationSeconds: -1 }),
    /sessionDurationSeconds/,
  );
});
