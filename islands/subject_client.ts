/**
 * The subject's connection to `/ws/subject/<token>`: hello with the last
 * sequence number seen, updates applied strictly in order, a resync on any
 * gap, reconnects forever with backoff, round-trip probes and the latency
 * and attention telemetry the experimenter's monitor shows.
 *
 * Upstream's client had no reconnect and threw when sending on a closed
 * socket (shared reference `leeps-hft-app.md` §14.1); here nothing the
 * screen sends can throw, and what cannot be sent is reported.
 *
 * Sockets, timers and the clock are injected so the tests drive it without
 * a browser.
 */

import type { SubjectRequest, SubjectUpdate } from "../protocol/subject_protocol.ts";
import { backoffMs, percentile90 } from "./subject_format.ts";

export const PING_EVERY_MS = 2_000;
export const TELEMETRY_EVERY_MS = 10_000;
/** Strategy changes made while offline wait at most this long for the connection. */
export const QUEUE_TTL_MS = 30_000;

/** What the client needs of a WebSocket. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
}

const OPEN = 1;

/** Timer handles are opaque: numbers in browsers, objects in Deno. */
export type TimerId = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
  setInterval(fn: () => void, ms: number): TimerId;
  clearInterval(id: TimerId): void;
}

export type ConnectionState =
  /** Opening, or open but the hello not answered yet. */
  | "connecting"
  /** Open and in step with the server. */
  | "connected"
  /** Closed; the next attempt is scheduled. */
  | "reconnecting";

export interface ConnectionStatus {
  state: ConnectionState;
  /** When the next attempt starts (ms from now), while reconnecting. */
  retryMs: number | null;
  /** Last measured round trip. */
  rttMs: number | null;
  /** Requests waiting for the connection. */
  queued: number;
}

export interface SubjectClientOptions {
  url: string;
  /** The last sequence number already applied (restored after a page reload), or null. */
  lastSeq: number | null;
  /** Every sequenced update, in order, exactly once (pongs included). */
  onUpdate(update: SubjectUpdate): void;
  onStatus(status: ConnectionStatus): void;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  now?: () => number;
  /** Wall-clock epoch ms, to compare with the server's (Date.now by default). */
  wallNow?: () => number;
  random?: () => number;
  /** Share of the time since the last call that the window had focus, 0–100. */
  takeAttention?: () => number;
}

/** Offset estimates kept; the one from the quickest round trip of these wins. */
const OFFSET_SAMPLES = 8;

/** A request that could not be sent now. */
export type SendResult = "sent" | "queued" | "dropped";

const browserTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id as ReturnType<typeof setInterval>),
};

export class SubjectClient {
  #o: SubjectClientOptions;
  #timers: Timers;
  #now: () => number;
  #ws: SocketLike | null = null;
  #lastSeq: number | null;
  /** An answer to the current connection's hello has arrived. */
  #synced = false;
  #failures = 0;
  #retry: TimerId | null = null;
  #retryAt: number | null = null;
  #ping: TimerId | null = null;
  #telemetry: TimerId | null = null;
  #pingId = 0;
  #pingsOut = new Map<number, number>();
  #rtts: number[] = [];
  #reportedSinceOpen = false;
  #rttMs: number | null = null;
  /** Recent (round trip, server − local wall clock) pairs from pongs. */
  #offsets: { rtt: number; offset: number }[] = [];
  /** Strategy requests made while offline, latest per type, with when they were made. */
  #queue = new Map<string, { req: SubjectRequest; at: number }>();
  #stopped = false;

