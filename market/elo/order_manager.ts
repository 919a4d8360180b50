/**
 * One trader's orders: at most one per side, each with an explicit state
 * (shared reference `leeps-hft-app.md` §14 item 14).
 *
 * Callers state intents ("a bid at p", "no bid") and get the OUCH requests
 * that realise them; the exchange's replies for the trader's tokens move the
 * orders through their states.
 *
 * The requests of one trader reach the exchange in the order they were sent
 * (FIFO, one latency), so a request may build on one still in flight: a
 * replace or cancel may name the token of an enter or replace the exchange
 * has not answered yet. The "current" price of a side is therefore the latest
 * requested one. What FIFO cannot order is the trader's requests against
 * fills by others: an `E` can overtake a replace or cancel. The exchange then
 * ignores that request (`leeps-exchange.md` §5.4–5.5, Q1), so every token the
 * in-flight request would have created is dead too.
 */

import { cancelOrder, enterOrder, replaceOrder, TIF_DAY } from "../../exchange/order_messages.ts";
import type { ClientMessage, ServerMessage } from "../../ouch/messages.ts";

export type Side = "B" | "S";

/**
 * - `pending-new`: its enter (or the replace that creates it) is in flight;
 * - `live`: confirmed resting;
 * - `pending-replace`: a replace of it is in flight (its successor is `replacement`);
 * - `pending-cancel`: a cancel of it is in flight;
 * - `dead`: executed, cancelled, replaced, or never to exist.
 */
export type OrderState = "pending-new" | "live" | "pending-replace" | "pending-cancel" | "dead";

export interface OrderView {
  readonly token: string;
  readonly side: Side;
  /** The price of the request that created the token. */
  readonly price: number;
  /** The price the exchange reported in `A` / `U`; null before. */
  readonly confirmedPrice: number | null;
  readonly state: OrderState;
  /** Unexecuted, uncancelled shares as far as the replies tell. */
  readonly remaining: number;
  /** The token of the replace in flight, while `pending-replace`. */
  readonly replacement: string | null;
}

interface Order {
  token: string;
  side: Side;
  price: number;
  confirmedPrice: number | null;
  state: OrderState;
  remaining: number;
  replacement: string | null;
}

/** What a reply did to the trader's orders. */
export type ReplyEffect =
  | { kind: "foreign" }
  | { kind: "accepted"; order: OrderView }
  | { kind: "replaced"; order: OrderView; previous: OrderView | null }
  | { kind: "canceled"; order: OrderView; shares: number }
  | {
    kind: "executed";
    order: OrderView;
    side: Side;
    shares: number;
    executionPrice: number;
  };

export interface OrderManagerOptions {
  /** Four characters, e.g. "AAAA" for seat 1. */
  firm: string;
  /** 0–9999: the token has four digits for it. */
  playerId: number;
  shares?: number;
  timeInForce?: number;
  midpointPeg?: boolean;
}

export const MAX_TOKEN_COUNT = 99_999;

/** `{firm}{B|S}{player:04d}{count:05d}` (§1). */
export function traderToken(firm: string, side: Side, playerId: number, count: number): string {
  if (firm.length !== 4) throw new RangeError(`firm must be 4 characters, got ${firm}`);
  if (!Number.isInteger(playerId) || playerId < 0 || playerId > 9999) {
    throw new RangeError(`player id ${playerId} does not fit the token's 4 digits`);
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_TOKEN_COUNT) {
    throw new RangeError(`order count ${count} does not fit the token's 5 digits`);
  }
  return `${firm}${side}${String(playerId).padStart(4, "0")}${String(count).padStart(5, "0")}`;
}

export class OrderManager {
  readonly #firm: string;
  readonly #playerId: number;
  readonly #shares: number;
  readonly #timeInForce: number;
  readonly #midpointPeg: boolean;
  readonly #orders = new Map<string, Order>();
  /** Every order in the order it was created: screens ask which are new since they last looked. */
  readonly #created: Order[] = [];
  /** The orders not dead, oldest first: screens ask for these on every change, and a round makes thousands. */
  readonly #active = new Map<string, Order>();
  /** Per side, the latest requested order that is meant to stay: never dead or pending-cancel. */
  readonly #head: Record<Side, Order | null> = { B: null, S: null };
  #count = 0;

  constructor(o: OrderManagerOptions) {
    // validates firm and player id before the first order needs them
    traderToken(o.firm, "B", o.playerId, 1);
    this.#firm = o.firm;
    this.#playerId = o.playerId;
    this.#shares = o.shares ?? 1;
    this.#timeInForce = o.timeInForce ?? TIF_DAY;
    this.#midpointPeg = o.midpointPeg ?? false;
  }

  /** The latest requested price of the side's order, or null if the side is (to be) empty. */
  current(side: Side): number | null {
    return this.#head[side]?.price ?? null;
  }

  /** The side's order that is meant to stay, if any. */
  head(side: Side): OrderView | null {
    const h = this.#head[side];
    return h ? { ...h } : null;
  }

  order(token: string): OrderView | null {
    const o = this.#orders.get(token);
    return o ? { ...o } : null;
  }

  owns(token: string): boolean {
    return this.#orders.has(token);
  }

