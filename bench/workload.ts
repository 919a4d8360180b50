/**
 * A message workload as flat typed arrays, replayable through any book.
 * Order ids are dense integers from 1, as the engine's BookCore expects.
 */

import { CMD_CANCEL, CMD_ENTER, CMD_REPLACE } from "../engine-wasm/mod.ts";

// Message kinds are the engine's command codes, so a workload can be copied
// into the engine's command buffer as it is.
export const OP_ENTER = CMD_ENTER;
export const OP_CANCEL = CMD_CANCEL;
export const OP_REPLACE = CMD_REPLACE;

export interface Workload {
  name: string;
  length: number;
  op: Uint8Array;
  /** The order entered, cancelled, or replaced (the existing one). */
  id: Int32Array;
  /** Replace: the replacement id. */
  newId: Int32Array;
  /** 0 buy, 1 sell. */
  side: Uint8Array;
  price: Int32Array;
  /** Enter/replace: size; cancel: shares to keep (0 = cancel). */
  shares: Uint32Array;
  tif: Uint32Array;
  /** Highest id used, so a book can be sized once. */
  maxId: number;
}

export class WorkloadBuilder {
  #op: number[] = [];
  #id: number[] = [];
  #newId: number[] = [];
  #side: number[] = [];
  #price: number[] = [];
  #shares: number[] = [];
  #tif: number[] = [];
  #maxId = 0;

  constructor(readonly name: string) {}

  #push(
    op: number,
    id: number,
    newId: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
  ) {
    this.#op.push(op);
    this.#id.push(id);
    this.#newId.push(newId);
    this.#side.push(side);
    this.#price.push(price);
    this.#shares.push(shares);
    this.#tif.push(tif);
    this.#maxId = Math.max(this.#maxId, id, newId);
  }

  enter(id: number, side: number, price: number, shares: number, tif: number) {
    this.#push(OP_ENTER, id, 0, side, price, shares, tif);
  }

  cancel(id: number, remaining = 0) {
    this.#push(OP_CANCEL, id, 0, 0, 0, remaining, 0);
  }

  replace(
    id: number,
    newId: number,
    side: number,
    price: number,
    shares: number,
    tif: number,
  ) {
    this.#push(OP_REPLACE, id, newId, side, price, shares, tif);
  }

  build(): Workload {
    return {
      name: this.name,
      length: this.#op.length,
      op: Uint8Array.from(this.#op),
      id: Int32Array.from(this.#id),
      newId: Int32Array.from(this.#newId),
      side: Uint8Array.from(this.#side),
      price: Int32Array.from(this.#price),
      shares: Uint32Array.from(this.#shares),
      tif: Uint32Array.from(this.#tif),
      maxId: this.#maxId,
    };
  }
}
