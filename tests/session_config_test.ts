/**
 * Session configs (`market/session_config.ts`, the README's "Session configuration"):
 * the shipped examples, defaults and unit conversions, every kind of
 * problem report, JSON input, and upstream P4 / BCS files loading with
 * exactly the documented warnings.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { assertProblem, elo, files, problems, type Sections, SRC } from "./config_helpers.ts";
import {
  type BcsSessionConfig,
  ConfigError,
  type EloSessionConfig,
  IGNORED_UPSTREAM_KEYS,
  parseSessionConfig,
  roundSeed,
  SESSION_CONFIG_KEYS,
  type SessionConfig,
} from "../market/session_config.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
function bcs(sections: Sections = {}): string {
  const session = sections.session as Record<string, unknown> | undefined;
  return stringify({ ...sections, session: { environment: "bcs", ...session } });
}

function parseElo(text: string, source = SRC): EloSessionConfig {
  const c = parseSessionConfig(text, source);
  assert.equal(c.environment, "elo");
  return c as EloSessionConfig;
}

function parseBcs(text: string, source = SRC): BcsSessionConfig {
  const c = parseSessionConfig(text, source);
  assert.equal(c.environment, "bcs");
  return c as BcsSessionConfig;
}

// ---------------------------------------------------------------------------
// the shipped examples

const EXAMPLES = ["elo-cda", "elo-fba", "elo-iex", "bcs-cda", "bcs-fba", "bcs-iex", "elo-cda-demo"];

function loadExample(name: string): SessionConfig {
  const path = join(ROOT, "configs", `${name}.yaml`);
  return parseSessionConfig(Deno.readTextFileSync(path), path);
}

Deno.test("examples: every config in configs/ parses without warnings and names its files", async () => {
  const found = [...Deno.readDirSync(join(ROOT, "configs"))]
    .filter((e) => e.name.endsWith(".yaml"))
    .map((e) => e.name.replace(/\.yaml$/, ""))
    .sort();
  assert.deepEqual(found, [...EXAMPLES].sort());
  for (const name of EXAMPLES) {
    const c = loadExample(name);
    assert.deepEqual(c.warnings, [], name);
    const [env, format] = name.split("-");
    assert.equal(c.environment, env, name);
    assert.equal(c.auctionFormat, format, name);
    assert.equal(c.rounds.length, c.numRounds, name);
    for (const r of c.rounds) {
      for (const s of [r.investorArrivals, r.externalFeed, r.fundamentalValueJumps]) {
        if (s?.kind === "file") assert.ok((await Deno.stat(s.path)).isFile, s.path);
      }
    }
  }
});

Deno.test("examples: the ELO configs carry the upstream P4 values", () => {
  const expected = {
    "elo-cda": { k: 0.7, d: 126, peg: 0, batch: null, bump: null },
    "elo-fba": { k: 0.2, d: 36, peg: 0, batch: 3000, bump: null },
    "elo-iex": { k: 0.2, d: 36, peg: 0.5, batch: null, bump: 1000 },
  };
  for (const [name, e] of Object.entries(expected)) {
    const c = loadExample(name) as EloSessionConfig;
    assert.equal(c.numberOfTraders, 6);
    assert.equal(c.tradersPerMarket, 6);
    assert.equal(c.roundDurationMs, 180_000);
    assert.equal(c.numRounds, 12);
    assert.deepEqual(c.trialRounds, [1, 2]);
    assert.deepEqual(c.rounds.map((r) => r.trial), [true, true, ...Array(10).fill(false)]);
    assert.equal(c.elo.kReferencePrice, e.k);
    assert.equal(c.elo.referencePriceDecayPerS, e.d);
    assert.equal(c.elo.pegProportion, e.peg);
    assert.equal(c.batchLengthMs, e.batch);
    assert.equal(c.speedBumpMs, e.bump);
    assert.equal(c.initialEndowment, 1_000_000);
    assert.equal(c.speedUnitCost, 100);
    assert.equal(c.elo.deductionRate, 0.1);
    assert.deepEqual(c.latency, { slowMs: 500, fastMs: 100, investorMs: 10 });
    for (const r of c.rounds) {
      assert.deepEqual(r.investorArrivals, {
        kind: "file",
        file: "data/investor_focal_T1_May2021.csv",
        path: join(ROOT, "configs", "data", "investor_focal_T1_May2021.csv"),
      });
      assert.equal(r.externalFeed?.file, "data/external_feed_T1_May2021.csv");
      assert.equal(r.fundamentalValueJumps, null);
    }
  }
});

Deno.test("examples: the BCS configs carry the Aldrich & López Vargas production values", () => {
  for (const format of ["cda", "fba", "iex"]) {
    const c = loadExample(`bcs-${format}`) as BcsSessionConfig;
    assert.deepEqual(c.bcs, {
      defaultRole: "out",
      fundamentalPrice: 1_000_000,
      initialSpread: 10_000,
      maxSpread: 20_000,
      jumpRatePerS: 1,
      jumpSigma: 5_000,
      investorRatePerS: 0.2,
    });
    assert.equal(c.numberOfTraders, 6);
    assert.equal(c.roundDurationMs, 240_000);
    assert.equal(c.trialRoundDurationMs, 90_000);
    assert.equal(c.initialEndowment, 200_000);
    assert.equal(c.speedUnitCost, 100);
    assert.equal(c.latency.slowMs, 500);
    assert.equal(c.latency.fastMs, 100);
    assert.equal(c.batchLengthMs, format === "fba" ? 3000 : null);
    assert.ok(c.seats.every((s) => s.spread === 10_000 && s.speed && s.bot));
    assert.deepEqual(c.seats.map((s) => s.role), ["maker", ...Array(5).fill("sniper")]);
    for (const r of c.rounds) {
      assert.deepEqual(r.investorArrivals, { kind: "generated" });
      assert.deepEqual(r.fundamentalValueJumps, { kind: "generated" });
      assert.equal(r.externalFeed, null);
    }
  }
  // one seed for all three formats: identical draws round by round
  const seeds = ["cda", "fba", "iex"].map((f) => loadExample(`bcs-${f}`).rounds.map((r) => r.seed));
  assert.deepEqual(seeds[1], seeds[0]);
  assert.deepEqual(seeds[2], seeds[0]);
});

// ---------------------------------------------------------------------------
// defaults and units

Deno.test("defaults: an ELO config with only its files is the CDA_P4 session", () => {
  const c = parseElo(elo());
  const { rounds, seats, ...rest } = c;
  assert.deepEqual(rest, {
    source: SRC,
    name: "CDA_Pilot4_2022",
    displayName: "CDA - Pilot4 - 2022",
    currency: "EUR",
    auctionFormat: "cda",
    seed: 59337,
    numRounds: 12,
    trialRounds: [1, 2],
    roundDurationMs: 180_000,
    trialRoundDurationMs: 180_000,
    runSurvey: true,
    payment: {
      exchangeRate: 0.02,
      participationFee: 25_000,
      maxPayment: 500_000,
      randomPayoff: false,
    },
    numberOfMarkets: 1,
    tradersPerMarket: 6,
    numberOfTraders: 6,
    allowUnderbooking: false,
    // one participant per seat a person plays (the six default seats)
    demoParticipants: 6,
    flow: {
      consent: null,
      instructions: null,
      quizFile: null,
      quizSections: ["inventory", "external_market", "speed", "market_specific_design"],
      surveySections: ["general"],
      quizAttempts: 2,
      roundStart: "auto",
      postRoundDelayMs: 5000,
      autoAdvanceMs: 60000,
      resultsNextDelayMs: 0,
      instructionsNextDelayMs: 60000,
    },
    batchLengthMs: null,
    speedBumpMs: null,
    latency: { slowMs: 500, fastMs: 100, investorMs: 10 },
    initialEndowment: 1_000_000,
    speedUnitCost: 100,
    warnings: [],
    seatsListed: 0,
    environment: "elo",
    elo: {
      defaultRole: "out",
      includeManualRole: true,
      includeSignedVolumeWidgets: false,
      kReferencePrice: 0.7,
      referencePriceDecayPerS: 126,
      kSignedVolume: 0.5,
      deductionRate: 0.1,
      referencePriceFormula: "ewma",
      signedVolumeFormula: "per-fill",
      repriceOnPostBatch: true,
      pegProportion: 0,
    },
  });
  assert.equal(seats.length, 6);
  assert.deepEqual(seats[5], {
    seat: 6,
    bot: false,
    role: "out",
    speed: false,
    aX: 0,
    aY: 0,
    aZ: 0,
  });
  assert.equal(rounds.length, 12);
  assert.deepEqual(rounds[2], {
    round: 3,
    trial: false,
    durationMs: 180_000,
    seed: roundSeed(59337, 3),
    investorArrivals: { kind: "file", file: "data/inv.csv", path: "lab/data/inv.csv" },
    externalFeed: { kind: "file", file: "data/ext.csv", path: "lab/data/ext.csv" },
    fundamentalValueJumps: null,
  });
});

Deno.test("defaults: format-dependent k-reference-price, peg proportion, batch and bump", () => {
  const fba = parseElo(elo({ market: { "auction-format": "FBA" } }));
  assert.equal(fba.auctionFormat, "fba");
  assert.equal(fba.elo.kReferencePrice, 0.2);
  assert.equal(fba.batchLengthMs, 3000);
  assert.equal(fba.speedBumpMs, null);
  const iex = parseElo(elo({ market: { "auction-format": "Iex" } }));
  assert.equal(iex.elo.pegProportion, 0.5);
  assert.equal(iex.speedBumpMs, 1000);
  assert.equal(iex.batchLengthMs, null);
  const b = parseBcs(bcs());
  assert.deepEqual(b.bcs, {
    defaultRole: "out",
    fundamentalPrice: 1_000_000,
    initialSpread: 10_000,
    maxSpread: 20_000,
    jumpRatePerS: 1,
    jumpSigma: 5_000,
    investorRatePerS: 0.2,
  });
  assert.deepEqual(b.rounds[0].investorArrivals, { kind: "generated" });
});

Deno.test("units: money ×10⁴ integers, seconds to ms, rates kept per second", () => {
  const c = parseElo(elo({
    session: { "participation-fee": 7.25, "max-payment": 40.5, "exchange-rate": 0.5 },
    market: { "auction-format": "fba" },
    parameters: {
      "initial-endowment": 123.4567,
      "technology-unit-cost": 0.022,
      "session-duration": 90.5,
      "batch-length": 0.25,
      "k-reference-price": 0.015,
      "k-signed-volume": 2,
    },
  }));
  assert.equal(c.initialEndowment, 1_234_567);
  assert.equal(c.speedUnitCost, 220);
  assert.equal(c.payment.participationFee, 72_500);
  assert.equal(c.payment.maxPayment, 405_000);
  assert.equal(c.payment.exchangeRate, 0.5);
  assert.equal(c.roundDurationMs, 90_500);
  assert.equal(c.batchLengthMs, 250);
  assert.equal(c.elo.kSignedVolume, 2);
  // D = round(0.015 × 90.5, 2) = round(1.3575, 2)
  assert.equal(c.elo.referencePriceDecayPerS, 1.36);
  for (const v of [c.initialEndowment, c.speedUnitCost, c.payment.participationFee]) {
    assert.ok(Number.isInteger(v));
  }
  const b = parseBcs(bcs({
    parameters: {
      "fundamental-price": 98.5,
      "initial-spread": 0.3,
      "max-spread": 4,
      "jump-sigma": 0.25,
      "jump-rate": 0.25,
      "investor-rate": 0.5,
    },
    traders: { seats: [{ role: "maker", spread: 3.5 }, { role: "SNIPER", speed: true }] },
  }));
  assert.equal(b.bcs.fundamentalPrice, 985_000);
  assert.equal(b.bcs.initialSpread, 3_000);
  assert.equal(b.bcs.maxSpread, 40_000);
  assert.equal(b.bcs.jumpSigma, 2_500);
  assert.equal(b.bcs.jumpRatePerS, 0.25);
  assert.equal(b.bcs.investorRatePerS, 0.5);
  assert.deepEqual(b.seats.slice(0, 3), [
    { seat: 1, bot: false, role: "maker", speed: false, spread: 35_000 },
    { seat: 2, bot: false, role: "sniper", speed: true, spread: 3_000 },
    { seat: 3, bot: false, role: "out", speed: false, spread: 3_000 },
  ]);
});

Deno.test("rounds: trial length, round seeds, and files resolved per round", () => {
  const c = parseBcs(bcs({
    session: {
      "num-rounds": 4,
      "trial-rounds": [2, 1],
      "trial-length": 90,
      seed: 7,
      "exogenous-event-directory": "../shared",
    },
    parameters: { "session-duration": 240 },
    "exogenous-events": {
      "investor-arrivals": ["a.csv", "b.csv", "c.csv", "/abs/d.csv", "unused.csv"],
    },
  }));
  assert.deepEqual(c.trialRounds, [1, 2]);
  assert.deepEqual(c.rounds.map((r) => r.durationMs), [90_000, 90_000, 240_000, 240_000]);
  assert.deepEqual(c.rounds.map((r) => r.seed), [1, 2, 3, 4].map((r) => roundSeed(7, r)));
  assert.equal(new Set(c.rounds.map((r) => r.seed)).size, 4);
  assert.deepEqual(
    c.rounds.map((r) => r.investorArrivals.kind === "file" ? r.investorArrivals.path : null),
    ["shared/a.csv", "shared/b.csv", "shared/c.csv", "/abs/d.csv"],
  );
  assert.ok(c.rounds.every((r) => r.fundamentalValueJumps?.kind === "generated"));
  // a source without a directory resolves against the working directory
  const d = parseElo(elo(), "inline");
  assert.equal(d.rounds[0].externalFeed?.path, "data/ext.csv");
  assert.equal(roundSeed(7, 1), roundSeed(7, 1));
  assert.notEqual(roundSeed(7, 1), roundSeed(8, 1));
});

Deno.test("markets: number-of-markets, traders-per-market and number-of-traders agree", () => {
  const a = parseElo(
    elo({ market: { "number-of-markets": 2 }, traders: { "number-of-traders": 8 } }),
  );
  assert.deepEqual([a.numberOfMarkets, a.tradersPerMarket, a.numberOfTraders], [2, 4, 8]);
  assert.equal(a.seats.length, 4);
  const b = parseElo(elo({ market: { "number-of-markets": 3, "traders-per-market": 5 } }));
  assert.deepEqual([b.numberOfMarkets, b.tradersPerMarket, b.numberOfTraders], [3, 5, 15]);
});

Deno.test("seats: ELO strategies per seat, defaults for the rest", () => {
  const c = parseElo(elo({
    parameters: { "default-role": "automated", "include-signed-volume-widgets": true },
    traders: {
      "number-of-traders": 3,
      seats: [
        { role: "out" },
        { bot: true, speed: true, "a-x": 0.3, "a-y": 0.5, "a-z": 1 },
      ],
    },
  }));
  assert.deepEqual(c.seats, [
    { seat: 1, bot: false, role: "out", speed: false, aX: 0, aY: 0, aZ: 0 },
    { seat: 2, bot: true, role: "automated", speed: true, aX: 0.3, aY: 0.5, aZ: 1 },
    { seat: 3, bot: false, role: "automated", speed: false, aX: 0, aY: 0, aZ: 0 },
  ]);
});

Deno.test("docs: the README documents every key and every ignored upstream key", () => {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const doc = readme.slice(readme.indexOf("## Session configuration"), readme.indexOf("## Tests"));
  for (const key of [...SESSION_CONFIG_KEYS, ...Object.keys(IGNORED_UPSTREAM_KEYS)]) {
    assert.ok(doc.includes(`\`${key}\``), `the README's Session configuration lacks \`${key}\``);
  }
  const yamlBlock = doc.split("```yaml\n")[1].split("```")[0];
  const c = parseBcs(yamlBlock, "README.md");
  assert.deepEqual(c.seats.map((s) => s.role), [
    "maker",
    "sniper",
    "sniper",
    "sniper",
    "sniper",
    "out",
  ]);
  assert.equal(c.seats[0].spread, 5_000);
});

// ---------------------------------------------------------------------------
// problems

Deno.test("problems: unknown keys and sections, with did-you-mean", () => {
  assertProblem(
    elo({ session: { "sesion-name": "x" } }),
    "session.sesion-name",
    "unknown key",
    '"session-name"',
  );
  assertProblem(
    elo({ parameters: { k_reference_price: 0.5 } }),
    "parameters.k_reference_price",
    '"k-reference-price"',
  );
  assertProblem(
    elo({ session: { "session-duration": 60 } }),
    "session.session-duration",
    "unknown key",
    "parameters.session-duration",
  );
  assertProblem(elo({ sesion: { "num-rounds": 3 } }), "sesion", "unknown section", '"session"');
  assertProblem(
    elo({ parameters: { "frobnicate-level": 3 } }),
    "parameters.frobnicate-level",
    "unknown key",
  );
  assert.ok(!problems(elo({ parameters: { "frobnicate-level": 3 } }))[0].includes("did you mean"));
  assertProblem(
    elo({ traders: { seats: [{ role: "out", a_z: 0.5 }] } }),
    "traders.seats[0].a_z",
    "unknown key",
    '"a-z"',
  );
});

Deno.test("problems: wrong types", () => {
  assertProblem(
    elo({ session: { "num-rounds": "twelve" } }),
    "session.num-rounds",
    "expected a number",
    '"twelve"',
  );
  assertProblem(
    elo({ session: { "random-payoff": "yes" } }),
    "session.random-payoff",
    "true or false",
    "YAML 1.2",
  );
  assertProblem(elo({ session: { "trial-rounds": 1 } }), "session.trial-rounds", "expected a list");
  assertProblem(
    elo({ market: { "auction-format": "cont" } }),
    "market.auction-format",
    "one of cda, fba, iex",
  );
  assertProblem(elo({ session: { "num-rounds": 2.5 } }), "session.num-rounds", "whole number");
  assertProblem(elo({ market: "cda" }), "market", "expected a mapping");
  assertProblem(
    elo({ "exogenous-events": { "investor-arrivals": [...files("inv", 11), 42] } }),
    "exogenous-events.investor-arrivals[11]",
    "expected a CSV file name",
  );
  assertProblem("session:\n  num-rounds:\n" + elo(), "session.num-rounds", "no value");
  assertProblem(elo({ session: { currency: "euro" } }), "session.currency", "ISO 4217");
});

Deno.test("problems: out of range and below the 1/10,000 grid", () => {
  assertProblem(
    elo({ parameters: { "deduction-rate": 1.5 } }),
    "parameters.deduction-rate",
    "out of range",
    "at most 1",
    "1.5",
  );
  assertProblem(
    elo({ parameters: { "session-duration": 0 } }),
    "parameters.session-duration",
    "greater than 0",
  );
  assertProblem(elo({ session: { "num-rounds": 0 } }), "session.num-rounds", "at least 1");
  assertProblem(
    elo({ parameters: { "slow-latency-ms": -5 } }),
    "parameters.slow-latency-ms",
    "at least 0",
  );
  assertProblem(
    elo({ parameters: { "technology-unit-cost": 0.00015 } }),
    "parameters.technology-unit-cost",
    "whole multiple of 0.0001 ECU",
  );
  assertProblem(
    elo({ parameters: { "session-duration": 0.0005 } }),
    "parameters.session-duration",
    "0.001 seconds",
  );
  assertProblem(
    elo({ traders: { seats: [{ role: "automated", "a-y": 2 }] } }),
    "traders.seats[0].a-y",
    "at most 1",
  );
  assertProblem(
    bcs({ traders: { seats: [{ role: "maker", spread: 2.5 }] } }),
    "traders.seats[0].spread",
    "at most 2",
  );
  assertProblem(
    elo({ market: { "traders-per-market": 27 } }),
    "market.traders-per-market",
    "at most 26",
  );
});

Deno.test("problems: file lists shorter than num-rounds; missing ELO files", () => {
  assertProblem(
    elo({ "exogenous-events": { "external-feed": files("ext", 10) } }),
    "exogenous-events.external-feed",
    "lists 10 files",
    "num-rounds is 12",
  );
  assert.deepEqual(problems(elo({ session: { "num-rounds": 13, "trial-rounds": [1] } })), [
    `${SRC}: exogenous-events.investor-arrivals: lists 12 files but session.num-rounds is 13: one file per round`,
    `${SRC}: exogenous-events.external-feed: lists 12 files but session.num-rounds is 13: one file per round`,
  ]);
  assertProblem(
    stringify({ "exogenous-events": { "investor-arrivals": files("inv") } }),
    "exogenous-events.external-feed",
    "missing",
  );
  assertProblem(
    elo({ "exogenous-events": { "external-feed": ["a.txt", ...files("ext")] } }),
    "exogenous-events.external-feed[0]",
    ".csv",
  );
});

Deno.test("problems: trial rounds", () => {
  assertProblem(
    elo({ session: { "num-rounds": 3, "trial-rounds": [1, 4] } }),
    "session.trial-rounds[1]",
    "round 4 is outside 1..3",
  );
  assertProblem(elo({ session: { "trial-rounds": [0] } }), "session.trial-rounds[0]", "at least 1");
  assertProblem(
    elo({ session: { "trial-rounds": [2, 2] } }),
    "session.trial-rounds[1]",
    "listed twice",
  );
  assertProblem(
    elo({ session: { "num-rounds": 2, "trial-rounds": [1, 2] } }),
    "session.trial-rounds",
    "none would be paid",
  );
  assertProblem(
    elo({ session: { "num-rounds": 2 } }),
    "session.trial-rounds",
    "default [1, 2]",
    "set trial-rounds",
  );
  assert.deepEqual(
    parseElo(elo({ session: { "num-rounds": 1, "trial-rounds": [] } })).trialRounds,
    [],
  );
  assertProblem(
    elo({ session: { "trial-rounds": [], "trial-length": 60 } }),
    "session.trial-length",
    "no trial round",
  );
});

Deno.test("problems: settings of another environment or format", () => {
  assertProblem(
    elo({ parameters: { "max-spread": 2 } }),
    "parameters.max-spread",
    "used only with environment bcs",
  );
  assertProblem(
    bcs({ parameters: { "deduction-rate": 0.1 } }),
    "parameters.deduction-rate",
    "used only with environment elo",
  );
  assertProblem(
    bcs({ "exogenous-events": { "external-feed": files("ext") } }),
    "exogenous-events.external-feed",
    "environment elo",
  );
  assertProblem(
    elo({ "exogenous-events": { "fundamental-value-jumps": files("jumps") } }),
    "exogenous-events.fundamental-value-jumps",
    "environment bcs",
  );
  assertProblem(
    elo({ parameters: { "peg-proportion": 0.5 } }),
    "parameters.peg-proportion",
    "only with auction-format iex",
  );
  assert.equal(parseElo(elo({ parameters: { "peg-proportion": 0 } })).elo.pegProportion, 0);
  assertProblem(
    elo({ parameters: { "speed-bump-ms": 350 } }),
    "parameters.speed-bump-ms",
    "auction-format iex",
  );
  assertProblem(
    elo({ parameters: { "reprice-on-post-batch": false } }),
    "parameters.reprice-on-post-batch",
    "auction-format fba",
  );
  assertProblem(
    bcs({
      parameters: { "jump-rate": 2 },
      "exogenous-events": { "fundamental-value-jumps": files("jumps") },
    }),
    "parameters.jump-rate",
    "lists files",
  );
  assertProblem(
    bcs({ traders: { seats: [{ role: "maker", "a-z": 1 }] } }),
    "traders.seats[0].a-z",
    "environment elo",
  );
  assertProblem(
    elo({ traders: { seats: [{ role: "automated", spread: 1 }] } }),
    "traders.seats[0].spread",
    "environment bcs",
  );
  assertProblem(
    elo({ parameters: { "default-role": "maker" } }),
    "parameters.default-role",
    "out, manual, automated",
  );
  assertProblem(
    bcs({ parameters: { "default-role": "manual" } }),
    "parameters.default-role",
    "out, maker, sniper",
  );
});

Deno.test("problems: settings that cannot work together", () => {
  assertProblem(
    elo({ parameters: { "fast-latency-ms": 600 } }),
    "parameters.fast-latency-ms",
    "slower than parameters.slow-latency-ms",
  );
  assertProblem(
    bcs({ parameters: { "initial-spread": 3 } }),
    "parameters.initial-spread",
    "wider than the maximum",
  );
  assertProblem(
    elo({ market: { "auction-format": "fba" }, parameters: { "batch-length": 200 } }),
    "parameters.batch-length",
    "longer than a round",
  );
  assertProblem(
    elo({ market: { "number-of-markets": 4 } }),
    "traders.number-of-traders",
    "cannot be split evenly into 4 markets",
  );
  assertProblem(
    elo({ market: { "traders-per-market": 4 }, traders: { "number-of-traders": 6 } }),
    "traders.number-of-traders",
    "= 4",
  );
  assertProblem(
    elo({ demo: { "number-of-participants": 4 } }),
    "demo.number-of-participants",
    "underbooked",
  );
  assert.equal(
    parseElo(
      elo({ demo: { "number-of-participants": 4 }, traders: { "allow-underbooking": true } }),
    )
      .demoParticipants,
    4,
  );
  assertProblem(
    elo({ parameters: { "default-role": "manual", "include-manual-role": false } }),
    "parameters.default-role",
    "include-manual-role is false",
  );
  assertProblem(
    elo({ traders: { seats: [{ bot: true, role: "manual" }] } }),
    "traders.seats[0].role",
    "a bot cannot play the manual role",
  );
  assertProblem(
    elo({ parameters: { "default-role": "manual" }, traders: { seats: [{ bot: true }] } }),
    "traders.seats[0].bot",
    "default-role is manual",
  );
  assertProblem(
    elo({ traders: { seats: [{ role: "automated", "a-x": 0.5 }] } }),
    "traders.seats[0].a-x",
    "include-signed-volume-widgets",
  );
  assertProblem(
    elo({ traders: { "number-of-traders": 2, seats: [{}, {}, {}] } }),
    "traders.seats",
    "lists 3 seats but a market has 2 traders",
  );
  assertProblem(
    elo({ parameters: { "session-duration": 180, "period-length": 240 } }),
    "parameters.period-length",
    "conflicts with parameters.session-duration",
  );
  assertProblem(
    elo({ session: { "random-payoff": true, "random-round-payment": false } }),
    "session.random-round-payment",
    "conflicts",
  );
});

Deno.test("problems: several at once, one line each, in one ConfigError", () => {
  const text = elo({
    session: { "num-rounds": 3, "trial-rounds": [1, 5], "exchange-rat": 0.02 },
    market: { "auction-format": "cda" },
    parameters: {
      "deduction-rate": -1,
      "peg-proportion": 0.3,
      "technology-unit-cost": "cheap",
      "max-spread": 2,
    },
    traders: { "allow-underbooking": "no" },
  });
  let error: ConfigError | undefined;
  try {
    parseSessionConfig(text, "cfg/bad.yaml");
  } catch (e) {
    error = e as ConfigError;
  }
  assert.ok(error instanceof ConfigError);
  assert.equal(error.name, "ConfigError");
  const paths = error.problems.map((p) => {
    assert.match(p, /^cfg\/bad\.yaml: [a-z-]+(\.[a-z_-]+(\[\d+\])?)*: \S/);
    return p.split(": ")[1];
  });
  assert.deepEqual(
    new Set(paths),
    new Set([
      "session.exchange-rat",
      "session.trial-rounds[1]",
      "parameters.deduction-rate",
      "parameters.peg-proportion",
      "parameters.technology-unit-cost",
      "parameters.max-spread",
      "traders.allow-underbooking",
    ]),
  );
  assert.ok(error.message.startsWith("invalid session config (7 problems):\n"));
  for (const p of error.problems) assert.ok(error.message.includes(`\n${p}`));
});

Deno.test("problems: YAML syntax errors name line and column", () => {
  const [p] = problems("session:\n  num-rounds: [1, 2\nmarket: {}\n");
  assert.match(p, /^lab\/t\.yaml: line 3, column 1: YAML error: /);
  const [dup] = problems("session:\n  num-rounds: 3\n  num-rounds: 4\n");
  assert.equal(
    dup,
    `${SRC}: line 3, column 3: duplicate key "num-rounds": each key may appear once per mapping`,
  );
  assert.match(problems("session: {}\n---\nmarket: {}\n")[0], /multiple documents/);
  assertProblem("- session\n- market\n", "(document)", "expected a mapping of sections", "a list");
  assert.match(
    problems("a: !!python/tuple [1]\n")[0],
    /line 1, column 4: YAML error: Unresolved tag/,
  );
});

// ---------------------------------------------------------------------------
// JSON

Deno.test("JSON: a JSON config parses like its YAML twin", () => {
  const sections = {
    session: { "num-rounds": 3, "trial-rounds": [1], seed: 11 },
    market: { "auction-format": "IEX" },
    parameters: { "peg-proportion": 0.25, "technology-unit-cost": 0.022 },
    "exogenous-events": { "investor-arrivals": files("inv", 3), "external-feed": files("ext", 3) },
  };
  const fromJson = parseElo(JSON.stringify(sections, null, 2), "lab/t.json");
  const fromYaml = parseElo(stringify(sections), "lab/t.yaml");
  assert.deepEqual({ ...fromJson, source: "" }, { ...fromYaml, source: "" });
  assert.equal(fromJson.elo.pegProportion, 0.25);
  assert.equal(fromJson.speedUnitCost, 220);
});

Deno.test("JSON: syntax errors say JSON, with line and column", () => {
  const text = '{\n  "session": {\n    "num-rounds": 3,\n  }\n}\n';
  const found = problems(text, "lab/t.json");
  assert.equal(found.length, 1);
  assert.match(found[0], /^lab\/t\.json: line 4, column 3: JSON syntax error: /);
  // text that starts like JSON is reported as JSON even without the extension
  assert.match(
    problems('{"session": {"num-rounds" 3}}', "inline")[0],
    /^inline: line 1, column 27: JSON syntax error/,
  );
  // JSON.parse keeps the last duplicate silently; the config must not
  assert.match(
    problems('{"session": {"seed": 1, "seed": 2}}', "lab/t.json")[0],
    /duplicate key "seed"/,
  );
  // JSON problems past syntax use the same paths as YAML
  const bad = problems('{"session": {"num-rounds": "3"}}', "lab/t.json");
  assert.ok(bad.includes('lab/t.json: session.num-rounds: expected a number, got "3"'));
});

// ---------------------------------------------------------------------------
// upstream files

const UPSTREAM_FILES = [9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2];

/** CDA_P4.yaml as leeps-hft-app.md §9 describes it (PyYAML style booleans and all). */
const UPSTREAM_CDA_P4 = `session:
  session-name: CDA_Pilot4_2022
  display-name: CDA - Pilot4 - 2022
  environment: elo
  currency: EUR
  num-rounds: 12
  exchange-rate: 0.02
  participation-fee: 2.5
  post-session-delay: 5
  auto-advance: 60
  next-button-timeout: 0
  instructions-next-button-timeout: 60
  feedback-next-button-timeout: 60
  random-payoff: False
  max-payment: 50
  trial-rounds: [1, 2]
  run-survey: True

demo:
  number-of-participants: 8

traders:
  number-of-traders: 6
  allow-underbooking: False

market:
  auction-format: CDA
  matching-engine-host: 127.0.0.1

parameters:
  default-role: out
  include-manual-role: True
  include-signed-volume-widgets: False
  initial-endowment: 100
  k-reference-price: 0.7
  k-signed-volume: 0.5
  deduction-rate: 0.1
  technology-unit-cost: 0.01
  session-duration: 180

exogenous-events:
  investor-arrivals:
${UPSTREAM_FILES.map((t) => `    - investor_focal_T${t}_May2021.csv`).join("\n")}
  external-feed:
${UPSTREAM_FILES.map((t) => `    - external_feed_T${t}_May2021.csv`).join("\n")}
`;

