/**
 * An export file described once: its columns carry their dictionary entry
 * and the function that reads the cell, so the data dictionary is derived
 * from the same list that writes the file and cannot drift from it.
 */

import { CsvWriter } from "./csv.ts";
import type { SessionIndex } from "./session_index.ts";

/** How a column reads back: what pandas and R should parse it as. */
export type ColumnType = "integer" | "decimal" | "boolean" | "text" | "timestamp" | "json";

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  /** "1e-4 ECU", "ms", "s", "shares", … or "" when unitless. */
  unit: string;
  meaning: string;
}

export interface Column<R> extends ColumnInfo {
  value: (row: R, index: SessionIndex) => unknown;
}

export interface ExportTable {
  /** The file's name inside the export, without the session prefix. */
  readonly name: string;
  /** One line for the README. */
  readonly summary: string;
  readonly columns: readonly ColumnInfo[];
  /** The whole CSV text and its number of data rows. */
  write(index: SessionIndex): { text: string; rows: number };
}

export function defineTable<R>(spec: {
  name: string;
  summary: string;
  columns: Column<R>[];
  rows: (index: SessionIndex) => Iterable<R>;
}): ExportTable {
  const columns = spec.columns;
  const names = columns.map((c) => c.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`${spec.name}: duplicate column names`);
  }
  const getters = columns.map((c) => c.value);
  return {
    name: spec.name,
    summary: spec.summary,
    columns: columns.map(({ name, type, unit, meaning }) => ({ name, type, unit, meaning })),
    write(index) {
      const writer = new CsvWriter(names);
      const cells: unknown[] = new Array(getters.length);
      for (const row of spec.rows(index)) {
        for (let i = 0; i < getters.length; i++) cells[i] = getters[i](row, index);
        writer.add(cells);
      }
      return { text: writer.text(), rows: writer.rowCount };
    },
  };
}

/** Shorthand for a column. */
export function col<R>(
  name: string,
  type: ColumnType,
  unit: string,
  meaning: string,
  value: (row: R, index: SessionIndex) => unknown,
): Column<R> {
  return { name, type, unit, meaning, value };
}
