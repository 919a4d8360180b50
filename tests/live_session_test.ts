/**
 * Live sessions on the in-process event log: configs a live session cannot
 * run are refused with the reason, rounds follow the experimenter's
 * controls, subjects' decisions reach the market and come back as screen
 * updates, a reconnecting screen gets exactly what it missed, and a session
 * rebuilt from its log mid-round is the session that was running.
 */

import assert from "node:assert/strict";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { EventAppender } from "../session/event_appender.ts";
import type { EventLog } from "../eventlog/log_event.ts";
import { SessionConfigRejected, SessionRegistry } from "../session/session_registry.ts";
import type { LiveSession } from "../session/live_session.ts";
import { REPLAY_DEPTH, SubjectChannel, type SubjectSocket } from "../session/subject_channel.ts";
import type { OwnOrder, SubjectSnapshot } from "../protocol/subject_protocol.ts";
import type { RoundStart } from "../eventlog/event_kinds.ts";
import { marketAt } from "../session/market_replay.ts";
import { BOOK_MIN_MS } from "../session/live_market.ts";
import { planSession, roundInput } from "../session/round_inputs.ts";

const CONFIGS = new URL("../configs/", import.meta.url).pathname;
const DEMO = await Deno.readTextFile(`${CONFIGS}elo-cda-demo.yaml`);

function demo(durationS: number): string {
  return DEMO.replace("session-duration: 120", `session-duration: ${durationS}`);
}

async function registry(given?: MemoryEventLog) {
  const log = given ?? await MemoryEventLog.open({});
  const appender = new EventAppender(log);
  return { log, appender, registry: new SessionRegistry({ appender, configDir: CONFIGS }) };
}

