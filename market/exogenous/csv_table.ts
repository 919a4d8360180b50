/**
 * The CSV reading shared by the exogenous-input parsers (shared reference
 * `leeps-hft-app.md` §6): columns matched by header name in any order,
 * unknown headers dropped, empty rows skipped, CRLF and a UTF-8 BOM tolerated.
 *
 * An experimenter uploads these files shortly before a session, so every
 * problem is reported as an {@link ExogenousFileError} naming the file, the
 * 1-based physical line and the column; a row is never dropped silently,
 * because a schedule with a missing investor would change the experiment.
 *
 * Numbers are converted from their decimal text, not through floats, so
 * `0.22899999999999998` s is 229 ms and `1e6` is the integer 1,000,000 with
 * no binary rounding in between.
 */

/** A problem in an uploaded exogenous-input file. */
export class ExogenousFileError extends Error {
  /** The file name the caller passed (shown to the experimenter). */
  readonly source: string;
  /** 1-based physical line, counting the header as line 1. */
  readonly line: number;
  /** The column at fault, or undefined for a whole-row or header problem. */
  readonly column: string | undefined;
  /** What is wrong, without the location prefix. */
  readonly problem: string;

  constructor(source: string, line: number, column: string | undefined, problem: string) {
    const where = column === undefined ? `line ${line}` : `line ${line}, column ${column}`;
    super(`${source} ${where}: ${problem}`);
    this.name = "ExogenousFileError";
    this.source = source;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/** One data row, with its fields addressable by column name. */
export interface CsvRow {
  readonly line: number;
  /** The trimmed field, or "" when the row is shorter than the header. */
  field(column: string): string;
}

export interface CsvTable {
  /** The trimmed header names, as written (including dropped ones). */
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

export interface ColumnSpec {
  /** Columns that must be present. */
  required: readonly string[];
  /** Columns that are read when present; any other column is dropped. */
  optional?: readonly string[];
}

/** Splits the file into header and data rows; rows of empty fields only are skipped. */
export function readCsvTable(text: string, source: string, spec: ColumnSpec): CsvTable {
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r\n|\n|\r/);
  const header = splitLine(lines[0], source, 1).map((h) => h.trim());
  const known = new Set([...spec.required, ...(spec.optional ?? [])]);
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!known.has(name)) return;
    if (index.has(name)) {
      throw new ExogenousFileError(source, 1, name, "the column appears more than once");
    }
    index.set(name, i);
  });
  const missing = spec.required.filter((c) => !index.has(c));
  if (missing.length > 0) {
    const found = header.filter((h) => h !== "").join(", ") || "none";
    throw new ExogenousFileError(
      source,
      1,
      undefined,
      `missing required column${missing.length > 1 ? "s" : ""} ${
        missing.join(", ")
      } (found: ${found})`,
    );
  }

  const rows: CsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const fields = splitLine(lines[i], source, line).map((f) => f.trim());
    if (fields.every((f) => f === "")) continue;
    // Trailing empty fields are what spreadsheets append; anything else past
    // the header would be a value with no column to belong to.
    if (fields.slice(header.length).some((f) => f !== "")) {
      throw new ExogenousFileError(
        source,
        line,
        undefined,
        `${fields.length} fields, but the header has ${header.length}`,
      );
    }
    rows.push({
      line,
      field(column: string): string {
        const at = index.get(column);
        if (at === undefined) throw new Error(`column ${column} was not declared`);
        return fields[at] ?? "";
      },
    });
  }
  return { header, rows };
}

