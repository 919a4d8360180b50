/**
 * Whole ELO sessions in virtual time: one {@link runEloRound} per round on
 * that round's investor and external-feed schedules, the event log and
 * per-trader results as CSV text, and the summary. Pure: the caller reads
 * the schedule files and writes the results.
 */

import type { ExternalFeedRow } from "../exogenous/external_feed.ts";
import type { InvestorArrival } from "../exogenous/investor_arrivals.ts";
import { type EloRoundInput, type EloRoundOutcome, runEloRound } from "./elo_market.ts";
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

/** An ELO session; each market replays the schedule rows for it and for market 0. */
export interface EloSimulationSpec
  extends Omit<EloRoundInput, "investors" | "externalFeed" | "seed" | "market">, SessionLayout {
  /** One schedule per round (round 1 first); rounds beyond the list reuse it cyclically. */
  investorsPerRound: InvestorArrival[][];
  externalFeedPerRound: ExternalFeedRow[][];
}

export type EloRoundFigures = EloRoundOutcome & RoundFigures;

export async function simulateElo(
  spec: EloSimulationSpec,
  options: { seed: number; rounds: number },
): Promise<SimulationResult<EloRoundFigures>> {
  if (spec.investorsPerRound.length === 0 || spec.externalFeedPerRound.length === 0) {
    throw new RangeError("an ELO simulation needs an investor and an external-feed schedule");
  }
  const outcomes: EloRoundFigures[] = [];
  const markets = spec.markets ?? 1;
  for (let r = 0; r < options.rounds; r++) {
    for (let m = 1; m <= markets; m++) {
      const o = await runEloRound({
        ...spec,
        market: m,
        durationMs: spec.durationMsPerRound?.[r] ?? spec.durationMs,
        investors: spec.investorsPerRound[r % spec.investorsPerRound.length],
        externalFeed: spec.externalFeedPerRound[r % spec.externalFeedPerRound.length],
        seed: roundSeed(options.seed, r, 4 + 16 * m),
      });
      outcomes.push({
        ...o,
        round: r + 1,
        market: m,
        traders: o.traders.map((t) => ({
          ...t,
          id: traderId(m, markets, t.id),
          payoff: t.result.payoff,
        })),
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
      speed_cost: t.result.speedCost,
      bought: t.result.bought,
      sold: t.result.sold,
      inventory: t.result.inventory,
      cash: t.result.cash,
      reference_price: t.result.referencePrice,
      inventory_value: t.result.inventoryValue,
      deduction: t.result.deduction,
      payoff_before_deduction: t.result.payoffBeforeDeduction,
      payoff: t.result.payoff,
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
