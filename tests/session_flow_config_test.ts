/**
 * The `flow` section of session configs (consent, instructions, quiz and
 * survey, round start), upstream's page-timing keys, and the default number
 * of participants (`market/session_config.ts`, the README's "Session
 * configuration", section `flow`).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { assertProblem, elo, problems, type Sections, SRC } from "./config_helpers.ts";
import {
  type FlowConfig,
  IGNORED_UPSTREAM_KEYS,
  parseSessionConfig,
  SESSION_CONFIG_KEYS,
  type SessionConfig,
} from "../market/session_config.ts";
import { loadQuestionBank, quizFor, surveyFor } from "../experiment/quiz.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
function parse(text: string, source = SRC): SessionConfig {
  return parseSessionConfig(text, source);
}

function flowOf(flow: Record<string, unknown>, more: Sections = {}): FlowConfig {
  return parse(elo({ ...more, flow })).flow;
}

const DEFAULT_FLOW: FlowConfig = {
  consent: null,
  instructions: null,
  quizFile: null,
  quizSections: ["inventory", "external_market", "speed", "market_specific_design"],
  surveySections: ["general"],
  quizAttempts: 2,
  roundStart: "auto",
  postRoundDelayMs: 5_000,
  autoAdvanceMs: 60_000,
  resultsNextDelayMs: 0,
  instructionsNextDelayMs: 60_000,
};

// ---------------------------------------------------------------------------
// defaults and happy paths

Deno.test("flow defaults: no flow section means no consent, instructions or quiz", () => {
  assert.deepEqual(parse(elo()).flow, DEFAULT_FLOW);
  assert.deepEqual(parse(elo({ flow: null })).flow, DEFAULT_FLOW);
  assert.deepEqual(parse(elo({ flow: {} })).flow, DEFAULT_FLOW);
  // the defaults are copies: one config cannot change another's
  const a = parse(elo()).flow;
  a.quizSections.push("mine");
  assert.deepEqual(parse(elo()).flow.quizSections, DEFAULT_FLOW.quizSections);
});

Deno.test("flow: every key on its happy path", () => {
  const f = flowOf({
    consent: "# Consent\n\nTaking part is **voluntary**.\n",
    instructions: "Same text for every format.",
    quiz: "data/q_and_a.json",
    "quiz-sections": ["speed", "inventory"],
    "survey-sections": [],
    "quiz-attempts": 3,
    "round-start": "Experimenter",
  });
  assert.deepEqual(f, {
    ...DEFAULT_FLOW,
    consent: "# Consent\n\nTaking part is **voluntary**.\n",
    instructions: "Same text for every format.",
    quizFile: "lab/data/q_and_a.json",
    quizSections: ["speed", "inventory"],
    surveySections: [],
    quizAttempts: 3,
    roundStart: "experimenter",
  });
  assert.equal(flowOf({ quiz: "q.json", "quiz-attempts": 1 }).quizAttempts, 1);
  assert.equal(flowOf({ quiz: "q.json", "quiz-attempts": 10 }).quizAttempts, 10);
  assert.equal(flowOf({ "round-start": "auto" }).roundStart, "auto");
});

Deno.test("flow.instructions: a mapping by format gives this config's format's text", () => {
  const texts = { cda: "Continuous.", FBA: "Batches.", Iex: "Speed bump." };
  for (
    const [format, text] of [["cda", "Continuous."], ["fba", "Batches."], ["iex", "Speed bump."]]
  ) {
    const f = flowOf({ instructions: texts }, { market: { "auction-format": format } });
    assert.equal(f.instructions, text, format);
  }
  // the other formats' texts need not be there
  assert.equal(
    flowOf({ instructions: { fba: "Batches." } }, { market: { "auction-format": "FBA" } })
      .instructions,
    "Batches.",
  );
  // one text for every format
  for (const format of ["cda", "fba", "iex"]) {
    const f = flowOf({ instructions: "All." }, { market: { "auction-format": format } });
    assert.equal(f.instructions, "All.");
  }
});

Deno.test("flow.instructions: a mapping without the config's format is a problem", () => {
  assertProblem(
    elo({ market: { "auction-format": "fba" }, flow: { instructions: { cda: "x", iex: "y" } } }),
    "flow.instructions",
    "no text for auction-format fba; add flow.instructions.fba",
  );
  assertProblem(
    elo({ flow: { instructions: {} } }),
    "flow.instructions",
    "no text for auction-format cda; add flow.instructions.cda",
  );
  // with the format itself rejected, the parser does not guess which text is missing
  const found = problems(
    elo({ market: { "auction-format": "lob" }, flow: { instructions: { cda: "x" } } }),
  );
  assert.deepEqual(found.map((p) => p.split(": ")[1]), ["market.auction-format"]);
});

Deno.test("flow.quiz: resolved against the config's directory like exogenous files", () => {
  const at = (quiz: string, source = SRC, session: Sections = {}) =>
    parse(elo({ session, flow: { quiz } }), source).flow.quizFile;
  assert.equal(at("data/q_and_a.json"), "lab/data/q_and_a.json");
  assert.equal(at("../shared/q.JSON"), "shared/q.JSON");
  assert.equal(at("/abs/dir/../q.json"), "/abs/q.json");
  assert.equal(at("q.json", "inline"), "q.json");
  assert.equal(at("q.json", "/srv/configs/elo.yaml"), "/srv/configs/q.json");
  // the exogenous-event directory is for the CSVs only
  assert.equal(at("q.json", SRC, { "exogenous-event-directory": "csv" }), "lab/q.json");
  // the same resolution as the exogenous files of the same config
  const c = parse(elo({ flow: { quiz: "data/q.json" } }), "/srv/configs/elo.yaml");
  const inv = c.rounds[0].investorArrivals;
  assert.equal(inv.kind === "file" && inv.path, join("/srv/configs", "data/inv.csv"));
  assert.equal(c.flow.quizFile, join("/srv/configs", "data/q.json"));
});

Deno.test("flow: environment bcs parses it too", () => {
  const c = parse(stringify({
    session: { environment: "bcs" },
    market: { "auction-format": "iex" },
    flow: { consent: "Yes?", instructions: { iex: "Bump." }, quiz: "q.json", "quiz-attempts": 4 },
  }));
  assert.equal(c.environment, "bcs");
  assert.deepEqual(c.flow, {
    ...DEFAULT_FLOW,
    consent: "Yes?",
    instructions: "Bump.",
    quizFile: "lab/q.json",
    quizAttempts: 4,
  });
});

Deno.test("flow: run-survey false is kept apart from the bank (a runtime decision)", () => {
  const c = parse(elo({ session: { "run-survey": false }, flow: { quiz: "q.json" } }));
  assert.equal(c.runSurvey, false);
  assert.equal(c.flow.quizFile, "lab/q.json");
});

// ---------------------------------------------------------------------------
// upstream's page timings

Deno.test("timings: upstream's page-timing keys are honoured, in ms", () => {
  const f = parse(elo({
    session: {
      "post-session-delay": 2.5,
      "auto-advance": 0,
      "next-button-timeout": 10,
      "instructions-next-button-timeout": 90.125,
    },
  })).flow;
  assert.equal(f.postRoundDelayMs, 2_500);
  assert.equal(f.autoAdvanceMs, 0);
  assert.equal(f.resultsNextDelayMs, 10_000);
  assert.equal(f.instructionsNextDelayMs, 90_125);
  const zero = parse(elo({
    session: { "post-session-delay": 0, "instructions-next-button-timeout": 0 },
  })).flow;
  assert.equal(zero.postRoundDelayMs, 0);
  assert.equal(zero.instructionsNextDelayMs, 0);
});

Deno.test("timings: only the feedback-page timeout still warns, saying why", () => {
  const c = parse(elo({
    session: {
      "post-session-delay": 5,
      "auto-advance": 60,
      "next-button-timeout": 0,
      "instructions-next-button-timeout": 60,
      "feedback-next-button-timeout": 60,
    },
  }));
  assert.deepEqual(c.warnings, [
    `${SRC}: session.feedback-next-button-timeout: ignored: ${
      IGNORED_UPSTREAM_KEYS["session.feedback-next-button-timeout"]
    }`,
  ]);
  assert.match(c.warnings[0], /no lab-feedback page/);
  for (
    const k of ["post-session-delay", "auto-advance", "next-button-timeout"]
      .concat("instructions-next-button-timeout")
  ) {
    assert.equal(IGNORED_UPSTREAM_KEYS[`session.${k}`], undefined, k);
    assert.ok(SESSION_CONFIG_KEYS.includes(`session.${k}`), k);
  }
});

Deno.test("timings: negative, non-numeric and sub-millisecond values are problems", () => {
  assertProblem(
    elo({ session: { "auto-advance": -1 } }),
    "session.auto-advance",
    "out of range: must be at least 0",
    "seconds",
  );
  assertProblem(
    elo({ session: { "post-session-delay": "5s" } }),
    "session.post-session-delay",
    "expected a number (seconds)",
  );
  assertProblem(
    elo({ session: { "next-button-timeout": 0.0005 } }),
    "session.next-button-timeout",
    "whole multiple of 0.001 seconds",
  );
  assertProblem(
    elo({ session: { "instructions-next-button-timeout": 1e9 } }),
    "session.instructions-next-button-timeout",
    "at most 86400",
  );
});

// ---------------------------------------------------------------------------
// participants

Deno.test("participants: by default one per seat a person plays, in every market", () => {
  assert.equal(parse(elo()).demoParticipants, 6);
  const bots = {
    "number-of-traders": 3,
    seats: [{}, {}, { bot: true, role: "automated" }],
  };
  assert.equal(parse(elo({ traders: bots })).demoParticipants, 2);
  assert.equal(
    parse(
      elo({
        market: { "number-of-markets": 2, "traders-per-market": 3 },
        traders: { seats: bots.seats },
      }),
    )
      .demoParticipants,
    4,
  );
  // an all-bot session has nobody to invite (live sessions refuse it elsewhere)
  const allBots = parse(stringify({
    session: { environment: "bcs" },
    traders: { "number-of-traders": 2, seats: [{ bot: true }, { bot: true }] },
  }));
  assert.equal(allBots.demoParticipants, 0);
});

Deno.test("participants: an explicit count is kept, and compared with the seats people play", () => {
  // upstream P4: 8 participants for 6 traders, 2 overbooked
  assert.equal(parse(elo({ demo: { "number-of-participants": 8 } })).demoParticipants, 8);
  const seats = [{}, {}, { bot: true, role: "automated" }];
  // 2 people for 3 seats of which one is a bot: nobody is underbooked
  assert.equal(
    parse(
      elo({ demo: { "number-of-participants": 2 }, traders: { "number-of-traders": 3, seats } }),
    )
      .demoParticipants,
    2,
  );
  assertProblem(
    elo({ demo: { "number-of-participants": 1 }, traders: { "number-of-traders": 3, seats } }),
    "demo.number-of-participants",
    "1 participants are fewer than the 2 seats people play",
    "1 market(s) × 2 seats without bot: true",
    "underbooked",
  );
  assertProblem(
    elo({
      market: { "number-of-markets": 2, "traders-per-market": 3 },
      demo: { "number-of-participants": 3 },
      traders: { seats },
    }),
    "demo.number-of-participants",
    "fewer than the 4 seats people play",
  );
  assert.equal(
    parse(elo({
      demo: { "number-of-participants": 1 },
      traders: { "number-of-traders": 3, seats, "allow-underbooking": true },
    })).demoParticipants,
    1,
  );
});

// ---------------------------------------------------------------------------
// problems

Deno.test("flow problems: unknown keys and misplaced keys, with did-you-mean", () => {
  assertProblem(elo({ flow: { consnet: "x" } }), "flow.consnet", "unknown key", '"consent"');
  assertProblem(
    elo({ flow: { quiz_attempts: 2, quiz: "q.json" } }),
    "flow.quiz_attempts",
    '"quiz-attempts"',
  );
  assertProblem(
    elo({ flow: { "auto-advance": 30 } }),
    "flow.auto-advance",
    "did you mean session.auto-advance? it belongs in that section",
  );
  assertProblem(
    elo({ session: { quiz: "q.json" } }),
    "session.quiz",
    "did you mean flow.quiz?",
  );
  assertProblem(elo({ flwo: { quiz: "q.json" } }), "flwo", "unknown section", '"flow"');
  assertProblem(
    elo({ flow: { instructions: { cda: "x", fab: "y" } } }),
    "flow.instructions.fab",
    "unknown key",
    "keyed by auction format",
    '"fba"',
  );
  assertProblem(
    elo({ flow: { instructions: { cda: "x", CDA: "y" } } }),
    "flow.instructions.CDA",
    "the same format as flow.instructions.cda",
  );
});

Deno.test("flow problems: bad types and ranges are all reported at once", () => {
  const found = problems(elo({
    session: { "auto-advance": -5, "next-button-timeout": true },
    market: { "auction-format": "iex" },
    demo: { "number-of-participants": 0 },
    flow: {
      consent: "   ",
      instructions: { cda: "x", iex: 3, lob: "z" },
      quiz: "q_and_a.yaml",
      "quiz-sections": ["speed", "", "speed", 7],
      "survey-sections": "general",
      "quiz-attempts": 11,
      "round-start": "manual",
    },
  }));
  assert.deepEqual(found, [
    `${SRC}: demo.number-of-participants: out of range: must be at least 1, got 0`,
    `${SRC}: flow.quiz: expected a .json question bank (upstream's q_and_a.json format), got "q_and_a.yaml"`,
    `${SRC}: flow.quiz-sections[1]: expected a section name, got ""`,
    `${SRC}: flow.quiz-sections[2]: "speed" is listed twice`,
    `${SRC}: flow.quiz-sections[3]: expected a section name, got 7`,
    `${SRC}: flow.survey-sections: expected a list of section names of the question bank, got "general"`,
    `${SRC}: flow.quiz-attempts: out of range: must be at least 1 and at most 10, got 11`,
    `${SRC}: flow.consent: expected non-empty Markdown text, got "   "`,
    `${SRC}: flow.instructions.iex: expected non-empty Markdown text, got 3`,
    `${SRC}: flow.instructions.lob: unknown key: instructions are keyed by auction format (cda, fba, iex)`,
    `${SRC}: flow.round-start: expected one of auto, experimenter, got "manual"`,
    `${SRC}: session.auto-advance: out of range: must be at least 0 and at most 86400 (seconds), got -5`,
    `${SRC}: session.next-button-timeout: expected a number (seconds), got true`,
  ]);
});

Deno.test("flow problems: wrong shapes of consent, instructions and quiz", () => {
  assertProblem(
    elo({ flow: { consent: ["a"] } }),
    "flow.consent",
    "expected non-empty Markdown text, got a list",
  );
  assertProblem(
    elo({ flow: { instructions: ["a"] } }),
    "flow.instructions",
    "expected Markdown text, or a mapping from auction format (cda, fba, iex)",
  );
  assertProblem(elo({ flow: { instructions: "" } }), "flow.instructions", "non-empty Markdown");
  assertProblem(
    elo({ flow: { instructions: { cda: null } } }),
    "flow.instructions.cda",
    "has no value",
  );
  assertProblem(elo({ flow: { quiz: 5 } }), "flow.quiz", "expected the path of a question bank");
  assertProblem(elo({ flow: { quiz: null } }), "flow.quiz", "has no value");
  assertProblem(
    elo({ flow: { quiz: "q.json", "quiz-attempts": 1.5 } }),
    "flow.quiz-attempts",
    "expected a whole number, got 1.5",
  );
  assertProblem(
    elo({ flow: { quiz: "q.json", "quiz-attempts": 0 } }),
    "flow.quiz-attempts",
    "at least 1",
  );
});

Deno.test("flow problems: quiz settings without a question bank cannot take effect", () => {
  const found = problems(elo({
    flow: { "quiz-sections": ["speed"], "survey-sections": ["general"], "quiz-attempts": 3 },
  }));
  assert.deepEqual(
    found,
    [
      "quiz-sections",
      "survey-sections",
      "quiz-attempts",
    ].map((k) => `${SRC}: flow.${k}: used only with flow.quiz, the question bank (none is set)`),
  );
  // a bank that was itself rejected does not add these on top
  assert.deepEqual(
    problems(elo({ flow: { quiz: "q.txt", "quiz-attempts": 3 } })).map((p) => p.split(": ")[1]),
    ["flow.quiz"],
  );
});

// ---------------------------------------------------------------------------
// docs and the shipped examples

Deno.test("keys: the new keys are listed for the docs", () => {
  for (
    const key of [
      "flow.consent",
      "flow.instructions",
      "flow.instructions.cda",
      "flow.instructions.fba",
      "flow.instructions.iex",
      "flow.quiz",
      "flow.quiz-sections",
      "flow.survey-sections",
      "flow.quiz-attempts",
      "flow.round-start",
      "session.post-session-delay",
      "session.auto-advance",
      "session.next-button-timeout",
      "session.instructions-next-button-timeout",
    ]
  ) {
    assert.ok(SESSION_CONFIG_KEYS.includes(key), key);
  }
});

Deno.test("examples: the P4 configs carry a consent, their format's instructions and the bank", async () => {
  const mentions = {
    cda: /continuous/i,
    fba: /batch/i,
    iex: /speed bump/i,
  };
  for (const format of ["cda", "fba", "iex"] as const) {
    const path = join(ROOT, "configs", `elo-${format}.yaml`);
    const c = parse(Deno.readTextFileSync(path), path);
    assert.deepEqual(c.warnings, []);
    assert.equal(c.demoParticipants, 8);
    const f = c.flow;
    assert.ok(f.consent && /voluntary/i.test(f.consent), format);
    assert.ok(f.instructions && mentions[format].test(f.instructions), format);
    assert.equal(f.quizFile, join(ROOT, "configs", "data", "q_and_a.json"));
    const bank = await loadQuestionBank(f.quizFile!);
    const quiz = quizFor(bank, f.quizSections, format, 1);
    assert.equal(quiz.length, format === "iex" ? 11 : 10, format);
    assert.equal(surveyFor(bank, f.surveySections).length, 7);
  }
  const demo = parse(
    Deno.readTextFileSync(join(ROOT, "configs", "elo-cda-demo.yaml")),
    "elo-cda-demo.yaml",
  );
  assert.equal(demo.demoParticipants, 2);
});

Deno.test("session config: the participation fee and the cap are whole cents", () => {
  assert.throws(
    () =>
      parseSessionConfig(
        "session:\n  participation-fee: 2.505\n  max-payment: 50.0001\n",
        "cents.yaml",
      ),
    (e: Error) =>
      /cents\.yaml: session\.participation-fee: 2\.505 has more than 2 decimals/.test(e.message) &&
      /cents\.yaml: session\.max-payment: 50\.0001 has more than 2 decimals/.test(e.message),
  );
});
