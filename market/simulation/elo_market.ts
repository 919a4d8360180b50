/**
 * One round of the ELO market (upstream's live environment; shared
 * reference `leeps-hft-app.md` §2.1–§8) in virtual time on the real
 * exchange: automated traders quoting by the latent bid/offer equation,
 * the hidden investor replaying its schedule, the external feed moving the
 * traders (and, on IEX, the peg), signed volume and the reference price,
 * and each trader's account settled at the end with the inventory valued at
 * the reference price less the deduction.
 *
 * Per fill the market statistics update first and the traders revalue
 * after (§3.1). All traders' responses to one event are shuffled by trader,
 * then each goes out after its owner's latency. Deterministic for its
 * inputs and seed.
 */

import { enterOrder, externalFeed as externalFeedMessage } from "../../exchange/order_messages.ts";
import type { MarketFormat } from "../../engine-wasm/events.ts";
import type { ClientMessage, ServerMessage } from "../../ouch/messages.ts";
import type { ExternalFeedRow } from "../exogenous/external_feed.ts";
import type { InvestorArrival } from "../exogenous/investor_arrivals.ts";
import { ReferencePrice, SignedVolume, type StatisticsMode } from "../market_statistics.ts";
import { MAX_ASK } from "../price_grid.ts";
import { mulberry32, type Rng } from "../seeded_rng.ts";
import { type RoundResult, TraderAccount } from "../trader_account.ts";
import { EloTrader } from "../elo/elo_trader.ts";
import type { EloRole } from "../session_config.ts";
import { type LogRow, RoundLog } from "./round_log.ts";
import { type Route, VirtualMarket } from "./virtual_market.ts";

export interface EloSeat {
  role: EloRole;
  speed: boolean;
  aX: number;
  aY: number;
  aZ: number;
}

export interface EloRoundInput {
  format: MarketFormat;
  durationMs: number;
  seats: EloSeat[];
  /** This market's 1-based index: schedule rows for market 0 or this index apply. */
  market: number;
  investors: InvestorArrival[];
  externalFeed: ExternalFeedRow[];
  slowLatencyMs: number;
  fastLatencyMs: number;
  investorLatencyMs: number;
  batchMs: number;
  delayMs: number;
  /** IEX: probability that an investor order is midpoint-pegged. */
  pegProportion: number;
  kSignedVolume: number;
  kReferencePrice: number;
  referencePriceMode: StatisticsMode;
  signedVolumeMode: StatisticsMode;
  deductionRate: number;
  /** 1e-4 ECU. */
  endowment: number;
  /** 1e-4 ECU per second. */
  speedUnitCost: number;
  repriceOnPostBatch: boolean;
  seed: number;
}

export interface EloTraderOutcome {
  id: string;
  role: EloRole;
  speed: boolean;
  speedSeconds: number;
  result: RoundResult;
  snipesWon: number;
  snipedAgainst: number;
}

export interface EloRoundOutcome {
  /** External-feed changes: the public news of ELO. */
  jumps: number;
  snipes: number;
  trades: number;
  volume: number;
  meanSpread: number | null;
  referencePrice: number;
  signedVolume: number;
  /** Trader failures isolated during the round (each logged as an `error` row). */
  errors: number;
  traders: EloTraderOutcome[];
  investor: { inventory: number; cashChange: number };
  log: LogRow[];
}

interface Seat {
  id: string;
  trader: EloTrader;
  route: Route;
  account: TraderAccount;
  seat: EloSeat;
  snipesWon: number;
  snipedAgainst: number;
}

const INVESTOR = -1;

