/**
 * The comprehension quiz and the final survey, from a question bank in
 * upstream's `q_and_a.json` format:
 * `{"sections": {<section>: {<id>: {question, answers: [...], correct_answ}}}}`,
 * where `correct_answ` is one of `answers`, "None" (no right answer: a survey
 * question), or a mapping from auction format to the right answer.
 *
 * Everything here is pure except {@link loadQuestionBank}. The bank is checked
 * once, when a session is created, so a broken file is refused with every
 * problem listed before anybody sits down, not at the quiz page.
 */

import { parseDocument } from "yaml";
import {
  AUCTION_FORMATS,
  type AuctionFormat,
  closest,
  describe,
  isMapping,
} from "../market/session_config.ts";
import { mulberry32, randomInt } from "../market/seeded_rng.ts";

/** One question of the bank, as loaded. */
export interface BankQuestion {
  /** `<section>.<id>`, e.g. `inventory.trader_inv`. */
  id: string;
  section: string;
  question: string;
  answers: string[];
  /** Right answer per format; null for a survey question (correct_answ "None"). */
  correct: Partial<Record<AuctionFormat, string>> | string | null;
  /** Formats the question is asked in (all when absent). */
  formats: AuctionFormat[] | null;
}

export interface QuestionBank {
  source: string;
  sections: Map<string, BankQuestion[]>;
}

/** A quiz question as one participant sees it: options in that participant's order. */
export interface QuizQuestion {
  id: string;
  question: string;
  options: string[];
  /** Index into `options`. */
  correct: number;
}

/** A survey question: `options` empty means free text. */
export interface SurveyQuestion {
  id: string;
  question: string;
  options: string[];
}

/** Every problem found in a question bank, one per line as `<source>: <path>: <problem>`. */
export class QuestionBankError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    const n = problems.length;
    super(`invalid question bank (${n} problem${n === 1 ? "" : "s"}):\n${problems.join("\n")}`);
    this.name = "QuestionBankError";
    this.problems = problems;
  }
}

/** An answer to a question that is no longer open (already right, or its answer shown). */
export class QuizClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuizClosedError";
  }
}

export interface Grade {
  correct: boolean;
  /** "open": more tries left; "right": answered right; "revealed": tries used up, answer shown. */
  state: "open" | "right" | "revealed";
  /** Upstream's `<q>_right_count`: the try that was right (1, 2, …), or 0. */
  rightCount: number;
}

/** upstream's marker for "no right answer" (survey) and, as the only answer, "free text" */
const NONE = "None";
const QUESTION_KEYS = ["question", "answers", "correct_answ", "formats"] as const;

// Upstream's file has no `formats` key, yet its quiz template shows hidden_order only in
// IEX sessions: hidden (midpoint-pegged) orders exist only there, so asking it in CDA or
// FBA would quiz people on a feature their market lacks.
const IMPLICIT_FORMATS: Readonly<Record<string, AuctionFormat[]>> = {
  "market_specific_design.hidden_order": ["iex"],
};

function didYouMean(key: string, candidates: readonly string[]): string {
  const near = closest(key, candidates);
  return near ? ` (did you mean "${near}"?)` : "";
}

/**
 * Parses and checks a question bank. `source` names the text in every message.
 * Throws {@link QuestionBankError} listing every problem.
 */
