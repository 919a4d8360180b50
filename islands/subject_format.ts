/**
 * Number formats and price arithmetic shared by the subject screen and the
 * experimenter's pages. Money and prices travel as integers in 1/10,000 ECU;
 * people read and type ECU with two decimals.
 */

import { NO_BID, NO_OFFER } from "../protocol/subject_protocol.ts";

export const UNITS_PER_ECU = 10_000;
/** The grid a typed or clicked price snaps to: 0.01 ECU. */
export const CLICK_GRID = 100;

/** Integer 1/10,000 ECU → "12.34" (half away from zero at the cent). */
export function formatEcuNumber(units: number): string {
  const cents = Math.round(Math.abs(units) / 100);
  const whole = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, "0");
  return `${units < 0 && cents > 0 ? "-" : ""}${whole}.${rest}`;
}

/** "12.34 ECU". */
export function formatEcu(units: number): string {
  return `${formatEcuNumber(units)} ECU`;
}

/** A bid, or "–" for the no-bid sentinel. */
export function formatBid(price: number | null | undefined): string {
  return price === null || price === undefined || price <= NO_BID ? "–" : formatEcu(price);
}

/** An offer, or "–" for the no-offer sentinel. */
export function formatOffer(price: number | null | undefined): string {
  return price === null || price === undefined || price <= NO_BID || price >= NO_OFFER
    ? "–"
    : formatEcu(price);
}

/** Milliseconds → "mm:ss", rounding up so "00:00" means the time is really up. */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** Snaps a price to the 0.01 ECU grid, inside the range an order may carry. */
export function snapPrice(units: number): number {
  const snapped = Math.round(units / CLICK_GRID) * CLICK_GRID;
  return Math.min(Math.max(snapped, CLICK_GRID), NO_OFFER - 1 - ((NO_OFFER - 1) % CLICK_GRID));
}

/**
 * What a person typed in ECU → integer units, or null when it is not a
 * positive price. Both "," and "." are accepted as the decimal mark.
 */
export function parseEcu(text: string): number | null {
  const t = text.trim().replace(",", ".");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(t)) return null;
  const units = Math.round(Number(t) * UNITS_PER_ECU);
  if (!Number.isFinite(units) || units <= 0 || units >= NO_OFFER) return null;
  return snapPrice(units);
}

/** Linear colour mix of two "#rrggbb" colours; t = 0 gives `a`, 1 gives `b`. */
export function mixColour(a: string, b: string, t: number): string {
  const k = Math.min(Math.max(t, 0), 1);
  const ch = (c: string, i: number) => parseInt(c.slice(1 + 2 * i, 3 + 2 * i), 16);
  let out = "#";
  for (let i = 0; i < 3; i++) {
    const v = Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * k);
    out += v.toString(16).padStart(2, "0");
  }
  return out;
}

/** Retry delay after `failures` failed attempts: 0.25 s doubling to 5 s, jittered down by ≤ 25 %. */
export function backoffMs(failures: number, random = Math.random): number {
  const base = Math.min(5_000, 250 * 2 ** Math.max(0, failures));
  return Math.max(250, Math.round(base * (0.75 + random() / 4)));
}

/** A same-host WebSocket URL for a path, ws: or wss: after the page's scheme. */
export function socketUrl(path: string, base: string): string {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** The 90th percentile of samples (nearest rank), 0 for none. */
export function percentile90(samples: readonly number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)];
}
