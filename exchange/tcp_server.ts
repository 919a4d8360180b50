/**
 * The OUCH exchange over plain TCP: one book per process, any number of
 * connections, wire-compatible with Leeps-Lab/exchange_server (shared
 * reference `leeps-exchange.md` §3).
 *
 * One writer: every inbound message, timer and batch runs to completion on
 * the single JS thread, in arrival order. Replies are queued per connection
 * and written by that connection's own pump, whole messages only (the
 * upstream client cannot reassemble a message split across reads), so a
 * client that stops reading only fills its own bounded queue and is then
 * dropped; nobody else waits for it.
 */

import { Exchange, type ExchangeOptions, type ExchangeOutput } from "./exchange.ts";
import { type ExchangeClock, MidnightTimestamps, wallClock } from "./clock.ts";
import { encodeServerMessage } from "../ouch/codec.ts";
import { OuchDecodeError } from "../ouch/codec.ts";
import { OuchFramer } from "../ouch/framer.ts";
import { ExchangeTimer } from "./exchange_timer.ts";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";

export interface ExchangeServerOptions extends Omit<ExchangeOptions, "timestamp" | "startMs"> {
  host?: string;
  port?: number;
  /** Zone of the OUCH timestamps (nanoseconds since local midnight). */
  timeZone?: string;
  /** A connection whose unsent replies exceed this is disconnected. */
  maxQueuedBytes?: number;
  clock?: ExchangeClock;
}

export const DEFAULT_MAX_QUEUED_BYTES = 4 << 20;

/**
 * Replies queued for one connection leave in writes of whole messages of at
 * most this many bytes: few system calls under load, and each write fits one
 * TCP segment on any network, so a reader that cannot reassemble (the
 * upstream app's) still always reads whole messages.
 */
const WRITE_BYTES = 1024;

class Connection {
  readonly framer = new OuchFramer("client");
  readonly #out = new Uint8Array(WRITE_BYTES);
  #queue: Uint8Array[] = [];
  #head = 0;
  queuedBytes = 0;
  #pumping = false;
  closed = false;
  /** Set when the connection must close once its queued replies are written. */
  closeWhenFlushed = false;

  constructor(
    readonly id: number,
    readonly conn: Deno.TcpConn,
    readonly remote: string,
    readonly server: ExchangeServer,
  ) {}

