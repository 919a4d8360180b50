/**
 * One participant's stream of screen updates: numbers them, keeps the
 * latest ones so a reconnecting browser gets exactly what it missed, and
 * sends each to the participant's open sockets.
 *
 * Sequence numbers start from the boot time (µs), so they keep increasing
 * across server restarts and a browser never mistakes a new update for one
 * it has already applied.
 */

import type { SubjectUpdate } from "../protocol/subject_protocol.ts";

/** Updates kept for replay (at least); a browser further behind gets a snapshot. */
export const REPLAY_DEPTH = 2_000;

const BOOT_SEQ = Math.floor(Date.now() * 1000);

// deno-lint-ignore no-explicit-any
type Unsequenced<T> = T extends any ? Omit<T, "seq"> : never;
export type UpdateBody = Unsequenced<SubjectUpdate>;

export interface SubjectSocket {
  send(text: string): void;
}

/**
 * An update's JSON without its seq, made once per update object: one book
 * change goes to every subject of its market, each under its own seq.
 */
const bodies = new WeakMap<UpdateBody, string>();

function bodyOf(update: UpdateBody): string {
  let body = bodies.get(update);
  if (body === undefined) {
    body = JSON.stringify(update);
    bodies.set(update, body);
  }
  return body;
}

/** `{"seq":n,` then the body's fields: the same text as stringifying {seq, ...update}. */
function numbered(seq: number, body: string): string {
  return body === "{}" ? `{"seq":${seq}}` : `{"seq":${seq},${body.slice(1)}`;
}

export class SubjectChannel {
  #seq = BOOT_SEQ;
  /**
   * The bodies of the latest updates, the first numbered #firstRecentSeq:
   * a body sent to every seat of a market is held once, not once per seat.
   */
  readonly #recent: string[] = [];
  #firstRecentSeq = BOOT_SEQ + 1;
  readonly #sockets = new Set<SubjectSocket>();

  get seq(): number {
    return this.#seq;
  }

  get connected(): boolean {
    return this.#sockets.size > 0;
  }

  attach(socket: SubjectSocket): void {
    this.#sockets.add(socket);
  }

  detach(socket: SubjectSocket): void {
    this.#sockets.delete(socket);
  }

  /** Numbers the update, keeps it, sends it to every open socket. */
  publish(update: UpdateBody): number {
    const seq = ++this.#seq;
    const body = bodyOf(update);
    this.#keep(body);
    if (this.#sockets.size > 0) {
      const text = numbered(seq, body);
      for (const s of this.#sockets) s.send(text);
    }
    return seq;
  }

  /**
   * Sends one socket a message (pong, error) numbered like the rest; it is
   * kept too, so the numbers stay contiguous for a replay.
   */
  direct(socket: SubjectSocket, update: UpdateBody): void {
    const body = bodyOf(update);
    this.#keep(body);
    socket.send(numbered(++this.#seq, body));
  }

  #keep(body: string): void {
    this.#recent.push(body);
    // trimmed in blocks: at least REPLAY_DEPTH are held, and an update costs O(1)
    if (this.#recent.length > 2 * REPLAY_DEPTH) {
      const drop = this.#recent.length - REPLAY_DEPTH;
      this.#recent.splice(0, drop);
      this.#firstRecentSeq += drop;
    }
  }

  /**
   * The updates after `lastSeq`, or null when they are no longer all held
   * (or `lastSeq` is not one of ours): the caller sends a snapshot instead.
   */
  since(lastSeq: number): string[] | null {
    if (lastSeq > this.#seq || lastSeq < this.#firstRecentSeq - 1) return null;
    const from = lastSeq - this.#firstRecentSeq + 1;
    return this.#recent.slice(from).map((body, i) => numbered(lastSeq + 1 + i, body));
  }
}