export function parseQuestionBank(text: string, source: string): QuestionBank {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems: string[] = [];
  const problem = (path: string, what: string) => problems.push(`${source}: ${path}: ${what}`);
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch (e) {
    throw new QuestionBankError([jsonSyntaxProblem(source, body, (e as Error).message)]);
  }
  // JSON.parse keeps the last of two equal ids silently, and a question would vanish
  for (const e of parseDocument(body, { uniqueKeys: true }).errors) {
    if (e.code !== "DUPLICATE_KEY") continue;
    const at = e.linePos?.[0];
    const key = at
      ? /^\s*"((?:[^"\\]|\\.)*)"/.exec(body.split("\n")[at.line - 1].slice(at.col - 1))?.[1]
      : undefined;
    problem(
      at ? `line ${at.line}, column ${at.col}` : "(document)",
      `duplicate key${key === undefined ? "" : ` "${key}"`}: each key may appear once per mapping`,
    );
  }

  const sections = new Map<string, BankQuestion[]>();
  if (!isMapping(root)) {
    problem("(document)", `expected a mapping with "sections", got ${describe(root)}`);
    throw new QuestionBankError(problems);
  }
  for (const key of Object.keys(root)) {
    if (key !== "sections") problem(key, `unknown key${didYouMean(key, ["sections"])}`);
  }
  if (!("sections" in root)) {
    problem("sections", "missing: the bank's questions go under sections.<section>.<id>");
  } else if (!isMapping(root.sections)) {
    problem("sections", `expected a mapping of sections, got ${describe(root.sections)}`);
  } else {
    for (const [section, questions] of Object.entries(root.sections)) {
      const path = `sections.${section}`;
      if (!isMapping(questions)) {
        problem(path, `expected a mapping of questions by id, got ${describe(questions)}`);
        continue;
      }
      if (Object.keys(questions).length === 0) problem(path, "has no questions");
      const out: BankQuestion[] = [];
      for (const [id, raw] of Object.entries(questions)) {
        const q = parseQuestion(`${section}.${id}`, section, raw, problem);
        if (q !== null) out.push(q);
      }
      sections.set(section, out);
    }
  }
  if (problems.length > 0) throw new QuestionBankError(problems);
  return { source, sections };
}

function parseQuestion(
  id: string,
  section: string,
  raw: unknown,
  problem: (path: string, what: string) => void,
): BankQuestion | null {
  const path = `sections.${id}`;
  if (!isMapping(raw)) {
    problem(
      path,
      `expected a mapping with question, answers and correct_answ, got ${describe(raw)}`,
    );
    return null;
  }
  let ok = true;
  const bad = (field: string, what: string) => {
    problem(`${path}.${field}`, what);
    ok = false;
  };
  for (const key of Object.keys(raw)) {
    if (!(QUESTION_KEYS as readonly string[]).includes(key)) {
      bad(key, `unknown key${didYouMean(key, QUESTION_KEYS)}`);
    }
  }

  const question = raw.question;
  if (question === undefined) bad("question", "missing: the question's text");
  else if (typeof question !== "string" || question.trim() === "") {
    bad("question", `expected a non-empty text, got ${describe(question)}`);
  }

  const answers: string[] = [];
  if (raw.answers === undefined) bad("answers", "missing: the list of answer options");
  else if (!Array.isArray(raw.answers)) {
    bad("answers", `expected a list of answer texts, got ${describe(raw.answers)}`);
  } else if (raw.answers.length === 0) {
    bad("answers", `is empty: list the options, or ["${NONE}"] for a free-text answer`);
  } else {
    raw.answers.forEach((a, i) => {
      if (typeof a !== "string" || a.trim() === "") {
        bad(`answers[${i}]`, `expected a non-empty text, got ${describe(a)}`);
      } else if (answers.includes(a)) {
        bad(`answers[${i}]`, `${JSON.stringify(a)} is listed twice`);
      } else {
        answers.push(a);
      }
    });
  }
  const answersOk = Array.isArray(raw.answers) && answers.length === raw.answers.length &&
    answers.length > 0;

  const formats = parseFormats(raw.formats, (what) => bad("formats", what)) ??
    (raw.formats === undefined ? IMPLICIT_FORMATS[id] ?? null : null);

  let correct: BankQuestion["correct"] = null;
  const among = (field: string, v: unknown): string | undefined => {
    if (typeof v !== "string") {
      bad(field, `expected one of the answers, got ${describe(v)}`);
      return undefined;
    }
    if (answersOk && !answers.includes(v)) {
      bad(field, `${JSON.stringify(v)} is not among the answers`);
      return undefined;
    }
    return v;
  };
  const c = raw.correct_answ;
  if (c === undefined) {
    bad("correct_answ", `missing: the right answer, or "${NONE}" for a survey question`);
  } else if (c === NONE) {
    correct = null;
    if (answersOk && answers.length === 1 && answers[0] !== NONE) {
      bad(
        "answers",
        `a survey question needs at least two options, or ["${NONE}"] for a free-text answer`,
      );
    }
  } else if (isMapping(c)) {
    const byFormat: Partial<Record<AuctionFormat, string>> = {};
    const written = new Map<AuctionFormat, string>();
    for (const [key, v] of Object.entries(c)) {
      const field = `correct_answ.${key}`;
      const f = AUCTION_FORMATS.find((x) => x === key.toLowerCase());
      if (f === undefined) {
        bad(field, `unknown auction format (cda, fba, iex)${didYouMean(key, AUCTION_FORMATS)}`);
      } else if (written.has(f)) {
        bad(field, `the same format as correct_answ.${written.get(f)}`);
      } else {
        written.set(f, key);
        const a = among(field, v);
        if (a !== undefined) byFormat[f] = a;
      }
    }
    if (written.size === 0) {
      bad("correct_answ", "is an empty mapping: give the right answer per format (cda, fba, iex)");
    }
    // a listed format without a right answer would drop the question there without a word
    for (const f of formats ?? []) {
      if (written.size > 0 && !written.has(f)) {
        bad("correct_answ", `has no right answer for ${f}, which formats lists`);
      }
    }
    correct = byFormat;
  } else if (typeof c === "string") {
    correct = among("correct_answ", c) ?? null;
  } else {
    bad(
      "correct_answ",
      `expected one of the answers, "${NONE}", or a mapping by auction format, got ${describe(c)}`,
    );
  }
  if (correct !== null && answersOk && answers.length < 2) {
    bad("answers", "a quiz question needs at least two options");
  }
  if (!ok) return null;
  return { id, section, question: question as string, answers, correct, formats };
}

