/**
 * The exchange inside the server process, reached through {@link Venue}s
 * exactly like a remote one: a market does not know which it trades on.
 *
 * Replies are delivered after the request that caused them has been fully
 * processed, never from inside it, so a listener that sends a new request
 * in reaction (a sniper answering a quote) queues behind the current one
 * instead of re-entering the book.
 */

import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import { type ExchangeClock, wallClock } from "./clock.ts";
import { Exchange, type ExchangeOptions, type ExchangeOutput } from "./exchange.ts";
import { ExchangeTimer } from "./exchange_timer.ts";
import { type Venue, type VenueEvent, VenueListeners, VenueUnavailableError } from "./venue.ts";

export interface InProcessExchangeOptions extends ExchangeOptions {
  clock?: ExchangeClock;
  /**
   * Run expiries, batches and speed-bump releases on real timers (live
   * markets). Without it the host calls {@link InProcessExchange.advance}
   * (virtual time).
   */
  realTime?: boolean;
}

class InProcessVenue implements Venue {
  readonly listeners: VenueListeners;
  connected = true;

  constructor(readonly conn: number, readonly host: InProcessExchange) {
    this.listeners = new VenueListeners((e) => host.log(`venue listener failed: ${e}`));
  }

  send(request: ClientMessage): void {
    if (!this.connected) throw new VenueUnavailableError("venue closed");
    this.host.receive(this.conn, request);
  }

  subscribe(listener: (event: VenueEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    if (this.connected) {
      this.connected = false;
      this.host.disconnect(this.conn);
      this.listeners.emit({ type: "connection", up: false, detail: "closed" });
    }
    return Promise.resolve();
  }
}

export class InProcessExchange implements ExchangeOutput {
  readonly exchange: Exchange;
  readonly clock: ExchangeClock;
  readonly log: (line: string) => void;
  readonly #venues = new Map<number, InProcessVenue>();
  readonly #timer: ExchangeTimer | undefined;
  #pending: [InProcessVenue | null, ServerMessage][] = [];
  #flushing = false;
  #nextConn = 1;

  private constructor(exchange: Exchange, options: InProcessExchangeOptions) {
    this.exchange = exchange;
    this.clock = options.clock ?? wallClock;
    this.log = options.log ?? (() => {});
    if (options.realTime) {
      this.#timer = new ExchangeTimer(exchange, this.clock, this.log, () => this.#flush());
      this.#timer.reschedule();
    }
  }

  static async create(options: InProcessExchangeOptions): Promise<InProcessExchange> {
    const holder: { host?: InProcessExchange } = {};
    const clock = options.clock ?? wallClock;
    const exchange = await Exchange.create({
      send: (conn, m) => holder.host!.send(conn, m),
      broadcast: (m) => holder.host!.broadcast(m),
    }, { startMs: clock.now(), ...options });
    return holder.host = new InProcessExchange(exchange, options);
  }

  /** A new client connection. */
  connect(): Venue {
    const venue = new InProcessVenue(this.#nextConn++, this);
    this.#venues.set(venue.conn, venue);
    return venue;
  }

  receive(conn: number, request: ClientMessage): void {
    this.exchange.receive(conn, request, this.clock.now());
    this.#flush();
    this.#timer?.reschedule();
  }

  /** Runs timed work due by the clock's current time (virtual-time hosts). */
  advance(): void {
    this.exchange.advance(this.clock.now());
    this.#flush();
  }

  disconnect(conn: number): void {
    this.#venues.delete(conn);
  }

  send(conn: number, message: ServerMessage): void {
    const venue = this.#venues.get(conn);
    if (venue) this.#pending.push([venue, message]);
  }

  broadcast(message: ServerMessage): void {
    this.#pending.push([null, message]);
  }

  close(): void {
    this.#timer?.stop();
    for (const v of [...this.#venues.values()]) void v.close();
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) {
        const [venue, message] = this.#pending[i];
        if (venue) venue.listeners.emit(message);
        else for (const v of this.#venues.values()) v.listeners.emit(message);
      }
    } finally {
      this.#pending = [];
      this.#flushing = false;
    }
  }
}
