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
 * inputs, its seed and the times its inputs arrive: the simulation runs it
 * straight through in virtual time, a live session steps it to the wall
 * clock and feeds it subjects' decisions ({@link EloMarket.act}), and
 * replaying those decisions at their times rebuilds it exactly.
 */

import { enterOrder, externalFeed as externalFeedMessage } from "../exchange/order_messages.ts";
import type { MarketFormat } from "../engine-wasm/events.ts";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import type { ExternalFeedRow } from "./exogenous/external_feed.ts";
import type { InvestorArrival } from "./exogenous/investor_arrivals.ts";
import { ReferencePrice, SignedVolume, type StatisticsMode } from "./market_statistics.ts";
import { MAX_ASK } from "./price_grid.ts";
import { mulberry32, type Rng } from "./seeded_rng.ts";
import { type RoundResult, TraderAccount } from "./trader_account.ts";
import { EloTrader } from "./elo/elo_trader.ts";
import type { EloRole } from "./session_config.ts";
import type { OrderView } from "./elo/order_manager.ts";
import type { SubjectAction } from "../eventlog/event_kinds.ts";
import { type LogRow, RoundLog } from "./simulation/round_log.ts";
import { type Route, VirtualMarket } from "./simulation/virtual_market.ts";

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
  /** Session participant for the records (null: a bot or a simulation seat). */
  participant: number | null;
  roleSince: number;
  roleMs: Record<EloRole, number>;
}

const INVESTOR = -1;

/** Where the market's structured records go (kinds of `eventlog/event_kinds.ts`). */
export type RecordSink = (kind: string, data: Record<string, unknown>) => void;

export interface EloMarketOptions {
  /** Session participant of each seat (index = seat − 1); absent: none. */
  participants?: (number | null)[];
  /** Structured records for the event log; absent in plain simulations. */
  record?: RecordSink;
  /**
   * Keep the simulation's row log (the outcome's `log`; default true). A
   * live market has the event log instead, and a busy round would hold a
   * row per message for nothing.
   */
  roundLog?: boolean;
}

/** A trade as the screens draw it (seats 1-based, 0 = the investor). */
export interface TradeMark {
  atMs: number;
  price: number;
  shares: number;
  buyerSeat: number;
  sellerSeat: number;
}

/** What changed since the last {@link EloMarket.takeChanges}: what screens must redraw. */
export interface EloMarketChanges {
  book: boolean;
  external: boolean;
  statistics: boolean;
  batch: { clearingPrice: number; volume: number; atMs: number } | null;
  trades: TradeMark[];
  /** 0-based seats whose orders, wallet or strategy changed. */
  seats: Set<number>;
  /** Refusals to tell a seat about (0-based seat, reason). */
  refusals: [number, string][];
}

export interface SeatView {
  role: EloRole;
  speed: boolean;
  aX: number;
  aY: number;
  aZ: number;
  orders: OrderView[];
  cash: number;
  inventory: number;
  /** Profit before deduction now: cash − endowment + inventory × reference price − speed cost. */
  pbd: number;
  speedCost: number;
}

export type SeatMoney = Pick<SeatView, "cash" | "inventory" | "pbd" | "speedCost">;

export interface MarketView {
  bestBid: number;
  volumeAtBestBid: number;
  bestOffer: number;
  volumeAtBestOffer: number;
  external: { bestBid: number; bestOffer: number; signedVolume: number };
  /** IEX peg price, 0 for none. */
  peg: number;
  lastBatch: { clearingPrice: number; volume: number; atMs: number } | null;
  referencePrice: number;
  signedVolume: number;
}

export interface BookView {
  bids: { price: number; volume: number }[];
  asks: { price: number; volume: number }[];
}

export interface EloMarket {
  readonly now: number;
  /** When the market next has something to do (Infinity: nothing scheduled). */
  nextAt(): number;
  /** Runs everything due before `untilMs`; the clock is left at `untilMs`. */
  run(untilMs: number): void;
  /**
   * A seat's decision (0-based seat) at the current time. Returns the
   * reason when the market does not take it (the records say so too).
   */
  act(seat: number, action: SubjectAction): string | null;
  seatView(seat: number): SeatView;
  /** A seat's money alone: what its screen's wallet shows, read for every seat on every change. */
  seatMoney(seat: number): SeatMoney;
  /** A seat's orders as its screen shows them (see `OrderManager.shown`). */
  shownOrders(seat: number): OrderView[];
  /** How many orders a seat has created, and those created after the first `n`. */
  ordersCreated(seat: number): number;
  ordersCreatedSince(seat: number, n: number): OrderView[];
  /** The BBO, the feed, the peg, the last batch and the statistics: cheap, no book walk. */
  marketView(): MarketView;
  /** Resting volume by price, best first per side: one walk of the whole book. */
  book(): BookView;
  takeChanges(): EloMarketChanges;
  /** Ends the round at `atMs` (the clock must be there) and settles every seat. */
  finish(atMs: number): EloRoundOutcome;
  close(): void;
}

