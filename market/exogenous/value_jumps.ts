/**
 * The BCS fundamental value V (shared reference `leeps-hft-app.md` §2.2,
 * `models-and-validation.md` §1): a public compound-Poisson path, given as a
 * list of jumps, each the new V from its time on.
 *
 * ## Jumps file format (defined here)
 *
 * ```
 * arrival_time,fundamental_value
 * 0.731,1004500
 * 2.05,998700
 * ```
 *
 * - `arrival_time`: seconds from market start, any decimal; rounded to the
 *   nearest ms (ties to even) from the decimal text.
 * - `fundamental_value`: the new V, an **integer in 10⁻⁴ ECU** (1,000,000 =
 *   100 ECU), 0..2147483647. A fraction is an error rather than silently
 *   truncated, because it almost always means the column is in ECU.
 * - Alternatively the header may say `fundamental_value_ecu`: the new V in
 *   **ECU**, any decimal (e.g. `100.45`, the unit upstream's generators draw
 *   in). It is converted exactly from the text and truncated to 10⁻⁴ ECU, as
 *   `createMarketEvents.py` truncates V × 10⁴. Exactly one of the two value
 *   columns must be present; the column name, not a guess from the numbers,
 *   decides the unit.
 * - Columns in any order, other columns dropped, empty rows skipped, CRLF
 *   and BOM tolerated; rows are sorted by time, and among rows at the same
 *   ms the later one in the file is the one in force.
 * - V before the first row is the session's `fundamental-price`, passed by
 *   the caller; a row at time 0 replaces it from the start.
 *
 * Upstream's BCS files (`time,size`) are not read: their time unit is not
 * documented, and guessing it would misplace every jump.
 */

import { MAX_ASK, priceGrid } from "../price_grid.ts";
import type { Rng } from "../seeded_rng.ts";
import { exponential, normal } from "../random_draws.ts";
import {
  byTime,
  ExogenousFileError,
  integerField,
  readCsvTable,
  secondsToMs,
} from "./csv_table.ts";

/** From `atMs` on, the fundamental value is `value` (10⁻⁴ ECU). */
export interface ValueJump {
  atMs: number;
  value: number;
}

const TIME = "arrival_time";
const VALUE = "fundamental_value";
const VALUE_ECU = "fundamental_value_ecu";

/**
 * Parses a jumps file (format in the module note); `source` is the name used
 * in error messages. Throws {@link ExogenousFileError} on the first bad row.
 */
export function parseValueJumps(text: string, source: string): ValueJump[] {
  const table = readCsvTable(text, source, { required: [TIME], optional: [VALUE, VALUE_ECU] });
  const hasTicks = table.header.includes(VALUE);
  const hasEcu = table.header.includes(VALUE_ECU);
  if (hasTicks === hasEcu) {
    throw new ExogenousFileError(
      source,
      1,
      undefined,
      hasTicks
        ? `both ${VALUE} and ${VALUE_ECU} are present; keep the one whose unit is right`
        : `missing required column ${VALUE} (10⁻⁴ ECU integers) or ${VALUE_ECU} (ECU)`,
    );
  }
  const column = hasTicks ? VALUE : VALUE_ECU;
  const out = table.rows.map((row) => ({
    atMs: secondsToMs(row, source, TIME),
    value: integerField(row, source, column, {
      scale: hasTicks ? 0 : 4,
      rounding: hasTicks ? "exact" : "trunc",
      lo: 0,
      hi: MAX_ASK,
    }),
  }));
  return byTime(out);
}

/**
 * The value in force at `atMs`: the last jump at or before `atMs`, else
 * `startValue`. A jump at exactly `atMs` counts, since it applies from its
 * own time on. `jumps` must be sorted by time (both sources here are).
 */
export function valueInForceAt(
  jumps: readonly ValueJump[],
  startValue: number,
  atMs: number,
): number {
  let lo = 0;
  let hi = jumps.length; // first index with jumps[i].atMs > atMs
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (jumps[mid].atMs <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? startValue : jumps[lo - 1].value;
}

export interface ValueJumpOptions {
  rng: Rng;
  /** V before the first jump, 10⁻⁴ ECU (integer). */
  startValue: number;
  /** λ_V: jumps per second (the production sessions used 1). 0 gives no jumps. */
  ratePerSecond: number;
  /** Standard deviation of a jump, in 10⁻⁴ ECU (σ = 0.5 ECU is 5,000). */
  sigma: number;
  /** Round length T in ms; every jump falls in [0, T). */
  durationMs: number;
  /** Put every value on this grid (10,000 = whole ECU) with the lab's half-to-even rule. */
  grid?: number;
}

/**
 * Draws a BCS value path: exponential gaps at `ratePerSecond`, jump sizes
 * N(0, sigma), V = trunc(startValue + cumulative sum), optionally gridded.
 *
 * - Only jumps before T are returned (upstream's script also kept the first
 *   one after T, which the market never reaches).
 * - Jump times are floored to the ms: that keeps every jump inside [0, T)
 *   and leaves the count exactly Poisson(λ_V·T); rounding would push a jump
 *   in the last half-ms onto T itself.
 * - The unrounded path is accumulated and truncated at each jump, as
 *   upstream does, so truncation errors never add up.
 * - **Zero jumps are kept.** A draw may leave the integer (or gridded) value
 *   unchanged; it is still an arrival of the jump process, so dropping it
 *   would bias the counts. Consumers must treat it as "no move" (BCS snipers
 *   send nothing on a zero jump, `leeps-hft-app.md` §2.2).
 *
 * Throws RangeError on invalid options, or if the path leaves 0..2147483647
 * (parameters that cannot describe a lab market).
 */
export function generateValueJumps(opts: ValueJumpOptions): ValueJump[] {
  const { rng, startValue, ratePerSecond, sigma, durationMs, grid } = opts;
  if (!Number.isSafeInteger(startValue) || startValue < 0 || startValue > MAX_ASK) {
    throw new RangeError(`startValue must be an integer in 0..${MAX_ASK}, got ${startValue}`);
  }
  requireNonNegative("ratePerSecond", ratePerSecond);
  requireNonNegative("sigma", sigma);
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
    throw new RangeError(`durationMs must be a non-negative integer, got ${durationMs}`);
  }
  if (grid !== undefined && (!Number.isSafeInteger(grid) || grid <= 0)) {
    throw new RangeError(`grid must be a positive integer, got ${grid}`);
  }
  const out: ValueJump[] = [];
  if (ratePerSecond === 0) return out;
  const ratePerMs = ratePerSecond / 1000;
  let t = 0;
  let path = startValue;
  for (;;) {
    t += exponential(rng, ratePerMs);
    if (t >= durationMs) return out;
    path += normal(rng, 0, sigma);
    const value = Math.trunc(path) + 0; // + 0 turns -0 into 0
    if (value < 0 || value > MAX_ASK) {
      throw new RangeError(
        `the value path left 0..${MAX_ASK} (${value} at ${Math.floor(t)} ms); ` +
          `startValue ${startValue} is too close to the edge for sigma ${sigma}`,
      );
    }
    out.push({ atMs: Math.floor(t), value: grid === undefined ? value : priceGrid(value, grid) });
  }
}

function requireNonNegative(name: string, x: number): void {
  if (!Number.isFinite(x) || x < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${x}`);
  }
}
