/**
 * The embedded default log (no `REDIS_URL`): streams held in process, with
 * an optional append-only journal of JSON lines so that a killed process
 * loses nothing an `append` had resolved. On open the journal is read back;
 * a last line torn by a kill mid-write is dropped and cut off the file.
 *
 * Consumer groups live in memory only: after a restart a group starts again
 * from the beginning of every stream (or where `seekGroup` puts it), so the
 * persister re-offers what the database may already hold, which its
 * idempotent insert absorbs.
 */

import { EventLogUnavailableError, EventSequenceError } from "./log_event.ts";
import type { EventLog, LogEvent } from "./log_event.ts";
import { decodeEvent, encodeEvent, eventJson } from "./event_source.ts";
import type {
  AckEntry,
  EncodedEvent,
  EventSource,
  GroupBacklog,
  ReadGroupOptions,
  SourceEntry,
} from "./event_source.ts";

export interface MemoryEventLogOptions {
  /** The journal file (JSON lines); none keeps events in memory only. */
  journalPath?: string;
  /** fsync after each append: survives power loss as well as a kill, at a cost per call. */
  syncEachAppend?: boolean;
}

interface Pending {
  entry: SourceEntry;
  consumer: string;
  deliveredAt: number;
}

interface Group {
  /** Per stream, the last seq delivered to the group. */
  delivered: Map<string, number>;
  /** By `<stream>\n<id>`. */
  pending: Map<string, Pending>;
  /** Consumers that have read since this process started. */
  consumers: Set<string>;
}

const encoder = new TextEncoder();

export class MemoryEventLog implements EventLog, EventSource {
  readonly kind = "memory";
  /** Per stream, its events: index i holds seq i + 1. */
  readonly #streams = new Map<string, EncodedEvent[]>();
  readonly #groups = new Map<string, Group>();
  readonly #waiters = new Set<() => void>();
  #journal: Deno.FsFile | null;
  #journalSize: number;
  readonly #sync: boolean;
  /** Appends run one at a time: each checks the streams as the previous one left them. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(journal: Deno.FsFile | null, size: number, sync: boolean) {
    this.#journal = journal;
    this.#journalSize = size;
    this.#sync = sync;
  }

  /** Opens the log, reading back the journal when there is one. */
  static async open(options: MemoryEventLogOptions = {}): Promise<MemoryEventLog> {
    const { journalPath } = options;
    if (journalPath === undefined) return new MemoryEventLog(null, 0, false);
    const dir = journalPath.replace(/[\\/][^\\/]*$/, "");
    if (dir !== journalPath && dir !== "") await Deno.mkdir(dir, { recursive: true });
    const file = await Deno.open(journalPath, { read: true, write: true, create: true });
    try {
      const bytes = await readAll(file);
      const log = new MemoryEventLog(file, 0, options.syncEachAppend ?? false);
      const kept = log.#replay(bytes, journalPath);
      if (kept < bytes.length) await file.truncate(kept);
      log.#journalSize = kept;
      await file.seek(kept, Deno.SeekMode.Start);
      return log;
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** Loads the journal's events; returns how many bytes of it are whole lines. */
  #replay(bytes: Uint8Array, path: string): number {
    let start = 0;
    let line = 0;
    const decoder = new TextDecoder();
    while (start < bytes.length) {
      const end = bytes.indexOf(10, start);
      // No newline: the last write was cut short. Whatever it held was never
      // acknowledged to its caller, who retries it.
      if (end < 0) break;
      line++;
      const text = decoder.decode(bytes.subarray(start, end));
      let event: EncodedEvent;
      try {
        event = encodeEvent(JSON.parse(text));
      } catch (e) {
        throw new Error(
          `event journal ${path} is damaged at line ${line}: ${(e as Error).message}`,
        );
      }
      const events = this.#stream(event.stream);
      // A retried append can leave the same events twice in the journal.
      if (event.seq === events.length + 1) events.push(event);
      else if (event.seq > events.length + 1) {
        throw new Error(
          `event journal ${path} skips from ${event.stream}#${events.length} to #${event.seq} at line ${line}`,
        );
      }
      start = end + 1;
    }
    return start;
  }

  #stream(name: string): EncodedEvent[] {
    let events = this.#streams.get(name);
    if (events === undefined) {
      events = [];
      this.#streams.set(name, events);
    }
    return events;
  }