Deno.test("upstream: CDA_P4 loads with exactly the documented warnings and the defaults", () => {
  const source = "upstream/CDA_P4.yaml";
  const c = parseElo(UPSTREAM_CDA_P4, source);
  assert.deepEqual(
    c.warnings,
    [
      "session.feedback-next-button-timeout",
      "market.matching-engine-host",
    ].map((p) => `${source}: ${p}: ignored: ${IGNORED_UPSTREAM_KEYS[p]}`),
  );
  // every value it sets is the default, but for its 8 participants on 6 seats (2 overbooked)
  const d = parseElo(elo(), source);
  const strip = (x: EloSessionConfig) => ({ ...x, rounds: [], warnings: [] });
  assert.deepEqual(strip(c), { ...strip(d), demoParticipants: 8 });
  assert.equal(
    c.rounds[2].investorArrivals.kind === "file" && c.rounds[2].investorArrivals.path,
    "upstream/investor_focal_T1_May2021.csv",
  );
});

Deno.test("upstream: the IEX example's tax-rate and FBA-P4 style files load with warnings", () => {
  const iex = UPSTREAM_CDA_P4
    .replace("auction-format: CDA", "auction-format: IEX")
    .replace(
      "k-reference-price: 0.7",
      "k-reference-price: 0.2\n  peg-proportion: 0.5\n  tax-rate: 0.1",
    );
  const c = parseElo(iex, "upstream/IEX_P4.yaml");
  assert.equal(c.elo.pegProportion, 0.5);
  assert.equal(c.warnings.length, 3);
  assert.ok(c.warnings.includes(
    `upstream/IEX_P4.yaml: parameters.tax-rate: ignored: ${
      IGNORED_UPSTREAM_KEYS["parameters.tax-rate"]
    }`,
  ));
  const fba = UPSTREAM_CDA_P4.replace("auction-format: CDA", "auction-format: FBA")
    .replace("session-duration: 180", "session-duration: 180\n  batch-length: 3");
  const f = parseElo(fba, "upstream/FBA_P4.yaml");
  assert.equal(f.batchLengthMs, 3000);
  assert.equal(f.warnings.length, 2);
});