/** Opens a round: everything is scheduled from time 0; nothing runs until {@link EloMarket.run}. */
export async function openEloMarket(
  input: EloRoundInput,
  options: EloMarketOptions = {},
): Promise<EloMarket> {
  const rng: Rng = mulberry32(input.seed ^ 0x3c6ef372);
  const market = await VirtualMarket.create(input);
  const clock = market.clock;
  const sink = options.record;
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
  const acceptedAt = new Map<string, number>();
  const seenMatch = new Set<bigint>();
  const pendingFill = new Map<bigint, { token: string; owner: number }>();
  let lastFeedChange = -1;
  let errors = 0;
  let reactionQueued = false;
  let bboKind: "Q" | "Z" = "Q";
  let peg = 0;
  let lastBatch: MarketView["lastBatch"] = null;
  let changes = emptyChanges();
  let finished = false;

  const record = options.roundLog === false
    ? () => {}
    : (...args: Parameters<RoundLog["record"]>) => roundLog.record(...args);

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
          changes.seats.add(i);
          if (sink) traderRecord(i, "speed_change");
        },
      }),
      route,
      account,
      seat,
      snipesWon: 0,
      snipedAgainst: 0,
      participant: options.participants?.[i] ?? null,
      roleSince: 0,
      roleMs: { out: 0, manual: 0, automated: 0 },
    };
    s.route.venue.subscribe((m) => {
      if (m.type === "connection") return;
      if (m.type === "E") onExecution(i, m);
      if (m.type === "A" || m.type === "U" || m.type === "C") {
        const tok = m.type === "U" ? m.replacementOrderToken : m.orderToken;
        record(m.type, s.id, tok, "", "", m.type === "C" ? m.decrementShares : "");
        if (m.type !== "C") acceptedAt.set(tok, clock.ms);
      }
      sendAll(i, guarded(s, () => s.trader.onReply(m)));
      if (m.type === "A" || m.type === "U" || m.type === "C" || m.type === "E") {
        changes.seats.add(i);
        // the depth screens draw moved, whether or not the best did
        changes.book = true;
        if (sink) {
          orderReply(i + 1, s.participant, m);
          traderRecord(i, m.type, m.type === "E" ? m : undefined);
        }
      }
    });
    return s;
  });
  const investorRoute = market.route(input.investorLatencyMs);
  investorRoute.venue.subscribe((m) => {
    if (m.type === "E") onExecution(INVESTOR, m);
    if (m.type === "A" || m.type === "C" || m.type === "E") changes.book = true;
    if (sink && (m.type === "A" || m.type === "C" || m.type === "E")) orderReply(0, null, m);
  });
  const feedRoute = market.route(0);
  market.connect().subscribe((m) => {
    if (m.type === "Q" || m.type === "Z") onBbo(m);
    if (m.type === "L") {
      peg = m.pegPrice;
      changes.external = true;
    }
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
      const message = e instanceof Error ? e.message : String(e);
      record("error", s.id, message.replaceAll(",", ";"));
      sink?.("error", { seat: Number(s.id.slice(1)), message });
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
      if (sink) orderSent(i + 1, s.participant, m);
    }
    if (messages.length > 0) changes.seats.add(i);
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
    changes.book = true;
    if (m.type === "Z") {
      lastBatch = { clearingPrice: m.clearingPrice, volume: m.transactedVolume, atMs: clock.ms };
      changes.batch = lastBatch;
      sink?.("batch", { clearing_price: m.clearingPrice, transacted_volume: m.transactedVolume });
      if (sink) marketRecord("Z", m.clearingPrice, m.transactedVolume);
    } else if (sink) marketRecord("Q");
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
    changes.statistics = true;
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
      pendingFill.set(match, { token: m.orderToken, owner });
      return;
    }
    pendingFill.delete(match);
    stats.trades++;
    stats.volume += m.executedShares;
    classify(other.token, m.orderToken);
    const seatOf = (o: number) => (o === INVESTOR ? 0 : o + 1);
    const [buyer, seller] = side === "B" ? [owner, other.owner] : [other.owner, owner];
    const trade: TradeMark = {
      atMs: clock.ms,
      price: m.executionPrice,
      shares: m.executedShares,
      buyerSeat: seatOf(buyer),
      sellerSeat: seatOf(seller),
    };
    changes.trades.push(trade);
    if (sink) {
      sink("trade", {
        match_number: String(match),
        price: trade.price,
        shares: trade.shares,
        buyer_seat: trade.buyerSeat,
        seller_seat: trade.sellerSeat,
        aggressor: aggressorOf(m.orderToken, side, other.token),
      });
      marketRecord("E");
    }
  }

  /** The side whose order reached the book last took liquidity; a batch has none. */
  function aggressorOf(token: string, side: "B" | "S", otherToken: string): "B" | "S" | "" {
    if (input.format === "fba") return "";
    const mine = acceptedAt.get(token) ?? Infinity;
    const theirs = acceptedAt.get(otherToken) ?? Infinity;
    if (mine === theirs) return "";
    return mine > theirs ? side : side === "B" ? "S" : "B";
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
    changes.external = true;
    record("feed", "", "", "", row.bestBid, "");
    if (sink) marketRecord("external_feed");
    feedRoute.send(externalFeedMessage(row.bestBid, row.bestOffer));
    respond((s) => guarded(s, () => s.trader.onExternalFeed({ ...external })));
  }

  function onInvestor(row: InvestorArrival): void {
    investor.orders++;
    const token = `INVE${row.side}0001${String(investor.orders).padStart(5, "0")}`;
    const peg = input.format === "iex" && rng() < input.pegProportion;
    const order = enterOrder({
      token,
      side: row.side,
      shares: 1,
      price: row.price,
      timeInForce: row.timeInForce,
      firm: "INVE",
      midpointPeg: peg,
    });
    investorRoute.send(order);
    record("send O", "INVESTOR", token, row.side, row.price, 1);
    if (sink) orderSent(0, null, order);
  }

  // ---- structured records (only with a sink) ----------------------------------

  function orderSent(seat: number, participant: number | null, m: ClientMessage): void {
    if (m.type === "O") {
      sink!("order", {
        seat,
        participant,
        order_token: m.orderToken,
        step: "sent",
        buy_sell_indicator: m.buySellIndicator,
        price: m.price,
        shares: m.shares,
        time_in_force: m.timeInForce,
        midpoint_peg: m.midpointPeg,
      });
    } else if (m.type === "U") {
      sink!("order", {
        seat,
        participant,
        order_token: m.replacementOrderToken,
        step: "replace_sent",
        buy_sell_indicator: "",
        price: m.price,
        shares: m.shares,
        old_token: m.existingOrderToken,
        time_in_force: m.timeInForce,
      });
    } else if (m.type === "X") {
      sink!("order", {
        seat,
        participant,
        order_token: m.orderToken,
        step: "cancel_sent",
        buy_sell_indicator: "",
        price: null,
        shares: m.shares,
      });
    }
  }

  function orderReply(seat: number, participant: number | null, m: ServerMessage): void {
    const base = { seat, participant };
    if (m.type === "A") {
      sink!("order", {
        ...base,
        order_token: m.orderToken,
        step: "accepted",
        buy_sell_indicator: m.buySellIndicator,
        price: m.price,
        shares: m.shares,
        time_in_force: m.timeInForce,
        midpoint_peg: m.midpointPeg,
      });
    } else if (m.type === "U") {
      sink!("order", {
        ...base,
        order_token: m.replacementOrderToken,
        step: "replaced",
        buy_sell_indicator: m.buySellIndicator,
        price: m.price,
        shares: m.shares,
        old_token: m.previousOrderToken,
        time_in_force: m.timeInForce,
      });
    } else if (m.type === "C") {
      sink!("order", {
        ...base,
        order_token: m.orderToken,
        step: "canceled",
        buy_sell_indicator: "",
        price: null,
        shares: m.decrementShares,
        reason: m.reason,
      });
    } else if (m.type === "E") {
      sink!("order", {
        ...base,
        order_token: m.orderToken,
        step: "executed",
        buy_sell_indicator: m.orderToken[4] === "B" ? "B" : "S",
        price: m.executionPrice,
        shares: m.executedShares,
        execution_price: m.executionPrice,
        match_number: String(m.matchNumber),
      });
    }
  }

  function marketRecord(
    trigger: string,
    clearing: number | null = null,
    volume: number | null = null,
  ) {
    sink!("market_record", {
      trigger_event_type: trigger,
      reference_price: reference.value,
      best_bid: focal.bestBid,
      best_offer: focal.bestOffer,
      next_bid: focal.nextBid,
      next_offer: focal.nextOffer,
      volume_at_best_bid: focal.volumeAtBestBid,
      volume_at_best_offer: focal.volumeAtBestOffer,
      e_best_bid: external.bestBid,
      e_best_offer: external.bestOffer,
      signed_volume: signedVolume.value,
      e_signed_volume: external.signedVolume,
      clearing_price: clearing,
      transacted_volume: volume,
    });
  }

  function liveOrder(s: Seat, side: "B" | "S"): OrderView | null {
    return s.trader.firstActive(side);
  }

  function traderRecord(
    i: number,
    trigger: string,
    execution?: Extract<ServerMessage, { type: "E" }>,
  ): void {
    const s = seats[i];
    const bid = liveOrder(s, "B");
    const offer = liveOrder(s, "S");
    const staged = s.trader.staged;
    const sliders = s.trader.sliders;
    const speedCost = s.account.speedCost(clock.ms);
    // my order alone at the best level: the best except me is the next level
    const exceptMe = (mine: OrderView | null, best: number, volume: number, next: number) =>
      mine !== null && mine.price === best && volume <= 1 ? next : best;
    sink!("trader_record", {
      seat: i + 1,
      participant: s.participant,
      trigger_event_type: trigger,
      trader_model_name: s.trader.role,
      delay: s.trader.speed ? input.fastLatencyMs / 1000 : input.slowLatencyMs / 1000,
      speed: s.trader.speed,
      inventory: s.account.inventory,
      cash: s.account.cash,
      speed_cost: speedCost,
      net_worth: s.account.netWorth(reference.value) - speedCost,
      tax_paid: 0,
      reference_price: reference.value,
      bid: bid?.price ?? null,
      offer: offer?.price ?? null,
      staged_bid: staged.bid,
      staged_offer: staged.offer,
      implied_bid: null,
      implied_offer: null,
      best_bid: focal.bestBid,
      best_offer: focal.bestOffer,
      best_bid_except_me: exceptMe(bid, focal.bestBid, focal.volumeAtBestBid, focal.nextBid),
      best_offer_except_me: exceptMe(
        offer,
        focal.bestOffer,
        focal.volumeAtBestOffer,
        focal.nextOffer,
      ),
      e_best_bid: external.bestBid,
      e_best_offer: external.bestOffer,
      slider_a_x: sliders.aX,
      slider_a_y: sliders.aY,
      slider_a_z: sliders.aZ,
      signed_volume: signedVolume.value,
      e_signed_volume: external.signedVolume,
      executed_price: execution?.executionPrice ?? null,
      buy_sell_indicator: execution ? (execution.orderToken[4] === "B" ? "B" : "S") : "",
      ...(input.format === "iex" ? { peg_price: peg } : {}),
    });
  }

  // ---- decisions ----------------------------------------------------------------

  function setRole(i: number, role: EloRole): void {
    const s = seats[i];
    s.roleMs[s.trader.role] += clock.ms - s.roleSince;
    s.roleSince = clock.ms;
    sendAll(i, guarded(s, () => s.trader.setRole(role, clock.ms)));
    changes.seats.add(i);
    if (sink) traderRecord(i, "role_change");
  }

  function act(i: number, action: SubjectAction): string | null {
    if (finished) return "the round is over";
    const s = seats[i];
    if (s === undefined) throw new RangeError(`no seat ${i + 1} in this market`);
    let refused: string | null = null;
    // A decision the trader cannot take costs that decision only: the
    // market goes on, and a replay of the log meets the same refusal.
    try {
      switch (action.type) {
        case "role":
          setRole(i, action.role);
          break;
        case "speed": {
          const r = s.trader.setSpeed(action.on, clock.ms);
          if (!r.ok) refused = r.reason;
          break;
        }
        case "sliders": {
          const sliders = { aX: action.a_x, aY: action.a_y, aZ: action.a_z };
          sendAll(i, guarded(s, () => s.trader.setSliders(sliders)));
          changes.seats.add(i);
          if (sink) traderRecord(i, "slider");
          break;
        }
        case "order": {
          const r = s.trader.click(action.side, action.price);
          if (Array.isArray(r)) sendAll(i, r);
          else refused = r.refused;
          break;
        }
      }
    } catch (e) {
      errors++;
      const message = e instanceof Error ? e.message : String(e);
      record("error", s.id, message.replaceAll(",", ";"));
      sink?.("error", { seat: i + 1, message });
      refused = `the market could not take that ${action.type} decision: ${message}`;
    }
    if (refused !== null) {
      changes.refusals.push([i, refused]);
      sink?.("refused", { seat: i + 1, reason: refused });
    }
    return refused;
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
    if (sink) marketRecord("market_start");
    seats.forEach((s, i) => {
      s.account.marketOpen(0);
      // taking a role turns speed off (§3.2); a fast seat then switches it on
      sendAll(i, guarded(s, () => s.trader.setRole(s.seat.role, 0)));
      if (s.seat.speed) s.trader.setSpeed(true, 0);
      if (sink) traderRecord(i, "market_start");
    });
  });

  function seatMoney(i: number): SeatMoney {
    const account = seats[i].account;
    const speedCost = account.speedCost(clock.ms);
    return {
      cash: account.cash,
      inventory: account.inventory,
      pbd: account.netWorth(reference.value) - speedCost - account.initialCash,
      speedCost,
    };
  }

  function book(): BookView {
    const snapshot = market.host.exchange.book.snapshot();
    const levels = (side: typeof snapshot.bids) =>
      side.map((l) => ({ price: l.price, volume: l.volume }));
    return { bids: levels(snapshot.bids), asks: levels(snapshot.asks) };
  }

  return {
    get now() {
      return clock.ms;
    },
    nextAt: () => market.nextAt(),
    run: (untilMs) => market.run(untilMs),
    act,
    seatView(i) {
      const s = seats[i];
      const sliders = s.trader.sliders;
      return {
        role: s.trader.role,
        speed: s.trader.speed,
        aX: sliders.aX,
        aY: sliders.aY,
        aZ: sliders.aZ,
        // made only when asked: the wallet and the strategy are read far more often
        get orders() {
          return s.trader.activeOrders;
        },
        ...seatMoney(i),
      };
    },
    seatMoney,
    shownOrders: (i) => seats[i].trader.shownOrders,
    ordersCreated: (i) => seats[i].trader.ordersCreated,
    ordersCreatedSince: (i, n) => seats[i].trader.ordersCreatedSince(n),
    marketView: () => ({
      bestBid: focal.bestBid,
      volumeAtBestBid: focal.volumeAtBestBid,
      bestOffer: focal.bestOffer,
      volumeAtBestOffer: focal.volumeAtBestOffer,
      external: { ...external },
      peg,
      lastBatch,
      referencePrice: reference.value,
      signedVolume: signedVolume.value,
    }),
    book,
    takeChanges() {
      const c = changes;
      changes = emptyChanges();
      return c;
    },
    finish(atMs) {
      market.run(atMs);
      finished = true;
      accrueSpread();
      record("end", "", "", "", "", "");
      if (sink) marketRecord("market_end");
      const traders = seats.map((s, i): EloTraderOutcome => {
        s.account.marketClose(atMs);
        s.roleMs[s.trader.role] += atMs - s.roleSince;
        s.roleSince = atMs;
        const result = s.account.settle({
          referencePrice: reference.value,
          deductionRate: input.deductionRate,
          atMs,
        });
        if (sink) {
          traderRecord(i, "market_end");
          const share = (ms: number) => (atMs > 0 ? ms / atMs : 0);
          sink("payoff", {
            seat: i + 1,
            participant: s.participant,
            endowment: result.initialCash,
            cash: result.cash,
            inventory: result.inventory,
            bought: result.bought,
            sold: result.sold,
            sum_bid_price: result.sumBidPrice,
            sum_ask_price: result.sumAskPrice,
            reference_price: result.referencePrice,
            inventory_value: result.inventoryValue,
            speed_cost: result.speedCost,
            payoff_before_deduction: result.payoffBeforeDeduction,
            deduction: result.deduction,
            payoff: result.payoff,
            speed_seconds: result.speedSeconds,
            time_as_automated: share(s.roleMs.automated),
            time_as_manual: share(s.roleMs.manual),
            time_as_out: share(s.roleMs.out),
          });
        }
        return {
          id: s.id,
          role: s.seat.role,
          speed: s.seat.speed,
          speedSeconds: s.account.speedSeconds(atMs),
          result,
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
    },
    close: () => market.close(),
  };
}

function emptyChanges(): EloMarketChanges {
  return {
    book: false,
    external: false,
    statistics: false,
    batch: null,
    trades: [],
    seats: new Set(),
    refusals: [],
  };
}

/** One round straight through in virtual time: the simulation's way to run it. */
export async function runEloRound(input: EloRoundInput): Promise<EloRoundOutcome> {
  const market = await openEloMarket(input);
  market.run(input.durationMs);
  const outcome = market.finish(input.durationMs);
  market.close();
  return outcome;
}
