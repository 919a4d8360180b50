/**
 * Role and speed rules shared by every ELO role (shared reference
 * `leeps-hft-app.md` §3.2–3.4).
 *
 * The speed switch keeps the UI's 4-second lock on the server too: the lock
 * exists so that a subject cannot flick speed on and off around an event and
 * pay for almost none of it, and a browser-only lock is no lock.
 */

import type { ClientMessage } from "../../ouch/messages.ts";
import type { OrderManager } from "./order_manager.ts";

export type EloRole = "out" | "manual" | "automated";

export const ELO_ROLES: readonly EloRole[] = ["out", "manual", "automated"];

export function isEloRole(x: unknown): x is EloRole {
  return typeof x === "string" && (ELO_ROLES as readonly string[]).includes(x);
}

/** The UI keeps speed on at least this long after switching it on. */
export const SPEED_MIN_ON_MS = 4_000;

/** An effective change of speed, for billing (`TraderAccount.setSpeed`). */
export interface SpeedChange {
  on: boolean;
  atMs: number;
}

export type SpeedResult =
  | { ok: true; change: SpeedChange | null }
  | { ok: false; reason: string; remainingMs: number };

export class SpeedSwitch {
  readonly #minOnMs: number;
  #on = false;
  #onSinceMs = 0;

  constructor(minOnMs = SPEED_MIN_ON_MS) {
    this.#minOnMs = minOnMs;
  }

  get on(): boolean {
    return this.#on;
  }

  /** A subject's toggle (§3.3). Switching off inside the minimum on-time is refused. */
  set(on: boolean, atMs: number): SpeedResult {
    checkTime(atMs);
    if (on === this.#on) return { ok: true, change: null };
    if (!on) {
      const remainingMs = this.#onSinceMs + this.#minOnMs - atMs;
      if (remainingMs > 0) {
        return {
          ok: false,
          reason: `speed must stay on for another ${(remainingMs / 1000).toFixed(1)} s`,
          remainingMs,
        };
      }
    }
    return { ok: true, change: this.#switch(on, atMs) };
  }

  /** A role change turns speed off whatever the lock says (§3.2 step 1). */
  forceOff(atMs: number): SpeedChange | null {
    checkTime(atMs);
    return this.#on ? this.#switch(false, atMs) : null;
  }

  #switch(on: boolean, atMs: number): SpeedChange {
    this.#on = on;
    if (on) this.#onSinceMs = atMs;
    return { on, atMs };
  }
}

function checkTime(atMs: number): void {
  if (!Number.isFinite(atMs)) throw new RangeError(`time must be finite, got ${atMs}`);
}

export interface RoleSwitch {
  /** The cancels, in order. */
  messages: ClientMessage[];
  speedChange: SpeedChange | null;
}

/**
 * Leaving any role (§3.2 steps 1–3): speed off, and every order cancelled,
 * live or still in flight, which also clears the staged prices (they are the
 * orders' latest requested prices). Entering a role is up to the role.
 */
export function leaveRole(orders: OrderManager, speed: SpeedSwitch, atMs: number): RoleSwitch {
  const speedChange = speed.forceOff(atMs);
  return { messages: orders.cancelAll(), speedChange };
}
