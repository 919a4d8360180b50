/**
 * Random draws for exogenous market inputs: normal, exponential and Poisson
 * variates and a Fisher–Yates shuffle, all driven by a seeded {@link Rng}.
 *
 * Every function is a pure function of the rng's stream position: no draw
 * caches a spare value (Box–Muller's second variate is discarded), so a
 * schedule generated from a seed depends only on the seed and the sequence of
 * calls, never on what some earlier caller happened to leave behind.
 */

import type { Rng } from "./seeded_rng.ts";

function requireFinite(name: string, x: number): void {
  if (!Number.isFinite(x)) throw new RangeError(`${name} must be a finite number, got ${x}`);
}

/** A normal variate N(mean, sd); sd = 0 returns `mean` exactly. Uses two rng draws. */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  requireFinite("mean", mean);
  requireFinite("sd", sd);
  if (sd < 0) throw new RangeError(`sd must be >= 0, got ${sd}`);
  // rng() is in [0, 1); 1 - rng() is in (0, 1], so the log is finite
  const u1 = 1 - rng();
  const u2 = rng();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return mean + sd * z;
}

/** An exponential variate with the given rate (mean 1/rate), in the rate's time unit. */
export function exponential(rng: Rng, rate: number): number {
  requireFinite("rate", rate);
  if (rate <= 0) throw new RangeError(`rate must be > 0, got ${rate}`);
  // 1 - rng() is in (0, 1]: a zero draw gives a zero gap instead of log(0);
  // + 0 turns that gap's -0 into 0
  return -Math.log(1 - rng()) / rate + 0;
}

// Below this mean, multiplying uniforms is both exact and cheap; above it the
// multiplication costs O(mean) draws and exp(-mean) underflows past ~745.
const PTRS_MIN_MEAN = 10;

/** A Poisson variate with the given mean; exact for small and large means alike. */
export function poisson(rng: Rng, mean: number): number {
  requireFinite("mean", mean);
  if (mean < 0) throw new RangeError(`mean must be >= 0, got ${mean}`);
  if (mean === 0) return 0;
  if (mean < PTRS_MIN_MEAN) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rng();
    while (p > limit) {
      k++;
      p *= rng();
    }
    return k;
  }
  return poissonPtrs(rng, mean);
}

/**
 * Hörmann's transformed rejection with squeeze (PTRS), W. Hörmann (1993),
 * "The transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12:39–45. Exact for mean >= 10, with
 * about 1.1 pairs of uniforms per variate whatever the mean.
 */
function poissonPtrs(rng: Rng, mean: number): number {
  const sqrtMean = Math.sqrt(mean);
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * sqrtMean;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    // k is -Infinity when us = 0 (u = -0.5), which this rejects as well
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const lhs = Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b);
    if (lhs <= -mean + k * logMean - logFactorial(k)) return k;
  }
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln(k!) for integer k >= 0; exact summation below 10, Stirling series above (error < 1e-12). */
export function logFactorial(k: number): number {
  if (k < 10) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const x = k + 1; // ln k! = ln Γ(k + 1)
  const x2 = x * x;
  const series = 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x * x2 * x2) -
    1 / (1680 * x * x2 * x2 * x2);
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series;
}

/** Shuffles `array` in place, uniformly over all permutations, and returns it. */
export function shuffle<T>(rng: Rng, array: T[]): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}
