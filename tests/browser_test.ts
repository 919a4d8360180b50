/**
 * The whole experiment in real browsers against the real server: an
 * experimenter creates a session and starts the round, two subjects trade
 * with each other from their screens, one reloads mid-round and gets its
 * state back, and the monitor shows both.
 *
 * The round's exogenous files are written for the test: no investor
 * arrives while it runs, so the only orders in the book are the subjects'
 * and the trade between them is certain.
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

const HAVE_CHROMIUM = chromiumPresent();
if (!HAVE_CHROMIUM) {
  console.warn(
    "browser_test: skipped, /usr/bin/chromium is not installed (apt-get install chromium)",
  );
}

/** The only investor comes after the test is over; the external market sits at 99–101 ECU. */
const QUIET_INVESTORS =
  "arrival_time,market_id_in_subsession,price,buy_sell_indicator,time_in_force\n" +
  "115,1,500000,B,1\n";
const QUIET_FEED =
  "arrival_time,market_id_in_subsession,e_best_bid,e_best_offer,e_signed_volume\n" +
  "0.1,1,990000,1010000,0\n";

function config(exogenousDir: string): string {
  return `# written by tests/browser_test.ts
session:
  session-name: browser_test
  display-name: Browser test
  environment: elo
  num-rounds: 1
  trial-rounds: []
  seed: 7
  exogenous-event-directory: ${exogenousDir}
market:
  auction-format: CDA
  number-of-markets: 1
traders:
  number-of-traders: 2
flow:
  round-start: experimenter
parameters:
  session-duration: 120
  initial-endowment: 100
  include-manual-role: true
  default-role: out
exogenous-events:
  investor-arrivals: [quiet_investors.csv]
  external-feed: [quiet_feed.csv]
`;
}

/** Installed before the page's scripts: records when each WebSocket frame arrives. */
const RECORD_FRAMES = `(() => {
  globalThis.__frames = [];
  const Native = globalThis.WebSocket;
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered before the page's own handler, so it runs first.
      this.addEventListener("message", (e) => {
        globalThis.__frames.push({ t: performance.now(), data: String(e.data) });
      });
    }
  };
})();`;

