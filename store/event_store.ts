/**
 * The log's events in SQL: written by the persister, read by the exports
 * and, in the embedded default, by crash recovery. Writing is idempotent on
 * (stream, seq), so a batch delivered twice is stored once.
 */

import type { LogEvent } from "../eventlog/log_event.ts";
import type { EncodedEvent } from "../eventlog/event_source.ts";
import { CopyStalledError } from "./database.ts";
import type { Database, Queryable } from "./database.ts";

/** One session's events: its own stream and each market's, in seq order. */
export interface SessionEvents {
  code: string;
  session: LogEvent[];
  /** Ordered by market number (`<code>/m1`, `<code>/m2`, … `<code>/m10`). */
  markets: { stream: string; events: LogEvent[] }[];
}

const COLUMNS = "stream, seq, wall_ms, round, round_ms, kind, data";

/** Rows as a JSON array: one bound parameter, unpacked in SQL by json_to_recordset. */
const INSERT_JSON = `insert into events (${COLUMNS})
  select ${COLUMNS} from json_to_recordset($1::text::json) as x(
    stream text, seq bigint, wall_ms double precision, round int,
    round_ms double precision, kind text, data jsonb)
  on conflict (stream, seq) do nothing`;

const COPY_EVENTS = `copy events (${COLUMNS}) from stdin`;

const REGISTER_STREAMS = `insert into event_streams (stream, session)
  select s, split_part(s, '/', 1) from unnest($1::text[]) as s
  on conflict (stream) do nothing`;

const SELECT_EVENTS = `select stream, seq, wall_ms, round, round_ms, kind, data from events`;

function encode(e: LogEvent | EncodedEvent): EncodedEvent {
  if ("dataJson" in e) return e;
  return {
    stream: e.stream,
    seq: e.seq,
    wallMs: e.wallMs,
    round: e.round,
    roundMs: e.roundMs,
    kind: e.kind,
    dataJson: JSON.stringify(e.data),
  };
}

function byStreamSeq(a: EncodedEvent, b: EncodedEvent): number {
  return a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq;
}

