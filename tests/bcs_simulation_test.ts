/**
 * The BCS market in virtual time against the closed-form facts of the
 * shared reference (`models-and-validation.md` §5): exact sniping counts
 * when snipers are always faster (F2), the equal-latency race share (F4),
 * the batch auction's reduction of sniping (F6), the accounting invariants
 * (F10), and replay determinism. Tolerances come from the sample sizes.
 */

import assert from "node:assert/strict";
import {
  type BcsInvestorOrder,
  type BcsRoundInput,
  type BcsSeat,
  runBcsRound,
  type ValuePoint,
} from "../market/simulation/bcs_market.ts";
import { mulberry32, type Rng } from "../market/seeded_rng.ts";

const V0 = 1_000_000;
const SIGMA = 5_000; // 0.5 ECU
const LEG = 5_000; // spread 1 ECU

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Poisson jump times (plus `minGapMs` between jumps, to isolate them), N(0, σ) sizes. */
function path(seed: number, ratePerSecond: number, durationMs: number, minGapMs = 0): ValuePoint[] {
  const rng = mulberry32(seed);
  const out: ValuePoint[] = [];
  let t = 0;
  let v = V0;
  for (;;) {
    t += minGapMs + Math.round(-Math.log(1 - rng()) * 1000 / ratePerSecond);
    if (t >= durationMs) return out;
    v = Math.trunc(v + normal(rng) * SIGMA);
    out.push({ atMs: t, value: v });
  }
}

function investors(seed: number, ratePerSecond: number, durationMs: number): BcsInvestorOrder[] {
  const rng = mulberry32(seed ^ 0x9e3779b9);
  const out: BcsInvestorOrder[] = [];
  for (let t = 0;;) {
    t += Math.round(-Math.log(1 - rng()) * 1000 / ratePerSecond);
    if (t >= durationMs) return out;
    out.push({ atMs: t, side: rng() < 0.5 ? "B" : "S" });
  }
}

/** Jumps of at least the maker's half-spread, the ones a sniper can take. */
function snipeable(jumps: ValuePoint[]): number {
  let prev = V0;
  let n = 0;
  for (const j of jumps) {
    if (Math.abs(j.value - prev) >= LEG) n++;
    prev = j.value;
  }
  return n;
}

const maker = (speed: boolean): BcsSeat => ({ role: "maker", speed, spread: 2 * LEG });
const sniper = (speed: boolean): BcsSeat => ({ role: "sniper", speed, spread: 0 });

function round(
  over: Partial<BcsRoundInput> & { jumps: ValuePoint[] },
): Promise<ReturnType<typeof runBcsRound> extends Promise<infer R> ? R : never> {
  return runBcsRound({
    format: "cda",
    durationMs: 240_000,
    startValue: V0,
    investors: [],
    seats: [maker(false), sniper(true), sniper(true)],
    slowLatencyMs: 500,
    fastLatencyMs: 100,
    investorLatencyMs: 10,
    batchMs: 3000,
    delayMs: 0,
    speedUnitCost: 100,
    endowment: 200_000,
    seed: 1,
    ...over,
  });
}

Deno.test("F2: with snipers always faster, every jump of at least the half-spread is sniped exactly once", async () => {
  for (let seed = 1; seed <= 5; seed++) {
    const jumps = path(seed, 1, 240_000);
    const r = await round({ jumps, slowLatencyMs: 1, fastLatencyMs: 0.5, seed });
    assert.equal(r.snipes, snipeable(jumps), `seed ${seed}`);
    assert.equal(r.jumps, jumps.filter((j, i) => j.value !== (jumps[i - 1]?.value ?? V0)).length);
  }
});

Deno.test("F4: a maker as fast as K snipers is sniped on K/(K+1) of snipeable jumps", async () => {
  for (const k of [1, 3]) {
    let sniped = 0;
    let chances = 0;
    for (let seed = 1; seed <= 12; seed++) {
      // isolated jumps: λ·δ = 0.2/s × 0.1 s
      const jumps = path(100 * k + seed, 0.2, 600_000);
      const seats = [maker(true), ...Array.from({ length: k }, () => sniper(true))];
      const r = await round({ jumps, seats, durationMs: 600_000, seed });
      sniped += r.snipes;
      chances += snipeable(jumps);
    }
    const p = k / (k + 1);
    const se = Math.sqrt((p * (1 - p)) / chances);
    const share = sniped / chances;
    assert.ok(
      Math.abs(share - p) < 4 * se,
      `K=${k}: ${sniped}/${chances} = ${share.toFixed(3)}, want ${p} ± ${(4 * se).toFixed(3)}`,
    );
  }
});

