/**
 * What a live session needs from its config to run any round: the
 * exogenous schedules, read and checked once when the session is created
 * (a bad file is an error then, not in the middle of round 7), and each
 * market's round input built from them.
 */

import type { EloRoundInput, EloSeat } from "../market/elo_market.ts";
import type { EloSessionConfig } from "../market/session_config.ts";
import { roundSeed } from "../market/simulation/simulation_summary.ts";
import type { EloSimulationSpec } from "../market/simulation/elo_simulation.ts";
import { eloSpec } from "../simulation/main.ts";
import type { SeatEntry } from "../eventlog/event_kinds.ts";

export interface SessionPlan {
  config: EloSessionConfig;
  spec: EloSimulationSpec;
}

export async function planSession(config: EloSessionConfig): Promise<SessionPlan> {
  return { config, spec: await eloSpec(config, config.numRounds) };
}

/**
 * A market's seats at a round's start: bots as the config lists them,
 * people in the default role with speed off and the seat's sliders.
 */
export function seatsAtStart(
  config: EloSessionConfig,
  participantsBySeat: (number | null)[],
): SeatEntry[] {
  return config.seats.map((s, i) => {
    const person = participantsBySeat[i] ?? null;
    return {
      seat: i + 1,
      participant: s.bot ? null : person,
      role: s.bot ? s.role : config.elo.defaultRole,
      speed: s.bot ? s.speed : false,
      a_x: s.aX,
      a_y: s.aY,
      a_z: s.aZ,
    };
  });
}

/** Market `market`'s input for 1-based `round`, seated as `seats` (from `round_start`). */
export function roundInput(
  plan: SessionPlan,
  round: number,
  market: number,
  seats: SeatEntry[],
  durationMs: number,
  seed: number,
): EloRoundInput {
  const { spec } = plan;
  const r = round - 1;
  const eloSeats: EloSeat[] = seats.map((s) => ({
    role: s.role,
    speed: s.speed,
    aX: s.a_x,
    aY: s.a_y,
    aZ: s.a_z,
  }));
  return {
    ...spec,
    market,
    durationMs,
    seats: eloSeats,
    investors: spec.investorsPerRound[r % spec.investorsPerRound.length],
    externalFeed: spec.externalFeedPerRound[r % spec.externalFeedPerRound.length],
    seed,
  };
}

/** The seed of a market's round, as the simulation draws it. */
export function marketSeed(config: EloSessionConfig, round: number, market: number): number {
  return roundSeed(config.seed, round - 1, 4 + 16 * market);
}
