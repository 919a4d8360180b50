/**
 * The quiz and survey (`experiment/quiz.ts`): upstream's q_and_a.json as
 * shipped in configs/data, per-format right answers, IEX-only questions,
 * seeded option shuffles, grading over several tries, free-text survey
 * questions, and broken banks reported with every problem at once.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  gradeAttempt,
  loadQuestionBank,
  parseQuestionBank,
  type QuestionBank,
  QuestionBankError,
  QuizClosedError,
  quizFor,
  type QuizQuestion,
  surveyFor,
} from "../experiment/quiz.ts";
import type { AuctionFormat } from "../market/session_config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BANK_PATH = join(ROOT, "configs", "data", "q_and_a.json");
const QUIZ = ["inventory", "external_market", "speed", "market_specific_design"];
const FORMATS: AuctionFormat[] = ["cda", "fba", "iex"];

const bank: QuestionBank = await loadQuestionBank(BANK_PATH);

function bankProblems(value: unknown, source = "t.json"): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  try {
    parseQuestionBank(text, source);
  } catch (e) {
    if (!(e instanceof QuestionBankError)) throw e;
    assert.equal(e.message.split("\n").slice(1).join("\n"), e.problems.join("\n"));
    return [...e.problems];
  }
  assert.fail("expected a QuestionBankError");
}

const q = (answers: string[], correct: unknown, extra: Record<string, unknown> = {}) => ({
  question: "Q?",
  answers,
  correct_answ: correct,
  ...extra,
});

// ---------------------------------------------------------------------------
// upstream's bank

Deno.test("bank: upstream's q_and_a.json loads, sections and questions in file order", () => {
  assert.equal(bank.source, BANK_PATH);
  const ids = Object.fromEntries([...bank.sections].map(([s, qs]) => [s, qs.map((x) => x.id)]));
  assert.deepEqual(ids, {
    general: [
      "general.degree",
      "general.degree_backg",
      "general.video_clarity",
      "general.video_confusing",
      "general.interface_clarity",
      "general.interface_confusing",
      "general.suggestions",
    ],
    inventory: [
      "inventory.trader_inv",
      "inventory.implicit_cost",
      "inventory.end_trading_pos",
      "inventory.end_trading_neg",
    ],
    external_market: [
      "external_market.increase_ext",
      "external_market.implicit_cost_1",
      "external_market.implicit_cost_0",
    ],
    speed: ["speed.two_players", "speed.three_min"],
    market_specific_design: [
      "market_specific_design.one_ask",
      "market_specific_design.hidden_order",
    ],
  });
  const threeMin = bank.sections.get("speed")![1];
  assert.equal(threeMin.section, "speed");
  assert.equal(threeMin.correct, "180 * 0.01 = 1.8 ECU");
  assert.equal(threeMin.formats, null);
});

Deno.test("quiz: one_ask's right answer depends on the format", () => {
  const serial = "The bids are processed serially, which means Anna's bid will be executed " +
    "against the ask, while Tim's bid enters the orderbook.";
  const batch = "Both bids are processed simultaneously, it is randomly determined which bid " +
    "will be executed against the ask, the other bid will enter the orderbook.";
  const expected: Record<AuctionFormat, string> = { cda: serial, fba: batch, iex: serial };
  for (const format of FORMATS) {
    for (const seed of [0, 1, 2, 0xffffffff]) {
      const oneAsk = quizFor(bank, ["market_specific_design"], format, seed)
        .find((x) => x.id === "market_specific_design.one_ask")!;
      assert.equal(oneAsk.options[oneAsk.correct], expected[format], `${format} ${seed}`);
      assert.equal(oneAsk.options.length, 5);
    }
  }
});

Deno.test("quiz: hidden_order is asked only in IEX sessions", () => {
  const hidden = bank.sections.get("market_specific_design")![1];
  assert.deepEqual(hidden.formats, ["iex"]);
  for (const format of FORMATS) {
    const ids = quizFor(bank, QUIZ, format, 7).map((x) => x.id);
    assert.equal(ids.includes("market_specific_design.hidden_order"), format === "iex", format);
    assert.equal(ids.length, format === "iex" ? 11 : 10);
    // no survey question in the quiz, and bank order kept
    assert.ok(!ids.some((id) => id.startsWith("general.")));
    assert.deepEqual(ids.slice(0, 4), [...bank.sections.get("inventory")!.map((x) => x.id)]);
  }
  // an explicit formats list overrides the implicit IEX-only rule
  const b = parseQuestionBank(
    JSON.stringify({
      sections: {
        market_specific_design: { hidden_order: q(["a", "b"], "a", { formats: ["CDA", "iex"] }) },
      },
    }),
    "t.json",
  );
  assert.deepEqual(b.sections.get("market_specific_design")![0].formats, ["cda", "iex"]);
  assert.equal(quizFor(b, ["market_specific_design"], "cda", 1).length, 1);
  assert.equal(quizFor(b, ["market_specific_design"], "fba", 1).length, 0);
});

Deno.test("quiz: sections come in bank order, and unknown sections are errors naming them", () => {
  const ids = quizFor(bank, ["speed", "inventory"], "cda", 3).map((x) => x.id);
  assert.deepEqual(ids, [
    "inventory.trader_inv",
    "inventory.implicit_cost",
    "inventory.end_trading_pos",
    "inventory.end_trading_neg",
    "speed.two_players",
    "speed.three_min",
  ]);
  assert.deepEqual(quizFor(bank, [], "cda", 3), []);
  assert.throws(
    () => quizFor(bank, ["inventory", "sped", "fees"], "cda", 3),
    (e: unknown) => {
      assert.ok(e instanceof QuestionBankError);
      const have = "general, inventory, external_market, speed, market_specific_design";
      assert.deepEqual(e.problems, [
        `${BANK_PATH}: sections.sped: no such section (did you mean "speed"?) (the bank has: ${have})`,
        `${BANK_PATH}: sections.fees: no such section (the bank has: ${have})`,
      ]);
      return true;
    },
  );
  assert.throws(() => surveyFor(bank, ["generel"]), /sections\.generel: no such section/);
});

// ---------------------------------------------------------------------------
// shuffling

const sameAsBank = (x: QuizQuestion) => {
  for (const qs of bank.sections.values()) {
    const b = qs.find((y) => y.id === x.id);
    if (b) return b;
  }
  throw new Error(x.id);
};

Deno.test("shuffle: deterministic per seed, always a permutation, right answer tracked", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(...FORMATS),
      (seed, format) => {
        const a = quizFor(bank, QUIZ, format, seed);
        assert.deepEqual(quizFor(bank, QUIZ, format, seed), a);
        for (const x of a) {
          const b = sameAsBank(x);
          assert.equal(x.question, b.question);
          assert.deepEqual([...x.options].sort(), [...b.answers].sort());
          const right = typeof b.correct === "string" ? b.correct : b.correct![format];
          assert.equal(x.options[x.correct], right);
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("shuffle: different seeds give different orders", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (s, t) => {
        fc.pre(s !== t);
        const order = (seed: number) => quizFor(bank, QUIZ, "iex", seed).map((x) => x.options);
        assert.notDeepEqual(order(s), order(t));
      },
    ),
    { numRuns: 300 },
  );
  // questions with the same options (implicit_cost_1 and _0) are shuffled apart
  let same = 0;
  for (let seed = 0; seed < 200; seed++) {
    const [, one, zero] = quizFor(bank, ["external_market"], "cda", seed);
    if (one.options.join("|") === zero.options.join("|")) same++;
  }
  assert.ok(same < 10, `${same} of 200 seeds gave both the same order`);
});

Deno.test("shuffle: every option lands in every position about equally often", () => {
  const n = 6000;
  const counts = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  const answers = bank.sections.get("speed")![1].answers;
  for (let seed = 0; seed < n; seed++) {
    const [x] = quizFor(bank, ["speed"], "cda", seed).filter((y) => y.id === "speed.three_min");
    x.options.forEach((o, pos) => counts[answers.indexOf(o)][pos]++);
  }
  // 1,200 expected per cell, sd ≈ 31: ±150 is a generous ~5 sd band
  for (const row of counts) for (const c of row) assert.ok(Math.abs(c - n / 5) < 150, `${c}`);
});

// ---------------------------------------------------------------------------
// grading

const Q: QuizQuestion = { id: "t.q", question: "?", options: ["a", "b", "c", "d"], correct: 2 };

Deno.test("grade: one attempt", () => {
  assert.deepEqual(gradeAttempt(Q, [], 2, 1), { correct: true, state: "right", rightCount: 1 });
  assert.deepEqual(gradeAttempt(Q, [], 0, 1), { correct: false, state: "revealed", rightCount: 0 });
  assert.throws(() => gradeAttempt(Q, [0], 2, 1), QuizClosedError);
  assert.throws(() => gradeAttempt(Q, [2], 1, 1), QuizClosedError);
});

Deno.test("grade: two attempts, as upstream (right_count 1, 2 or 0)", () => {
  assert.deepEqual(gradeAttempt(Q, [], 2, 2), { correct: true, state: "right", rightCount: 1 });
  assert.deepEqual(gradeAttempt(Q, [], 1, 2), { correct: false, state: "open", rightCount: 0 });
  assert.deepEqual(gradeAttempt(Q, [1], 2, 2), { correct: true, state: "right", rightCount: 2 });
  assert.deepEqual(gradeAttempt(Q, [1], 3, 2), {
    correct: false,
    state: "revealed",
    rightCount: 0,
  });
  // the same wrong option twice uses both tries
  assert.deepEqual(gradeAttempt(Q, [1], 1, 2), {
    correct: false,
    state: "revealed",
    rightCount: 0,
  });
  assert.throws(() => gradeAttempt(Q, [1, 1], 2, 2), /shown after 2 wrong tries/);
  assert.throws(() => gradeAttempt(Q, [1, 2], 0, 2), /already answered right/);
});

Deno.test("grade: three attempts", () => {
  assert.deepEqual(gradeAttempt(Q, [0], 1, 3), { correct: false, state: "open", rightCount: 0 });
  assert.deepEqual(gradeAttempt(Q, [0, 1], 2, 3), { correct: true, state: "right", rightCount: 3 });
  assert.deepEqual(gradeAttempt(Q, [0, 1], 3, 3), {
    correct: false,
    state: "revealed",
    rightCount: 0,
  });
  assert.throws(() => gradeAttempt(Q, [0, 1, 3], 2, 3), QuizClosedError);
});

Deno.test("grade: a whole sequence of tries, for any number of attempts", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }),
      (max, tries) => {
        const tried: number[] = [];
        for (const answer of tries) {
          const g = gradeAttempt(Q, tried, answer, max);
          const k = tried.length + 1;
          assert.equal(g.correct, answer === Q.correct);
          if (g.correct) assert.deepEqual([g.state, g.rightCount], ["right", k]);
          else assert.deepEqual([g.state, g.rightCount], [k === max ? "revealed" : "open", 0]);
          tried.push(answer);
          if (g.state !== "open") {
            assert.throws(() => gradeAttempt(Q, tried, 0, max), QuizClosedError);
            return;
          }
        }
      },
    ),
  );
});

Deno.test("grade: arguments out of range are refused", () => {
  assert.throws(() => gradeAttempt(Q, [], 4, 2), RangeError);
  assert.throws(() => gradeAttempt(Q, [], -1, 2), RangeError);
  assert.throws(() => gradeAttempt(Q, [0.5], 1, 2), RangeError);
  assert.throws(() => gradeAttempt(Q, [], 1, 0), RangeError);
  assert.throws(() => gradeAttempt(Q, [], 1, 1.5), RangeError);
});

// ---------------------------------------------------------------------------
// the survey

Deno.test('survey: the general section, free text where answers is ["None"]', () => {
  const s = surveyFor(bank, ["general"]);
  assert.deepEqual(s.map((x) => [x.id, x.options.length]), [
    ["general.degree", 3],
    ["general.degree_backg", 2],
    ["general.video_clarity", 6],
    ["general.video_confusing", 0],
    ["general.interface_clarity", 6],
    ["general.interface_confusing", 0],
    ["general.suggestions", 0],
  ]);
  // options as written, never shuffled: scales stay in order
  assert.deepEqual(s[2].options, ["1", "2", "3", "4", "5", "6"]);
  assert.deepEqual(s[0].options, ["B.Sc.", "M.Sc.", "Ph.D."]);
  assert.equal(s[0].question, "What degree program are you in?");
  // quiz sections hold no survey questions, and the survey holds no quiz questions
  assert.deepEqual(surveyFor(bank, QUIZ), []);
  assert.deepEqual(quizFor(bank, ["general"], "cda", 1), []);
  // a survey question limited to a format, when the caller names the format
  const b = parseQuestionBank(
    JSON.stringify({
      sections: { s: { a: q(["None"], "None"), b: q(["x", "y"], "None", { formats: ["fba"] }) } },
    }),
    "t.json",
  );
  assert.deepEqual(surveyFor(b, ["s"]).map((x) => x.id), ["s.a", "s.b"]);
  assert.deepEqual(surveyFor(b, ["s"], "cda").map((x) => x.id), ["s.a"]);
});

// ---------------------------------------------------------------------------
// broken banks

Deno.test("bad banks: every problem is listed at once", () => {
  const found = bankProblems({
    sections: {
      quiz: {
        not_among: q(["a", "b"], "c"),
        empty: q([], "a"),
        dupes: q(["a", "b", "a"], "a"),
        types: { question: 3, answers: "a, b", correct_answ: 1 },
        missing: { question: "Q?" },
        typo: { ...q(["a", "b"], "a"), formts: ["iex"] },
        formats: q(["a", "b"], "a", { formats: ["lex", "cda", "CDA"] }),
        by_format: q(["a", "b"], { CDA: "a", fab: "b", iex: "z", Cda: "b" }),
        by_format_gap: q(["a", "b"], { cda: "a" }, { formats: ["cda", "fba"] }),
        lonely: q(["a"], "a"),
        lonely_survey: q(["x"], "None"),
        not_a_mapping: ["a"],
      },
      nothing: {},
      list: [],
    },
    extra: 1,
  });
  const P = "t.json: sections.quiz.";
  assert.deepEqual(found, [
    "t.json: extra: unknown key",
    `${P}not_among.correct_answ: "c" is not among the answers`,
    `${P}empty.answers: is empty: list the options, or ["None"] for a free-text answer`,
    `${P}dupes.answers[2]: "a" is listed twice`,
    `${P}types.question: expected a non-empty text, got 3`,
    `${P}types.answers: expected a list of answer texts, got "a, b"`,
    `${P}types.correct_answ: expected one of the answers, "None", or a mapping by auction format, got 1`,
    `${P}missing.answers: missing: the list of answer options`,
    `${P}missing.correct_answ: missing: the right answer, or "None" for a survey question`,
    `${P}typo.formts: unknown key (did you mean "formats"?)`,
    `${P}formats.formats: [0] is not an auction format (cda, fba, iex): "lex" (did you mean "iex"?)`,
    `${P}formats.formats: [2] cda is listed twice`,
    `${P}by_format.correct_answ.fab: unknown auction format (cda, fba, iex) (did you mean "fba"?)`,
    `${P}by_format.correct_answ.iex: "z" is not among the answers`,
    `${P}by_format.correct_answ.Cda: the same format as correct_answ.CDA`,
    `${P}by_format_gap.correct_answ: has no right answer for fba, which formats lists`,
    `${P}lonely.answers: a quiz question needs at least two options`,
    `${P}lonely_survey.answers: a survey question needs at least two options, or ["None"] for a free-text answer`,
    `${P}not_a_mapping: expected a mapping with question, answers and correct_answ, got a list`,
    "t.json: sections.nothing: has no questions",
    "t.json: sections.list: expected a mapping of questions by id, got a list",
  ]);
});

Deno.test("bad banks: the document's shape, JSON syntax and duplicate ids", () => {
  assert.deepEqual(bankProblems([]), [
    't.json: (document): expected a mapping with "sections", got a list',
  ]);
  assert.deepEqual(bankProblems({ section: {} }), [
    't.json: section: unknown key (did you mean "sections"?)',
    "t.json: sections: missing: the bank's questions go under sections.<section>.<id>",
  ]);
  assert.deepEqual(bankProblems({ sections: 3 }), [
    "t.json: sections: expected a mapping of sections, got 3",
  ]);
  const syntax = bankProblems('{\n  "sections": {\n    "a": 1,\n  }\n}\n');
  assert.equal(syntax.length, 1);
  assert.match(syntax[0], /^t\.json: line 4, column 3: JSON syntax error: /);
  const dupe = '{"sections": {"s": {\n  "x": {"question": "Q?", "answers": ["a", "b"], ' +
    '"correct_answ": "a"},\n  "x": {"question": "Q?", "answers": ["a", "b"], "correct_answ": "b"}}}}';
  assert.deepEqual(bankProblems(dupe), [
    't.json: line 3, column 3: duplicate key "x": each key may appear once per mapping',
  ]);
});

Deno.test("bad banks: format keys in any case, and a byte-order mark", () => {
  const b = parseQuestionBank(
    "\ufeff" + JSON.stringify({ sections: { s: { x: q(["a", "b"], { CDA: "a", Fba: "b" }) } } }),
    "t.json",
  );
  const x = b.sections.get("s")![0];
  assert.deepEqual(x.correct, { cda: "a", fba: "b" });
  // a format the mapping leaves out does not ask the question
  assert.equal(quizFor(b, ["s"], "iex", 1).length, 0);
  assert.equal(quizFor(b, ["s"], "fba", 1)[0].options[quizFor(b, ["s"], "fba", 1)[0].correct], "b");
});

Deno.test("load: a missing file is a QuestionBankError naming the path", async () => {
  const path = join(ROOT, "configs", "data", "no_such_bank.json");
  await assert.rejects(loadQuestionBank(path), (e: unknown) => {
    assert.ok(e instanceof QuestionBankError);
    assert.deepEqual(e.problems, [`${path}: (file): no such question bank file`]);
    return true;
  });
  await assert.rejects(loadQuestionBank(join(ROOT, "configs")), QuestionBankError);
});
