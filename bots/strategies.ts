/**
 * How a bot subject trades once its trading page is up. A strategy only
 * decides; the bot (bot_subject.ts) owns the connection, paces the strategy
 * at its rate and measures every order to its acknowledgement.
 *
 * - `manual`: the manual role; orders on both sides a few ticks from the
 *   best bid and offer, now and then one at the other side's best price
 *   (a trade). `--rate` is its orders per second.
 * - `automated`: the automated role with its sliders; the server's
 *   algorithm quotes for it. It moves its sliders every few seconds and
 *   sends no orders itself.
 * - `random`: anything a subject can do, at random: role, speed, sliders,
 *   and orders while manual. `--rate` is its actions per second.
 *
 * `--strategy manual:0.5,automated:0.5` splits the bots by those shares.
 */

import type { Bbo, SubjectRequest } from "../protocol/subject_protocol.ts";
import type { EloRole } from "../market/session_config.ts";

/** Quotes sit on whole ECU (market/price_grid.ts): prices off the grid would be rounded. */
export const TICK = 10_000;
/** Where a bot quotes in an empty book: 100 ECU. */
export const DEFAULT_MID = 1_000_000;
const NO_OFFER = 2147483647;

export const STRATEGY_NAMES = ["manual", "automated", "random"] as const;
export type StrategyName = typeof STRATEGY_NAMES[number];

/** What a strategy sees of its bot and may do through it. */
export interface TradingContext {
  readonly bbo: Bbo;
  /** The role the server last reported for this seat. */
  readonly role: EloRole;
  readonly speed: boolean;
  readonly random: () => number;
  /** Sends a decision that is not an order (role, speed, sliders). */
  send(request: Exclude<SubjectRequest, { type: "order" }>): void;
  /**
   * Sends an order, measured to its acknowledgement. False (and nothing
   * sent) when the price could leave the server nothing to do (see
   * BotSubject.order).
   */
  order(side: "B" | "S", price: number): boolean;
}

export interface BotStrategy {
  readonly name: StrategyName;
  /** The trading page of a round came up (also after a reconnect in mid-round). */
  start(ctx: TradingContext): void;
  /** One paced action is due. */
  act(ctx: TradingContext): void;
  /** Sliders and the like that move on their own schedule, whatever the rate; ms since start. */
  idle?(ctx: TradingContext, elapsedMs: number): void;
}

/** The midpoint of the book, or the side that exists, or 100 ECU; on the grid. */
export function midPrice(bbo: Bbo): number {
  const bid = bbo.best_bid > 0 ? bbo.best_bid : null;
  const offer = bbo.best_offer < NO_OFFER ? bbo.best_offer : null;
  const mid = bid !== null && offer !== null
    ? (bid + offer) / 2
    : bid !== null
    ? bid + TICK
    : offer !== null
    ? offer - TICK
    : DEFAULT_MID;
  return Math.max(TICK * 2, Math.round(mid / TICK) * TICK);
}

function sliders(random: () => number) {
  const r = () => Math.round(random() * 100) / 100;
  return { type: "sliders" as const, a_x: r(), a_y: r(), a_z: r() };
}

/** Ticks from the mid a manual bot quotes at: mostly the first few. */
const NEAR_TICKS = 5;
/**
 * Further out, used only while the near prices are all taken by orders still
 * unanswered (a fast bot, a slow server): the bot keeps its rate.
 */
const FAR_TICKS = 60;

/**
 * A manual order near the touch: a bid 1–5 ticks under the mid or an offer
 * as far over it, and one time in ten a marketable order at the other
 * side's best price. False when no price was free (see BotSubject.order).
 */
export function manualOrder(ctx: TradingContext): boolean {
  const side = ctx.random() < 0.5 ? "B" : "S";
  const mid = midPrice(ctx.bbo);
  const price = (ticks: number) => side === "B" ? mid - ticks * TICK : mid + ticks * TICK;
  if (ctx.random() < 0.1) {
    const other = side === "B" ? ctx.bbo.best_offer : ctx.bbo.best_bid;
    if (other > 0 && other < NO_OFFER && ctx.order(side, other)) return true;
  }
  // the first price the bot may send: one the server could ignore is skipped
  const start = Math.floor(ctx.random() * NEAR_TICKS);
  for (let k = 0; k < NEAR_TICKS; k++) {
    if (ctx.order(side, price(1 + ((start + k) % NEAR_TICKS)))) return true;
  }
  for (let ticks = NEAR_TICKS + 1; ticks <= FAR_TICKS; ticks++) {
    const p = price(ticks);
    if (p > 0 && ctx.order(side, p)) return true;
  }
  return false;
}

