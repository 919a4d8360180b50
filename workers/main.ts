/**
 * `deno task persister`: a persister process of its own, for a deployment
 * that runs several (they share the consumer group and split the work).
 *
 * Env: REDIS_URL and DATABASE_URL (both required), PERSISTER_NAME (default
 * `<hostname>-<pid>`: a process that restarts under the same name takes back
 * its own unfinished batches at once; under a new name they are claimed
 * after PERSISTER_CLAIM_IDLE_MS, default 30000), PERSISTER_GROUP (default
 * `persisters`), EVENTLOG_PREFIX (Redis key prefix, default `hft:log:`).
 * Stops cleanly on SIGINT and SIGTERM.
 */

import { RedisEventLog } from "../eventlog/redis_event_log.ts";
import { openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { Persister } from "./persister.ts";

function required(name: string): string {
  const value = Deno.env.get(name)?.trim();
  if (!value) {
    console.error(`${name} is required: the persister moves events from Redis to PostgreSQL`);
    Deno.exit(2);
  }
  return value;
}

function positive(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name} must be a number >= 0, got ${text}`);
    Deno.exit(2);
  }
  return n;
}

if (import.meta.main) {
  const redisUrl = required("REDIS_URL");
  const databaseUrl = required("DATABASE_URL");
  const consumer = Deno.env.get("PERSISTER_NAME") || `${Deno.hostname()}-${Deno.pid}`;
  const group = Deno.env.get("PERSISTER_GROUP") || "persisters";
  const claimIdleMs = positive("PERSISTER_CLAIM_IDLE_MS", 30_000);

  const log = await RedisEventLog.open(redisUrl, {
    prefix: Deno.env.get("EVENTLOG_PREFIX") || undefined,
    name: `persister-${consumer}`,
  });
  const db = await openDatabase({ databaseUrl, dataDir: "./data", postgres: { max: 3 } });
  const persister = new Persister({
    source: log,
    store: new EventStore(db),
    consumer,
    group,
    claimIdleMs,
  });
  persister.start();
  console.log(`persister ${consumer}: ${log.url} group ${group} → ${db.location}`);

  let reported = 0;
  const report = setInterval(() => {
    const s = persister.stats();
    if (s.handled === reported) return;
    reported = s.handled;
    console.log(
      `persister ${consumer}: ${s.persisted} stored, ${s.handled} handled, lag ${s.lagMs} ms, ` +
        `commit lag p50 ${s.commitLagP50Ms.toFixed(1)} ms p99 ${s.commitLagP99Ms.toFixed(1)} ms`,
    );
  }, 30_000);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(report);
    await persister.stop();
    const s = persister.stats();
    await log.close();
    await db.close();
    console.log(`persister ${consumer}: stopped after storing ${s.persisted} events`);
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, shutdown);
}
