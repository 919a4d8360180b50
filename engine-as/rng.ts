// The engine's random numbers (FBA order within a segment).
//
// SplitMix64: one u64 of state, so a seed is the whole state and the same seed
// with the same commands replays the same events; its output mixing makes
// neighbouring seeds (0, 1, 2, ... as a lab or a test would use) independent.
// reset() leaves it alone: a session is seeded once and its days follow on.

let state: u64 = 0;

export function rngSeed(s: u32): void {
  state = <u64>s;
}

function next64(): u64 {
  state += 0x9e3779b97f4a7c15;
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/**
 * Uniform in [0, n) for n >= 1, without modulo bias: Lemire's multiply-shift,
 * redrawing the few products whose low word falls in the 2^32 mod n values
 * that would make some results more likely than others.
 */
export function below(n: u32): u32 {
  let m = (next64() >> 32) * <u64>n;
  let low = <u32>m;
  if (low < n) {
    const threshold: u32 = (<u32>0 - n) % n;
    while (low < threshold) {
      m = (next64() >> 32) * <u64>n;
      low = <u32>m;
    }
  }
  return <u32>(m >> 32);
}
