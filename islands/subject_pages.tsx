/**
 * The subject's pages around the trading screen (shared reference
 * `leeps-hft-app.md` §13): consent, instructions, the comprehension quiz,
 * each round's results (§8.2's equations), the survey and the payment
 * report (§8.3). Each is drawn from the server's `PageView` alone, so a
 * reload rebuilds it from the snapshot; what the subject does is a
 * request, and the page changes when the server says so.
 */

import { useEffect, useState } from "preact/hooks";
import type { Payment, RoundPayoff } from "../experiment/payment.ts";
import {
  MAX_SURVEY_ANSWER,
  type PageView,
  type QuizQuestionView,
  type RoundResultView,
  type SubjectRequest,
} from "../protocol/subject_protocol.ts";
import { formatEcu, formatEcuNumber } from "./subject_format.ts";
import {
  missingSurveyAnswers,
  pageKey,
  pageRound,
  quizDone,
  secondsUntil,
  triesLeft,
} from "./subject_state.ts";

type Of<N extends PageView["name"]> = Extract<PageView, { name: N }>;

/** The pages that replace the trading screen. */
export type FlowPageView = Exclude<PageView, { name: "trading" | "wait" }>;

export interface FlowPageProps {
  page: FlowPageView;
  /**
   * Keys of requests sent from this page and not yet answered: their
   * buttons stay disabled, so a double click sends nothing twice.
   */
  pending: ReadonlySet<string>;
  /** Sends a request once under a key (see {@link pending}). */
  act: (key: string, req: SubjectRequest) => void;
  /** The server's epoch ms now: the pages' times are the server's. */
  serverNow: () => number;
}

// ---- formats ----------------------------------------------------------------------

/** Whole-cent amounts as 2 dp; finer prices (a 0.022 ECU/s speed price) keep their digits. */
export function formatEcuPrice(units: number): string {
  if (units % 100 === 0) return formatEcuNumber(units);
  const abs = Math.abs(units);
  const frac = String(abs % 10_000).padStart(4, "0").replace(/0+$/, "");
  return `${units < 0 ? "-" : ""}${Math.floor(abs / 10_000)}.${frac}`;
}

/** A term of a filled-in equation: negative numbers in parentheses, so "+ (-3.00)" reads right. */
function term(units: number): string {
  const s = formatEcuNumber(units);
  return s.startsWith("-") ? `(${s})` : s;
}

function priceTerm(units: number): string {
  const s = formatEcuPrice(units);
  return s.startsWith("-") ? `(${s})` : s;
}

/** 1/10,000 currency units → "51.50 EUR". */
export function formatMoney(units: number, currency: string): string {
  return `${formatEcuNumber(units)} ${currency}`;
}

function formatSeconds(s: number): string {
  return String(Math.round(s * 1000) / 1000);
}