export class ManualStrategy implements BotStrategy {
  readonly name = "manual";
  start(ctx: TradingContext): void {
    if (ctx.role !== "manual") ctx.send({ type: "role", role: "manual" });
  }
  act(ctx: TradingContext): void {
    manualOrder(ctx);
  }
}

/** Slider moves of the automated bots, ms apart. */
export const SLIDER_EVERY_MS = 5_000;

export class AutomatedStrategy implements BotStrategy {
  readonly name = "automated";
  #lastSliders = 0;
  start(ctx: TradingContext): void {
    if (ctx.role !== "automated") ctx.send({ type: "role", role: "automated" });
    ctx.send(sliders(ctx.random));
    this.#lastSliders = 0;
  }
  act(): void {
    // the server's algorithm places this seat's orders
  }
  idle(ctx: TradingContext, elapsedMs: number): void {
    if (elapsedMs - this.#lastSliders < SLIDER_EVERY_MS) return;
    this.#lastSliders = elapsedMs;
    ctx.send(sliders(ctx.random));
  }
}

export class RandomStrategy implements BotStrategy {
  readonly name = "random";
  start(ctx: TradingContext): void {
    this.#role(ctx);
  }
  act(ctx: TradingContext): void {
    const r = ctx.random();
    if (r < 0.6) {
      if (ctx.role === "manual") manualOrder(ctx);
      else ctx.send({ type: "role", role: "manual" });
    } else if (r < 0.75) {
      ctx.send(sliders(ctx.random));
    } else if (r < 0.85) {
      ctx.send({ type: "speed", on: !ctx.speed });
    } else {
      this.#role(ctx);
    }
  }
  #role(ctx: TradingContext): void {
    const roles: EloRole[] = ["out", "manual", "automated"];
    ctx.send({ type: "role", role: roles[Math.floor(ctx.random() * roles.length)] });
  }
}

export function makeStrategy(name: StrategyName): BotStrategy {
  switch (name) {
    case "manual":
      return new ManualStrategy();
    case "automated":
      return new AutomatedStrategy();
    case "random":
      return new RandomStrategy();
  }
}

export interface StrategyMix {
  name: StrategyName;
  share: number;
}

/**
 * `manual`, or `manual:0.5,automated:0.5` (shares are normalised, so
 * `manual:1,random:1` is half and half). Throws an Error naming the problem.
 */
export function parseStrategyMix(text: string): StrategyMix[] {
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length === 0) throw new Error("--strategy is empty");
  const mix: StrategyMix[] = [];
  for (const part of parts) {
    const [name, shareText, extra] = part.split(":");
    if (extra !== undefined) throw new Error(`--strategy: "${part}" must be name or name:share`);
    if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `--strategy: unknown strategy "${name}"; expected ${STRATEGY_NAMES.join(", ")}`,
      );
    }
    const share = shareText === undefined ? 1 : Number(shareText);
    if (shareText !== undefined && (shareText.trim() === "" || !Number.isFinite(share))) {
      throw new Error(`--strategy: the share of ${name} must be a number, got "${shareText}"`);
    }
    if (share < 0) throw new Error(`--strategy: the share of ${name} must be ≥ 0, got ${share}`);
    if (mix.some((m) => m.name === name)) throw new Error(`--strategy: ${name} is given twice`);
    mix.push({ name: name as StrategyName, share });
  }
  const total = mix.reduce((a, m) => a + m.share, 0);
  if (!(total > 0)) throw new Error("--strategy: the shares add up to 0");
  return mix.map((m) => ({ name: m.name, share: m.share / total }));
}

/** Strategy names for `n` bots by the largest-remainder rule, in mix order. */
export function assignStrategies(mix: StrategyMix[], n: number): StrategyName[] {
  const exact = mix.map((m) => m.share * n);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) =>
    b[0] - a[0] || a[1] - b[1]
  );
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  return mix.flatMap((m, i) => Array.from({ length: counts[i] }, () => m.name));
}