  /** Every order this trader created, oldest first. */
  orders(): OrderView[] {
    return [...this.#orders.values()].map((o) => ({ ...o }));
  }

  /** How many orders this trader has created. */
  get created(): number {
    return this.#created.length;
  }

  /** The orders created after the first `n`, oldest first. */
  createdSince(n: number): OrderView[] {
    return this.#created.slice(n).map((o) => ({ ...o }));
  }

  /**
   * What a screen shows of the orders still able to trade, oldest first:
   * per side the oldest (resting at the exchange, or the first on its way)
   * and the latest asked for. Orders between them are superseded on their
   * way and never rest for more than a moment; a trader clicking faster
   * than the exchange answers would otherwise see dozens.
   */
  shown(): OrderView[] {
    const firstB = this.#first("B");
    const firstS = this.#first("S");
    const picked: Order[] = [];
    for (const o of [firstB, firstS, this.#head.B, this.#head.S]) {
      if (o !== null && o.state !== "dead" && !picked.includes(o)) picked.push(o);
    }
    // tokens end in the trader's order count, zero-padded: their order is the creation order
    picked.sort((a, b) => (a.token.slice(-5) < b.token.slice(-5) ? -1 : 1));
    return picked.map((o) => ({ ...o }));
  }

  /** The side's oldest order still able to trade: the one resting, or the first on its way. */
  firstActive(side: Side): OrderView | null {
    const o = this.#first(side);
    return o === null ? null : { ...o };
  }

  #first(side: Side): Order | null {
    // the oldest come first, and all but a side's last few are dead and gone from the map
    for (const o of this.#active.values()) if (o.side === side) return o;
    return null;
  }

  /** Orders still able to trade or to come into being, oldest first. */
  active(): OrderView[] {
    return [...this.#active.values()].map((o) => ({ ...o }));
  }

  /**
   * Makes the side's wanted order one at `price` (null: none). Sends nothing
   * when that is already the latest request, so a replace in flight is never
   * duplicated.
   */
  quote(side: Side, price: number | null): ClientMessage[] {
    const head = this.#head[side];
    if (price === null) return head ? this.cancel(head.token) : [];
    if (!Number.isInteger(price) || price < 0) {
      throw new RangeError(`order price must be a non-negative integer, got ${price}`);
    }
    if (head?.price === price) return [];
    const order = this.#create(side, price);
    if (head === null) {
      return [enterOrder({
        token: order.token,
        side,
        shares: this.#shares,
        price,
        timeInForce: this.#timeInForce,
        firm: this.#firm,
        midpointPeg: this.#midpointPeg,
      })];
    }
    head.state = "pending-replace";
    head.replacement = order.token;
    return [replaceOrder({
      existing: head.token,
      replacement: order.token,
      shares: this.#shares,
      price,
      timeInForce: this.#timeInForce,
    })];
  }

  /**
   * Cancels one order. Only a side's head can be cancelled: any older order
   * of the side is being replaced into it, and cancelling that replacement
   * is what removes it.
   */
  cancel(token: string): ClientMessage[] {
    const o = this.#orders.get(token);
    if (!o || this.#head[o.side] !== o) return [];
    o.state = "pending-cancel";
    this.#head[o.side] = null;
    return [cancelOrder(token)];
  }

  /** Cancels both sides, live or still pending. */
  cancelAll(): ClientMessage[] {
    return (["B", "S"] as const).flatMap((side) => this.quote(side, null));
  }

  /** Applies a reply; anything but `A`, `U`, `C`, `E` for this trader's tokens is foreign. */
  onReply(m: ServerMessage): ReplyEffect {
    switch (m.type) {
      case "A": {
        const o = this.#orders.get(m.orderToken);
        if (!o) return { kind: "foreign" };
        o.confirmedPrice = m.price;
        if (o.state === "pending-new") o.state = "live";
        return { kind: "accepted", order: { ...o } };
      }
      case "U": {
        const o = this.#orders.get(m.replacementOrderToken);
        if (!o) return { kind: "foreign" };
        const previous = this.#orders.get(m.previousOrderToken) ?? null;
        if (previous) {
          // replaced, not killed: its successor lives on
          previous.state = "dead";
          previous.remaining = 0;
          this.#active.delete(previous.token);
        }
        o.confirmedPrice = m.price;
        o.remaining = m.shares;
        if (m.orderState !== "L") this.#kill(o);
        else if (o.state === "pending-new") o.state = "live";
        return { kind: "replaced", order: { ...o }, previous: previous && { ...previous } };
      }
      case "C": {
        const o = this.#orders.get(m.orderToken);
        if (!o) return { kind: "foreign" };
        o.remaining = Math.max(0, o.remaining - m.decrementShares);
        if (o.remaining <= 0) this.#kill(o);
        return { kind: "canceled", order: { ...o }, shares: m.decrementShares };
      }
      case "E": {
        const o = this.#orders.get(m.orderToken);
        if (!o) return { kind: "foreign" };
        o.remaining = Math.max(0, o.remaining - m.executedShares);
        if (o.remaining <= 0) this.#kill(o);
        return {
          kind: "executed",
          order: { ...o },
          side: o.side,
          shares: m.executedShares,
          executionPrice: m.executionPrice,
        };
      }
      default:
        return { kind: "foreign" };
    }
  }

  #create(side: Side, price: number): Order {
    const token = traderToken(this.#firm, side, this.#playerId, this.#count + 1);
    this.#count += 1;
    const o: Order = {
      token,
      side,
      price,
      confirmedPrice: null,
      state: "pending-new",
      remaining: this.#shares,
      replacement: null,
    };
    this.#orders.set(token, o);
    this.#created.push(o);
    this.#active.set(token, o);
    this.#head[side] = o;
    return o;
  }

  /**
   * The order is gone without a successor. A replace of it in flight will be
   * ignored by the exchange, so its replacement (and that one's) never exists.
   */
  #kill(o: Order): void {
    if (o.state === "dead") return;
    o.state = "dead";
    o.remaining = 0;
    this.#active.delete(o.token);
    if (this.#head[o.side] === o) this.#head[o.side] = null;
    const next = o.replacement === null ? undefined : this.#orders.get(o.replacement);
    if (next) this.#kill(next);
  }
}