  constructor(options: SubjectClientOptions) {
    this.#o = options;
    this.#timers = options.timers ?? browserTimers;
    this.#now = options.now ?? (() => performance.now());
    this.#lastSeq = options.lastSeq;
  }

  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  /**
   * Server clock minus this machine's, in ms, from the recent pong with the
   * quickest round trip (its midpoint error is smallest); null before the
   * first pong. Lab machines' clocks can be minutes off, and countdowns to
   * server times would show that.
   */
  get serverOffsetMs(): number | null {
    let best: { rtt: number; offset: number } | null = null;
    for (const o of this.#offsets) if (!best || o.rtt < best.rtt) best = o;
    return best ? best.offset : null;
  }

  /** The server's epoch ms now, as well as it is known. */
  serverNow(): number {
    return (this.#o.wallNow ?? Date.now)() + (this.serverOffsetMs ?? 0);
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
    this.#telemetry = this.#timers.setInterval(() => this.#sendTelemetry(), TELEMETRY_EVERY_MS);
  }

  stop(): void {
    this.#stopped = true;
    this.#clearRetry();
    this.#stopPing();
    if (this.#telemetry !== null) this.#timers.clearInterval(this.#telemetry);
    this.#telemetry = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws) this.#detach(ws).close(1000, "page closed");
  }

  /**
   * Sends a request if the connection is in step. Otherwise role, speed and
   * slider choices wait for the connection (the latest of each kind), while
   * orders are dropped: a price picked before the drop is stale by the time
   * the connection is back.
   */
  send(req: SubjectRequest): SendResult {
    if (this.#ws && this.#ws.readyState === OPEN && this.#synced) {
      try {
        this.#ws.send(JSON.stringify(req));
        return "sent";
      } catch {
        // A socket that closed under us: treated like any closed socket below.
      }
    }
    if (req.type === "role" || req.type === "speed" || req.type === "sliders") {
      this.#queue.set(req.type, { req, at: this.#now() });
      this.#emit();
      return "queued";
    }
    return "dropped";
  }

  status(): ConnectionStatus {
    const open = this.#ws?.readyState === OPEN;
    return {
      state: open && this.#synced
        ? "connected"
        : this.#retry !== null
        ? "reconnecting"
        : "connecting",
      retryMs: this.#retryAt === null ? null : Math.max(0, this.#retryAt - this.#now()),
      rttMs: this.#rttMs,
      queued: this.#queue.size,
    };
  }

  #emit(): void {
    this.#o.onStatus(this.status());
  }

  #detach(ws: SocketLike): SocketLike {
    ws.onopen =
      ws.onmessage =
      ws.onclose =
      ws.onerror =
        null;
    return ws;
  }

  #connect(): void {
    this.#clearRetry();
    this.#synced = false;
    let ws: SocketLike;
    try {
      ws = (this.#o.createSocket ?? ((u) => new WebSocket(u)))(this.#o.url);
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      this.#stopPing();
      this.#reportedSinceOpen = false;
      this.#rawSend({ type: "hello", last_seq: this.#lastSeq });
      // A probe at once: its pong proves the hello was taken even when nothing was missed.
      this.#sendPing();
      this.#ping = this.#timers.setInterval(() => this.#sendPing(), PING_EVERY_MS);
      this.#emit();
    };
    ws.onmessage = (ev) => this.#receive(ev.data);
    ws.onclose = () => this.#closed(ws);
    ws.onerror = () => {
      // onclose follows every error; the retry is scheduled there.
    };
    this.#emit();
  }

  #closed(ws: SocketLike): void {
    if (ws !== this.#ws) return;
    this.#detach(ws);
    this.#ws = null;
    this.#synced = false;
    this.#stopPing();
    if (!this.#stopped) this.#scheduleRetry();
  }

  /** Drops the connection and opens a new one at once, asking for everything after #lastSeq. */
  #resync(): void {
    const ws = this.#ws;
    this.#ws = null;
    this.#synced = false;
    this.#stopPing();
    if (ws) {
      try {
        this.#detach(ws).close(4000, "resync");
      } catch {
        // Already closing.
      }
    }
    // Repeated gaps back off like failures, so a confused server is not hammered.
    if (this.#failures === 0) {
      this.#failures++;
      this.#connect();
    } else {
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    this.#clearRetry();
    const ms = backoffMs(this.#failures++, this.#o.random);
    this.#retryAt = this.#now() + ms;
    this.#retry = this.#timers.setTimeout(() => {
      this.#retry = null;
      this.#retryAt = null;
      if (!this.#stopped) this.#connect();
    }, ms);
    this.#emit();
  }

  #clearRetry(): void {
    if (this.#retry !== null) this.#timers.clearTimeout(this.#retry);
    this.#retry = null;
    this.#retryAt = null;
  }

  #stopPing(): void {
    if (this.#ping !== null) this.#timers.clearInterval(this.#ping);
    this.#ping = null;
    this.#pingsOut.clear();
  }

  #rawSend(req: SubjectRequest): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(req));
      return true;
    } catch {
      return false;
    }
  }

