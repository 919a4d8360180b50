import assert from "node:assert/strict";
import type { SessionView } from "../protocol/admin_protocol.ts";
import type {
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
import {
  applyUpdate,
  type ClockAnchor,
  marketMs,
  nextCentre,
  priceAtX,
  remainingMs,
  type StateUpdate,
  windowAround,
  xOfPrice,
} from "../islands/subject_state.ts";
import { renderAdminHome, renderAdminSession } from "../routes/admin_pages.tsx";
import { renderSubjectPage } from "../routes/subject_page.tsx";

export function sampleSnapshot(over: Partial<SubjectSnapshot> = {}): SubjectSnapshot {
  return {
    label: "Trader 3",
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
      participants: [0, 1].map((i) => ({
        index: i,
        label: `Trader ${i + 1}`,
        market: 1,
        seat: i + 1,
        url: `http://localhost:8000/s/tok${i}`,
        connected: i === 0,
        role: "manual" as const,
        speed: false,
        inventory: i === 0 ? 1 : -1,
        cash: 1_000_000,
        profit: 5_000,
        speed_cost: 0,
        rtt_ms: i === 0 ? 12.4 : null,
      })),
    }],
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