class Screen implements SubjectSocket {
  readonly got: Record<string, unknown>[] = [];
  send(text: string): void {
    this.got.push(JSON.parse(text));
  }
  of(type: string) {
    return this.got.filter((m) => m.type === type);
  }
  last(type: string) {
    return this.of(type).at(-1);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function comparable(s: SubjectSnapshot) {
  return {
    bbo: s.bbo,
    levels: s.levels,
    external: s.external,
    peg: s.peg,
    strategy: s.strategy,
    orders: s.orders,
    wallet: s.wallet,
    round: s.clock.round,
  };
}

Deno.test("live sessions: configs a live session cannot run are refused with the reason", async () => {
  const { registry: r } = await registry();
  await assert.rejects(
    async () => r.create(await Deno.readTextFile(`${CONFIGS}bcs-cda.yaml`)),
    (e) =>
      e instanceof SessionConfigRejected && /live sessions run the ELO environment/.test(e.message),
  );
  await assert.rejects(
    () =>
      r.create(
        DEMO.replace(/\{ a-y: 0.5, a-z: 0.5 \}/g, "{ role: automated, bot: true }"),
      ),
    (e) => e instanceof SessionConfigRejected && /every seat is a bot/.test(e.message),
  );
  await assert.rejects(
    () => r.create(DEMO.replace("data/external_feed_T1_May2021.csv", "data/nope.csv")),
    (e) => e instanceof SessionConfigRejected && /nope\.csv/.test(e.message),
  );
  await assert.rejects(
    () => r.create("session:\n  num-rounds: -1\n"),
    (e) => e instanceof SessionConfigRejected && /num-rounds/.test(e.message),
  );
  assert.equal(r.list().length, 0);
});

Deno.test("live sessions: rounds follow the controls; decisions trade and reach the screens", async () => {
  const { log, appender, registry: r } = await registry();
  const session: LiveSession = await r.create(demo(2));
  assert.equal(session.participants.length, 2);
  assert.equal(session.phase, "waiting");
  const [p1, p2] = session.participants;
  const s1 = new Screen();
  const s2 = new Screen();
  session.connect(p1, s1);
  session.connect(p2, s2);
  session.handle(p1, s1, { type: "hello", last_seq: null });
  assert.equal((s1.last("snapshot")!.state as SubjectSnapshot).clock.phase, "waiting");
  session.handle(p1, s1, { type: "role", role: "manual" });
  assert.match(String(s1.last("refused")?.reason), /no round is running/);
  assert.throws(() => session.pause(), /nothing to pause/);

  await session.startRound();
  assert.equal(session.phase, "running");
  await assert.rejects(() => session.startRound(), /still running/);
  session.handle(p1, s1, { type: "role", role: "manual" });
  session.handle(p2, s2, { type: "role", role: "manual" });
  session.handle(p1, s1, { type: "order", side: "B", price: 500_000 });
  await until(
    "p2 sees p1's bid",
    () =>
      s2.of("book").some((m) =>
        (m.levels as { price: number; bid_volume: number }[]).some((l) =>
          l.price === 500_000 && l.bid_volume === 1
        )
      ),
  );
  session.handle(p2, s2, { type: "order", side: "S", price: 500_000 });
  await until(
    "both see the fill",
    () =>
      (s1.last("wallet")?.wallet as { inventory: number })?.inventory === 1 &&
      (s2.last("wallet")?.wallet as { inventory: number })?.inventory === -1,
  );
  assert.ok(s1.of("trade").some((m) => (m.trade as { mine: string }).mine === "B"));
  assert.ok(s2.of("trade").some((m) => (m.trade as { mine: string }).mine === "S"));

  session.pause();
  session.handle(p1, s1, { type: "order", side: "B", price: 510_000 });
  assert.match(String(s1.last("refused")?.reason), /paused/);
  session.resume();
  await until("the round ends on time", () => session.phase === "ended", 4000);
  const clock = s1.last("clock")!.clock as { phase: string; round_ms: number };
  assert.equal(clock.phase, "ended");
  assert.equal(clock.round_ms, 2000);
  // every update is numbered without gaps
  const seqs = s1.got.map((m) => m.seq as number);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1);

  // two starts at once (a double click) start one round
  const both = await Promise.allSettled([session.startRound(), session.startRound()]);
  assert.deepEqual(both.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  assert.equal(session.round, 2);
  session.endRound();
  await session.startRound();
  session.endRound();
  assert.equal(session.phase, "finished");
  await assert.rejects(
    () => session.startRound(),
    /the session is finished; payments are computed/,
  );
  // every seat settled every round, the practice round marked as such
  await appender.flush();
  const payoffs = (await log.read(`${session.code}/m1`)).filter((e) => e.kind === "payoff");
  assert.deepEqual(payoffs.map((e) => [e.round, e.data.seat, e.data.trial]), [
    [1, 1, true],
    [1, 2, true],
    [1, 3, true],
    [2, 1, false],
    [2, 2, false],
    [2, 3, false],
    [3, 1, false],
    [3, 2, false],
    [3, 3, false],
  ]);
  const p1Round1 = payoffs[0].data;
  assert.equal(p1Round1.inventory, 1);
  assert.equal(
    p1Round1.payoff,
    (p1Round1.payoff_before_deduction as number) - (p1Round1.deduction as number),
  );
});

Deno.test("live sessions: a reconnecting screen gets what it missed, or a snapshot", async () => {
  const { registry: r } = await registry();
  const session = await r.create(demo(60));
  const [p1] = session.participants;
  const first = new Screen();
  session.connect(p1, first);
  session.handle(p1, first, { type: "hello", last_seq: null });
  await session.startRound();
  await sleep(150);
  session.handle(p1, first, { type: "role", role: "automated" });
  await sleep(100);
  const seen = first.got.at(-1)!.seq as number;
  session.disconnect(p1, first);
  session.handle(p1, first, { type: "speed", on: true });
  await sleep(100);

  const again = new Screen();
  session.connect(p1, again);
  session.handle(p1, again, { type: "hello", last_seq: seen });
  assert.ok(again.got.length > 0);
  assert.equal(again.got[0].seq, seen + 1);
  assert.ok(again.of("strategy").some((m) => (m.strategy as { speed: boolean }).speed));
  const fresh = new Screen();
  session.connect(p1, fresh);
  session.handle(p1, fresh, { type: "hello", last_seq: 12 });
  const snap = fresh.got[0];
  assert.equal(snap.type, "snapshot");
  assert.equal((snap.state as SubjectSnapshot).strategy.role, "automated");
  assert.equal((snap.state as SubjectSnapshot).strategy.speed, true);
  session.endRound();
});

Deno.test("live sessions: a session rebuilt from its log mid-round is the one that ran", async () => {
  const { log, appender, registry: r } = await registry();
  const session = await r.create(demo(60));
  const [p1, p2] = session.participants;
  const s1 = new Screen();
  const s2 = new Screen();
  session.connect(p1, s1);
  session.connect(p2, s2);
  await session.startRound();
  session.handle(p1, s1, { type: "role", role: "manual" });
  session.handle(p2, s2, { type: "role", role: "automated" });
  session.handle(p1, s1, { type: "order", side: "B", price: 990_000 });
  await sleep(700);
  session.handle(p2, s2, { type: "sliders", a_x: 0, a_y: 0.1, a_z: 0.9 });
  session.handle(p1, s1, { type: "order", side: "S", price: 1_020_000 });
  await sleep(700);
  session.pause();
  await appender.flush();
  const before = session.participants.map((p) => comparable(session.snapshot(p)));

  // a new server on the same log
  const { registry: rebuilt } = await registry(log);
  assert.equal(await rebuilt.recover(), 1);
  const again = rebuilt.get(session.code)!;
  const after = again.participants.map((p) => comparable(again.snapshot(p)));
  assert.deepEqual(after, before);
  assert.equal(again.round, 1);
  // paused by the experimenter, it stays paused until resumed; links admit the same seats
  assert.equal(again.phase, "paused");
  again.resume();
  assert.equal(again.phase, "running");
  assert.equal(rebuilt.byToken(p1.token)?.participant.index, 1);
  again.endRound();
  session.endRound();
});

Deno.test("replay: a market rebuilt at time t from its log is the market that stood at t", async () => {
  const { log, appender, registry: r } = await registry();
  const session = await r.create(demo(60));
  const [p1, p2] = session.participants;
  const s1 = new Screen();
  const s2 = new Screen();
  await session.startRound();
  session.handle(p1, s1, { type: "role", role: "manual" });
  session.handle(p2, s2, { type: "role", role: "automated" });
  session.handle(p1, s1, { type: "order", side: "B", price: 970_000 });
  await sleep(500);
  session.pause();
  // paused, the market has run everything due before the clock's next ms
  const at = session.clock().round_ms + 1;
  const live = session.participants.map((p) => comparable(session.snapshot(p)));
  session.resume();
  session.handle(p1, s1, { type: "order", side: "S", price: 1_050_000 });
  await sleep(300);
  session.endRound();
  await appender.flush();

  const events = await log.read(`${session.code}/m1`);
  const start = events[0].data as unknown as RoundStart;
  const config = session.config;
  const plan = await planSession(config);
  const market = await marketAt(
    roundInput(plan, 1, 1, start.seats, start.duration_ms, start.seed),
    start.seats.map((s) => s.participant),
    events,
    at,
  );
  for (const [i, p] of session.participants.entries()) {
    const seat = market.seatView(p.seat! - 1);
    assert.equal(seat.role, live[i].strategy.role);
    assert.equal(seat.inventory, live[i].wallet.inventory);
    assert.equal(seat.cash, live[i].wallet.cash);
    assert.deepEqual(
      seat.orders.map((o) => [o.side, o.price]),
      live[i].orders.map((o) => [o.side, o.price]),
    );
  }
  const v = market.marketView();
  assert.equal(v.bestBid, live[0].bbo.best_bid);
  assert.equal(v.bestOffer, live[0].bbo.best_offer);
  market.close();
});

Deno.test("live sessions: several markets run at once, each subject in its own", async () => {
  const { registry: r } = await registry();
  const session = await r.create(
    demo(30).replace("number-of-markets: 1", "number-of-markets: 2")
      .replace("number-of-traders: 3", "number-of-traders: 6"),
  );
  assert.deepEqual(
    session.participants.map((p) => [p.label, p.market, p.seat]),
    [["P1", 1, 1], ["P2", 1, 2], ["P3", 2, 1], ["P4", 2, 2]],
  );
  const screens = session.participants.map(() => new Screen());
  session.participants.forEach((p, i) => session.connect(p, screens[i]));
  await session.startRound();
  const [p1, , p3] = session.participants;
  session.handle(p1, screens[0], { type: "role", role: "manual" });
  session.handle(p1, screens[0], { type: "order", side: "B", price: 880_000 });
  await until(
    "market 1 shows P1's bid",
    () => session.snapshot(p1).levels.some((l) => l.price === 880_000),
  );
  await sleep(200);
  assert.ok(!session.snapshot(p3).levels.some((l) => l.price === 880_000));
  const view = session.view({ admin: "", subject: (t) => t });
  assert.deepEqual(view.markets.map((m) => m.participants.map((p) => p.label)), [
    ["P1", "P2"],
    ["P3", "P4"],
  ]);
  assert.equal(view.markets[0].participants[0].role, "manual");
  assert.equal(view.markets[1].participants[0].role, "out");
  session.endRound();
  assert.equal(session.phase, "ended");
});

Deno.test("live sessions: a screen hears of a decision only once the log holds it", async () => {
  const inner = await MemoryEventLog.open({});
  let open = true;
  let release: () => void = () => {};
  const gated: EventLog = {
    kind: "gated",
    append: async (events) => {
      if (!open) await new Promise<void>((r) => (release = r));
      await inner.append(events);
    },
    read: (stream, after) => inner.read(stream, after),
    lastSeq: (stream) => inner.lastSeq(stream),
    streams: (prefix) => inner.streams(prefix),
    close: () => inner.close(),
  };
  const appender = new EventAppender(gated);
  const r = new SessionRegistry({ appender, configDir: CONFIGS });
  const session = await r.create(demo(30));
  const [p1] = session.participants;
  const screen = new Screen();
  session.connect(p1, screen);
  await session.startRound();
  await sleep(50);
  await appender.flush();
  open = false;
  const before = screen.got.length;
  session.handle(p1, screen, { type: "role", role: "manual" });
  await sleep(100);
  assert.deepEqual(screen.got.slice(before), [], "nothing shown before the log has it");
  open = true;
  release();
  await until(
    "the role change on screen",
    () => (screen.last("strategy")?.strategy as { role: string } | undefined)?.role === "manual",
  );
  const logged = await inner.read(`${session.code}/m1`);
  assert.ok(logged.some((e) => e.kind === "action" && e.data.seat === 1));
  session.endRound();
});

Deno.test("subject channel: numbers updates, replays what a socket missed, and forgets only the oldest", () => {
  const channel = new SubjectChannel();
  const a = new Screen();
  channel.attach(a);
  const first = channel.publish({ type: "refused", reason: "r1" });
  for (let i = 0; i < 3 * REPLAY_DEPTH; i++) channel.publish({ type: "refused", reason: `x${i}` });
  assert.equal(a.got.length, 3 * REPLAY_DEPTH + 1);
  assert.equal(a.got.at(-1)!.seq, first + 3 * REPLAY_DEPTH);
  // too far behind: the caller must send a snapshot
  assert.equal(channel.since(first), null);
  const last = channel.seq;
  const missed = channel.since(last - REPLAY_DEPTH)!;
  assert.equal(missed.length, REPLAY_DEPTH);
  assert.equal(JSON.parse(missed[0]).seq, last - REPLAY_DEPTH + 1);
  assert.deepEqual(channel.since(last), []);
  assert.equal(channel.since(last + 1), null, "a number from the future is not ours");
});

Deno.test("live sessions: decisions of one moment reach the screen together, each order named once", async () => {
  const { registry: r, appender } = await registry();
  const session = await r.create(demo(30));
  const [p1] = session.participants;
  const screen = new Screen();
  session.connect(p1, screen);
  await session.startRound();
  session.handle(p1, screen, { type: "role", role: "manual" });
  await appender.flush();
  await until(
    "the manual role",
    () => screen.of("orders").length > 0 || screen.of("strategy").length > 0,
  );
  const before = screen.got.length;
  // faster than the exchange answers: a chain of replaces, all in one turn
  const prices = [990_000, 980_000, 970_000, 960_000];
  for (const price of prices) session.handle(p1, screen, { type: "order", side: "B", price });
  await until(
    "the orders on screen",
    () => screen.got.slice(before).some((m) => m.type === "orders"),
  );
  const updates = screen.got.slice(before).filter((m) => m.type === "orders");
  assert.equal(updates.length, 1, "one orders update for the turn");
  const books = screen.got.slice(before).filter((m) => m.type === "book");
  assert.ok(books.length <= 1, `${books.length} book updates for the turn`);
  const update = updates[0] as { orders: OwnOrder[]; created: { side: string; price: number }[] };
  assert.deepEqual(update.created.map((o) => [o.side, o.price]), prices.map((p) => ["B", p]));
  // the first on its way and the latest; the two between are superseded before they rest
  assert.deepEqual(update.orders.map((o) => o.price), [990_000, 960_000]);
  session.endRound();
  r.close();
});

/** One market of ten people, everyone manual, slow orders: a book many change at once. */
const TEN_SEATS = `
session:
  session-name: book_pace
  environment: elo
  num-rounds: 1
  trial-rounds: []
  seed: 7
market:
  auction-format: CDA
  number-of-markets: 1
  traders-per-market: 10
flow:
  round-start: experimenter
parameters:
  session-duration: 30
  default-role: manual
  include-manual-role: true
  slow-latency-ms: 200
exogenous-events:
  investor-arrivals: [data/investor_focal_T1_May2021.csv]
  external-feed: [data/external_feed_T1_May2021.csv]
`;

class TimedScreen extends Screen {
  readonly at: number[] = [];
  override send(text: string): void {
    super.send(text);
    this.at.push(performance.now());
  }
}

Deno.test("live sessions: a busy market's book reaches bystanders at most every BOOK_MIN_MS, ending at the book as it stands", async () => {
  const { registry: r } = await registry();
  const session = await r.create(TEN_SEATS);
  const screens = session.participants.map((p) => {
    const screen = new TimedScreen();
    session.connect(p, screen);
    return { p, screen };
  });
  await session.startRound();
  await sleep(50);
  const bystander = screens[0].screen;
  const before = bystander.got.length;
  // nine traders quote in turns of their own, as orders come from sockets
  // under load; each changes the book when it reaches the exchange
  for (let i = 1; i < screens.length; i++) {
    const { p, screen } = screens[i];
    session.handle(p, screen, { type: "order", side: "B", price: 900_000 - i * 10_000 });
    await sleep(2);
    session.handle(p, screen, { type: "order", side: "S", price: 1_100_000 + i * 10_000 });
    await sleep(2);
  }
  // (investors' orders, from 1.5 s on, are not counted)
  const everyQuote = (m: Record<string, unknown>) =>
    (m.levels as { price: number; bid_volume: number; offer_volume: number }[])
      .reduce((n, l) =>
        n + (l.price <= 890_000 ? l.bid_volume : 0) +
        (l.price >= 1_110_000 ? l.offer_volume : 0), 0) === 18;
  await until("the bystander's book to show every quote", () => {
    const book = bystander.last("book");
    return book !== undefined && everyQuote(book);
  });
  const books = bystander.got.map((m, i) => ({ m, at: bystander.at[i] })).slice(before)
    .filter(({ m }) => m.type === "book");
  // a quote behind the best moves the depth on screen too, not only a new best
  assert.ok(
    (books.at(-1)!.m.round_ms as number) < 1_000,
    `every quote shown only at ${books.at(-1)!.m.round_ms} ms`,
  );
  const span = books.at(-1)!.at - books[0].at;
  assert.ok(books.length >= 2, "the book moved on screen while the quotes arrived");
  assert.ok(
    books.length <= Math.ceil(span / BOOK_MIN_MS) + 1,
    `${books.length} book updates in ${span.toFixed(1)} ms`,
  );
  session.endRound();
  r.close();
});
