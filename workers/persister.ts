/**
 * Moves the event log into the database: read a batch from the log's
 * consumer group, insert it in one transaction, acknowledge it only after
 * the commit. A crash anywhere leaves the batch pending in the log, to be
 * delivered again (to this consumer when it restarts under its name, or to
 * another once the batch has idled past `claimIdleMs`); the insert skips
 * what is already stored, so nothing is lost and nothing stored twice.
 *
 * When the database is away the persister keeps the batch, retries with a
 * backoff (100 ms doubling to 2 s) and says so once per outage; the log
 * keeps taking events meanwhile and the backlog drains when the database
 * returns. Up to `maxInFlight` batches are inserted at once (on separate
 * connections) so that reading the next batch overlaps the current commit.
 */

import type { EventSource, SourceEntry } from "../eventlog/event_source.ts";
import type { EventStore } from "../store/event_store.ts";
import { isTransientError } from "../store/database.ts";

export interface PersisterOptions {
  source: EventSource;
  store: EventStore;
  /** This persister's name in the group; unique among live persisters. */
  consumer: string;
  /** Default `persisters`. */
  group?: string;
  /** Entries per read, about (default 4000). */
  batchSize?: number;
  /** How long a read waits for new entries (default 50 ms). */
  blockMs?: number;
  /**
   * Shortest time between the starts of reads while they come back less
   * than full (default 0). A persister that reads after every append pays
   * the database's cost per batch for a handful of events; waiting a little
   * lets them gather, and costs that much lag.
   */
  minIntervalMs?: number;
  /**
   * The share of one core the inserts may take over time, in (0, 1]
   * (default 1: no limit). After a batch that took t ms (its insert and its
   * acknowledgement) the next read waits until t / share has passed since
   * the batch began. For a database in this process's own threads (PGlite), whose inserts compete with the
   * markets for CPU: under a burst the copy lags and catches up afterwards,
   * instead of taking a core from the subjects' screens.
   */
  maxBusyShare?: number;
  /** Pending entries idle this long are taken from a consumer presumed dead (default 30 s). */
  claimIdleMs?: number;
  /** Batches inserted concurrently (default 2). */
  maxInFlight?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Where outages and refusals are reported (default console.error). */
  log?: (message: string) => void;
}

export interface PersisterStats {
  consumer: string;
  running: boolean;
  /** Rows newly stored. */
  persisted: number;
  /** Entries handled (stored now, or found already stored), acknowledged or not. */
  handled: number;
  /** Entries the database refused for their content, acknowledged and dropped (logged). */
  refused: number;
  batches: number;
  lastBatchSize: number;
  /** Epoch ms of the last commit, 0 before the first. */
  lastCommitMs: number;
  /**
   * How far behind the persister is, in ms: now − the event time of the
   * oldest event read and not yet committed; 0 when all caught up.
   */
  lagMs: number;
  /** Event time → commit time over every event since start. */
  commitLagP50Ms: number;
  commitLagP99Ms: number;
  commitLagMaxMs: number;
  /** The database or the log is failing now. */
  databaseDown: boolean;
  sourceDown: boolean;
  lastError: string | null;
}

/**
 * Counts of values in buckets 0.1 ms wide below 10 ms, then 100 buckets
 * per decade up to 10^7 ms: about 1 % resolution, fixed memory.
 */
export class LagHistogram {
  readonly #counts = new Float64Array(100 + 600);
  #n = 0;
  #max = 0;

  static #bucket(ms: number): number {
    if (!(ms > 0)) return 0;
    if (ms < 10) return Math.floor(ms * 10);
    return Math.min(699, 100 + Math.floor((Math.log10(ms) - 1) * 100));
  }

  static #upper(i: number): number {
    return i < 100 ? (i + 1) / 10 : 10 ** (1 + (i - 99) / 100);
  }

  add(ms: number): void {
    this.#counts[LagHistogram.#bucket(ms)]++;
    this.#n++;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#n;
  }

  get max(): number {
    return this.#max;
  }

  /** The upper edge of the bucket holding the q-quantile (0 when empty). */
  quantile(q: number): number {
    if (this.#n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#n));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(LagHistogram.#upper(i), this.#max);
    }
    return this.#max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#n = 0;
    this.#max = 0;
  }
}

/** An outage reported once when it starts and once when it ends. */
class Outage {
  #since = 0;
  #failures = 0;
  constructor(readonly what: string, readonly log: (m: string) => void) {}

  get down(): boolean {
    return this.#since !== 0;
  }

