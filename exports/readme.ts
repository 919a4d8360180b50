/**
 * README.txt of a session export: how to read the files, the units and
 * sentinels, where they differ from upstream's exports, and per stream how
 * many events the export was built from (seq is gapless, so a stream whose
 * last seq exceeds its count was read incompletely).
 */

import type { LogEvent } from "../eventlog/log_event.ts";
import { isoTime } from "./csv.ts";
import { DICTIONARY_FILE } from "./dictionary.ts";
import type { SessionExportInput, SessionIndex } from "./session_index.ts";
import type { ExportTable } from "./table.ts";

export const README_FILE = "README.txt";

export function readmeText(
  input: SessionExportInput,
  index: SessionIndex,
  tables: readonly ExportTable[],
  prefix: string,
): string {
  const created = index.created;
  const lines: string[] = [
    `hft-lab session export: ${index.code}`,
    "",
  ];
  if (created) {
    lines.push(
      `Session "${created.name}": environment ${created.environment}, format ${created.format}, ` +
        `config ${created.config_source}, created ${isoTime(index.createdWallMs) ?? "(unknown)"}.`,
    );
  }
  lines.push(
    `Participants: ${index.participants.size}. Markets: ${input.markets.size}.`,
    "",
    `FILES (each name starts with ${prefix})`,
  );
  const width = Math.max(...tables.map((t) => t.name.length), DICTIONARY_FILE.length) + 2;
  for (const t of tables) lines.push(`  ${t.name.padEnd(width)}${t.summary}`);
  lines.push(
    `  ${DICTIONARY_FILE.padEnd(width)}Every column of every file: type, unit and meaning.`,
    `  ${README_FILE.padEnd(width)}This file.`,
    "",
    "FORMAT",
    "- CSV as in RFC 4180: UTF-8 without a byte-order mark, comma separated, CRLF line",
    "  ends, one header row, a field quoted only when it holds a comma, a double quote",
    "  or a line break (quotes inside are doubled). pandas.read_csv and R's read.csv or",
    "  readr::read_csv read the files without options.",
    "- One row per logged event in the event files; rows ordered by round, market, seq",
    "  (events outside a round first; session events before market 1's).",
    "- An empty cell means no value. pandas reads an integer column with empty cells as",
    '  float64; pass e.g. dtype={"bid": "Int64"} to keep it integral. R reads NA.',
    "- Booleans are written true / false.",
    "- timestamp: when the event happened on the server, ISO 8601 UTC with ms (upstream",
    "  used the database insert time). wall_ms: the same instant in ms since the Unix",
    "  epoch, unrounded. round_ms: the market clock, ms since the round's start with",
    "  pauses excluded.",
    "- seq (event_no in upstream's files): the event's number in its stream, gapless",
    "  from 1. Stream <code> holds session events, <code>/m<n> market n's events.",
    "",
    "UNITS AND SENTINELS",
    "- Money and prices are integers in 1e-4 ECU: 10000 = 1 ECU; divide by 10000 for",
    "  ECU. Nothing is rounded for the export: these are the values the server used.",
    "- Book prices: 0 means no bid, 2147483647 means no offer (best_bid, best_offer,",
    "  next_bid, next_offer, *_except_me, e_best_bid, e_best_offer). A trader's own",
    "  bid, offer, staged and implied quotes are blank when there is none.",
    "- inventory, shares, volumes: shares. delay: s (0.1 speed on, 0.5 speed off).",
    "  speed: ON / OFF / N/A from delay, as upstream (pandas reads N/A as missing).",
    "  avgLatency, maxLatency: ms. percentTraderActive: 0..100. Sliders: 0..1, blank",
    "  in trader_records unless the trader is automated.",
    "- payoff (participants.csv) is the round's payoff including the endowment:",
    "  payoff_before_deduction - deduction, where payoff_before_deduction = cash +",
    "  inventory_value - speed_cost. trader_records' payoff is upstream's net_worth and",
    "  deduction_paid its tax_paid. Trial rounds (trial = true) are not paid.",
    "- Bots and the investor (seat 0) have no participant index or label; they appear",
    "  in trader_records, trades and orders, not in participants.csv.",
    "- Link tokens are never exported.",
    "",
    "PARTICIPANTS AND PAYMENTS",
    "- participants.csv has one row per participant per round played, then one row",
    "  with a blank round for everyone who played none (not admitted to trade, or no",
    "  round yet); there market and seat are those markets_formed assigned. The",
    "  eligibility, consent and dropped columns are the same on all of a participant's",
    "  rows; filter round.isna() or drop_duplicates('participant') for one per person.",
    "- payments.csv: the final payment, computed once when the last round was settled",
    "  (header only before that). Its money columns are integers in 1e-4 of the",
    "  currency in its currency column (10000 = 1 EUR, say); ecu is in 1e-4 ECU.",
    "  E (ecu) is the drawn round's payoff (rule random) or the sum of the paid rounds'",
    "  payoffs (rule sum), endowment included, leaving out trial rounds and rounds a bot",
    "  played after a dropout. earnings = min(max(0, E x exchange_rate), max_payment),",
    "  E x exchange_rate computed exactly and rounded to whole cents half to even; the",
    "  cap does not include the fee. payment = participation_fee + earnings.",
    "  Not eligible participants (not_consented, overbooked, underbooked) get the fee.",
    "- payments.csv round_payoffs lists every round played as round:payoff:status",
    "  joined by ';', status one of counted, trial, bot, not_drawn, not_eligible,",
    "  not_paid. In pandas, one row per participant and round:",
    "    r = pay.assign(x=pay.round_payoffs.str.split(';')).explode('x').dropna(subset=['x'])",
    "    r[['round', 'payoff', 'status']] = r.x.str.split(':', expand=True)",
    "    r = r.astype({'round': 'int64', 'payoff': 'int64'})",
    "  (participants.csv has the same payoffs as typed columns, one row per round.)",
    "",
    "EXPERIMENT FLOW",
    "- pages.csv: one row per page a participant arrived on; left_at is their next",
    "  page's arrival and seconds the time in between (blank on the last page).",
    "- quiz.csv: one row per attempt. right_count is upstream's <q>_right_count: the",
    "  attempt that was right (1, 2, ...), 0 if none was; it is repeated on every",
    "  attempt of the question, and final = true marks the last attempt, so",
    "  q[q.final] has one row per participant and question.",
    "- survey.csv: one row per answer. Consent answers, market formation and dropouts",
    "  are in events.csv (kinds consent, markets_formed, dropout) and summarised in",
    "  participants.csv.",
    "",
    "STREAMS READ (events, last seq, events by kind)",
  );
  lines.push(streamLine(index.code, input.session));
  const markets = [...input.markets].sort(([a], [b]) => compareStreams(a, b));
  for (const [stream, events] of markets) lines.push(streamLine(stream, events));
  lines.push("");
  return lines.join("\r\n");
}

function streamLine(stream: string, events: readonly LogEvent[]): string {
  const kinds = new Map<string, number>();
  let lastSeq = 0;
  for (const e of events) {
    kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    if (e.seq > lastSeq) lastSeq = e.seq;
  }
  const byKind = [...kinds].map(([k, n]) => `${k} ${n}`).join(", ");
  return `  ${stream}: ${events.length} events, last seq ${lastSeq}${byKind ? `: ${byKind}` : ""}`;
}

/** m2 before m10. */
function compareStreams(a: string, b: string): number {
  const na = Number(/\/m(\d+)$/.exec(a)?.[1] ?? NaN);
  const nb = Number(/\/m(\d+)$/.exec(b)?.[1] ?? NaN);
  if (na !== nb && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
