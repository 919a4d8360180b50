/**
 * The lab's price grid and rounding (shared reference `leeps-hft-app.md` §1):
 * prices are integers in 1/10,000 ECU and quotes sit on whole ECU. Upstream
 * rounded with Python's `round`, which is half-to-even; `Math.round` rounds
 * half up and would move 100.5 ECU to 101 instead of 100.
 */

export const TICKS_PER_ECU = 10_000;
export const MIN_BID = 0;
export const MAX_ASK = 2147483647;

/** Rounds to the nearest integer, ties to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends every .5 up; pull the odd results of exact ties back
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0; // + 0 turns -0 into 0
}

/**
 * `price_grid(x) = 10,000 × roundHalfEven(trunc(x) / 10,000)`, with trunc(x)
 * clamped to [0, 2147483647]. Sentinels must never be gridded: the grid
 * moves MAX_ASK to 2,147,480,000.
 */
export function priceGrid(x: number, grid = TICKS_PER_ECU): number {
  const c = Math.min(Math.max(Math.trunc(x), 0), MAX_ASK);
  return grid * roundHalfEven(c / grid);
}
