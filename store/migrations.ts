/**
 * The database schema as numbered migrations, applied at start in order,
 * each once and each in its own transaction, recorded in
 * `schema_migrations`. Every transaction first takes one advisory lock, so
 * when two processes start together the second waits and then finds the
 * work done. A migration, once released, is never edited: a change is a
 * new migration.
 */

import type { Database, Queryable } from "./database.ts";

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "event log",
    statements: [
      // One row per log event; (stream, seq) is its name everywhere.
      `create table events (
        stream text not null,
        seq bigint not null,
        wall_ms double precision not null,
        round int,
        round_ms double precision,
        kind text not null,
        data jsonb not null,
        session text generated always as (split_part(stream, '/', 1)) stored,
        primary key (stream, seq)
      )`,
      // Exports read one kind of one session, market by market, in order.
      `create index events_session_kind on events (session, kind, stream, seq)`,
      // Stream names without scanning the events.
      `create table event_streams (
        stream text primary key,
        session text not null
      )`,
      `create index event_streams_session on event_streams (session)`,
    ],
  },
];

/** An arbitrary constant naming this schema's migration lock. */
const LOCK_KEY = 7_246_411_005;

async function appliedVersions(tx: Queryable): Promise<Set<number>> {
  const rows = await tx.query<{ version: unknown }>(`select version from schema_migrations`);
  return new Set(rows.map((r) => Number(r.version)));
}

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await tx.query(`select pg_advisory_xact_lock($1::bigint)`, [LOCK_KEY]);
      await tx.execute(
        `create table if not exists schema_migrations (
          version int primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`,
      );
      if ((await appliedVersions(tx)).has(m.version)) return false;
      for (const statement of m.statements) await tx.execute(statement);
      await tx.execute(`insert into schema_migrations (version, name) values ($1, $2)`, [
        m.version,
        m.name,
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
