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
  type SimulationResult,
  summarise,
} from "./simulation_summary.ts";

export interface EloSimulationSpec
  extends Omit<EloRoundInput, "investors" | "externalFeed" | "seed"> {
  /** One schedule per round (round 1 first); rounds beyond the list reuse it cyclically. */
  investorsPerRound: InvestorArrival[][];
  externalFeedPerRound: ExternalFeedRow[][];
  /** Round lengths when they differ (trial rounds), round 1 first; `durationMs` for the rest. */
  durationMsPerRound?: number[];
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
  for (let r = 0; r < options.rounds; r++) {
    const o = await runEloRound({
      ...spec,
      durationMs: spec.durationMsPerRound?.[r] ?? spec.durationMs,
      investors: spec.investorsPerRound[r % spec.investorsPerRound.length],
      externalFeed: spec.externalFeedPerRound[r % spec.externalFeedPerRound.length],
      seed: roundSeed(options.seed, r, 4),
    });
    outcomes.push({
      ...o,
      traders: o.traders.map((t) => ({ ...t, payoff: t.result.payoff })),
    });
  }
  const rows = outcomes.flatMap((o, r) =>
    o.traders.map((t) => ({
      round: r + 1,
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