/** Records when the inventory first reads `value` on screen. */
function watchInventory(value: string): void {
  const w = globalThis as unknown as { __inventoryShownAt: number | null };
  w.__inventoryShownAt = null;
  const observer = new MutationObserver(() => {
    const el = document.querySelector('[data-testid="inventory"]');
    if (el?.textContent?.trim() === value && w.__inventoryShownAt === null) {
      w.__inventoryShownAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
}

/** Clicks the spread graph at a price through its published linear scale; left = bid. */
async function clickPrice(page: Page, price: number, button: "left" | "right"): Promise<void> {
  const graph = page.getByTestId("spread-graph");
  const min = Number(await graph.getAttribute("data-min-price"));
  const max = Number(await graph.getAttribute("data-max-price"));
  assert.ok(min < price && price < max, `price ${price} outside the graph's ${min}..${max}`);
  const box = await graph.boundingBox();
  assert.ok(box, "the spread graph has a box");
  await graph.click({
    button,
    position: { x: ((price - min) / (max - min)) * box.width, y: box.height / 2 },
  });
}

function watchErrors(page: Page, name: string, errors: string[]): void {
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${name} console: ${m.text()}`);
  });
}

Deno.test({
  name: "browser: create a session, trade between two subjects, reload, monitor",
  ignore: !HAVE_CHROMIUM,
  // The server subprocess and the browser live across awaits by design.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "hft-browser-data-" });
    const exoDir = await Deno.makeTempDir({ prefix: "hft-browser-exo-" });
    await Deno.writeTextFile(`${exoDir}/quiet_investors.csv`, QUIET_INVESTORS);
    await Deno.writeTextFile(`${exoDir}/quiet_feed.csv`, QUIET_FEED);
    await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
    const password = crypto.randomUUID();
    const errors: string[] = [];
    let server: RunningServer | null = null;
    let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
    try {
      server = await startServer({ HFT_ADMIN_PASSWORD: password, HFT_DATA_DIR: dataDir });
      const origin = server.origin;
      browser = await launchChromium();

      // ---- the experimenter creates the session ----
      const adminContext = await browser.newContext({
        baseURL: origin,
        viewport: { width: 1280, height: 900 },
        httpCredentials: { username: "experimenter", password, send: "always" },
      });
      const admin = await adminContext.newPage();
      watchErrors(admin, "admin", errors);
      const home = await admin.goto("/admin");
      assert.equal(home?.status(), 200, "GET /admin with the password");
      await hydrated(admin);
      await admin.getByTestId("config-text").fill(config(exoDir));
      await admin.getByTestId("create-session").click();
      await until("the session's admin page", async () => {
        const err = await admin.getByTestId("create-error").count()
          ? await admin.getByTestId("create-error").textContent()
          : null;
        if (err) throw new Error(`creation refused: ${err}`);
        return /\/admin\/sessions\/[^/]+$/.test(new URL(admin.url()).pathname);
      });
      await hydrated(admin);
      await textUntil(admin, "connection", "the monitor socket", (t) => t === "live");

      const links = admin.getByTestId("participant-link");
      assert.equal(await links.count(), 2, "two participant links");
      const seats: { url: string; label: string }[] = [];
      for (let i = 0; i < 2; i++) {
        seats.push({
          url: (await links.nth(i).getAttribute("href")) ?? "",
          label: (await links.nth(i).getAttribute("data-label")) ?? "",
        });
      }
      assert.ok(seats.every((s) => /\/s\/[^/]+$/.test(s.url)), JSON.stringify(seats));

      // ---- two subjects open their links ----
      const subjects: Page[] = [];
      for (const [i, seat] of seats.entries()) {
        const context = await browser.newContext({
          baseURL: origin,
          viewport: { width: 1280, height: 1000 },
        });
        // Every frame from the server is timed on arrival, before the screen sees it.
        await context.addInitScript(RECORD_FRAMES);
        const page = await context.newPage();
        watchErrors(page, `subject ${i + 1}`, errors);
        const res = await page.goto(seat.url);
        assert.equal(res?.status(), 200, `GET ${seat.url}`);
        await hydrated(page);
        await textUntil(
          page,
          "connection",
          `subject ${i + 1} connected`,
          (t) => t.startsWith("connected"),
        );
        subjects.push(page);
      }
      const [s1, s2] = subjects;

      // ---- the round starts; both choose the manual role ----
      await admin.getByTestId("start-round").click();
      await textUntil(
        admin,
        "phase",
        "the monitor shows the round running",
        (t) => t === "Running",
      );
      for (const page of subjects) {
        await until(
          "the subject's screen running",
          async () =>
            (await page.getByTestId("subject-screen").getAttribute("data-phase")) === "running",
        );
        await page.getByTestId("role-manual").click();
      }
      for (const page of subjects) {
        await until(
          "manual role confirmed",
          async () =>
            (await page.getByTestId("role-manual").getAttribute("data-selected")) === "true",
        );
      }

      // ---- subject 1 bids by clicking the graph; subject 2 sees it ----
      const bid = 980_000; // 98.00 ECU, under the external market's 99–101
      await clickPrice(s1, bid, "left");
      await textUntil(s1, "my-bid", "subject 1's own bid", (t) => t === "98.00 ECU");
      await textUntil(
        s2,
        "best-bid",
        "subject 1's bid as subject 2's best bid",
        (t) => t === "98.00 ECU",
      );
      assert.equal(await s2.getByTestId("spread-graph").getAttribute("data-best-bid"), String(bid));

      // ---- subject 2 sells at that price with the order ticket; both see the fill ----
      await s2.evaluate(watchInventory, "-1");
      await s2.getByTestId("order-price").fill("98.00");
      await s2.getByTestId("order-sell").click();
      await textUntil(s1, "inventory", "subject 1 bought one", (t) => t === "1");
      await textUntil(s2, "inventory", "subject 2 sold one", (t) => t === "-1");
      // The wallet update was on screen within 50 ms of its frame's arrival.
      const lag = await s2.evaluate(() => {
        const w = globalThis as unknown as {
          __frames: { t: number; data: string }[];
          __inventoryShownAt: number | null;
        };
        const frame = w.__frames.find((f) => {
          // a frame holds one update, or several in order
          const parsed = JSON.parse(f.data);
          return (Array.isArray(parsed) ? parsed : [parsed]).some((u) =>
            u.type === "wallet" && u.wallet.inventory === -1 ||
            u.type === "snapshot" && u.state.wallet.inventory === -1
          );
        });
        return frame && w.__inventoryShownAt !== null ? w.__inventoryShownAt - frame.t : null;
      });
      assert.ok(lag !== null && lag < 50, `inventory shown ${lag} ms after its update arrived`);
      for (const [page, side] of [[s1, "B"], [s2, "S"]] as const) {
        const graph = page.getByTestId("spread-graph");
        await until(
          "the trade mark",
          async () =>
            Number(await graph.getAttribute("data-trades")) >= 1 &&
            (await graph.getAttribute("data-last-trade")) === String(bid) &&
            (await graph.getAttribute("data-last-trade-mine")) === side,
        );
      }
      await textUntil(s1, "my-bid", "the filled bid is gone", (t) => t === "–");
      await textUntil(s1, "cash", "subject 1 paid 98", (t) => t === "2.00 ECU");
      await textUntil(s2, "cash", "subject 2 received 98", (t) => t === "198.00 ECU");
      await s1.screenshot({ path: `${SCREENSHOT_DIR}/subject-1.png`, fullPage: true });
      await s2.screenshot({ path: `${SCREENSHOT_DIR}/subject-2.png`, fullPage: true });

      // ---- subject 1 reloads mid-round and gets everything back ----
      const sentAfterReload: string[] = [];
      s1.on("websocket", (ws) => {
        if (ws.url().includes("/ws/subject/")) {
          ws.on("framesent", (f) => sentAfterReload.push(String(f.payload)));
        }
      });
      await s1.reload();
      await hydrated(s1);
      await textUntil(s1, "connection", "subject 1 reconnected", (t) => t.startsWith("connected"));
      // The reload asked only for what it missed: it remembered where it was.
      const hello = JSON.parse(sentAfterReload[0] ?? "null");
      assert.equal(hello?.type, "hello", `first frame after the reload: ${sentAfterReload[0]}`);
      assert.ok(Number.isInteger(hello.last_seq) && hello.last_seq > 0, JSON.stringify(hello));
      await textUntil(s1, "inventory", "inventory after the reload", (t) => t === "1");
      await textUntil(s1, "cash", "cash after the reload", (t) => t === "2.00 ECU");
      assert.equal(await s1.getByTestId("role-manual").getAttribute("data-selected"), "true");
      assert.equal(await s1.getByTestId("subject-screen").getAttribute("data-phase"), "running");
      const graph = s1.getByTestId("spread-graph");
      assert.equal(await graph.getAttribute("data-last-trade"), String(bid));
      const clockBefore = await textUntil(s1, "clock", "the clock", (t) => /^\d+:\d\d$/.test(t));
      await textUntil(
        s1,
        "clock",
        "the clock running after the reload",
        (t) => /^\d+:\d\d$/.test(t) && t !== clockBefore,
        5_000,
      );
      const [m, sec] = clockBefore.split(":").map(Number);
      assert.ok(m * 60 + sec > 60 && m * 60 + sec <= 120, `clock ${clockBefore}`);

      // ---- the monitor shows both subjects connected, with their inventories ----
      for (const [seat, inventory] of [[seats[0], "1"], [seats[1], "-1"]] as const) {
        const row = admin.locator(`tr[data-label="${seat.label}"]`);
        await until(
          `${seat.label} connected with inventory ${inventory} on the monitor`,
          async () =>
            (await row.getAttribute("data-connected")) === "true" &&
            (await row.getByTestId("p-inventory").textContent())?.trim() === inventory &&
            (await row.getByTestId("p-role").textContent())?.trim() === "manual",
        );
      }
      await until(
        "the trade on the monitor",
        async () => (await admin.getByTestId("market-trades").locator("tbody tr").count()) >= 1,
      );
      await admin.screenshot({ path: `${SCREENSHOT_DIR}/admin-monitor.png`, fullPage: true });

      assert.deepEqual(errors, [], "no script errors on any page");
    } catch (e) {
      if (server && e instanceof Error) {
        e.message += `\n--- server output (last 4000 chars) ---\n${server.output().slice(-4000)}`;
      }
      throw e;
    } finally {
      await browser?.close().catch(() => {});
      await server?.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      await Deno.remove(exoDir, { recursive: true }).catch(() => {});
    }
  },
});
