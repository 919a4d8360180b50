/**
 * The comprehension quiz and the final survey, from a question bank in
 * upstream's `q_and_a.json` format:
 * `{"sections": {<section>: {<id>: {question, answers: [...], correct_answ}}}}`,
 * where `correct_answ` is one of `answers`, "None" (no right answer: a survey
 * question), or a mapping from auction format to the right answer.
 */

import type { AuctionFormat } from "../market/session_config.ts";

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
