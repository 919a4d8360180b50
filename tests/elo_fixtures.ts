/** The shipped T1 investor and external-feed schedules, parsed once for the ELO tests. */

import { parseExternalFeed, parseInvestorArrivals } from "../market/exogenous/mod.ts";

const DATA = new URL("./data/", import.meta.url).pathname;

export const investors = parseInvestorArrivals(
  await Deno.readTextFile(`${DATA}investor_focal_T1_May2021.csv`),
  "investor_focal_T1_May2021.csv",
);

export const externalFeed = parseExternalFeed(
  await Deno.readTextFile(`${DATA}external_feed_T1_May2021.csv`),
  "external_feed_T1_May2021.csv",
);
