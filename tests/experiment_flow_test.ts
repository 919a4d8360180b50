/**
 * The experiment around the market, on the in-process event log: consent,
 * market formation with overbooking and underbooking, instructions, the
 * quiz before the first paid round, rounds that start when everyone is
 * ready, results, the survey and payments computed once; a dropped
 * participant's seat played by a bot through the subject protocol; and a
 * session rebuilt from its log mid-flow.
 */

import assert from "node:assert/strict";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { EventAppender } from "../session/event_appender.ts";
import { SessionRegistry } from "../session/session_registry.ts";
import type { LiveSession } from "../session/live_session.ts";
import type { SubjectSocket } from "../session/subject_channel.ts";
import type { PageView, SubjectRequest } from "../protocol/subject_protocol.ts";
import type { ParticipantEntry, PaymentsEvent } from "../eventlog/event_kinds.ts";
import { computePayments } from "../experiment/payment.ts";

const CONFIGS = new URL("../configs/", import.meta.url).pathname;

/** Four people for one market of three, a practice round and two paid rounds of 1 s. */
function config(extra: { consent?: boolean; underbooking?: boolean; people?: number } = {}) {
  return `
session:
  session-name: flow_test
  num-rounds: 3
  trial-rounds: [1]
  exchange-rate: 0.02
  participation-fee: 2.5
  max-payment: 50
  post-session-delay: 0
  auto-advance: 0
  instructions-next-button-timeout: 0
  seed: 7
market:
  auction-format: CDA
demo:
  number-of-participants: ${extra.people ?? 4}
traders:
  number-of-traders: 3
  allow-underbooking: ${extra.underbooking ?? false}
  seats:
    - { a-y: 0.5, a-z: 0.5 }
    - { a-y: 0.5, a-z: 0.5 }
    - { a-y: 0.2, a-z: 1 }
parameters:
  session-duration: 1
flow:
  ${extra.consent === false ? "" : "consent: 'You may **stop** at any time. <script>x</script>'"}
  instructions:
    cda: "# Continuous double auction"
    fba: "# Batches"
    iex: "# Speed bump"
  quiz: data/q_and_a.json
  quiz-sections: [inventory, speed]
exogenous-events:
  investor-arrivals: [${"data/investor_focal_T1_May2021.csv, ".repeat(3)}]
  external-feed: [${"data/external_feed_T1_May2021.csv, ".repeat(3)}]
`;
}

