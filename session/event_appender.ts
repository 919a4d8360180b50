/**
 * Puts a server's events into the event log: numbers each stream's events
 * 1, 2, 3, … in the order they happen, batches whatever accumulates while
 * one append is in flight into the next, and keeps every event until the
 * log has taken it.
 *
 * When the log is unreachable the appender keeps its batch and retries with
 * backoff; it tells the server (`onAvailability`) so markets pause and new
 * orders are refused instead of being accepted into a log that cannot take
 * them. What is held meanwhile is bounded by what happened before the
 * outage was noticed: markets generate nothing while paused.
 */

import { type EventLog, EventLogUnavailableError, type LogEvent } from "../eventlog/log_event.ts";

export interface EventAppenderOptions {
  /** Called on every change of the log's reachability. */
  onAvailability?: (available: boolean, reason: string) => void;
  /** Where failures are reported (default console.error). */
  report?: (message: string) => void;
}

export class EventAppender {
  readonly #log: EventLog;
  readonly #seq = new Map<string, number>();
  #pending: LogEvent[] = [];
  #inFlight: Promise<void> | null = null;
  #available = true;
  #retryMs = 50;
  #closed = false;
  readonly #onAvailability: (available: boolean, reason: string) => void;
  readonly #report: (message: string) => void;
  #appended = 0;
  /** Events in the append under way. */
  #sending = 0;
  #emitted = 0;
  /** Callbacks waiting for the log to hold everything emitted before them. */
  readonly #waiting: { mark: number; run: () => void }[] = [];

  constructor(log: EventLog, options: EventAppenderOptions = {}) {
    this.#log = log;
    this.#onAvailability = options.onAvailability ?? (() => {});
    this.#report = options.report ?? ((m) => console.error(m));
  }

  get log(): EventLog {
    return this.#log;
  }

  get available(): boolean {
    return this.#available;
  }

  /** Events the log has not taken yet. */
  get backlog(): number {
    return this.#pending.length + this.#sending;
  }

  get appended(): number {
    return this.#appended;
  }

  /** Continues a stream recovered from the log: its next event gets `lastSeq + 1`. */
  resume(stream: string, lastSeq: number): void {
    this.#seq.set(stream, Math.max(this.#seq.get(stream) ?? 0, lastSeq));
  }

  lastSeq(stream: string): number {
    return this.#seq.get(stream) ?? 0;
  }

  /** Numbers an event and queues it; returns its seq. */
  emit(
    stream: string,
    kind: string,
    data: Record<string, unknown>,
    at: { round: number | null; roundMs: number | null; wallMs?: number },
  ): number {
    const seq = (this.#seq.get(stream) ?? 0) + 1;
    this.#seq.set(stream, seq);
    this.#emitted++;
    this.#pending.push({
      stream,
      seq,
      wallMs: at.wallMs ?? Date.now(),
      round: at.round,
      roundMs: at.roundMs,
      kind,
      data,
    });
    // the batch is cut after the turn: every event of one decision, and of
    // every decision that arrived with it, goes to the log in one append
    if (!this.#cutQueued) {
      this.#cutQueued = true;
      queueMicrotask(this.#cut);
    }
    return seq;
  }

  #cutQueued = false;
  #cut = (): void => {
    this.#cutQueued = false;
    this.#schedule();
  };

  /**
   * Runs `run` once the log holds every event emitted so far: at once when
   * it already does. Screens hear of a decision's effects only then, so a
   * server that dies never leaves a subject looking at something the
   * rebuilt market lacks.
   */
  afterDurable(run: () => void): void {
    if (this.#appended >= this.#emitted) run();
    else this.#waiting.push({ mark: this.#emitted, run });
  }

  #release(): void {
    while (this.#waiting.length > 0 && this.#waiting[0].mark <= this.#appended) {
      const { run } = this.#waiting.shift()!;
      try {
        run();
      } catch (e) {
        this.#report(`after an append: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Resolves once everything emitted so far is in the log (or the appender is closed). */
  async flush(): Promise<void> {
    while ((this.#pending.length > 0 || this.#inFlight) && !this.#closed) {
      if (!this.#inFlight) this.#schedule();
      await this.#inFlight;
      if (!this.#available) await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    await Promise.race([this.flush(), new Promise((r) => setTimeout(r, 2000))]);
    this.#closed = true;
  }

  #schedule(): void {
    if (this.#inFlight || this.#closed || this.#pending.length === 0) return;
    this.#inFlight = this.#appendPending().finally(() => {
      this.#inFlight = null;
      // after a failure the wait is already done: retry at once
      if (this.#pending.length > 0) this.#schedule();
    });
  }

  async #appendPending(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#sending = batch.length;
    try {
      await this.#log.append(batch);
      this.#appended += batch.length;
      this.#release();
      this.#retryMs = 50;
      if (!this.#available) {
        this.#available = true;
        this.#report(`event log reachable again; ${batch.length} held events written`);
        this.#onAvailability(true, "");
      }
    } catch (e) {
      // keep them, in order, ahead of anything emitted since
      this.#pending = batch.concat(this.#pending);
      this.#sending = 0;
      const reason = e instanceof EventLogUnavailableError
        ? e.message
        : `event log append failed: ${e instanceof Error ? e.message : String(e)}`;
      if (this.#available) {
        this.#available = false;
        this.#report(`${reason}; holding ${this.#pending.length} events and retrying`);
        this.#onAvailability(false, reason);
      }
      const wait = this.#retryMs;
      this.#retryMs = Math.min(this.#retryMs * 2, 2000);
      await new Promise((r) => setTimeout(r, wait));
    } finally {
      this.#sending = 0;
    }
  }
}
