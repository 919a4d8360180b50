/**
 * Cuts one direction of an OUCH byte stream (plain TCP, no length prefix:
 * shared reference `leeps-exchange.md` §3) into messages. TCP reads split and
 * merge messages at will, so the framer decodes every whole message of a
 * chunk in place and carries only the start of a message cut by the chunk's
 * end (less than one message, so nothing is ever copied twice).
 *
 * Usage: `push(chunk)` returns the messages completed by that chunk, in stream
 * order. The chunk is not kept, so the caller may reuse its buffer (as with
 * `conn.read(buf)`). An unknown type byte leaves the message boundaries lost
 * for good: `push` throws an {@link OuchDecodeError} (`unknown-type`, with the
 * stream position as `offset`), `drain()` then hands over the messages that
 * chunk completed before the bad byte, so they can still be processed before
 * the caller disconnects, and every later `push` throws the same error.
 *
 * At the end of the stream, a non-zero `buffered` means the peer stopped
 * mid-message.
 */

import { decodeClientMessage, decodeServerMessage, messageSize, OuchDecodeError } from "./codec.ts";
import type { Direction, MessageOf } from "./messages.ts";

/** Per type byte, 0 = not a type of that direction: framing costs one array lookup per message. */
function sizeTable(direction: Direction): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = messageSize(direction, b) ?? 0;
  return t;
}

const SIZES: Readonly<Record<Direction, Uint8Array>> = {
  client: sizeTable("client"),
  server: sizeTable("server"),
};

export class OuchFramer<D extends Direction = Direction> {
  readonly direction: D;
  readonly #decode: (bytes: Uint8Array, offset: number) => MessageOf<D>;
  readonly #sizes: Uint8Array;
  /** The start of the message cut by the last chunk's end, at index 0. */
  readonly #partial: Uint8Array;
  #held = 0;
  /** Stream position of the next chunk's first byte. */
  #received = 0;
  #failure: OuchDecodeError | null = null;
  #undelivered: MessageOf<D>[] = [];

  /** `"client"` reads client → engine messages (an exchange); `"server"` the replies (a client). */
  constructor(direction: D) {
    if (direction !== "client" && direction !== "server") {
      throw new RangeError(`OuchFramer direction must be "client" or "server"`);
    }
    this.direction = direction;
    this.#decode = (direction === "client" ? decodeClientMessage : decodeServerMessage) as (
      bytes: Uint8Array,
      offset: number,
    ) => MessageOf<D>;
    this.#sizes = SIZES[direction];
    this.#partial = new Uint8Array(Math.max(...this.#sizes));
  }

  /** Bytes of an incomplete message held until the next chunk. */
  get buffered(): number {
    return this.#held;
  }

  /**
   * Takes the next bytes of the stream; returns the messages they complete.
   * Throws OuchDecodeError on an unknown type byte (see the module doc).
   */
  push(chunk: Uint8Array): MessageOf<D>[] {
    if (this.#failure) throw this.#failure;
    const out: MessageOf<D>[] = [];
    const sizes = this.#sizes;
    const partial = this.#partial;
    const n = chunk.length;
    let i = 0;
    if (this.#held > 0) {
      // The type byte was checked when the partial message was kept.
      const size = sizes[partial[0]];
      const take = Math.min(size - this.#held, n);
      for (let k = 0; k < take; k++) partial[this.#held + k] = chunk[k];
      this.#held += take;
      i = take;
      if (this.#held < size) {
        this.#received += n;
        return out;
      }
      out.push(this.#decode(partial, 0));
      this.#held = 0;
    }
    while (i < n) {
      const size = sizes[chunk[i]];
      if (size === 0) this.#fail(chunk, i, out);
      if (n - i < size) break;
      out.push(this.#decode(chunk, i));
      i += size;
    }
    for (let k = i; k < n; k++) partial[k - i] = chunk[k];
    this.#held = n - i;
    this.#received += n;
    return out;
  }

  /**
   * After `push` threw: the messages that chunk completed before the bad
   * byte, once (an empty array otherwise).
   */
  drain(): MessageOf<D>[] {
    const messages = this.#undelivered;
    this.#undelivered = [];
    return messages;
  }

  #fail(chunk: Uint8Array, i: number, decoded: MessageOf<D>[]): never {
    this.#failure = new OuchDecodeError({
      code: "unknown-type",
      direction: this.direction,
      offset: this.#received + i,
      typeByte: chunk[i],
      expectedSize: null,
      available: chunk.length - i,
    });
    this.#undelivered = decoded;
    this.#held = 0;
    this.#received += chunk.length;
    throw this.#failure;
  }
}
