/**
 * A complete two-subject session in real browsers against the real server,
 * from the lab's room to the payment: the experimenter creates a room on
 * its admin page, two lab PCs open their seat links before any session
 * exists, the session is created in the room and both pages turn into it;
 * the subjects consent, read the instructions, play a practice round, pass
 * the quiz, play a paid round, read their results, answer the survey and
 * see their payment, which a reload does not change and which the
 * experimenter's payments table and payments.csv agree with.
 */

import assert from "node:assert/strict";
import {
  chromiumPresent,
  hydrated,
  launchChromium,
  type Page,
  type RunningServer,
  SCREENSHOT_DIR,
  startServer,
  textUntil,
  until,
} from "./browser_harness.ts";
import { formatMoney } from "../experiment/payment.ts";
import type { SessionView } from "../protocol/admin_protocol.ts";

const HAVE_CHROMIUM = chromiumPresent();

const CONFIGS = new URL("../configs/", import.meta.url).pathname;

/** Two people and a market-making bot; a 3-s practice round and a 3-s paid round. */
function config(): string {
  return `# written by tests/browser_flow_test.ts
session:
  session-name: browser_flow
  display-name: Browser flow test
  num-rounds: 2
  trial-rounds: [1]
  exchange-rate: 0.02
  participation-fee: 2.5
  max-payment: 50
  post-session-delay: 1
  auto-advance: 0
  instructions-next-button-timeout: 2
  seed: 11
market:
  auction-format: CDA
traders:
  number-of-traders: 3
  seats:
    - { a-y: 0.5, a-z: 0.5 }
    - { a-y: 0.5, a-z: 0.5 }
    - { role: automated, speed: true, bot: true, a-y: 0.5, a-z: 0.5 }
parameters:
  session-duration: 3
flow:
  consent: |
    # Consent
    Taking part is **voluntary**.
  instructions: |
    # How the market works
    Orders meet continuously.
  quiz: ${CONFIGS}data/q_and_a.json
  quiz-sections: [speed]
  survey-sections: [general]
exogenous-events:
  investor-arrivals: [data/investor_focal_T1_May2021.csv, data/investor_focal_T1_May2021.csv]
  external-feed: [data/external_feed_T1_May2021.csv, data/external_feed_T1_May2021.csv]
`;
}

