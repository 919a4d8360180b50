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
  csv,
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
      investors: spec.investorsPerRound[r % spec.investorsPerRound.length],
      externalFeed: spec.externalFeedPerRound[r % spec.externalFeedPerRound.length],
      seed: roundSeed(options.seed, r, 4),
    });
    outcomes.push({
      ...o,
      traders: o.traders.map((t) => ({ ...t, payoff: t.result.payoff })),
    });
  }
  const header = [
    "round",
    "trader",
    "role",
    "speed",
    "speed_seconds",
    "speed_cost",
    "bought",
    "sold",
    "inventory",
    "cash",
    "reference_price",
    "inventory_value",
    "deduction",
    "payoff_before_deduction",
    "payoff",
    "snipes_won",
    "sniped_against",
  ];
  const rows = outcomes.flatMap((o, r) =>
    o.traders.map((t) => [
      r + 1,
      t.id,
      t.role,
      t.speed,
      t.speedSeconds,
      t.result.speedCost,
      t.result.bought,
      t.result.sold,
      t.result.inventory,
      t.result.cash,
      t.result.referencePrice,
      t.result.inventoryValue,
      t.result.deduction,
      t.result.payoffBeforeDeduction,
      t.result.payoff,
      t.snipesWon,
      t.snipedAgainst,
    ])
  );
  return {
    summary: summarise(outcomes),
    outcomes,
    eventsCsv: eventsCsv(outcomes),
    tradersCsv: csv(header, rows),
  };
}
