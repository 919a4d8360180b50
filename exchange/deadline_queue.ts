/**
 * A min-heap of (deadline, id) for time-in-force timers. Entries are never
 * removed early: a cancelled or superseded timer stays until it surfaces and
 * the owner compares it with the order's current deadline, which keeps
 * cancelling O(1). Equal deadlines pop in insertion order, so replays match.
 */
export class DeadlineQueue {
  #at: number[] = [];
  #seq: number[] = [];
  #id: number[] = [];
  #counter = 0;

  get size(): number {
    return this.#at.length;
  }

  /** The earliest deadline, or Infinity when empty. */
  peekAt(): number {
    return this.#at.length === 0 ? Infinity : this.#at[0];
  }

  push(at: number, id: number): void {
    let i = this.#at.length;
    const seq = this.#counter++;
    this.#at.push(at);
    this.#seq.push(seq);
    this.#id.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#before(at, seq, p)) break;
      this.#move(p, i);
      i = p;
    }
    this.#set(i, at, seq, id);
  }

  /** Removes the earliest entry and returns its id. */
  pop(): number {
    const top = this.#id[0];
    const at = this.#at.pop()!;
    const seq = this.#seq.pop()!;
    const id = this.#id.pop()!;
    const n = this.#at.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.#less(r, l) ? r : l;
        if (this.#before(at, seq, c)) break;
        this.#move(c, i);
        i = c;
      }
      this.#set(i, at, seq, id);
    }
    return top;
  }

  clear(): void {
    this.#at = [];
    this.#seq = [];
    this.#id = [];
  }

  #before(at: number, seq: number, j: number): boolean {
    return at < this.#at[j] || (at === this.#at[j] && seq < this.#seq[j]);
  }
  #less(a: number, b: number): boolean {
    return this.#before(this.#at[a], this.#seq[a], b);
  }
  #move(from: number, to: number): void {
    this.#at[to] = this.#at[from];
    this.#seq[to] = this.#seq[from];
    this.#id[to] = this.#id[from];
  }
  #set(i: number, at: number, seq: number, id: number): void {
    this.#at[i] = at;
    this.#seq[i] = seq;
    this.#id[i] = id;
  }
}
