/**
 * Exogenous inputs: the shipped upstream schedules (copied into tests/data so
 * a clean clone needs nothing else), the error contract for bad files, and the
 * F1 distribution facts (`models-and-validation.md` §5) for the generators.
 *
 * Every statistical test runs on fixed seeds, so it either always passes or
 * always fails; the tolerances are still derived from the sample size (±4
 * standard errors, or a KS / chi-square critical value at p = 0.001), so a
 * pass means the draws are consistent with the distribution, not tuned to it.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_ASK, priceGrid } from "../market/price_grid.ts";
import { mulberry32, type Rng } from "../market/seeded_rng.ts";
import { exponential, logFactorial, normal, poisson, shuffle } from "../market/random_draws.ts";
import {
  ExogenousFileError,
  type ExternalFeedRow,
  generateBcsInvestorArrivals,
  generateEloInvestorArrivals,
  generateInvestorArrivals,
  generateValueJumps,
  type InvestorArrival,
  parseExternalFeed,
  parseInvestorArrivals,
  parseValueJumps,
  valueInForceAt,
  type ValueJump,
} from "../market/exogenous/mod.ts";

// ---------------------------------------------------------------- helpers

function readData(name: string): string {
  return Deno.readTextFileSync(new URL(`./data/${name}`, import.meta.url));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sampleVariance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}

/** |observed − expected| ≤ 4 s.e., with the numbers in the failure message. */
function assertWithin(observed: number, expected: number, se: number, what: string): void {
  assert.ok(
    Math.abs(observed - expected) <= 4 * se,
    `${what}: ${observed} vs ${expected} (4 s.e. = ${4 * se})`,
  );
}

/** Kolmogorov–Smirnov D against a continuous CDF; ties (integer ms data) handled. */
function ksStatistic(samples: readonly number[], cdf: (x: number) => number): number {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && s[j] === s[i]) j++;
    const f = cdf(s[i]);
    d = Math.max(d, Math.abs(i / n - f), Math.abs(j / n - f));
    i = j;
  }
  return d;
}

/** The asymptotic KS critical value at p = 0.001: sqrt(−ln(α/2) / 2) / sqrt(n). */
function ksCritical(n: number): number {
  return Math.sqrt(-0.5 * Math.log(0.001 / 2)) / Math.sqrt(n);
}

/** Chi-square upper 0.001 point (Wilson–Hilferty; slightly conservative for small df). */
function chiSquareCritical(df: number): number {
  const z = 3.090232; // upper 0.001 normal quantile
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Φ via Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below any KS tolerance here). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 +
    t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Pearson chi-square of samples against a pmf on 0..∞, bins merged to expected ≥ 5. */
function chiSquareAgainst(
  samples: readonly number[],
  pmf: (k: number) => number,
  maxK: number,
): { stat: number; df: number } {
  const n = samples.length;
  const observed = new Array<number>(maxK + 1).fill(0);
  for (const x of samples) observed[Math.min(x, maxK)]++;
  const expected: number[] = [];
  let cdf = 0;
  for (let k = 0; k < maxK; k++) {
    expected.push(n * pmf(k));
    cdf += pmf(k);
  }
  expected.push(n * Math.max(0, 1 - cdf)); // the tail k ≥ maxK
  const bins: { o: number; e: number }[] = [];
  let o = 0;
  let e = 0;
  for (let k = 0; k <= maxK; k++) {
    o += observed[k];
    e += expected[k];
    if (e >= 5) {
      bins.push({ o, e });
      o = 0;
      e = 0;
    }
  }
  if (bins.length === 0) throw new Error("too few samples to bin");
  bins[bins.length - 1].o += o;
  bins[bins.length - 1].e += e;
  const stat = bins.reduce((s, b) => s + (b.o - b.e) ** 2 / b.e, 0);
  return { stat, df: bins.length - 1 };
}

/** ln k! by plain summation: independent of the library's Stirling series. */
function logFactorialBySum(k: number): number {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
}

function poissonPmf(mu: number): (k: number) => number {
  return (k) => Math.exp(-mu + k * Math.log(mu) - logFactorialBySum(k));
}

function gaps(times: readonly number[]): number[] {
  return times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]));
}

function assertSortedInWindow(times: readonly number[], durationMs: number, what: string): void {
  times.forEach((t, i) => {
    assert.ok(Number.isInteger(t) && t >= 0 && t < durationMs, `${what}: ${t} outside [0, T)`);
    if (i > 0) assert.ok(times[i - 1] <= t, `${what}: out of order at ${i}`);
  });
}

/** Runs `f` and returns the ExogenousFileError it throws. */
function fileError(f: () => unknown): ExogenousFileError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ExogenousFileError, `expected ExogenousFileError, got ${e}`);
    return e;
  }
  assert.fail("no error thrown");
}

const SEEDS = (n: number, base = 1000) => Array.from({ length: n }, (_, i) => base + i);

// ---------------------------------------------------------------- random draws

Deno.test("normal: N(0,1) passes KS at p = 0.001, N(μ,σ) mean and sd within 4 s.e.", () => {
  const rng = mulberry32(11);
  const n = 20_000;
  const z = Array.from({ length: n }, () => normal(rng));
  const d = ksStatistic(z, normalCdf);
  assert.ok(d < ksCritical(n), `KS D ${d} >= ${ksCritical(n)}`);

  const mu = 1_000_000, sigma = 5_000;
  const xs = Array.from({ length: n }, () => normal(rng, mu, sigma));
  assertWithin(mean(xs), mu, sigma / Math.sqrt(n), "mean");
  assertWithin(Math.sqrt(sampleVariance(xs)), sigma, sigma / Math.sqrt(2 * (n - 1)), "sd");
});

Deno.test("normal: sd 0 returns the mean exactly; bad parameters are refused", () => {
  const rng = mulberry32(3);
  for (let i = 0; i < 100; i++) assert.equal(normal(rng, 5_000, 0), 5_000);
  assert.equal(normal(() => 0, 7, 2), 7 + 2 * Math.sqrt(-2 * Math.log(1)));
  assert.throws(() => normal(rng, 0, -1), RangeError);
  assert.throws(() => normal(rng, NaN, 1), RangeError);
});

Deno.test("exponential: passes KS at p = 0.001 and has mean 1/rate", () => {
  const rng = mulberry32(12);
  const n = 20_000, rate = 0.25;
  const xs = Array.from({ length: n }, () => exponential(rng, rate));
  const d = ksStatistic(xs, (x) => 1 - Math.exp(-rate * x));
  assert.ok(d < ksCritical(n), `KS D ${d}`);
  assertWithin(mean(xs), 1 / rate, 1 / rate / Math.sqrt(n), "mean");
  assert.equal(exponential(() => 0, 2), 0, "a zero draw is a zero gap, not -log(0)");
  assert.throws(() => exponential(rng, 0), RangeError);
  assert.throws(() => exponential(rng, -1), RangeError);
});

