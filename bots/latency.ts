/**
 * Latency percentiles in the manner of an HDR histogram: values in whole
 * microseconds go into log-linear buckets (exact below 256 µs, then 128
 * buckets per power of two, so any value is known to within 0.4 %).
 * Memory stays bounded however many samples arrive, and histograms from
 * several processes merge exactly, which a sorted array of samples would
 * not allow without shipping every sample.
 *
 * Percentiles are nearest-rank: p99 is the smallest recorded value with at
 * least 99 % of the samples at or below it, reported as its bucket's
 * midpoint.
 */

const EXACT = 256;
const SUB = 128;
/** 2^31 µs is about 36 minutes; anything longer is clamped there. */
const MAX_US = 2 ** 31 - 1;
const BUCKETS = EXACT + 24 * SUB;

function bucketOf(us: number): number {
  if (us < EXACT) return us;
  const shift = 31 - Math.clz32(us) - 7;
  return EXACT + (shift - 1) * SUB + ((us >>> shift) - SUB);
}

function lowOf(index: number): number {
  if (index < EXACT) return index;
  const shift = Math.floor((index - EXACT) / SUB) + 1;
  return ((index - EXACT) % SUB + SUB) * 2 ** shift;
}

function midOf(index: number): number {
  if (index < EXACT) return index;
  const shift = Math.floor((index - EXACT) / SUB) + 1;
  return lowOf(index) + (2 ** shift - 1) / 2;
}

/** The JSON form, for merging across processes: sparse [bucket, count] pairs. */
export interface LatencyHistogramJson {
  count: number;
  sum_us: number;
  min_us: number;
  max_us: number;
  buckets: [number, number][];
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sumUs = 0;
  #minUs = Infinity;
  #maxUs = 0;

  get count(): number {
    return this.#count;
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const us = Math.min(MAX_US, Math.max(0, Math.round(ms * 1000)));
    this.#counts[bucketOf(us)]++;
    this.#count++;
    this.#sumUs += us;
    if (us < this.#minUs) this.#minUs = us;
    if (us > this.#maxUs) this.#maxUs = us;
  }

  /** Nearest-rank percentile in ms (0 when empty); `p` in 0..100. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) {
        // a bucket's midpoint can lie outside what was actually seen
        return Math.min(this.#maxUs, Math.max(this.#minUs, midOf(i))) / 1000;
      }
    }
    return this.#maxUs / 1000;
  }

  get meanMs(): number {
    return this.#count === 0 ? 0 : this.#sumUs / this.#count / 1000;
  }

  get maxMs(): number {
    return this.#maxUs / 1000;
  }

  merge(other: LatencyHistogram | LatencyHistogramJson): void {
    const json = other instanceof LatencyHistogram ? other.toJSON() : other;
    if (json.count === 0) return;
    for (const [i, n] of json.buckets) {
      if (!Number.isInteger(i) || i < 0 || i >= BUCKETS || !(n >= 0)) {
        throw new RangeError(`not a latency histogram: bucket ${i} × ${n}`);
      }
      this.#counts[i] += n;
    }
    this.#count += json.count;
    this.#sumUs += json.sum_us;
    this.#minUs = Math.min(this.#minUs, json.min_us);
    this.#maxUs = Math.max(this.#maxUs, json.max_us);
  }

  toJSON(): LatencyHistogramJson {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i] > 0) buckets.push([i, this.#counts[i]]);
    return {
      count: this.#count,
      sum_us: this.#sumUs,
      min_us: this.#count === 0 ? 0 : this.#minUs,
      max_us: this.#maxUs,
      buckets,
    };
  }

  static fromJSON(json: LatencyHistogramJson): LatencyHistogram {
    const h = new LatencyHistogram();
    h.merge(json);
    return h;
  }
}

/** Rounds a latency for reports: three decimals (µs). */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