function parseFormats(v: unknown, bad: (what: string) => void): AuctionFormat[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.length === 0) {
    bad(`expected a non-empty list of auction formats (cda, fba, iex), got ${describe(v)}`);
    return null;
  }
  const out: AuctionFormat[] = [];
  for (const [i, x] of v.entries()) {
    const f = typeof x === "string"
      ? AUCTION_FORMATS.find((a) => a === x.toLowerCase())
      : undefined;
    if (f === undefined) {
      const hint = typeof x === "string" ? didYouMean(x, AUCTION_FORMATS) : "";
      bad(`[${i}] is not an auction format (cda, fba, iex): ${describe(x)}${hint}`);
    } else if (out.includes(f)) {
      bad(`[${i}] ${f} is listed twice`);
    } else {
      out.push(f);
    }
  }
  return out.length === v.length ? out : null;
}

function jsonSyntaxProblem(source: string, text: string, message: string): string {
  const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!m) return `${source}: (document): JSON syntax error: ${message}`;
  const before = text.slice(0, Number(m[2])).split("\n");
  const col = before[before.length - 1].length + 1;
  return `${source}: line ${before.length}, column ${col}: JSON syntax error: ${m[1]}`;
}

/** Reads and checks a question bank; a missing file is a {@link QuestionBankError} naming it. */
export async function loadQuestionBank(path: string): Promise<QuestionBank> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new QuestionBankError([`${path}: (file): no such question bank file`]);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new QuestionBankError([`${path}: (file): is a directory, not a question bank file`]);
    }
    throw e;
  }
  return parseQuestionBank(text, path);
}