  enqueue(bytes: Uint8Array): void {
    if (this.closed) return;
    this.#queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > this.server.maxQueuedBytes) {
      this.server.drop(this, `not reading: ${this.queuedBytes} bytes of replies queued`);
      return;
    }
    if (!this.#pumping) {
      // Start writing once the current event has queued all its replies, so
      // they leave together.
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  async #pump(): Promise<void> {
    const out = this.#out;
    try {
      while (this.#head < this.#queue.length && (!this.closed || this.closeWhenFlushed)) {
        let n = 0;
        while (
          this.#head < this.#queue.length && n + this.#queue[this.#head].length <= WRITE_BYTES
        ) {
          out.set(this.#queue[this.#head], n);
          n += this.#queue[this.#head].length;
          this.#queue[this.#head++] = undefined as unknown as Uint8Array;
        }
        this.queuedBytes -= n;
        let written = 0;
        while (written < n) written += await this.conn.write(out.subarray(written, n));
        if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
      }
    } catch (e) {
      this.server.drop(this, `write failed: ${(e as Error).message}`);
    } finally {
      this.#pumping = false;
      if (this.closeWhenFlushed) this.#close();
    }
  }

  /** Stops accepting replies; closes now, or after the queue drains if `flush`. */
  shutdown(flush: boolean): void {
    this.closed = true;
    if (flush && this.#pumping) {
      this.closeWhenFlushed = true;
      // a peer that also stopped reading must not keep the socket forever
      setTimeout(() => this.#close(), 1000);
    } else {
      this.#close();
    }
  }

  #close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

export class ExchangeServer implements ExchangeOutput {
  readonly exchange: Exchange;
  readonly addr: Deno.NetAddr;
  readonly maxQueuedBytes: number;
  readonly #listener: Deno.TcpListener;
  readonly #clock: ExchangeClock;
  readonly #log: (line: string) => void;
  readonly #connections = new Map<number, Connection>();
  #nextConn = 1;
  readonly #timer: ExchangeTimer;
  #closing = false;
  readonly #accepting: Promise<void>;
  readonly #readers = new Set<Promise<void>>();

  private constructor(
    listener: Deno.TcpListener,
    exchange: Exchange,
    clock: ExchangeClock,
    options: ExchangeServerOptions,
    log: (line: string) => void,
  ) {
    this.#listener = listener;
    this.exchange = exchange;
    this.addr = listener.addr;
    this.#clock = clock;
    this.#log = log;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#timer = new ExchangeTimer(exchange, clock, log);
    this.#accepting = this.#accept();
    this.#timer.reschedule();
  }

  static async start(options: ExchangeServerOptions): Promise<ExchangeServer> {
    const clock = options.clock ?? wallClock;
    const log = options.log ?? ((line: string) => console.error(line));
    const stamps = new MidnightTimestamps(options.timeZone);
    // The server is the exchange's output, and the exchange exists before
    // the server does: forward through a holder.
    const holder: { server?: ExchangeServer } = {};
    const output: ExchangeOutput = {
      send: (conn, m) => holder.server!.send(conn, m),
      broadcast: (m) => holder.server!.broadcast(m),
    };
    const exchange = await Exchange.create(output, {
      ...options,
      timestamp: (ms) => stamps.at(ms),
      startMs: clock.now(),
      log,
    });
    const listener = Deno.listen({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? 9001,
      transport: "tcp",
    });
    const server = new ExchangeServer(listener, exchange, clock, options, log);
    holder.server = server;
    return server;
  }

  get connections(): number {
    return this.#connections.size;
  }

  send(conn: number, message: ServerMessage): void {
    const c = this.#connections.get(conn);
    if (c) c.enqueue(encodeServerMessage(message));
  }

  broadcast(message: ServerMessage): void {
    if (this.#connections.size === 0) return;
    const bytes = encodeServerMessage(message);
    for (const c of this.#connections.values()) c.enqueue(bytes);
  }

  /**
   * Disconnects a client; its resting orders stay in the book, as upstream.
   * With `flush`, replies already queued (to the requests before a bad
   * byte) are written first.
   */
  drop(c: Connection, reason: string, flush = false): void {
    if (c.closed) return;
    this.#connections.delete(c.id);
    this.#log(`exchange: disconnecting client ${c.id} (${c.remote}): ${reason}`);
    c.shutdown(flush);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#timer.stop();
    this.#listener.close();
    for (const c of [...this.#connections.values()]) this.drop(c, "server shutting down");
    await this.#accepting;
    await Promise.allSettled([...this.#readers]);
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const a = conn.remoteAddr;
        const c = new Connection(this.#nextConn++, conn, `${a.hostname}:${a.port}`, this);
        conn.setNoDelay(true);
        this.#connections.set(c.id, c);
        this.#log(`exchange: client ${c.id} connected from ${c.remote}`);
        const reader = this.#read(c);
        this.#readers.add(reader);
        reader.finally(() => this.#readers.delete(reader));
      }
    } catch (e) {
      if (!this.#closing) this.#log(`exchange: accept failed: ${(e as Error).message}`);
    }
  }

  async #read(c: Connection): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await c.conn.read(buf);
        if (n === null) break;
        if (c.closed) return;
        this.#receive(c, buf.subarray(0, n));
        if (c.closed) return;
      }
      this.drop(c, "closed by client");
    } catch (e) {
      this.drop(c, c.closed ? "closed" : `read failed: ${(e as Error).message}`);
    }
  }

  #receive(c: Connection, chunk: Uint8Array): void {
    let messages: ClientMessage[];
    let garbage: OuchDecodeError | undefined;
    try {
      messages = c.framer.push(chunk);
    } catch (e) {
      if (!(e instanceof OuchDecodeError)) throw e;
      garbage = e;
      messages = c.framer.drain();
    }
    const now = this.#clock.now();
    for (const m of messages) {
      try {
        this.exchange.receive(c.id, m, now);
      } catch (e) {
        // A bug must cost one request, not the exchange.
        this.#log(
          `exchange: internal error on ${m.type} from client ${c.id}: ${(e as Error).stack}`,
        );
      }
    }
    if (garbage) this.drop(c, garbage.message, true);
    this.#timer.reschedule();
  }
}
