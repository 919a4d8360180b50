/**
 * The ELO automated trader's quote equation (shared reference
 * `leeps-hft-app.md` §4) and the market facts it reads (§3.1).
 *
 * The equation is evaluated in float64 in the order the reference writes it,
 * then gridded, so that quotes match upstream's Python bit for bit: a
 * reordered sum can land on the other side of a half-ECU tie.
 */

import { MAX_ASK, MIN_BID, priceGrid } from "../price_grid.ts";
import type { BestBidAndOffer, PostBatch } from "../../ouch/messages.ts";

/** Half a tick: 0.5 ECU. */
export const HALF_TICK = 5_000;

/** The focal market's book top as broadcast in `Q` and `Z`. */
export interface FocalBbo {
  bestBid: number;
  volumeAtBestBid: number;
  nextBid: number;
  bestOffer: number;
  volumeAtBestOffer: number;
  nextOffer: number;
}

/** What a trader knows of the market (§3.1), less the reference price, which no rule here reads. */
export interface MarketFacts {
  bbo: FocalBbo;
  /** F_sv. */
  signedVolume: number;
  externalBestBid: number;
  externalBestOffer: number;
  /** E_sv. */
  externalSignedVolume: number;
}

/** An empty book on both markets: sentinels everywhere, so nothing is valid yet. */
export function emptyFacts(): MarketFacts {
  return {
    bbo: {
      bestBid: MIN_BID,
      volumeAtBestBid: 0,
      nextBid: MIN_BID,
      bestOffer: MAX_ASK,
      volumeAtBestOffer: 0,
      nextOffer: MAX_ASK,
    },
    signedVolume: 0,
    externalBestBid: MIN_BID,
    externalBestOffer: MAX_ASK,
    externalSignedVolume: 0,
  };
}

/** The book top of a `Q` or `Z` broadcast. */
export function bboOf(m: BestBidAndOffer | PostBatch): FocalBbo {
  return {
    bestBid: m.bestBid,
    volumeAtBestBid: m.volumeAtBestBid,
    nextBid: m.nextBid,
    bestOffer: m.bestAsk,
    volumeAtBestOffer: m.volumeAtBestAsk,
    nextOffer: m.nextAsk,
  };
}

/**
 * F_bb: the focal best bid without my own order. Orders are 1 share, so a
 * level of volume 1 at my staged price is mine alone and the next level is
 * the best anyone else bids.
 */
export function focalBestBidExceptMe(bbo: FocalBbo, stagedBid: number | null): number {
  return stagedBid !== null && bbo.bestBid === stagedBid && bbo.volumeAtBestBid === 1
    ? bbo.nextBid
    : bbo.bestBid;
}

/** F_bo: the focal best offer without my own order (see {@link focalBestBidExceptMe}). */
export function focalBestOfferExceptMe(bbo: FocalBbo, stagedOffer: number | null): number {
  return stagedOffer !== null && bbo.bestOffer === stagedOffer && bbo.volumeAtBestOffer === 1
    ? bbo.nextOffer
    : bbo.bestOffer;
}

/**
 * §3.6 validity: both markets have both sides. The sentinels would
 * otherwise enter the blend as prices (MAX_ASK is 214,748 ECU).
 */
export function marketIsValid(f: MarketFacts): boolean {
  return f.bbo.bestBid !== MIN_BID && f.bbo.bestOffer !== MAX_ASK &&
    f.externalBestBid !== MIN_BID && f.externalBestOffer !== MAX_ASK;
}

/** UI sliders, each 0–1. `aZ` is the weight w of the external market. */
export interface Sliders {
  aX: number;
  aY: number;
  aZ: number;
}

/** The app uses 1 and 1; the simulator's parameters.yaml 4 and 2. */
export interface Multipliers {
  aX: number;
  aY: number;
}

/** The symbols of §4, the focal prices already without my own orders. */
export interface QuoteFacts {
  /** F_bb (see {@link focalBestBidExceptMe}). */
  focalBestBid: number;
  /** F_bo (see {@link focalBestOfferExceptMe}). */
  focalBestOffer: number;
  /** F_sv. */
  focalSignedVolume: number;
  externalBestBid: number;
  externalBestOffer: number;
  externalSignedVolume: number;
}

export interface QuoteInput {
  facts: QuoteFacts;
  sliders: Sliders;
  /** Signed units: long is positive. */
  inventory: number;
  multipliers?: Multipliers;
}

/** The gridded implied bid and offer of §4. */
export function impliedQuotes(
  { facts, sliders, inventory, multipliers = { aX: 1, aY: 1 } }: QuoteInput,
): { bid: number; offer: number } {
  const aX = sliders.aX * multipliers.aX;
  const aY = sliders.aY * multipliers.aY;
  const w = sliders.aZ;
  const h = HALF_TICK;
  const bid = w * (facts.externalBestBid + h * aX * facts.externalSignedVolume) +
    (1 - w) * (facts.focalBestBid + h * aX * facts.focalSignedVolume) -
    h * aY * inventory;
  const offer = w * (facts.externalBestOffer + h * aX * facts.externalSignedVolume) +
    (1 - w) * (facts.focalBestOffer + h * aX * facts.focalSignedVolume) -
    h * aY * inventory;
  return { bid: priceGrid(bid), offer: priceGrid(offer) };
}

/** Throws unless every slider is a number in [0, 1], the UI's range. */
export function checkSliders(s: Sliders): void {
  for (const key of ["aX", "aY", "aZ"] as const) {
    const v = s[key];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      throw new RangeError(`slider ${key} must be in [0, 1], got ${String(v)}`);
    }
  }
}
