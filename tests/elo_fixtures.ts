/**
 * What the ELO tests stand on: the shipped T1 investor and external-feed
 * schedules, parsed once, and a round input with the P4 parameters.
 */

import { parseExternalFeed, parseInvestorArrivals } from "../market/exogenous/mod.ts";
import type { EloRoundInput } from "../market/elo_market.ts";

const DATA = new URL("./data/", import.meta.url).pathname;

export const investors = parseInvestorArrivals(
  await Deno.readTextFile(`${DATA}investor_focal_T1_May2021.csv`),
  "investor_focal_T1_May2021.csv",
);

export const externalFeed = parseExternalFeed(
  await Deno.readTextFile(`${DATA}external_feed_T1_May2021.csv`),
  "external_feed_T1_May2021.csv",
);

/** A 180 s CDA round on the T1 schedules with upstream's P4 parameters; `over` changes any of it. */
export function eloRoundInput(over: Partial<EloRoundInput> = {}): EloRoundInput {
  return {
    format: "cda",
    durationMs: 180_000,
    seats: [],
    market: 1,
    investors,
    externalFeed,
    slowLatencyMs: 500,
    fastLatencyMs: 100,
    investorLatencyMs: 10,
    batchMs: 3000,
    delayMs: 1000,
    pegProportion: 0,
    kSignedVolume: 0.5,
    kReferencePrice: 0.7,
    referencePriceMode: "required",
    signedVolumeMode: "required",
    deductionRate: 0.1,
    endowment: 1_000_000,
    speedUnitCost: 100,
    repriceOnPostBatch: true,
    seed: 3,
    ...over,
  };
}
