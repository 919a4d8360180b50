/**
 * `deno task simulate <config> [--seed S] [--rounds N] [--out DIR]`
 *
 * Runs whole trading days of a session config in virtual time with a bot in
 * every seat, on the real exchange engine, and writes `events.csv` (the
 * event log) and `traders.csv` (per trader and round) to DIR (default
 * `data/simulation/<config name>-<seed>`). The last line printed is one JSON
 * summary. The same config and seed give byte-identical files.
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  type BcsSessionConfig,
  type EloSessionConfig,
  parseSessionConfig,
  type SessionConfig,
} from "../market/session_config.ts";
import type { BcsSeat } from "../market/simulation/bcs_market.ts";
import type { EloSeat } from "../market/simulation/elo_market.ts";
import {
  parseExternalFeed,
  parseInvestorArrivals,
  parseValueJumps,
} from "../market/exogenous/mod.ts";
import { type BcsSimulationSpec, simulateBcs } from "../market/simulation/bcs_simulation.ts";
import { type EloSimulationSpec, simulateElo } from "../market/simulation/elo_simulation.ts";
import type { SimulationResult } from "../market/simulation/simulation_summary.ts";

export interface SimulateCommand {
  config: string;
  seed?: number;
  rounds?: number;
  out?: string;
}

export const USAGE =
  "usage: deno task simulate <config.yaml|json> [--seed S] [--rounds N] [--out DIR]";

export function parseSimulateArgs(args: string[]): SimulateCommand {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { seed: { type: "string" }, rounds: { type: "string" }, out: { type: "string" } },
  });
  if (positionals.length !== 1) throw new Error(`expected one config file\n${USAGE}`);
  const integer = (name: string, text: string | undefined, min: number, max: number) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        `--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text)}`,
      );
    }
    return n;
  };
  return {
    config: positionals[0],
    seed: integer("seed", values.seed, 0, 0xffffffff),
    rounds: integer("rounds", values.rounds, 1, 10_000),
    out: values.out,
  };
}

/**
 * The bots of a simulation: the seats the config lists, or, when it lists
 * none (an upstream file, or a session meant for people), a line-up that
 * trades: BCS, the CDA equilibrium of one maker and the rest sniping, all
 * fast; ELO, every seat automated with the seat defaults' sliders.
 */
export function bcsSeats(config: BcsSessionConfig): BcsSeat[] {
  return config.seats.map((s, i) =>
    config.seatsListed > 0
      ? { role: s.role, speed: s.speed, spread: s.spread }
      : { role: i === 0 ? "maker" : "sniper", speed: true, spread: s.spread }
  );
}

export function eloSeats(config: EloSessionConfig): EloSeat[] {
  return config.seats.map((s) => ({
    role: config.seatsListed > 0 ? s.role : "automated",
    speed: s.speed,
    aX: s.aX,
    aY: s.aY,
    aZ: s.aZ,
  }));
}

/** Runs a config's session: BCS or ELO, whichever it declares. */
export async function simulateSession(
  config: SessionConfig,
  options: { seed: number; rounds: number },
): Promise<SimulationResult> {
  return config.environment === "bcs"
    ? await simulateBcs(await bcsSpec(config, options.rounds), options)
    : await simulateElo(await eloSpec(config, options.rounds), options);
}

