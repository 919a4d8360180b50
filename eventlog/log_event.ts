/**
 * The event log's record and the interface every log backend implements:
 * Redis streams when `REDIS_URL` is set, an in-process journal otherwise.
 *
 * One stream per market (`<session code>/m<n>`) and one per session
 * (`<session code>`). Each stream's events carry a gapless sequence number
 * from 1, so (stream, seq) names an event everywhere: in Redis, in Postgres
 * and in the exports. Everything the platform knows about a session derives
 * from these events: the database rows, the CSV exports, crash recovery and
 * replay.
 */

export interface LogEvent {
  /** `<code>` for session-level events, `<code>/m<n>` for market n's. */
  stream: string;
  /** 1, 2, 3, … per stream, no gaps. */
  seq: number;
  /** When it happened on the server: ms since the Unix epoch (may be fractional). */
  wallMs: number;
  /** 1-based round, or null outside a round. */
  round: number | null;
  /** The market clock in ms since the round's start (null outside a round). */
  roundMs: number | null;
  /** What happened; see `eventlog/event_kinds.ts`. */
  kind: string;
  /** The event's fields, JSON-safe (integers for prices and money). */
  data: Record<string, unknown>;
}

/** The log cannot take or give events now (Redis unreachable, say). */
export class EventLogUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EventLogUnavailableError";
  }
}

/** An append that breaks a stream's sequence (a gap, or a seq already taken). */
export class EventSequenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventSequenceError";
  }
}

export interface EventLog {
  /** "redis" or "memory": shown by the server at start and on /health. */
  readonly kind: string;
  /**
   * Appends events in order. Resolves once the log holds all of them;
   * rejects with {@link EventLogUnavailableError} when it cannot (then none
   * or a prefix may have been taken: appending the same (stream, seq) again
   * is a no-op, so the caller retries the whole batch).
   */
  append(events: readonly LogEvent[]): Promise<void>;
  /** A stream's events with seq > afterSeq (default 0), ascending. */
  read(stream: string, afterSeq?: number): Promise<LogEvent[]>;
  /** The last seq of a stream, 0 when it has none. */
  lastSeq(stream: string): Promise<number>;
  /** Every stream name starting with `prefix` (all when omitted). */
  streams(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}
