/**
 * Session exports: the CSV files an experimenter downloads for a session,
 * built from its event log alone. Pure functions, no I/O: give them what a
 * database read returns and they return text or a ZIP.
 *
 * ```ts
 * const input = { session, markets }; // session stream + Map(stream → events)
 * exportFiles(input);                  // Map: "trader_records.csv" → CSV text, …
 * exportFile(input, "trades.csv");     // one file only
 * sessionZip(input);                   // Uint8Array: hft-<code>-<name> for every name
 * ```
 *
 * Files (`EXPORT_NAMES`): participants.csv, payments.csv, trader_records.csv
 * (upstream's trader CSV), market_records.csv (upstream's market CSV),
 * trades.csv, orders.csv, pages.csv, quiz.csv, survey.csv, events.csv (every
 * other event), data_dictionary.csv and README.txt. Money and prices are
 * integers in 1e-4 ECU as in the log and upstream's database (payments in
 * 1e-4 of the session's currency); `DATA_DICTIONARY` gives every column's
 * type, unit and meaning.
 *
 * Cost is linear in the number of events (telemetry lookups are binary
 * searches), with each file's rows joined once at the end.
 */

import { zipSync } from "fflate";
import { DICTIONARY_FILE, dictionaryCsv } from "./dictionary.ts";
import { README_FILE, readmeText } from "./readme.ts";
import { type SessionExportInput, SessionIndex } from "./session_index.ts";
import { TABLES } from "./tables.ts";

export type { SessionExportInput } from "./session_index.ts";
export type { ColumnInfo, ColumnType } from "./table.ts";
export { DATA_DICTIONARY, type DictionaryEntry } from "./dictionary.ts";
export { csvCell, LINE_END } from "./csv.ts";

/** Every file of an export, in the order the README lists them. */
export const EXPORT_NAMES: readonly string[] = Object.freeze([
  ...TABLES.map((t) => t.name),
  DICTIONARY_FILE,
  README_FILE,
]);

/** Characters safe in a file name on every OS; others become `_`. */
function safeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_.-]/g, "_") || "session";
}

/** The name a file gets in the ZIP and in downloads: `hft-<code>-<name>`. */
export function exportFileName(code: string, name: string): string {
  return `hft-${safeCode(code)}-${name}`;
}

/** The ZIP's own name: `hft-<code>.zip`. */
export function sessionZipName(code: string): string {
  return `hft-${safeCode(code)}.zip`;
}

/** The session code an export is named after (from `session_created`, else the streams). */
export function exportSessionCode(input: SessionExportInput): string {
  return new SessionIndex(input).code;
}

/** Every export file: name (as in `EXPORT_NAMES`, without prefix) → text. */
export function exportFiles(input: SessionExportInput): Map<string, string> {
  return new Map(fileTexts(input, new SessionIndex(input)));
}

/** One file at a time, so a caller can drop each text once it has used it. */
function* fileTexts(input: SessionExportInput, index: SessionIndex): Iterable<[string, string]> {
  for (const table of TABLES) yield [table.name, table.write(index).text];
  yield [DICTIONARY_FILE, dictionaryCsv()];
  yield [README_FILE, readme(input, index)];
}

/** One export file's text; throws on a name not in `EXPORT_NAMES`. */
export function exportFile(input: SessionExportInput, name: string): string {
  if (name === DICTIONARY_FILE) return dictionaryCsv();
  const index = new SessionIndex(input);
  if (name === README_FILE) return readme(input, index);
  const table = TABLES.find((t) => t.name === name);
  if (!table) {
    throw new RangeError(
      `no export file ${JSON.stringify(name)}; one of ${EXPORT_NAMES.join(", ")}`,
    );
  }
  return table.write(index).text;
}

function readme(input: SessionExportInput, index: SessionIndex): string {
  return readmeText(input, index, TABLES, exportFileName(index.code, ""));
}

/** The earliest time a ZIP entry can carry (DOS date format). */
const ZIP_EPOCH_MS = Date.UTC(1980, 0, 2);

/**
 * All files in one ZIP (deflate), each named `hft-<code>-<name>`. Entries
 * carry the session's creation time, so the same log always gives the same
 * bytes.
 */
export function sessionZip(input: SessionExportInput): Uint8Array {
  const index = new SessionIndex(input);
  const mtime = new Date(Math.max(index.createdWallMs ?? ZIP_EPOCH_MS, ZIP_EPOCH_MS));
  const encoder = new TextEncoder();
  const entries: Record<string, [Uint8Array, { mtime: Date; level: 6 }]> = {};
  for (const [name, text] of fileTexts(input, index)) {
    entries[exportFileName(index.code, name)] = [encoder.encode(text), { mtime, level: 6 }];
  }
  return zipSync(entries);
}
