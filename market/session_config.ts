/**
 * Session configuration: one YAML (or JSON) file per treatment, in the layout
 * of the upstream Leeps app's `session_config/session_configs/*.yaml`
 * (shared reference `leeps-hft-app.md` §9, BCS keys §2.2), parsed into a
 * typed, fully defaulted {@link SessionConfig} in the units the market code
 * uses: money and prices in integer 1/10,000 units, durations in integer
 * milliseconds, formats lower-case.
 *
 * Upstream turned a missing key into `None` with a log line and crashed or
 * misbehaved later; here every key has a documented default, and every
 * problem in a file (unknown or misspelt keys, wrong types, out-of-range
 * values, file lists shorter than the rounds, settings that cannot work
 * together) is collected and reported at once in a {@link ConfigError}, so
 * an experimenter fixes a config in one pass before the lab fills up.
 * Upstream keys that hft-lab deliberately does not use are accepted so that
 * upstream files still load, but each one is listed in
 * {@link SessionConfig.warnings}.
 *
 * No I/O: exogenous and question-bank file names are resolved to paths
 * against the config's own directory, and the caller reads them. The key-by-key reference is
 * `README.md, section Session configuration`.
 */

import { dirname, isAbsolute, join, normalize } from "node:path";
import { parseDocument } from "yaml";
import { MAX_ASK, roundHalfEven, TICKS_PER_ECU } from "./price_grid.ts";

export type Environment = "elo" | "bcs";
export type AuctionFormat = "cda" | "fba" | "iex";
export type EloRole = "out" | "manual" | "automated";
export type BcsRole = "out" | "maker" | "sniper";
/** `ewma`: the correct weighted average (required); `upstream`: upstream's per-message formula. */
export type ReferencePriceFormula = "ewma" | "upstream";
/** `per-fill`: one update per fill (required); `upstream`: ±0.5 per `E` message. */
export type SignedVolumeFormula = "per-fill" | "upstream";

/** An exogenous schedule read from a CSV file. */
export interface ExogenousFile {
  kind: "file";
  /** The name as written in the config (upstream's `upload_name`). */
  file: string;
  /** Resolved against the config file's directory and `session.exogenous-event-directory`. */
  path: string;
}

/** An exogenous schedule drawn from the round's seed with the BCS generator parameters. */
export interface GeneratedSchedule {
  kind: "generated";
}

export type ExogenousSource = ExogenousFile | GeneratedSchedule;

export interface RoundConfig {
  /** 1-based. */
  round: number;
  /** Practice round: played like the others, paid 0. */
  trial: boolean;
  durationMs: number;
  /** Seed of every random draw in this round, shared by all its markets. */
  seed: number;
  investorArrivals: ExogenousSource;
  /** ELO only; null in BCS. */
  externalFeed: ExogenousFile | null;
  /** BCS only; null in ELO. */
  fundamentalValueJumps: ExogenousSource | null;
}

export interface PaymentConfig {
  /** Currency per ECU (upstream `real_world_currency_per_point`). */
  exchangeRate: number;
  /** 1/10,000 currency units. */
  participationFee: number;
  /** Cap on earnings above the fee, 1/10,000 currency units. */
  maxPayment: number;
  /** Pay one random non-trial round instead of the sum. */
  randomPayoff: boolean;
}

export interface LatencyConfig {
  /** Trader → exchange with speed off. */
  slowMs: number;
  /** Trader → exchange with speed on. */
  fastMs: number;
  /** Investor → exchange. */
  investorMs: number;
}

export interface EloSeatConfig {
  /** 1-based seat within its market (the firm letter A, B, …). */
  seat: number;
  /** Played by a scripted bot instead of a person. */
  bot: boolean;
  role: EloRole;
  speed: boolean;
  /** Sliders 0..1: signed volume, inventory, external feed. */
  aX: number;
  aY: number;
  aZ: number;
}

export interface BcsSeatConfig {
  seat: number;
  bot: boolean;
  role: BcsRole;
  speed: boolean;
  /** Maker spread, 1/10,000 ECU. */
  spread: number;
}

export interface EloParameters {
  defaultRole: EloRole;
  includeManualRole: boolean;
  includeSignedVolumeWidgets: boolean;
  kReferencePrice: number;
  /** D = round(k-reference-price × session-duration in s, 2), per second (§5.2). */
  referencePriceDecayPerS: number;
  /** Per second. */
  kSignedVolume: number;
  /** Share of |inventory × reference price| deducted at round end. */
  deductionRate: number;
  referencePriceFormula: ReferencePriceFormula;
  signedVolumeFormula: SignedVolumeFormula;
  repriceOnPostBatch: boolean;
  /** Probability that an investor order is sent midpoint-pegged (IEX only; 0 otherwise). */
  pegProportion: number;
}

export interface BcsParameters {
  defaultRole: BcsRole;
  /** V₀, 1/10,000 ECU. */
  fundamentalPrice: number;
  /** 1/10,000 ECU. */
  initialSpread: number;
  /** S̄, 1/10,000 ECU. */
  maxSpread: number;
  /** λ_V, jumps per second (generated schedules only). */
  jumpRatePerS: number;
  /** σ of a jump, 1/10,000 ECU (generated schedules only). */
  jumpSigma: number;
  /** λ_I, investors per second (generated schedules only). */
  investorRatePerS: number;
}

/** The pages around the market (section `flow`, and upstream's page timeouts). */
export interface FlowConfig {
  /** Markdown of the consent page (flow.consent); null: no consent page, everyone takes part. */
  consent: string | null;
  /** Markdown instructions for this config's auction format (flow.instructions); null: none. */
  instructions: string | null;
  /**
   * The question bank in upstream's q_and_a.json format (flow.quiz), resolved
   * against the config's directory; null: no quiz and no survey.
   */
  quizFile: string | null;
  /** Sections asked before the first paid round (flow.quiz-sections). */
  quizSections: string[];
  /** Sections asked after the last round (flow.survey-sections). */
  surveySections: string[];
  /** Tries per quiz question before the right answer is shown (flow.quiz-attempts). */
  quizAttempts: number;
  /** Rounds start when everyone is ready ("auto"), or only by the experimenter (flow.round-start). */
  roundStart: "auto" | "experimenter";
  /** The trading page stays up this long after the round ends (session.post-session-delay). */
  postRoundDelayMs: number;
  /** The results page moves on by itself after this long; 0: never (session.auto-advance). */
  autoAdvanceMs: number;
  /** "Next" on the results page appears after this long (session.next-button-timeout). */
  resultsNextDelayMs: number;
  /** "Next" on the instructions appears after this long (session.instructions-next-button-timeout). */
  instructionsNextDelayMs: number;
}

