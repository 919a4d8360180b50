/**
 * `deno task bench:simulate`: wall time to simulate one 180 s round of an
 * 8-trader ELO market (all automated, mixed sliders and speeds) on each
 * format, with the settings of the example configs (`configs/elo-*.yaml`:
 * upstream's P4 values and the shipped T1 investor and external-feed
 * schedules, 363 investor orders and 222 feed rows). Target: under 1 s.
 *
 * Baseline, in the same process: the same round with every seat out, so
 * only the exchange, the investors and the feed run. The ratio says what the
 * eight trading bots cost on top.
 *
 * Last line: JSON with the median and p90 wall time per case in ms.
 */

import { eloSpec } from "../simulation/main.ts";
import { parseSessionConfig } from "../market/session_config.ts";
import { type EloSeat, runEloRound } from "../market/simulation/elo_market.ts";
import type { MarketFormat } from "../engine-wasm/events.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 15);
// the slider mix of configs/elo-*.yaml, plus two more makers
const sliders = [
  [0.5, 0.5],
  [0.5, 0.5],
  [0.2, 1],
  [0.2, 0],
  [1, 0.8],
  [0, 0.2],
  [0.5, 0.5],
  [0.2, 1],
];
const automated: EloSeat[] = sliders.map(([aY, aZ], i) => ({
  role: "automated",
  speed: i % 2 === 0,
  aX: 0,
  aY,
  aZ,
}));
const out: EloSeat[] = automated.map((s) => ({ ...s, role: "out", speed: false }));

/** The example config of the format (upstream P4 values, T1 schedules) with these seats. */
async function specFor(format: MarketFormat) {
  const path = `${ROOT}configs/elo-${format}.yaml`;
  return await eloSpec(parseSessionConfig(await Deno.readTextFile(path), path), 1);
}
const specs = {
  cda: await specFor("cda"),
  fba: await specFor("fba"),
  iex: await specFor("iex"),
};

async function round(format: MarketFormat, seats: EloSeat[], seed: number) {
  const spec = specs[format];
  const t0 = performance.now();
  const r = await runEloRound({
    ...spec,
    seats,
    market: 1,
    investors: spec.investorsPerRound[0],
    externalFeed: spec.externalFeedPerRound[0],
    seed,
  });
  if (r.errors > 0) throw new Error(`${r.errors} trader errors in the round`);
  return { ms: performance.now() - t0, trades: r.trades, events: r.log.length };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const results: Record<string, { p50_ms: number; p90_ms: number; trades: number; events: number }> =
  {};
console.log(`ELO round, 180 s, 8 traders, T1 schedules; ${RUNS} runs each (after 2 warm-up runs)`);
console.log("case              p50 ms   p90 ms   trades   log rows   (all out: p50 ms)   ratio");
for (const format of ["cda", "fba", "iex"] as const) {
  for (const seats of [out, automated]) {
    await round(format, seats, 0);
    await round(format, seats, 0);
  }
  const bots: number[] = [];
  const base: number[] = [];
  let last = { trades: 0, events: 0 };
  for (let i = 1; i <= RUNS; i++) {
    base.push((await round(format, out, i)).ms);
    const r = await round(format, automated, i);
    bots.push(r.ms);
    last = r;
  }
  const p50 = pct(bots, 0.5);
  results[format] = {
    p50_ms: Math.round(p50 * 10) / 10,
    p90_ms: Math.round(pct(bots, 0.9) * 10) / 10,
    trades: last.trades,
    events: last.events,
  };
  results[`${format}_all_out`] = {
    p50_ms: Math.round(pct(base, 0.5) * 10) / 10,
    p90_ms: Math.round(pct(base, 0.9) * 10) / 10,
    trades: 0,
    events: 0,
  };
  console.log(
    `${format} 8 automated  ${p50.toFixed(1).padStart(7)}  ${
      pct(bots, 0.9).toFixed(1).padStart(7)
    }  ${String(last.trades).padStart(7)}  ${String(last.events).padStart(9)}   (${
      pct(base, 0.5).toFixed(1)
    })${" ".repeat(12)}${(p50 / pct(base, 0.5)).toFixed(2)}`,
  );
}
console.log(JSON.stringify({ elo_round_180s_8_traders: results }));
