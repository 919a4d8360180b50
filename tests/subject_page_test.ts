import assert from "node:assert/strict";
import type { Payment } from "../experiment/payment.ts";
import type { ParticipantView, SessionView } from "../protocol/admin_protocol.ts";
import type {
  PageView,
  RoundResultView,
  SubjectRequest,
  SubjectSnapshot,
  SubjectUpdate,
} from "../protocol/subject_protocol.ts";
import { NO_OFFER } from "../protocol/subject_protocol.ts";
import { profitData, sensitivityData } from "../islands/subject_charts.tsx";
import {
  AttentionMeter,
  type ConnectionStatus,
  type SocketLike,
  SubjectClient,
  type TimerId,
  type Timers,
} from "../islands/subject_client.ts";
import {
  backoffMs,
  formatBid,
  formatClock,
  formatEcu,
  formatOffer,
  mixColour,
  parseEcu,
  percentile90,
  snapPrice,
} from "../islands/subject_format.ts";
import { formatEcuPrice, questionTestId, resultEquations } from "../islands/subject_pages.tsx";
import {
  applyUpdate,
  type ClockAnchor,
  marketMs,
  missingSurveyAnswers,
  nextCentre,
  pageKey,
  priceAtX,
  quizDone,
  remainingMs,
  secondsUntil,
  type StateUpdate,
  windowAround,
  xOfPrice,
} from "../islands/subject_state.ts";
import { renderAdminHome, renderAdminSession } from "../routes/admin_pages.tsx";
import { renderSubjectPage } from "../routes/subject_page.tsx";

export function sampleSnapshot(over: Partial<SubjectSnapshot> = {}): SubjectSnapshot {
  return {
    label: "Trader 3",
    page: { name: "trading", round: 2 },
    environment: "elo",
    format: "cda",
    roles: ["out", "manual", "automated"],
    signed_volume_widgets: false,
    clock: {
      phase: "running",
      round: 2,
      num_rounds: 5,
      trial: false,
      duration_ms: 180_000,
      round_ms: 45_000,
    },
    bbo: {
      best_bid: 985_000,
      best_offer: 1_010_000,
      volume_at_best_bid: 2,
      volume_at_best_offer: 1,
    },
    levels: [
      { price: 985_000, bid_volume: 2, offer_volume: 0 },
      { price: 1_010_000, bid_volume: 0, offer_volume: 1 },
    ],
    external: { e_best_bid: 980_000, e_best_offer: 1_020_000, e_signed_volume: 0 },
    peg: 0,
    last_batch: null,
    trades: [{ round_ms: 40_000, price: 1_000_000, shares: 1, mine: "B" }],
    strategy: { role: "manual", speed: false, a_x: 0, a_y: 0.5, a_z: 0.3 },
    orders: [{ token: "CCCCB000300004", side: "B", price: 985_000, state: "live" }],
    wallet: {
      cash: 990_000,
      inventory: 1,
      pbd: 12_345,
      speed_cost: 1_500,
      reference_price: 1_000_000,
      signed_volume: 0,
    },
    profit: [[0, 0], [40_000, 12_345]],
    sensitivities: [[0, 0, 0.5, 0.3, 0, 0]],
    ...over,
  };
}

