/**
 * Picks the event log backend: Redis streams when a Redis URL is given
 * (`REDIS_URL`), else the in-process log with its journal under `dataDir`.
 * Either one is also the persister's {@link EventSource}.
 */

import type { EventLog } from "./log_event.ts";
import type { EventSource } from "./event_source.ts";
import { MemoryEventLog } from "./memory_event_log.ts";
import { RedisEventLog } from "./redis_event_log.ts";

export interface OpenEventLogOptions {
  /** `redis://…`; empty or absent chooses the embedded log. */
  redisUrl?: string;
  /** Where the embedded log keeps `eventlog.jsonl` (e.g. `./data`). */
  dataDir: string;
  /** Redis key prefix (default `hft:log:`): servers sharing a Redis keep apart by it. */
  prefix?: string;
  /** How long to wait for Redis at start (default 3000 ms). */
  connectTimeoutMs?: number;
}

export type OpenedEventLog = (RedisEventLog | MemoryEventLog) & EventLog & EventSource;

/**
 * Opens the log. With a Redis URL it fails with `EventLogUnavailableError`
 * when Redis cannot be reached within the timeout, so that a server does not
 * start with nowhere to write.
 */
export async function openEventLog(options: OpenEventLogOptions): Promise<OpenedEventLog> {
  const url = options.redisUrl?.trim();
  if (url) {
    return await RedisEventLog.open(url, {
      prefix: options.prefix,
      connectTimeoutMs: options.connectTimeoutMs,
    });
  }
  const dir = options.dataDir.replace(/[\\/]+$/, "");
  return await MemoryEventLog.open({ journalPath: `${dir}/eventlog.jsonl` });
}
