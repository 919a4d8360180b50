/**
 * Exogenous market inputs: investor arrivals and the external feed (read from
 * upstream's CSV files) and the BCS fundamental value (read or generated),
 * plus the seeded generators. Everything here is pure: callers pass file text
 * and an rng, and get plain records with integer ms times and integer prices.
 */

export { ExogenousFileError } from "./csv_table.ts";
export {
  gridInvestorPrice,
  type InvestorArrival,
  MAX_TIME_IN_FORCE,
  parseInvestorArrivals,
} from "./investor_arrivals.ts";
export { type ExternalFeedRow, parseExternalFeed } from "./external_feed.ts";
export {
  generateValueJumps,
  parseValueJumps,
  valueInForceAt,
  type ValueJump,
  type ValueJumpOptions,
} from "./value_jumps.ts";
export {
  type BcsInvestorOptions,
  type EloInvestorOptions,
  generateBcsInvestorArrivals,
  generateEloInvestorArrivals,
  generateInvestorArrivals,
  type TimeInForceRule,
} from "./investor_generator.ts";