function testid(html: string, id: string): string | null {
  const m = html.match(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`));
  return m ? m[1] : null;
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

/** The text inside the element carrying a test id, nested markup and all; null if absent. */
function textOf(html: string, id: string): string | null {
  const open = html.match(new RegExp(`<([a-z0-9]+)[^>]*data-testid="${id}"[^>]*>`));
  if (!open || open.index === undefined) return null;
  const tag = open[1];
  if (["input", "img", "br"].includes(tag)) return "";
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, "g");
  re.lastIndex = open.index + open[0].length;
  let depth = 1;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) {
      return html.slice(open.index + open[0].length, m.index)
        // Cells and list items read apart, as a person would see them.
        .replace(/<[^>]*>/g, " ")
        .replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e])
        .replace(/\s+/g, " ")
        .trim();
    }
  }
  return null;
}

/** The start tag of the element carrying a test id. */
function tagOf(html: string, id: string): string | null {
  return html.match(new RegExp(`<[a-z0-9]+[^>]*data-testid="${id}"[^>]*>`))?.[0] ?? null;
}

// ---- formats -------------------------------------------------------------------

Deno.test("ECU formats: cents, sentinels, clock", () => {
  assert.equal(formatEcu(1_000_000), "100.00 ECU");
  assert.equal(formatEcu(12_345), "1.23 ECU");
  assert.equal(formatEcu(-12_355), "-1.24 ECU");
  assert.equal(formatEcu(-40), "0.00 ECU");
  assert.equal(formatBid(0), "–");
  assert.equal(formatOffer(NO_OFFER), "–");
  assert.equal(formatOffer(995_000), "99.50 ECU");
  assert.equal(formatClock(180_000), "03:00");
  assert.equal(formatClock(59_001), "01:00");
  assert.equal(formatClock(0), "00:00");
  assert.equal(formatClock(3_600_000), "60:00");
  assert.equal(formatClock(-5), "00:00");
});

Deno.test("typed and clicked prices snap to 0.01 ECU", () => {
  assert.equal(parseEcu("99.5"), 995_000);
  assert.equal(parseEcu("99,50"), 995_000);
  assert.equal(parseEcu(" 100 "), 1_000_000);
  assert.equal(parseEcu("99.567"), 995_700);
  assert.equal(parseEcu("0"), null);
  assert.equal(parseEcu("-1"), null);
  assert.equal(parseEcu("abc"), null);
  assert.equal(parseEcu("1e3"), null);
  assert.equal(snapPrice(995_049), 995_000);
  assert.equal(snapPrice(995_051), 995_100);
  assert.equal(snapPrice(3), 100);
});

Deno.test("backoff runs from 0.25 s to 5 s", () => {
  assert.equal(backoffMs(0, () => 1), 250);
  assert.equal(backoffMs(1, () => 1), 500);
  assert.equal(backoffMs(10, () => 1), 5_000);
  assert.equal(backoffMs(50, () => 0), 3_750);
  assert.ok(backoffMs(0, () => 0) >= 250);
});

Deno.test("colours and percentiles", () => {
  assert.equal(mixColour("#00719E", "#CC8400", 0), "#00719e");
  assert.equal(mixColour("#00719E", "#CC8400", 1), "#cc8400");
  assert.equal(mixColour("#000000", "#ffffff", 0.5), "#808080");
  assert.equal(percentile90([]), 0);
  assert.equal(percentile90([5]), 5);
  assert.equal(percentile90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 9);
});

// ---- state -----------------------------------------------------------------------

Deno.test("updates replace their part of the state; wallet and strategy add graph steps", () => {
  let s = sampleSnapshot();
  type Unsequenced = StateUpdate extends infer U ? U extends unknown ? Omit<U, "seq"> : never
    : never;
  const apply = (u: Unsequenced) => {
    s = applyUpdate(s, { seq: 0, ...u } as StateUpdate);
  };
  apply({ type: "book", round_ms: 46_000, bbo: { ...s.bbo, best_bid: 990_000 }, levels: [] });
  assert.equal(s.bbo.best_bid, 990_000);
  assert.deepEqual(s.levels, []);
  apply({ type: "wallet", round_ms: 47_000, wallet: { ...s.wallet, inventory: 2, pbd: 20_000 } });
  assert.equal(s.wallet.inventory, 2);
  assert.deepEqual(s.profit.at(-1), [47_000, 20_000]);
  // A replayed (older) wallet update changes the wallet but not the profit steps.
  apply({ type: "wallet", round_ms: 46_500, wallet: { ...s.wallet, pbd: 20_000 } });
  assert.equal(s.profit.length, 3);
  apply({
    type: "strategy",
    round_ms: 48_000,
    strategy: { role: "automated", speed: true, a_x: 0, a_y: 1, a_z: 0.2 },
  });
  assert.deepEqual(s.sensitivities.at(-1), [48_000, 0, 1, 0.2, 1, 1]);
  const trade = { round_ms: 49_000, price: 990_000, shares: 1, mine: "S" as const };
  apply({ type: "trade", trade });
  apply({ type: "trade", trade });
  assert.equal(s.trades.length, 2, "a replayed trade is not drawn twice");
  apply({ type: "batch", round_ms: 50_000, clearing_price: 995_000, volume: 3 });
  assert.deepEqual(s.last_batch, { clearing_price: 995_000, volume: 3, round_ms: 50_000 });
  apply({
    type: "external",
    round_ms: 51_000,
    external: { e_best_bid: 1, e_best_offer: 2, e_signed_volume: 0 },
    peg: 7,
  });
  assert.equal(s.peg, 7);
  // A new round starts the per-round series afresh.
  apply({ type: "clock", clock: { ...s.clock, round: 3, round_ms: 0, phase: "waiting" } });
  assert.deepEqual([s.trades, s.profit, s.sensitivities, s.last_batch], [[], [], [], null]);
  const snap = sampleSnapshot({ label: "X" });
  apply({ type: "snapshot", state: snap });
  assert.equal(s, snap);
});

Deno.test("pages: a page update replaces the page; keys, countdowns, quiz and survey checks", () => {
  const s = sampleSnapshot();
  const results: PageView = {
    name: "results",
    round: 2,
    result: null,
    next_at: 10_000,
    advance_at: null,
  };
  const next = applyUpdate(s, { seq: 1, type: "page", page: results });
  assert.deepEqual(next.page, results);
  assert.equal(next.wallet, s.wallet, "the rest of the state stays");
  assert.equal(pageKey(results), "results:2");
  assert.equal(pageKey({ name: "survey", questions: [], submitted: true }), "survey");
  assert.equal(secondsUntil(10_000, 8_500), 2);
  assert.equal(secondsUntil(10_000, 9_999), 1);
  assert.equal(secondsUntil(10_000, 10_000), 0);
  assert.equal(secondsUntil(10_000, 60_000), 0);
  const q = { id: "a", question: "?", options: ["x", "y"], tried: [], max_attempts: 2 };
  assert.equal(
    quizDone([{ ...q, state: "right", correct: 0 }, { ...q, state: "open", correct: null }]),
    false,
  );
  assert.equal(quizDone([{ ...q, state: "revealed", correct: 1 }]), true);
  const survey = [
    { id: "s.degree", question: "Degree?", options: ["BA", "MA"] },
    { id: "s.suggestions", question: "Suggestions?", options: [] },
  ];
  assert.deepEqual(missingSurveyAnswers(survey, {}).map((x) => x.id), ["s.degree"]);
  assert.deepEqual(missingSurveyAnswers(survey, { "s.degree": "PhD" }).map((x) => x.id), [
    "s.degree",
  ]);
  assert.deepEqual(missingSurveyAnswers(survey, { "s.degree": "MA" }), []);
});

Deno.test("the clock runs only while the round runs and stops at the end", () => {
  const clock = sampleSnapshot().clock;
  const anchor: ClockAnchor = { round_ms: 45_000, at: 1_000 };
  assert.equal(marketMs(clock, anchor, 3_500), 47_500);
  assert.equal(remainingMs(clock, anchor, 3_500), 132_500);
  assert.equal(remainingMs({ ...clock, phase: "paused" }, anchor, 99_000), 135_000);
  assert.equal(remainingMs(clock, anchor, 10_000_000), 0);
  assert.equal(remainingMs({ ...clock, phase: "ended" }, anchor, 1_000), 0);
});

Deno.test("the graph window is 20 ECU and recentres only when the market leaves its middle", () => {
  const s = sampleSnapshot();
  const c0 = nextCentre(null, s); // mid 99.75 → 100
  assert.equal(c0, 1_000_000);
  assert.deepEqual(windowAround(c0), { min: 900_000, max: 1_100_000 });
  const moved = sampleSnapshot({ bbo: { ...s.bbo, best_bid: 1_040_000, best_offer: 1_050_000 } });
  assert.equal(nextCentre(c0, moved), 1_000_000, "inside the central 60 %");
  const far = sampleSnapshot({ bbo: { ...s.bbo, best_bid: 1_070_000, best_offer: 1_080_000 } });
  assert.equal(nextCentre(c0, far), 1_080_000);
  const empty = sampleSnapshot({
    bbo: { best_bid: 0, best_offer: NO_OFFER, volume_at_best_bid: 0, volume_at_best_offer: 0 },
    external: { e_best_bid: 0, e_best_offer: NO_OFFER, e_signed_volume: 0 },
    wallet: { ...s.wallet, reference_price: 0 },
  });
  assert.equal(nextCentre(null, empty), 1_000_000);
  const w = windowAround(1_000_000);
  assert.equal(priceAtX(w, 300, 600), 1_000_000);
  assert.equal(xOfPrice(w, 950_000, 800), 200);
});

Deno.test("graph series: profit held flat up to now, sliders only while automated", () => {
  assert.deepEqual(profitData([], 500, 10_000), [[0, 10], [0.05, 0.05]]);
  assert.deepEqual(profitData([[2_000, 10_000], [3_000, 30_000]], 0, 5_000), [
    [0, 2, 3, 5],
    [1, 1, 3, 3],
  ]);
  const { data, speedBands } = sensitivityData([
    [0, 0, 0.5, 0.5, 0, 1],
    [2_000, 0, 0.5, 0.5, 1, 1],
    [5_000, 0, 0.5, 0.5, 0, 0],
  ], 8_000);
  assert.deepEqual(data[0], [0, 2, 5, 5]);
  assert.deepEqual(data[2], [0.5, 0.5, 0.5, null]);
  assert.deepEqual(speedBands, [[2, 5]]);
});

// ---- connection client ----------------------------------------------------------

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: SubjectRequest[] = [];
  closed = false;
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  send(data: string) {
    if (this.readyState !== 1) throw new Error("InvalidStateError");
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  push(u: SubjectUpdate) {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(u) }));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close"));
  }
}

class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  #jobs = new Map<number, { at: number; every: number | null; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#jobs.set(id, { at: this.now + ms, every: null, fn });
    return id;
  }
  setInterval(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#jobs.set(id, { at: this.now + ms, every: ms, fn });
    return id;
  }
  clearTimeout(id: TimerId) {
    this.#jobs.delete(id as number);
  }
  clearInterval(id: TimerId) {
    this.#jobs.delete(id as number);
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      let due: [number, { at: number; every: number | null; fn: () => void }] | undefined;
      for (const e of this.#jobs) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      const [id, job] = due;
      this.now = job.at;
      if (job.every === null) this.#jobs.delete(id);
      else job.at += job.every;
      job.fn();
    }
    this.now = end;
  }
}

function harness(lastSeq: number | null = null) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const updates: SubjectUpdate[] = [];
  const statuses: ConnectionStatus[] = [];
  const client = new SubjectClient({
    url: "ws://test/ws/subject/t",
    lastSeq,
    onUpdate: (u) => updates.push(u),
    onStatus: (s) => statuses.push(s),
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    timers,
    now: () => timers.now,
    random: () => 1,
    takeAttention: () => 75,
  });
  return { timers, sockets, updates, statuses, client, last: () => sockets[sockets.length - 1] };
}

const snapshotUpdate = (seq: number): SubjectUpdate => ({
  seq,
  type: "snapshot",
  state: sampleSnapshot(),
});
const refused = (seq: number): SubjectUpdate => ({ seq, type: "refused", reason: `r${seq}` });

Deno.test("client: hello with the last seq, a probe, then updates in order without repeats", () => {
  const h = harness(41);
  h.client.start();
  assert.equal(h.client.status().state, "connecting");
  h.last().open();
  assert.deepEqual(h.last().sent[0], { type: "hello", last_seq: 41 });
  assert.equal(h.last().sent[1].type, "ping");
  assert.equal(h.client.status().state, "connecting", "not in step before the hello is answered");
  h.last().push(refused(42));
  assert.equal(h.client.status().state, "connected");
  h.last().push(refused(42));
  h.last().push(refused(40));
  h.last().push(refused(43));
  assert.deepEqual(h.updates.map((u) => u.seq), [42, 43]);
  assert.equal(h.client.lastSeq, 43);
  h.client.stop();
});

Deno.test("client: a gap reconnects at once and asks again from the last applied seq", () => {
  const h = harness(null);
  h.client.start();
  h.last().open();
  assert.deepEqual(h.last().sent[0], { type: "hello", last_seq: null });
  h.last().push(snapshotUpdate(10));
  h.last().push(refused(12));
  assert.equal(h.sockets.length, 2, "resync opens a new socket");
  assert.ok(h.sockets[0].closed);
  assert.deepEqual(h.updates.map((u) => u.seq), [10]);
  h.last().open();
  assert.deepEqual(h.last().sent[0], { type: "hello", last_seq: 10 });
  // The server can also answer with a whole snapshot, whatever its seq.
  h.last().push(snapshotUpdate(30));
  h.last().push(refused(31));
  assert.deepEqual(h.updates.map((u) => u.seq), [10, 30, 31]);
  h.client.stop();
});

Deno.test("client: a server that numbers afresh is asked for a whole snapshot", () => {
  const h = harness(500);
  h.client.start();
  h.last().open();
  h.last().push(refused(3));
  assert.equal(h.sockets.length, 2);
  h.last().open();
  assert.deepEqual(h.last().sent[0], { type: "hello", last_seq: null });
  h.last().push(snapshotUpdate(4));
  h.last().push(refused(5));
  assert.deepEqual(h.updates.map((u) => u.seq), [4, 5]);
  h.client.stop();
});

Deno.test("client: reconnects forever with backoff; sending while closed never throws", () => {
  const h = harness(5);
  h.client.start();
  h.last().drop();
  assert.equal(h.client.status().state, "reconnecting");
  assert.equal(h.client.status().retryMs, 250);
  assert.equal(h.client.send({ type: "order", side: "B", price: 990_000 }), "dropped");
  // A choice made long before the connection is back has gone stale.
  assert.equal(h.client.send({ type: "speed", on: true }), "queued");
  h.timers.advance(250);
  assert.equal(h.sockets.length, 2);
  h.last().drop();
  assert.equal(h.client.status().retryMs, 500);
  for (let i = 0; i < 8; i++) {
    h.timers.advance(10_000);
    h.last().drop();
  }
  assert.equal(h.client.status().retryMs, 5_000, "capped at 5 s");
  assert.equal(h.client.send({ type: "role", role: "manual" }), "queued");
  assert.equal(h.client.send({ type: "role", role: "automated" }), "queued");
  assert.equal(h.client.status().queued, 2, "only the latest role waits, beside the speed");
  h.timers.advance(5_000);
  h.last().open();
  h.last().push(refused(6));
  const sent = h.last().sent.map((r) => r.type);
  assert.deepEqual(sent, ["hello", "ping", "role"]);
  assert.deepEqual(h.last().sent[2], { type: "role", role: "automated" });
  assert.equal(h.client.send({ type: "speed", on: true }), "sent");
  // A socket that dies between the check and the send is treated as closed.
  h.last().readyState = 3;
  assert.equal(h.client.send({ type: "order", side: "S", price: 1 }), "dropped");
  h.client.stop();
});

Deno.test("client: pings every 2 s, measures the round trip, reports at the first pong and every 10 s", () => {
  const h = harness(0);
  h.client.start();
  h.last().open();
  const answer = (seq: number) => {
    const pings = h.last().sent.filter((r) => r.type === "ping");
    const ping = pings[pings.length - 1] as { id: number };
    h.last().push({ seq, type: "pong", id: ping.id, server_ms: 0 });
  };
  const rtts = [20, 30, 40, 50, 60];
  for (let k = 0; k < rtts.length; k++) {
    h.timers.advance(2_000 * k - h.timers.now);
    h.timers.advance(rtts[k]);
    answer(k + 1);
    assert.equal(h.client.status().rttMs, rtts[k]);
  }
  h.timers.advance(10_000 - h.timers.now);
  const telemetry = h.last().sent.filter((r) => r.type === "telemetry");
  assert.equal(telemetry.length, 2);
  // the first pong's round trip goes to the monitor at once
  assert.deepEqual(telemetry[0], {
    type: "telemetry",
    avg_latency_ms: 20,
    max_latency_ms: 20,
    percent_active: 75,
  });
  assert.deepEqual(telemetry[1], {
    type: "telemetry",
    avg_latency_ms: 45,
    max_latency_ms: 60,
    percent_active: 75,
  });
  const pings = h.last().sent.filter((r) => r.type === "ping").length;
  assert.equal(pings, 6, "one at open, then every 2 s");
  h.client.stop();
  assert.ok(h.last().closed);
});

Deno.test("client: the server clock offset comes from the quickest recent pong", () => {
  const timers = new FakeTimers();
  let wall = 1_000_000;
  const sockets: FakeSocket[] = [];
  const client = new SubjectClient({
    url: "ws://test/ws/subject/t",
    lastSeq: 0,
    onUpdate: () => {},
    onStatus: () => {},
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    timers,
    now: () => timers.now,
    wallNow: () => wall + timers.now,
    random: () => 1,
  });
  assert.equal(client.serverOffsetMs, null);
  assert.equal(client.serverNow(), 1_000_000, "the local clock until a pong says otherwise");
  client.start();
  const ws = sockets[0];
  ws.open();
  const lastPing = () => (ws.sent.filter((r) => r.type === "ping").pop() as { id: number }).id;
  // Sent at 0, answered at 100: the server stamped it about 50 ms in, at its 2,000,050.
  timers.advance(100);
  ws.push({ seq: 1, type: "pong", id: lastPing(), server_ms: 2_000_050 });
  assert.equal(client.serverOffsetMs, 1_000_000);
  // A slow probe's estimate is worse and does not win.
  timers.advance(2_000 - timers.now);
  timers.advance(900);
  ws.push({ seq: 2, type: "pong", id: lastPing(), server_ms: 2_002_000 + 450 + 300 });
  assert.equal(client.serverOffsetMs, 1_000_000);
  wall += 5;
  assert.equal(client.serverNow(), wall + timers.now + 1_000_000);
  client.stop();
});

Deno.test("attention meter: share of focused time between takes", () => {
  let t = 0;
  const m = new AttentionMeter(true, () => t);
  t = 3_000;
  m.set(false);
  t = 10_000;
  assert.equal(m.take(), 30);
  t = 20_000;
  assert.equal(m.take(), 0);
  m.set(true);
  t = 30_000;
  assert.equal(m.take(), 100);
});

// ---- server-side rendering ---------------------------------------------------------

Deno.test("subject page: the screen is rendered from the snapshot before any script runs", () => {
  const html = renderSubjectPage({
    token: "tok123",
    label: "Trader 3",
    socketPath: "/ws/subject/tok123",
    snapshot: sampleSnapshot(),
  });
  assert.ok(html.startsWith("<!doctype html>"));
  assert.match(html, /<div data-island="SubjectScreen">/);
  assert.match(html, /<script type="module" src="\/static\/build\/client.js">/);
  assert.equal(testid(html, "best-bid"), "98.50 ECU");
  assert.equal(testid(html, "best-offer"), "101.00 ECU");
  assert.equal(testid(html, "my-bid"), "98.50 ECU");
  assert.equal(testid(html, "my-offer"), "–");
  assert.equal(testid(html, "cash"), "99.00 ECU");
  assert.equal(testid(html, "inventory"), "1");
  assert.equal(testid(html, "profit"), "1.23 ECU");
  assert.equal(testid(html, "speed-cost"), "0.15 ECU");
  assert.equal(testid(html, "clock"), "02:15");
  assert.equal(testid(html, "round"), "Round 2 of 5");
  const conn = html.match(/data-testid="connection"[^>]*>(.*?)<\/div>/);
  assert.match(conn?.[1].replace(/<[^>]*>/g, "") ?? "", /connecting/);
  for (
    const id of ["role-out", "role-manual", "role-automated", "speed", "slider-a_y", "slider-a_z"]
  ) {
    assert.match(html, new RegExp(`data-testid="${id}"`), id);
  }
  assert.doesNotMatch(html, /data-testid="slider-a_x"/, "no signed-volume widgets in this config");
  assert.doesNotMatch(html, /data-testid="clearing"/, "CDA has no clearing box");
  assert.match(html, /aria-pressed="true"[^>]*data-testid="role-manual"/);
  for (
    const id of [
      "spread-graph",
      "profit-graph",
      "sensitivities-graph",
      "order-price",
      "order-buy",
      "order-sell",
    ]
  ) {
    assert.match(html, new RegExp(`data-testid="${id}"`), id);
  }
  assert.match(html, /data-min-price="900000" data-max-price="1100000"/);
  // Running: the trading area is live; the uPlot stylesheet is inline.
  assert.doesNotMatch(html, /class="ss-trade ss-inert"/);
  assert.match(html, /\.u-legend/);
  const props = html.match(
    /<script type="application\/json" data-island-props="SubjectScreen">(.*?)<\/script>/,
  );
  assert.ok(props);
  const parsed = JSON.parse(props[1]);
  assert.equal(parsed.socketPath, "/ws/subject/tok123");
  assert.equal(parsed.snapshot.wallet.cash, 990_000);
});

Deno.test("subject page: options of the treatment and a screen with nothing yet", () => {
  const fba = renderSubjectPage({
    token: "t",
    label: "T",
    socketPath: "/ws/subject/t",
    snapshot: sampleSnapshot({
      format: "fba",
      signed_volume_widgets: true,
      roles: ["out", "automated"],
      last_batch: { clearing_price: 995_000, volume: 3, round_ms: 44_000 },
      clock: { ...sampleSnapshot().clock, phase: "paused", trial: true },
    }),
  });
  assert.equal(testid(fba, "clearing"), "99.50 ECU / 3");
  assert.match(fba, /data-testid="slider-a_x"/);
  assert.match(fba, /data-testid="signed-volume"/);
  assert.match(fba, /data-testid="trial-banner"/);
  assert.doesNotMatch(fba, /data-testid="role-manual"/);
  assert.match(fba, /class="ss-trade ss-inert" inert/);
  assert.match(testid(fba, "phase-banner") ?? "", /Paused/);
  const empty = renderSubjectPage({
    token: "t",
    label: "Seat A",
    socketPath: "/ws/subject/t",
    snapshot: null,
  });
  assert.equal(testid(empty, "label"), "Seat A");
  assert.equal(testid(empty, "best-bid"), "–");
  assert.equal(testid(empty, "cash"), "–");
  assert.match(empty, /data-testid="spread-graph"/);
  assert.match(empty, /inert/);
  // Script-closing text in the props cannot end the JSON block early.
  const evil = renderSubjectPage({
    token: "t",
    label: "</script><script>alert(1)</script>",
    socketPath: "/ws/subject/t",
    snapshot: null,
  });
  assert.doesNotMatch(evil, /<\/script><script>alert/);
});

// ---- the flow's pages ----------------------------------------------------------------

function renderPage(page: PageView, over: Partial<SubjectSnapshot> = {}): string {
  return renderSubjectPage({
    token: "t",
    label: "Trader 3",
    socketPath: "/ws/subject/t",
    snapshot: sampleSnapshot({ page, ...over }),
  });
}

/** Pages other than trading and wait replace the trading screen, but keep the connection state. */
function assertFlowPage(html: string, name: string): void {
  assert.match(html, new RegExp(`data-testid="subject-screen"[^>]*data-page="${name}"`));
  assert.match(textOf(html, "connection") ?? "", /connecting/);
  assert.equal(textOf(html, "label"), "Trader 3");
  assert.doesNotMatch(html, /data-testid="spread-graph"/);
  assert.doesNotMatch(html, /data-testid="role-manual"/);
}

Deno.test("flow pages: consent shows the server's HTML and the two answers", () => {
  const html = renderPage({
    name: "consent",
    html: "<h1>Consent</h1>\n<p>You may stop <strong>at any time</strong>.</p>",
  });
  assertFlowPage(html, "consent");
  assert.match(html, /<p>You may stop <strong>at any time<\/strong>\.<\/p>/, "inserted as HTML");
  assert.equal(textOf(html, "consent-agree"), "I agree");
  assert.equal(textOf(html, "consent-decline"), "I do not agree");
  assert.doesNotMatch(tagOf(html, "consent-agree")!, /disabled/);
});

Deno.test("flow pages: instructions count down to Next", () => {
  const soon = renderPage({
    name: "instructions",
    html: "<p>Read me</p>",
    next_at: Date.now() + 30_000,
  });
  assertFlowPage(soon, "instructions");
  assert.match(soon, /<p>Read me<\/p>/);
  assert.match(textOf(soon, "next-countdown") ?? "", /continue in (30|29) s/);
  assert.equal(tagOf(soon, "next"), null, "no Next before next_at");
  const now = renderPage({ name: "instructions", html: "<p>Read me</p>", next_at: Date.now() - 1 });
  assert.equal(textOf(now, "next"), "Next");
  assert.doesNotMatch(tagOf(now, "next")!, /disabled/);
  assert.equal(tagOf(now, "next-countdown"), null);
});

Deno.test("flow pages: the quiz shows tries, wrong answers, right and revealed answers", () => {
  const base = { options: ["10 ECU", "0 ECU", "100 ECU"], max_attempts: 2 };
  const page: PageView = {
    name: "quiz",
    questions: [
      {
        ...base,
        id: "inventory.trader_inv",
        question: "Fresh?",
        tried: [],
        state: "open",
        correct: null,
      },
      {
        ...base,
        id: "speed.three_min",
        question: "Tried once?",
        tried: [2],
        state: "open",
        correct: null,
      },
      {
        ...base,
        id: "inventory.end_trading_pos",
        question: "Right?",
        tried: [0, 1],
        state: "right",
        correct: 1,
      },
      {
        ...base,
        id: "external_market.increase_ext",
        question: "Revealed?",
        tried: [0, 2],
        state: "revealed",
        correct: 1,
      },
    ],
  };
  const html = renderPage(page);
  assertFlowPage(html, "quiz");
  assert.equal(questionTestId("inventory.trader_inv"), "inventory-trader_inv");
  for (let i = 0; i < 3; i++) {
    assert.ok(tagOf(html, `quiz-option-inventory-trader_inv-${i}`), `option ${i}`);
  }
  assert.match(tagOf(html, "quiz-option-inventory-trader_inv-0")!, /type="radio"/);
  // Nothing chosen yet: Check waits for a choice.
  assert.match(tagOf(html, "quiz-check-inventory-trader_inv")!, /disabled/);
  assert.match(textOf(html, "quiz-feedback-inventory-trader_inv") ?? "", /2 tries/);
  // A wrong try: marked, not selectable again, and the tries left said.
  assert.match(textOf(html, "quiz-feedback-speed-three_min") ?? "", /Not right\. 1 try left\./);
  assert.match(tagOf(html, "quiz-option-speed-three_min-2")!, /disabled/);
  assert.doesNotMatch(tagOf(html, "quiz-option-speed-three_min-0")!, /disabled/);
  assert.match(textOf(html, "quiz-speed-three_min") ?? "", /100 ECU ✗ wrong/);
  // Right: green "Correct", no Check any more.
  assert.equal(textOf(html, "quiz-feedback-inventory-end_trading_pos"), "Correct");
  assert.equal(tagOf(html, "quiz-check-inventory-end_trading_pos"), null);
  assert.match(tagOf(html, "quiz-inventory-end_trading_pos")!, /sp-q-right/);
  assert.match(tagOf(html, "quiz-option-inventory-end_trading_pos-1")!, /checked/);
  // Revealed: the right option highlighted.
  assert.equal(
    textOf(html, "quiz-feedback-external_market-increase_ext"),
    "The right answer is shown.",
  );
  assert.match(textOf(html, "quiz-external_market-increase_ext") ?? "", /0 ECU ✓ right answer/);
  assert.match(
    html,
    /class="sp-option sp-option-right"><input[^>]*data-testid="quiz-option-external_market-increase_ext-1"/,
  );
  // Open questions keep Next disabled.
  assert.match(tagOf(html, "next")!, /disabled/);
  assert.match(textOf(html, "quiz-open") ?? "", /2 questions are still to answer/);
  const done = renderPage({ ...page, questions: page.questions.slice(2) });
  assert.doesNotMatch(tagOf(done, "next")!, /disabled/);
});

/** §8.2's quiz anchor numbers, with trades: sold 3 at 99.50, bought 2 at 100.25, speed 45 s. */
function sampleResult(over: Partial<RoundResultView> = {}): RoundResultView {
  return {
    round: 1,
    trial: true,
    endowment: 1_000_000,
    bought: 2,
    sold: 3,
    avg_buy: 1_002_500,
    avg_sale: 995_000,
    cash: 1_980_000,
    inventory: -1,
    reference_price: 1_000_000,
    inventory_value: -1_000_000,
    speed_seconds: 45,
    speed_unit_cost: 100,
    speed_cost: 4_500,
    payoff_before_deduction: 975_500,
    deduction_rate: 0.1,
    deduction: 100_000,
    payoff: 875_500,
    played_by_bot: false,
    ...over,
  };
}

Deno.test("flow pages: results show upstream's equations with the numbers filled in", () => {
  const page: PageView = {
    name: "results",
    round: 1,
    result: sampleResult(),
    next_at: Date.now() + 20_000,
    advance_at: Date.now() + 60_000,
  };
  const html = renderPage(page);
  assertFlowPage(html, "results");
  assert.equal(textOf(html, "results-heading"), "Round 1 results (practice round — not paid)");
  assert.ok(tagOf(html, "results-table"));
  assert.equal(textOf(html, "results-cash"), "198.00 ECU");
  assert.equal(textOf(html, "results-inventory-value"), "-100.00 ECU");
  assert.equal(textOf(html, "results-speed-cost"), "0.45 ECU");
  assert.equal(textOf(html, "results-pbd"), "97.55 ECU");
  assert.equal(textOf(html, "results-deduction"), "10.00 ECU");
  assert.equal(textOf(html, "results-payoff"), "87.55 ECU");
  const table = textOf(html, "results-table") ?? "";
  for (
    const row of [
      "Cash = Init.Cash + Sold × AvgSale − Bought × AvgBuy 100.00 + 3 × 99.50 − 2 × 100.25",
      "Inventory Value = (Bought − Sold) × Ref.Price (2 − 3) × 100.00",
      "Speed Cost = Speed Price × Seconds Used 0.01 × 45",
      "PBD = Cash + Inventory Value − Speed Cost 198.00 + (-100.00) − 0.45",
      "Deduction = |Inventory Value| × Deduction Rate |-100.00| × 10%",
      "Payoff = PBD − Deduction 97.55 − 10.00",
    ]
  ) assert.ok(table.includes(row), `${row}\nin\n${table}`);
  assert.match(textOf(html, "next-countdown") ?? "", /continue in (20|19) s/);
  assert.equal(tagOf(html, "next"), null);
  assert.match(textOf(html, "advance-countdown") ?? "", /continues by itself in (60|59) s/);
  assert.equal(tagOf(html, "results-bot"), null);

  const paid = renderPage({
    ...page,
    round: 2,
    result: sampleResult({ round: 2, trial: false, played_by_bot: true, speed_unit_cost: 220 }),
    next_at: 0,
    advance_at: null,
  });
  assert.equal(textOf(paid, "results-heading"), "Round 2 results");
  assert.equal(
    textOf(paid, "results-bot"),
    "A bot played your seat for part of this round; it is not paid.",
  );
  assert.match(textOf(paid, "results-table") ?? "", /0\.022 × 45/);
  assert.equal(textOf(paid, "next"), "Next");
  assert.equal(tagOf(paid, "advance-countdown"), null);

  const none = renderPage({ ...page, result: null });
  assert.equal(textOf(none, "results-no-seat"), "You had no seat in this round.");
  assert.equal(tagOf(none, "results-table"), null);
});

Deno.test("results equations agree with the payoff formula; fine prices keep their digits", () => {
  const r = sampleResult();
  const rows = resultEquations(r);
  assert.deepEqual(rows.map((e) => e.result), [
    r.cash,
    r.inventory_value,
    r.speed_cost,
    r.payoff_before_deduction,
    r.deduction,
    r.payoff,
  ]);
  assert.equal(r.cash, r.endowment + r.sold * r.avg_sale - r.bought * r.avg_buy);
  assert.equal(r.payoff_before_deduction, r.cash + r.inventory_value - r.speed_cost);
  assert.equal(r.payoff, r.payoff_before_deduction - r.deduction);
  assert.equal(formatEcuPrice(220), "0.022");
  assert.equal(formatEcuPrice(995_050), "99.505");
  assert.equal(formatEcuPrice(1_000_000), "100.00");
  assert.equal(formatEcuPrice(-5), "-0.0005");
});

Deno.test("flow pages: the survey asks choices and free text; after submitting, Next", () => {
  const page: PageView = {
    name: "survey",
    submitted: false,
    questions: [
      { id: "general.degree", question: "Your degree?", options: ["Bachelor", "Master"] },
      { id: "general.suggestions", question: "Suggestions?", options: [] },
    ],
  };
  const html = renderPage(page);
  assertFlowPage(html, "survey");
  assert.match(tagOf(html, "survey-option-general-degree-1")!, /type="radio"[^>]*value="Master"/);
  assert.match(tagOf(html, "survey-text-general-suggestions")!, /<textarea[^>]*maxlength="1000"/i);
  assert.equal(textOf(html, "survey-submit"), "Submit");
  assert.equal(tagOf(html, "next"), null);
  const done = renderPage({ ...page, submitted: true });
  assert.equal(textOf(done, "survey-thanks"), "Thank you for your answers.");
  assert.equal(textOf(done, "next"), "Next");
  assert.equal(tagOf(done, "survey-submit"), null);
});

function samplePayment(over: Partial<Payment> = {}): Payment {
  return {
    participant: 3,
    label: "Trader 3",
    eligibility: "eligible",
    currency: "EUR",
    rule: "random",
    paid_round: 2,
    rounds: [
      { round: 1, trial: true, payoff: 1_012_300, played_by_bot: false, counted: false },
      { round: 2, trial: false, payoff: 980_000, played_by_bot: false, counted: true },
      { round: 3, trial: false, payoff: 1_050_000, played_by_bot: false, counted: false },
    ],
    ecu: 980_000,
    exchange_rate: 0.5,
    earnings_before_cap: 490_000,
    earnings: 490_000,
    negative: false,
    capped: false,
    participation_fee: 25_000,
    max_payment: 500_000,
    payment: 515_000,
    ...over,
  };
}

Deno.test("flow pages: the payment report, while computed and once it is", () => {
  const waiting = renderPage({ name: "payment", payment: null });
  assertFlowPage(waiting, "payment");
  assert.match(textOf(waiting, "payment-pending") ?? "", /Your payment is being computed…/);
  assert.equal(tagOf(waiting, "payment"), null);

  const html = renderPage({ name: "payment", payment: samplePayment() });
  assert.equal(textOf(html, "payment-total"), "51.50 EUR");
  assert.equal(textOf(html, "payment-label"), "Trader 3");
  assert.match(
    textOf(html, "payment-rule") ?? "",
    /round 2, drawn at random .*drawn once when the session was created/,
  );
  const rounds = textOf(html, "payment-rounds") ?? "";
  assert.match(rounds, /Payoff incl\. endowment \(ECU\)/);
  assert.match(rounds, /1 practice 101\.23 no — practice round/);
  assert.match(rounds, /2 98\.00 yes/);
  assert.match(rounds, /3 105\.00 no — not the drawn round/);
  assert.match(textOf(html, "payment-endowment-note") ?? "", /includes the initial endowment/);
  assert.equal(textOf(html, "payment-ecu"), "98.00 ECU");
  assert.equal(textOf(html, "payment-earnings"), "49.00 EUR");
  assert.equal(textOf(html, "payment-fee"), "2.50 EUR");
  assert.match(textOf(html, "payment") ?? "", /× 0\.5 EUR per ECU/);
  assert.equal(tagOf(html, "payment-capped"), null);
  assert.equal(tagOf(html, "payment-negative"), null);
  assert.equal(tagOf(html, "payment-eligibility"), null);

  const capped = renderPage({
    name: "payment",
    payment: samplePayment({
      rule: "sum",
      paid_round: null,
      earnings_before_cap: 1_000_000,
      earnings: 500_000,
      capped: true,
      payment: 525_000,
    }),
  });
  assert.match(textOf(capped, "payment-rule") ?? "", /sum of your payoffs/);
  assert.match(
    textOf(capped, "payment-capped") ?? "",
    /capped at 50\.00 EUR: you receive 50\.00 EUR/,
  );
  assert.equal(textOf(capped, "payment-total"), "52.50 EUR");

  const negative = renderPage({
    name: "payment",
    payment: samplePayment({
      ecu: -20_000,
      earnings_before_cap: 0,
      earnings: 0,
      negative: true,
      payment: 25_000,
    }),
  });
  assert.match(textOf(negative, "payment-negative") ?? "", /negative/);
  assert.equal(textOf(negative, "payment-total"), "2.50 EUR");

  const overbooked = renderPage({
    name: "payment",
    payment: samplePayment({
      eligibility: "overbooked",
      rounds: [],
      ecu: 0,
      earnings_before_cap: 0,
      earnings: 0,
      payment: 25_000,
    }),
  });
  assert.match(
    textOf(overbooked, "payment-eligibility") ?? "",
    /You receive the participation fee\./,
  );
  assert.equal(tagOf(overbooked, "payment-rounds"), null);
  assert.equal(textOf(overbooked, "payment-total"), "2.50 EUR");
});

Deno.test("flow pages: a wait page shows the trading screen inert under its banner", () => {
  const wait = (over: Partial<Extract<PageView, { name: "wait" }>>) =>
    renderPage({
      name: "wait",
      round: 3,
      trial: false,
      waiting_for: 2,
      experimenter_starts: false,
      ...over,
    }, { clock: { ...sampleSnapshot().clock, phase: "ended" } });
  const html = wait({});
  assert.match(html, /data-testid="subject-screen"[^>]*data-phase="waiting"[^>]*data-page="wait"/);
  assert.equal(
    textOf(html, "wait-banner"),
    "Round 3 (paid) starts when everyone is ready — waiting for 2 participants",
  );
  assert.equal(textOf(html, "round"), "Round 3 of 5");
  assert.match(html, /class="ss-trade ss-inert" inert/);
  assert.ok(tagOf(html, "spread-graph"));
  assert.equal(tagOf(html, "phase-banner"), null);
  assert.equal(tagOf(html, "trial-banner"), null);
  const practice = wait({ trial: true, experimenter_starts: true });
  assert.equal(
    textOf(practice, "wait-banner"),
    "Round 3 (practice) starts when the experimenter starts it",
  );
  assert.ok(tagOf(practice, "trial-banner"));
  assert.match(textOf(wait({ waiting_for: 1 }), "wait-banner") ?? "", /waiting for 1 participant$/);
  // The round running on a wait page (the page update not in yet) is still inert.
  const early = renderPage({
    name: "wait",
    round: 2,
    trial: false,
    waiting_for: 0,
    experimenter_starts: false,
  });
  assert.match(early, /class="ss-trade ss-inert" inert/);
});

function participant(i: number, over: Partial<ParticipantView> = {}): ParticipantView {
  return {
    index: i,
    label: `Trader ${i + 1}`,
    market: 1,
    seat: i + 1,
    room_seat: null,
    page: "trading",
    page_round: 1,
    consent: true,
    eligibility: "eligible",
    dropped: false,
    quiz_right_first: 0,
    quiz_asked: 0,
    payment: null,
    url: `http://localhost:8000/s/tok${i}`,
    connected: i === 0,
    role: "manual" as const,
    speed: false,
    inventory: i === 0 ? 1 : -1,
    cash: 1_000_000,
    profit: 5_000,
    speed_cost: 0,
    rtt_ms: i === 0 ? 12.4 : null,
    ...over,
  };
}

