/**
 * A round's market clock in whole ms: it runs with the server's monotonic
 * clock while the round trades and stands still while it is paused (or the
 * server is down), so subjects never lose trading time to an interruption
 * and scheduled events keep their place in the round.
 */

export class RoundClock {
  readonly #now: () => number;
  /** Monotonic time at which the round clock read 0, shifted by pauses. */
  #origin = 0;
  #pausedAt: number | null;

  /** Starts paused at `atMs` (default 0); {@link resume} sets it going. */
  constructor(atMs = 0, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#origin = now() - atMs;
    this.#pausedAt = now();
  }

  get running(): boolean {
    return this.#pausedAt === null;
  }

  /** Round time now, whole ms. */
  get ms(): number {
    const t = (this.#pausedAt ?? this.#now()) - this.#origin;
    return Math.max(0, Math.floor(t));
  }

  pause(): void {
    if (this.#pausedAt === null) this.#pausedAt = this.#now();
  }

  resume(): void {
    if (this.#pausedAt === null) return;
    this.#origin += this.#now() - this.#pausedAt;
    this.#pausedAt = null;
  }
}