interface SessionConfigBase {
  /** The `source` argument: a file path, or any label for text from elsewhere. */
  source: string;
  name: string;
  displayName: string;
  currency: string;
  auctionFormat: AuctionFormat;
  seed: number;
  numRounds: number;
  /** 1-based, ascending. */
  trialRounds: number[];
  roundDurationMs: number;
  trialRoundDurationMs: number;
  /** One entry per round, round 1 first. */
  rounds: RoundConfig[];
  runSurvey: boolean;
  payment: PaymentConfig;
  numberOfMarkets: number;
  tradersPerMarket: number;
  /** Traders admitted to the session: numberOfMarkets × tradersPerMarket. */
  numberOfTraders: number;
  allowUnderbooking: boolean;
  /**
   * Participants (links) of a live session: demo.number-of-participants, or by
   * default as many as the markets have seats for people.
   */
  demoParticipants: number;
  flow: FlowConfig;
  /** FBA batch interval; null for other formats. */
  batchLengthMs: number | null;
  /** IEX speed bump; null for other formats. */
  speedBumpMs: number | null;
  latency: LatencyConfig;
  /** Per trader per round, 1/10,000 ECU. */
  initialEndowment: number;
  /** 1/10,000 ECU per second of speed. */
  speedUnitCost: number;
  /**
   * How many seats `traders.seats` lists (the rest take the defaults). A
   * simulation with no listed seat fills every seat with its default bots.
   */
  seatsListed: number;
  /** Accepted but unused upstream keys, as `<source>: <path>: <why>`. */
  warnings: string[];
}

export interface EloSessionConfig extends SessionConfigBase {
  environment: "elo";
  elo: EloParameters;
  /** One per seat of a market, seat 1 first. */
  seats: EloSeatConfig[];
}

export interface BcsSessionConfig extends SessionConfigBase {
  environment: "bcs";
  bcs: BcsParameters;
  /** One per seat of a market, seat 1 first. */
  seats: BcsSeatConfig[];
}

export type SessionConfig = EloSessionConfig | BcsSessionConfig;

/** Every problem found in one config, one per line as `<source>: <path>: <problem>`. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    const n = problems.length;
    super(`invalid session config (${n} problem${n === 1 ? "" : "s"}):\n${problems.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const SECTIONS = [
  "session",
  "market",
  "demo",
  "traders",
  "parameters",
  "exogenous-events",
  "flow",
  "tests",
] as const;
type Section = typeof SECTIONS[number];

/** Keys hft-lab reads, by section. */
const KEYS: Record<Section, readonly string[]> = {
  session: [
    "session-name",
    "display-name",
    "environment",
    "currency",
    "num-rounds",
    "trial-rounds",
    "trial-length",
    "exchange-rate",
    "participation-fee",
    "max-payment",
    "random-payoff",
    "random-round-payment",
    "run-survey",
    "seed",
    "exogenous-event-directory",
    "post-session-delay",
    "auto-advance",
    "next-button-timeout",
    "instructions-next-button-timeout",
  ],
  market: ["auction-format", "number-of-markets", "traders-per-market"],
  demo: ["number-of-participants"],
  traders: ["number-of-traders", "allow-underbooking", "seats"],
  parameters: [
    "session-duration",
    "period-length",
    "initial-endowment",
    "technology-unit-cost",
    "default-role",
    "slow-latency-ms",
    "fast-latency-ms",
    "investor-latency-ms",
    "batch-length",
    "speed-bump-ms",
    "include-manual-role",
    "include-signed-volume-widgets",
    "k-reference-price",
    "k-signed-volume",
    "deduction-rate",
    "peg-proportion",
    "reference-price-formula",
    "signed-volume-formula",
    "reprice-on-post-batch",
    "fundamental-price",
    "initial-spread",
    "max-spread",
    "jump-rate",
    "jump-sigma",
    "investor-rate",
  ],
  "exogenous-events": ["investor-arrivals", "external-feed", "fundamental-value-jumps"],
  flow: [
    "consent",
    "instructions",
    "quiz",
    "quiz-sections",
    "survey-sections",
    "quiz-attempts",
    "round-start",
  ],
  tests: [],
};

export const AUCTION_FORMATS: readonly AuctionFormat[] = ["cda", "fba", "iex"];

const SEAT_KEYS = ["role", "speed", "bot", "a-x", "a-y", "a-z", "spread"] as const;

// Keys only one environment reads. Set in the other they are errors, not warnings: no
// upstream file mixes them, so they come from a config edited for the wrong environment.
const ELO_ONLY = new Set([
  "parameters.include-manual-role",
  "parameters.include-signed-volume-widgets",
  "parameters.k-reference-price",
  "parameters.k-signed-volume",
  "parameters.deduction-rate",
  "parameters.peg-proportion",
  "parameters.reference-price-formula",
  "parameters.signed-volume-formula",
  "parameters.reprice-on-post-batch",
  "exogenous-events.external-feed",
]);
const BCS_ONLY = new Set([
  "parameters.fundamental-price",
  "parameters.initial-spread",
  "parameters.max-spread",
  "parameters.jump-rate",
  "parameters.jump-sigma",
  "parameters.investor-rate",
  "exogenous-events.fundamental-value-jumps",
]);

/**
 * Upstream keys accepted so upstream files load, with the reason each is not
 * used. (`parameters.batch-length` outside FBA warns too, from the parser:
 * upstream BCS files carry it for every format.)
 */
export const IGNORED_UPSTREAM_KEYS: Readonly<Record<string, string>> = {
  "session.feedback-next-button-timeout":
    "it timed upstream's payout Feedback page (a link to the lab's own survey); " +
    "hft-lab has no lab-feedback page",
  "session.trial": "BCS-era flag; practice rounds are session.trial-rounds",
  "market.matching-engine-host":
    "the exchange venue is chosen when the server starts, not per session config",
  "parameters.tax-rate":
    "upstream ignored it too; the inventory deduction is parameters.deduction-rate",
  "tests.test_input_file": "upstream never ran these scripts; seat strategies are traders.seats",
};

/**
 * Every key path hft-lab reads (seat keys as `traders.seats[].key`, per-format
 * instructions as `flow.instructions.<format>`), for docs and tests.
 */
export const SESSION_CONFIG_KEYS: readonly string[] = [
  ...SECTIONS.flatMap((s) => KEYS[s].map((k) => `${s}.${k}`)),
  ...SEAT_KEYS.map((k) => `traders.seats[].${k}`),
  ...AUCTION_FORMATS.map((f) => `flow.instructions.${f}`),
];

