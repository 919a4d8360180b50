/**
 * A {@link Venue} on a remote OUCH exchange over TCP: ours
 * (`deno task exchange`) or upstream's Python exchange_server.
 *
 * It reconnects by itself with capped exponential backoff and reports every
 * change as a `connection` event. While the link is down `send` throws, so
 * the market pauses instead of trading against a dead exchange. Orders live
 * on the exchange, owned by the connection that entered them: after a
 * reconnect their direct replies (fills, cancels) are lost to this client,
 * as with upstream; only broadcasts keep flowing.
 */

import { encodeClientMessage } from "../ouch/codec.ts";
import { OuchFramer } from "../ouch/framer.ts";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import { type Venue, type VenueEvent, VenueListeners, VenueUnavailableError } from "./venue.ts";

export interface RemoteVenueOptions {
  host: string;
  port: number;
  /** First reconnect delay; doubles per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

export class RemoteVenue implements Venue {
  readonly #options: Required<RemoteVenueOptions>;
  readonly #listeners: VenueListeners;
  #conn: Deno.TcpConn | null = null;
  #closed = false;
  #backoff: number;
  #wake: (() => void) | null = null;
  #writes: Promise<void> = Promise.resolve();
  readonly #loop: Promise<void>;
  #lastDown = "not connected yet";

  private constructor(options: RemoteVenueOptions) {
    this.#options = {
      backoffMs: 50,
      maxBackoffMs: 2000,
      log: (line) => console.error(line),
      ...options,
    };
    this.#backoff = this.#options.backoffMs;
    this.#listeners = new VenueListeners((e) => this.#options.log(`venue listener failed: ${e}`));
    this.#loop = this.#run();
  }

  /** Starts connecting; resolves once the first connection is up (or it is closed). */
  static async connect(options: RemoteVenueOptions): Promise<RemoteVenue> {
    const venue = new RemoteVenue(options);
    await new Promise<void>((resolve) => {
      const off = venue.subscribe((e) => {
        if (e.type === "connection" && e.up) {
          off();
          resolve();
        }
      });
      if (venue.connected) resolve();
    });
    return venue;
  }

  /** Starts connecting in the background; watch `connection` events. */
  static open(options: RemoteVenueOptions): RemoteVenue {
    return new RemoteVenue(options);
  }

  get connected(): boolean {
    return this.#conn !== null;
  }

  send(request: ClientMessage): void {
    const conn = this.#conn;
    if (!conn) throw new VenueUnavailableError(this.#lastDown);
    const bytes = encodeClientMessage(request);
    // Writes are chained so requests reach the exchange in send order.
    this.#writes = this.#writes.then(async () => {
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    }).catch((e) => this.#down(conn, `write failed: ${(e as Error).message}`));
  }

  subscribe(listener: (event: VenueEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    if (this.#conn) this.#down(this.#conn, "closed");
    await this.#loop;
  }

  #down(conn: Deno.TcpConn, detail: string): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    this.#lastDown = detail;
    try {
      conn.close();
    } catch {
      // already closed
    }
    this.#listeners.emit({ type: "connection", up: false, detail });
  }

  async #run(): Promise<void> {
    const { host, port, log } = this.#options;
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await Deno.connect({ hostname: host, port, transport: "tcp" });
      } catch (e) {
        this.#lastDown = `connect to ${host}:${port} failed: ${(e as Error).message}`;
        await this.#sleep(this.#backoff);
        this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoffMs);
        continue;
      }
      if (this.#closed) {
        conn.close();
        break;
      }
      conn.setNoDelay(true);
      this.#backoff = this.#options.backoffMs;
      this.#conn = conn;
      this.#writes = Promise.resolve();
      this.#listeners.emit({ type: "connection", up: true, detail: `${host}:${port}` });
      await this.#read(conn);
      if (!this.#closed) log(`exchange ${host}:${port}: ${this.#lastDown}; reconnecting`);
    }
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    const framer = new OuchFramer("server");
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) return this.#down(conn, "closed by the exchange");
        const messages = framer.push(buf.subarray(0, n)) as ServerMessage[];
        for (const m of messages) this.#listeners.emit(m);
      }
    } catch (e) {
      this.#down(conn, `read failed: ${(e as Error).message}`);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = null;
        resolve();
      };
    });
  }
}
