/**
 * The event log in Redis (`REDIS_URL`): one Redis stream per log stream at
 * key `hft:log:<stream>`, entry id `<seq>-0`, fields `wall_ms`, `round`,
 * `round_ms` (empty for null), `kind` and `data` (JSON text). The set
 * `hft:log:streams` names every stream.
 *
 * One `append` call is one Lua script, so Redis takes all of it or none:
 * the script checks every event against its stream's last seq first, skips
 * a (stream, seq) already present (a retried batch), refuses a gap with
 * nothing written, and then adds the rest. Entries are never deleted or
 * trimmed: the log is the record that recovery reads, and the script takes
 * a stream's length for its last seq.
 *
 * Commands are not queued while Redis is away: a call fails within about
 * `commandTimeoutMs` with an {@link EventLogUnavailableError} naming the
 * URL, and the client reconnects by itself so that calls succeed again as
 * soon as Redis is back. A server that stops answering (a partition, a
 * stopped process) is treated the same: the connection is dropped and made
 * anew.
 *
 * The consumer-group side (`readGroup`, `ack`, `backlog`) reads on a second
 * connection, since a blocking XREADGROUP holds up every command behind it.
 */

import { createClient, ErrorReply } from "@redis/client";
import { EventLogUnavailableError, EventSequenceError } from "./log_event.ts";
import type { EventLog, LogEvent } from "./log_event.ts";
import { decodeEvent, encodeEvent } from "./event_source.ts";
import type {
  AckEntry,
  EncodedEvent,
  EventSource,
  GroupBacklog,
  ReadGroupOptions,
  SourceEntry,
} from "./event_source.ts";

export interface RedisEventLogOptions {
  /** Key prefix (default `hft:log:`); tests use their own. */
  prefix?: string;
  /** How long a command may take before the call fails as unavailable (default 1500 ms). */
  commandTimeoutMs?: number;
  /** Client name shown by CLIENT LIST. */
  name?: string;
}

const APPEND_SCRIPT = `
local plen = tonumber(ARGV[1])
local last = {}
local want = {}
for k = 2, #KEYS do
  -- Streams start at seq 1 and have no gaps, and entries are never
  -- deleted, so a stream's length is its last seq.
  local l = redis.call('XLEN', KEYS[k])
  last[k] = l
  want[k] = l
end
for i = 2, #ARGV, 7 do
  local k = tonumber(ARGV[i])
  local seq = tonumber(ARGV[i + 1])
  if seq == want[k] + 1 then
    want[k] = seq
  elseif seq > want[k] + 1 then
    return {0, string.sub(KEYS[k], plen + 1), want[k], seq}
  end
end
local added = 0
for i = 2, #ARGV, 7 do
  local k = tonumber(ARGV[i])
  local seq = tonumber(ARGV[i + 1])
  if seq > last[k] then
    redis.call('XADD', KEYS[k], ARGV[i + 1] .. '-0', 'wall_ms', ARGV[i + 2], 'round', ARGV[i + 3],
      'round_ms', ARGV[i + 4], 'kind', ARGV[i + 5], 'data', ARGV[i + 6])
    last[k] = seq
    added = added + 1
  end
end
for k = 2, #KEYS do
  redis.call('SADD', KEYS[1], string.sub(KEYS[k], plen + 1))
end
return {1, added}
`;

/** Milliseconds between reconnect attempts: quick at first, at most a second. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 5), 1000) + Math.floor(Math.random() * 50);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable URL)";
  }
}

type RawClient = ReturnType<typeof makeClient>;

function makeClient(url: string, name: string | undefined, timeoutMs: number) {
  return createClient({
    url,
    name,
    RESP: 2,
    disableOfflineQueue: true,
    commandOptions: { timeout: timeoutMs },
    socket: { connectTimeout: timeoutMs, reconnectStrategy: reconnectDelay },
  });
}

/** A Redis reply error (WRONGTYPE, NOSCRIPT, BUSYGROUP…), as opposed to a connection failure. */
function isReplyError(e: unknown): e is Error {
  return e instanceof ErrorReply;
}

/**
 * One connection that fails fast while Redis is away and heals itself.
 * `send` waits up to the timeout for a connection still being made, but
 * fails at once when Redis has already been away longer than that.
 */
export class RedisConnection {
  readonly url: string;
  readonly shownUrl: string;
  readonly #name: string | undefined;
  readonly #timeoutMs: number;
  #client: RawClient;
  /** When the connection last stopped being ready (0 while ready). */
  #downSince = 0;
  #lastError = "";
  #readyWaiters = new Set<() => void>();
  #closed = false;

  constructor(url: string, options: { name?: string; timeoutMs?: number } = {}) {
    this.url = url;
    this.shownUrl = redactUrl(url);
    this.#name = options.name;
    this.#timeoutMs = options.timeoutMs ?? 1500;
    this.#downSince = Date.now();
    this.#client = this.#start();
  }

