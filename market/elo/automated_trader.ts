/**
 * The `automated` role: the market-making bot of shared reference
 * `leeps-hft-app.md` §3.6, quoting the implied prices of §4 through the
 * trader's {@link OrderManager}.
 *
 * Where upstream compared targets with confirmed prices and so sent
 * duplicate replaces, sent its two replaces in an order that could cross its
 * own quotes, and raised on a missing price after a fill, this follows the
 * reference's Required rules: compare with the latest requested price, order
 * the two replaces by what they would cross, and never quote through its own
 * opposite quote.
 */

import { MAX_ASK, MIN_BID } from "../price_grid.ts";
import type { ClientMessage } from "../../ouch/messages.ts";
import type { OrderManager } from "./order_manager.ts";
import {
  focalBestBidExceptMe,
  focalBestOfferExceptMe,
  impliedQuotes,
  type MarketFacts,
  marketIsValid,
  type Multipliers,
  type Sliders,
} from "./quote_equation.ts";

export interface AutomatedInput {
  orders: OrderManager;
  facts: MarketFacts;
  sliders: Sliders;
  inventory: number;
  multipliers?: Multipliers;
}

/** The implied quotes now, or null when the market is invalid (§3.6). */
export function automatedTargets(
  { orders, facts, sliders, inventory, multipliers }: AutomatedInput,
): { bid: number; offer: number; bidExceptMe: number; offerExceptMe: number } | null {
  if (!marketIsValid(facts)) return null;
  const bidExceptMe = focalBestBidExceptMe(facts.bbo, orders.current("B"));
  const offerExceptMe = focalBestOfferExceptMe(facts.bbo, orders.current("S"));
  const { bid, offer } = impliedQuotes({
    facts: {
      focalBestBid: bidExceptMe,
      focalBestOffer: offerExceptMe,
      focalSignedVolume: facts.signedVolume,
      externalBestBid: facts.externalBestBid,
      externalBestOffer: facts.externalBestOffer,
      externalSignedVolume: facts.externalSignedVolume,
    },
    sliders,
    inventory,
    multipliers,
  });
  return { bid, offer, bidExceptMe, offerExceptMe };
}

/**
 * One recalculation on a trigger (bbo change, post batch, external feed,
 * slider change): the requests that move each side to its implied price.
 */
export function automatedReprice(input: AutomatedInput): ClientMessage[] {
  const t = automatedTargets(input);
  // a locked or crossed pair cannot be quoted without crossing itself
  if (t === null || t.bid >= t.offer) return [];
  const { orders } = input;
  const bid = orders.current("B");
  const offer = orders.current("S");
  const moveBid = t.bidExceptMe > MIN_BID && t.bid !== bid;
  const moveOffer = t.offerExceptMe < MAX_ASK && t.offer !== offer;
  if (moveBid && moveOffer) {
    // the first request must not cross the other side's current price
    if (offer !== null && t.bid >= offer) {
      return [...orders.quote("S", t.offer), ...orders.quote("B", t.bid)];
    }
    return [...orders.quote("B", t.bid), ...orders.quote("S", t.offer)];
  }
  if (moveBid && (offer === null || t.bid < offer)) return orders.quote("B", t.bid);
  if (moveOffer && (bid === null || t.offer > bid)) return orders.quote("S", t.offer);
  return [];
}

/**
 * §3.2 step 4, on entering the role: a bid if the focal market has one and
 * an offer if it has one, at the implied prices. Both need a valid market,
 * which already implies both, and neither is entered when the pair is locked.
 */
export function automatedEntry(input: AutomatedInput): ClientMessage[] {
  const t = automatedTargets(input);
  if (t === null || t.bid >= t.offer) return [];
  const { orders, facts } = input;
  return [
    ...(facts.bbo.bestBid > MIN_BID ? orders.quote("B", t.bid) : []),
    ...(facts.bbo.bestOffer < MAX_ASK ? orders.quote("S", t.offer) : []),
  ];
}
