/**
 * The `manual` role (shared reference `leeps-hft-app.md` §3.5): clicks on the
 * spread graph become one order per side.
 *
 * The browser already refuses clicks that would cross the trader's own
 * quotes; the server checks again (Required) because a browser's view of its
 * quotes lags and a client can be anything.
 */

import { MAX_ASK, MIN_BID, priceGrid } from "../price_grid.ts";
import type { ClientMessage } from "../../ouch/messages.ts";
import type { OrderManager, Side } from "./order_manager.ts";

/** Why a click was refused, for the trader's screen. */
export interface Refusal {
  refused: string;
}

function ecu(price: number): string {
  return `${price / 10_000} ECU`;
}

/**
 * A buy (`B`) or sell (`S`) click at `price` (1e-4 ECU). Sentinel prices are
 * ignored (no requests); a price that grids to 0 would be the "no bid"
 * sentinel, so it is ignored too.
 */
export function manualClick(
  orders: OrderManager,
  side: Side,
  price: number,
): ClientMessage[] | Refusal {
  if (!Number.isFinite(price)) return { refused: `price ${price} is not a number` };
  if (price === MIN_BID || price === MAX_ASK) return [];
  const p = priceGrid(price);
  if (p === MIN_BID) return [];
  if (side === "B") {
    const offer = orders.current("S");
    if (offer !== null && p >= offer) {
      return { refused: `a buy at ${ecu(p)} would cross your own offer at ${ecu(offer)}` };
    }
  } else {
    const bid = orders.current("B");
    if (bid !== null && p <= bid) {
      return { refused: `a sell at ${ecu(p)} would cross your own bid at ${ecu(bid)}` };
    }
  }
  return orders.quote(side, p);
}
