/**
 * A market as it stood at any moment of a round, rebuilt from the round's
 * events: the decisions logged before that moment applied again at their
 * times, then the market run up to it. Nothing is written anywhere; the
 * caller looks at the market and closes it.
 */

import { type EloMarket, type EloRoundInput, openEloMarket } from "../market/elo_market.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import type { SubjectAction } from "../eventlog/event_kinds.ts";

/**
 * `events` are the round's, from its `round_start` on (more may follow; only
 * those before `atMs` count). `input` is the round's input, as
 * `roundInput` builds it from the `round_start`.
 */
export async function marketAt(
  input: EloRoundInput,
  participants: (number | null)[],
  events: readonly LogEvent[],
  atMs: number,
): Promise<EloMarket> {
  if (!Number.isFinite(atMs) || atMs < 0) throw new RangeError(`atMs must be ≥ 0, got ${atMs}`);
  const market = await openEloMarket(input, { participants });
  for (const e of events) {
    if (e.kind !== "action") {
      if (e.kind === "round_end" && (e.roundMs ?? 0) <= atMs) {
        market.run(e.roundMs ?? 0);
        return market;
      }
      continue;
    }
    const t = e.roundMs ?? 0;
    if (t >= atMs) break;
    market.run(t);
    const { seat, action } = e.data as { seat: number; action: SubjectAction };
    market.act(seat - 1, action);
  }
  market.run(Math.min(atMs, input.durationMs));
  return market;
}