export async function runEloRound(input: EloRoundInput): Promise<EloRoundOutcome> {
  const rng: Rng = mulberry32(input.seed ^ 0x3c6ef372);
  const market = await VirtualMarket.create(input);
  const clock = market.clock;
  const signedVolume = new SignedVolume({
    kSignedVolume: input.kSignedVolume,
    mode: input.signedVolumeMode,
  });
  const reference = new ReferencePrice({
    kReferencePrice: input.kReferencePrice,
    sessionDurationSeconds: input.durationMs / 1000,
    mode: input.referencePriceMode,
  });
  const roundLog = new RoundLog(() => clock.ms, () => reference.value);
  const focal = {
    bestBid: 0,
    volumeAtBestBid: 0,
    nextBid: 0,
    bestOffer: MAX_ASK,
    volumeAtBestOffer: 0,
    nextOffer: MAX_ASK,
  };
  const external = { bestBid: 0, bestOffer: MAX_ASK, signedVolume: 0 };
  const stats = { jumps: 0, snipes: 0, trades: 0, volume: 0 };
  const spread = { since: 0, weighted: 0, quotedMs: 0 };
  const investor = { inventory: 0, cashChange: 0, orders: 0 };
  const sentAt = new Map<string, number>();
  const ownerOf = new Map<string, number>();
  const seenMatch = new Set<bigint>();
  const pendingFill = new Map<bigint, string>();
  let lastFeedChange = -1;
  let errors = 0;
  let reactionQueued = false;
  let bboKind: "Q" | "Z" = "Q";

  const record = (...args: Parameters<RoundLog["record"]>) => roundLog.record(...args);

  const seats: Seat[] = input.seats.map((seat, i) => {
    const firm = String.fromCharCode(65 + (i % 26)).repeat(4);
    const route = market.route(input.slowLatencyMs);
    const account = new TraderAccount({
      initialCash: input.endowment,
      speedUnitCost: input.speedUnitCost,
    });
    const s: Seat = {
      id: `T${i + 1}`,
      trader: new EloTrader({
        seat: i + 1,
        playerId: i + 1,
        firm,
        role: "out",
        sliders: { aX: seat.aX, aY: seat.aY, aZ: seat.aZ },
        repriceOnPostBatch: input.repriceOnPostBatch,
        // the trader decides when speed is on (a role change forces it off);
        // the route's latency and the bill follow
        onSpeedChange: (c) => {
          route.latencyMs = c.on ? input.fastLatencyMs : input.slowLatencyMs;
          account.setSpeed(c.on, c.atMs);
        },
      }),
      route,
      account,
      seat,
      snipesWon: 0,
      snipedAgainst: 0,
    };
    s.route.venue.subscribe((m) => {
      if (m.type === "connection") return;
      if (m.type === "E") onExecution(i, m);
      if (m.type === "A" || m.type === "U" || m.type === "C") {
        const tok = m.type === "U" ? m.replacementOrderToken : m.orderToken;
        record(m.type, s.id, tok, "", "", m.type === "C" ? m.decrementShares : "");
      }
      sendAll(i, guarded(s, () => s.trader.onReply(m)));
    });
    return s;
  });
  const investorRoute = market.route(input.investorLatencyMs);
  investorRoute.venue.subscribe((m) => {
    if (m.type === "E") onExecution(INVESTOR, m);
  });
  const feedRoute = market.route(0);
  market.connect().subscribe((m) => {
    if (m.type === "Q" || m.type === "Z") onBbo(m);
  });

  /**
   * One trader's failure costs that trader this event, never the market or
   * the other traders (upstream's dispatch aborted for everyone). It is
   * logged as an `error` row.
   */
  function guarded(s: Seat, f: () => ClientMessage[]): ClientMessage[] {
    try {
      return f();
    } catch (e) {
      errors++;
      record("error", s.id, (e instanceof Error ? e.message : String(e)).replaceAll(",", ";"));
      return [];
    }
  }

  function sendAll(i: number, messages: ClientMessage[]): void {
    const s = seats[i];
    for (const m of messages) {
      s.route.send(m);
      if (m.type === "O" || m.type === "U") {
        const tok = m.type === "O" ? m.orderToken : m.replacementOrderToken;
        sentAt.set(tok, clock.ms);
        ownerOf.set(tok, i);
        record(
          `send ${m.type}`,
          s.id,
          tok,
          m.type === "O" ? m.buySellIndicator : "",
          m.price,
          m.shares,
        );
      } else if (m.type === "X") {
        record("send X", s.id, m.orderToken, "", "", m.shares);
      }
    }
  }

  /** One event's responses from every trader, in a fair random order. */
  function respond(each: (s: Seat) => ClientMessage[]): void {
    const out: [number, ClientMessage[]][] = [];
    seats.forEach((s, i) => {
      const messages = each(s);
      if (messages.length > 0) out.push([i, messages]);
    });
    for (let k = out.length - 1; k > 0; k--) {
      const j = Math.floor(rng() * (k + 1));
      [out[k], out[j]] = [out[j], out[k]];
    }
    for (const [i, messages] of out) sendAll(i, messages);
  }

  /** Time-weights the spread that held since the last BBO. */
  function accrueSpread(): void {
    const dt = clock.ms - spread.since;
    if (focal.bestBid > 0 && focal.bestOffer < MAX_ASK && focal.bestOffer >= focal.bestBid) {
      spread.weighted += dt * (focal.bestOffer - focal.bestBid);
      spread.quotedMs += dt;
    }
    spread.since = clock.ms;
  }

  function onBbo(m: Extract<ServerMessage, { type: "Q" | "Z" }>): void {
    accrueSpread();
    focal.bestBid = m.bestBid;
    focal.volumeAtBestBid = m.volumeAtBestBid;
    focal.nextBid = m.nextBid;
    focal.bestOffer = m.bestAsk;
    focal.volumeAtBestOffer = m.volumeAtBestAsk;
    focal.nextOffer = m.nextAsk;
    record(m.type, "", "", "", "", "");
    // Traders react once to the market as it stands after everything that
    // arrived at this instant, not once per intermediate BBO: several
    // requests landing in the same millisecond would otherwise each set off
    // a round of re-quotes from every bot, and those waves multiply.
    bboKind = m.type;
    if (!reactionQueued) {
      reactionQueued = true;
      market.at(clock.ms, () => {
        reactionQueued = false;
        respond((s) => guarded(s, () => s.trader.onBbo({ ...focal }, bboKind)));
      });
    }
  }

  function onExecution(owner: number, m: Extract<ServerMessage, { type: "E" }>): void {
    const match = m.matchNumber;
    const side = m.orderToken[4] === "B" ? "B" : "S";
    // statistics first (once per fill, or per message in upstream mode), then the accounts
    const fill = { match, price: m.executionPrice, atMs: clock.ms, ...bboForStatistics() };
    const first = !seenMatch.has(match);
    if (first) seenMatch.add(match);
    let moved = false;
    if (input.signedVolumeMode === "upstream") moved = signedVolume.onExecutionMessage(fill);
    else if (first) moved = signedVolume.onFill(fill);
    if (input.referencePriceMode === "upstream") reference.onExecutionMessage(fill);
    else if (first) reference.onFill(fill);
    if (moved) {
      for (const s of seats) guarded(s, () => (s.trader.onSignedVolume(signedVolume.value), []));
    }
    if (owner === INVESTOR) {
      investor.inventory += side === "B" ? 1 : -1;
      investor.cashChange += side === "B" ? -m.executionPrice : m.executionPrice;
    } else {
      seats[owner].account.fill(side, m.executionPrice, clock.ms);
    }
    record(
      "E",
      owner === INVESTOR ? "INVESTOR" : seats[owner].id,
      m.orderToken,
      side,
      m.executionPrice,
      1,
    );
    const other = pendingFill.get(match);
    if (other === undefined) {
      pendingFill.set(match, m.orderToken);
      return;
    }
    pendingFill.delete(match);
    stats.trades++;
    stats.volume += m.executedShares;
    classify(other, m.orderToken);
  }

  function bboForStatistics() {
    return { bestBid: focal.bestBid, bestOffer: focal.bestOffer };
  }

  /**
   * A snipe: a trader's order priced before the latest external-feed change
   * trades with a trader's order sent after it.
   */
  function classify(a: string, b: string): void {
    for (const [stale, fresh] of [[a, b], [b, a]]) {
      const staleOwner = ownerOf.get(stale);
      const freshOwner = ownerOf.get(fresh);
      if (staleOwner === undefined || freshOwner === undefined) continue;
      if (sentAt.get(stale)! < lastFeedChange && sentAt.get(fresh)! >= lastFeedChange) {
        stats.snipes++;
        seats[freshOwner].snipesWon++;
        seats[staleOwner].snipedAgainst++;
        return;
      }
    }
  }

  function onFeed(row: ExternalFeedRow): void {
    if (
      row.bestBid === external.bestBid && row.bestOffer === external.bestOffer &&
      row.signedVolume === external.signedVolume
    ) return;
    external.bestBid = row.bestBid;
    external.bestOffer = row.bestOffer;
    external.signedVolume = row.signedVolume;
    stats.jumps++;
    lastFeedChange = clock.ms;
    record("feed", "", "", "", row.bestBid, "");
    feedRoute.send(externalFeedMessage(row.bestBid, row.bestOffer));
    respond((s) => guarded(s, () => s.trader.onExternalFeed({ ...external })));
  }

  function onInvestor(row: InvestorArrival): void {
    investor.orders++;
    const token = `INVE${row.side}0001${String(investor.orders).padStart(5, "0")}`;
    const peg = input.format === "iex" && rng() < input.pegProportion;
    investorRoute.send(enterOrder({
      token,
      side: row.side,
      shares: 1,
      price: row.price,
      timeInForce: row.timeInForce,
      firm: "INVE",
      midpointPeg: peg,
    }));
    record("send O", "INVESTOR", token, row.side, row.price, 1);
  }

  const mine = (m: number) => m === 0 || m === input.market;
  for (const row of input.externalFeed) {
    if (mine(row.market)) {
      market.at(row.atMs, () => onFeed(row));
    }
  }
  for (const row of input.investors) {
    if (mine(row.market)) {
      market.at(row.atMs, () => onInvestor(row));
    }
  }
  market.at(0, () => {
    seats.forEach((s, i) => {
      s.account.marketOpen(0);
      // taking a role turns speed off (§3.2); a fast seat then switches it on
      sendAll(i, guarded(s, () => s.trader.setRole(s.seat.role, 0)));
      if (s.seat.speed) s.trader.setSpeed(true, 0);
    });
  });
  market.run(input.durationMs);
  accrueSpread();
  record("end", "", "", "", "", "");
  market.close();

  const traders = seats.map((s): EloTraderOutcome => {
    s.account.marketClose(input.durationMs);
    return {
      id: s.id,
      role: s.seat.role,
      speed: s.seat.speed,
      speedSeconds: s.account.speedSeconds(input.durationMs),
      result: s.account.settle({
        referencePrice: reference.value,
        deductionRate: input.deductionRate,
        atMs: input.durationMs,
      }),
      snipesWon: s.snipesWon,
      snipedAgainst: s.snipedAgainst,
    };
  });
  return {
    ...stats,
    meanSpread: spread.quotedMs > 0 ? spread.weighted / spread.quotedMs : null,
    referencePrice: reference.value,
    signedVolume: signedVolume.value,
    errors,
    traders,
    investor: { inventory: investor.inventory, cashChange: investor.cashChange },
    log: roundLog.rows,
  };
}
