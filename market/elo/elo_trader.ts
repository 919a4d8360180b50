/**
 * One ELO trader seat (shared reference `leeps-hft-app.md` §3): its market
 * facts, role, speed, sliders, inventory and orders, driven by the market
 * runner. Every input returns the OUCH requests to send now, in order; the
 * runner delays and delivers them (§7) and feeds back the exchange's replies
 * for this trader's tokens.
 */

import type { ClientMessage, ServerMessage } from "../../ouch/messages.ts";
import { OrderManager, type OrderView, type Side } from "./order_manager.ts";
import { automatedEntry, automatedReprice } from "./automated_trader.ts";
import { manualClick, type Refusal } from "./manual_trader.ts";
import {
  checkSliders,
  emptyFacts,
  type FocalBbo,
  type MarketFacts,
  type Multipliers,
  type Sliders,
} from "./quote_equation.ts";
import {
  type EloRole,
  isEloRole,
  leaveRole,
  type SpeedChange,
  type SpeedResult,
  SpeedSwitch,
} from "./trader_role.ts";

export interface EloTraderOptions {
  /** 1-based seat in the market; gives the firm letters when `firm` is absent. */
  seat: number;
  /** 0–9999 (the token's four digits). */
  playerId: number;
  /** Four characters; defaults to the seat's letter four times ("AAAA" for seat 1). */
  firm?: string;
  role?: EloRole;
  sliders?: Sliders;
  /** Reprice on `Z` as on `Q` (Required, default); false keeps upstream's facts-only `Z`. */
  repriceOnPostBatch?: boolean;
  /** Slider multipliers (1 and 1 in the app). */
  multipliers?: Multipliers;
  /** Minimum speed on-time, ms (the UI's 4 s by default). */
  speedMinOnMs?: number;
  /**
   * Told of every effective speed change, the subject's toggles and the
   * role change's forced off alike, so one hook bills speed
   * (`TraderAccount.setSpeed`).
   */
  onSpeedChange?: (change: SpeedChange) => void;
}

/** The seat's firm: letter number `seat` (A = 1) four times (§1). */
export function firmOfSeat(seat: number): string {
  if (!Number.isInteger(seat) || seat < 1 || seat > 26) {
    throw new RangeError(`seat must be 1–26 for a letter firm, got ${seat}`);
  }
  return String.fromCharCode(64 + seat).repeat(4);
}

export interface ExternalFeed {
  bestBid: number;
  bestOffer: number;
  signedVolume: number;
}

export class EloTrader {
  readonly seat: number;
  readonly playerId: number;
  readonly firm: string;
  readonly #orders: OrderManager;
  readonly #speed: SpeedSwitch;
  readonly #repriceOnPostBatch: boolean;
  readonly #multipliers: Multipliers | undefined;
  readonly #onSpeedChange: (change: SpeedChange) => void;
  #role: EloRole;
  #sliders: Sliders;
  #facts: MarketFacts = emptyFacts();
  #inventory = 0;

