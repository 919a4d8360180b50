/**
 * Time for the exchange: milliseconds on a clock the host chooses (wall clock
 * live, virtual time in simulation and tests), and the OUCH timestamp, which
 * is nanoseconds since midnight in a configured time zone at microsecond
 * resolution, as upstream stamps its messages.
 */

export interface ExchangeClock {
  /** Milliseconds (fractions allowed) since the Unix epoch, or virtual time. */
  now(): number;
}

/** Upstream ran on US/Pacific wall time. */
export const DEFAULT_TIME_ZONE = "America/Los_Angeles";

export const wallClock: ExchangeClock = {
  now: () => performance.timeOrigin + performance.now(),
};

/** A clock tests and simulations move by hand. */
export class VirtualClock implements ExchangeClock {
  constructor(public ms = 0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): number {
    return this.ms += ms;
  }
}

/**
 * Converts clock milliseconds to OUCH timestamps. The zone's offset is looked
 * up once per minute: Intl is too slow to consult per message, and every zone
 * offset (and every DST switch) falls on a minute boundary.
 */
export class MidnightTimestamps {
  readonly #parts: Intl.DateTimeFormat;
  #minuteStart = Number.NaN;
  #midnight = 0;

  constructor(timeZone: string = DEFAULT_TIME_ZONE) {
    try {
      this.#parts = new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hourCycle: "h23",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch {
      throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`);
    }
  }

  /** Nanoseconds since local midnight, truncated to the microsecond. */
  at(ms: number): bigint {
    const minute = Math.floor(ms / 60_000) * 60_000;
    if (minute !== this.#minuteStart) {
      const p = this.#parts.formatToParts(minute);
      const get = (t: string) => Number(p.find((x) => x.type === t)?.value ?? 0);
      this.#midnight = minute - (get("hour") * 3600 + get("minute") * 60) * 1000;
      this.#minuteStart = minute;
    }
    return BigInt(Math.floor((ms - this.#midnight) * 1000)) * 1000n;
  }
}

/** Virtual time stamped as if 0 ms were midnight. */
export function virtualTimestamp(ms: number): bigint {
  return BigInt(Math.floor(ms * 1000)) * 1000n;
}
