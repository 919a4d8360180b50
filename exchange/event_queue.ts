/**
 * A min-heap of items by time, ties in insertion order: the exchange's
 * time-in-force timers and a simulated market's agenda. Ties matter: replays
 * must match, and in a simulation the race between equally fast traders is
 * decided by the (seeded, shuffled) order in which their messages were
 * queued, so the queue itself must never reorder them. Entries are never
 * removed early; an owner that cancels compares what surfaces with its own
 * record, which keeps cancelling O(1).
 */

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class EventQueue<T> {
  #heap: Entry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Time of the next entry, or Infinity. */
  peekAt(): number {
    return this.#heap.length ? this.#heap[0].at : Infinity;
  }

  push(at: number, item: T): void {
    const h = this.#heap;
    const e = { at, seq: this.#seq++, item };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  clear(): void {
    this.#heap = [];
  }

  pop(): { at: number; item: T } | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && before(h[l + 1], h[l]) ? l + 1 : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return { at: top.at, item: top.item };
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