function watchErrors(page: Page, name: string, errors: string[]): void {
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${name} console: ${m.text()}`);
  });
}

async function visible(page: Page, testid: string, what: string, timeoutMs = 15_000) {
  await until(what, () => page.getByTestId(testid).first().isVisible(), timeoutMs);
}

/** Answers every quiz question by trying its options in order until it is right or shown. */
async function passQuiz(page: Page): Promise<void> {
  const questions = page.locator('[data-testid^="quiz-"][data-state]');
  const n = await questions.count();
  assert.ok(n > 0, "the quiz has questions");
  for (let q = 0; q < n; q++) {
    const question = questions.nth(q);
    for (
      let guard = 0;
      guard < 10 && (await question.getAttribute("data-state")) === "open";
      guard++
    ) {
      const option = question.locator('input[type="radio"]:not([disabled])').first();
      const tid = await option.getAttribute("data-testid");
      await option.check();
      await question.locator('[data-testid^="quiz-check-"]').click();
      await until(
        `the answer to ${tid} is graded`,
        async () =>
          (await question.getAttribute("data-state")) !== "open" ||
          await page.getByTestId(tid!).isDisabled(),
      );
    }
    assert.notEqual(await question.getAttribute("data-state"), "open");
  }
}

async function clickNext(page: Page, what: string): Promise<void> {
  await until(`${what}: "next" offered`, () => page.getByTestId("next").first().isEnabled());
  await page.getByTestId("next").first().click();
}

Deno.test({
  name: "browser: a whole session from the room to the payment, two subjects",
  ignore: !HAVE_CHROMIUM,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "hft-browser-flow-" });
    await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
    const password = crypto.randomUUID();
    const errors: string[] = [];
    let server: RunningServer | null = null;
    let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
    const auth = { authorization: `Bearer ${password}` };
    try {
      server = await startServer({ HFT_ADMIN_PASSWORD: password, HFT_DATA_DIR: dataDir });
      const origin = server.origin;
      browser = await launchChromium();

      // ---- the experimenter creates the lab's room ----
      const adminContext = await browser.newContext({
        baseURL: origin,
        viewport: { width: 1280, height: 900 },
        httpCredentials: { username: "experimenter", password, send: "always" },
      });
      const admin = await adminContext.newPage();
      watchErrors(admin, "admin", errors);
      assert.equal((await admin.goto("/admin/rooms"))?.status(), 200);
      await hydrated(admin);
      await admin.getByTestId("room-name").fill("lab");
      await admin.getByTestId("room-labels").fill("A1\nA2\nA3");
      await admin.getByTestId("create-room").click();
      await until(
        "the room's seat links",
        async () => (await admin.getByTestId("seat-link").count()) === 3,
      );
      const seatUrls = await admin.getByTestId("seat-link").evaluateAll((els) =>
        els.map((e) => (e as HTMLAnchorElement).href)
      );

      // ---- two lab PCs open their seats before any session exists ----
      const subjects: Page[] = [];
      for (const [i, url] of seatUrls.slice(0, 2).entries()) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
        const page = await context.newPage();
        watchErrors(page, `seat A${i + 1}`, errors);
        assert.equal((await page.goto(url))?.status(), 200);
        await hydrated(page);
        await textUntil(page, "room-wait-message", "the waiting page", (t) => /wait/i.test(t));
        subjects.push(page);
      }
      await until("both seats present", async () => {
        const room = await (await fetch(`${origin}/api/rooms/lab`, { headers: auth })).json();
        return room.seats.filter((s: { present: boolean }) => s.present).length === 2;
      });

      // ---- the session is created in the room: the seat pages turn into it ----
      const created = await fetch(`${origin}/api/sessions?room=lab`, {
        method: "POST",
        headers: auth,
        body: config(),
      });
      const body = await created.json();
      assert.equal(created.status, 201, JSON.stringify(body));
      const code: string = body.code;
      for (const page of subjects) {
        await visible(page, "consent-page", "the consent page replaces the waiting page");
        await hydrated(page);
      }
      assert.match(
        await subjects[0].getByTestId("consent-page").innerHTML(),
        /<strong>voluntary<\/strong>/,
      );
      assert.equal((await subjects[0].getByTestId("label").first().textContent())?.trim(), "A1");

      for (const page of subjects) await page.getByTestId("consent-agree").click();
      for (const page of subjects) {
        await visible(page, "instructions-page", "the instructions");
        await clickNext(page, "instructions");
      }

      // ---- the practice round starts by itself once both are ready ----
      for (const page of subjects) {
        await textUntil(page, "phase", "round 1 trading", (t) => /trad|run/i.test(t));
      }
      await subjects[0].getByTestId("role-automated").click();
      for (const page of subjects) await visible(page, "results-table", "round 1 results", 20_000);
      const practice = await subjects[0].getByTestId("results-heading").textContent();
      assert.match(practice ?? "", /practice/i);
      await subjects[0].screenshot({ path: `${SCREENSHOT_DIR}/flow-results.png`, fullPage: true });

      // ---- the quiz before the paid round ----
      for (const page of subjects) {
        await clickNext(page, "round 1 results");
        await visible(page, "quiz-page", "the quiz");
        await passQuiz(page);
        await clickNext(page, "quiz");
      }
      await subjects[0].screenshot({ path: `${SCREENSHOT_DIR}/flow-wait.png`, fullPage: true });
      for (const page of subjects) await visible(page, "results-table", "round 2 results", 20_000);
      const payoff = await subjects[0].getByTestId("results-payoff").textContent();
      assert.match(payoff ?? "", /\d/);

      // ---- the survey, then the payment ----
      for (const [i, page] of subjects.entries()) {
        await clickNext(page, "round 2 results");
        await visible(page, "survey-page", "the survey");
        const radios = page.locator('[data-testid^="survey-option-"]');
        const groups = new Set<string>();
        for (let k = 0; k < await radios.count(); k++) {
          const name = (await radios.nth(k).getAttribute("name")) ?? String(k);
          if (groups.has(name)) continue;
          groups.add(name);
          await radios.nth(k).check();
        }
        const texts = page.locator('[data-testid^="survey-text-"]');
        for (let k = 0; k < await texts.count(); k++) await texts.nth(k).fill(`fine ${i}`);
        await page.getByTestId("survey-submit").click();
        await visible(page, "survey-thanks", "the survey is stored");
        await clickNext(page, "survey");
        await visible(page, "payment-total", "the payment page");
      }
      await subjects[0].screenshot({ path: `${SCREENSHOT_DIR}/flow-payment.png`, fullPage: true });

      // the payment shown is the one computed once, and a reload does not change it
      const view: SessionView =
        await (await fetch(`${origin}/api/sessions/${code}`, { headers: auth }))
          .json();
      assert.ok(view.payments, "payments are computed");
      const byLabel = new Map(view.payments.map((p) => [p.label, p]));
      for (const [i, page] of subjects.entries()) {
        const row = byLabel.get(`A${i + 1}`)!;
        assert.equal(row.eligibility, "eligible");
        assert.deepEqual(row.rounds.map((r) => [r.round, r.counted]), [[1, false], [2, true]]);
        const shown = (await page.getByTestId("payment-total").textContent())?.trim();
        assert.equal(shown, formatMoney(row.payment, "EUR"));
        await page.reload();
        await hydrated(page);
        await visible(page, "payment-total", "the payment after a reload");
        assert.equal((await page.getByTestId("payment-total").textContent())?.trim(), shown);
      }
      const csv = await (await fetch(`${origin}/api/sessions/${code}/export/payments.csv`, {
        headers: auth,
      })).text();
      const lines = csv.trim().split(/\r?\n/);
      assert.equal(lines.length, 1 + 2, "one row per participant, once");

      // ---- the experimenter's payments table ----
      assert.equal((await admin.goto(`/admin/sessions/${code}`))?.status(), 200);
      await hydrated(admin);
      await visible(admin, "payments-table", "the payments table");
      const table = (await admin.getByTestId("payments-table").textContent()) ?? "";
      for (const row of view.payments) {
        assert.ok(table.includes(formatMoney(row.payment, "EUR").split(" ")[0]));
      }
      await admin.screenshot({ path: `${SCREENSHOT_DIR}/flow-admin-payments.png`, fullPage: true });

      assert.deepEqual(errors, [], "no page errors");
    } catch (e) {
      if (server) console.error(server.output().slice(-4000));
      throw e;
    } finally {
      await browser?.close();
      await server?.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