function sampleView(): SessionView {
  return {
    code: "ab12cd",
    name: "ELO - CDA - test",
    environment: "elo",
    format: "cda",
    phase: "running",
    round: 1,
    num_rounds: 2,
    trial: false,
    round_ms: 30_000,
    duration_ms: 120_000,
    admin_url: "/admin/sessions/ab12cd",
    markets: [{
      market: 1,
      bbo: {
        best_bid: 990_000,
        best_offer: 1_000_000,
        volume_at_best_bid: 1,
        volume_at_best_offer: 2,
      },
      levels: [{ price: 990_000, bid_volume: 1, offer_volume: 0 }],
      trades: [{ round_ms: 20_000, price: 995_000, shares: 1, buyer: "A", seller: "B" }],
      participants: [0, 1].map((i) => participant(i)),
    }],
    participants: [0, 1].map((i) => participant(i)),
    room: null,
    formed: true,
    round_start: "auto",
    currency: "EUR",
    payments: null,
  };
}

Deno.test("admin session page: links, controls, monitor rows, book, trades, export", () => {
  const html = renderAdminSession({
    view: sampleView(),
    monitorSocketPath: "/ws/admin/ab12cd?key=k",
  });
  assert.match(html, /<div data-island="AdminMonitor">/);
  assert.equal((html.match(/data-testid="participant-link"/g) ?? []).length, 2);
  assert.match(html, /href="http:\/\/localhost:8000\/s\/tok1"/);
  assert.match(html, /data-testid="copy-link-1"/);
  for (const id of ["start-round", "pause-round", "resume-round", "end-round", "export-zip"]) {
    assert.match(html, new RegExp(`data-testid="${id}"`), id);
  }
  assert.match(html, /href="\/api\/sessions\/ab12cd\/export.zip"/);
  assert.match(html, /data-testid="participant-0" data-label="Trader 1" data-connected="true"/);
  assert.match(html, /data-testid="participant-1" data-label="Trader 2" data-connected="false"/);
  assert.match(html, /data-testid="p-inventory">-1</);
  assert.match(html, /data-testid="p-rtt">12</);
  assert.equal(testid(html, "round"), "1 of 2");
  assert.equal(testid(html, "clock"), "01:30");
  assert.equal(testid(html, "phase"), "Running");
  assert.match(html, /data-testid="market-trades"/);
  // Running: start and resume are off, pause and end are on.
  assert.match(
    html,
    /disabled=""[^>]*data-testid="start-round"|data-testid="start-round"[^>]*disabled/,
  );
  const props = html.match(/data-island-props="AdminMonitor">(.*?)<\/script>/);
  assert.equal(JSON.parse(props![1]).monitorSocketPath, "/ws/admin/ab12cd?key=k");
});

