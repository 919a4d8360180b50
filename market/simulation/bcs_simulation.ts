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

/** A round's settings; the jumps, investors and seed are drawn (or read) per round. */
export interface BcsSimulationSpec extends Omit<BcsRoundInput, "jumps" | "investors" | "seed"> {
  /** Generated (λ_V per second, σ in price units) or one schedule per round. */
  jumps: { ratePerSecond: number; sigma: number } | { perRound: ValueJump[][] };
  investors: { ratePerSecond: number } | { perRound: InvestorArrival[][] };
}

export interface SimulationSummary {
  rounds: number;
  jumps: number;
  snipes: number;
  snipes_per_jump: number;
  trades: number;
  mean_spread: number | null;
  volume: number;
  traders: { id: string; role: string; speed_seconds: number; payoff: number }[];
}

export interface SimulationResult {
  summary: SimulationSummary;
  outcomes: RoundOutcome[];
  eventsCsv: string;
  tradersCsv: string;
}

/** A distinct, reproducible seed per round and purpose. */
function roundSeed(seed: number, round: number, purpose: number): number {
  return (Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) + Math.imul(round + 1, 0x9e3779b1) + purpose) >>>
    0;
}

export async function simulateBcs(
  spec: BcsSimulationSpec,
  options: { seed: number; rounds: number },
): Promise<SimulationResult> {
  const outcomes: RoundOutcome[] = [];
  const events: string[] = ["round,time_ms,event,trader,token,side,price,shares,value"];
  const traders: string[] = [
    "round,trader,role,speed,speed_seconds,speed_cost,bought,sold,inventory,cash_change," +
    "profit_against_value,payoff,snipes_won,sniped_against",
  ];
  for (let r = 0; r < options.rounds; r++) {
    const jumps = "perRound" in spec.jumps
      ? pick(spec.jumps.perRound, r, "value-jump")
      : generateValueJumps({
        rng: mulberry32(roundSeed(options.seed, r, 1)),
        startValue: spec.startValue,
        ratePerSecond: spec.jumps.ratePerSecond,
        sigma: spec.jumps.sigma,
        durationMs: spec.durationMs,
      });
    const investors = "perRound" in spec.investors
      ? pick(spec.investors.perRound, r, "investor")
      : generateBcsInvestorArrivals({
        rng: mulberry32(roundSeed(options.seed, r, 2)),
        ratePerSecond: spec.investors.ratePerSecond,
        durationMs: spec.durationMs,
      });
    const outcome = await runBcsRound({
      ...spec,
      jumps,
      investors: investors.map((i) => ({ atMs: i.atMs, side: i.side })),
      seed: roundSeed(options.seed, r, 3),
    });
    outcomes.push(outcome);
    for (const e of outcome.log) {
      events.push(
        `${
          r + 1
        },${e.timeMs},${e.event},${e.trader},${e.token},${e.side},${e.price},${e.shares},${e.value}`,
      );
    }
    for (const t of outcome.traders) {
      traders.push(
        [
          r + 1,
          t.id,
          t.role,
          t.speed,
          t.speedSeconds,
          t.speedCost,
          t.bought,
          t.sold,
          t.inventory,
          t.cashChange,
          t.profitAgainstValue,
          t.payoff,
          t.snipesWon,
          t.snipedAgainst,
        ].join(","),
      );
    }
  }
  return {
    summary: summarise(outcomes),
    outcomes,
    eventsCsv: events.join("\n") + "\n",
    tradersCsv: traders.join("\n") + "\n",
  };
}

function pick<T>(perRound: T[][], round: number, what: string): T[] {
  const list = perRound[round];
  if (!list) {
    throw new RangeError(`no ${what} schedule for round ${round + 1}: ${perRound.length} given`);
  }
  return list;
}

function summarise(outcomes: RoundOutcome[]): SimulationSummary {
  const sum = (f: (o: RoundOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const jumps = sum((o) => o.jumps);
  const snipes = sum((o) => o.snipes);
  const quoted = outcomes.filter((o) => o.meanSpread !== null);
  const byTrader = new Map<string, SimulationSummary["traders"][number]>();
  for (const o of outcomes) {
    for (const t of o.traders) {
      const s = byTrader.get(t.id) ?? { id: t.id, role: t.role, speed_seconds: 0, payoff: 0 };
      s.speed_seconds += t.speedSeconds;
      s.payoff += t.payoff;
      byTrader.set(t.id, s);
    }
  }
  return {
    rounds: outcomes.length,
    jumps,
    snipes,
    snipes_per_jump: jumps > 0 ? Math.round((snipes / jumps) * 1e4) / 1e4 : 0,
    trades: sum((o) => o.trades),
    mean_spread: quoted.length > 0
      ? Math.round(quoted.reduce((s, o) => s + o.meanSpread!, 0) / quoted.length)
      : null,
    volume: sum((o) => o.volume),
    traders: [...byTrader.values()],
  };
}