/** COPY's text format: backslash, tab, newline and carriage return are escaped. */
function copyText(s: string): string {
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(
    /[\\\t\n\r]/g,
    (c) => c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

function copyData(events: readonly EncodedEvent[]): string {
  let text = "";
  for (const e of events) {
    text += `${copyText(e.stream)}\t${e.seq}\t${e.wallMs}\t${e.round ?? "\\N"}\t` +
      `${e.roundMs ?? "\\N"}\t${copyText(e.kind)}\t${copyText(e.dataJson)}\n`;
  }
  return text;
}

function jsonRows(events: readonly EncodedEvent[]): string {
  let text = "[";
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (i > 0) text += ",";
    text += `{"stream":${JSON.stringify(e.stream)},"seq":${e.seq},"wall_ms":${e.wallMs},` +
      `"round":${e.round},"round_ms":${e.roundMs},"kind":${JSON.stringify(e.kind)},` +
      `"data":${e.dataJson}}`;
  }
  return text + "]";
}

function toEvent(row: Record<string, unknown>): LogEvent {
  return {
    stream: row.stream as string,
    seq: Number(row.seq),
    wallMs: Number(row.wall_ms),
    round: row.round === null ? null : Number(row.round),
    roundMs: row.round_ms === null ? null : Number(row.round_ms),
    kind: row.kind as string,
    data: row.data as Record<string, unknown>,
  };
}

/** Sorts `m10` after `m9`. */
function marketNumber(stream: string): number {
  const m = /\/m(\d+)$/.exec(stream);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

export interface EventStoreOptions {
  /** How long a COPY may go silent before the batch is retried by INSERT (default 10 s). */
  copyTimeoutMs?: number;
}

export class EventStore {
  readonly db: Database;
  readonly #copyTimeoutMs: number;

  constructor(db: Database, options: EventStoreOptions = {}) {
    this.db = db;
    this.#copyTimeoutMs = options.copyTimeoutMs ?? 10_000;
  }

  /**
   * Stores events in one transaction, skipping any (stream, seq) already
   * stored; returns how many were new. On PostgreSQL the batch goes in by
   * COPY, the fast path when nothing is stored twice; a batch that
   * collides (a redelivery) goes again by `insert … on conflict do nothing`,
   * as does every batch when `copy` is false.
   */
  async insertEvents(
    events: readonly (LogEvent | EncodedEvent)[],
    options: { copy?: boolean } = {},
  ): Promise<number> {
    if (events.length === 0) return 0;
    // One order for every writer, so two inserting the same rows cannot deadlock.
    const rows = events.map(encode).sort(byStreamSeq);
    const streams = [...new Set(rows.map((e) => e.stream))];
    const register = (tx: Queryable) => tx.execute(REGISTER_STREAMS, [streams]);
    if (this.db.copyFrom !== undefined && (options.copy ?? true)) {
      const copied = await this.db.transaction(async (tx) => {
        // COPY cannot skip rows already stored, so it is taken only when
        // none of the batch's seq ranges holds any: the usual case, a batch
        // seen for the first time.
        if (await this.#anyStored(tx, rows)) return false;
        await tx.copyFrom!(COPY_EVENTS, copyData(rows), this.#copyTimeoutMs);
        await register(tx);
        return true;
      }).catch((e) => {
        // A redelivered batch racing its first delivery, or a COPY the
        // driver lost track of: the insert below sorts it out.
        if ((e as { code?: string }).code === "23505" || e instanceof CopyStalledError) {
          return false;
        }
        throw e;
      });
      if (copied) return rows.length;
    }
    return await this.db.transaction(async (tx) => {
      const n = await tx.execute(INSERT_JSON, [jsonRows(rows)]);
      await register(tx);
      return n;
    });
  }

  /** Whether any stream of the batch already holds a row within the batch's seq range for it. */
  async #anyStored(tx: Queryable, rows: readonly EncodedEvent[]): Promise<boolean> {
    const names: string[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    for (const e of rows) {
      if (names.at(-1) === e.stream) hi[hi.length - 1] = e.seq;
      else {
        names.push(e.stream);
        lo.push(e.seq);
        hi.push(e.seq);
      }
    }
    const found = await tx.query(
      `select 1 from unnest($1::text[], $2::bigint[], $3::bigint[]) as k(stream, lo, hi)
       where exists (select 1 from events e where e.stream = k.stream and e.seq between k.lo and k.hi)
       limit 1`,
      [names, lo, hi],
    );
    return found.length > 0;
  }

  /** A stream's events with seq > afterSeq, ascending; at most `limit` when given. */
  async readStream(stream: string, afterSeq = 0, limit?: number): Promise<LogEvent[]> {
    const rows = limit === undefined
      ? await this.db.query(`${SELECT_EVENTS} where stream = $1 and seq > $2 order by seq`, [
        stream,
        afterSeq,
      ])
      : await this.db.query(
        `${SELECT_EVENTS} where stream = $1 and seq > $2 order by seq limit $3`,
        [stream, afterSeq, limit],
      );
    return rows.map(toEvent);
  }

  /** Stored stream names starting with `prefix` (all when omitted), sorted. */
  async streams(prefix = ""): Promise<string[]> {
    const rows = await this.db.query<{ stream: string }>(
      `select stream from event_streams where starts_with(stream, $1)`,
      [prefix],
    );
    // Sorted here: the database's collation may order punctuation otherwise.
    return rows.map((r) => r.stream).sort();
  }

  /** Session codes with stored events, sorted. */
  async sessions(): Promise<string[]> {
    const rows = await this.db.query<{ session: string }>(
      `select distinct session from event_streams`,
    );
    return rows.map((r) => r.session).sort();
  }

  /** The highest stored seq of a stream, 0 when none. */
  async lastSeq(stream: string): Promise<number> {
    const rows = await this.db.query<{ last: unknown }>(
      `select coalesce(max(seq), 0) as last from events where stream = $1`,
      [stream],
    );
    return Number(rows[0].last);
  }

  /**
   * The seq up to which a stream is stored without a hole (the store may
   * hold later events too while batches commit out of order).
   */
  async storedPrefix(stream: string): Promise<number> {
    const rows = await this.db.query<{ n: unknown; last: unknown }>(
      `select count(*) as n, coalesce(max(seq), 0) as last from events where stream = $1`,
      [stream],
    );
    const n = Number(rows[0].n);
    if (n === Number(rows[0].last)) return n;
    // A hole: the rows before the first one out of place are 1, 2, … in order.
    const hole = await this.db.query<{ i: unknown }>(
      `select i from (
         select seq, row_number() over (order by seq) as i from events where stream = $1
       ) t where seq <> i order by i limit 1`,
      [stream],
    );
    return hole.length === 0 ? n : Number(hole[0].i) - 1;
  }

  /** Every event of a session: its stream and each market's, each in seq order. */
  async readSession(code: string): Promise<SessionEvents> {
    const streams = await this.db.query<{ stream: string }>(
      `select stream from event_streams where session = $1`,
      [code],
    );
    const markets = streams.map((r) => r.stream).filter((s) => s !== code)
      .sort((a, b) => marketNumber(a) - marketNumber(b) || (a < b ? -1 : a > b ? 1 : 0));
    return {
      code,
      session: await this.readStream(code),
      markets: await Promise.all(
        markets.map(async (stream) => ({ stream, events: await this.readStream(stream) })),
      ),
    };
  }
}