  failed(e: unknown): void {
    this.#failures++;
    if (this.#since !== 0) return;
    this.#since = Date.now();
    this.log(`persister: ${this.what} failing, retrying until it works: ${errorText(e)}`);
  }

  ok(): void {
    if (this.#since === 0) return;
    const s = ((Date.now() - this.#since) / 1000).toFixed(1);
    this.log(`persister: ${this.what} works again after ${s} s (${this.#failures} failed tries)`);
    this.#since = 0;
    this.#failures = 0;
  }
}

function busyShare(share: number | undefined): number {
  if (share === undefined) return 1;
  if (!(share > 0 && share <= 1)) {
    throw new RangeError(`maxBusyShare must be in (0, 1], got ${share}`);
  }
  return share;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Persister {
  readonly consumer: string;
  readonly group: string;
  readonly #o: Required<Omit<PersisterOptions, "source" | "store" | "consumer" | "group">>;
  readonly #source: EventSource;
  readonly #store: EventStore;
  readonly #lag = new LagHistogram();
  readonly #inFlight = new Set<Promise<void>>();
  /** Oldest event time of each batch not yet committed. */
  readonly #waiting = new Map<Promise<void>, number>();
  readonly #db: Outage;
  readonly #log: Outage;
  #running = false;
  #stopping = false;
  #loop: Promise<void> | null = null;
  readonly #sleepers = new Set<() => void>();
  #persisted = 0;
  #handled = 0;
  #refused = 0;
  #batches = 0;
  #lastBatchSize = 0;
  #lastCommitMs = 0;
  #lastError: string | null = null;
  /** performance.now() before which no batch is read, so the inserts keep to maxBusyShare. */
  #restUntil = 0;

  constructor(options: PersisterOptions) {
    this.consumer = options.consumer;
    this.group = options.group ?? "persisters";
    this.#source = options.source;
    this.#store = options.store;
    this.#o = {
      batchSize: options.batchSize ?? 4000,
      blockMs: options.blockMs ?? 50,
      minIntervalMs: options.minIntervalMs ?? 0,
      maxBusyShare: busyShare(options.maxBusyShare),
      claimIdleMs: options.claimIdleMs ?? 30_000,
      maxInFlight: Math.max(1, options.maxInFlight ?? 2),
      backoffMinMs: options.backoffMinMs ?? 100,
      backoffMaxMs: options.backoffMaxMs ?? 2000,
      log: options.log ?? ((m) => console.error(m)),
    };
    this.#db = new Outage(`database (${this.#store.db.location})`, this.#o.log);
    this.#log = new Outage("event log", this.#o.log);
  }

  /**
   * Starts the loop. Over a log that forgets its groups on restart (the
   * in-process one), each stream's group first skips what the database
   * already holds without a hole.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Stops reading, lets the batches in hand finish (or give up if failing), and resolves. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#stopping = true;
    for (const wake of this.#sleepers) wake();
    await this.#loop;
    this.#running = false;
  }

  stats(): PersisterStats {
    const now = Date.now();
    let oldest = Infinity;
    for (const t of this.#waiting.values()) oldest = Math.min(oldest, t);
    return {
      consumer: this.consumer,
      running: this.#running && !this.#stopping,
      persisted: this.#persisted,
      handled: this.#handled,
      refused: this.#refused,
      batches: this.#batches,
      lastBatchSize: this.#lastBatchSize,
      lastCommitMs: this.#lastCommitMs,
      lagMs: oldest === Infinity ? 0 : Math.max(0, now - oldest),
      commitLagP50Ms: this.#lag.quantile(0.5),
      commitLagP99Ms: this.#lag.quantile(0.99),
      commitLagMaxMs: this.#lag.max,
      databaseDown: this.#db.down,
      sourceDown: this.#log.down,
      lastError: this.#lastError,
    };
  }

  /** Forgets the commit-lag distribution (a benchmark's warm-up). */
  resetLag(): void {
    this.#lag.reset();
  }

  /** Sleeps, cut short by stop(). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  async #seekStored(): Promise<void> {
    const source = this.#source as EventSource & {
      seekGroup?: (group: string, stream: string, afterSeq: number) => void;
    };
    if (typeof source.seekGroup !== "function") return;
    let delay = this.#o.backoffMinMs;
    while (!this.#stopping) {
      try {
        for (const stream of await source.streams()) {
          source.seekGroup(this.group, stream, await this.#store.storedPrefix(stream));
        }
        this.#db.ok();
        return;
      } catch (e) {
        this.#lastError = errorText(e);
        this.#db.failed(e);
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#o.backoffMaxMs);
      }
    }
  }

  async #run(): Promise<void> {
    await this.#seekStored();
    let delay = this.#o.backoffMinMs;
    let readAt = -Infinity;
    let full = false;
    while (!this.#stopping) {
      if (this.#inFlight.size >= this.#o.maxInFlight) {
        await Promise.race(this.#inFlight);
        continue;
      }
      let entries: SourceEntry[];
      const now = performance.now();
      const wait = Math.max(full ? 0 : readAt + this.#o.minIntervalMs - now, this.#restUntil - now);
      if (wait > 0) {
        await this.#sleep(wait);
        if (this.#stopping) break;
      }
      readAt = performance.now();
      try {
        entries = (await this.#source.readGroup(this.group, this.consumer, {
          count: this.#o.batchSize,
          blockMs: this.#o.blockMs,
          claimIdleMs: this.#o.claimIdleMs,
        })).entries;
        this.#log.ok();
        delay = this.#o.backoffMinMs;
      } catch (e) {
        this.#lastError = errorText(e);
        this.#log.failed(e);
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#o.backoffMaxMs);
        continue;
      }
      full = entries.length >= this.#o.batchSize;
      if (entries.length === 0) continue;
      let oldest = Infinity;
      for (const e of entries) oldest = Math.min(oldest, e.event.wallMs);
      const task: Promise<void> = this.#persist(entries).finally(() => {
        this.#inFlight.delete(task);
        this.#waiting.delete(task);
      });
      this.#inFlight.add(task);
      this.#waiting.set(task, oldest);
    }
    await Promise.all(this.#inFlight);
  }

  async #persist(entries: SourceEntry[]): Promise<void> {
    const began = performance.now();
    try {
      await this.#persistBatch(entries);
      const share = this.#o.maxBusyShare;
      if (share < 1) {
        const took = performance.now() - began;
        this.#restUntil = Math.max(this.#restUntil, began + took / share);
      }
    } catch (e) {
      // Not expected; the batch stays pending in the log and is delivered again.
      this.#lastError = errorText(e);
      this.#o.log(`persister: batch left pending: ${errorText(e)}`);
    }
  }

  async #persistBatch(entries: SourceEntry[]): Promise<void> {
    const events = entries.map((e) => e.event);
    let inserted: number;
    let delay = this.#o.backoffMinMs;
    for (let permanentFailures = 0, tries = 0;; tries++) {
      try {
        // A retry takes the plain INSERT: whatever failed may have been the COPY.
        inserted = await this.#store.insertEvents(events, { copy: tries === 0 });
        this.#db.ok();
        break;
      } catch (e) {
        this.#lastError = errorText(e);
        if (!isTransientError(e) && ++permanentFailures >= 3) {
          const n = await this.#insertOneByOne(entries);
          if (n === null) return;
          inserted = n;
          break;
        }
        this.#db.failed(e);
        // Unacknowledged, the batch stays pending in the log for whoever comes next.
        if (this.#stopping) return;
        await this.#sleep(delay);
        if (this.#stopping) return;
        delay = Math.min(delay * 2, this.#o.backoffMaxMs);
      }
    }
    const committed = Date.now();
    for (const e of events) this.#lag.add(committed - e.wallMs);
    this.#persisted += inserted;
    this.#handled += entries.length;
    this.#batches++;
    this.#lastBatchSize = entries.length;
    this.#lastCommitMs = committed;
    try {
      await this.#source.ack(this.group, entries);
    } catch (e) {
      // Stored but still pending: delivered again later, and skipped then as stored.
      this.#lastError = errorText(e);
      this.#log.failed(e);
    }
  }

  /**
   * A batch the database keeps refusing for its content: store what it
   * takes event by event and report the rest, which is acknowledged so it
   * cannot hold up everything behind it.
   */
  async #insertOneByOne(entries: SourceEntry[]): Promise<number | null> {
    let inserted = 0;
    for (const entry of entries) {
      for (let delay = this.#o.backoffMinMs;;) {
        try {
          inserted += await this.#store.insertEvents([entry.event], { copy: false });
          break;
        } catch (e) {
          if (isTransientError(e)) {
            this.#db.failed(e);
            if (this.#stopping) return null;
            await this.#sleep(delay);
            delay = Math.min(delay * 2, this.#o.backoffMaxMs);
            continue;
          }
          this.#refused++;
          this.#o.log(
            `persister: the database refused event ${entry.event.stream}#${entry.event.seq} ` +
              `(${entry.event.kind}); it stays only in the log: ${errorText(e)}`,
          );
          break;
        }
      }
    }
    return inserted;
  }
}
