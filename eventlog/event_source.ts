/**
 * The reading side of the event log, for the persister: consumer groups in
 * the manner of Redis streams. Every backend that implements `EventLog`
 * implements this too, so one persister works over Redis (several processes
 * sharing a group) and over the in-process log of the embedded default.
 *
 * Delivery is at least once: an entry stays pending in its group until it is
 * acknowledged, a consumer that restarts under the same name is handed its
 * own pending entries first, and entries left idle by a dead consumer are
 * claimed by a live one. The database insert is idempotent on (stream, seq),
 * so a second delivery is harmless.
 *
 * Entries carry the event with its `data` still as JSON text: the persister
 * hands that text to the database as is instead of parsing and re-encoding
 * tens of thousands of objects a second.
 */

import type { LogEvent } from "./log_event.ts";

/** A {@link LogEvent} whose `data` is kept as the JSON text the log holds. */
export type EncodedEvent = Omit<LogEvent, "data"> & {
  /** `JSON.stringify(event.data)`. */
  dataJson: string;
};

/** One delivered entry: the backend's entry id and its event. */
export interface SourceEntry {
  /** The backend's id within the event's stream (`<seq>-0`). */
  id: string;
  event: EncodedEvent;
}

export interface ReadGroupOptions {
  /** About how many entries one call returns at most (default 2000). */
  count?: number;
  /** How long to wait for new entries when there are none (default 100 ms; 0 = do not wait). */
  blockMs?: number;
  /** Pending entries idle this long are taken over from their consumer (default 30,000 ms). */
  claimIdleMs?: number;
}

/** What acknowledging an entry needs of it: its id and its stream. */
export interface AckEntry {
  id: string;
  event: Pick<EncodedEvent, "stream">;
}

export interface GroupBacklog {
  /** Delivered to a consumer of the group and not yet acknowledged. */
  pending: number;
  /** Appended and not yet delivered to the group. */
  undelivered: number;
}

export interface EventSource {
  /**
   * The next entries for `consumer` of `group` (created on first use, from
   * the start of every stream): this consumer's own pending entries from
   * an earlier life first, then entries idle longer than `claimIdleMs` in
   * other consumers' hands, then new ones across all streams. Resolves with
   * none after `blockMs` when there is nothing. Not to be called twice at
   * once for the same consumer.
   */
  readGroup(
    group: string,
    consumer: string,
    options?: ReadGroupOptions,
  ): Promise<{ entries: SourceEntry[] }>;
  /** Marks entries done for the group; unknown or already acknowledged ones are ignored. */
  ack(group: string, entries: readonly AckEntry[]): Promise<void>;
  /** What the group has yet to finish, summed over all streams. */
  backlog(group: string): Promise<GroupBacklog>;
  /** Every stream name starting with `prefix` (all when omitted). */
  streams(prefix?: string): Promise<string[]>;
}

// ---- encoding ---------------------------------------------------------------------

const INT32_MAX = 2147483647;
/** Text Postgres cannot store in jsonb: NUL, and a lone surrogate (JSON.stringify escapes only those). */
const UNSTORABLE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/**
 * Checks an event and encodes its data, or throws a RangeError naming what
 * is wrong. The log refuses at append what the database could never store,
 * so a bad event fails the call that made it instead of stalling the
 * persister later.
 */
export function encodeEvent(event: LogEvent): EncodedEvent {
  const { stream, seq, wallMs, round, roundMs, kind, data } = event;
  const where = () => `event ${JSON.stringify(stream)}#${seq}`;
  if (typeof stream !== "string" || stream.length === 0 || stream.includes("\0")) {
    throw new RangeError(`event stream must be a non-empty string without NUL, got ${stream}`);
  }
  if (stream === "streams") {
    // The Redis key of this stream would be the registry of stream names.
    throw new RangeError(`"streams" is reserved and cannot name a stream`);
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`${where()}: seq must be an integer >= 1`);
  }
  if (!Number.isFinite(wallMs)) throw new RangeError(`${where()}: wallMs must be finite`);
  if (round !== null && !(Number.isInteger(round) && round >= 0 && round <= INT32_MAX)) {
    throw new RangeError(`${where()}: round must be null or an integer 0..${INT32_MAX}`);
  }
  if (roundMs !== null && !Number.isFinite(roundMs)) {
    throw new RangeError(`${where()}: roundMs must be null or finite`);
  }
  if (typeof kind !== "string" || kind.length === 0 || kind.includes("\0")) {
    throw new RangeError(`${where()}: kind must be a non-empty string without NUL`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new RangeError(`${where()}: data must be an object`);
  }
  const dataJson = JSON.stringify(data);
  // most data has no escape at all: a plain search skips the expression
  if (dataJson.includes("\\u") && UNSTORABLE.test(dataJson)) {
    throw new RangeError(`${where()}: data holds a NUL character or a lone surrogate`);
  }
  return { stream, seq, wallMs, round, roundMs, kind, dataJson };
}

export function decodeEvent(event: EncodedEvent): LogEvent {
  return {
    stream: event.stream,
    seq: event.seq,
    wallMs: event.wallMs,
    round: event.round,
    roundMs: event.roundMs,
    kind: event.kind,
    data: JSON.parse(event.dataJson),
  };
}

/** The event as one JSON object, built around the data text without parsing it. */
export function eventJson(event: EncodedEvent): string {
  return `{"stream":${JSON.stringify(event.stream)},"seq":${event.seq},"wallMs":${event.wallMs},` +
    `"round":${event.round},"roundMs":${event.roundMs},"kind":${JSON.stringify(event.kind)},` +
    `"data":${event.dataJson}}`;
}