function formatPercent(rate: number): string {
  return `${Math.round(rate * 100 * 10_000) / 10_000}%`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Question ids contain dots (`inventory.trader_inv`); test ids and names do not. */
export function questionTestId(id: string): string {
  return id.replaceAll(".", "-");
}

// ---- shared pieces ------------------------------------------------------------------

/**
 * The server's time, re-rendered four times a second until `until` has
 * passed, so countdowns move and the button appears on time; then the
 * timer stops.
 */
function useServerNow(serverNow: () => number, until: number | null): number {
  const [, setTick] = useState(0);
  const now = serverNow();
  const waiting = until !== null && now < until;
  useEffect(() => {
    if (!waiting) return;
    const id = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(id);
  }, [waiting, until]);
  return now;
}

function nextKey(page: PageView): string {
  return `next:${pageKey(page)}`;
}

function NextButton(
  { page, pending, act, disabled = false }:
    & Pick<FlowPageProps, "pending" | "act">
    & { page: PageView; disabled?: boolean },
) {
  const key = nextKey(page);
  return (
    <button
      type="button"
      class="sp-btn sp-primary"
      data-testid="next"
      disabled={disabled || pending.has(key)}
      onClick={() => act(key, { type: "next", page: page.name, round: pageRound(page) })}
    >
      Next
    </button>
  );
}

/** Experimenter-written HTML, already rendered from Markdown and sanitised by the server. */
function ServerHtml({ html, testid }: { html: string; testid: string }) {
  return <div class="sp-html" data-testid={testid} dangerouslySetInnerHTML={{ __html: html }} />;
}

// ---- consent and instructions ---------------------------------------------------------

function ConsentPage({ page, pending, act }: FlowPageProps & { page: Of<"consent"> }) {
  const busy = pending.has("consent");
  return (
    <section class="sp sp-consent" data-testid="consent-page">
      <ServerHtml html={page.html} testid="consent-text" />
      <div class="sp-actions">
        <button
          type="button"
          class="sp-btn sp-primary"
          data-testid="consent-agree"
          disabled={busy}
          onClick={() => act("consent", { type: "consent", agree: true })}
        >
          I agree
        </button>
        <button
          type="button"
          class="sp-btn"
          data-testid="consent-decline"
          disabled={busy}
          onClick={() => act("consent", { type: "consent", agree: false })}
        >
          I do not agree
        </button>
      </div>
    </section>
  );
}

function InstructionsPage(
  { page, pending, act, serverNow }: FlowPageProps & { page: Of<"instructions"> },
) {
  const now = useServerNow(serverNow, page.next_at);
  const wait = secondsUntil(page.next_at, now);
  return (
    <section class="sp sp-instructions" data-testid="instructions-page">
      <ServerHtml html={page.html} testid="instructions-text" />
      <div class="sp-actions">
        {wait > 0
          ? (
            <p class="sp-countdown" data-testid="next-countdown">
              Please read the instructions. You can continue in {wait} s.
            </p>
          )
          : <NextButton page={page} pending={pending} act={act} />}
      </div>
    </section>
  );
}

// ---- quiz ---------------------------------------------------------------------------

function QuizQuestion(
  { q, n, chosen, choose, pending, act }:
    & Pick<FlowPageProps, "pending" | "act">
    & {
      q: QuizQuestionView;
      n: number;
      chosen: number | null;
      choose: (i: number) => void;
    },
) {
  const tid = questionTestId(q.id);
  const open = q.state === "open";
  const tried = new Set(q.tried);
  // An option already tried is wrong and cannot be checked again.
  const selected = open && chosen !== null && !tried.has(chosen) ? chosen : null;
  const checkKey = `quiz:${q.id}:${q.tried.length}`;
  const left = triesLeft(q);
  return (
    <li class={`sp-q sp-q-${q.state}`} data-testid={`quiz-${tid}`} data-state={q.state}>
      <fieldset>
        <legend>
          <span class="sp-q-n">{n}.</span> {q.question}
        </legend>
        {q.options.map((option, i) => {
          const right = !open && q.correct === i;
          const wrong = tried.has(i) && !right;
          return (
            <label
              key={i}
              class={`sp-option${right ? " sp-option-right" : ""}${
                wrong ? " sp-option-wrong" : ""
              }`}
            >
              <input
                type="radio"
                name={`quiz-${tid}`}
                value={String(i)}
                checked={open ? selected === i : q.state === "right" && right}
                disabled={!open || tried.has(i)}
                data-testid={`quiz-option-${tid}-${i}`}
                onChange={() => choose(i)}
              />
              <span>{option}</span>
              {wrong ? <span class="sp-mark sp-mark-wrong">✗ wrong</span> : null}
              {right ? <span class="sp-mark sp-mark-right">✓ right answer</span> : null}
            </label>
          );
        })}
      </fieldset>
      <div class="sp-q-foot">
        {open
          ? (
            <button
              type="button"
              class="sp-btn"
              data-testid={`quiz-check-${tid}`}
              disabled={selected === null || pending.has(checkKey)}
              onClick={() => {
                if (selected === null) return;
                act(checkKey, { type: "quiz_answer", question: q.id, answer: selected });
              }}
            >
              Check
            </button>
          )
          : null}
        <span
          class={open ? (q.tried.length > 0 ? "sp-wrong" : "sp-hint") : `sp-${q.state}`}
          data-testid={`quiz-feedback-${tid}`}
          role="status"
        >
          {open
            ? q.tried.length > 0
              ? `Not right. ${plural(left, "try", "tries")} left.`
              : `You have ${plural(left, "try", "tries")}.`
            : q.state === "right"
            ? "Correct"
            : "The right answer is shown."}
        </span>
      </div>
    </li>
  );
}

function QuizPage({ page, pending, act }: FlowPageProps & { page: Of<"quiz"> }) {
  const [chosen, setChosen] = useState<Record<string, number>>({});
  const done = quizDone(page.questions);
  const open = page.questions.filter((q) => q.state === "open").length;
  return (
    <section class="sp sp-quiz" data-testid="quiz-page">
      <h2>Comprehension quiz</h2>
      <p class="sp-lead">
        Choose an answer to each question and press Check. If an answer is wrong you can try again;
        when the tries are used up, the right answer is shown.
      </p>
      <ol class="sp-questions">
        {page.questions.map((q, i) => (
          <QuizQuestion
            key={q.id}
            q={q}
            n={i + 1}
            chosen={chosen[q.id] ?? null}
            choose={(k) => setChosen((c) => ({ ...c, [q.id]: k }))}
            pending={pending}
            act={act}
          />
        ))}
      </ol>
      <div class="sp-actions">
        <NextButton page={page} pending={pending} act={act} disabled={!done} />
        {done ? null : (
          <span class="sp-hint" data-testid="quiz-open">
            {plural(open, "question is", "questions are")} still to answer.
          </span>
        )}
      </div>
    </section>
  );
}

// ---- results ------------------------------------------------------------------------

interface EquationRow {
  name: string;
  formula: string;
  filled: string;
  result: number;
  testid: string;
}

/** The results-page equations (§8.2), each with this subject's numbers. */
export function resultEquations(r: RoundResultView): EquationRow[] {
  return [
    {
      name: "Cash",
      formula: "Init.Cash + Sold × AvgSale − Bought × AvgBuy",
      filled: `${term(r.endowment)} + ${r.sold} × ${priceTerm(r.avg_sale)} − ${r.bought} × ${
        priceTerm(r.avg_buy)
      }`,
      result: r.cash,
      testid: "results-cash",
    },
    {
      name: "Inventory Value",
      formula: "(Bought − Sold) × Ref.Price",
      filled: `(${r.bought} − ${r.sold}) × ${priceTerm(r.reference_price)}`,
      result: r.inventory_value,
      testid: "results-inventory-value",
    },
    {
      name: "Speed Cost",
      formula: "Speed Price × Seconds Used",
      filled: `${priceTerm(r.speed_unit_cost)} × ${formatSeconds(r.speed_seconds)}`,
      result: r.speed_cost,
      testid: "results-speed-cost",
    },
    {
      name: "PBD",
      formula: "Cash + Inventory Value − Speed Cost",
      filled: `${term(r.cash)} + ${term(r.inventory_value)} − ${term(r.speed_cost)}`,
      result: r.payoff_before_deduction,
      testid: "results-pbd",
    },
    {
      name: "Deduction",
      formula: "|Inventory Value| × Deduction Rate",
      filled: `|${formatEcuNumber(r.inventory_value)}| × ${formatPercent(r.deduction_rate)}`,
      result: r.deduction,
      testid: "results-deduction",
    },
    {
      name: "Payoff",
      formula: "PBD − Deduction",
      filled: `${term(r.payoff_before_deduction)} − ${term(r.deduction)}`,
      result: r.payoff,
      testid: "results-payoff",
    },
  ];
}

function EquationsTable({ r }: { r: RoundResultView }) {
  return (
    <table class="sp-table sp-equations" data-testid="results-table">
      <caption>Your payoff calculations (ECU)</caption>
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">Equation</th>
          <th scope="col">With your numbers</th>
          <th scope="col" class="sp-num">Result</th>
        </tr>
      </thead>
      <tbody>
        {resultEquations(r).map((e) => (
          <tr key={e.testid} class={e.testid === "results-payoff" ? "sp-total" : undefined}>
            <th scope="row">{e.name}</th>
            <td class="sp-formula">{e.name} = {e.formula}</td>
            <td class="sp-formula">{e.filled}</td>
            <td class="sp-num" data-testid={e.testid}>{formatEcu(e.result)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ResultsPage(
  { page, pending, act, serverNow }: FlowPageProps & { page: Of<"results"> },
) {
  const now = useServerNow(serverNow, Math.max(page.next_at, page.advance_at ?? 0));
  const r = page.result;
  const wait = secondsUntil(page.next_at, now);
  const advance = page.advance_at === null ? null : secondsUntil(page.advance_at, now);
  return (
    <section class="sp sp-results" data-testid="results-page">
      <h2 data-testid="results-heading">
        Round {page.round} results{r?.trial ? " (practice round — not paid)" : ""}
      </h2>
      {r === null
        ? <p class="sp-note" data-testid="results-no-seat">You had no seat in this round.</p>
        : (
          <>
            {r.played_by_bot
              ? (
                <p class="sp-warn" data-testid="results-bot">
                  A bot played your seat for part of this round; it is not paid.
                </p>
              )
              : null}
            <EquationsTable r={r} />
            <p class="sp-note">
              Bought {r.bought}, sold {r.sold}: inventory {r.inventory}{" "}
              at the end of the round. The payoff includes the initial endowment (Init.Cash) of{" "}
              {formatEcu(r.endowment)}.
            </p>
          </>
        )}
      <div class="sp-actions">
        {wait > 0
          ? (
            <span class="sp-countdown" data-testid="next-countdown">
              You can continue in {wait} s.
            </span>
          )
          : <NextButton page={page} pending={pending} act={act} />}
        {advance === null ? null : (
          <span class="sp-hint" data-testid="advance-countdown">
            {advance > 0 ? `The page continues by itself in ${advance} s.` : "Continuing…"}
          </span>
        )}
      </div>
    </section>
  );
}

// ---- survey -------------------------------------------------------------------------

function SurveyPage({ page, pending, act }: FlowPageProps & { page: Of<"survey"> }) {
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [triedSubmit, setTriedSubmit] = useState(false);
  if (page.submitted) {
    return (
      <section class="sp sp-survey" data-testid="survey-page">
        <h2>Survey</h2>
        <p data-testid="survey-thanks">Thank you for your answers.</p>
        <div class="sp-actions">
          <NextButton page={page} pending={pending} act={act} />
        </div>
      </section>
    );
  }
  const missing = missingSurveyAnswers(page.questions, answers);
  const missingIds = new Set(triedSubmit ? missing.map((q) => q.id) : []);
  const set = (id: string, v: string) => setAnswers((a) => ({ ...a, [id]: v }));
  const submit = () => {
    setTriedSubmit(true);
    if (missing.length > 0) return;
    const all: Record<string, string> = {};
    for (const q of page.questions) all[q.id] = answers[q.id] ?? "";
    act("survey", { type: "survey", answers: all });
  };
  return (
    <section class="sp sp-survey" data-testid="survey-page">
      <h2>Survey</h2>
      <p class="sp-lead">
        Please answer the questions below. Questions with choices need an answer; the text boxes are
        optional.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <ol class="sp-questions">
          {page.questions.map((q, n) => {
            const tid = questionTestId(q.id);
            return (
              <li
                key={q.id}
                class={missingIds.has(q.id) ? "sp-q sp-q-missing" : "sp-q"}
                data-testid={`survey-${tid}`}
              >
                <fieldset>
                  <legend>
                    <span class="sp-q-n">{n + 1}.</span> {q.question}
                  </legend>
                  {q.options.length === 0
                    ? (
                      <textarea
                        class="sp-text"
                        rows={3}
                        maxLength={MAX_SURVEY_ANSWER}
                        value={answers[q.id] ?? ""}
                        aria-label={q.question}
                        data-testid={`survey-text-${tid}`}
                        onInput={(e) => set(q.id, (e.currentTarget as HTMLTextAreaElement).value)}
                      />
                    )
                    : q.options.map((option, i) => (
                      <label key={i} class="sp-option">
                        <input
                          type="radio"
                          name={`survey-${tid}`}
                          value={option}
                          checked={answers[q.id] === option}
                          data-testid={`survey-option-${tid}-${i}`}
                          onChange={() => set(q.id, option)}
                        />
                        <span>{option}</span>
                      </label>
                    ))}
                </fieldset>
              </li>
            );
          })}
        </ol>
        {triedSubmit && missing.length > 0
          ? (
            <div class="sp-warn" data-testid="survey-missing" role="alert">
              Please answer:{" "}
              {missing.map((q) => `${page.questions.indexOf(q) + 1}. ${q.question}`).join("; ")}
            </div>
          )
          : null}
        <div class="sp-actions">
          <button
            type="submit"
            class="sp-btn sp-primary"
            data-testid="survey-submit"
            disabled={pending.has("survey")}
          >
            Submit
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- payment ------------------------------------------------------------------------

const ELIGIBILITY: Record<Payment["eligibility"], string | null> = {
  eligible: null,
  not_consented: "You did not agree to take part, so you did not trade.",
  overbooked:
    "More people came than the markets had places for, and you were drawn at random not to trade.",
  underbooked: "Too few people came for the markets to run, so nobody traded.",
};

function countedText(r: RoundPayoff & { counted: boolean }, p: Payment): string {
  if (r.counted) return "yes";
  if (r.trial) return "no — practice round";
  if (r.played_by_bot) return "no — a bot played your seat";
  if (p.rule === "random" && r.round !== p.paid_round) return "no — not the drawn round";
  return "no";
}

function ruleText(p: Payment): string {
  if (p.rule === "sum") {
    return "You are paid the sum of your payoffs in the paid rounds; practice rounds are not paid.";
  }
  if (p.paid_round === null) return "Every round was a practice round, so no round is paid.";
  return `You are paid for round ${p.paid_round}, drawn at random from the paid rounds ` +
    "(drawn once when the session was created).";
}

export function PaymentReport({ p }: { p: Payment }) {
  const eligible = p.eligibility === "eligible";
  const money = (units: number) => formatMoney(units, p.currency);
  return (
    <section class="sp sp-payment" data-testid="payment">
      <h2>Your payment</h2>
      <p>
        Participant <strong data-testid="payment-label">{p.label}</strong>
      </p>
      {eligible
        ? null
        : (
          <p class="sp-note" data-testid="payment-eligibility" data-eligibility={p.eligibility}>
            {ELIGIBILITY[p.eligibility]} You receive the participation fee.
          </p>
        )}
      {eligible
        ? (
          <>
            <p data-testid="payment-rule">{ruleText(p)}</p>
            <table class="sp-table" data-testid="payment-rounds">
              <thead>
                <tr>
                  <th scope="col">Round</th>
                  <th scope="col">Practice</th>
                  <th scope="col" class="sp-num">Payoff incl. endowment (ECU)</th>
                  <th scope="col">Counted</th>
                </tr>
              </thead>
              <tbody>
                {p.rounds.map((r) => (
                  <tr key={r.round} class={r.counted ? "sp-counted" : undefined}>
                    <td>{r.round}</td>
                    <td>{r.trial ? "practice" : ""}</td>
                    <td class="sp-num">{formatEcuNumber(r.payoff)}</td>
                    <td>{countedText(r, p)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="sp-note" data-testid="payment-endowment-note">
              Each round's payoff includes the initial endowment you started the round with.
            </p>
          </>
        )
        : null}
      <table class="sp-table sp-sum">
        <tbody>
          {eligible
            ? (
              <>
                <tr>
                  <th scope="row">E: counted payoffs</th>
                  <td class="sp-num" data-testid="payment-ecu">{formatEcu(p.ecu)}</td>
                </tr>
                <tr>
                  <th scope="row">× exchange rate</th>
                  <td class="sp-num">
                    × {String(p.exchange_rate)} {p.currency} per ECU
                  </td>
                </tr>
                <tr>
                  <th scope="row">= earnings</th>
                  <td class="sp-num" data-testid="payment-earnings">
                    {money(p.earnings_before_cap)}
                  </td>
                </tr>
                {p.negative
                  ? (
                    <tr>
                      <td colSpan={2} class="sp-note" data-testid="payment-negative">
                        E is negative, so your earnings are 0; you still receive the participation
                        fee.
                      </td>
                    </tr>
                  )
                  : null}
                {p.capped
                  ? (
                    <tr>
                      <td colSpan={2} class="sp-note" data-testid="payment-capped">
                        Earnings are capped at {money(p.max_payment)}: you receive{" "}
                        {money(p.earnings)}.
                      </td>
                    </tr>
                  )
                  : null}
              </>
            )
            : null}
          <tr>
            <th scope="row">+ participation fee</th>
            <td class="sp-num" data-testid="payment-fee">{money(p.participation_fee)}</td>
          </tr>
          <tr class="sp-total">
            <th scope="row">= total payment</th>
            <td class="sp-num" data-testid="payment-total">{money(p.payment)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function PaymentPage({ page }: FlowPageProps & { page: Of<"payment"> }) {
  if (page.payment === null) {
    return (
      <section class="sp sp-payment" data-testid="payment-pending">
        <p>Your payment is being computed…</p>
        <p class="sp-hint">This page updates by itself; please keep it open.</p>
      </section>
    );
  }
  return <PaymentReport p={page.payment} />;
}

// ---- dispatch -----------------------------------------------------------------------

export const PAGE_TITLES: Record<FlowPageView["name"], string> = {
  consent: "Consent",
  instructions: "Instructions",
  quiz: "Quiz",
  results: "Results",
  survey: "Survey",
  payment: "Payment",
};

export function FlowPage(props: FlowPageProps) {
  const { page } = props;
  switch (page.name) {
    case "consent":
      return <ConsentPage {...props} page={page} />;
    case "instructions":
      return <InstructionsPage {...props} page={page} />;
    case "quiz":
      return <QuizPage {...props} page={page} />;
    case "results":
      return <ResultsPage {...props} page={page} />;
    case "survey":
      return <SurveyPage {...props} page={page} />;
    case "payment":
      return <PaymentPage {...props} page={page} />;
  }
}

/** Above the inert trading screen while a round waits to start. */
export function WaitBanner({ page }: { page: Of<"wait"> }) {
  const kind = page.trial ? "practice" : "paid";
  const text = page.experimenter_starts
    ? `Round ${page.round} (${kind}) starts when the experimenter starts it`
    : page.waiting_for > 0
    ? `Round ${page.round} (${kind}) starts when everyone is ready — waiting for ${
      plural(page.waiting_for, "participant", "participants")
    }`
    : `Round ${page.round} (${kind}) is about to start`;
  return <div class="ss-banner" data-testid="wait-banner">{text}</div>;
}

/** The pages' styles; the trading screen's are the page's own. */
export const PAGE_CSS = `
.sp { background:#fff; border:1px solid var(--line,#e3e7ec); border-radius:.5rem; padding:1rem 1.25rem;
  max-width:52rem; width:100%; margin:0 auto; }
.sp h2 { font-size:1.25rem; margin:.1rem 0 .75rem; }
.sp-html { line-height:1.55; }
.sp-html h1 { font-size:1.35rem; }
.sp-html h2 { font-size:1.15rem; }
.sp-html img, .sp-html video, .sp-html iframe { max-width:100%; }
.sp-lead, .sp-hint, .sp-note { color:var(--muted,#5d6875); }
.sp-hint { font-size:.88rem; }
.sp-actions { display:flex; flex-wrap:wrap; align-items:center; gap:.6rem 1rem; margin-top:1rem; }
.sp-btn { font:inherit; font-weight:600; padding:.5rem 1.2rem; border-radius:.35rem; cursor:pointer;
  border:1px solid var(--accent,#2857c5); background:#fff; color:var(--accent,#2857c5); }
.sp-primary { background:var(--accent,#2857c5); color:#fff; }
.sp-btn:disabled { opacity:.5; cursor:not-allowed; }
.sp-btn:focus-visible { outline:3px solid #9db7ee; outline-offset:2px; }
.sp-countdown { margin:0; font-weight:500; }
.sp-questions { padding-left:0; list-style:none; display:flex; flex-direction:column; gap:.9rem; }
.sp-q { border:1px solid var(--line,#e3e7ec); border-radius:.4rem; padding:.6rem .8rem; }
.sp-q fieldset { border:0; margin:0; padding:0; display:flex; flex-direction:column; gap:.25rem; }
.sp-q legend { font-weight:600; margin-bottom:.35rem; padding:0; }
.sp-q-n { color:var(--muted,#5d6875); }
.sp-q-right { border-color:#8fd1ad; }
.sp-q-revealed { border-color:#e6c37a; }
.sp-q-missing { border-color:#c0392b; box-shadow:0 0 0 2px #fdecea; }
.sp-option { display:flex; align-items:baseline; gap:.5rem; padding:.2rem .35rem; border-radius:.3rem; }
.sp-option-wrong { color:#8a1c10; background:#fdecea; }
.sp-option-right { color:#13804b; background:#d9f2e4; font-weight:600; }
.sp-mark { font-size:.8rem; margin-left:auto; white-space:nowrap; }
.sp-q-foot { display:flex; align-items:center; gap:.75rem; margin-top:.5rem; min-height:2.2rem; }
.sp-wrong { color:#8a1c10; }
.sp-right { color:#13804b; font-weight:700; }
.sp-revealed { color:#8a5a00; font-weight:600; }
.sp-warn { background:#fff4e5; border:1px solid #f0c27b; border-radius:.4rem; padding:.5rem .75rem; }
.sp-text { width:100%; font:inherit; padding:.4rem .5rem; border:1px solid #c9d3de; border-radius:.3rem; resize:vertical; }
.sp-table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; margin:.5rem 0; }
.sp-table caption { text-align:left; font-weight:600; margin-bottom:.3rem; }
.sp-table th, .sp-table td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line,#e3e7ec); }
.sp-table thead th { font-size:.75rem; text-transform:uppercase; letter-spacing:.04em; color:var(--muted,#5d6875); }
.sp-num { text-align:right !important; white-space:nowrap; }
.sp-formula { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.88rem; }
.sp-total th, .sp-total td { font-weight:700; border-top:2px solid var(--ink,#1d232b); }
.sp-counted td { background:#f1faf5; }
.sp-sum { max-width:32rem; }
@media (max-width:40rem) { .sp { padding:.75rem; } .sp-equations .sp-formula { font-size:.78rem; } }
`;
