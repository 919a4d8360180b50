/**
 * The persister's thread gives way to the markets: a Worker's thread is
 * found among the process's threads and its nice value raised on Linux,
 * while the main thread keeps its own.
 */

import assert from "node:assert/strict";
import {
  lowerThreadPriority,
  newWorkerThreads,
  processThreads,
} from "../session/thread_priority.ts";

/** A thread's nice value: field 19 of /proc/<pid>/task/<id>/stat. */
async function niceOf(thread: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${Deno.pid}/task/${thread}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

Deno.test({
  name: "thread priority: a new Worker's thread is found and lowered, the main thread is not",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const before = await processThreads();
    assert.ok(before.has(Deno.pid), "the main thread is listed");
    const url = URL.createObjectURL(
      new Blob(["self.postMessage('up');"], { type: "text/javascript" }),
    );
    const worker = new Worker(url, { type: "module" });
    try {
      await new Promise((resolve) => (worker.onmessage = resolve));
      const threads = await newWorkerThreads(before);
      assert.equal(threads.length, 1, `new worker threads: ${threads}`);
      assert.notEqual(threads[0], Deno.pid);
      const mainBefore = await niceOf(Deno.pid);
      assert.equal(await lowerThreadPriority(threads, 10), null);
      assert.equal(await niceOf(threads[0]), Math.max(10, mainBefore));
      assert.equal(await niceOf(Deno.pid), mainBefore);
      assert.match(String(await lowerThreadPriority([], 10)), /no thread/);
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  },
});
