/**
 * The Leeps variant of OUCH 4.2 as TypeScript values: one interface per
 * message, in both directions, and per direction the wire layouts (the
 * fields of each message in order, as data) and the size tables derived from
 * them (shared reference `leeps-exchange.md` §4).
 *
 * Type letters are scoped by direction (client `U` ReplaceOrder is 47 bytes,
 * server `U` Replaced is 81), so there is one union per direction,
 * discriminated on `type`, and never one union of both.
 *
 * Field representations, chosen so that every wire value round-trips:
 * - `Ns` (tokens 14, stock 8, firm 4): a string of exactly N chars, one char
 *   per raw byte (char code = byte, 0–255). Nothing trims or pads: tokens are
 *   compared byte for byte and clients pad with NUL or spaces as they like.
 * - `c`: a 1-char string, same byte mapping.
 * - `I` uint32 and `i` int32: number.
 * - `Q` uint64 (timestamp, orderReferenceNumber, matchNumber): bigint, as
 *   nanosecond timestamps pass 2^53.
 * - `?`: boolean.
 */

/** Which way a message travels: `client` is client → engine, `server` engine → client. */
export type Direction = "client" | "server";

// ------------------------------------------------------------ client → engine

/** `O` EnterOrder, 50 bytes. */
export interface EnterOrder {
  type: "O";
  orderToken: string;
  buySellIndicator: string;
  shares: number;
  stock: string;
  /** 0 is a market sell, 2147483647 a market buy. */
  price: number;
  /** Seconds: 0 = IOC, 1–99997 expires, 99998 and above never expires. */
  timeInForce: number;
  firm: string;
  display: string;
  capacity: string;
  intermarketSweepEligibility: string;
  minimumQuantity: number;
  crossType: string;
  customerType: string;
  /** Leeps addition; only IEX acts on it. */
  midpointPeg: boolean;
}

/** `U` ReplaceOrder, 47 bytes. */
export interface ReplaceOrder {
  type: "U";
  existingOrderToken: string;
  replacementOrderToken: string;
  /** The new total size, not a delta. */
  shares: number;
  price: number;
  timeInForce: number;
  display: string;
  intermarketSweepEligibility: string;
  minimumQuantity: number;
}

/** `X` CancelOrder, 19 bytes. */
export interface CancelOrder {
  type: "X";
  orderToken: string;
  /** The size to reduce to; 0 cancels the whole order. */
  shares: number;
}

/** `M` ModifyOrder, 20 bytes. The engine consumes and ignores it. */
export interface ModifyOrder {
  type: "M";
  orderToken: string;
  buySellIndicator: string;
  shares: number;
}

/** `N` TradeNow (client side), 15 bytes. The engine consumes and ignores it. */
export interface ClientTradeNow {
  type: "N";
  orderToken: string;
}

/** `H` SystemStart (Leeps), 10 bytes: starts a new trading day. */
export interface SystemStart {
  type: "H";
  timestamp: bigint;
  eventCode: string;
}

/** `K` ExternalFeedChange (Leeps), 9 bytes: the external BBO that sets the IEX peg. */
export interface ExternalFeedChange {
  type: "K";
  eBestBid: number;
  eBestOffer: number;
}

export type ClientMessage =
  | EnterOrder
  | ReplaceOrder
  | CancelOrder
  | ModifyOrder
  | ClientTradeNow
  | SystemStart
  | ExternalFeedChange;

// ------------------------------------------------------------ engine → client

/** `S` SystemEvent, 10 bytes. */
export interface SystemEvent {
  type: "S";
  timestamp: bigint;
  eventCode: string;
}

/** `A` Accepted, 67 bytes. */
export interface Accepted {
  type: "A";
  timestamp: bigint;
  orderToken: string;
  buySellIndicator: string;
  shares: number;
  stock: string;
  price: number;
  timeInForce: number;
  firm: string;
  display: string;
  orderReferenceNumber: bigint;
  capacity: string;
  intermarketSweepEligibility: string;
  minimumQuantity: number;
  crossType: string;
  orderState: string;
  bboWeightIndicator: string;
  midpointPeg: boolean;
}