Deno.test("poisson: mean and variance within 4 s.e. from tiny to very large means", () => {
  // 9.99 / 10 straddle the switch from multiplication to PTRS
  for (const [mu, seed] of [[0.5, 1], [3, 2], [9.99, 3], [10, 4], [37.5, 5], [500, 6], [1e4, 7]]) {
    const rng = mulberry32(seed);
    const n = 10_000;
    const xs = Array.from({ length: n }, () => poisson(rng, mu));
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0), `mu ${mu}: not a count`);
    assertWithin(mean(xs), mu, Math.sqrt(mu / n), `mu ${mu} mean`);
    assertWithin(sampleVariance(xs), mu, Math.sqrt((mu + 2 * mu * mu) / n), `mu ${mu} variance`);
  }
});

Deno.test("poisson: chi-square goodness of fit to the exact pmf at p = 0.001", () => {
  for (const [mu, seed] of [[3, 21], [9.99, 22], [10, 23], [60, 24], [500, 25]]) {
    const rng = mulberry32(seed);
    const xs = Array.from({ length: 20_000 }, () => poisson(rng, mu));
    const maxK = Math.ceil(mu + 12 * Math.sqrt(mu) + 20);
    const { stat, df } = chiSquareAgainst(xs, poissonPmf(mu), maxK);
    assert.ok(stat < chiSquareCritical(df), `mu ${mu}: chi2 ${stat} on ${df} df`);
  }
});

Deno.test("poisson: mean 0 is 0, and bad means are refused", () => {
  assert.equal(poisson(mulberry32(1), 0), 0);
  assert.throws(() => poisson(mulberry32(1), -1), RangeError);
  assert.throws(() => poisson(mulberry32(1), NaN), RangeError);
  assert.throws(() => poisson(mulberry32(1), Infinity), RangeError);
});

Deno.test("logFactorial matches plain summation to 1e-12 relative", () => {
  for (let k = 0; k <= 2000; k++) {
    const want = logFactorialBySum(k);
    assert.ok(Math.abs(logFactorial(k) - want) <= 1e-12 * Math.max(1, want), `k = ${k}`);
  }
});

