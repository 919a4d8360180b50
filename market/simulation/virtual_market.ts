/**
 * The virtual-time harness every simulated market runs on: an agenda of
 * actions by time, the real exchange (CDA, FBA or IEX) in process on a
 * virtual clock, and routes that carry a trader's requests to the exchange
 * after the trader's latency.
 *
 * The exchange's own timed work (batches, TIF expiries, speed-bump
 * releases) runs before market actions due at the same millisecond, so an
 * order arriving exactly at a batch time joins the next batch.
 */

import { VirtualClock } from "../../exchange/clock.ts";
import { EventQueue } from "../../exchange/event_queue.ts";
import { InProcessExchange } from "../../exchange/in_process_exchange.ts";
import type { Venue } from "../../exchange/venue.ts";
import type { MarketFormat } from "../../engine-wasm/events.ts";
import type { ClientMessage } from "../../ouch/messages.ts";

export interface VirtualMarketOptions {
  format: MarketFormat;
  batchMs: number;
  /** IEX speed bump. */
  delayMs: number;
  /** Seeds the exchange (FBA random order within a batch). */
  seed: number;
}

/**
 * A trader's path to the exchange. Messages arrive in send order: arrival =
 * max(send time + current latency, previous arrival), so switching to a
 * faster latency never overtakes one's own earlier messages.
 */
export class Route {
  #lastArrival = 0;

  constructor(
    private readonly market: VirtualMarket,
    readonly venue: Venue,
    public latencyMs: number,
  ) {}

  send(message: ClientMessage): void {
    const arrival = Math.max(this.market.now + this.latencyMs, this.#lastArrival);
    this.#lastArrival = arrival;
    this.market.at(arrival, () => this.venue.send(message));
  }
}

export class VirtualMarket {
  readonly #agenda = new EventQueue<() => void>();

  private constructor(readonly host: InProcessExchange, readonly clock: VirtualClock) {}

  static async create(options: VirtualMarketOptions): Promise<VirtualMarket> {
    const clock = new VirtualClock(0);
    const host = await InProcessExchange.create({ ...options, clock, startMs: 0 });
    return new VirtualMarket(host, clock);
  }

  get now(): number {
    return this.clock.ms;
  }

  /** A new connection to the exchange. */
  connect(): Venue {
    return this.host.connect();
  }

  route(latencyMs: number): Route {
    return new Route(this, this.connect(), latencyMs);
  }

  /** Runs `action` at time `at` (after everything already queued for that time). */
  at(at: number, action: () => void): void {
    this.#agenda.push(at, action);
  }

  /** When the next queued action or exchange deadline is due (Infinity: none). */
  nextAt(): number {
    return Math.min(this.host.exchange.nextDeadline(), this.#agenda.peekAt());
  }

  /** Runs everything due before `endMs`, then leaves the clock at `endMs`. */
  run(endMs: number): void {
    for (;;) {
      const exchangeAt = this.host.exchange.nextDeadline();
      const agendaAt = this.#agenda.peekAt();
      const t = Math.min(exchangeAt, agendaAt);
      if (t >= endMs) break;
      this.clock.ms = t;
      if (exchangeAt <= agendaAt) this.host.advance();
      else this.#agenda.pop()!.item();
    }
    this.clock.ms = endMs;
  }

  close(): void {
    this.host.close();
  }
}
