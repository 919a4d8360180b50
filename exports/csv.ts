/**
 * RFC 4180 CSV text: a header row, comma separated, CRLF after every row
 * (the RFC's line break, which pandas, R's `read.csv`/`readr` and Excel all
 * read), a cell quoted only when it holds a comma, a quote or a line break.
 * UTF-8 without a byte-order mark: a BOM would glue itself to the first
 * column's name in pandas unless the reader asks for `utf-8-sig`.
 *
 * Cells: null/undefined → empty; integers in plain digits (money stays
 * integral, never in exponent form); other finite numbers in JavaScript's
 * shortest round-trip form; non-finite numbers → empty; booleans →
 * `true`/`false` (both pandas and R read these as logical); strings as they
 * are; anything else as JSON.
 */

export const LINE_END = "\r\n";

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/** One cell's CSV text. */
export function csvCell(value: unknown): string {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? numberText(value) : "";
    case "string":
      return quoteIfNeeded(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "undefined":
      return "";
    default:
      return value === null ? "" : quoteIfNeeded(JSON.stringify(value) ?? "");
  }
}

function numberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) >= 1e21) {
    // String() switches to exponent form from 1e21; keep plain digits.
    return BigInt(value).toString();
  }
  return String(value);
}

function quoteIfNeeded(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTE, '""')}"` : text;
}

/** One row's text, without the line end. */
export function csvRow(cells: readonly unknown[]): string {
  // join() gives a flat string; `+=` would leave a rope per row for the final join to flatten.
  const texts = new Array<string>(cells.length);
  for (let i = 0; i < cells.length; i++) texts[i] = csvCell(cells[i]);
  return texts.join(",");
}

/**
 * Accumulates rows as strings and joins once at the end, so a file of a
 * million rows costs one final concatenation rather than a million.
 */
export class CsvWriter {
  readonly #lines: string[];

  constructor(header: readonly string[]) {
    this.#lines = [csvRow(header)];
  }

  add(cells: readonly unknown[]): void {
    this.#lines.push(csvRow(cells));
  }

  /** Data rows written so far (the header not counted). */
  get rowCount(): number {
    return this.#lines.length - 1;
  }

  text(): string {
    return this.#lines.join(LINE_END) + LINE_END;
  }
}

/** ISO 8601 UTC with milliseconds (`2024-05-01T12:00:00.123Z`), or null. */
export function isoTime(ms: unknown): string | null {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
