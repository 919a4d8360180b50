/**
 * Upstream's external-feed CSV (shared reference `leeps-hft-app.md` §6.2): the
 * best bid and offer of a hypothetical other market, replayed over a round.
 *
 * Accepted layout: a header row naming `arrival_time` (seconds from market
 * start), `market_id_in_subsession`, `e_best_bid`, `e_best_offer` (integer
 * 10⁻⁴ ECU) and `e_signed_volume` (a float), in any order. Other columns are
 * dropped, which covers the leading unnamed index column that pandas writes
 * (`external_feed_changes.csv`). Times are rounded to the nearest ms from
 * their decimal text, so artefacts such as `1.7730000000000001` give 1773.
 *
 * What is kept as written:
 * - **Consecutive duplicates.** The generator writes a row whenever the best
 *   *order* changes, so equal prices repeat (55 such rows in
 *   `external_feed_T1_May2021.csv`). Every row is returned; deciding that a
 *   row changes nothing, and ignoring it, is the market's job (§6.3), and
 *   dropping rows here would hide the file's real row count from the
 *   experimenter.
 * - **Locked rows** (bid = offer; 37 of the 222 rows in the 2021 file).
 * - **One-sided rows**: bid 0 means no bid, offer 2147483647 means no offer.
 *   Both sentinels are returned unchanged and are never gridded.
 *
 * Rejected: a crossed row (a bid above the offer, both present), which no
 * order book can show and which usually means swapped columns.
 */

import { MAX_ASK, MIN_BID } from "../price_grid.ts";
import {
  byTime,
  decimalNumber,
  ExogenousFileError,
  integerField,
  orThrow,
  readCsvTable,
  secondsToMs,
} from "./csv_table.ts";

/** One external-market quote update. */
export interface ExternalFeedRow {
  /** ms from market start. */
  atMs: number;
  /** 1-based market index in the round; 0 = all markets. */
  market: number;
  /** 10⁻⁴ ECU; 0 = no bid. */
  bestBid: number;
  /** 10⁻⁴ ECU; 2147483647 = no offer. */
  bestOffer: number;
  /** External signed volume (a float; 0 throughout the shipped files). */
  signedVolume: number;
}

const COLUMNS = [
  "arrival_time",
  "market_id_in_subsession",
  "e_best_bid",
  "e_best_offer",
  "e_signed_volume",
] as const;

/**
 * Parses an external-feed file; `source` is the name used in error messages.
 * Rows come back sorted by time, file order kept among equal times. Throws
 * {@link ExogenousFileError} on the first bad row.
 */
export function parseExternalFeed(text: string, source: string): ExternalFeedRow[] {
  const table = readCsvTable(text, source, { required: COLUMNS });
  const out: ExternalFeedRow[] = table.rows.map((row) => {
    const atMs = secondsToMs(row, source, "arrival_time");
    const market = integerField(row, source, "market_id_in_subsession", {
      lo: 0,
      hi: 2147483647,
    });
    const bestBid = integerField(row, source, "e_best_bid", { lo: MIN_BID, hi: MAX_ASK });
    const bestOffer = integerField(row, source, "e_best_offer", { lo: MIN_BID, hi: MAX_ASK });
    if (bestBid !== MIN_BID && bestOffer !== MAX_ASK && bestBid > bestOffer) {
      throw new ExogenousFileError(
        source,
        row.line,
        "e_best_bid",
        `${bestBid} is above e_best_offer ${bestOffer} (a crossed quote)`,
      );
    }
    const signedVolume = orThrow(
      row,
      source,
      "e_signed_volume",
      decimalNumber(row.field("e_signed_volume")),
    );
    return { atMs, market, bestBid, bestOffer, signedVolume };
  });
  return byTime(out);
}
