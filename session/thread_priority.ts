/**
 * Background threads give way to the markets. The persister's Worker copies
 * the event log into the database: work that may lag by seconds without
 * harm, while the thread running the markets and the sockets answers
 * subjects within milliseconds. On a machine with few cores they compete,
 * so the persister's thread runs at a lower scheduling priority (a higher
 * nice value) and catches up when the market is quiet.
 *
 * Deno has no API for a thread's priority; on Linux a thread is a task with
 * its own id (the worker reads it from /proc/thread-self), and `renice`
 * takes that id. Elsewhere, or without `renice`, nothing changes.
 */

/**
 * Lowers the priority of one of this process's threads to `nice` (1–19).
 * Returns null when done, or why it was not.
 */
export async function lowerThreadPriority(
  thread: number | null,
  nice: number,
): Promise<string | null> {
  if (Deno.build.os !== "linux" || thread === null) {
    return "thread priorities are set on Linux only";
  }
  try {
    const out = await new Deno.Command("renice", {
      args: ["-n", String(nice), "-p", String(thread)],
      stdout: "null",
      stderr: "piped",
    }).output();
    return out.success ? null : new TextDecoder().decode(out.stderr).trim();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