Deno.test("shuffle: in place, a permutation, uniform over 3! and 4! orders (chi-square)", () => {
  const rng = mulberry32(31);
  const a = [1, 2, 3, 4, 5, 6, 7];
  const same = shuffle(rng, a);
  assert.equal(same, a);
  assert.deepEqual([...a].sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(shuffle(rng, []), []);

  for (const size of [3, 4]) {
    const n = 48_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = shuffle(rng, Array.from({ length: size }, (_, j) => j)).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const perms = size === 3 ? 6 : 24;
    assert.equal(counts.size, perms);
    const e = n / perms;
    const stat = [...counts.values()].reduce((s, o) => s + (o - e) ** 2 / e, 0);
    assert.ok(stat < chiSquareCritical(perms - 1), `size ${size}: chi2 ${stat}`);
  }
});

// ---------------------------------------------------------------- shipped files

Deno.test("investor_focal_T1_May2021.csv: 363 rows, 1.5–179.4 s, 181 B / 182 S, TIF 5", () => {
  const rows = parseInvestorArrivals(readData("investor_focal_T1_May2021.csv"), "focal.csv");
  assert.equal(rows.length, 363);
  assert.deepEqual(rows[0], { atMs: 1495, market: 1, price: 1040000, side: "S", timeInForce: 5 });
  assert.deepEqual(rows[3], { atMs: 2861, market: 1, price: 1030000, side: "S", timeInForce: 5 });
  assert.deepEqual(rows[362], {
    atMs: 179405,
    market: 1,
    price: 800000,
    side: "B",
    timeInForce: 5,
  });
  // two arrivals at 176.285 s (file lines 358, 359) keep their file order
  assert.deepEqual(rows.slice(356, 358).map((r) => [r.atMs, r.side, r.price]), [
    [176285, "S", 870000],
    [176285, "B", 790000],
  ]);
  assert.equal(rows.filter((r) => r.side === "B").length, 181);
  assert.equal(rows.filter((r) => r.side === "S").length, 182);
  assert.ok(rows.every((r) => r.timeInForce === 5 && r.market === 1));
  assert.ok(rows.every((r) => r.price % 10_000 === 0), "the 2021 files are gridded");
  assertSortedInWindow(rows.map((r) => r.atMs), 180_000, "focal");
});

Deno.test("thick_investors.csv: 465 rows in the side-before-price column order", () => {
  const rows = parseInvestorArrivals(readData("thick_investors.csv"), "thick_investors.csv");
  assert.equal(rows.length, 465);
  assert.deepEqual(rows[0], { atMs: 596, market: 1, price: 990000, side: "B", timeInForce: 5 });
  assert.deepEqual(rows[3], { atMs: 1119, market: 1, price: 990000, side: "S", timeInForce: 5 });
  assert.deepEqual(rows[464], {
    atMs: 149979,
    market: 1,
    price: 970000,
    side: "S",
    timeInForce: 5,
  });
  assert.equal(rows.filter((r) => r.side === "B").length, 248);
  assert.equal(rows.filter((r) => r.side === "S").length, 217);
  assert.ok(rows.every((r) => r.timeInForce === 5));
  assertSortedInWindow(rows.map((r) => r.atMs), 150_001, "thick");
});

Deno.test("investors_trial.csv: 229 rows, TIF 20/40, ungridded prices gridded on arrival", () => {
  const text = readData("investors_trial.csv");
  assert.ok(text.includes("\r\n"), "this file is CRLF");
  assert.ok(text.includes(",992004,"), "and holds ungridded prices");
  const rows = parseInvestorArrivals(text, "investors_trial.csv");
  assert.equal(rows.length, 229);
  assert.deepEqual(rows[0], { atMs: 2000, market: 1, price: 1000000, side: "S", timeInForce: 40 });
  // 3.1 s holds an S then the ungridded B 992004, which trades at 990000
  assert.deepEqual(rows[2], { atMs: 3100, market: 1, price: 1000000, side: "S", timeInForce: 40 });
  assert.deepEqual(rows[3], { atMs: 3100, market: 1, price: 990000, side: "B", timeInForce: 40 });
  assert.deepEqual(rows.slice(-3).map((r) => [r.atMs, r.price, r.side, r.timeInForce]), [
    [238000, 950000, "S", 20], // 949718
    [239000, 1050000, "B", 20], // 1049265
    [240000, 1000000, "B", 20], // 999684
  ]);
  assert.deepEqual(new Set(rows.map((r) => r.timeInForce)), new Set([20, 40]));
  assert.ok(rows.every((r) => r.price % 10_000 === 0));
});

Deno.test("external_feed_T1_May2021.csv: 222 rows, 37 locked, 7 without bid, 1 without offer", () => {
  const rows = parseExternalFeed(readData("external_feed_T1_May2021.csv"), "feed.csv");
  assert.equal(rows.length, 222);
  // the outlier first offer of 79 ECU
  assert.deepEqual(rows[0], {
    atMs: 218,
    market: 1,
    bestBid: 0,
    bestOffer: 790000,
    signedVolume: 0,
  });
  assert.deepEqual(rows[1], {
    atMs: 1495,
    market: 1,
    bestBid: 0,
    bestOffer: MAX_ASK,
    signedVolume: 0,
  });
  assert.equal(rows[3].atMs, 1773, "1.7730000000000001 s");
  assert.equal(rows[221].atMs, 177611);
  assert.equal(rows.filter((r) => r.bestBid === r.bestOffer).length, 37);
  assert.equal(rows.filter((r) => r.bestBid === 0).length, 7);
  assert.equal(rows.filter((r) => r.bestOffer === MAX_ASK).length, 1);
  // consecutive duplicates are kept for the market to ignore
  const dup = (a: ExternalFeedRow, b: ExternalFeedRow) =>
    a.bestBid === b.bestBid && a.bestOffer === b.bestOffer;
  assert.equal(rows.filter((r, i) => i > 0 && dup(rows[i - 1], r)).length, 55);
  assert.deepEqual(rows.slice(-3).map((r) => [r.atMs, r.bestBid, r.bestOffer]), [
    [176760, 830000, 840000],
    [176988, 830000, 840000],
    [177611, 840000, 840000],
  ]);
  assertSortedInWindow(rows.map((r) => r.atMs), 180_000, "feed");
});

Deno.test("external_feed_changes.csv: 199 rows, the leading index column dropped", () => {
  const text = readData("external_feed_changes.csv");
  assert.ok(text.startsWith(",arrival_time,"));
  const rows = parseExternalFeed(text, "external_feed_changes.csv");
  assert.equal(rows.length, 199);
  assert.deepEqual(rows[0], {
    atMs: 69,
    market: 1,
    bestBid: 1290000,
    bestOffer: MAX_ASK,
    signedVolume: 0,
  });
  assert.equal(rows[1].atMs, 229, "0.22899999999999998 s");
  assert.equal(rows[3].atMs, 3456, "3.4560000000000004 s");
  assert.deepEqual(rows[198], {
    atMs: 178869,
    market: 1,
    bestBid: 1290000,
    bestOffer: 1340000,
    signedVolume: 0,
  });
  assert.equal(rows.filter((r) => r.bestBid === 0).length, 5);
  assert.equal(rows.filter((r) => r.bestOffer === MAX_ASK).length, 3);
});

// ---------------------------------------------------------------- investor CSV format

const INVESTOR_COLUMNS = [
  "arrival_time",
  "market_id_in_subsession",
  "price",
  "buy_sell_indicator",
  "time_in_force",
] as const;

Deno.test("the three shipped header variants read the same rows", () => {
  const rows = [
    { arrival_time: "1.5", market_id_in_subsession: "1", price: "1040000" },
    { arrival_time: "2", market_id_in_subsession: "0", price: "995000" },
  ].map((r, i) => ({
    ...r,
    buy_sell_indicator: i === 0 ? "S" : "B",
    time_in_force: "5",
    fundamental_value: "981755.77",
  }));
  const variants = [
    INVESTOR_COLUMNS.join(",") + ",fundamental_value",
    "arrival_time,market_id_in_subsession,price,time_in_force,buy_sell_indicator",
    "arrival_time,market_id_in_subsession,buy_sell_indicator,price,time_in_force",
  ];
  const parsed = variants.map((header) => {
    const cols = header.split(",") as (keyof typeof rows[0])[];
    const text = [header, ...rows.map((r) => cols.map((c) => r[c]).join(","))].join("\n");
    return parseInvestorArrivals(text, "v.csv");
  });
  const want: InvestorArrival[] = [
    { atMs: 1500, market: 1, price: 1040000, side: "S", timeInForce: 5 },
    { atMs: 2000, market: 0, price: 1000000, side: "B", timeInForce: 5 }, // 99.5 → 100
  ];
  for (const p of parsed) assert.deepEqual(p, want);
});

Deno.test("BOM, CRLF, blank and comma-only rows, unknown and quoted columns are tolerated", () => {
  const text = "\uFEFFnote,time_in_force,price,buy_sell_indicator,market_id_in_subsession," +
    "arrival_time\r\n" +
    "\r\n" +
    'x,5,"1000000",S,1,3.25\r\n' +
    ",,,,,\r\n" +
    '"a, quoted note",5.9,985000,B,1,0.5,\r\n' + // trailing comma: an empty extra field
    "   \r\n";
  assert.deepEqual(parseInvestorArrivals(text, "t.csv"), [
    { atMs: 500, market: 1, price: 980000, side: "B", timeInForce: 5 }, // 98.5 → 98, TIF 5.9 → 5
    { atMs: 3250, market: 1, price: 1000000, side: "S", timeInForce: 5 },
  ]);
  assert.deepEqual(parseInvestorArrivals(INVESTOR_COLUMNS.join(","), "t.csv"), []);
  assert.deepEqual(parseInvestorArrivals(INVESTOR_COLUMNS.join(",") + "\n\n", "t.csv"), []);
});

Deno.test("rows are sorted by time, stable among equal times", () => {
  const text = [
    INVESTOR_COLUMNS.join(","),
    "2,1,1010000,S,5",
    "1,1,990000,B,5",
    "2,1,1020000,S,5",
    "1.0004,1,980000,B,5", // 1000.4 ms → 1000 ms, after the first 1 s row
    "0,1,970000,B,5",
  ].join("\n");
  assert.deepEqual(parseInvestorArrivals(text, "t.csv").map((r) => [r.atMs, r.price]), [
    [0, 970000],
    [1000, 990000],
    [1000, 980000],
    [2000, 1010000],
    [2000, 1020000],
  ]);
});

Deno.test("times round to the nearest ms from the decimal text, ties to even", () => {
  const at = (t: string) =>
    parseInvestorArrivals(`${INVESTOR_COLUMNS.join(",")}\n${t},1,1000000,B,5`, "t.csv")[0].atMs;
  assert.equal(at("0.0005"), 0);
  assert.equal(at("0.0015"), 2);
  assert.equal(at("0.00150001"), 2);
  assert.equal(at("0.0025"), 2);
  assert.equal(at("0.00250000001"), 3);
  assert.equal(at("0.0145"), 14, "exact: a float product would be 14.499999999999998");
  assert.equal(at("1e-3"), 1);
  assert.equal(at("1.5E2"), 150_000);
  assert.equal(at(".25"), 250);
  assert.equal(at("7."), 7000);
  assert.equal(at("-0"), 0);
  assert.equal(at("1e-999999"), 0);
});

Deno.test("prices: gridded half-to-even, sentinels 0 and 2147483647 kept as they are", () => {
  const prices = (ps: string[]) =>
    parseInvestorArrivals(
      [INVESTOR_COLUMNS.join(","), ...ps.map((p) => `1,1,${p},B,0`)].join("\n"),
      "t.csv",
    ).map((r) => r.price);
  assert.deepEqual(
    prices(["985000", "995000", "1005000", "1005001", "992004", "1e6", "0", "2147483647"]),
    [980000, 1000000, 1000000, 1010000, 990000, 1000000, 0, MAX_ASK],
  );
  assert.deepEqual(prices(["2147480000", "2147479999"]), [2147480000, 2147480000]);
});

/** A file whose line `bad` (1-based, header = 1) holds `value` in `column`. */
function investorFileWith(bad: number, column: string, value: string): string {
  const lines = [INVESTOR_COLUMNS.join(",")];
  for (let line = 2; line <= bad; line++) {
    const row: Record<string, string> = {
      arrival_time: String(line / 10),
      market_id_in_subsession: "1",
      price: "1000000",
      buy_sell_indicator: line % 2 ? "B" : "S",
      time_in_force: "5",
    };
    if (line === bad) row[column] = value;
    lines.push(INVESTOR_COLUMNS.map((c) => row[c]).join(","));
  }
  lines.push("30,1,1000000,B,5");
  return lines.join("\r\n");
}

Deno.test("a bad investor row names the file, line, column and problem", () => {
  const cases: [string, string, string][] = [
    ["price", "12a", '"12a" is not a number'],
    ["price", "-1", '"-1" is negative'],
    ["price", "2147483648", '"2147483648" is above 2147483647'],
    ["price", "1000000.5", '"1000000.5" is not an integer'],
    ["price", "NaN", '"NaN" is not a number'],
    ["price", "Infinity", '"Infinity" is not a number'],
    ["price", "0x10", '"0x10" is not a number'],
    ["price", "", "missing value"],
    ["arrival_time", "-1.5", '"-1.5" is negative'],
    ["arrival_time", "-0.0001", '"-0.0001" is negative'],
    ["arrival_time", "NaN", '"NaN" is not a number'],
    ["arrival_time", "1e400", '"1e400" is too large'],
    ["arrival_time", "1:30", '"1:30" is not a number'],
    ["buy_sell_indicator", "X", '"X" is not B or S'],
    ["buy_sell_indicator", "b", '"b" is not B or S'],
    ["buy_sell_indicator", "", "missing value"],
    ["market_id_in_subsession", "1.5", '"1.5" is not an integer'],
    ["market_id_in_subsession", "-1", '"-1" is negative'],
    ["time_in_force", "-5", '"-5" is negative'],
    ["time_in_force", "five", '"five" is not a number'],
    ["time_in_force", "4294967296", '"4294967296" is above 4294967295'],
  ];
  for (const [column, value, problem] of cases) {
    const e = fileError(() =>
      parseInvestorArrivals(investorFileWith(17, column, value), "investors.csv")
    );
    assert.equal(e.message, `investors.csv line 17, column ${column}: ${problem}`);
    assert.deepEqual([e.source, e.line, e.column, e.problem], [
      "investors.csv",
      17,
      column,
      problem,
    ]);
  }
});

Deno.test("line numbers count the header, blank lines and the BOM-bearing first line", () => {
  const text = "\uFEFF" + INVESTOR_COLUMNS.join(",") + "\r\n\r\n1,1,1000000,B,5\r\n,,,,\r\n" +
    "2,1,12a,S,5\r\n";
  assert.equal(
    fileError(() => parseInvestorArrivals(text, "investors.csv")).message,
    'investors.csv line 5, column price: "12a" is not a number',
  );
});

Deno.test("header and row-shape problems are reported, never skipped", () => {
  assert.equal(
    fileError(() =>
      parseInvestorArrivals(
        "arrival_time,market_id_in_subsession,time_in_force,fundamental_value\n1,1,5,3",
        "investors.csv",
      )
    ).message,
    "investors.csv line 1: missing required columns price, buy_sell_indicator " +
      "(found: arrival_time, market_id_in_subsession, time_in_force, fundamental_value)",
  );
  assert.equal(
    fileError(() => parseInvestorArrivals("", "empty.csv")).message,
    "empty.csv line 1: missing required columns arrival_time, market_id_in_subsession, " +
      "price, buy_sell_indicator, time_in_force (found: none)",
  );
  assert.equal(
    fileError(() =>
      parseInvestorArrivals(INVESTOR_COLUMNS.join(",") + ",price\n1,1,1,B,5,1", "d.csv")
    ).message,
    "d.csv line 1, column price: the column appears more than once",
  );
  assert.equal(
    fileError(() =>
      parseInvestorArrivals(INVESTOR_COLUMNS.join(",") + "\n1,1,1000000,B,5,7", "d.csv")
    ).message,
    "d.csv line 2: 6 fields, but the header has 5",
  );
  assert.equal(
    fileError(() =>
      parseInvestorArrivals(INVESTOR_COLUMNS.join(",") + '\n1,1,"1000000,B,5', "d.csv")
    ).message,
    "d.csv line 2: a quoted field is not closed",
  );
  // a short row is a missing value in the first column it lacks
  assert.equal(
    fileError(() => parseInvestorArrivals(INVESTOR_COLUMNS.join(",") + "\n1,1,1000000", "d.csv"))
      .message,
    "d.csv line 2, column buy_sell_indicator: missing value",
  );
});

const arrivalArb = fc.record({
  atMs: fc.integer({ min: 0, max: 10_000_000 }),
  market: fc.integer({ min: 0, max: 12 }),
  price: fc.oneof(fc.integer({ min: 0, max: MAX_ASK }), fc.constant(MAX_ASK), fc.constant(0)),
  side: fc.constantFrom<"B" | "S">("B", "S"),
  timeInForce: fc.integer({ min: 0, max: 99999 }),
});

function writeInvestorFile(
  arrivals: InvestorArrival[],
  order: string[],
  eol: string,
  blankEvery: number,
): { text: string; lineOf: number[] } {
  const lines = [order.join(",")];
  const lineOf: number[] = [];
  arrivals.forEach((a, i) => {
    if (blankEvery > 0 && i % blankEvery === 0) lines.push("");
    const field: Record<string, string> = {
      arrival_time: String(a.atMs / 1000),
      market_id_in_subsession: String(a.market),
      price: String(a.price),
      buy_sell_indicator: a.side,
      time_in_force: String(a.timeInForce),
      extra: "ignored",
    };
    lines.push(order.map((c) => field[c]).join(","));
    lineOf.push(lines.length);
  });
  return { text: lines.join(eol), lineOf };
}

const layoutArb = fc.record({
  order: fc.shuffledSubarray([...INVESTOR_COLUMNS, "extra"], { minLength: 6, maxLength: 6 }),
  eol: fc.constantFrom("\n", "\r\n"),
  blankEvery: fc.integer({ min: 0, max: 4 }),
});

Deno.test("property: any valid schedule survives writing in any layout and parsing", () => {
  fc.assert(
    fc.property(fc.array(arrivalArb, { maxLength: 40 }), layoutArb, (arrivals, layout) => {
      const { text } = writeInvestorFile(arrivals, layout.order, layout.eol, layout.blankEvery);
      const want = arrivals
        .map((a) => ({ ...a, price: a.price === MAX_ASK ? MAX_ASK : priceGrid(a.price) }))
        .sort((a, b) => a.atMs - b.atMs);
      assert.deepEqual(parseInvestorArrivals(text, "p.csv"), want);
    }),
  );
});

Deno.test("property: a corrupted field is reported at its own line and column", () => {
  fc.assert(
    fc.property(
      fc.array(arrivalArb, { minLength: 1, maxLength: 30 }),
      layoutArb,
      fc.nat(),
      fc.constantFrom(...INVESTOR_COLUMNS),
      fc.constantFrom("abc", "1..2", "--1", "NaN", "1e", "+", "Z"),
      (arrivals, layout, pick, column, junk) => {
        const { text, lineOf } = writeInvestorFile(
          arrivals,
          layout.order,
          layout.eol,
          layout.blankEvery,
        );
        const i = pick % arrivals.length;
        const lines = text.split(layout.eol);
        const fields = lines[lineOf[i] - 1].split(",");
        fields[layout.order.indexOf(column)] = junk;
        lines[lineOf[i] - 1] = fields.join(",");
        const e = fileError(() => parseInvestorArrivals(lines.join(layout.eol), "p.csv"));
        assert.equal(e.line, lineOf[i]);
        assert.equal(e.column, column);
        assert.ok(e.message.startsWith(`p.csv line ${lineOf[i]}, column ${column}: `));
      },
    ),
  );
});

// ---------------------------------------------------------------- external feed format

const FEED_HEADER = "arrival_time,market_id_in_subsession,e_best_bid,e_best_offer,e_signed_volume";

Deno.test("external feed: locked, one-sided and duplicate rows kept, columns in any order", () => {
  const text = [
    "e_best_offer,e_signed_volume,arrival_time,e_best_bid,market_id_in_subsession,",
    "1000000,0,0.5,990000,1,",
    "1000000,0,0.7,990000,1,", // duplicate of the previous row
    "990000,0.25,1.0,990000,1,", // locked
    "2147483647,-1.5,1.2,0,1,", // empty book
    "1000000,0,1.1,0,0,", // no bid, all markets
  ].join("\n");
  assert.deepEqual(parseExternalFeed(text, "f.csv"), [
    { atMs: 500, market: 1, bestBid: 990000, bestOffer: 1000000, signedVolume: 0 },
    { atMs: 700, market: 1, bestBid: 990000, bestOffer: 1000000, signedVolume: 0 },
    { atMs: 1000, market: 1, bestBid: 990000, bestOffer: 990000, signedVolume: 0.25 },
    { atMs: 1100, market: 0, bestBid: 0, bestOffer: 1000000, signedVolume: 0 },
    { atMs: 1200, market: 1, bestBid: 0, bestOffer: MAX_ASK, signedVolume: -1.5 },
  ]);
});

Deno.test("a bad external-feed row names the file, line, column and problem", () => {
  const cases: [string, string][] = [
    ["0.5,1,99a,1000000,0", 'column e_best_bid: "99a" is not a number'],
    ["0.5,1,990000,2147483648,0", 'column e_best_offer: "2147483648" is above 2147483647'],
    ["0.5,1,-10000,1000000,0", 'column e_best_bid: "-10000" is negative'],
    [
      "0.5,1,1010000,1000000,0",
      "column e_best_bid: 1010000 is above e_best_offer 1000000 " +
      "(a crossed quote)",
    ],
    ["0.5,1,990000,1000000,NaN", 'column e_signed_volume: "NaN" is not a number'],
    ["0.5,1,990000,1000000,", "column e_signed_volume: missing value"],
    ["-0.5,1,990000,1000000,0", 'column arrival_time: "-0.5" is negative'],
    ["0.5,one,990000,1000000,0", 'column market_id_in_subsession: "one" is not a number'],
  ];
  for (const [row, problem] of cases) {
    const text = [FEED_HEADER, "0.1,1,990000,1000000,0", "", row].join("\r\n");
    assert.equal(
      fileError(() => parseExternalFeed(text, "feed.csv")).message,
      `feed.csv line 4, ${problem}`,
    );
  }
  assert.equal(
    fileError(() => parseExternalFeed("arrival_time,e_best_bid,e_best_offer\n1,2,3", "feed.csv"))
      .message,
    "feed.csv line 1: missing required columns market_id_in_subsession, e_signed_volume " +
      "(found: arrival_time, e_best_bid, e_best_offer)",
  );
});

// ---------------------------------------------------------------- value jumps: file

Deno.test("jumps file: 10⁻⁴ ECU integers or, if the header says so, ECU decimals", () => {
  const ticks = "arrival_time,fundamental_value\r\n0,1000000\r\n2.05,998700\r\n0.7314,1004500\r\n";
  assert.deepEqual(parseValueJumps("\uFEFF" + ticks, "jumps.csv"), [
    { atMs: 0, value: 1000000 },
    { atMs: 731, value: 1004500 },
    { atMs: 2050, value: 998700 },
  ]);
  const ecu =
    "note,fundamental_value_ecu,arrival_time\nx,100.45,1\n,99.99999,2\n,0.00019,3\n,1e2,4";
  assert.deepEqual(parseValueJumps(ecu, "jumps.csv"), [
    { atMs: 1000, value: 1004500 },
    { atMs: 2000, value: 999999 }, // truncated, as upstream truncates V × 10⁴
    { atMs: 3000, value: 1 },
    { atMs: 4000, value: 1000000 },
  ]);
  assert.deepEqual(parseValueJumps("arrival_time,fundamental_value", "jumps.csv"), []);
});

Deno.test("jumps file: problems are reported with line and column", () => {
  const err = (text: string) => fileError(() => parseValueJumps(text, "jumps.csv")).message;
  assert.equal(
    err("arrival_time,fundamental_value\n1,1000000\n2,100.45"),
    'jumps.csv line 3, column fundamental_value: "100.45" is not an integer',
  );
  assert.equal(
    err("arrival_time,fundamental_value_ecu\n1,100\n2,-0.5"),
    'jumps.csv line 3, column fundamental_value_ecu: "-0.5" is negative',
  );
  assert.equal(
    err("arrival_time,fundamental_value_ecu\n1,214748.3648"),
    'jumps.csv line 2, column fundamental_value_ecu: "214748.3648" is above 2147483647',
  );
  assert.equal(
    err("arrival_time,fundamental_value\n\n-1,1000000"),
    'jumps.csv line 3, column arrival_time: "-1" is negative',
  );
  assert.equal(
    err("arrival_time,fundamental_value,fundamental_value_ecu\n1,1000000,100"),
    "jumps.csv line 1: both fundamental_value and fundamental_value_ecu are present; " +
      "keep the one whose unit is right",
  );
  assert.equal(
    err("arrival_time,value\n1,1000000"),
    "jumps.csv line 1: missing required column fundamental_value (10⁻⁴ ECU integers) " +
      "or fundamental_value_ecu (ECU)",
  );
});

Deno.test("valueInForceAt: a jump applies from its own ms on; the later of same-ms rows wins", () => {
  const jumps = parseValueJumps(
    "arrival_time,fundamental_value\n1,1010000\n3,1030000\n3,1035000\n5,990000",
    "j.csv",
  );
  const v = (t: number) => valueInForceAt(jumps, 1000000, t);
  assert.deepEqual([0, 999, 1000, 2999, 3000, 4999, 5000, 1e9].map(v), [
    1000000,
    1000000,
    1010000,
    1010000,
    1035000,
    1035000,
    990000,
    990000,
  ]);
  assert.equal(valueInForceAt([], 1234, 50), 1234);
});

// ---------------------------------------------------------------- value jumps: generator

const JUMP_BASE = { startValue: 1_000_000, ratePerSecond: 1, sigma: 5_000 };
// 20,000 jumps of σ = 0.5 ECU wander ±70 ECU (1 sd): start mid-range so the
// long runs below never reach 0
const LONG_WALK = { startValue: 1_000_000_000 };

Deno.test("F1: jump counts in [0, T) are Poisson(λ_V·T): mean and variance within 4 s.e.", () => {
  const durationMs = 240_000;
  const seeds = SEEDS(300);
  const counts = seeds.map((s) =>
    generateValueJumps({ ...JUMP_BASE, rng: mulberry32(s), durationMs }).length
  );
  const mu = 240; // λ_V = 1/s over 240 s
  const n = counts.length;
  assertWithin(mean(counts), mu, Math.sqrt(mu / n), "mean count");
  assertWithin(sampleVariance(counts), mu, Math.sqrt((mu + 2 * mu * mu) / n), "count variance");
});

Deno.test("F1: jump gaps are Exponential(λ_V) (KS at p = 0.001, ms flooring allowed for)", () => {
  for (const ratePerSecond of [1, 0.25]) {
    const jumps = generateValueJumps({
      ...JUMP_BASE,
      ...LONG_WALK,
      ratePerSecond,
      rng: mulberry32(77),
      durationMs: 20_000_000 / ratePerSecond,
    });
    const g = gaps(jumps.map((j) => j.atMs));
    const rateMs = ratePerSecond / 1000;
    const d = ksStatistic(g, (x) => 1 - Math.exp(-rateMs * x));
    // floored times move each gap by under 1 ms (CDF shift ≤ λ·1 ms), and the
    // gap that crosses T is missing (≤ 1/n)
    const allowed = ksCritical(g.length) + rateMs + 1 / g.length;
    assert.ok(d < allowed, `rate ${ratePerSecond}: D ${d} >= ${allowed} (n ${g.length})`);
    assertWithin(mean(g), 1 / rateMs, 1 / rateMs / Math.sqrt(g.length) + 1, "mean gap");
  }
});

Deno.test("F1: jump sizes are N(0, σ): mean and sd within 4 s.e. (plus truncation)", () => {
  const sigma = 5_000;
  const jumps = generateValueJumps({
    ...JUMP_BASE,
    ...LONG_WALK,
    sigma,
    rng: mulberry32(5),
    durationMs: 20_000_000,
  });
  const sizes = jumps.map((j, i) =>
    j.value - (i === 0 ? LONG_WALK.startValue : jumps[i - 1].value)
  );
  const n = sizes.length;
  assert.ok(n > 19_000);
  // truncating the path moves each difference by under 1 unit
  assertWithin(mean(sizes), 0, sigma / Math.sqrt(n) + 1 / n, "mean size");
  assertWithin(Math.sqrt(sampleVariance(sizes)), sigma, sigma / Math.sqrt(2 * (n - 1)) + 1, "sd");
  const d = ksStatistic(sizes, (x) => normalCdf(x / sigma));
  assert.ok(d < ksCritical(n) + 1 / sigma, `KS D ${d}`);
});

Deno.test("generated jumps: integer values in [0, T), sorted; gridding keeps the same draws", () => {
  const durationMs = 240_000;
  for (const seed of SEEDS(20, 500)) {
    const raw = generateValueJumps({ ...JUMP_BASE, rng: mulberry32(seed), durationMs });
    const gridded = generateValueJumps({
      ...JUMP_BASE,
      rng: mulberry32(seed),
      durationMs,
      grid: 10_000,
    });
    assertSortedInWindow(raw.map((j) => j.atMs), durationMs, `seed ${seed}`);
    assert.ok(raw.every((j) => Number.isInteger(j.value)));
    assert.deepEqual(gridded, raw.map((j) => ({ atMs: j.atMs, value: priceGrid(j.value) })));
  }
  // σ = 0.5 ECU on a 1 ECU grid: many jumps leave V where it was, and are kept
  const g = generateValueJumps({ ...JUMP_BASE, rng: mulberry32(9), durationMs, grid: 10_000 });
  const zero = g.filter((j, i) => j.value === (i === 0 ? 1_000_000 : g[i - 1].value)).length;
  assert.ok(zero > 0 && zero < g.length, `${zero} zero jumps of ${g.length}`);
});

Deno.test("generated jumps: validation, rate 0, and a path that leaves the price range", () => {
  const rng = mulberry32(1);
  assert.deepEqual(
    generateValueJumps({ ...JUMP_BASE, ratePerSecond: 0, rng, durationMs: 1e6 }),
    [],
  );
  assert.deepEqual(generateValueJumps({ ...JUMP_BASE, rng, durationMs: 0 }), []);
  assert.throws(() => generateValueJumps({ ...JUMP_BASE, rng, durationMs: 1.5 }), RangeError);
  assert.throws(() => generateValueJumps({ ...JUMP_BASE, rng, durationMs: -1 }), RangeError);
  assert.throws(
    () => generateValueJumps({ ...JUMP_BASE, sigma: -1, rng, durationMs: 1000 }),
    RangeError,
  );
  assert.throws(
    () => generateValueJumps({ ...JUMP_BASE, startValue: 10.5, rng, durationMs: 1000 }),
    RangeError,
  );
  assert.throws(
    () => generateValueJumps({ ...JUMP_BASE, grid: 0, rng, durationMs: 1000 }),
    RangeError,
  );
  assert.throws(
    () =>
      generateValueJumps({
        startValue: 0,
        ratePerSecond: 10,
        sigma: 1e6,
        rng,
        durationMs: 60_000,
      }),
    /left 0\.\.2147483647/,
  );
});

// ---------------------------------------------------------------- investors: BCS

Deno.test("F1 BCS investors: counts Poisson(λ_I·T) within 4 s.e., sides Bernoulli(½)", () => {
  for (const ratePerSecond of [0.2, 0.5]) {
    const durationMs = 240_000;
    const runs = SEEDS(400).map((s) =>
      generateInvestorArrivals({ model: "bcs", rng: mulberry32(s), ratePerSecond, durationMs })
    );
    const counts = runs.map((r) => r.length);
    const mu = ratePerSecond * 240;
    const n = counts.length;
    assertWithin(mean(counts), mu, Math.sqrt(mu / n), `rate ${ratePerSecond} mean count`);
    assertWithin(
      sampleVariance(counts),
      mu,
      Math.sqrt((mu + 2 * mu * mu) / n),
      `rate ${ratePerSecond} count variance`,
    );
    const all = runs.flat();
    const buys = all.filter((a) => a.side === "B").length;
    assertWithin(buys / all.length, 0.5, 0.5 / Math.sqrt(all.length), "share of buys");
  }
});

Deno.test("F1 BCS investors: gaps Exponential(λ_I) (KS at p = 0.001)", () => {
  const ratePerSecond = 0.5;
  const arrivals = generateBcsInvestorArrivals({
    rng: mulberry32(4242),
    ratePerSecond,
    durationMs: 40_000_000,
  });
  const g = gaps(arrivals.map((a) => a.atMs));
  const rateMs = ratePerSecond / 1000;
  const d = ksStatistic(g, (x) => 1 - Math.exp(-rateMs * x));
  const allowed = ksCritical(g.length) + rateMs + 1 / g.length;
  assert.ok(d < allowed, `D ${d} >= ${allowed} (n ${g.length})`);
});

Deno.test("BCS investors are unit IOC market orders inside [0, T)", () => {
  const durationMs = 90_000;
  const arrivals = generateInvestorArrivals({
    model: "bcs",
    rng: mulberry32(8),
    ratePerSecond: 2,
    durationMs,
    market: 2,
  });
  assert.ok(arrivals.length > 100);
  assertSortedInWindow(arrivals.map((a) => a.atMs), durationMs, "bcs");
  for (const a of arrivals) {
    assert.equal(a.price, a.side === "B" ? MAX_ASK : 0);
    assert.equal(a.timeInForce, 0);
    assert.equal(a.market, 2);
  }
  const defaultMarket = generateBcsInvestorArrivals({
    rng: mulberry32(8),
    ratePerSecond: 2,
    durationMs,
  });
  assert.ok(defaultMarket.every((a) => a.market === 0));
  assert.deepEqual(
    generateBcsInvestorArrivals({ rng: mulberry32(8), ratePerSecond: 0, durationMs }),
    [],
  );
  assert.throws(
    () => generateBcsInvestorArrivals({ rng: mulberry32(8), ratePerSecond: -1, durationMs }),
    RangeError,
  );
  assert.throws(
    () =>
      generateBcsInvestorArrivals({ rng: mulberry32(8), ratePerSecond: 1, durationMs, market: -1 }),
    RangeError,
  );
});

// ---------------------------------------------------------------- investors: ELO

function eloBase(rng: Rng, jumps: ValueJump[] = []) {
  return {
    model: "elo" as const,
    rng,
    ratePerSecond: 3,
    durationMs: 240_000,
    startValue: 1_000_000,
    jumps,
    offsetMean: 5_000,
    offsetSd: 10_000,
    timeInForce: 5,
  };
}

Deno.test("F1 ELO investors: counts Poisson(λ_I·T), times Uniform(0, T), sides Bernoulli(½)", () => {
  const runs = SEEDS(300, 7000).map((s) => generateInvestorArrivals(eloBase(mulberry32(s))));
  const counts = runs.map((r) => r.length);
  const mu = 3 * 240;
  const n = counts.length;
  assertWithin(mean(counts), mu, Math.sqrt(mu / n), "mean count");
  assertWithin(sampleVariance(counts), mu, Math.sqrt((mu + 2 * mu * mu) / n), "count variance");

  const all = runs.flat();
  const T = 240_000;
  const d = ksStatistic(all.map((a) => a.atMs), (x) => x / T);
  // floored times sit up to 1 ms below the uniform draw: a CDF shift of 1/T
  assert.ok(d < ksCritical(all.length) + 1 / T, `uniform times: D ${d}`);
  const buys = all.filter((a) => a.side === "B").length;
  assertWithin(buys / all.length, 0.5, 0.5 / Math.sqrt(all.length), "share of buys");
  for (const r of runs) assertSortedInWindow(r.map((a) => a.atMs), T, "elo");
});

Deno.test("ELO investors: sells above V and buys below by μ_I on average, on the grid", () => {
  // V on the whole-ECU grid, so price − V = grid(±offset) exactly (up to 1 unit of truncation)
  const jumps = generateValueJumps({
    ...JUMP_BASE,
    rng: mulberry32(61),
    durationMs: 240_000,
    grid: 10_000,
  });
  const deltas: number[] = [];
  for (const seed of SEEDS(40, 600)) {
    for (const a of generateEloInvestorArrivals(eloBase(mulberry32(seed), jumps))) {
      assert.equal(a.price % 10_000, 0);
      assert.equal(a.timeInForce, 5);
      const v = valueInForceAt(jumps, 1_000_000, a.atMs);
      deltas.push((a.price - v) * (a.side === "S" ? 1 : -1));
    }
  }
  // grid rounding adds variance h²/12; its bias for σ_I = one grid step is < 1e-8 of h
  const se = Math.sqrt(10_000 ** 2 + 10_000 ** 2 / 12) / Math.sqrt(deltas.length);
  assertWithin(mean(deltas), 5_000, se + 1, "mean signed offset");
});

Deno.test("ELO investors price off V in force at the arrival time, not upstream's row index", () => {
  // one jump at 10 s from 100 ECU to 200 ECU; with σ_I = 0 every price is exact
  const jumps: ValueJump[] = [{ atMs: 10_000, value: 2_000_000 }];
  const startValue = 1_000_000;
  const arrivals = generateEloInvestorArrivals({
    rng: mulberry32(99),
    ratePerSecond: 3,
    durationMs: 20_000,
    startValue,
    jumps,
    offsetMean: 30_000,
    offsetSd: 0,
    timeInForce: 5,
  });
  // createMarketEvents.py: rows [V₀, V₁, …] looked up as of row index ≤ arrival seconds
  const rowsByIndex = [startValue, ...jumps.map((j) => j.value)];
  const upstreamV = (atMs: number) =>
    rowsByIndex[Math.min(Math.floor(atMs / 1000), rowsByIndex.length - 1)];
  let differ = 0;
  for (const a of arrivals) {
    const v = a.atMs < 10_000 ? 1_000_000 : 2_000_000;
    assert.equal(a.price, v + (a.side === "S" ? 30_000 : -30_000), `arrival at ${a.atMs} ms`);
    if (upstreamV(a.atMs) !== v) differ++;
  }
  assert.ok(differ >= 10, `only ${differ} arrivals where the row-index lookup differs`);
  assert.ok(arrivals.some((a) => a.atMs >= 10_000));
});

Deno.test("ELO investors: a jump at the arrival ms is already in force", () => {
  // every arrival lands in [0, 1) ms = 0; the jump at 0 ms must apply
  const arrivals = generateEloInvestorArrivals({
    rng: mulberry32(5),
    ratePerSecond: 20_000,
    durationMs: 1,
    startValue: 1_000_000,
    jumps: [{ atMs: 0, value: 1_500_000 }],
    offsetMean: 10_000,
    offsetSd: 0,
    timeInForce: 0,
  });
  assert.ok(arrivals.length > 0);
  for (const a of arrivals) {
    assert.equal(a.atMs, 0);
    assert.equal(a.price, a.side === "S" ? 1_510_000 : 1_490_000);
  }
});

Deno.test("ELO investors: exponential TIF truncated to whole seconds (geometric mean)", () => {
  const rate = 0.2; // mean 5 s before truncation
  const tifs = SEEDS(20, 300).flatMap((s) =>
    generateEloInvestorArrivals({
      ...eloBase(mulberry32(s)),
      timeInForce: { ratePerSecond: rate },
    }).map((a) => a.timeInForce)
  );
  assert.ok(tifs.every((t) => Number.isInteger(t) && t >= 0));
  assert.ok(tifs.includes(0), "draws under 1 s truncate to 0 (IOC)");
  // trunc(Exp(λ)) is geometric: P(k) = e^(−λk)(1 − e^(−λ))
  const q = Math.exp(-rate);
  const m = q / (1 - q);
  const sd = Math.sqrt(q) / (1 - q);
  assertWithin(mean(tifs), m, sd / Math.sqrt(tifs.length), "mean TIF");
});

Deno.test("ELO investors: unsorted jumps are sorted, bad options refused", () => {
  const jumps = [{ atMs: 5_000, value: 1_100_000 }, { atMs: 1_000, value: 900_000 }];
  const a = generateEloInvestorArrivals({ ...eloBase(mulberry32(3), jumps), offsetSd: 0 });
  const b = generateEloInvestorArrivals({
    ...eloBase(mulberry32(3), [jumps[1], jumps[0]]),
    offsetSd: 0,
  });
  assert.deepEqual(a, b);
  const rng = mulberry32(1);
  assert.throws(() => generateEloInvestorArrivals({ ...eloBase(rng), offsetSd: -1 }), RangeError);
  assert.throws(
    () => generateEloInvestorArrivals({ ...eloBase(rng), timeInForce: 1.5 }),
    RangeError,
  );
  assert.throws(
    () => generateEloInvestorArrivals({ ...eloBase(rng), timeInForce: { ratePerSecond: 0 } }),
    RangeError,
  );
  assert.throws(() => generateEloInvestorArrivals({ ...eloBase(rng), startValue: -1 }), RangeError);
  assert.throws(() => generateEloInvestorArrivals({ ...eloBase(rng), grid: 0 }), RangeError);
  assert.deepEqual(generateEloInvestorArrivals({ ...eloBase(rng), ratePerSecond: 0 }), []);
});

// ---------------------------------------------------------------- determinism

Deno.test("every generator replays exactly from its seed and differs across seeds", () => {
  const run = (seed: number) => {
    const rng = mulberry32(seed);
    const jumps = generateValueJumps({ ...JUMP_BASE, rng, durationMs: 240_000, grid: 10_000 });
    return {
      jumps,
      bcs: generateInvestorArrivals({ model: "bcs", rng, ratePerSecond: 0.5, durationMs: 240_000 }),
      elo: generateInvestorArrivals({
        ...eloBase(rng, jumps),
        timeInForce: { ratePerSecond: 0.2 },
      }),
      draws: [normal(rng), exponential(rng, 1), poisson(rng, 500), shuffle(rng, [1, 2, 3, 4, 5])],
    };
  };
  assert.deepEqual(run(2024), run(2024));
  const a = run(2024);
  const b = run(2025);
  assert.notDeepEqual(a.jumps, b.jumps);
  assert.notDeepEqual(a.bcs, b.bcs);
  assert.notDeepEqual(a.elo, b.elo);
});
