/**
 * Whole BCS sessions in virtual time: rounds of {@link runBcsRound} with
 * value jumps and investors generated from the seed (or replayed from
 * files), the event log and per-trader results as CSV text, and the
 * summary the `simulate` command prints. Pure: the caller reads and writes
 * files.
 */

import type { InvestorArrival } from "../exogenous/investor_arrivals.ts";
import { generateBcsInvestorArrivals } from "../exogenous/investor_generator.ts";
import { generateValueJumps, type ValueJump } from "../exogenous/value_jumps.ts";
import { mulberry32 } from "../seeded_rng.ts";
import { type BcsRoundInput, type RoundOutcome, runBcsRound } from "./bcs_market.ts";
import {
  csvOf,
  eventsCsv,
  type RoundFigures,
  roundSeed,
  type SessionLayout,
  type SimulationResult,
  summarise,
  traderId,
} from "./simulation_summary.ts";

/**
 * A BCS session: a round's settings (the jumps, investors and seed are drawn
 * or read per round); markets of a round share its jumps and investors, as
 * in the lab.
 */
export interface BcsSimulationSpec
  extends Omit<BcsRoundInput, "jumps" | "investors" | "seed">, SessionLayout {
  /** Generated (λ_V per second, σ in price units) or one schedule per round. */
  jumps: { ratePerSecond: number; sigma: number } | { perRound: ValueJump[][] };
  investors: { ratePerSecond: number } | { perRound: InvestorArrival[][] };
}

export type BcsRoundFigures = RoundOutcome & RoundFigures;

export async function simulateBcs(
  spec: BcsSimulationSpec,
  options: { seed: number; rounds: number },
): Promise<SimulationResult<BcsRoundFigures>> {
  const outcomes: BcsRoundFigures[] = [];
  const markets = spec.markets ?? 1;
  for (let r = 0; r < options.rounds; r++) {
    const durationMs = spec.durationMsPerRound?.[r] ?? spec.durationMs;
    const jumps = "perRound" in spec.jumps
      ? pick(spec.jumps.perRound, r, "value-jump")
      : generateValueJumps({
        rng: mulberry32(roundSeed(options.seed, r, 1)),
        startValue: spec.startValue,
        ratePerSecond: spec.jumps.ratePerSecond,
        sigma: spec.jumps.sigma,
        durationMs,
      });
    const investors = "perRound" in spec.investors
      ? pick(spec.investors.perRound, r, "investor")
      : generateBcsInvestorArrivals({
        rng: mulberry32(roundSeed(options.seed, r, 2)),
        ratePerSecond: spec.investors.ratePerSecond,
        durationMs,
      });
    for (let m = 1; m <= markets; m++) {
      const o = await runBcsRound({
        ...spec,
        durationMs,
        jumps,
        investors: investors.map((i) => ({ atMs: i.atMs, side: i.side })),
        seed: roundSeed(options.seed, r, 3 + 16 * m),
      });
      outcomes.push({
        ...o,
        round: r + 1,
        market: m,
        traders: o.traders.map((t) => ({ ...t, id: traderId(m, markets, t.id) })),
      });
    }
  }
  const rows = outcomes.flatMap((o) =>
    o.traders.map((t) => ({
      round: o.round,
      market: o.market,
      trader: t.id,
      role: t.role,
      speed: t.speed,
      speed_seconds: t.speedSeconds,
      speed_cost: t.speedCost,
      bought: t.bought,
      sold: t.sold,
      inventory: t.inventory,
      cash_change: t.cashChange,
      profit_against_value: t.profitAgainstValue,
      payoff: t.payoff,
      snipes_won: t.snipesWon,
      sniped_against: t.snipedAgainst,
    }))
  );
  return {
    summary: summarise(outcomes),
    outcomes,
    eventsCsv: eventsCsv(outcomes),
    tradersCsv: csvOf(rows, ["round", "trader"]),
  };
}

function pick<T>(perRound: T[][], round: number, what: string): T[] {
  const list = perRound[round];
  if (!list) {
    throw new RangeError(`no ${what} schedule for round ${round + 1}: ${perRound.length} given`);
  }
  return list;
}
