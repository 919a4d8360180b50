/**
 * Builders for the OUCH requests a trading client sends, with the field
 * values the Leeps HFT app uses (shared reference `leeps-exchange.md` §4.2),
 * so callers state only what varies.
 */

import type { ClientMessage } from "../ouch/messages.ts";
import { STOCK } from "./exchange.ts";

type EnterOrder = Extract<ClientMessage, { type: "O" }>;
type ReplaceOrder = Extract<ClientMessage, { type: "U" }>;
type CancelOrder = Extract<ClientMessage, { type: "X" }>;

export const TOKEN_LENGTH = 14;
/** Upstream traders' "never expires". */
export const TIF_DAY = 99999;

/** Pads a token to its 14 wire bytes with spaces (as NASDAQ); rejects longer ones. */
export function orderToken(name: string): string {
  if (name.length > TOKEN_LENGTH) {
    throw new RangeError(`order token ${JSON.stringify(name)} is longer than ${TOKEN_LENGTH}`);
  }
  return name.padEnd(TOKEN_LENGTH, " ");
}

export interface EnterFields {
  token: string;
  side: "B" | "S";
  shares: number;
  price: number;
  /** Seconds; 0 = IOC, 99998 and above never expire (default 99999). */
  timeInForce?: number;
  /** Four characters (default "AAAA"). */
  firm?: string;
  midpointPeg?: boolean;
}

export function enterOrder(f: EnterFields): EnterOrder {
  return {
    type: "O",
    orderToken: orderToken(f.token),
    buySellIndicator: f.side,
    shares: f.shares,
    stock: STOCK,
    price: f.price,
    timeInForce: f.timeInForce ?? TIF_DAY,
    firm: (f.firm ?? "AAAA").padEnd(4, " "),
    display: "Y",
    capacity: "P",
    intermarketSweepEligibility: "N",
    minimumQuantity: 1,
    crossType: "N",
    customerType: "R",
    midpointPeg: f.midpointPeg ?? false,
  };
}

export interface ReplaceFields {
  existing: string;
  replacement: string;
  /** The new total size (the exchange deducts what already executed). */
  shares: number;
  price: number;
  timeInForce?: number;
}

export function replaceOrder(f: ReplaceFields): ReplaceOrder {
  return {
    type: "U",
    existingOrderToken: orderToken(f.existing),
    replacementOrderToken: orderToken(f.replacement),
    shares: f.shares,
    price: f.price,
    timeInForce: f.timeInForce ?? TIF_DAY,
    display: "Y",
    intermarketSweepEligibility: "N",
    minimumQuantity: 1,
  };
}

/** `remaining` is the size wanted after the cancel: 0 cancels the order. */
export function cancelOrder(token: string, remaining = 0): CancelOrder {
  return { type: "X", orderToken: orderToken(token), shares: remaining };
}

export function systemStart(): ClientMessage {
  return { type: "H", timestamp: 0n, eventCode: "S" };
}

export function externalFeed(bestBid: number, bestOffer: number): ClientMessage {
  return { type: "K", eBestBid: bestBid, eBestOffer: bestOffer };
}
