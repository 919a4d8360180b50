/**
 * A WebSocket to a real server that can send anything, as a hostile or
 * broken client would, and records what comes back and how it closed: the
 * fuzz and security tests' client.
 */

import { waitFor } from "./storage_helpers.ts";

export type Message = Record<string, unknown>;

/** What `POST /api/sessions` answers. */
export interface CreatedSession {
  code: string;
  participants: { label: string; url: string }[];
}

/** The token of a subject's link (`…/s/<token>`). */
export const subjectToken = (link: string): string => link.split("/s/")[1];

export class RawSocket {
  readonly got: Message[] = [];
  closed: CloseEvent | null = null;
  readonly #ws: WebSocket;
  /** True once open; false when the server closed it first (a refused connection). */
  readonly opened: Promise<boolean>;
  readonly done: Promise<CloseEvent>;
  #waiters: (() => void)[] = [];

  constructor(url: string) {
    this.#ws = new WebSocket(url);
    this.#ws.binaryType = "arraybuffer";
    this.#ws.onmessage = (e) => {
      // a frame holds one update, or several in order
      const parsed = JSON.parse(e.data);
      this.got.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      for (const w of this.#waiters.splice(0)) w();
    };
    this.opened = new Promise((resolve) => {
      this.#ws.addEventListener("open", () => resolve(true));
      this.#ws.addEventListener("close", () => resolve(false));
    });
    this.done = new Promise((resolve) => {
      this.#ws.addEventListener("close", (e) => {
        resolve(this.closed = e as CloseEvent);
        for (const w of this.#waiters.splice(0)) w();
      });
    });
  }

  /** A subject's socket for `link`, past its `hello` and first snapshot. */
  static async subject(origin: string, link: string): Promise<RawSocket> {
    const url = `${origin.replace(/^http/, "ws")}/ws/subject/${subjectToken(link)}`;
    const c = new RawSocket(url);
    if (!await c.opened) throw new Error(`cannot open ${url}: ${c.closed?.reason}`);
    c.send({ type: "hello", last_seq: null });
    await waitFor("a snapshot", () => c.last("snapshot") !== undefined, 10_000);
    return c;
  }

  /** Resolves once `check` holds (checked on every message and on close), or throws. */
  async until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  send(message: Message): void {
    this.#ws.send(JSON.stringify(message));
  }

  raw(frame: string | Uint8Array): void {
    this.#ws.send(frame);
  }

  last(type: string): Message | undefined {
    return this.got.findLast((m) => m.type === type);
  }

  count(type: string): number {
    return this.got.filter((m) => m.type === type).length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.#ws.close();
    await this.done;
  }
}
