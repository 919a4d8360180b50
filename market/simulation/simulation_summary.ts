/**
 * What every simulated session reports, whatever its environment: the
 * summary the `simulate` command prints as its last line, the event log as
 * CSV, and reproducible per-round seeds.
 */

import type { LogRow } from "./round_log.ts";

/** How a session's rounds and markets differ from its first round. */
export interface SessionLayout {
  /** Round lengths when they differ (trial rounds), round 1 first; `durationMs` for the rest. */
  durationMsPerRound?: number[];
  /** Markets per round (default 1). */
  markets?: number;
}

/** The per-round figures a summary is built from. */
export interface RoundFigures {
  /** 1-based round and market of the session. */
  round: number;
  market: number;
  jumps: number;
  snipes: number;
  trades: number;
  volume: number;
  meanSpread: number | null;
  traders: { id: string; role: string; speedSeconds: number; payoff: number }[];
  log: LogRow[];
}

export interface SimulationSummary {
  rounds: number;
  jumps: number;
  snipes: number;
  snipes_per_jump: number;
  trades: number;
  mean_spread: number | null;
  volume: number;
  traders: { id: string; role: string; speed_seconds: number; payoff: number }[];
}

export interface SimulationResult<R extends RoundFigures = RoundFigures> {
  summary: SimulationSummary;
  outcomes: R[];
  eventsCsv: string;
  tradersCsv: string;
}

/** A trader's id in a session: `T3`, or `M2.T3` when there are several markets. */
export function traderId(market: number, markets: number, id: string): string {
  return markets > 1 ? `M${market}.${id}` : id;
}

/** A distinct, reproducible seed per round and purpose. */
export function roundSeed(seed: number, round: number, purpose: number): number {
  return (Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) + Math.imul(round + 1, 0x9e3779b1) + purpose) >>>
    0;
}

/** Totals over rounds; trader speed seconds and payoffs are summed per trader. */
export function summarise(outcomes: RoundFigures[]): SimulationSummary {
  const sum = (f: (o: RoundFigures) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const jumps = sum((o) => o.jumps);
  const snipes = sum((o) => o.snipes);
  const quoted = outcomes.filter((o) => o.meanSpread !== null);
  const byTrader = new Map<string, SimulationSummary["traders"][number]>();
  for (const o of outcomes) {
    for (const t of o.traders) {
      const s = byTrader.get(t.id) ?? { id: t.id, role: t.role, speed_seconds: 0, payoff: 0 };
      s.speed_seconds += t.speedSeconds;
      s.payoff += t.payoff;
      byTrader.set(t.id, s);
    }
  }
  return {
    rounds: new Set(outcomes.map((o) => o.round)).size,
    jumps,
    snipes,
    snipes_per_jump: jumps > 0 ? Math.round((snipes / jumps) * 1e4) / 1e4 : 0,
    trades: sum((o) => o.trades),
    mean_spread: quoted.length > 0
      ? Math.round(quoted.reduce((s, o) => s + o.meanSpread!, 0) / quoted.length)
      : null,
    volume: sum((o) => o.volume),
    traders: [...byTrader.values()],
  };
}

/** The event log of all rounds; `value` is V (BCS) or the reference price (ELO). */
export function eventsCsv(outcomes: RoundFigures[]): string {
  const lines = ["round,market,time_ms,event,trader,token,side,price,shares,value"];
  for (const o of outcomes) {
    for (const e of o.log) {
      lines.push(
        [
          o.round,
          o.market,
          e.timeMs,
          e.event,
          e.trader,
          e.token,
          e.side,
          e.price,
          e.shares,
          e.value,
        ]
          .join(","),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** A CSV with one row per record; the columns are the first record's keys, in order. */
export function csvOf(
  records: Record<string, string | number | boolean>[],
  empty: string[],
): string {
  const header = records.length > 0 ? Object.keys(records[0]) : empty;
  return [header.join(","), ...records.map((r) => header.map((h) => r[h]).join(","))].join("\n") +
    "\n";
}