/** Builds the simulation of an ELO config, reading its schedule files. */
export async function eloSpec(config: SessionConfig, rounds: number): Promise<EloSimulationSpec> {
  if (config.environment !== "elo") {
    throw new Error(
      `${config.source}: session.environment: expected "elo", got "${config.environment}"`,
    );
  }
  const pick = (r: number) => config.rounds[r % config.rounds.length];
  const count = Math.min(rounds, config.rounds.length);
  const investorsPerRound = [];
  const externalFeedPerRound = [];
  for (let r = 0; r < count; r++) {
    const inv = pick(r).investorArrivals;
    const feed = pick(r).externalFeed;
    if (inv.kind !== "file" || !feed) {
      throw new Error(
        `${config.source}: round ${r + 1}: ELO needs investor and external-feed files`,
      );
    }
    investorsPerRound.push(parseInvestorArrivals(await Deno.readTextFile(inv.path), inv.path));
    externalFeedPerRound.push(parseExternalFeed(await Deno.readTextFile(feed.path), feed.path));
  }
  return {
    format: config.auctionFormat,
    durationMs: config.roundDurationMs,
    durationMsPerRound: config.rounds.map((r) => r.durationMs),
    markets: config.numberOfMarkets,
    seats: eloSeats(config),
    investorsPerRound,
    externalFeedPerRound,
    slowLatencyMs: config.latency.slowMs,
    fastLatencyMs: config.latency.fastMs,
    investorLatencyMs: config.latency.investorMs,
    batchMs: config.batchLengthMs ?? 3000,
    delayMs: config.speedBumpMs ?? 0,
    pegProportion: config.elo.pegProportion,
    kSignedVolume: config.elo.kSignedVolume,
    kReferencePrice: config.elo.kReferencePrice,
    referencePriceMode: config.elo.referencePriceFormula === "upstream" ? "upstream" : "required",
    signedVolumeMode: config.elo.signedVolumeFormula === "upstream" ? "upstream" : "required",
    deductionRate: config.elo.deductionRate,
    endowment: config.initialEndowment,
    speedUnitCost: config.speedUnitCost,
    repriceOnPostBatch: config.elo.repriceOnPostBatch,
  };
}

/** Builds the simulation of a BCS config, reading its exogenous files. */
export async function bcsSpec(config: SessionConfig, rounds: number): Promise<BcsSimulationSpec> {
  if (config.environment !== "bcs") {
    throw new Error(
      `${config.source}: session.environment: expected "bcs", got "${config.environment}"`,
    );
  }
  const pick = (r: number) => config.rounds[r % config.rounds.length];
  const files = (kind: "jumps" | "investors") =>
    Array.from({ length: rounds }, (_, r) => {
      const source = kind === "jumps" ? pick(r).fundamentalValueJumps : pick(r).investorArrivals;
      return source && source.kind === "file" ? source.path : null;
    });
  const jumpFiles = files("jumps");
  const investorFiles = files("investors");
  const read = (path: string) => Deno.readTextFile(path);
  return {
    format: config.auctionFormat,
    durationMs: config.roundDurationMs,
    durationMsPerRound: config.rounds.map((r) => r.durationMs),
    markets: config.numberOfMarkets,
    startValue: config.bcs.fundamentalPrice,
    seats: bcsSeats(config),
    slowLatencyMs: config.latency.slowMs,
    fastLatencyMs: config.latency.fastMs,
    investorLatencyMs: config.latency.investorMs,
    batchMs: config.batchLengthMs ?? 3000,
    delayMs: config.speedBumpMs ?? 0,
    speedUnitCost: config.speedUnitCost,
    endowment: config.initialEndowment,
    jumps: jumpFiles.every((f) => f !== null)
      ? {
        perRound: await Promise.all(
          jumpFiles.map(async (f) => parseValueJumps(await read(f!), f!)),
        ),
      }
      : { ratePerSecond: config.bcs.jumpRatePerS, sigma: config.bcs.jumpSigma },
    investors: investorFiles.every((f) => f !== null)
      ? {
        perRound: await Promise.all(
          investorFiles.map(async (f) => parseInvestorArrivals(await read(f!), f!)),
        ),
      }
      : { ratePerSecond: config.bcs.investorRatePerS },
  };
}

if (import.meta.main) {
  try {
    const command = parseSimulateArgs(Deno.args);
    const config = parseSessionConfig(await Deno.readTextFile(command.config), command.config);
    for (const w of config.warnings) console.error(`warning: ${w}`);
    if (config.seatsListed === 0) {
      console.error(
        `note: ${config.source} lists no traders.seats; simulating ` +
          (config.environment === "bcs"
            ? "seat 1 as a maker and the others as snipers, all fast"
            : "every seat as automated"),
      );
    }
    const seed = command.seed ?? config.seed;
    const rounds = command.rounds ?? config.numRounds;
    const result = await simulateSession(config, { seed, rounds });
    const out = command.out ?? join("data", "simulation", `${config.name}-${seed}`);
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(join(out, "events.csv"), result.eventsCsv);
    await Deno.writeTextFile(join(out, "traders.csv"), result.tradersCsv);
    console.error(`wrote ${join(out, "events.csv")} and ${join(out, "traders.csv")}`);
    console.log(JSON.stringify(result.summary));
  } catch (e) {
    // config, file and argument errors name what was wrong; nothing to add
    console.error(e instanceof Error ? e.message : String(e));
    Deno.exit(2);
  }
}