/** `U` Replaced, 81 bytes. */
export interface Replaced {
  type: "U";
  timestamp: bigint;
  replacementOrderToken: string;
  buySellIndicator: string;
  /** Liable shares, not the requested total. */
  shares: number;
  stock: string;
  price: number;
  timeInForce: number;
  firm: string;
  display: string;
  orderReferenceNumber: bigint;
  capacity: string;
  intermarketSweepEligibility: string;
  minimumQuantity: number;
  crossType: string;
  orderState: string;
  previousOrderToken: string;
  bboWeightIndicator: string;
  midpointPeg: boolean;
}

/** `C` Canceled, 29 bytes. */
export interface Canceled {
  type: "C";
  timestamp: bigint;
  orderToken: string;
  decrementShares: number;
  reason: string;
  midpointPeg: boolean;
}

/** `E` Executed, 41 bytes. */
export interface Executed {
  type: "E";
  timestamp: bigint;
  orderToken: string;
  executedShares: number;
  executionPrice: number;
  liquidityFlag: string;
  matchNumber: bigint;
  midpointPeg: boolean;
}

/** `Q` BestBidAndOffer (Leeps broadcast), 41 bytes. */
export interface BestBidAndOffer {
  type: "Q";
  timestamp: bigint;
  stock: string;
  bestBid: number;
  volumeAtBestBid: number;
  bestAsk: number;
  volumeAtBestAsk: number;
  nextBid: number;
  nextAsk: number;
}

/**
 * `Z` PostBatch (Leeps broadcast), 49 bytes. On the wire `volumeAtBestAsk`
 * (@33) comes before `bestAsk` (@37), unlike `Q`; upstream did so and clients
 * read it that way (KEEP, Q24).
 */
export interface PostBatch {
  type: "Z";
  timestamp: bigint;
  stock: string;
  clearingPrice: number;
  transactedVolume: number;
  bestBid: number;
  volumeAtBestBid: number;
  bestAsk: number;
  volumeAtBestAsk: number;
  nextBid: number;
  nextAsk: number;
}

/** `L` PegStateUpdate (Leeps broadcast), 17 bytes. */
export interface PegStateUpdate {
  type: "L";
  timestamp: bigint;
  /** Resting pegged asks minus resting pegged bids (orders, not shares); signed. */
  pegState: number;
  /** 0 means no peg. */
  pegPrice: number;
}

/** `D` AIQCanceled, 37 bytes (defined, never emitted). */
export interface AIQCanceled {
  type: "D";
  timestamp: bigint;
  orderToken: string;
  decrementShares: number;
  reason: string;
  quantityPreventedFromTrading: number;
  executionPrice: number;
  liquidityFlag: string;
}

/** `B` BrokenTrade, 32 bytes (defined, never emitted). */
export interface BrokenTrade {
  type: "B";
  timestamp: bigint;
  orderToken: string;
  matchNumber: bigint;
  reason: string;
}

/** `G` ExecutedWithReferencePrice, 45 bytes (defined, never emitted). */
export interface ExecutedWithReferencePrice {
  type: "G";
  timestamp: bigint;
  orderToken: string;
  executedShares: number;
  executionPrice: number;
  liquidityFlag: string;
  matchNumber: bigint;
  referencePrice: number;
  referencePriceType: string;
}

/** `F` TradeCorrection, 41 bytes (defined, never emitted). */
export interface TradeCorrection {
  type: "F";
  timestamp: bigint;
  orderToken: string;
  executedShares: number;
  executionPrice: number;
  liquidityFlag: string;
  matchNumber: bigint;
  reason: string;
}

/** `J` Rejected, 24 bytes (upstream never emits it; clients may not parse it). */
export interface Rejected {
  type: "J";
  timestamp: bigint;
  orderToken: string;
  reason: string;
}

