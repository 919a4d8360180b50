/**
 * A bot in a dropped-out participant's seat. It is a subject like any
 * other: it reads the participant's screen updates as JSON text and sends
 * subject requests as JSON text, parsed by the same parser as a browser's.
 * It plays the seat as the automated market maker with the seat's
 * configured sensitivities, speed off, and leaves the seat as it is when
 * the person comes back.
 */

import {
  type PageView,
  parseSubjectRequest,
  type Strategy,
  type SubjectRequest,
  type SubjectUpdate,
} from "../protocol/subject_protocol.ts";
import type { SubjectSocket } from "./subject_channel.ts";

export interface SeatBotPlan {
  a_x: number;
  a_y: number;
  a_z: number;
}

export class SeatBot {
  readonly socket: SubjectSocket;
  #page: PageView["name"] | null = null;
  #strategy: Strategy | null = null;
  #asked = false;
  #closed = false;

  constructor(
    readonly plan: SeatBotPlan,
    /** Delivers one request frame to the server, as a socket's message would. */
    readonly send: (request: SubjectRequest, socket: SubjectSocket) => void,
  ) {
    this.socket = { send: (text) => this.#receive(text) };
  }

  close(): void {
    this.#closed = true;
  }

  #receive(text: string): void {
    if (this.#closed) return;
    const update = JSON.parse(text) as SubjectUpdate;
    switch (update.type) {
      case "snapshot":
        this.#page = update.state.page.name;
        this.#strategy = update.state.strategy;
        this.#asked = false;
        break;
      case "page":
        if (update.page.name !== this.#page) this.#asked = false;
        this.#page = update.page.name;
        break;
      case "strategy":
        this.#strategy = update.strategy;
        this.#asked = false;
        break;
      default:
        return;
    }
    // after the current delivery: the server is in the middle of publishing
    queueMicrotask(() => this.#act());
  }

  #act(): void {
    if (this.#closed || this.#page !== "trading" || !this.#strategy || this.#asked) return;
    const s = this.#strategy;
    const { a_x, a_y, a_z } = this.plan;
    const frames: SubjectRequest[] = [];
    if (s.role !== "automated") frames.push({ type: "role", role: "automated" });
    if (s.a_x !== a_x || s.a_y !== a_y || s.a_z !== a_z) {
      frames.push({ type: "sliders", a_x, a_y, a_z });
    }
    if (frames.length === 0) return;
    this.#asked = true;
    for (const f of frames) this.send(parseSubjectRequest(JSON.stringify(f)), this.socket);
  }
}
