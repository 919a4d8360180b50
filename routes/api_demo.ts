/**
 * `/ws/demo-book`: streams the one shared demo market to every viewer.
 *
 * The market steps on a server timer whether or not anyone watches, so all
 * viewers (and the server-rendered page) see the same market.
 */

import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import { type DemoBookMessage, DemoFeed } from "../market/demo_feed.ts";
import { DemoMarket, type DemoMarketOptions } from "../market/demo_market.ts";
import { mulberry32 } from "../market/seeded_rng.ts";

export const DEMO_SOCKET_PATH = "/ws/demo-book";
export const DEMO_STEP_MS = 250;

export interface DemoSubscriber {
  /** Receives each message as JSON text. */
  send(json: string): void;
  /** Called once when the stream shuts down. */
  close?(): void;
}

export interface DemoStreamOptions extends DemoMarketOptions {
  seed?: number;
  stepMs?: number;
}

export class DemoStream {
  readonly feed: DemoFeed;
  readonly stepMs: number;
  #subscribers = new Set<DemoSubscriber>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #json: string;

  constructor(feed: DemoFeed, stepMs = DEMO_STEP_MS) {
    this.feed = feed;
    this.stepMs = stepMs;
    this.#json = JSON.stringify(feed.current);
  }

  static async create(options: DemoStreamOptions = {}): Promise<DemoStream> {
    const market = await DemoMarket.create(
      mulberry32(options.seed ?? 20_250_101),
      options,
    );
    return new DemoStream(new DemoFeed(market), options.stepMs);
  }

  get current(): DemoBookMessage {
    return this.feed.current;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.stepMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One market step, broadcast (the timer calls this; tests may too). */
  tick(): void {
    this.#json = JSON.stringify(this.feed.advance());
    for (const s of this.#subscribers) s.send(this.#json);
  }

  /** Sends the current state at once, then every step; returns the unsubscribe. */
  subscribe(subscriber: DemoSubscriber): () => void {
    this.#subscribers.add(subscriber);
    subscriber.send(this.#json);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Stops stepping and closes every subscriber (server shutdown). */
  close(): void {
    this.stop();
    const all = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of all) s.close?.();
  }
}

/** The upgrade handler; closes itself on errors so a bad socket never stalls a broadcast. */
export function demoBookSocket(stream: DemoStream) {
  return upgradeWebSocket((_c: Context) => {
    let unsubscribe: (() => void) | undefined;
    const done = () => {
      unsubscribe?.();
      unsubscribe = undefined;
    };
    return {
      onOpen(_event, ws) {
        unsubscribe = stream.subscribe({
          send(json) {
            if (ws.readyState !== WebSocket.OPEN) return done();
            try {
              ws.send(json);
            } catch {
              done();
            }
          },
          close: () => ws.close(1001, "server shutting down"),
        });
      },
      onClose: done,
      onError: done,
    };
  });
}