/** `P` CancelPending, 23 bytes (defined, never emitted). */
export interface CancelPending {
  type: "P";
  timestamp: bigint;
  orderToken: string;
}

/** `I` CancelReject, 23 bytes (defined, never emitted). */
export interface CancelReject {
  type: "I";
  timestamp: bigint;
  orderToken: string;
}

/** `T` OrderPriorityUpdate, 36 bytes (defined, never emitted). */
export interface OrderPriorityUpdate {
  type: "T";
  timestamp: bigint;
  orderToken: string;
  price: number;
  display: string;
  orderReferenceNumber: bigint;
}

/** `M` OrderModified, 28 bytes (defined, never emitted). */
export interface OrderModified {
  type: "M";
  timestamp: bigint;
  orderToken: string;
  buySellIndicator: string;
  shares: number;
}

/** `N` TradeNow (server side), 23 bytes (defined, never emitted). */
export interface ServerTradeNow {
  type: "N";
  timestamp: bigint;
  orderToken: string;
}

export type ServerMessage =
  | SystemEvent
  | Accepted
  | Replaced
  | Canceled
  | Executed
  | BestBidAndOffer
  | PostBatch
  | PegStateUpdate
  | AIQCanceled
  | BrokenTrade
  | ExecutedWithReferencePrice
  | TradeCorrection
  | Rejected
  | CancelPending
  | CancelReject
  | OrderPriorityUpdate
  | OrderModified
  | ServerTradeNow;

// ------------------------------------------------------------ helpers, tables

export type ClientMessageType = ClientMessage["type"];
export type ServerMessageType = ServerMessage["type"];

/** The client message with type letter `T`, e.g. `ClientMessageOf<"O">` is {@link EnterOrder}. */
export type ClientMessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;
/** The server message with type letter `T`, e.g. `ServerMessageOf<"U">` is {@link Replaced}. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

/** The message union of a direction. */
export type MessageOf<D extends Direction> = D extends "client" ? ClientMessage : ServerMessage;

// ------------------------------------------------------------ layouts, sizes

/**
 * A field's wire type in the reference's notation: `c` one char, `Ns` N chars
 * (`14s` a token, `8s` a stock, `4s` a firm), `I` uint32, `i` int32, `Q`
 * uint64, `?` a boolean byte. All big-endian.
 */
export type WireType = "c" | `${number}s` | "I" | "i" | "Q" | "?";

/** One field on the wire: its name and its wire type. */
export type WireField = readonly [name: string, wire: WireType];

/** The wire types that can carry a value of type V (see the module doc). */
type WireTypeFor<V> = V extends string ? "c" | `${number}s`
  : V extends number ? "I" | "i"
  : V extends bigint ? "Q"
  : V extends boolean ? "?"
  : never;

type FieldName<M> = Exclude<keyof M, "type">;

/** A field of message M: one of its names, with a wire type fit for that field's value. */
type FieldOf<M> = {
  [K in FieldName<M>]: readonly [name: K, wire: WireTypeFor<M[K]>];
}[FieldName<M>];

/**
 * Per type letter of the union U, the message's fields in wire order: the
 * type byte is at offset 0, and each field starts where the one before ends.
 */
type LayoutTable<U extends { type: string }> = {
  readonly [T in U["type"]]: readonly FieldOf<Extract<U, { type: T }>>[];
};

/** The fields of U that the table L leaves out (`never` when every layout is whole). */
type Unlisted<U extends { type: string }, L extends LayoutTable<U>> = {
  [T in U["type"]]: Exclude<FieldName<Extract<U, { type: T }>>, L[T][number][0]>;
}[U["type"]];

/** Compiles only when no field is left out: the error names the fields that are. */
type AllListed<Missing extends never> = Missing;