Deno.test("admin session page: participants, session controls and payments", () => {
  const base = sampleView();
  const before = renderAdminSession({
    view: {
      ...base,
      phase: "waiting",
      round: 0,
      formed: false,
      markets: [{ ...base.markets[0], participants: [] }],
      participants: [
        participant(0, {
          market: null,
          seat: null,
          page: "consent",
          page_round: null,
          consent: null,
          eligibility: null,
        }),
        participant(1, {
          market: null,
          seat: null,
          page: "instructions",
          page_round: null,
          room_seat: "R07",
        }),
      ],
    },
    monitorSocketPath: "/ws/admin/ab12cd?key=k",
  });
  assert.equal(
    (before.match(/data-testid="participant-link"/g) ?? []).length,
    2,
    "links before the markets form",
  );
  assert.ok(tagOf(before, "form-markets"));
  assert.ok(tagOf(before, "participants-table"));
  assert.match(textOf(before, "pt-0") ?? "", /Trader 1 consent – –/);
  assert.match(textOf(before, "pt-1") ?? "", /room seat R07/);
  assert.equal(textOf(before, "connected-count"), "1 / 2");
  assert.equal(tagOf(before, "payments-table"), null);

  const payments = [
    samplePayment({ participant: 0, label: "Trader 1" }),
    samplePayment({
      participant: 1,
      label: "Trader 2",
      eligibility: "overbooked",
      rounds: [],
      ecu: 0,
      earnings_before_cap: 0,
      earnings: 0,
      payment: 25_000,
    }),
  ];
  const after = renderAdminSession({
    view: {
      ...base,
      phase: "finished",
      markets: [{
        ...base.markets[0],
        participants: [participant(0), participant(1, { market: null, seat: null })],
      }],
      participants: [
        participant(0, {
          page: "payment",
          page_round: null,
          quiz_right_first: 7,
          quiz_asked: 9,
          dropped: true,
          payment: 515_000,
        }),
        participant(1, {
          market: null,
          seat: null,
          page: "payment",
          page_round: null,
          eligibility: "overbooked",
          payment: 25_000,
        }),
      ],
      payments,
    },
    monitorSocketPath: "/ws/admin/ab12cd?key=k",
  });
  assert.equal(tagOf(after, "form-markets"), null, "markets are formed");
  assert.ok(tagOf(after, "finish-session"));
  assert.match(tagOf(after, "finish-session")!, /disabled/, "payments are computed");
  assert.match(
    textOf(after, "pt-0") ?? "",
    /Trader 1 payment yes eligible 1 \/ 1 7 \/ 9 yes \(bot plays\) 51\.50 EUR Restore/,
  );
  assert.ok(tagOf(after, "restore-0"));
  assert.equal(tagOf(after, "drop-0"), null);
  assert.match(textOf(after, "pt-1") ?? "", /overbooked – .* 2\.50 EUR Drop \(bot plays\)/);
  assert.ok(tagOf(after, "drop-1"));
  // Only the seated appear in the market's table.
  assert.ok(tagOf(after, "participant-0"));
  assert.equal(tagOf(after, "participant-1"), null);
  assert.ok(tagOf(after, "payments-table"));
  assert.match(
    textOf(after, "payment-0") ?? "",
    /Trader 1 eligible round 2 \(drawn\) 98\.00 49\.00 EUR 51\.50 EUR/,
  );
  assert.match(
    textOf(after, "payment-1") ?? "",
    /Trader 2 overbooked fee only 0\.00 0\.00 EUR 2\.50 EUR/,
  );
  assert.equal(textOf(after, "payments-total"), "54.00 EUR");
  assert.match(
    tagOf(after, "payments-csv")!,
    /href="\/api\/sessions\/ab12cd\/export\/payments\.csv"/,
  );
  assert.equal(textOf(after, "print-payments"), "Print");
  assert.match(after, /@media print/);
});

Deno.test("admin home: the session list and the new-session form with the examples", () => {
  const html = renderAdminHome({
    sessions: [{
      code: "ab12cd",
      name: "ELO - CDA - test",
      phase: "waiting",
      round: 0,
      num_rounds: 2,
      participants: 2,
      connected: 1,
      admin_url: "/admin/sessions/ab12cd",
    }],
    examples: [{ name: "elo-cda.yaml", text: "session:\n  num-rounds: 2\n" }, {
      name: "elo-fba.yaml",
      text: "x: 1\n",
    }],
  });
  assert.match(html, /<div data-island="AdminSessions">/);
  assert.match(html, /href="\/admin\/sessions\/ab12cd"/);
  assert.match(html, /<option value="elo-fba.yaml">elo-fba.yaml<\/option>/);
  assert.match(html, /data-testid="config-text"/);
  assert.match(html, /session:\n {2}num-rounds: 2/);
  assert.match(html, /data-testid="create-session"/);
  const none = renderAdminHome({ sessions: [], examples: [] });
  assert.match(none, /data-testid="no-sessions"/);
});