  #start(): RawClient {
    const client = makeClient(this.url, this.#name, this.#timeoutMs);
    client.on("error", (e: Error) => {
      this.#lastError = e.message;
      if (this.#downSince === 0) this.#downSince = Date.now();
    });
    client.on("end", () => {
      if (this.#downSince === 0) this.#downSince = Date.now();
    });
    client.on("ready", () => {
      this.#downSince = 0;
      for (const wake of this.#readyWaiters) wake();
      this.#readyWaiters.clear();
    });
    client.connect().catch((e: Error) => {
      this.#lastError = e.message;
    });
    return client;
  }

  get isReady(): boolean {
    return this.#client.isReady;
  }

  unavailable(cause?: unknown): EventLogUnavailableError {
    const why = cause instanceof Error ? cause.message : this.#lastError;
    return new EventLogUnavailableError(
      `Redis at ${this.shownUrl} is unreachable${why ? ` (${why})` : ""}`,
      { cause },
    );
  }

  /** Waits for the connection, up to the timeout; throws when Redis stays away. */
  async ready(timeoutMs = this.#timeoutMs): Promise<void> {
    if (this.#closed) throw new EventLogUnavailableError(`the Redis event log is closed`);
    if (this.#client.isReady) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake = () => {};
    const ok = await new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
      this.#readyWaiters.add(wake);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    this.#readyWaiters.delete(wake);
    if (!ok || !this.#client.isReady) throw this.unavailable();
  }

  /** Sends one command; `extraMs` lengthens the timeout (for blocking reads). */
  async send(args: string[], extraMs = 0): Promise<unknown> {
    if (!this.#client.isReady) {
      const downFor = Date.now() - this.#downSince;
      if (this.#downSince !== 0 && downFor > this.#timeoutMs) throw this.unavailable();
      await this.ready(this.#timeoutMs - Math.max(0, downFor));
    }
    const client = this.#client;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no reply in time")), this.#timeoutMs + extraMs);
    });
    try {
      return await Promise.race([
        client.sendCommand(args, { timeout: this.#timeoutMs + extraMs }),
        timeout,
      ]);
    } catch (e) {
      if (isReplyError(e)) throw e;
      if ((e as Error).message === "no reply in time" && client === this.#client) {
        // Redis took the command and went silent: start over on a new socket
        // rather than wait for TCP to notice.
        this.#lastError = "no reply in time";
        this.#downSince = Date.now();
        this.#client = this.#start();
        try {
          client.destroy();
        } catch { /* already gone */ }
      }
      throw this.unavailable(e);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of this.#readyWaiters) wake();
    try {
      if (this.#client.isReady) await this.#client.close();
      else this.#client.destroy();
    } catch {
      try {
        this.#client.destroy();
      } catch { /* already gone */ }
    }
  }
}

type StreamReply = [string, [string, string[] | null][]][] | null;

function toEncoded(stream: string, id: string, fields: string[]): EncodedEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return {
    stream,
    seq: Number(id.slice(0, id.indexOf("-"))),
    wallMs: Number(f.wall_ms),
    round: f.round === "" || f.round === undefined ? null : Number(f.round),
    roundMs: f.round_ms === "" || f.round_ms === undefined ? null : Number(f.round_ms),
    kind: f.kind ?? "",
    dataJson: f.data ?? "{}",
  };
}

interface GroupState {
  /** Streams whose group exists, in registry order. */
  streams: string[];
  known: Set<string>;
  scannedAt: number;
  claimedAt: number;
  /** XAUTOCLAIM cursor per stream. */
  claimCursor: Map<string, string>;
}

export class RedisEventLog implements EventLog, EventSource {
  readonly kind = "redis";
  readonly prefix: string;
  readonly url: string;
  readonly #conn: RedisConnection;
  #reader: RedisConnection | null = null;
  readonly #options: RedisEventLogOptions;
  #scriptSha: string | null = null;
  readonly #groups = new Map<string, GroupState>();
  /** Consumers whose own pending entries are still being handed back, with each stream's cursor. */
  readonly #ownPending = new Map<string, Map<string, string>>();
  readonly #pendingDone = new Set<string>();

  constructor(url: string, options: RedisEventLogOptions = {}) {
    this.url = url;
    this.prefix = options.prefix ?? "hft:log:";
    this.#options = options;
    this.#conn = new RedisConnection(url, {
      name: options.name,
      timeoutMs: options.commandTimeoutMs,
    });
  }

  /** Connects, failing with {@link EventLogUnavailableError} when Redis does not answer in time. */
  static async open(
    url: string,
    options: RedisEventLogOptions & { connectTimeoutMs?: number } = {},
  ) {
    const log = new RedisEventLog(url, options);
    try {
      await log.#conn.ready(options.connectTimeoutMs ?? 3000);
      await log.#conn.send(["PING"]);
    } catch (e) {
      await log.close();
      throw e;
    }
    return log;
  }

  get registryKey(): string {
    return `${this.prefix}streams`;
  }

  keyOf(stream: string): string {
    return this.prefix + stream;
  }

  async #eval(keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    if (this.#scriptSha !== null) {
      try {
        return await this.#conn.send(["EVALSHA", this.#scriptSha, ...tail]);
      } catch (e) {
        if (!(isReplyError(e) && e.message.startsWith("NOSCRIPT"))) throw e;
      }
    }
    this.#scriptSha = String(await this.#conn.send(["SCRIPT", "LOAD", APPEND_SCRIPT]));
    return await this.#conn.send(["EVALSHA", this.#scriptSha, ...tail]);
  }

  async append(events: readonly LogEvent[]): Promise<void> {
    if (events.length === 0) return;
    const keys = [this.registryKey];
    const keyIndex = new Map<string, number>();
    const args = [String(this.prefix.length)];
    for (const event of events) {
      const e = encodeEvent(event);
      let k = keyIndex.get(e.stream);
      if (k === undefined) {
        keys.push(this.keyOf(e.stream));
        k = keys.length;
        keyIndex.set(e.stream, k);
      }
      args.push(
        String(k),
        String(e.seq),
        String(e.wallMs),
        e.round === null ? "" : String(e.round),
        e.roundMs === null ? "" : String(e.roundMs),
        e.kind,
        e.dataJson,
      );
    }
    const reply = await this.#eval(keys, args) as (string | number)[];
    if (Number(reply[0]) !== 1) {
      throw new EventSequenceError(
        `stream ${reply[1]} is at seq ${reply[2]}: cannot append seq ${reply[3]}`,
      );
    }
  }

  async read(stream: string, afterSeq = 0): Promise<LogEvent[]> {
    const key = this.keyOf(stream);
    const out: LogEvent[] = [];
    let from = `(${Math.max(0, Math.floor(afterSeq))}-0`;
    for (;;) {
      const page = await this.#conn.send(["XRANGE", key, from, "+", "COUNT", "10000"]) as [
        string,
        string[],
      ][];
      for (const [id, fields] of page) out.push(decodeEvent(toEncoded(stream, id, fields)));
      if (page.length < 10000) return out;
      from = `(${page[page.length - 1][0]}`;
    }
  }

  async lastSeq(stream: string): Promise<number> {
    const last = await this.#conn.send([
      "XREVRANGE",
      this.keyOf(stream),
      "+",
      "-",
      "COUNT",
      "1",
    ]) as [
      string,
      string[],
    ][];
    return last.length === 0 ? 0 : Number(last[0][0].slice(0, last[0][0].indexOf("-")));
  }

  async streams(prefix = ""): Promise<string[]> {
    const names = await this.#conn.send(["SMEMBERS", this.registryKey]) as string[];
    return names.filter((s) => s.startsWith(prefix)).sort();
  }

  // ---- consumer groups --------------------------------------------------------

  #readerConn(): RedisConnection {
    this.#reader ??= new RedisConnection(this.url, {
      name: this.#options.name ? `${this.#options.name}-reader` : undefined,
      timeoutMs: this.#options.commandTimeoutMs,
    });
    return this.#reader;
  }

  /** The group's streams, creating the group on streams it has not seen. */
  async #groupStreams(group: string, force = false): Promise<GroupState> {
    let state = this.#groups.get(group);
    if (state === undefined) {
      state = { streams: [], known: new Set(), scannedAt: 0, claimedAt: 0, claimCursor: new Map() };
      this.#groups.set(group, state);
    }
    // A few times a second, and at every call while there is nothing to read at all.
    if (!force && state.streams.length > 0 && Date.now() - state.scannedAt < 250) return state;
    const names = (await this.#conn.send(["SMEMBERS", this.registryKey]) as string[]).sort();
    const fresh = names.filter((s) => !state.known.has(s));
    await Promise.all(fresh.map(async (stream) => {
      try {
        await this.#conn.send(["XGROUP", "CREATE", this.keyOf(stream), group, "0", "MKSTREAM"]);
      } catch (e) {
        if (!(isReplyError(e) && e.message.startsWith("BUSYGROUP"))) throw e;
      }
    }));
    for (const s of fresh) state.known.add(s);
    state.streams = names;
    state.scannedAt = Date.now();
    return state;
  }

  #entries(reply: StreamReply, out: SourceEntry[], dead: SourceEntry[]): void {
    if (reply === null) return;
    for (const [key, items] of reply) {
      const stream = key.slice(this.prefix.length);
      for (const [id, fields] of items) {
        if (fields === null) {
          // Deleted from the stream while pending: nothing to store, only to acknowledge.
          dead.push({ id, event: toEncoded(stream, id, []) });
        } else out.push({ id, event: toEncoded(stream, id, fields) });
      }
    }
  }

  async readGroup(
    group: string,
    consumer: string,
    options: ReadGroupOptions = {},
  ): Promise<{ entries: SourceEntry[] }> {
    const count = Math.max(1, options.count ?? 2000);
    const blockMs = Math.max(0, options.blockMs ?? 100);
    const claimIdleMs = Math.max(0, options.claimIdleMs ?? 30_000);
    let state = await this.#groupStreams(group);
    if (state.streams.length === 0) {
      if (blockMs > 0) await new Promise((r) => setTimeout(r, Math.min(blockMs, 100)));
      return { entries: [] };
    }
    const reader = this.#readerConn();
    const perStream = String(Math.max(100, Math.ceil(count / state.streams.length)));
    const keys = state.streams.map((s) => this.keyOf(s));
    const entries: SourceEntry[] = [];
    const dead: SourceEntry[] = [];
    const me = `${group}\n${consumer}`;

    try {
      // 1. What this consumer had been handed before it died, from its own pending list.
      if (!this.#pendingDone.has(me)) {
        let cursors = this.#ownPending.get(me);
        if (cursors === undefined) {
          cursors = new Map();
          this.#ownPending.set(me, cursors);
        }
        const ids = state.streams.map((s) => cursors.get(s) ?? "0");
        const reply = await reader.send([
          "XREADGROUP",
          "GROUP",
          group,
          consumer,
          "COUNT",
          perStream,
          "STREAMS",
          ...keys,
          ...ids,
        ]) as StreamReply;
        this.#entries(reply, entries, dead);
        for (const e of [...entries, ...dead]) cursors.set(e.event.stream, e.id);
        if (entries.length + dead.length === 0) {
          this.#pendingDone.add(me);
          this.#ownPending.delete(me);
        }
      }

      // 2. Entries a dead consumer left idle.
      const now = Date.now();
      if (entries.length === 0 && now - state.claimedAt >= Math.min(1000, claimIdleMs)) {
        state.claimedAt = now;
        const replies = await Promise.all(state.streams.map((s) =>
          this.#conn.send([
            "XAUTOCLAIM",
            this.keyOf(s),
            group,
            consumer,
            String(claimIdleMs),
            state.claimCursor.get(s) ?? "0-0",
            "COUNT",
            perStream,
          ]) as Promise<[string, [string, string[] | null][], string[]?]>
        ));
        replies.forEach(([next, items], i) => {
          const stream = state.streams[i];
          state.claimCursor.set(stream, next);
          this.#entries([[keys[i], items]], entries, dead);
        });
      }

      // 3. New entries.
      if (entries.length === 0 && dead.length === 0) {
        const reply = await reader.send(
          [
            "XREADGROUP",
            "GROUP",
            group,
            consumer,
            "COUNT",
            perStream,
            ...(blockMs > 0 ? ["BLOCK", String(blockMs)] : []),
            "STREAMS",
            ...keys,
            ...keys.map(() => ">"),
          ],
          blockMs,
        ) as StreamReply;
        this.#entries(reply, entries, dead);
      }
    } catch (e) {
      // A stream key deleted and made again lost its group: make it anew next time.
      if (isReplyError(e) && e.message.startsWith("NOGROUP")) {
        state.known.clear();
        state = await this.#groupStreams(group, true);
        return { entries: [] };
      }
      throw e;
    }
    if (dead.length > 0) await this.ack(group, dead);
    return { entries };
  }

  async ack(group: string, entries: readonly AckEntry[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const e of entries) {
      const ids = byStream.get(e.event.stream);
      if (ids === undefined) byStream.set(e.event.stream, [e.id]);
      else ids.push(e.id);
    }
    await Promise.all(
      [...byStream].map(([stream, ids]) =>
        this.#conn.send(["XACK", this.keyOf(stream), group, ...ids])
      ),
    );
  }

  async backlog(group: string): Promise<GroupBacklog> {
    const state = await this.#groupStreams(group, true);
    const infos = await Promise.all(
      state.streams.map((s) =>
        this.#conn.send(["XINFO", "GROUPS", this.keyOf(s)]) as Promise<
          (string | number | null)[][]
        >
      ),
    );
    let pending = 0;
    let undelivered = 0;
    for (const groups of infos) {
      for (const g of groups) {
        const f = new Map<string, string | number | null>();
        for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
        if (f.get("name") !== group) continue;
        pending += Number(f.get("pending") ?? 0);
        undelivered += Number(f.get("lag") ?? 0);
      }
    }
    return { pending, undelivered };
  }

  async close(): Promise<void> {
    await Promise.all([this.#conn.close(), this.#reader?.close()]);
  }
}
