// Linear-memory bump allocator for the engine's few, long-lived regions.
//
// The engine allocates only at init and when a region must grow (more order ids,
// more out-of-window price levels, a longer event burst). Every allocation grows
// the wasm memory by at least one page on purpose: growing detaches the host's
// ArrayBuffer views, which is how the host learns that region pointers may have
// moved and must be re-read. Old copies of a relocated region are abandoned;
// regions double, so the waste stays below the live size.

let top: usize = 0;

export function heapReset(): void {
  top = (__heap_base + 15) & ~<usize>15;
}

export function allocate(bytes: usize): usize {
  const ptr = top;
  const end = (ptr + bytes + 15) & ~<usize>15;
  const have = (<usize>memory.size()) << 16;
  let pages: i32 = 1;
  if (end > have) pages = <i32>((end - have + 0xffff) >> 16) + 1;
  if (memory.grow(pages) < 0) unreachable(); // out of memory: nothing sane to do
  top = end;
  return ptr;
}

/** Moves a region to a larger allocation; the tail of the new one is zero. */
export function relocate(oldPtr: usize, oldBytes: usize, newBytes: usize): usize {
  const ptr = allocate(newBytes);
  memory.copy(ptr, oldPtr, oldBytes);
  return ptr;
}
