/**
 * The data dictionary: one entry per column of every export file, taken
 * from the tables' own column lists (so a new column is documented or the
 * table does not compile), plus the dictionary's own columns.
 */

import { CsvWriter } from "./csv.ts";
import type { ColumnInfo } from "./table.ts";
import { TABLES } from "./tables.ts";

export const DICTIONARY_FILE = "data_dictionary.csv";

/** One row of `data_dictionary.csv`. */
export interface DictionaryEntry {
  /** The file's name without the session prefix, e.g. `trader_records.csv`. */
  file: string;
  column: string;
  type: ColumnInfo["type"];
  unit: string;
  meaning: string;
}

function entry(file: string, c: ColumnInfo): DictionaryEntry {
  return { file, column: c.name, type: c.type, unit: c.unit, meaning: c.meaning };
}

const DICTIONARY_COLUMNS: ColumnInfo[] = [
  {
    name: "file",
    type: "text",
    unit: "",
    meaning: "Export file the column belongs to (without the hft-<code>- prefix).",
  },
  { name: "column", type: "text", unit: "", meaning: "Column name, exactly as in the header row." },
  {
    name: "type",
    type: "text",
    unit: "",
    meaning:
      "integer, decimal, boolean (true/false), text, timestamp (ISO 8601 UTC) or json; any may be blank.",
  },
  {
    name: "unit",
    type: "text",
    unit: "",
    meaning:
      "1e-4 ECU (10000 = 1 ECU), 1e-4 currency (10000 = 1 unit of the payments' currency column), currency per ECU, ms, s, shares, %, 0..1, UTC; blank when unitless.",
  },
  { name: "meaning", type: "text", unit: "", meaning: "What the column holds." },
];

export const DATA_DICTIONARY: readonly DictionaryEntry[] = Object.freeze([
  ...TABLES.flatMap((t) => t.columns.map((c) => entry(t.name, c))),
  ...DICTIONARY_COLUMNS.map((c) => entry(DICTIONARY_FILE, c)),
]);

export function dictionaryCsv(): string {
  const writer = new CsvWriter(DICTIONARY_COLUMNS.map((c) => c.name));
  for (const d of DATA_DICTIONARY) writer.add([d.file, d.column, d.type, d.unit, d.meaning]);
  return writer.text();
}