/** Bytes a field of this wire type takes. */
export function wireWidth(wire: WireType): number {
  switch (wire) {
    case "c":
    case "?":
      return 1;
    case "I":
    case "i":
      return 4;
    case "Q":
      return 8;
    default:
      return parseInt(wire, 10);
  }
}

/** Client → engine layouts, checked against the interfaces above. */
export const CLIENT_LAYOUTS = {
  O: [
    ["orderToken", "14s"],
    ["buySellIndicator", "c"],
    ["shares", "I"],
    ["stock", "8s"],
    ["price", "I"],
    ["timeInForce", "I"],
    ["firm", "4s"],
    ["display", "c"],
    ["capacity", "c"],
    ["intermarketSweepEligibility", "c"],
    ["minimumQuantity", "I"],
    ["crossType", "c"],
    ["customerType", "c"],
    ["midpointPeg", "?"],
  ],
  U: [
    ["existingOrderToken", "14s"],
    ["replacementOrderToken", "14s"],
    ["shares", "I"],
    ["price", "I"],
    ["timeInForce", "I"],
    ["display", "c"],
    ["intermarketSweepEligibility", "c"],
    ["minimumQuantity", "I"],
  ],
  X: [["orderToken", "14s"], ["shares", "I"]],
  M: [["orderToken", "14s"], ["buySellIndicator", "c"], ["shares", "I"]],
  N: [["orderToken", "14s"]],
  H: [["timestamp", "Q"], ["eventCode", "c"]],
  K: [["eBestBid", "I"], ["eBestOffer", "I"]],
} as const satisfies LayoutTable<ClientMessage>;

/** The order as it rests, which `A` and `U` both report after their token. */
const ORDER_FIELDS = [
  ["buySellIndicator", "c"],
  ["shares", "I"],
  ["stock", "8s"],
  ["price", "I"],
  ["timeInForce", "I"],
  ["firm", "4s"],
  ["display", "c"],
  ["orderReferenceNumber", "Q"],
  ["capacity", "c"],
  ["intermarketSweepEligibility", "c"],
  ["minimumQuantity", "I"],
  ["crossType", "c"],
  ["orderState", "c"],
] as const;

/** The fill, which `E`, `G` and `F` all start with. */
const EXECUTION_FIELDS = [
  ["timestamp", "Q"],
  ["orderToken", "14s"],
  ["executedShares", "I"],
  ["executionPrice", "I"],
  ["liquidityFlag", "c"],
  ["matchNumber", "Q"],
] as const;