/** The upstream P4 defaults (CDA_P4.yaml) and the BCS production values. */
export const DEFAULTS = {
  sessionName: "CDA_Pilot4_2022",
  displayName: "CDA - Pilot4 - 2022",
  environment: "elo" as Environment,
  currency: "EUR",
  numRounds: 12,
  trialRounds: [1, 2],
  exchangeRate: 0.02,
  participationFee: 2.5,
  maxPayment: 50,
  randomPayoff: false,
  runSurvey: true,
  // createMarketEvents.py's seed: a session without one still replays exactly
  seed: 59337,
  auctionFormat: "cda" as AuctionFormat,
  numberOfMarkets: 1,
  numberOfTraders: 6,
  allowUnderbooking: false,
  sessionDurationS: 180,
  initialEndowmentEcu: 100,
  technologyUnitCostEcu: 0.01,
  slowLatencyMs: 500,
  fastLatencyMs: 100,
  investorLatencyMs: 10,
  batchLengthS: 3,
  // upstream's Dockerfile, docker-compose and README all run IEX with --delay 1
  speedBumpMs: 1000,
  includeManualRole: true,
  includeSignedVolumeWidgets: false,
  kReferencePrice: { cda: 0.7, fba: 0.2, iex: 0.2 } as Record<AuctionFormat, number>,
  kSignedVolume: 0.5,
  deductionRate: 0.1,
  pegProportion: { cda: 0, fba: 0, iex: 0.5 } as Record<AuctionFormat, number>,
  referencePriceFormula: "ewma" as ReferencePriceFormula,
  signedVolumeFormula: "per-fill" as SignedVolumeFormula,
  repriceOnPostBatch: true,
  fundamentalPriceEcu: 100,
  initialSpreadEcu: 1,
  maxSpreadEcu: 2,
  jumpRatePerS: 1,
  jumpSigmaEcu: 0.5,
  investorRatePerS: 0.2,
  // the sections upstream's quiz and survey pages showed (leeps-hft-app.md §13)
  quizSections: ["inventory", "external_market", "speed", "market_specific_design"],
  surveySections: ["general"],
  // upstream: the second wrong try reveals the right answer
  quizAttempts: 2,
  roundStart: "auto" as FlowConfig["roundStart"],
  postSessionDelayS: 5,
  autoAdvanceS: 60,
  nextButtonTimeoutS: 0,
  instructionsNextButtonTimeoutS: 60,
} as const;

const ELO_ROLES: readonly EloRole[] = ["out", "manual", "automated"];
const BCS_ROLES: readonly BcsRole[] = ["out", "maker", "sniper"];
const MAX_ROUNDS = 100;
const MAX_MARKETS = 100;
// tokens carry the seat as a firm letter A–Z (leeps-hft-app.md §1)
const MAX_SEATS = 26;
const MAX_LATENCY_MS = 60_000;
const MAX_DURATION_S = 86_400;
const MAX_ECU = MAX_ASK / TICKS_PER_ECU;
const MAX_QUIZ_ATTEMPTS = 10;

/**
 * Parses and validates a session config. `source` names the text in every
 * message and, when it is a path, anchors relative exogenous file names.
 * Throws {@link ConfigError} listing every problem.
 */
export function parseSessionConfig(text: string, source: string): SessionConfig {
  const root = load(text, source);
  const p = new Parser(source);
  p.collect(root);
  // without sections every other complaint would be noise
  if (root !== null && root !== undefined && !isMapping(root)) throw new ConfigError(p.problems);
  const config = p.build();
  if (p.problems.length > 0) throw new ConfigError(p.problems);
  return config;
}