  append(events: readonly LogEvent[]): Promise<void> {
    const run = this.#tail.then(() => this.#append(events));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #append(input: readonly LogEvent[]): Promise<void> {
    if (this.#closed) throw new EventLogUnavailableError("the event log is closed");
    const encoded = input.map(encodeEvent);
    // Check the whole call before taking any of it.
    const next = new Map<string, number>();
    const fresh: EncodedEvent[] = [];
    for (const event of encoded) {
      const last = next.get(event.stream) ?? this.#streams.get(event.stream)?.length ?? 0;
      if (event.seq <= last) continue;
      if (event.seq > last + 1) {
        throw new EventSequenceError(
          `stream ${event.stream} is at seq ${last}: cannot append seq ${event.seq}`,
        );
      }
      next.set(event.stream, event.seq);
      fresh.push(event);
    }
    if (fresh.length === 0) return;
    if (this.#journal !== null) await this.#write(fresh);
    for (const event of fresh) this.#stream(event.stream).push(event);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  async #write(events: readonly EncodedEvent[]): Promise<void> {
    const file = this.#journal!;
    let text = "";
    for (const event of events) text += eventJson(event) + "\n";
    const bytes = encoder.encode(text);
    try {
      let done = 0;
      if (this.#sync) {
        while (done < bytes.length) done += await file.write(bytes.subarray(done));
        await file.syncData();
      } else {
        // Into the page cache: microseconds, where an asynchronous write costs
        // a hop to another thread and back through a busy event loop, and
        // every screen waits for it.
        while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
      }
      this.#journalSize += bytes.length;
    } catch (e) {
      // Cut off a partial write so the next one does not land after half a line.
      try {
        file.truncateSync(this.#journalSize);
        file.seekSync(this.#journalSize, Deno.SeekMode.Start);
      } catch { /* the next write reports the disk's state */ }
      throw new EventLogUnavailableError(
        `cannot write the event journal: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  read(stream: string, afterSeq = 0): Promise<LogEvent[]> {
    const events = this.#streams.get(stream) ?? [];
    return Promise.resolve(events.slice(Math.max(0, afterSeq)).map(decodeEvent));
  }

  lastSeq(stream: string): Promise<number> {
    return Promise.resolve(this.#streams.get(stream)?.length ?? 0);
  }

  streams(prefix = ""): Promise<string[]> {
    const names = [...this.#streams.keys()].filter((s) => s.startsWith(prefix));
    return Promise.resolve(names.sort());
  }

  // ---- consumer groups --------------------------------------------------------

  #group(name: string): Group {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { delivered: new Map(), pending: new Map(), consumers: new Set() };
      this.#groups.set(name, group);
    }
    return group;
  }

  /**
   * Marks a stream delivered and acknowledged up to `afterSeq` for a group,
   * as when the database is known to hold that prefix already.
   */
  seekGroup(group: string, stream: string, afterSeq: number): void {
    const g = this.#group(group);
    const at = g.delivered.get(stream) ?? 0;
    if (afterSeq > at) g.delivered.set(stream, afterSeq);
  }

  async readGroup(
    group: string,
    consumer: string,
    options: ReadGroupOptions = {},
  ): Promise<{ entries: SourceEntry[] }> {
    const count = Math.max(1, options.count ?? 2000);
    const blockMs = options.blockMs ?? 100;
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    const g = this.#group(group);
    const now = Date.now();

    if (!g.consumers.has(consumer)) {
      g.consumers.add(consumer);
      const own = [...g.pending.values()].filter((p) => p.consumer === consumer).slice(0, count);
      if (own.length > 0) {
        for (const p of own) p.deliveredAt = now;
        return { entries: own.map((p) => p.entry) };
      }
    }

    const claimed: SourceEntry[] = [];
    for (const p of g.pending.values()) {
      if (claimed.length >= count) break;
      if (now - p.deliveredAt >= claimIdleMs) {
        p.consumer = consumer;
        p.deliveredAt = now;
        claimed.push(p.entry);
      }
    }
    if (claimed.length > 0) return { entries: claimed };

    let entries = this.#deliverNew(g, consumer, count);
    if (entries.length === 0 && blockMs > 0 && !this.#closed) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, blockMs);
        this.#waiters.add(wake);
      });
      entries = this.#deliverNew(g, consumer, count);
    }
    return { entries };
  }

  #deliverNew(g: Group, consumer: string, count: number): SourceEntry[] {
    const out: SourceEntry[] = [];
    const now = Date.now();
    for (const [stream, events] of this.#streams) {
      const from = g.delivered.get(stream) ?? 0;
      if (from >= events.length) continue;
      const to = Math.min(events.length, from + (count - out.length));
      for (let i = from; i < to; i++) {
        const entry: SourceEntry = { id: `${i + 1}-0`, event: events[i] };
        g.pending.set(`${stream}\n${entry.id}`, { entry, consumer, deliveredAt: now });
        out.push(entry);
      }
      g.delivered.set(stream, to);
      if (out.length >= count) break;
    }
    return out;
  }

  ack(group: string, entries: readonly AckEntry[]): Promise<void> {
    const g = this.#groups.get(group);
    if (g !== undefined) {
      for (const e of entries) g.pending.delete(`${e.event.stream}\n${e.id}`);
    }
    return Promise.resolve();
  }

  backlog(group: string): Promise<GroupBacklog> {
    const g = this.#group(group);
    let undelivered = 0;
    for (const [stream, events] of this.#streams) {
      undelivered += Math.max(0, events.length - (g.delivered.get(stream) ?? 0));
    }
    return Promise.resolve({ pending: g.pending.size, undelivered });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    this.#journal?.close();
    this.#journal = null;
  }
}

async function readAll(file: Deno.FsFile): Promise<Uint8Array> {
  const { size } = await file.stat();
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = await file.read(bytes.subarray(done));
    if (n === null) break;
    done += n;
  }
  return bytes.subarray(0, done);
}
