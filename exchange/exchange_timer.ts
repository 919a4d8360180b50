/**
 * Drives an {@link Exchange}'s timed work (TIF expiries, FBA batches, IEX
 * speed-bump releases) from real timers: one timeout, always armed for the
 * exchange's next deadline. Virtual-time hosts call `advance` themselves
 * instead.
 */

import type { ExchangeClock } from "./clock.ts";
import type { Exchange } from "./exchange.ts";

export class ExchangeTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;
  #stopped = false;

  constructor(
    private readonly exchange: Exchange,
    private readonly clock: ExchangeClock,
    private readonly log: (line: string) => void,
    /** Called after timed work ran (e.g. to flush replies). */
    private readonly after: () => void = () => {},
  ) {}

  /** Call after anything that may have changed the next deadline. */
  reschedule(): void {
    if (this.#stopped) return;
    const at = this.exchange.nextDeadline();
    if (at === this.#armedAt) return;
    clearTimeout(this.#timer);
    this.#armedAt = at;
    if (!Number.isFinite(at)) return;
    this.#timer = setTimeout(() => {
      this.#armedAt = Infinity;
      try {
        this.exchange.advance(this.clock.now());
      } catch (e) {
        // a bug costs this timer's work, not the exchange
        this.log(`exchange: internal error in timed work: ${(e as Error).stack}`);
      }
      this.after();
      this.reschedule();
    }, Math.max(0, at - this.clock.now()));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