/** Splits one line on commas; double-quoted fields may hold commas and `""`. */
function splitLine(line: string, source: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (line[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) {
    // The schedules never need a line break inside a field, and accepting one
    // would make every later line number in an error message wrong.
    throw new ExogenousFileError(source, lineNo, undefined, "a quoted field is not closed");
  }
  out.push(field);
  return out;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** How to treat digits below the requested scale. */
export type Rounding = "exact" | "halfEven" | "trunc";

/**
 * `text × 10^scale` as a safe integer, computed on the decimal digits.
 * Returns a problem string instead when the text is not a plain decimal
 * number (NaN, Infinity, hex and blanks are refused), when `exact` finds a
 * fractional part, or when the result is not a safe integer.
 */
export function scaledInteger(text: string, scale: number, rounding: Rounding): number | string {
  if (text === "") return "missing value";
  const m = DECIMAL.exec(text);
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) {
    return `${JSON.stringify(text)} is not a number`;
  }
  const negative = m[1] === "-";
  const frac = m[3] ?? "";
  const digits = (m[2] + frac).replace(/^0+/, "");
  if (digits === "") return 0;
  const exponent = Number(m[4] ?? "0");
  // the value is digits × 10^shift after scaling
  const shift = exponent - frac.length + scale;
  const tooLarge = `${JSON.stringify(text)} is too large`;
  let whole: string;
  let rest: string;
  if (shift >= 0) {
    if (digits.length + shift > 16) return tooLarge;
    whole = digits + "0".repeat(shift);
    rest = "";
  } else {
    const cut = digits.length + shift;
    whole = cut > 0 ? digits.slice(0, cut) : "";
    // below the first dropped digit only "any non-zero?" matters, so one
    // leading zero stands for however many there are (think 1e-999999)
    rest = cut > 0 ? digits.slice(cut) : cut === 0 ? digits : "0" + digits;
    if (whole.length > 16) return tooLarge;
  }
  let n = whole === "" ? 0 : Number(whole);
  if (/[1-9]/.test(rest)) {
    if (rounding === "exact") return `${JSON.stringify(text)} is not an integer`;
    if (rounding === "halfEven") {
      const half = rest[0] > "5" || (rest[0] === "5" && /[1-9]/.test(rest.slice(1)));
      const tie = rest[0] === "5" && !/[1-9]/.test(rest.slice(1));
      if (half || (tie && n % 2 === 1)) n += 1;
    }
  }
  if (!Number.isSafeInteger(n)) return tooLarge;
  return negative && n !== 0 ? -n : n;
}

/** The finite float value of a decimal field, or a problem string. */
export function decimalNumber(text: string): number | string {
  if (text === "") return "missing value";
  const m = DECIMAL.exec(text);
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) {
    return `${JSON.stringify(text)} is not a number`;
  }
  const x = Number(text);
  return Number.isFinite(x) ? x : `${JSON.stringify(text)} is too large`;
}

/** Throws the located error when `value` is a problem string, else returns it. */
export function orThrow(
  row: CsvRow,
  source: string,
  column: string,
  value: number | string,
): number {
  if (typeof value === "string") throw new ExogenousFileError(source, row.line, column, value);
  return value;
}

/** Reads an integer field (after the given rounding) and checks it lies in lo..hi. */
export function integerField(
  row: CsvRow,
  source: string,
  column: string,
  opts: { scale?: number; rounding?: Rounding; lo: number; hi: number; what?: string },
): number {
  const text = row.field(column);
  const n = orThrow(
    row,
    source,
    column,
    scaledInteger(text, opts.scale ?? 0, opts.rounding ?? "exact"),
  );
  // "-0.0001" s rounds to 0 ms but is still a negative time
  const negativeText = text.startsWith("-") && /[1-9]/.test(text.split(/[eE]/)[0]);
  if (n < opts.lo || (opts.lo >= 0 && negativeText)) {
    const problem = opts.lo === 0
      ? `${JSON.stringify(text)} is negative`
      : `${JSON.stringify(text)} is below ${opts.lo}`;
    throw new ExogenousFileError(source, row.line, column, problem);
  }
  if (n > opts.hi) {
    throw new ExogenousFileError(
      source,
      row.line,
      column,
      `${JSON.stringify(text)} is above ${opts.hi}${opts.what ? ` (${opts.what})` : ""}`,
    );
  }
  return n;
}

/** Seconds as written → integer ms, to the nearest ms (ties to even), never negative. */
export function secondsToMs(row: CsvRow, source: string, column: string): number {
  return integerField(row, source, column, {
    scale: 3,
    rounding: "halfEven",
    lo: 0,
    hi: Number.MAX_SAFE_INTEGER,
  });
}

/** Sorts by time, keeping file order among equal times (Array.prototype.sort is stable). */
export function byTime<T extends { atMs: number }>(items: T[]): T[] {
  return items.sort((a, b) => a.atMs - b.atMs);
}
