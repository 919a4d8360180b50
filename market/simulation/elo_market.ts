/** The ELO round as the simulation runs it: straight through in virtual time. */

export {
  type EloRoundInput,
  type EloRoundOutcome,
  type EloSeat,
  type EloTraderOutcome,
  runEloRound,
} from "../elo_market.ts";
