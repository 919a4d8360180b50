/**
 * Events the engine reports, and the codes in its event buffer.
 *
 * `K` is how an order is named: a dense integer id in {@link BookCore}, the
 * order token string in {@link OrderBook}.
 */

export type Side = "B" | "S";
/** Continuous double auction, frequent batch auctions, IEX (midpoint pegs). */
export type MarketFormat = "cda" | "fba" | "iex";
/** Why shares left the book: user cancel, IOC remainder, TIF expiry, system drop. */
export type CancelReason = "U" | "I" | "T" | "Z";
export type RejectReason =
  | "duplicate-token"
  | "unknown-token"
  | "not-resting"
  | "replacement-token-used"
  | "bad-price"
  | "bad-side"
  | "bad-id"
  | "bad-command";

/** Sentinel prices: a sell at 0 is a market sell, a buy at MAX_PRICE a market buy. */
export const MIN_BID = 0;
export const MAX_PRICE = 2147483647;

/** Best bid and offer with volumes and the second level of each side. */
export interface Bbo {
  bestBid: number;
  bestBidVolume: number;
  bestAsk: number;
  bestAskVolume: number;
  nextBid: number;
  nextAsk: number;
}

export const EMPTY_BBO: Readonly<Bbo> = Object.freeze({
  bestBid: MIN_BID,
  bestBidVolume: 0,
  bestAsk: MAX_PRICE,
  bestAskVolume: 0,
  nextBid: MIN_BID,
  nextAsk: MAX_PRICE,
});

export type EngineEvent<K = number> =
  | {
    type: "accepted";
    order: K;
    side: Side;
    shares: number;
    price: number;
    timeInForce: number;
  }
  | {
    type: "executed";
    /**
     * The incoming order; in an FBA batch the bid; in an IEX peg move the
     * pegged order (the pegged bid when two pegged orders trade).
     */
    order: K;
    /** The resting order it traded with; in an FBA batch the ask. */
    resting: K;
    shares: number;
    price: number;
    match: number;
  }
  | {
    type: "canceled";
    order: K;
    side: Side;
    decrement: number;
    reason: CancelReason;
  }
  | {
    type: "replaced";
    order: K;
    previous: K;
    side: Side;
    /** Liable shares: the new total less what executed since the creating message. */
    shares: number;
    price: number;
    timeInForce: number;
    /** Whether the replacement rests in the book after processing. */
    resting: boolean;
  }
  | ({ type: "bbo" } & Bbo)
  | { type: "rejected"; order: K; other?: K; reason: RejectReason }
  | {
    /** FBA: after the fills and IOC cancels of every batch, then a `bbo`. */
    type: "batch";
    /** The uniform price, or 0 when nothing traded. */
    clearingPrice: number;
    /** Shares traded (each fill counted once). */
    volume: number;
    fills: number;
  }
  | {
    /** IEX: resting pegged asks minus pegged bids (orders), and the peg (0 = none). */
    type: "peg";
    pegState: number;
    pegPrice: number;
  };

// Codes shared with engine-as/events.ts.
export const EV_ACCEPTED = 1;
export const EV_EXECUTED = 2;
export const EV_CANCELED = 3;
export const EV_REPLACED = 4;
export const EV_BBO = 5;
export const EV_REJECTED = 6;
export const EV_BATCH = 7;
export const EV_PEG = 8;

export const REJECT_REASONS: readonly RejectReason[] = [
  "bad-command", // 0 is unused; keeps indices aligned with the engine codes
  "duplicate-token",
  "unknown-token",
  "not-resting",
  "replacement-token-used",
  "bad-price",
  "bad-side",
  "bad-id",
  "bad-command",
];