/** The bank's questions of the listed sections, in bank order; unknown sections throw. */
function questionsOf(bank: QuestionBank, sections: readonly string[]): BankQuestion[] {
  const missing = sections.filter((s) => !bank.sections.has(s));
  if (missing.length > 0) {
    const have = [...bank.sections.keys()].join(", ") || "none";
    throw new QuestionBankError(
      missing.map((s) =>
        `${bank.source}: sections.${s}: no such section${
          didYouMean(s, [...bank.sections.keys()])
        } (the bank has: ${have})`
      ),
    );
  }
  const wanted = new Set(sections);
  return [...bank.sections].filter(([s]) => wanted.has(s)).flatMap(([, qs]) => qs);
}

function askedIn(q: BankQuestion, format: AuctionFormat): boolean {
  return q.formats === null || q.formats.includes(format);
}

function rightAnswer(q: BankQuestion, format: AuctionFormat): string | undefined {
  if (q.correct === null) return undefined;
  return typeof q.correct === "string" ? q.correct : q.correct[format];
}

/** FNV-1a: a question's id as a 32-bit number, to give each question its own stream. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The quiz for one participant: the questions of `sections` asked in `format`
 * that have a right answer there, in bank order, options shuffled from `seed`
 * (upstream shuffled per page view; a per-participant seed keeps a reload
 * showing the same order). Each question draws from (seed, id), so a question's
 * order does not change when another section is added or removed.
 */
export function quizFor(
  bank: QuestionBank,
  sections: readonly string[],
  format: AuctionFormat,
  seed: number,
): QuizQuestion[] {
  const out: QuizQuestion[] = [];
  for (const q of questionsOf(bank, sections)) {
    const right = rightAnswer(q, format);
    if (right === undefined || !askedIn(q, format)) continue;
    const rng = mulberry32((seed ^ hashId(q.id)) >>> 0);
    const options = [...q.answers];
    for (let i = options.length - 1; i > 0; i--) {
      const j = randomInt(rng, 0, i);
      [options[i], options[j]] = [options[j], options[i]];
    }
    out.push({ id: q.id, question: q.question, options, correct: options.indexOf(right) });
  }
  return out;
}

/**
 * The survey: the questions of `sections` without a right answer, in bank
 * order, options as written (a scale must stay in order). With `format`, a
 * question limited to other formats is left out.
 */
export function surveyFor(
  bank: QuestionBank,
  sections: readonly string[],
  format?: AuctionFormat,
): SurveyQuestion[] {
  return questionsOf(bank, sections)
    .filter((q) => q.correct === null && (format === undefined || askedIn(q, format)))
    .map((q) => ({
      id: q.id,
      question: q.question,
      options: q.answers.length === 1 && q.answers[0] === NONE ? [] : [...q.answers],
    }));
}

/**
 * Grades try number `tried.length + 1` of a quiz question. `tried` holds the
 * options tried before, in order (all wrong, or the question would be closed);
 * trying the same wrong option twice uses two tries. After `maxAttempts` wrong
 * tries the right answer is revealed. Throws {@link QuizClosedError} when the
 * question is already right or revealed, RangeError on arguments out of range.
 */
export function gradeAttempt(
  question: QuizQuestion,
  tried: readonly number[],
  answer: number,
  maxAttempts: number,
): Grade {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  }
  const n = question.options.length;
  for (const i of [...tried, answer]) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`${question.id}: option ${i} is not in 0..${n - 1}`);
    }
  }
  if (tried.includes(question.correct)) {
    throw new QuizClosedError(`${question.id}: already answered right`);
  }
  if (tried.length >= maxAttempts) {
    throw new QuizClosedError(
      `${question.id}: the right answer was shown after ${maxAttempts} wrong tries`,
    );
  }
  const k = tried.length + 1;
  if (answer === question.correct) return { correct: true, state: "right", rightCount: k };
  return { correct: false, state: k === maxAttempts ? "revealed" : "open", rightCount: 0 };
}
