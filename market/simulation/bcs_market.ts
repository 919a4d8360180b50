/**
 * One round of the BCS market (Budish–Cramton–Shim as run by Aldrich &
 * López-Vargas; shared reference `leeps-hft-app.md` §2.2 and
 * `models-and-validation.md` §1) in virtual time, with a bot in every seat,
 * on the real exchange (CDA, FBA or IEX) reached through a venue exactly as
 * a live market would.
 *
 * - The fundamental value V jumps at given times; everyone sees a jump at
 *   once.
 * - A maker quotes V ± leg (leg = trunc(s/2)), re-quotes on every jump with
 *   the side facing the move first, and re-enters a side as soon as it
 *   fills.
 * - A sniper sends an IOC at the new V on every non-zero jump, in the
 *   direction of the jump.
 * - Investors send unit IOC market orders.
 * - All bot responses to one jump are shuffled (by trader, so one trader's
 *   own messages keep their order) and then sent, each reaching the
 *   exchange after its owner's latency, never before that owner's previous
 *   message (the FIFO arrival rule). Equal latencies therefore race in
 *   uniformly random order.
 *
 * Deterministic for its inputs and seed: the same round gives the same
 * event log, byte for byte.
 */

import { enterOrder, replaceOrder } from "../../exchange/order_messages.ts";
import type { MarketFormat } from "../../engine-wasm/events.ts";
import type { ClientMessage, ServerMessage } from "../../ouch/messages.ts";
import { MAX_ASK } from "../price_grid.ts";
import { mulberry32, type Rng } from "../seeded_rng.ts";
import { speedCharge } from "../trader_account.ts";
import { type LogRow, RoundLog } from "./round_log.ts";
import { type Route, VirtualMarket } from "./virtual_market.ts";

export type { LogRow };

export type BcsRole = "out" | "maker" | "sniper";

export interface BcsSeat {
  role: BcsRole;
  speed: boolean;
  /** Maker's spread in price units (1e-4 ECU). */
  spread: number;
}

export interface ValuePoint {
  atMs: number;
  value: number;
}

export interface BcsInvestorOrder {
  atMs: number;
  side: "B" | "S";
}

export interface BcsRoundInput {
  format: MarketFormat;
  durationMs: number;
  startValue: number;
  /** Value jumps in time order (the value after each jump). */
  jumps: ValuePoint[];
  investors: BcsInvestorOrder[];
  seats: BcsSeat[];
  slowLatencyMs: number;
  fastLatencyMs: number;
  investorLatencyMs: number;
  batchMs: number;
  /** IEX speed bump. */
  delayMs: number;
  /** 1e-4 ECU per second of speed. */
  speedUnitCost: number;
  /** Starting wealth per trader, 1e-4 ECU. */
  endowment: number;
  seed: number;
}

export interface TraderOutcome {
  id: string;
  role: BcsRole;
  speed: boolean;
  speedSeconds: number;
  speedCost: number;
  bought: number;
  sold: number;
  inventory: number;
  cashChange: number;
  /** Σ over own fills of (V − p) bought, (p − V) sold, V at the fill. */
  profitAgainstValue: number;
  payoff: number;
  snipesWon: number;
  snipedAgainst: number;
}

export interface RoundOutcome {
  jumps: number;
  snipes: number;
  trades: number;
  volume: number;
  /** Time-weighted mean of ask − bid while both sides are quoted (price units), or null. */
  meanSpread: number | null;
  traders: TraderOutcome[];
  investor: { inventory: number; cashChange: number; profitAgainstValue: number };
  log: LogRow[];
}

interface Trader {
  index: number;
  id: string;
  firm: string;
  seat: BcsSeat;
  route: Route;
  orders: number;
  /** Maker: the token currently meant to rest on each side. */
  bid: string | null;
  ask: string | null;
  account: TraderOutcome;
}

const INVESTOR = -1;

/** Firm of seat i (0-based): upstream's letter repeated four times. */
function firmOf(i: number): string {
  return String.fromCharCode(65 + (i % 26)).repeat(4);
}