  #sendPing(): void {
    const id = ++this.#pingId;
    if (this.#rawSend({ type: "ping", id })) {
      this.#pingsOut.set(id, this.#now());
      // Probes never answered (a stalled link) must not pile up.
      if (this.#pingsOut.size > 16) {
        const oldest = this.#pingsOut.keys().next().value;
        if (oldest !== undefined) this.#pingsOut.delete(oldest);
      }
    }
  }

  #sendTelemetry(): void {
    const attention = this.#o.takeAttention?.() ?? 100;
    const samples = this.#rtts;
    this.#rtts = [];
    if (samples.length === 0) return;
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    this.#rawSend({
      type: "telemetry",
      avg_latency_ms: Math.round(mean * 10) / 10,
      max_latency_ms: Math.round(percentile90(samples) * 10) / 10,
      percent_active: Math.min(100, Math.max(0, Math.round(attention * 10) / 10)),
    });
  }

  #receive(data: unknown): void {
    if (typeof data !== "string") return;
    let parsed: SubjectUpdate | SubjectUpdate[];
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    // a frame holds one update, or several in order
    if (Array.isArray(parsed)) { for (const u of parsed) this.#receiveUpdate(u); }
    else this.#receiveUpdate(parsed);
  }

  #receiveUpdate(u: SubjectUpdate): void {
    if (typeof u !== "object" || u === null || typeof u.seq !== "number") return;
    const last = this.#lastSeq;
    if (u.type !== "snapshot" && last !== null) {
      if (u.seq <= last && !this.#synced) {
        // The hello's answer never repeats what we have: the server numbers
        // afresh (a new session store), so only a whole snapshot can be trusted.
        this.#lastSeq = null;
        this.#resync();
        return;
      }
      if (u.seq <= last) return;
      if (u.seq > last + 1) {
        this.#resync();
        return;
      }
    }
    this.#lastSeq = u.seq;
    if (!this.#synced) {
      this.#synced = true;
      this.#failures = 0;
      this.#flushQueue();
      this.#emit();
    }
    if (u.type === "pong") {
      const sent = this.#pingsOut.get(u.id);
      if (sent !== undefined) {
        this.#pingsOut.delete(u.id);
        this.#rttMs = Math.max(0, this.#now() - sent);
        this.#rtts.push(this.#rttMs);
        // The server stamped the pong about halfway through the round trip.
        const wall = (this.#o.wallNow ?? Date.now)();
        this.#offsets.push({ rtt: this.#rttMs, offset: u.server_ms + this.#rttMs / 2 - wall });
        if (this.#offsets.length > OFFSET_SAMPLES) this.#offsets.shift();
        // the monitor learns a fresh connection's latency at once, not 10 s later
        if (this.#rtts.length === 1 && !this.#reportedSinceOpen) {
          this.#reportedSinceOpen = true;
          this.#sendTelemetry();
        }
        this.#emit();
      }
    }
    this.#o.onUpdate(u);
  }

  #flushQueue(): void {
    const now = this.#now();
    for (const { req, at } of this.#queue.values()) {
      if (now - at <= QUEUE_TTL_MS) this.#rawSend(req);
    }
    this.#queue.clear();
  }
}

/**
 * Share of time the window had focus, between calls of {@link take}.
 * Fed by focus and blur events; upstream sent this as `traderActivity`.
 */
export class AttentionMeter {
  #now: () => number;
  #focused: boolean;
  #since: number;
  #focusedMs = 0;
  #windowStart: number;

  constructor(focused: boolean, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#focused = focused;
    this.#since = this.#windowStart = now();
  }

  set(focused: boolean): void {
    const t = this.#now();
    if (this.#focused) this.#focusedMs += t - this.#since;
    this.#focused = focused;
    this.#since = t;
  }

  /** Percent of the time since the last call (or creation) spent focused. */
  take(): number {
    this.set(this.#focused);
    const t = this.#now();
    const span = t - this.#windowStart;
    const pct = span > 0 ? (100 * this.#focusedMs) / span : this.#focused ? 100 : 0;
    this.#focusedMs = 0;
    this.#windowStart = t;
    return pct;
  }
}
