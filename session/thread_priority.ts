/**
 * Background threads give way to the markets. The persister's Worker copies
 * the event log into the database: work that may lag by seconds without
 * harm, while the thread running the markets and the sockets answers
 * subjects within milliseconds. On a machine with few cores they compete,
 * so the persister's thread runs at a lower scheduling priority (a higher
 * nice value) and catches up when the market is quiet.
 *
 * Deno has no API for a thread's priority, and it lets a program read its
 * own /proc entries only with every permission. On Linux a thread is a task
 * with its own id, so a shell lists this process's tasks and `renice` takes
 * the ids (both need only --allow-run). Elsewhere nothing changes.
 */

/** This process's threads: id → name (a Worker's thread is named `worker-N`). */
export async function processThreads(): Promise<Map<number, string>> {
  if (Deno.build.os !== "linux") return new Map();
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      'for t in /proc/"$1"/task/*; do printf "%s %s\\n" "${t##*/}" "$(cat "$t/comm")"; done',
      "sh",
      String(Deno.pid),
    ],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  if (out === null) return new Map();
  const threads = new Map<number, string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^(\d+) (.*)$/.exec(line);
    if (m) threads.set(Number(m[1]), m[2]);
  }
  return threads;
}

/** The Worker threads started since `before` was taken. */
export async function newWorkerThreads(before: Map<number, string>): Promise<number[]> {
  const now = await processThreads();
  return [...now].filter(([id, name]) => !before.has(id) && name.startsWith("worker"))
    .map(([id]) => id);
}

/**
 * Lowers the priority of some of this process's threads to `nice` (1–19).
 * Returns null when done, or why it was not.
 */
export async function lowerThreadPriority(threads: number[], nice: number): Promise<string | null> {
  if (Deno.build.os !== "linux") return "thread priorities are set on Linux only";
  if (threads.length === 0) return "no thread to lower";
  try {
    const out = await new Deno.Command("renice", {
      args: ["-n", String(nice), "-p", ...threads.map(String)],
      stdout: "null",
      stderr: "piped",
    }).output();
    return out.success ? null : new TextDecoder().decode(out.stderr).trim();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
