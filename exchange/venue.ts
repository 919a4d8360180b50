/**
 * A venue is where a market sends OUCH requests and hears OUCH replies:
 * the in-process exchange or a remote one over TCP (ours, or upstream's
 * Python exchange_server). Both speak the same messages, so the market layer
 * is written once against this interface.
 */

import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";

/** The venue's link went up or down (a remote venue reconnects by itself). */
export interface ConnectionEvent {
  type: "connection";
  up: boolean;
  /** Why it went down, or where it connected. */
  detail: string;
}

export type VenueEvent = ServerMessage | ConnectionEvent;

export interface Venue {
  /** Whether requests can be sent now. */
  readonly connected: boolean;
  /**
   * Sends one request. Throws {@link VenueUnavailableError} while the link
   * is down: a market must pause rather than trade against a dead venue.
   */
  send(request: ClientMessage): void;
  /** Subscribes to replies, broadcasts and connection changes; returns the unsubscribe. */
  subscribe(listener: (event: VenueEvent) => void): () => void;
  close(): Promise<void>;
}

export class VenueUnavailableError extends Error {
  constructor(detail: string) {
    super(`exchange unavailable: ${detail}`);
    this.name = "VenueUnavailableError";
  }
}

/** Fan-out to subscribers; a throwing listener cannot starve the others. */
export class VenueListeners {
  #listeners: ((event: VenueEvent) => void)[] = [];
  constructor(private readonly onError: (e: unknown) => void = console.error) {}

  add(listener: (event: VenueEvent) => void): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  emit(event: VenueEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