Deno.test("F6: the batch auction cuts snipes per jump to about Δδ/τ of the CDA's", async () => {
  let cda = 0;
  let fba = 0;
  let chances = 0;
  for (let seed = 1; seed <= 20; seed++) {
    // Jumps isolated from each other by two batch intervals, as F6 assumes:
    // snipes from two jumps in one interval would trade with each other.
    const jumps = path(500 + seed, 0.25, 600_000, 6000);
    chances += snipeable(jumps);
    cda += (await round({ jumps, seed, durationMs: 600_000 })).snipes;
    fba += (await round({ jumps, seed, durationMs: 600_000, format: "fba" })).snipes;
  }
  // CDA: a fast sniper beats the slow maker on every snipeable jump.
  assert.ok(cda >= 0.9 * chances && cda <= chances, `CDA ${cda} of ${chances}`);
  const p = 0.4 / 3; // (δ_slow − δ_fast) / τ
  const expected = p * chances;
  const se = Math.sqrt(chances * p * (1 - p));
  assert.ok(
    Math.abs(fba - expected) < 4 * se,
    `FBA ${fba}, want ${expected.toFixed(1)} ± ${(4 * se).toFixed(1)}`,
  );
});

Deno.test("F10: inventories, cash and profits against V net to zero, on every format", async () => {
  for (const format of ["cda", "fba", "iex"] as const) {
    const jumps = path(77, 1, 240_000);
    const r = await round({
      format,
      jumps,
      delayMs: format === "iex" ? 350 : 0,
      investors: investors(77, 0.5, 240_000),
      seats: [maker(false), maker(true), sniper(true), sniper(false), {
        role: "out",
        speed: false,
        spread: 0,
      }],
    });
    const sum = (f: (t: typeof r.traders[number]) => number) =>
      r.traders.reduce((s, t) => s + f(t), 0);
    assert.equal(sum((t) => t.inventory) + r.investor.inventory, 0, format);
    assert.equal(sum((t) => t.cashChange) + r.investor.cashChange, 0, format);
    assert.equal(sum((t) => t.profitAgainstValue) + r.investor.profitAgainstValue, 0, format);
    assert.ok(r.trades > 50, `${format}: ${r.trades} trades`);
    assert.equal(r.traders[4].bought + r.traders[4].sold, 0, "out trades nothing");
  }
});

Deno.test("BCS round replays identically for a seed", async () => {
  const jumps = path(3, 1, 60_000);
  const input = {
    format: "fba" as const,
    jumps,
    investors: investors(3, 0.5, 60_000),
    durationMs: 60_000,
    seed: 9,
  };
  const a = await round(input);
  const b = await round(input);
  assert.deepEqual(b.log, a.log);
  assert.ok(a.log.length > 100);
});

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

Deno.test("F2: snipes per jump follow Pr(|J| > s/2) = 2(1 − Φ(s/2σ)) across spreads", async () => {
  for (const spread of [4_000, 10_000, 16_000]) {
    let snipes = 0;
    let jumps = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = await round({
        jumps: path(900 + seed, 1, 240_000),
        slowLatencyMs: 1,
        fastLatencyMs: 0.5,
        seats: [{ role: "maker", speed: false, spread }, sniper(true), sniper(true)],
        seed,
      });
      snipes += r.snipes;
      jumps += r.jumps;
    }
    const p = 2 * (1 - phi(spread / 2 / SIGMA));
    const se = Math.sqrt((p * (1 - p)) / jumps);
    const share = snipes / jumps;
    assert.ok(
      Math.abs(share - p) < 4 * se,
      `s = ${spread}: ${snipes}/${jumps} = ${share.toFixed(3)}, want ${p.toFixed(3)} ± ${
        (4 * se).toFixed(3)
      }`,
    );
  }
});