function load(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const isJsonFile = /\.json$/i.test(source);
  let jsonProblem: string | null = null;
  if (isJsonFile || body.trimStart().startsWith("{")) {
    try {
      JSON.parse(body);
    } catch (e) {
      jsonProblem = jsonSyntaxProblem(source, body, (e as Error).message);
      // a .json file must be JSON; a flow-style YAML mapping may still be fine YAML
      if (isJsonFile) throw new ConfigError([jsonProblem]);
    }
  }
  // YAML even for valid JSON: JSON.parse keeps the last of duplicate keys silently
  const doc = parseDocument(body, { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => {
    const at = e.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}` : "(document)";
    if (e.code === "DUPLICATE_KEY" && at) {
      const key = /^\s*["']?([^"':]*)/.exec(body.split("\n")[at.line - 1].slice(at.col - 1))?.[1];
      return `${source}: ${where}: duplicate key "${key}": each key may appear once per mapping`;
    }
    const what = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    return `${source}: ${where}: YAML error: ${what}`;
  });
  if (problems.length > 0) throw new ConfigError(jsonProblem ? [jsonProblem] : problems);
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ConfigError([`${source}: (document): ${(e as Error).message}`]);
  }
}

function jsonSyntaxProblem(source: string, text: string, message: string): string {
  const m = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (!m) return `${source}: (document): JSON syntax error: ${message}`;
  const pos = Number(m[2]);
  const before = text.slice(0, pos).split("\n");
  const line = before.length;
  const col = before[before.length - 1].length + 1;
  return `${source}: line ${line}, column ${col}: JSON syntax error: ${m[1]}`;
}

type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value as a problem message names it: "a list", "a mapping", "nothing", or the value. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return JSON.stringify(v);
  return String(v);
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps). */
function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

function normKey(k: string): string {
  return k.toLowerCase().replace(/[_\s]+/g, "-");
}

/** The closest candidate, if close enough to be a plausible typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  const k = normKey(key);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(k, normKey(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.floor(k.length / 4)) ? best : undefined;
}

function knownIn(section: Section): string[] {
  const ignored = Object.keys(IGNORED_UPSTREAM_KEYS)
    .filter((p) => p.startsWith(`${section}.`))
    .map((p) => p.slice(section.length + 1));
  return [...KEYS[section], ...ignored];
}

/** Suggestion for an unknown key: a near miss here, or the same key in another section. */
function suggestion(section: Section | null, key: string): string {
  const k = normKey(key);
  const elsewhere: string[] = [];
  for (const s of SECTIONS) {
    if (s === section) continue;
    for (const c of knownIn(s)) if (normKey(c) === k) elsewhere.push(`${s}.${c}`);
  }
  // the exact key in another section beats a near miss here: sections get mixed up more
  // often than two keys of one section
  if (elsewhere.length > 0) return ` (did you mean ${elsewhere[0]}? it belongs in that section)`;
  const near = closest(key, section ? knownIn(section) : SECTIONS);
  if (near) return ` (did you mean "${near}"?)`;
  const all = SECTIONS.flatMap((s) => knownIn(s).map((c) => `${s}.${c}`));
  const far = closest(key, all.map((p) => p.slice(p.indexOf(".") + 1)));
  return far ? ` (did you mean ${all.find((p) => p.endsWith(`.${far}`))}?)` : "";
}

interface NumberRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
}

/** Round-seed mixing (murmur3 fmix32 of seed ⊕ round·φ): rounds get unrelated streams. */
export function roundSeed(seed: number, round: number): number {
  let h = (seed ^ Math.imul(round, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

class Parser {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  /** Paths whose value was rejected: cross-checks skip them instead of piling on. */
  readonly bad = new Set<string>();
  seatsListed = 0;
  readonly values = new Map<string, unknown>();
  /** False when session.environment was rejected: environment checks would only guess. */
  envOk = true;

  constructor(readonly source: string) {}

  problem(path: string, text: string): void {
    this.problems.push(`${this.source}: ${path}: ${text}`);
    this.bad.add(path);
  }

  collect(root: unknown): void {
    if (root === null || root === undefined) return;
    if (!isMapping(root)) {
      this.problem("(document)", `expected a mapping of sections, got ${describe(root)}`);
      return;
    }
    for (const [name, body] of Object.entries(root)) {
      if (!(SECTIONS as readonly string[]).includes(name)) {
        this.problem(name, `unknown section${suggestion(null, name)}`);
        continue;
      }
      const section = name as Section;
      if (body === null) continue; // an empty section is a section of defaults
      if (!isMapping(body)) {
        this.problem(name, `expected a mapping of keys, got ${describe(body)}`);
        continue;
      }
      for (const [key, value] of Object.entries(body)) {
        const path = `${section}.${key}`;
        const ignored = IGNORED_UPSTREAM_KEYS[path];
        if (ignored !== undefined) {
          this.warnings.push(`${this.source}: ${path}: ignored: ${ignored}`);
        } else if (!KEYS[section].includes(key)) {
          this.problem(path, `unknown key${suggestion(section, key)}`);
        } else if (value === null) {
          this.problem(path, "has no value (remove the key to use the default)");
        } else {
          this.values.set(path, value);
        }
      }
    }
  }

  has(path: string): boolean {
    return this.values.has(path);
  }

  /** False, with a problem, when a key is set where it cannot take effect. */
  onlyWhen(path: string, ok: boolean, why: string): boolean {
    if (!this.has(path)) return false;
    if (!ok) this.problem(path, why);
    return ok;
  }

  num(path: string, rule: NumberRule = {}, v = this.values.get(path)): number | undefined {
    if (v === undefined) return undefined;
    const unit = rule.unit ? ` (${rule.unit})` : "";
    if (typeof v !== "number") {
      this.problem(path, `expected a number${unit}, got ${describe(v)}`);
      return undefined;
    }
    if (!Number.isFinite(v)) {
      this.problem(path, `expected a finite number${unit}, got ${describe(v)}`);
      return undefined;
    }
    if (rule.integer && !Number.isInteger(v)) {
      this.problem(path, `expected a whole number${unit}, got ${String(v)}`);
      return undefined;
    }
    const low = rule.min !== undefined ? v < rule.min : rule.above !== undefined && v <= rule.above;
    const high = rule.max !== undefined && v > rule.max;
    if (low || high) {
      const lo = rule.min !== undefined
        ? `at least ${String(rule.min)}`
        : rule.above !== undefined
        ? `greater than ${String(rule.above)}`
        : "";
      const hi = rule.max !== undefined ? `at most ${String(rule.max)}` : "";
      const range = lo && hi ? `${lo} and ${hi}` : lo || hi;
      this.problem(path, `out of range: must be ${range}${unit}, got ${String(v)}`);
      return undefined;
    }
    return v;
  }

  /** An amount in ECU (or currency) as an integer count of 1/10,000. */
  money(path: string, rule: NumberRule, v = this.values.get(path)): number | undefined {
    const x = this.num(path, rule, v);
    if (x === undefined) return undefined;
    return this.scaled(path, x, TICKS_PER_ECU, `0.0001 ${rule.unit?.split(/[ ,]/)[0] ?? "ECU"}`);
  }

  /** Seconds as an integer count of milliseconds. */
  seconds(path: string, rule: NumberRule): number | undefined {
    const x = this.num(path, { unit: "seconds", ...rule });
    if (x === undefined) return undefined;
    return this.scaled(path, x, 1000, "0.001 seconds");
  }

  scaled(path: string, x: number, factor: number, step: string): number | undefined {
    const y = x * factor;
    const r = Math.round(y);
    // 0.022 × 10⁴ is 220.00000000000003 in binary floating point
    if (Math.abs(y - r) > 1e-6 * Math.max(1, Math.abs(y))) {
      this.problem(path, `must be a whole multiple of ${step}, got ${String(x)}`);
      return undefined;
    }
    return r;
  }

  bool(path: string, v = this.values.get(path)): boolean | undefined {
    if (v === undefined || typeof v === "boolean") return v;
    const hint = typeof v === "string" && /^(yes|no|on|off|y|n)$/i.test(v)
      ? " (YAML 1.2 reads yes/no/on/off as text)"
      : "";
    this.problem(path, `expected true or false, got ${describe(v)}${hint}`);
    return undefined;
  }

  str(path: string, v = this.values.get(path)): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") {
      this.problem(path, `expected a non-empty text, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  choice<T extends string>(
    path: string,
    options: readonly T[],
    v = this.values.get(path),
  ): T | undefined {
    if (v === undefined) return undefined;
    const s = typeof v === "string" ? v.toLowerCase() : undefined;
    const found = options.find((o) => o === s);
    if (found === undefined) {
      this.problem(path, `expected one of ${options.join(", ")}, got ${describe(v)}`);
    }
    return found;
  }

  list(path: string, what: string): unknown[] | undefined {
    const v = this.values.get(path);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      this.problem(path, `expected a list of ${what}, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  build(): SessionConfig {
    const environment = this.choice("session.environment", ["elo", "bcs"] as const) ??
      DEFAULTS.environment;
    const envOk = !this.bad.has("session.environment");
    this.envOk = envOk;
    const format = this.choice("market.auction-format", ["cda", "fba", "iex"] as const) ??
      DEFAULTS.auctionFormat;
    const formatOk = !this.bad.has("market.auction-format");

    const name = this.str("session.session-name") ?? DEFAULTS.sessionName;
    const displayName = this.str("session.display-name") ?? DEFAULTS.displayName;
    let currency = this.str("session.currency") ?? DEFAULTS.currency;
    if (!/^[A-Z]{3}$/.test(currency)) {
      this.problem("session.currency", `expected an ISO 4217 code such as EUR, got "${currency}"`);
      currency = DEFAULTS.currency;
    }
    const seed = this.num("session.seed", { min: 0, max: 0xffffffff, integer: true }) ??
      DEFAULTS.seed;

    const numRounds = this.num("session.num-rounds", { min: 1, max: MAX_ROUNDS, integer: true }) ??
      DEFAULTS.numRounds;
    const roundsOk = !this.bad.has("session.num-rounds");
    const trialRounds = this.trialRounds(numRounds, roundsOk);

    const roundDurationMs = this.duration();
    const trialRoundDurationMs = this.seconds("session.trial-length", {
      above: 0,
      max: MAX_DURATION_S,
    }) ?? roundDurationMs;
    if (
      this.has("session.trial-length") && trialRounds.length === 0 &&
      !this.bad.has("session.trial-rounds")
    ) {
      this.problem("session.trial-length", "set, but session.trial-rounds lists no trial round");
    }

    const payment = this.payment();
    const runSurvey = this.bool("session.run-survey") ?? DEFAULTS.runSurvey;

    const [numberOfMarkets, tradersPerMarket, numberOfTraders] = this.marketShape();
    const allowUnderbooking = this.bool("traders.allow-underbooking") ?? DEFAULTS.allowUnderbooking;
    const participants = this.num("demo.number-of-participants", { min: 1, integer: true });

    const latency = this.latency();

    let batchLengthMs: number | null = null;
    if (format === "fba") {
      batchLengthMs = this.seconds("parameters.batch-length", { above: 0, max: MAX_DURATION_S }) ??
        DEFAULTS.batchLengthS * 1000;
      const shortest = Math.min(roundDurationMs, trialRoundDurationMs);
      if (!this.bad.has("parameters.batch-length") && batchLengthMs > shortest) {
        this.problem(
          "parameters.batch-length",
          `a batch of ${batchLengthMs / 1000} s is longer than a round (${shortest / 1000} s)`,
        );
      }
    } else if (this.has("parameters.batch-length") && formatOk) {
      this.warnings.push(
        `${this.source}: parameters.batch-length: ignored: only auction-format fba runs batches`,
      );
    }

    let speedBumpMs: number | null = null;
    if (format === "iex") {
      speedBumpMs = this.num("parameters.speed-bump-ms", {
        min: 0,
        max: MAX_LATENCY_MS,
        integer: true,
        unit: "ms",
      }) ?? DEFAULTS.speedBumpMs;
    } else if (formatOk) {
      this.onlyWhen(
        "parameters.speed-bump-ms",
        false,
        `used only with auction-format iex (this config is ${format})`,
      );
    }

    const initialEndowment = this.money("parameters.initial-endowment", {
      min: 0,
      max: MAX_ECU,
      unit: "ECU",
    }) ?? DEFAULTS.initialEndowmentEcu * TICKS_PER_ECU;
    const speedUnitCost = this.money("parameters.technology-unit-cost", {
      min: 0,
      max: MAX_ECU,
      unit: "ECU per second",
    }) ?? Math.round(DEFAULTS.technologyUnitCostEcu * TICKS_PER_ECU);

    // keys of the other environment are mistakes, not upstream leftovers
    if (envOk) {
      const other = environment === "elo" ? BCS_ONLY : ELO_ONLY;
      for (const path of other) {
        this.onlyWhen(
          path,
          false,
          `used only with environment ${environment === "elo" ? "bcs" : "elo"} ` +
            `(session.environment is ${environment})`,
        );
      }
    }

    const base: SessionConfigBase = {
      source: this.source,
      name,
      displayName,
      currency,
      auctionFormat: format,
      seed,
      numRounds,
      trialRounds,
      roundDurationMs,
      trialRoundDurationMs,
      rounds: [],
      runSurvey,
      payment,
      numberOfMarkets,
      tradersPerMarket,
      numberOfTraders,
      allowUnderbooking,
      // set once the seats are known
      demoParticipants: 0,
      flow: this.flow(format, formatOk),
      batchLengthMs,
      speedBumpMs,
      latency,
      initialEndowment,
      speedUnitCost,
      warnings: this.warnings,
      seatsListed: 0,
    };

    if (environment === "elo") {
      const elo = this.eloParameters(format, formatOk, roundDurationMs);
      const seats = this.seats(
        tradersPerMarket,
        (path, raw, seat) => this.eloSeat(path, raw, seat, elo),
      );
      const config: EloSessionConfig = {
        ...base,
        environment,
        elo,
        seats,
        seatsListed: this.seatsListed,
      };
      config.demoParticipants = this.participants(participants, config, allowUnderbooking);
      config.rounds = this.rounds(config, roundsOk);
      return config;
    }
    const bcs = this.bcsParameters();
    const seats = this.seats(
      tradersPerMarket,
      (path, raw, seat) => this.bcsSeat(path, raw, seat, bcs),
    );
    const config: BcsSessionConfig = {
      ...base,
      environment,
      bcs,
      seats,
      seatsListed: this.seatsListed,
    };
    config.demoParticipants = this.participants(participants, config, allowUnderbooking);
    config.rounds = this.rounds(config, roundsOk);
    return config;
  }

  /**
   * Participants of a live session: as set, or one per seat a person plays.
   * Only people can be underbooked, so the check counts seats without bots.
   */
  participants(
    explicit: number | undefined,
    config: SessionConfig,
    allowUnderbooking: boolean,
  ): number {
    const path = "demo.number-of-participants";
    const humanSeats = config.seats.filter((s) => !s.bot).length;
    const people = config.numberOfMarkets * humanSeats;
    const shapeOk = !this.bad.has("market.number-of-markets") &&
      !this.bad.has("market.traders-per-market") && !this.bad.has("traders.number-of-traders");
    if (explicit === undefined) return people;
    if (explicit < people && !allowUnderbooking && shapeOk) {
      this.problem(
        path,
        `${explicit} participants are fewer than the ${people} seats people play ` +
          `(${config.numberOfMarkets} market(s) × ${humanSeats} seats without bot: true) and ` +
          "traders.allow-underbooking is false, so every participant would be underbooked",
      );
    }
    return explicit;
  }

  /** Section `flow` and upstream's page timings; the question bank itself is read elsewhere. */
  flow(format: AuctionFormat, formatOk: boolean): FlowConfig {
    const F = "flow.";
    const S = "session.";
    const quizFile = this.quizFile();
    // without a question bank these keys would silently do nothing
    const needsBank = (key: string) =>
      this.onlyWhen(
        `${F}${key}`,
        this.has(`${F}quiz`),
        "used only with flow.quiz, the question bank (none is set)",
      );
    const quizSections = needsBank("quiz-sections") ? this.names(`${F}quiz-sections`) : undefined;
    const surveySections = needsBank("survey-sections")
      ? this.names(`${F}survey-sections`)
      : undefined;
    const quizAttempts = needsBank("quiz-attempts")
      ? this.num(`${F}quiz-attempts`, { min: 1, max: MAX_QUIZ_ATTEMPTS, integer: true })
      : undefined;
    const timeout = { min: 0, max: MAX_DURATION_S };
    return {
      consent: this.markdown(`${F}consent`) ?? null,
      instructions: this.instructions(format, formatOk),
      quizFile,
      quizSections: quizSections ?? [...DEFAULTS.quizSections],
      surveySections: surveySections ?? [...DEFAULTS.surveySections],
      quizAttempts: quizAttempts ?? DEFAULTS.quizAttempts,
      roundStart: this.choice(`${F}round-start`, ["auto", "experimenter"] as const) ??
        DEFAULTS.roundStart,
      postRoundDelayMs: this.seconds(`${S}post-session-delay`, timeout) ??
        DEFAULTS.postSessionDelayS * 1000,
      autoAdvanceMs: this.seconds(`${S}auto-advance`, timeout) ?? DEFAULTS.autoAdvanceS * 1000,
      resultsNextDelayMs: this.seconds(`${S}next-button-timeout`, timeout) ??
        DEFAULTS.nextButtonTimeoutS * 1000,
      instructionsNextDelayMs: this.seconds(`${S}instructions-next-button-timeout`, timeout) ??
        DEFAULTS.instructionsNextButtonTimeoutS * 1000,
    };
  }

  markdown(path: string, v = this.values.get(path)): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") {
      this.problem(path, `expected non-empty Markdown text, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  /** The text for this config's format, from one text for all or a mapping by format. */
  instructions(format: AuctionFormat, formatOk: boolean): string | null {
    const path = "flow.instructions";
    const v = this.values.get(path);
    if (v === undefined) return null;
    if (!isMapping(v)) {
      if (typeof v === "string") return this.markdown(path, v) ?? null;
      this.problem(
        path,
        "expected Markdown text, or a mapping from auction format (cda, fba, iex) to " +
          `Markdown text, got ${describe(v)}`,
      );
      return null;
    }
    const texts: Partial<Record<AuctionFormat, string>> = {};
    const written = new Map<AuctionFormat, string>();
    for (const [key, text] of Object.entries(v)) {
      const sub = `${path}.${key}`;
      const f = AUCTION_FORMATS.find((x) => x === key.toLowerCase());
      if (f === undefined) {
        const near = closest(key, AUCTION_FORMATS);
        this.problem(
          sub,
          `unknown key: instructions are keyed by auction format (cda, fba, iex)${
            near ? ` (did you mean "${near}"?)` : ""
          }`,
        );
      } else if (written.has(f)) {
        this.problem(sub, `the same format as ${path}.${written.get(f)}: give each format once`);
      } else if (text === null) {
        written.set(f, key);
        this.problem(sub, "has no value (give the text or remove the key)");
      } else {
        written.set(f, key);
        const t = this.markdown(sub, text);
        if (t !== undefined) texts[f] = t;
      }
    }
    if (formatOk && !written.has(format)) {
      this.problem(path, `no text for auction-format ${format}; add ${path}.${format}`);
    }
    return texts[format] ?? null;
  }

  /** The question bank's path, resolved as exogenous files are; the file is read elsewhere. */
  quizFile(): string | null {
    const path = "flow.quiz";
    const v = this.values.get(path);
    if (v === undefined) return null;
    if (typeof v !== "string" || v.trim() === "") {
      this.problem(path, `expected the path of a question bank (.json), got ${describe(v)}`);
      return null;
    }
    if (!/\.json$/i.test(v)) {
      this.problem(
        path,
        `expected a .json question bank (upstream's q_and_a.json format), got "${v}"`,
      );
      return null;
    }
    return isAbsolute(v) ? normalize(v) : join(dirname(this.source), v);
  }

  /** A list of distinct, non-empty names. */
  names(path: string): string[] | undefined {
    const raw = this.list(path, "section names of the question bank");
    if (raw === undefined) return undefined;
    const out: string[] = [];
    raw.forEach((v, i) => {
      if (typeof v !== "string" || v.trim() === "") {
        this.problem(`${path}[${i}]`, `expected a section name, got ${describe(v)}`);
      } else if (out.includes(v)) {
        this.problem(`${path}[${i}]`, `"${v}" is listed twice`);
      } else {
        out.push(v);
      }
    });
    return out.length === raw.length ? out : undefined;
  }

  trialRounds(numRounds: number, roundsOk: boolean): number[] {
    const path = "session.trial-rounds";
    const raw = this.list(path, "round numbers");
    if (raw === undefined) {
      const fallback = [...DEFAULTS.trialRounds];
      if (!this.bad.has(path) && roundsOk && fallback.some((r) => r > numRounds - 1)) {
        this.problem(
          path,
          `the default [${fallback.join(", ")}] leaves no paid round when num-rounds is ` +
            `${numRounds}; set trial-rounds explicitly (e.g. [])`,
        );
      }
      return fallback.filter((r) => r <= numRounds);
    }
    const out: number[] = [];
    raw.forEach((v, i) => {
      const r = this.num(`${path}[${i}]`, { min: 1, integer: true }, v);
      if (r === undefined) return;
      if (roundsOk && r > numRounds) {
        this.problem(
          `${path}[${i}]`,
          `round ${r} is outside 1..${numRounds} (session.num-rounds)`,
        );
      } else if (out.includes(r)) {
        this.problem(`${path}[${i}]`, `round ${r} is listed twice`);
      } else {
        out.push(r);
      }
    });
    out.sort((a, b) => a - b);
    if (roundsOk && !this.bad.has(path) && out.length === numRounds) {
      this.problem(
        path,
        `every one of the ${numRounds} rounds is a trial round: none would be paid`,
      );
    }
    return out;
  }

  duration(): number {
    const main = "parameters.session-duration";
    const alias = "parameters.period-length";
    const rule = { above: 0, max: MAX_DURATION_S };
    const a = this.seconds(main, rule);
    const b = this.seconds(alias, rule);
    if (a !== undefined && b !== undefined && a !== b) {
      this.problem(
        alias,
        `${b / 1000} s conflicts with ${main} ${
          a / 1000
        } s (period-length is upstream BCS's name for it)`,
      );
    }
    return a ?? b ?? DEFAULTS.sessionDurationS * 1000;
  }

  payment(): PaymentConfig {
    const exchangeRate = this.num("session.exchange-rate", {
      above: 0,
      unit: "currency per ECU",
    }) ?? DEFAULTS.exchangeRate;
    const participationFee = this.money("session.participation-fee", {
      min: 0,
      max: MAX_ECU,
      unit: "currency",
    }) ?? DEFAULTS.participationFee * TICKS_PER_ECU;
    const maxPayment = this.money("session.max-payment", {
      min: 0,
      max: MAX_ECU,
      unit: "currency",
    }) ?? DEFAULTS.maxPayment * TICKS_PER_ECU;
    // payments are made in whole cents; a fee of fractions of a cent could not be paid exactly
    for (
      const [path, amount] of [
        ["session.participation-fee", participationFee],
        ["session.max-payment", maxPayment],
      ] as const
    ) {
      if (amount % 100 !== 0 && !this.bad.has(path)) {
        this.problem(
          path,
          `${amount / TICKS_PER_ECU} has more than 2 decimals: payments are in cents`,
        );
      }
    }
    const a = this.bool("session.random-payoff");
    const b = this.bool("session.random-round-payment");
    if (a !== undefined && b !== undefined && a !== b) {
      this.problem(
        "session.random-round-payment",
        `${b} conflicts with session.random-payoff ${a} (random-round-payment is upstream BCS's name for it)`,
      );
    }
    return {
      exchangeRate,
      participationFee,
      maxPayment,
      randomPayoff: a ?? b ?? DEFAULTS.randomPayoff,
    };
  }

  marketShape(): [number, number, number] {
    const markets = this.num("market.number-of-markets", {
      min: 1,
      max: MAX_MARKETS,
      integer: true,
    }) ?? DEFAULTS.numberOfMarkets;
    const perMarket = this.num("market.traders-per-market", {
      min: 1,
      max: MAX_SEATS,
      integer: true,
    });
    const traders = this.num("traders.number-of-traders", { min: 1, integer: true });
    const shapeOk = !this.bad.has("market.number-of-markets") &&
      !this.bad.has("market.traders-per-market");
    if (perMarket !== undefined) {
      if (traders !== undefined && traders !== markets * perMarket && shapeOk) {
        this.problem(
          "traders.number-of-traders",
          `${traders} traders do not fill ${markets} market(s) of ${perMarket} ` +
            `(market.number-of-markets × market.traders-per-market = ${markets * perMarket})`,
        );
      }
      return [markets, perMarket, markets * perMarket];
    }
    const n = traders ?? DEFAULTS.numberOfTraders;
    const each = Math.max(1, Math.min(MAX_SEATS, Math.floor(n / markets)));
    if (!shapeOk || this.bad.has("traders.number-of-traders")) return [markets, each, n];
    if (n % markets !== 0) {
      this.problem(
        "traders.number-of-traders",
        `${n} traders cannot be split evenly into ${markets} markets; set market.traders-per-market`,
      );
    } else if (n / markets > MAX_SEATS) {
      this.problem(
        "traders.number-of-traders",
        `${n / markets} traders per market is more than ${MAX_SEATS} (one firm letter per seat)`,
      );
    }
    return [markets, each, n];
  }

  latency(): LatencyConfig {
    const rule = { min: 0, max: MAX_LATENCY_MS, integer: true, unit: "ms" };
    const slowMs = this.num("parameters.slow-latency-ms", rule) ?? DEFAULTS.slowLatencyMs;
    const fastMs = this.num("parameters.fast-latency-ms", rule) ?? DEFAULTS.fastLatencyMs;
    const investorMs = this.num("parameters.investor-latency-ms", rule) ??
      DEFAULTS.investorLatencyMs;
    if (
      fastMs > slowMs && !this.bad.has("parameters.fast-latency-ms") &&
      !this.bad.has("parameters.slow-latency-ms")
    ) {
      this.problem(
        "parameters.fast-latency-ms",
        `${fastMs} ms is slower than parameters.slow-latency-ms ${slowMs} ms: speed would slow a trader down`,
      );
    }
    return { slowMs, fastMs, investorMs };
  }

  eloParameters(format: AuctionFormat, formatOk: boolean, durationMs: number): EloParameters {
    const P = "parameters.";
    const defaultRole = this.choice(`${P}default-role`, ELO_ROLES) ?? "out";
    const includeManualRole = this.bool(`${P}include-manual-role`) ?? DEFAULTS.includeManualRole;
    if (defaultRole === "manual" && !includeManualRole) {
      this.problem(`${P}default-role`, "manual, but parameters.include-manual-role is false");
    }
    const kReferencePrice = this.num(`${P}k-reference-price`, { min: 0 }) ??
      DEFAULTS.kReferencePrice[format];
    let pegProportion = DEFAULTS.pegProportion[format];
    const peg = this.num(`${P}peg-proportion`, { min: 0, max: 1 });
    if (peg !== undefined) {
      if (peg > 0 && format !== "iex" && formatOk) {
        this.problem(
          `${P}peg-proportion`,
          `${peg}, but midpoint pegs exist only with auction-format iex (this config is ${format})`,
        );
      } else {
        pegProportion = peg;
      }
    }
    let repriceOnPostBatch: boolean = DEFAULTS.repriceOnPostBatch;
    if (
      formatOk &&
      this.onlyWhen(
        `${P}reprice-on-post-batch`,
        format === "fba",
        `used only with auction-format fba, the only format with post-batch messages (this config is ${format})`,
      )
    ) {
      repriceOnPostBatch = this.bool(`${P}reprice-on-post-batch`) ?? repriceOnPostBatch;
    }
    return {
      defaultRole,
      includeManualRole,
      includeSignedVolumeWidgets: this.bool(`${P}include-signed-volume-widgets`) ??
        DEFAULTS.includeSignedVolumeWidgets,
      kReferencePrice,
      referencePriceDecayPerS: roundHalfEven(kReferencePrice * (durationMs / 1000) * 100) / 100,
      kSignedVolume: this.num(`${P}k-signed-volume`, { min: 0, unit: "per second" }) ??
        DEFAULTS.kSignedVolume,
      deductionRate: this.num(`${P}deduction-rate`, { min: 0, max: 1 }) ?? DEFAULTS.deductionRate,
      referencePriceFormula: this.choice(`${P}reference-price-formula`, ["ewma", "upstream"]) ??
        DEFAULTS.referencePriceFormula,
      signedVolumeFormula: this.choice(`${P}signed-volume-formula`, ["per-fill", "upstream"]) ??
        DEFAULTS.signedVolumeFormula,
      repriceOnPostBatch,
      pegProportion,
    };
  }

  bcsParameters(): BcsParameters {
    const P = "parameters.";
    const ecu = { min: 0, max: MAX_ECU, unit: "ECU" };
    const fundamentalPrice =
      this.money(`${P}fundamental-price`, { above: 0, max: MAX_ECU, unit: "ECU" }) ??
        DEFAULTS.fundamentalPriceEcu * TICKS_PER_ECU;
    const maxSpread = this.money(`${P}max-spread`, ecu) ?? DEFAULTS.maxSpreadEcu * TICKS_PER_ECU;
    let initialSpread = this.money(`${P}initial-spread`, ecu) ??
      DEFAULTS.initialSpreadEcu * TICKS_PER_ECU;
    if (initialSpread > maxSpread && !this.bad.has(`${P}max-spread`)) {
      this.problem(
        this.has(`${P}initial-spread`) ? `${P}initial-spread` : `${P}max-spread`,
        `initial spread ${initialSpread / TICKS_PER_ECU} ECU is wider than the maximum ` +
          `${maxSpread / TICKS_PER_ECU} ECU (parameters.max-spread)`,
      );
      initialSpread = maxSpread;
    }
    const jumpsFromFiles = this.has("exogenous-events.fundamental-value-jumps");
    const investorsFromFiles = this.has("exogenous-events.investor-arrivals");
    const generated = (path: string, fromFiles: boolean, files: string) =>
      this.onlyWhen(
        path,
        !fromFiles,
        `used only to generate schedules, but ${files} lists files`,
      );
    let jumpRatePerS: number = DEFAULTS.jumpRatePerS;
    let jumpSigma = Math.round(DEFAULTS.jumpSigmaEcu * TICKS_PER_ECU);
    let investorRatePerS: number = DEFAULTS.investorRatePerS;
    const jumpFiles = "exogenous-events.fundamental-value-jumps";
    if (generated(`${P}jump-rate`, jumpsFromFiles, jumpFiles)) {
      jumpRatePerS = this.num(`${P}jump-rate`, { min: 0, unit: "per second" }) ?? jumpRatePerS;
    }
    if (generated(`${P}jump-sigma`, jumpsFromFiles, jumpFiles)) {
      jumpSigma = this.money(`${P}jump-sigma`, ecu) ?? jumpSigma;
    }
    if (generated(`${P}investor-rate`, investorsFromFiles, "exogenous-events.investor-arrivals")) {
      investorRatePerS = this.num(`${P}investor-rate`, { min: 0, unit: "per second" }) ??
        investorRatePerS;
    }
    return {
      defaultRole: this.choice(`${P}default-role`, BCS_ROLES) ?? "out",
      fundamentalPrice,
      initialSpread,
      maxSpread,
      jumpRatePerS,
      jumpSigma,
      investorRatePerS,
    };
  }

  seats<S>(perMarket: number, read: (path: string, raw: Mapping, seat: number) => S): S[] {
    const path = "traders.seats";
    const raw = this.list(path, "seat settings (one mapping per seat)") ?? [];
    this.seatsListed = raw.length;
    if (raw.length > perMarket && !this.bad.has("market.traders-per-market")) {
      this.problem(
        path,
        `lists ${raw.length} seats but a market has ${perMarket} traders (market.traders-per-market)`,
      );
    }
    const out: S[] = [];
    for (let i = 0; i < perMarket; i++) {
      const item = i < raw.length ? raw[i] : {};
      const itemPath = `${path}[${i}]`;
      if (item === null) {
        out.push(read(itemPath, {}, i + 1)); // `- ` alone: a seat of defaults
        continue;
      }
      if (!isMapping(item)) {
        this.problem(itemPath, `expected a mapping of seat settings, got ${describe(item)}`);
        out.push(read(itemPath, {}, i + 1));
        continue;
      }
      const known: Mapping = {};
      for (const [key, value] of Object.entries(item)) {
        if (!(SEAT_KEYS as readonly string[]).includes(key)) {
          const near = closest(key, SEAT_KEYS);
          this.problem(
            `${itemPath}.${key}`,
            `unknown key${near ? ` (did you mean "${near}"?)` : ""}`,
          );
        } else if (value === null) {
          this.problem(`${itemPath}.${key}`, "has no value (remove the key to use the default)");
        } else {
          known[key] = value;
        }
      }
      out.push(read(itemPath, known, i + 1));
    }
    return out;
  }

  eloSeat(path: string, raw: Mapping, seat: number, elo: EloParameters): EloSeatConfig {
    if ("spread" in raw) this.problem(`${path}.spread`, "used only with environment bcs");
    const bot = this.bool(`${path}.bot`, raw.bot) ?? false;
    const role = this.choice(`${path}.role`, ELO_ROLES, raw.role) ?? elo.defaultRole;
    if (role === "manual" && bot) {
      this.problem(
        "role" in raw ? `${path}.role` : `${path}.bot`,
        "a bot cannot play the manual role (only people click orders in); " +
          ("role" in raw ? "choose automated or out" : "parameters.default-role is manual"),
      );
    } else if (role === "manual" && "role" in raw && !elo.includeManualRole) {
      this.problem(`${path}.role`, "manual, but parameters.include-manual-role is false");
    }
    const slider = (key: string) => this.num(`${path}.${key}`, { min: 0, max: 1 }, raw[key]) ?? 0;
    const aX = slider("a-x");
    if (aX !== 0 && !bot && !elo.includeSignedVolumeWidgets) {
      this.problem(
        `${path}.a-x`,
        "a person cannot see or move the signed-volume slider while " +
          "parameters.include-signed-volume-widgets is false",
      );
    }
    return {
      seat,
      bot,
      role,
      speed: this.bool(`${path}.speed`, raw.speed) ?? false,
      aX,
      aY: slider("a-y"),
      aZ: slider("a-z"),
    };
  }

  bcsSeat(path: string, raw: Mapping, seat: number, bcs: BcsParameters): BcsSeatConfig {
    for (const key of ["a-x", "a-y", "a-z"]) {
      if (key in raw) this.problem(`${path}.${key}`, "used only with environment elo");
    }
    const spread = this.money(`${path}.spread`, {
      min: 0,
      max: bcs.maxSpread / TICKS_PER_ECU,
      unit: "ECU, up to parameters.max-spread",
    }, raw.spread) ?? bcs.initialSpread;
    return {
      seat,
      bot: this.bool(`${path}.bot`, raw.bot) ?? false,
      role: this.choice(`${path}.role`, BCS_ROLES, raw.role) ?? bcs.defaultRole,
      speed: this.bool(`${path}.speed`, raw.speed) ?? false,
      spread,
    };
  }

  /** File names, one per round, resolved to paths; undefined when the key is absent. */
  files(
    path: string,
    numRounds: number,
    roundsOk: boolean,
    dir: string,
  ): ExogenousFile[] | undefined {
    const raw = this.list(path, "CSV file names, one per round");
    if (raw === undefined) return undefined;
    const out: ExogenousFile[] = [];
    raw.forEach((v, i) => {
      if (typeof v !== "string" || v.trim() === "") {
        this.problem(`${path}[${i}]`, `expected a CSV file name, got ${describe(v)}`);
      } else if (!/\.csv$/i.test(v)) {
        this.problem(`${path}[${i}]`, `expected a .csv file, got "${v}"`);
      } else {
        out.push({ kind: "file", file: v, path: isAbsolute(v) ? normalize(v) : join(dir, v) });
      }
    });
    if (roundsOk && raw.length < numRounds) {
      this.problem(
        path,
        `lists ${raw.length} file${raw.length === 1 ? "" : "s"} but session.num-rounds is ` +
          `${numRounds}: one file per round`,
      );
    }
    return out.length === raw.length ? out : undefined;
  }

  rounds(config: SessionConfig, roundsOk: boolean): RoundConfig[] {
    const dirKey = "session.exogenous-event-directory";
    const sub = this.str(dirKey) ?? "";
    const dir = isAbsolute(sub) ? sub : join(dirname(this.source), sub);
    const n = config.numRounds;
    const E = "exogenous-events.";
    const investors = this.files(`${E}investor-arrivals`, n, roundsOk, dir);
    let feed: ExogenousFile[] | undefined;
    let jumps: ExogenousFile[] | undefined;
    if (config.environment === "elo") {
      feed = this.files(`${E}external-feed`, n, roundsOk, dir);
      for (const key of ["investor-arrivals", "external-feed"]) {
        if (this.envOk && !this.has(`${E}${key}`)) {
          this.problem(
            `${E}${key}`,
            "missing: environment elo needs one CSV file per round (no generator)",
          );
        }
      }
    } else {
      jumps = this.files(`${E}fundamental-value-jumps`, n, roundsOk, dir);
    }
    const generated: GeneratedSchedule = { kind: "generated" };
    const rounds: RoundConfig[] = [];
    for (let r = 1; r <= n; r++) {
      const trial = config.trialRounds.includes(r);
      const bcs = config.environment === "bcs";
      rounds.push({
        round: r,
        trial,
        durationMs: trial ? config.trialRoundDurationMs : config.roundDurationMs,
        seed: roundSeed(config.seed, r),
        investorArrivals: investors?.[r - 1] ?? generated,
        externalFeed: bcs ? null : feed?.[r - 1] ?? null,
        fundamentalValueJumps: bcs ? jumps?.[r - 1] ?? generated : null,
      });
    }
    return rounds;
  }
}
