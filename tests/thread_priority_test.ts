/**
 * The persister's thread gives way to the markets: its nice value is raised
 * on Linux, and this process's other threads keep theirs.
 */

import assert from "node:assert/strict";
import { lowerThreadPriority } from "../session/thread_priority.ts";

/** A thread's nice value: field 19 of /proc/self/task/<id>/stat. */
async function niceOf(thread: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/self/task/${thread}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

Deno.test({
  name: "thread priority: a worker's thread is lowered, the main thread is not",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const source = `const id = Number(Deno.readLinkSync("/proc/thread-self").split("/").at(-1));
      self.postMessage(id);`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    try {
      const thread = await new Promise<number>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
      });
      assert.notEqual(thread, Deno.pid);
      const mainBefore = await niceOf(Deno.pid);
      assert.equal(await lowerThreadPriority(thread, 10), null);
      assert.equal(await niceOf(thread), Math.max(10, mainBefore));
      assert.equal(await niceOf(Deno.pid), mainBefore);
      assert.match(String(await lowerThreadPriority(null, 10)), /Linux only/);
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  },
});