class Screen implements SubjectSocket {
  readonly got: Record<string, unknown>[] = [];
  send(text: string): void {
    this.got.push(JSON.parse(text));
  }
  of(type: string) {
    return this.got.filter((m) => m.type === type);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 8000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function open(log?: MemoryEventLog) {
  const l = log ?? await MemoryEventLog.open({});
  const appender = new EventAppender(l);
  const registry = new SessionRegistry({ appender, configDir: CONFIGS });
  return { log: l, appender, registry };
}

class Subject {
  readonly screen = new Screen();
  constructor(readonly session: LiveSession, readonly p: ParticipantEntry) {
    session.connect(p, this.screen);
  }
  send(request: SubjectRequest): void {
    this.session.handle(this.p, this.screen, request);
  }
  page(): PageView {
    return this.session.snapshot(this.p).page;
  }
  next(): void {
    const page = this.page();
    this.send({
      type: "next",
      page: page.name,
      round: "round" in page ? page.round : null,
    });
  }
  refusals(): string[] {
    return this.screen.of("refused").map((m) => String(m.reason));
  }
  /** Answers every quiz question, wrong first for the odd-numbered ones. */
  answerQuiz(): void {
    for (const q of this.session.flow.quizOf(this.p.index)) {
      if (q.id.length % 2 === 1) {
        this.send({
          type: "quiz_answer",
          question: q.id,
          answer: (q.correct + 1) % q.options.length,
        });
      }
      this.send({ type: "quiz_answer", question: q.id, answer: q.correct });
    }
  }
}

Deno.test("experiment flow: consent, overbooking, instructions, quiz, rounds, results, survey, payment", async () => {
  const { log, appender, registry } = await open();
  const session = await registry.create(config(), "flow.yaml");
  try {
    assert.equal(session.participants.length, 4);
    assert.ok(session.participants.every((p) => p.market === null));
    const subjects = session.participants.map((p) => new Subject(session, p));
    const consent = subjects[0].page();
    assert.equal(consent.name, "consent");
    // the experimenter's Markdown, with its raw HTML shown as text
    assert.match((consent as { html: string }).html, /<strong>stop<\/strong>/);
    assert.doesNotMatch((consent as { html: string }).html, /<script>/);

    // trading before the markets are formed is refused with the reason
    subjects[0].send({ type: "role", role: "manual" });
    assert.match(subjects[0].refusals().at(-1)!, /no round is running/);

    for (const s of subjects) s.send({ type: "consent", agree: true });
    // four consented for three seats: one drawn to sit out, paid the fee
    const formed = session.flow.formation!;
    assert.equal(formed.by, "consent");
    assert.equal(formed.overbooked.length, 1);
    assert.equal(formed.seats.length, 3);
    const out = subjects[formed.overbooked[0] - 1];
    const traders = subjects.filter((s) => s !== out);
    const outPage = out.page();
    assert.equal(outPage.name, "payment");
    assert.equal((outPage as { payment: { payment: number } }).payment.payment, 25_000);
    assert.deepEqual(traders.map((s) => s.p.seat), [1, 2, 3]);

    for (const s of traders) {
      assert.equal(s.page().name, "instructions");
      s.next();
      s.next(); // a double click moves one page only
      assert.deepEqual(s.page(), {
        name: "wait",
        round: 1,
        trial: true,
        waiting_for: traders.indexOf(s) === 2 ? 0 : 2 - traders.indexOf(s),
        experimenter_starts: false,
      });
    }
    // everyone ready and connected: round 1 starts by itself
    await until("round 1 starts", () => session.round === 1);
    for (const s of traders) assert.equal(s.page().name, "trading");
    await until("round 1 results", () => traders.every((s) => s.page().name === "results"));
    const r1 = traders[0].page() as Extract<PageView, { name: "results" }>;
    assert.equal(r1.round, 1);
    assert.ok(r1.result);
    assert.equal(r1.result.trial, true);
    // the equations hold
    const r = r1.result;
    assert.equal(r.payoff_before_deduction, r.cash + r.inventory_value - r.speed_cost);
    assert.equal(r.payoff, r.payoff_before_deduction - r.deduction);

    // the quiz comes before the first paid round (2)
    for (const s of traders) s.next();
    for (const s of traders) assert.equal(s.page().name, "quiz");
    traders[0].next();
    assert.match(traders[0].refusals().at(-1)!, /answer every question/);
    for (const s of traders) s.answerQuiz();
    const quiz = traders[0].page() as Extract<PageView, { name: "quiz" }>;
    assert.ok(quiz.questions.length > 0);
    assert.ok(quiz.questions.every((q) => q.state === "right"));
    for (const s of traders) s.next();
    await until("round 2 starts", () => session.round === 2);
    await until("round 2 results", () => traders.every((s) => s.page().name === "results"));
    for (const s of traders) s.next();
    await until("round 3 starts", () => session.round === 3);
    await until("round 3 results", () => traders.every((s) => s.page().name === "results"));
    assert.equal(session.phase, "finished");
    assert.ok(session.flow.payments, "payments are computed when the last round is settled");

    // the survey, then the payment page
    for (const s of traders) s.next();
    const survey = traders[0].page() as Extract<PageView, { name: "survey" }>;
    assert.equal(survey.name, "survey");
    traders[0].send({ type: "survey", answers: {} });
    assert.match(traders[0].refusals().at(-1)!, /please answer/);
    const answers = Object.fromEntries(
      survey.questions.map((q) => [q.id, q.options[0] ?? "fine"]),
    );
    for (const s of traders) {
      s.send({ type: "survey", answers });
      s.next();
      assert.equal(s.page().name, "payment");
    }

    // the payment is the rule applied to the logged payoffs of the paid rounds
    await appender.flush();
    const m1 = await log.read(`${session.code}/m1`);
    for (const s of traders) {
      const payoffs = m1.filter((e) => e.kind === "payoff" && e.data.participant === s.p.index);
      assert.equal(payoffs.length, 3);
      const expected = computePayments({
        payment: session.config.payment,
        currency: "EUR",
        numRounds: 3,
        trialRounds: [1],
        paidRound: null,
        participants: [{
          participant: s.p.index,
          label: s.p.label,
          eligibility: "eligible",
          rounds: payoffs.map((e) => ({
            round: e.round!,
            trial: e.round === 1,
            payoff: e.data.payoff as number,
            played_by_bot: false,
          })),
        }],
      })[0];
      const page = s.page() as Extract<PageView, { name: "payment" }>;
      assert.deepEqual(page.payment, expected);
      const e = payoffs.filter((x) => x.round !== 1).reduce(
        (a, x) => a + (x.data.payoff as number),
        0,
      );
      assert.equal(expected.ecu, e);
      assert.equal(
        expected.payment,
        25_000 + Math.min(Math.max(0, Math.round(e * 0.02 / 100) * 100), 500_000),
      );
    }

    // refreshes and rebuilds never pay twice
    for (const s of traders) s.send({ type: "hello", last_seq: null });
    const sessionEvents = await log.read(session.code);
    assert.equal(sessionEvents.filter((e) => e.kind === "payments").length, 1);
    const { registry: again } = await open(log);
    await again.recover();
    const rebuilt = again.get(session.code)!;
    try {
      await sleep(50);
      await appender.flush();
      assert.equal((await log.read(session.code)).filter((e) => e.kind === "payments").length, 1);
      for (const s of traders) {
        assert.deepEqual(rebuilt.snapshot(s.p).page, s.page());
      }
      assert.equal(rebuilt.flow.quizScore(traders[0].p.index).asked, quiz.questions.length);
      const rows = (sessionEvents.find((e) =>
        e.kind === "payments"
      )!.data as unknown as PaymentsEvent)
        .rows;
      assert.deepEqual(rows.map((r) => r.eligibility).sort(), [
        "eligible",
        "eligible",
        "eligible",
        "overbooked",
      ]);
    } finally {
      rebuilt.close();
    }
    // page times are in the log: every participant's pages in order
    const pages = sessionEvents.filter((e) =>
      e.kind === "page" && e.data.participant === traders[0].p.index
    )
      .map((e) => `${e.data.page}${e.data.round ?? ""}`);
    assert.deepEqual(pages, [
      "consent",
      "instructions",
      "wait1",
      "trading1",
      "results1",
      "quiz",
      "wait2",
      "trading2",
      "results2",
      "wait3",
      "trading3",
      "results3",
      "survey",
      "payment",
    ]);
  } finally {
    session.close();
  }
});

Deno.test("experiment flow: a dropped participant's seat is played by a bot through the subject protocol", async () => {
  const { log, appender, registry } = await open();
  const session = await registry.create(
    config({ consent: false, people: 3 }).replace("session-duration: 1", "session-duration: 3")
      .replace("quiz: data/q_and_a.json", "").replace("quiz-sections: [inventory, speed]", ""),
    "flow.yaml",
  );
  try {
    const subjects = session.participants.map((p) => new Subject(session, p));
    for (const s of subjects) {
      assert.equal(s.page().name, "instructions");
      s.next();
    }
    await until("round 1 starts", () => session.round === 1);
    const [a] = subjects;
    session.setDropped(a.p.index, true);
    assert.throws(() => session.setDropped(a.p.index, true), /already dropped/);
    // the bot chose the automated role and the seat's sliders, as a subject would
    await until("the bot trades", () => session.snapshot(a.p).strategy.role === "automated");
    a.send({ type: "role", role: "out" });
    assert.match(a.refusals().at(-1)!, /a bot plays your seat/);
    await until("round 1 results", () => subjects.every((s) => s.page().name === "results"));
    const r1 = a.page() as Extract<PageView, { name: "results" }>;
    assert.equal(r1.result?.played_by_bot, true);
    session.setDropped(a.p.index, false);
    a.send({ type: "role", role: "out" });
    assert.match(a.refusals().at(-1)!, /no round is running|round is over/);
    for (const s of subjects) s.next();
    await until("round 2 starts", () => session.round === 2);
    a.send({ type: "role", role: "out" });
    await until("the person's own decision", () => session.snapshot(a.p).strategy.role === "out");
    session.finish();
    assert.throws(() => session.finish(), /already finished/);
    await appender.flush();
    const actions = (await log.read(`${session.code}/m1`)).filter((e) =>
      e.kind === "action" && e.data.seat === a.p.seat
    );
    assert.deepEqual(
      (actions[0].data as { action: SubjectRequest }).action,
      { type: "role", role: "automated" },
    );
    const payment = session.flow.paymentOf(a.p.index)!;
    assert.deepEqual(
      payment.rounds.map((r) => [r.round, r.played_by_bot, r.counted]),
      [[1, true, false], [2, false, true]],
    );
    for (const s of subjects) assert.notEqual(s.page().name, "trading");
  } finally {
    session.close();
  }
});

Deno.test("experiment flow: too few consent without underbooking, so nobody trades and all get the fee", async () => {
  const { registry } = await open();
  const session = await registry.create(config({ people: 3 }), "flow.yaml");
  try {
    const subjects = session.participants.map((p) => new Subject(session, p));
    subjects[0].send({ type: "consent", agree: true });
    subjects[1].send({ type: "consent", agree: false });
    assert.equal(subjects[1].page().name, "payment");
    await assert.rejects(() => session.startRound(), /markets are not formed/);
    session.formMarkets();
    assert.deepEqual(session.flow.formation!.underbooked, [1]);
    assert.deepEqual(session.flow.formation!.not_consented, [2, 3]);
    await assert.rejects(() => session.startRound(), /underbooking is not allowed/);
    for (const s of subjects) {
      const page = s.page() as Extract<PageView, { name: "payment" }>;
      assert.equal(page.name, "payment");
      assert.equal(page.payment?.payment, 25_000);
    }
    // a late consent cannot seat anyone any more
    subjects[2].send({ type: "consent", agree: true });
    assert.match(subjects[2].refusals().at(-1)!, /consent page is behind you/);
  } finally {
    session.close();
  }
});

Deno.test("experiment flow: with underbooking allowed the market runs short, the empty seat sitting out", async () => {
  const { registry } = await open();
  const session = await registry.create(
    config({ people: 2, underbooking: true }),
    "flow.yaml",
  );
  try {
    const subjects = session.participants.map((p) => new Subject(session, p));
    for (const s of subjects) s.send({ type: "consent", agree: true });
    assert.equal(session.flow.formation!.markets, 1);
    assert.deepEqual(session.participants.map((p) => [p.market, p.seat]), [[1, 1], [1, 2]]);
    for (const s of subjects) s.next();
    await until("round 1 starts", () => session.round === 1);
    const view = session.view({ admin: "", subject: (t) => t });
    assert.deepEqual(view.markets[0].participants.map((p) => p.label), ["P1", "P2"]);
  } finally {
    session.close();
  }
});
