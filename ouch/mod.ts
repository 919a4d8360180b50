/**
 * The Leeps OUCH 4.2 wire format: message types and size tables
 * (`messages.ts`), the encoder and decoder (`codec.ts`) and the stream framer
 * (`framer.ts`). Shared reference: `leeps-exchange.md` §3–4.
 */

export type {
  Accepted,
  AIQCanceled,
  BestBidAndOffer,
  BrokenTrade,
  Canceled,
  CancelOrder,
  CancelPending,
  CancelReject,
  ClientMessage,
  ClientMessageOf,
  ClientMessageType,
  ClientTradeNow,
  Direction,
  EnterOrder,
  Executed,
  ExecutedWithReferencePrice,
  ExternalFeedChange,
  MessageOf,
  ModifyOrder,
  OrderModified,
  OrderPriorityUpdate,
  PegStateUpdate,
  PostBatch,
  Rejected,
  Replaced,
  ReplaceOrder,
  ServerMessage,
  ServerMessageOf,
  ServerMessageType,
  ServerTradeNow,
  SystemEvent,
  SystemStart,
  TradeCorrection,
} from "./messages.ts";
export {
  CLIENT_MESSAGE_NAMES,
  CLIENT_MESSAGE_SIZES,
  SERVER_MESSAGE_NAMES,
  SERVER_MESSAGE_SIZES,
} from "./messages.ts";
export {
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeClientMessageInto,
  encodeServerMessage,
  encodeServerMessageInto,
  messageSize,
  OuchDecodeError,
  type OuchDecodeErrorCode,
  type OuchDecodeErrorDetails,
  OuchEncodeError,
} from "./codec.ts";
export { OuchFramer } from "./framer.ts";