/** Engine → client layouts, checked against the interfaces above. */
export const SERVER_LAYOUTS = {
  S: [["timestamp", "Q"], ["eventCode", "c"]],
  A: [
    ["timestamp", "Q"],
    ["orderToken", "14s"],
    ...ORDER_FIELDS,
    ["bboWeightIndicator", "c"],
    ["midpointPeg", "?"],
  ],
  U: [
    ["timestamp", "Q"],
    ["replacementOrderToken", "14s"],
    ...ORDER_FIELDS,
    ["previousOrderToken", "14s"],
    ["bboWeightIndicator", "c"],
    ["midpointPeg", "?"],
  ],
  C: [
    ["timestamp", "Q"],
    ["orderToken", "14s"],
    ["decrementShares", "I"],
    ["reason", "c"],
    ["midpointPeg", "?"],
  ],
  E: [...EXECUTION_FIELDS, ["midpointPeg", "?"]],
  Q: [
    ["timestamp", "Q"],
    ["stock", "8s"],
    ["bestBid", "I"],
    ["volumeAtBestBid", "I"],
    ["bestAsk", "I"],
    ["volumeAtBestAsk", "I"],
    ["nextBid", "I"],
    ["nextAsk", "I"],
  ],
  Z: [
    ["timestamp", "Q"],
    ["stock", "8s"],
    ["clearingPrice", "I"],
    ["transactedVolume", "I"],
    ["bestBid", "I"],
    ["volumeAtBestBid", "I"],
    // Swapped relative to `Q` on purpose: the upstream wire contract (Q24).
    ["volumeAtBestAsk", "I"],
    ["bestAsk", "I"],
    ["nextBid", "I"],
    ["nextAsk", "I"],
  ],
  L: [["timestamp", "Q"], ["pegState", "i"], ["pegPrice", "I"]],
  D: [
    ["timestamp", "Q"],
    ["orderToken", "14s"],
    ["decrementShares", "I"],
    ["reason", "c"],
    ["quantityPreventedFromTrading", "I"],
    ["executionPrice", "I"],
    ["liquidityFlag", "c"],
  ],
  B: [["timestamp", "Q"], ["orderToken", "14s"], ["matchNumber", "Q"], ["reason", "c"]],
  G: [...EXECUTION_FIELDS, ["referencePrice", "I"], ["referencePriceType", "c"]],
  F: [...EXECUTION_FIELDS, ["reason", "c"]],
  J: [["timestamp", "Q"], ["orderToken", "14s"], ["reason", "c"]],
  P: [["timestamp", "Q"], ["orderToken", "14s"]],
  I: [["timestamp", "Q"], ["orderToken", "14s"]],
  T: [
    ["timestamp", "Q"],
    ["orderToken", "14s"],
    ["price", "I"],
    ["display", "c"],
    ["orderReferenceNumber", "Q"],
  ],
  M: [
    ["timestamp", "Q"],
    ["orderToken", "14s"],
    ["buySellIndicator", "c"],
    ["shares", "I"],
  ],
  N: [["timestamp", "Q"], ["orderToken", "14s"]],
} as const satisfies LayoutTable<ServerMessage>;

// Compile-time checks that each layout lists every field of its message.
type _ClientLayoutsAreWhole = AllListed<Unlisted<ClientMessage, typeof CLIENT_LAYOUTS>>;
type _ServerLayoutsAreWhole = AllListed<Unlisted<ServerMessage, typeof SERVER_LAYOUTS>>;

function sizesOf<T extends string>(
  layouts: Readonly<Record<T, readonly WireField[]>>,
): Readonly<Record<T, number>> {
  const sizes = {} as Record<T, number>;
  for (const type of Object.keys(layouts) as T[]) {
    sizes[type] = layouts[type].reduce<number>((size, [, wire]) => size + wireWidth(wire), 1);
  }
  return Object.freeze(sizes);
}

/** Bytes on the wire, type byte included, of each client → engine message. */
export const CLIENT_MESSAGE_SIZES: Readonly<Record<ClientMessageType, number>> = sizesOf(
  CLIENT_LAYOUTS,
);

/** Bytes on the wire, type byte included, of each engine → client message. */
export const SERVER_MESSAGE_SIZES: Readonly<Record<ServerMessageType, number>> = sizesOf(
  SERVER_LAYOUTS,
);

/** Reference names of the client messages, for logs and errors. */
export const CLIENT_MESSAGE_NAMES: Readonly<Record<ClientMessageType, string>> = Object.freeze({
  O: "EnterOrder",
  U: "ReplaceOrder",
  X: "CancelOrder",
  M: "ModifyOrder",
  N: "TradeNow",
  H: "SystemStart",
  K: "ExternalFeedChange",
});

/** Reference names of the server messages, for logs and errors. */
export const SERVER_MESSAGE_NAMES: Readonly<Record<ServerMessageType, string>> = Object.freeze({
  S: "SystemEvent",
  A: "Accepted",
  U: "Replaced",
  C: "Canceled",
  E: "Executed",
  Q: "BestBidAndOffer",
  Z: "PostBatch",
  L: "PegStateUpdate",
  D: "AIQCanceled",
  B: "BrokenTrade",
  G: "ExecutedWithReferencePrice",
  F: "TradeCorrection",
  J: "Rejected",
  P: "CancelPending",
  I: "CancelReject",
  T: "OrderPriorityUpdate",
  M: "OrderModified",
  N: "TradeNow",
});
