/**
 * Seeded pseudo-random numbers for reproducible markets.
 *
 * A demo or experiment session must replay exactly from its seed, so market
 * drivers take one of these instead of calling Math.random.
 */

/** Returns a float in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, fast, and good enough for simulated order flow. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in lo..hi inclusive. */
export function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** true with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}
