/**
 * Upstream's investor-arrivals CSV (shared reference `leeps-hft-app.md` §6.1)
 * turned into a time-ordered schedule of investor orders.
 *
 * Accepted layout: a header row naming `arrival_time` (seconds from market
 * start), `market_id_in_subsession`, `price` (integer 10⁻⁴ ECU),
 * `buy_sell_indicator` (`B`/`S`) and `time_in_force` (seconds), in any order.
 * All three shipped header variants are therefore read the same way. Other
 * columns are dropped, including `fundamental_value`, which upstream never
 * stored: it only records the V the file was drawn around.
 *
 * Prices are gridded here, as upstream grids every investor price on arrival
 * (older files such as `investors_trial.csv` hold e.g. 992004, which trades
 * at 990000). The one exception is the no-offer sentinel 2147483647: gridding
 * would turn it into 2,147,480,000 (§1), and a BCS market buy must stay
 * recognisable as one. 0 is on the grid already.
 */

import { MAX_ASK, priceGrid } from "../price_grid.ts";
import {
  byTime,
  ExogenousFileError,
  integerField,
  readCsvTable,
  secondsToMs,
} from "./csv_table.ts";

/** One scheduled investor order (always 1 share). */
export interface InvestorArrival {
  /** ms from market start. */
  atMs: number;
  /** 1-based market index in the round; 0 = all markets. */
  market: number;
  /** Limit price in 10⁻⁴ ECU, on the price grid unless it is the 2147483647 sentinel. */
  price: number;
  side: "B" | "S";
  /** Seconds; 0 = immediate-or-cancel. Fractions in the file are truncated, as upstream. */
  timeInForce: number;
}

/** The OUCH time_in_force field is a 32-bit unsigned integer. */
export const MAX_TIME_IN_FORCE = 4294967295;

const COLUMNS = [
  "arrival_time",
  "market_id_in_subsession",
  "price",
  "buy_sell_indicator",
  "time_in_force",
] as const;

/** Grids a file or generated price, leaving the no-offer sentinel alone (see the module note). */
export function gridInvestorPrice(price: number): number {
  return price === MAX_ASK ? MAX_ASK : priceGrid(price);
}

/**
 * Parses an investor-arrivals file; `source` is the name used in error
 * messages. Rows come back sorted by time, file order kept among equal times.
 * Throws {@link ExogenousFileError} on the first bad row.
 */
export function parseInvestorArrivals(text: string, source: string): InvestorArrival[] {
  const table = readCsvTable(text, source, { required: COLUMNS });
  const out: InvestorArrival[] = table.rows.map((row) => {
    const atMs = secondsToMs(row, source, "arrival_time");
    const market = integerField(row, source, "market_id_in_subsession", {
      lo: 0,
      hi: 2147483647,
    });
    const price = integerField(row, source, "price", { lo: 0, hi: MAX_ASK });
    const sideText = row.field("buy_sell_indicator");
    if (sideText !== "B" && sideText !== "S") {
      throw new ExogenousFileError(
        source,
        row.line,
        "buy_sell_indicator",
        sideText === "" ? "missing value" : `${JSON.stringify(sideText)} is not B or S`,
      );
    }
    const timeInForce = integerField(row, source, "time_in_force", {
      rounding: "trunc",
      lo: 0,
      hi: MAX_TIME_IN_FORCE,
    });
    return { atMs, market, price: gridInvestorPrice(price), side: sideText, timeInForce };
  });
  return byTime(out);
}