Deno.test("upstream: a legacy BCS file loads with its aliases and documented warnings", () => {
  const text = `session:
  session-name: bcs_cda_20171206
  environment: BCS
  trial: True
  trial-length: 90
  num-rounds: 9
  trial-rounds: [1]
  random-round-payment: True
  participation-fee: 5
  exchange-rate: 0.5
  exogenous-event-directory: exogenous_events
  auto-advance: 30
market:
  auction-format: CDA
  matching-engine-host: 127.0.0.1
  number-of-markets: 2
demo:
  number-of-participants: 12
traders:
  number-of-traders: 12
parameters:
  technology-unit-cost: 0.01
  fundamental-price: 100
  initial-spread: 1
  max-spread: 2
  initial-endowment: 20
  period-length: 240
  batch-length: 3
exogenous-events:
  investor-arrivals: [${Array.from({ length: 9 }, (_, i) => `inv_${i + 1}.csv`).join(", ")}]
  fundamental-value-jumps: [${Array.from({ length: 9 }, (_, i) => `jumps_${i + 1}.csv`).join(", ")}]
`;
  const c = parseBcs(text, "legacy/bcs.yaml");
  assert.deepEqual(c.warnings.map((w) => w.split(": ")[1]), [
    "session.trial",
    "market.matching-engine-host",
    "parameters.batch-length",
  ]);
  assert.equal(c.roundDurationMs, 240_000);
  assert.equal(c.trialRoundDurationMs, 90_000);
  assert.equal(c.payment.randomPayoff, true);
  assert.equal(c.batchLengthMs, null);
  assert.deepEqual([c.numberOfMarkets, c.tradersPerMarket], [2, 6]);
  const r9 = c.rounds[8];
  assert.equal(
    r9.fundamentalValueJumps?.kind === "file" && r9.fundamentalValueJumps.path,
    "legacy/exogenous_events/jumps_9.csv",
  );
  assert.equal(
    r9.investorArrivals.kind === "file" && r9.investorArrivals.path,
    "legacy/exogenous_events/inv_9.csv",
  );
});

Deno.test("problems: a rejected environment does not pile on guesses about the other one", () => {
  assertProblem(
    stringify({ session: { environment: "bsc" }, parameters: { "max-spread": 2 } }),
    "session.environment",
    "one of elo, bcs",
    '"bsc"',
  );
});