  constructor(o: EloTraderOptions) {
    this.seat = o.seat;
    this.playerId = o.playerId;
    this.firm = o.firm ?? firmOfSeat(o.seat);
    this.#orders = new OrderManager({ firm: this.firm, playerId: o.playerId });
    this.#speed = new SpeedSwitch(o.speedMinOnMs);
    this.#repriceOnPostBatch = o.repriceOnPostBatch ?? true;
    this.#multipliers = o.multipliers;
    this.#onSpeedChange = o.onSpeedChange ?? (() => {});
    const role = o.role ?? "out";
    if (!isEloRole(role)) throw new RangeError(`unknown role ${String(role)}`);
    this.#role = role;
    this.#sliders = { ...(o.sliders ?? { aX: 0, aY: 0, aZ: 0 }) };
    checkSliders(this.#sliders);
  }

  get role(): EloRole {
    return this.#role;
  }

  get speed(): boolean {
    return this.#speed.on;
  }

  get inventory(): number {
    return this.#inventory;
  }

  get sliders(): Sliders {
    return { ...this.#sliders };
  }

  get facts(): MarketFacts {
    return structuredClone(this.#facts);
  }

  /**
   * The staged prices: the latest requested price per side, null for none.
   * Being the orders' own prices, they clear on an own execution of that
   * order (§3.5's "if equal") and also when an execution overtakes a replace,
   * whose new price would otherwise stay staged for an order the exchange
   * will never create.
   */
  get staged(): { bid: number | null; offer: number | null } {
    return { bid: this.#orders.current("B"), offer: this.#orders.current("S") };
  }

  /** Every order of this trader with its state, oldest first. */
  get orders(): OrderView[] {
    return this.#orders.orders();
  }

  /** The orders not dead, oldest first. */
  get activeOrders(): OrderView[] {
    return this.#orders.active();
  }

  /** The side's oldest active order (resting, or the first on its way). */
  firstActive(side: "B" | "S"): OrderView | null {
    return this.#orders.firstActive(side);
  }

  /** The active orders a screen shows: per side the oldest and the latest. */
  get shownOrders(): OrderView[] {
    return this.#orders.shown();
  }

  get ordersCreated(): number {
    return this.#orders.created;
  }

  ordersCreatedSince(n: number): OrderView[] {
    return this.#orders.createdSince(n);
  }

  owns(token: string): boolean {
    return this.#orders.owns(token);
  }

  /** A focal `Q` (bbo change) or `Z` (post batch). */
  onBbo(bbo: FocalBbo, kind: "Q" | "Z"): ClientMessage[] {
    this.#facts.bbo = { ...bbo };
    return kind === "Q" || this.#repriceOnPostBatch ? this.#reprice() : [];
  }

  /** All values are copied, zeros included (Required, §3.1). */
  onExternalFeed(e: ExternalFeed): ClientMessage[] {
    this.#facts.externalBestBid = e.bestBid;
    this.#facts.externalBestOffer = e.bestOffer;
    this.#facts.externalSignedVolume = e.signedVolume;
    return this.#reprice();
  }

  /** Facts only: quotes follow signed volume at the next trigger (§3.6). */
  onSignedVolume(sv: number): void {
    this.#facts.signedVolume = sv;
  }

  /** An exchange reply; anything not about this trader's tokens is ignored. */
  onReply(m: ServerMessage): ClientMessage[] {
    const effect = this.#orders.onReply(m);
    switch (effect.kind) {
      case "executed":
        this.#inventory += effect.side === "B" ? effect.shares : -effect.shares;
        // the side is empty now; the next trigger re-enters it (§3.6)
        return [];
      case "accepted":
      case "replaced":
        // §3.4: an order that comes to life while out must not stay
        return this.#role === "out" && effect.order.state === "live"
          ? this.#orders.cancel(effect.order.token)
          : [];
      default:
        return [];
    }
  }

  /**
   * Any role to any role (§3.2), the same role included: cancels everything,
   * forces speed off (reported to `onSpeedChange`), and on entering
   * `automated` quotes both sides at once.
   */
  setRole(role: EloRole, atMs: number): ClientMessage[] {
    if (!isEloRole(role)) throw new RangeError(`unknown role ${String(role)}`);
    const { messages, speedChange } = leaveRole(this.#orders, this.#speed, atMs);
    this.#role = role;
    if (speedChange) this.#onSpeedChange(speedChange);
    return role === "automated" ? [...messages, ...automatedEntry(this.#input())] : messages;
  }

  setSliders(s: Sliders): ClientMessage[] {
    const next = { ...s };
    checkSliders(next);
    this.#sliders = next;
    return this.#reprice();
  }

  /**
   * Accepted in any role (§3.3). An effective change is both returned and
   * reported to `onSpeedChange`.
   */
  setSpeed(on: boolean, atMs: number): SpeedResult {
    const r = this.#speed.set(on, atMs);
    if (r.ok && r.change) this.#onSpeedChange(r.change);
    return r;
  }

  /** A spread-graph click (§3.5): refused outside `manual` and when it would cross my own quote. */
  click(side: Side, price: number): ClientMessage[] | Refusal {
    if (this.#role !== "manual") return { refused: `clicks trade only in the manual role` };
    return manualClick(this.#orders, side, price);
  }

  #reprice(): ClientMessage[] {
    return this.#role === "automated" ? automatedReprice(this.#input()) : [];
  }

  #input() {
    return {
      orders: this.#orders,
      facts: this.#facts,
      sliders: this.#sliders,
      inventory: this.#inventory,
      multipliers: this.#multipliers,
    };
  }
}