export async function runBcsRound(input: BcsRoundInput): Promise<RoundOutcome> {
  const rng: Rng = mulberry32(input.seed ^ 0x5bd1e995);
  const market = await VirtualMarket.create(input);
  const clock = market.clock;
  let value = input.startValue;
  const roundLog = new RoundLog(() => clock.ms, () => value);
  /** The V each trader order was priced for, to recognise stale quotes. */
  const pricedFor = new Map<string, number>();
  const ownerOf = new Map<string, number>();
  const pendingFills = new Map<bigint, { token: string; price: number; shares: number }>();
  const stats = { jumps: 0, snipes: 0, trades: 0, volume: 0 };
  const spread = { since: 0, bid: 0, ask: MAX_ASK, weighted: 0, quotedMs: 0 };
  const investor = {
    inventory: 0,
    cashChange: 0,
    profitAgainstValue: 0,
    orders: 0,
  };

  const record = (...args: Parameters<RoundLog["record"]>) => roundLog.record(...args);

  const traders: Trader[] = input.seats.map((seat, i) => {
    const t: Trader = {
      index: i,
      id: `T${i + 1}`,
      firm: firmOf(i),
      seat,
      route: market.route(seat.speed ? input.fastLatencyMs : input.slowLatencyMs),
      orders: 0,
      bid: null,
      ask: null,
      account: {
        id: `T${i + 1}`,
        role: seat.role,
        speed: seat.speed,
        speedSeconds: seat.speed ? input.durationMs / 1000 : 0,
        speedCost: seat.speed ? speedCharge(input.durationMs, input.speedUnitCost) : 0,
        bought: 0,
        sold: 0,
        inventory: 0,
        cashChange: 0,
        profitAgainstValue: 0,
        payoff: 0,
        snipesWon: 0,
        snipedAgainst: 0,
      },
    };
    t.route.venue.subscribe((m) => {
      if (m.type !== "connection") onReply(t, m);
    });
    return t;
  });
  const investorRoute = market.route(input.investorLatencyMs);
  investorRoute.venue.subscribe((m) => {
    if (m.type === "connection") return;
    if (m.type === "E") {
      onExecution(INVESTOR, m.orderToken, m.executionPrice, m.executedShares, m.matchNumber);
    }
    if (m.type === "Q" || m.type === "Z") onQuote(m);
    if (m.type === "Q" || m.type === "Z" || m.type === "L") record(m.type, "", "", "", "", "");
  });

  function token(t: Trader, side: "B" | "S"): string {
    t.orders++;
    return `${t.firm}${side}${String(t.index + 1).padStart(4, "0")}${
      String(t.orders).padStart(5, "0")
    }`;
  }

  /** Sends through the trader's route (its latency, FIFO) and logs it. */
  function send(t: Trader, message: ClientMessage): void {
    t.route.send(message);
    if (message.type === "O") {
      pricedFor.set(message.orderToken, value);
      ownerOf.set(message.orderToken, t.index);
      record(
        "send O",
        t.id,
        message.orderToken,
        message.buySellIndicator,
        message.price,
        message.shares,
      );
    } else if (message.type === "U") {
      pricedFor.set(message.replacementOrderToken, value);
      ownerOf.set(message.replacementOrderToken, t.index);
      record("send U", t.id, message.replacementOrderToken, "", message.price, message.shares);
    } else if (message.type === "X") {
      record("send X", t.id, message.orderToken, "", "", message.shares);
    }
  }

  function leg(t: Trader): number {
    return Math.trunc(t.seat.spread / 2);
  }

  function quote(t: Trader, side: "B" | "S"): ClientMessage {
    const price = side === "B" ? value - leg(t) : value + leg(t);
    const current = side === "B" ? t.bid : t.ask;
    const fresh = token(t, side);
    if (side === "B") t.bid = fresh;
    else t.ask = fresh;
    return current === null
      ? enterOrder({ token: fresh, side, shares: 1, price, firm: t.firm })
      : replaceOrder({ existing: current, replacement: fresh, shares: 1, price });
  }

  function onReply(t: Trader, m: ServerMessage): void {
    if (m.type === "E") {
      onExecution(t.index, m.orderToken, m.executionPrice, m.executedShares, m.matchNumber);
      if (t.seat.role === "maker") {
        // A maker side fills whole (unit orders): whatever was in flight for
        // that side is dead, so it re-enters at the current value.
        const side = m.orderToken[4] as "B" | "S";
        if (side === "B") t.bid = null;
        else t.ask = null;
        send(t, quote(t, side));
      }
    }
    if (m.type === "A" || m.type === "U" || m.type === "C") {
      const tok = m.type === "U" ? m.replacementOrderToken : m.orderToken;
      record(m.type, t.id, tok, "", "", m.type === "C" ? m.decrementShares : "");
    }
  }

  function account(owner: number) {
    return owner === INVESTOR ? investor : traders[owner].account;
  }

  function onExecution(
    owner: number,
    tok: string,
    price: number,
    shares: number,
    match: bigint,
  ): void {
    const side = tok[4] === "B" ? "B" : "S";
    const a = account(owner);
    const signed = side === "B" ? shares : -shares;
    a.inventory += signed;
    a.cashChange -= signed * price;
    a.profitAgainstValue += signed * (value - price);
    if (owner !== INVESTOR) {
      if (side === "B") traders[owner].account.bought += shares;
      else traders[owner].account.sold += shares;
    }
    record("E", owner === INVESTOR ? "INVESTOR" : traders[owner].id, tok, side, price, shares);
    const other = pendingFills.get(match);
    if (!other) {
      pendingFills.set(match, { token: tok, price, shares });
      return;
    }
    pendingFills.delete(match);
    stats.trades++;
    stats.volume += shares;
    classify(other.token, tok, price);
  }

  /**
   * A snipe: one side of the fill is a maker quote priced for an earlier
   * value than the current one, it loses (or breaks even) against the
   * current value, and the other side is a trader, not an investor.
   */
  function classify(a: string, b: string, price: number): void {
    for (const [stale, taker] of [[a, b], [b, a]]) {
      const owner = ownerOf.get(stale);
      const takerOwner = ownerOf.get(taker);
      if (owner === undefined || takerOwner === undefined) continue;
      if (traders[owner].seat.role !== "maker") continue;
      const basis = pricedFor.get(stale);
      if (basis === undefined || basis === value) continue;
      const staleLoss = stale[4] === "B" ? price - value : value - price;
      if (staleLoss < 0) continue;
      stats.snipes++;
      traders[takerOwner].account.snipesWon++;
      traders[owner].account.snipedAgainst++;
      return;
    }
  }

  function onQuote(m: Extract<ServerMessage, { type: "Q" | "Z" }>): void {
    accrueSpread();
    spread.bid = m.bestBid;
    spread.ask = m.bestAsk;
  }

  function accrueSpread(): void {
    const dt = clock.ms - spread.since;
    if (spread.bid > 0 && spread.ask < MAX_ASK && spread.ask >= spread.bid) {
      spread.weighted += dt * (spread.ask - spread.bid);
      spread.quotedMs += dt;
    }
    spread.since = clock.ms;
  }

  function onJump(next: number): void {
    const jump = next - value;
    value = next;
    record("jump", "", "", "", "", "");
    if (jump === 0) return;
    stats.jumps++;
    // Every bot decides now; the order they go out in is a fair lottery.
    const responders: { t: Trader; messages: ClientMessage[] }[] = [];
    for (const t of traders) {
      if (t.seat.role === "maker") {
        const facing: "B" | "S" = jump > 0 ? "S" : "B";
        const other: "B" | "S" = facing === "B" ? "S" : "B";
        responders.push({ t, messages: [quote(t, facing), quote(t, other)] });
      } else if (t.seat.role === "sniper") {
        const side: "B" | "S" = jump > 0 ? "B" : "S";
        responders.push({
          t,
          messages: [
            enterOrder({
              token: token(t, side),
              side,
              shares: 1,
              price: value,
              timeInForce: 0,
              firm: t.firm,
            }),
          ],
        });
      }
    }
    for (let i = responders.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [responders[i], responders[j]] = [responders[j], responders[i]];
    }
    for (const r of responders) for (const m of r.messages) send(r.t, m);
  }

  function onInvestor(side: "B" | "S"): void {
    investor.orders++;
    const tok = `INVE${side}0001${String(investor.orders).padStart(5, "0")}`;
    const message = enterOrder({
      token: tok,
      side,
      shares: 1,
      price: side === "B" ? MAX_ASK : 0,
      timeInForce: 0,
      firm: "INVE",
    });
    investorRoute.send(message);
    record("send O", "INVESTOR", tok, side, message.price, 1);
  }

  // Market open: makers quote both sides.
  for (const t of traders) {
    if (t.seat.role === "maker") {
      send(t, quote(t, "B"));
      send(t, quote(t, "S"));
    }
  }
  for (const j of input.jumps) market.at(j.atMs, () => onJump(j.value));
  for (const o of input.investors) market.at(o.atMs, () => onInvestor(o.side));
  market.run(input.durationMs);
  accrueSpread();
  record("end", "", "", "", "", "");
  market.close();

  for (const t of traders) {
    const a = t.account;
    a.payoff = input.endowment + a.profitAgainstValue - a.speedCost;
  }
  return {
    ...stats,
    meanSpread: spread.quotedMs > 0 ? spread.weighted / spread.quotedMs : null,
    traders: traders.map((t) => t.account),
    investor: {
      inventory: investor.inventory,
      cashChange: investor.cashChange,
      profitAgainstValue: investor.profitAgainstValue,
    },
    log: roundLog.rows,
  };
}
