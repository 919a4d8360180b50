/**
 * Session exports (`exports/`): a hand-built two-participant session (one
 * FBA market with a bot seat and the investor, a trial round and a paid
 * round) exported and read back with a strict RFC 4180 parser, with fflate
 * and, where installed, with pandas. Checks upstream's column order, one row
 * per event, blanks, quoting, integer money, the telemetry lookup, ordering,
 * the dictionary's coverage, secrets staying out, and linear cost.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { unzipSync } from "fflate";
import type { LogEvent } from "../eventlog/log_event.ts";
import type {
  MarketRecord,
  MarketsFormed,
  OrderEvent,
  PageEvent,
  ParticipantEntry,
  PaymentsEvent,
  PayoffEvent,
  QuizAnswerEvent,
  RoundStart,
  SeatEntry,
  SessionCreated,
  SurveyEvent,
  TraderRecord,
} from "../eventlog/event_kinds.ts";
import { computePayments, type Payment } from "../experiment/payment.ts";
import type { PaymentConfig } from "../market/session_config.ts";
import type { PageName } from "../protocol/subject_protocol.ts";
import {
  csvCell,
  DATA_DICTIONARY,
  EXPORT_NAMES,
  exportFile,
  exportFileName,
  exportFiles,
  type SessionExportInput,
  sessionZip,
  sessionZipName,
} from "../exports/mod.ts";
import { csvRow } from "../exports/csv.ts";

// ---------------------------------------------------------------- CSV reader

interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/**
 * Strict RFC 4180 with CRLF: fails on a bare LF outside quotes, a quote
 * inside an unquoted cell, a quoted cell that did not need quotes, ragged
 * rows, or a missing final line end.
 */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endCell = () => {
    if (wasQuoted) assert.match(cell, /[",\r\n]/, `needless quotes around ${JSON.stringify(cell)}`);
    row.push(cell);
    cell = "";
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        assert.ok(
          i + 1 === text.length || text[i + 1] === "," || text[i + 1] === "\r",
          `text after a closing quote at ${i}`,
        );
      } else {
        cell += c;
      }
      i++;
    } else if (c === '"') {
      assert.equal(cell, "", `quote inside an unquoted cell at ${i}`);
      assert.ok(!wasQuoted, `second quoted section at ${i}`);
      quoted = true;
      wasQuoted = true;
      i++;
    } else if (c === ",") {
      endCell();
      i++;
    } else if (c === "\r") {
      assert.equal(text[i + 1], "\n", `bare CR at ${i}`);
      endCell();
      rows.push(row);
      row = [];
      i += 2;
    } else {
      assert.notEqual(c, "\n", `bare LF outside quotes at ${i}`);
      cell += c;
      i++;
    }
  }
  assert.ok(!quoted, "unterminated quote");
  assert.ok(cell === "" && row.length === 0, "the last row has no line end");
  return rows;
}

function readTable(text: string): Table {
  const [header, ...body] = parseCsv(text);
  for (const [i, cells] of body.entries()) {
    assert.equal(cells.length, header.length, `row ${i + 1} has ${cells.length} cells`);
  }
  return {
    header,
    rows: body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]]))),
  };
}

// ---------------------------------------------------------------- fixture

const CODE = "x7k2p9";
const MARKET = `${CODE}/m1`;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const ROUND_MS = 60_000;
const MAX_ASK = 2147483647;
const ENDOWMENT = 20_000_000;
/** Needs every kind of quoting: a comma, quotes and a line break. */
const LABEL_2 = 'Lab "B", row 2\nwindow';

const TOKENS = ["tok-secret-1-qwerty", "tok-secret-2-asdfgh", "tok-secret-3-zxcvbn"];

/** A flow session: nobody has a seat until the consent page's answers form the markets. */
const PARTICIPANTS: ParticipantEntry[] = [
  { index: 1, label: "P1", token: TOKENS[0], market: null, seat: null },
  { index: 2, label: LABEL_2, token: TOKENS[1], market: null, seat: null },
  { index: 3, label: "P3", token: TOKENS[2], market: null, seat: null },
];

/** Upstream P4's payment: fee 2.50, cap 50, 0.02 EUR per ECU, every paid round summed. */
const PAYMENT: PaymentConfig = {
  exchangeRate: 0.02,
  participationFee: 25_000,
  maxPayment: 500_000,
  randomPayoff: false,
};
const NUM_ROUNDS = 2;
const TRIAL_ROUNDS = [1];
/** Participant 2 drops out this far into round 2; a bot plays the seat from then on. */
const DROPOUT_MS = 20_000;
const SURVEY_1 = {
  "general.degree": "Economics",
  "general.suggestions": 'More rounds, "longer" ones\nand a break',
};

class StreamBuilder {
  readonly events: LogEvent[] = [];
  constructor(readonly name: string) {}

  add(
    wallMs: number,
    round: number | null,
    roundMs: number | null,
    kind: string,
    data: object,
  ): LogEvent {
    const e: LogEvent = {
      stream: this.name,
      seq: this.events.length + 1,
      wallMs,
      round,
      roundMs,
      kind,
      data: data as Record<string, unknown>,
    };
    this.events.push(e);
    return e;
  }

  /** The events by time (ties in the order added), numbered again from 1. */
  inTimeOrder(): LogEvent[] {
    return [...this.events].sort((a, b) => a.wallMs - b.wallMs).map((e, i) => ({
      ...e,
      seq: i + 1,
    }));
  }
}

function roundStartMs(round: number): number {
  return T0 + 60_000 + (round - 1) * 120_000;
}

function seats(round: number): SeatEntry[] {
  return [
    { seat: 1, participant: 1, role: "manual", speed: false, a_x: 0, a_y: 0, a_z: 0 },
    {
      seat: 2,
      participant: 2,
      role: "automated",
      speed: round === 1,
      a_x: 0.5,
      a_y: 0.25,
      a_z: 0.125,
    },
    { seat: 3, participant: null, role: "automated", speed: true, a_x: 1, a_y: 0, a_z: 0.75 },
  ];
}

interface Holding {
  cash: number;
  inventory: number;
  speedCost: number;
  bought: number;
  sold: number;
  sumBid: number;
  sumAsk: number;
}

function holding(): Holding {
  return {
    cash: ENDOWMENT,
    inventory: 0,
    speedCost: 0,
    bought: 0,
    sold: 0,
    sumBid: 0,
    sumAsk: 0,
  };
}

/** A one-share fill at `price` (leeps-hft-app.md §8.1). */
function fill(h: Holding, side: "B" | "S", price: number): void {
  if (side === "B") {
    h.cash -= price;
    h.inventory += 1;
    h.bought += 1;
    h.sumBid += price;
  } else {
    h.cash += price;
    h.inventory -= 1;
    h.sold += 1;
    h.sumAsk += price;
  }
}

function traderRecord(
  seat: SeatEntry,
  holding: Holding,
  trigger: string,
  extra: Partial<TraderRecord> = {},
): TraderRecord {
  return {
    seat: seat.seat,
    participant: seat.participant,
    trigger_event_type: trigger,
    trader_model_name: seat.role,
    delay: seat.speed ? 0.1 : 0.5,
    speed: seat.speed,
    inventory: holding.inventory,
    cash: holding.cash,
    speed_cost: holding.speedCost,
    net_worth: holding.cash + holding.inventory * 1_000_000 - holding.speedCost,
    tax_paid: 0,
    reference_price: 1_000_000,
    bid: null,
    offer: null,
    staged_bid: null,
    staged_offer: null,
    implied_bid: seat.role === "automated" ? 980_000 : null,
    implied_offer: seat.role === "automated" ? 1_020_000 : null,
    best_bid: 0,
    best_offer: MAX_ASK,
    best_bid_except_me: 0,
    best_offer_except_me: MAX_ASK,
    e_best_bid: 990_000,
    e_best_offer: 1_010_000,
    slider_a_x: seat.a_x,
    slider_a_y: seat.a_y,
    slider_a_z: seat.a_z,
    signed_volume: 0,
    e_signed_volume: 0.125,
    executed_price: null,
    buy_sell_indicator: "",
    ...extra,
  };
}

function marketRecord(trigger: string, extra: Partial<MarketRecord> = {}): MarketRecord {
  return {
    trigger_event_type: trigger,
    reference_price: 1_000_000,
    best_bid: 0,
    best_offer: MAX_ASK,
    next_bid: 0,
    next_offer: MAX_ASK,
    volume_at_best_bid: 0,
    volume_at_best_offer: 0,
    e_best_bid: 990_000,
    e_best_offer: 1_010_000,
    signed_volume: 0,
    e_signed_volume: 0.125,
    clearing_price: null,
    transacted_volume: null,
    ...extra,
  };
}

function order(
  seat: number,
  participant: number | null,
  token: string,
  step: OrderEvent["step"],
  side: "B" | "S",
  extra: Partial<OrderEvent> = {},
): OrderEvent {
  return {
    seat,
    participant,
    order_token: token,
    step,
    buy_sell_indicator: side,
    price: 990_000,
    shares: 1,
    ...extra,
  };
}

/** Settlement by the results-page equations with a 10% deduction rate. */
function payoff(seat: SeatEntry, trial: boolean, h: Holding, referencePrice: number): PayoffEvent {
  const inventoryValue = referencePrice * h.inventory;
  const pbd = h.cash + inventoryValue - h.speedCost;
  const deduction = Math.abs(Math.round(0.1 * inventoryValue));
  return {
    seat: seat.seat,
    participant: seat.participant,
    trial,
    endowment: ENDOWMENT,
    cash: h.cash,
    inventory: h.inventory,
    bought: h.bought,
    sold: h.sold,
    sum_bid_price: h.sumBid,
    sum_ask_price: h.sumAsk,
    reference_price: referencePrice,
    inventory_value: inventoryValue,
    speed_cost: h.speedCost,
    payoff_before_deduction: pbd,
    deduction,
    payoff: pbd - deduction,
    speed_seconds: seat.speed ? 60 : 0,
    time_as_automated: seat.role === "automated" ? 1 : 0,
    time_as_manual: seat.role === "manual" ? 1 : 0,
    time_as_out: 0,
  };
}

interface Fixture {
  input: SessionExportInput;
  /** Participant 1's trader_record whose time equals a telemetry report's. */
  telemetryTie: LogEvent;
}

function buildSession(): Fixture {
  const session = new StreamBuilder(CODE);
  const market = new StreamBuilder(MARKET);
  const created: SessionCreated = {
    code: CODE,
    name: "Pilot, FBA",
    environment: "elo",
    format: "fba",
    config_text: "session:\n  name: pilot\n",
    config_source: "pilot.yaml",
    participants: PARTICIPANTS,
  };
  session.add(T0, null, null, "session_created", created);
  session.add(T0 + 1_000, null, null, "presence", { participant: 1, connected: true });
  session.add(T0 + 1_500.5, null, null, "presence", { participant: 2, connected: true });
  session.add(T0 + 1_800, null, null, "presence", { participant: 3, connected: true });
  const flow = (ms: number, kind: string, data: object, round: number | null = null) =>
    session.add(T0 + ms, round, null, kind, data);
  const page = (ms: number, participant: number, name: PageName, round: number | null = null) =>
    flow(ms, "page", { participant, page: name, round } satisfies PageEvent, round);
  for (const p of [1, 2, 3]) page(2_000 + 100 * p, p, "consent");
  flow(10_000, "consent", { participant: 1, agree: true });
  flow(12_000, "consent", { participant: 2, agree: true });
  flow(15_000, "consent", { participant: 3, agree: false });
  const formed: MarketsFormed = {
    markets: 1,
    seats: [{ participant: 1, market: 1, seat: 1 }, { participant: 2, market: 1, seat: 2 }],
    not_consented: [3],
    overbooked: [],
    underbooked: [],
    by: "consent",
  };
  flow(15_000, "markets_formed", formed);
  page(15_000, 3, "payment");
  for (const p of [1, 2]) page(16_000, p, "instructions");
  page(30_000, 1, "quiz");
  page(31_000, 2, "quiz");
  const quiz = (ms: number, participant: number, question: string, attempt: number, ok: boolean) =>
    flow(
      ms,
      "quiz_answer",
      {
        participant,
        question,
        answer: ok ? "It falls" : `Wrong option ${attempt}, "quoted"`,
        attempt,
        correct: ok,
      } satisfies QuizAnswerEvent,
    );
  quiz(35_000, 1, "inventory.trader_inv", 1, false);
  quiz(36_000, 2, "inventory.trader_inv", 1, false);
  quiz(38_000, 1, "inventory.trader_inv", 2, true);
  quiz(40_000, 1, "speed.two_players", 1, true);
  quiz(41_000, 2, "inventory.trader_inv", 2, false);
  quiz(43_000, 2, "speed.two_players", 1, true);
  for (const round of [1, 2]) {
    const t = roundStartMs(round) - T0;
    for (const p of [1, 2]) {
      page(t - 10_000, p, "wait", round);
      page(t, p, "trading", round);
      // Participant 2 is gone by the end of round 2.
      if (round === 1 || p === 1) page(t + ROUND_MS + 1_000, p, "results", round);
    }
  }
  const end = roundStartMs(2) - T0 + ROUND_MS;
  session.add(T0 + end - ROUND_MS + DROPOUT_MS, 2, DROPOUT_MS, "dropout", {
    participant: 2,
    dropped: true,
    round: 2,
    running: true,
  });
  page(end + 20_000, 1, "survey");
  flow(end + 50_000, "survey", { participant: 1, answers: SURVEY_1 } satisfies SurveyEvent);
  page(end + 50_000, 1, "payment");

  let telemetryTie: LogEvent | null = null;
  for (const round of [1, 2]) {
    const t = roundStartMs(round);
    const trial = round === 1;
    const roundSeats = seats(round);
    const [s1, s2, s3] = roundSeats;
    const holdings = new Map<number, Holding>(
      roundSeats.map((s) => [s.seat, holding()]),
    );
    const h = (seat: SeatEntry) => holdings.get(seat.seat)!;
    const at = (ms: number, kind: string, data: object) =>
      market.add(t + ms, round, ms, kind, data);

    const start: RoundStart = {
      round,
      trial,
      seed: 1000 + round,
      duration_ms: ROUND_MS,
      format: "fba",
      // A copy: the seats below change during the round.
      seats: roundSeats.map((s) => ({ ...s })),
    };
    at(0, "round_start", start);
    for (const s of roundSeats) at(0, "trader_record", traderRecord(s, h(s), "market_start"));
    at(0, "market_record", marketRecord("market_start"));

    // Participant 1 bids; the investor sells into the batch.
    const bidToken = `AAAAB0001${String(round).padStart(5, "0")}`;
    const invToken = `INVES0001${String(round).padStart(5, "0")}`;
    at(1_000, "action", { seat: 1, action: { type: "order", side: "B", price: 990_000 } });
    at(1_000, "order", order(1, 1, bidToken, "sent", "B", { time_in_force: 99999 }));
    at(1_500, "order", order(1, 1, bidToken, "accepted", "B", { time_in_force: 99999 }));
    const accepted = at(
      1_500,
      "trader_record",
      traderRecord(s1, h(s1), "A", { bid: 990_000, best_bid: 990_000 }),
    );
    if (round === 1) telemetryTie = accepted;
    at(1_500, "market_record", marketRecord("Q", { best_bid: 990_000, volume_at_best_bid: 1 }));
    at(2_010, "order", order(0, null, invToken, "sent", "S"));
    at(2_020, "order", order(0, null, invToken, "accepted", "S"));
    at(3_000, "batch", { clearing_price: 990_000, transacted_volume: 1 });
    market.add(t + 3_000.25, round, 3_000.25, "trade", {
      match_number: `${round}01`,
      price: 990_000,
      shares: 1,
      buyer_seat: 1,
      seller_seat: 0,
      aggressor: "",
    });
    at(
      3_000,
      "order",
      order(1, 1, bidToken, "executed", "B", {
        execution_price: 990_000,
        match_number: `${round}01`,
      }),
    );
    at(
      3_000,
      "order",
      order(0, null, invToken, "executed", "S", {
        execution_price: 990_000,
        match_number: `${round}01`,
      }),
    );
    fill(h(s1), "B", 990_000);
    at(
      3_000,
      "trader_record",
      traderRecord(s1, h(s1), "E", { executed_price: 990_000, buy_sell_indicator: "B" }),
    );
    at(
      3_000,
      "market_record",
      marketRecord("Z", { clearing_price: 990_000, transacted_volume: 1 }),
    );

    // The bot seat lifts participant 2's offer; participant 2 then turns speed off.
    const offerToken = `BBBBS0002${String(round).padStart(5, "0")}`;
    at(4_000, "order", order(2, 2, offerToken, "accepted", "S", { price: 1_010_000 }));
    at(5_000, "trade", {
      match_number: `${round}02`,
      price: 1_010_000,
      shares: 1,
      buyer_seat: 3,
      seller_seat: 2,
      aggressor: "B",
    });
    fill(h(s2), "S", 1_010_000);
    fill(h(s3), "B", 1_010_000);
    at(
      5_000,
      "trader_record",
      traderRecord(s2, h(s2), "E", { executed_price: 1_010_000, buy_sell_indicator: "S" }),
    );
    at(6_000, "action", { seat: 2, action: { type: "speed", on: false } });
    s2.speed = false;
    h(s2).speedCost = round === 1 ? 6 * 100 : 0;
    at(6_000, "trader_record", traderRecord(s2, h(s2), "speed_change"));
    if (round === 2) {
      // Participant 2 reprices the rest of the offer, then participant 1 cancels a bid.
      const next = `BBBBS0002${String(round + 10).padStart(5, "0")}`;
      at(6_500, "order", order(2, 2, offerToken, "replace_sent", "S", { price: 1_020_000 }));
      at(
        6_600,
        "order",
        order(2, 2, next, "replaced", "S", {
          price: 1_020_000,
          old_token: offerToken,
        }),
      );
      const bid = `AAAAB0001${String(round + 10).padStart(5, "0")}`;
      at(6_700, "order", order(1, 1, bid, "accepted", "B", { price: 980_000 }));
      at(6_800, "order", order(1, 1, bid, "cancel_sent", "B", { price: 980_000 }));
      at(6_900, "order", {
        ...order(1, 1, bid, "canceled", "B", { price: null }),
        buy_sell_indicator: "",
        reason: "U",
      });
    }
    at(7_000, "refused", { seat: 1, reason: 'price out of range, "too high"' });
    at(8_000, "pause", { reason: "admin" });
    at(8_000, "resume", { reason: "admin" });

    at(ROUND_MS, "round_end", { reason: "time" });
    for (const s of roundSeats) {
      at(ROUND_MS, "trader_record", traderRecord(s, h(s), "market_end"));
    }
    at(ROUND_MS, "market_record", marketRecord("market_end"));
    for (const s of roundSeats) at(ROUND_MS, "payoff", payoff(s, trial, h(s), 1_000_000));
  }

  // Telemetry: participant 1 exactly at a record's time, then again in round 2;
  // participant 2 once, mid round 1.
  const tie = telemetryTie!;
  session.add(tie.wallMs, 1, tie.roundMs, "telemetry", {
    participant: 1,
    avg_latency_ms: 12.5,
    max_latency_ms: 40,
    percent_active: 87.5,
  });
  session.add(roundStartMs(1) + 30_000, 1, 30_000, "telemetry", {
    participant: 2,
    avg_latency_ms: 8.25,
    max_latency_ms: 16,
    percent_active: 50,
  });
  session.add(roundStartMs(2) + 500, 2, 500, "telemetry", {
    participant: 1,
    avg_latency_ms: 20,
    max_latency_ms: 55,
    percent_active: 100,
  });
  session.add(roundStartMs(2) + 90_000, null, null, "presence", {
    participant: 2,
    connected: false,
  });

  // Paid as the server pays: from the payoff records, once, after the last round.
  const payoffs = market.events.filter((e) => e.kind === "payoff");
  const rows = computePayments({
    payment: PAYMENT,
    currency: "EUR",
    numRounds: NUM_ROUNDS,
    trialRounds: TRIAL_ROUNDS,
    paidRound: null,
    participants: PARTICIPANTS.map((p) => ({
      participant: p.index,
      label: p.label,
      eligibility: p.index === 3 ? "not_consented" : "eligible",
      rounds: payoffs.filter((e) => e.data.participant === p.index).map((e) => ({
        round: e.round!,
        trial: e.data.trial as boolean,
        payoff: e.data.payoff as number,
        played_by_bot: p.index === 2 && e.round === 2,
      })),
    })),
  });
  flow(end + 500, "payments", { rule: "sum", paid_round: null, rows } satisfies PaymentsEvent);

  return {
    input: { session: session.inTimeOrder(), markets: new Map([[MARKET, market.events]]) },
    telemetryTie: tie,
  };
}

const FIXTURE = buildSession();
const FILES = exportFiles(FIXTURE.input);
const TABLES = new Map(
  [...FILES].filter(([name]) => name.endsWith(".csv")).map(([name, text]) => [
    name,
    readTable(text),
  ]),
);

function table(name: string): Table {
  const t = TABLES.get(name);
  assert.ok(t, `${name} exported`);
  return t;
}

const allMarketEvents = () => [...FIXTURE.input.markets.values()].flat();
const eventsOf = (kind: string) => allMarketEvents().filter((e) => e.kind === kind);

// ---------------------------------------------------------------- headers

const UPSTREAM_TRADER_COLUMNS = [
  "timestamp",
  "subsession_id",
  "market_id",
  "player_id",
  "participant_code",
  "trigger_event_type",
  "event_no",
  "trader_model_name",
  "inventory",
  "bid",
  "offer",
  "best_bid_except_me",
  "best_offer_except_me",
  "delay",
  "speed",
  "staged_bid",
  "staged_offer",
  "implied_bid",
  "implied_offer",
  "slider_a_x",
  "slider_a_y",
  "slider_a_z",
  "payoff",
  "cash",
  "deduction_paid",
  "speed_cost",
  "midpoint_peg",
  "peg_price",
  "peg_state",
  "avgLatency",
  "maxLatency",
  "reference_price",
  "executed_price",
  "buy_sell_indicator",
  "percentTraderActive",
];

const UPSTREAM_MARKET_COLUMNS = [
  "timestamp",
  "subsession_id",
  "market_id",
  "player_id",
  "trigger_event_type",
  "event_no",
  "reference_price",
  "best_bid",
  "best_offer",
  "next_bid",
  "next_offer",
  "volume_at_best_bid",
  "volume_at_best_offer",
  "e_best_bid",
  "e_best_offer",
  "signed_volume",
  "e_signed_volume",
  "clearing_price",
  "transacted_volume",
];

Deno.test("export names: every file once, CSVs plus dictionary and README", () => {
  assert.deepEqual([...FILES.keys()], [...EXPORT_NAMES]);
  for (
    const name of [
      "participants.csv",
      "payments.csv",
      "pages.csv",
      "quiz.csv",
      "survey.csv",
      "trader_records.csv",
      "market_records.csv",
      "trades.csv",
      "orders.csv",
      "data_dictionary.csv",
      "README.txt",
    ]
  ) {
    assert.ok(EXPORT_NAMES.includes(name), name);
  }
  assert.equal(exportFileName(CODE, "trades.csv"), `hft-${CODE}-trades.csv`);
  assert.equal(exportFileName("a/b c", "x.csv"), "hft-a_b_c-x.csv");
  assert.equal(sessionZipName(CODE), `hft-${CODE}.zip`);
});

Deno.test("trader_records: upstream's columns in upstream's order, then ours", () => {
  const header = table("trader_records.csv").header;
  assert.deepEqual(header.slice(0, UPSTREAM_TRADER_COLUMNS.length), UPSTREAM_TRADER_COLUMNS);
  assert.deepEqual(
    header.slice(UPSTREAM_TRADER_COLUMNS.length, UPSTREAM_TRADER_COLUMNS.length + 4),
    [
      "round",
      "round_ms",
      "wall_ms",
      "seq",
    ],
  );
  assert.ok(header.includes("label"));
});

Deno.test("market_records: upstream's columns in upstream's order, then round, round_ms, wall_ms, seq", () => {
  assert.deepEqual(table("market_records.csv").header, [
    ...UPSTREAM_MARKET_COLUMNS,
    "round",
    "round_ms",
    "wall_ms",
    "seq",
  ]);
});

Deno.test("participants, trades, orders, events, dictionary: exact headers", () => {
  assert.deepEqual(table("participants.csv").header, [
    "session_code",
    "label",
    "participant",
    "market",
    "seat",
    "round",
    "trial",
    "initial_role",
    "initial_speed",
    "initial_slider_a_x",
    "initial_slider_a_y",
    "initial_slider_a_z",
    "endowment",
    "cash",
    "inventory",
    "reference_price",
    "inventory_value",
    "speed_cost",
    "payoff_before_deduction",
    "deduction",
    "payoff",
    "speed_seconds",
    "time_as_automated",
    "time_as_manual",
    "time_as_out",
    "timestamp",
    "wall_ms",
    "seq",
    "bought",
    "sold",
    "sum_bid_price",
    "sum_ask_price",
    "eligibility",
    "consent",
    "dropped",
  ]);
  const key = ["round", "market", "seq", "timestamp", "wall_ms", "round_ms"];
  assert.deepEqual(table("trades.csv").header, [
    ...key,
    "kind",
    "match_number",
    "price",
    "shares",
    "buyer_seat",
    "buyer_participant",
    "buyer_label",
    "seller_seat",
    "seller_participant",
    "seller_label",
    "aggressor",
    "clearing_price",
    "transacted_volume",
  ]);
  assert.deepEqual(table("orders.csv").header, [
    ...key,
    "seat",
    "participant",
    "label",
    "order_token",
    "step",
    "buy_sell_indicator",
    "price",
    "shares",
    "old_token",
    "time_in_force",
    "midpoint_peg",
    "execution_price",
    "match_number",
    "reason",
  ]);
  assert.deepEqual(table("events.csv").header, [
    ...key,
    "stream",
    "kind",
    "seat",
    "participant",
    "label",
    "data",
  ]);
  assert.deepEqual(table("data_dictionary.csv").header, [
    "file",
    "column",
    "type",
    "unit",
    "meaning",
  ]);
});

// ---------------------------------------------------------------- rows

Deno.test("one row per event: records, orders, trades and batches, everything else", () => {
  assert.equal(table("trader_records.csv").rows.length, eventsOf("trader_record").length);
  assert.equal(table("market_records.csv").rows.length, eventsOf("market_record").length);
  assert.equal(table("orders.csv").rows.length, eventsOf("order").length);
  const trades = table("trades.csv").rows;
  assert.equal(trades.filter((r) => r.kind === "trade").length, eventsOf("trade").length);
  assert.equal(trades.filter((r) => r.kind === "batch").length, eventsOf("batch").length);
  assert.equal(trades.length, eventsOf("trade").length + eventsOf("batch").length);
  const tabulated = new Set([
    "order",
    "trade",
    "batch",
    "market_record",
    "trader_record",
    "payoff",
  ]);
  const sessionTabulated = new Set(["page", "quiz_answer", "survey", "payments"]);
  const others = FIXTURE.input.session.filter((e) => !sessionTabulated.has(e.kind)).length +
    allMarketEvents().filter((e) => !tabulated.has(e.kind)).length;
  assert.equal(table("events.csv").rows.length, others);
  // And each event exactly once: (stream, seq) pairs are unique across files.
  const seen = new Set<string>();
  for (const name of ["trader_records.csv", "market_records.csv", "orders.csv", "trades.csv"]) {
    for (const r of table(name).rows) {
      const key = `${MARKET}#${r.seq}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
    }
  }
  for (const r of table("events.csv").rows) {
    const key = `${r.stream}#${r.seq}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
  }
  // One row per page or quiz event; a survey or payments event spreads over several rows.
  for (const name of ["pages.csv", "quiz.csv"]) {
    for (const r of table(name).rows) {
      const key = `${CODE}#${r.seq}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
    }
  }
  for (const name of ["survey.csv", "payments.csv"]) {
    const keys = new Set(table(name).rows.map((r) => `${CODE}#${r.seq}`));
    for (const key of keys) {
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
    }
  }
  const payoffs = eventsOf("payoff").length;
  assert.equal(seen.size, FIXTURE.input.session.length + allMarketEvents().length - payoffs);
});

Deno.test("participants.csv: one row per participant per round, bots left out, money integral", () => {
  const all = table("participants.csv").rows;
  assert.deepEqual(
    all.map((r) => [r.round, r.participant, r.label, r.trial]),
    [
      ["1", "1", "P1", "true"],
      ["1", "2", LABEL_2, "true"],
      ["2", "1", "P1", "false"],
      ["2", "2", LABEL_2, "false"],
      ["", "3", "P3", ""],
    ],
  );
  const rows = all.filter((r) => r.round !== "");
  const byKey = new Map(
    eventsOf("payoff").map((e) => [`${e.round}:${(e.data as unknown as PayoffEvent).seat}`, e]),
  );
  for (const r of rows) {
    const e = byKey.get(`${r.round}:${r.seat}`)!;
    const p = e.data as unknown as PayoffEvent;
    assert.equal(r.session_code, CODE);
    assert.equal(r.market, "1");
    for (
      const k of [
        "endowment",
        "cash",
        "inventory",
        "reference_price",
        "inventory_value",
        "speed_cost",
        "payoff_before_deduction",
        "deduction",
        "payoff",
        "speed_seconds",
        "time_as_automated",
        "time_as_manual",
        "time_as_out",
      ] as const
    ) {
      assert.equal(r[k], String(p[k]), `${k} round ${r.round} seat ${r.seat}`);
    }
    assert.equal(r.seq, String(e.seq));
    assert.equal(r.wall_ms, String(e.wallMs));
    assert.equal(r.timestamp, new Date(e.wallMs).toISOString());
  }
  // Participant 1 round 2: 20,000,000 − 990,000 + 1,000,000 − 100,000.
  assert.equal(rows[2].payoff, "19910000");
  assert.equal(rows[2].deduction, "100000");
  assert.equal(rows[1].initial_role, "automated");
  assert.equal(rows[1].initial_speed, "true");
  assert.equal(rows[1].initial_slider_a_z, "0.125");
  // The payoff record's trade totals: participant 1 bought one share at 99 ECU.
  assert.deepEqual(
    [rows[2].bought, rows[2].sold, rows[2].sum_bid_price, rows[2].sum_ask_price],
    ["1", "0", "990000", "0"],
  );
  assert.deepEqual(
    [rows[3].bought, rows[3].sold, rows[3].sum_bid_price, rows[3].sum_ask_price],
    ["0", "1", "0", "1010000"],
  );
});

Deno.test("participants.csv: eligibility, consent and dropped; who never traded gets one row", () => {
  const rows = table("participants.csv").rows;
  const flow = (r: Record<string, string>) => [
    r.participant,
    r.market,
    r.seat,
    r.eligibility,
    r.consent,
    r.dropped,
  ];
  assert.deepEqual(rows.map(flow), [
    ["1", "1", "1", "eligible", "true", "false"],
    ["2", "1", "2", "eligible", "true", "true"],
    ["1", "1", "1", "eligible", "true", "false"],
    ["2", "1", "2", "eligible", "true", "true"],
    ["3", "", "", "not_consented", "false", "false"],
  ]);
  const p3 = rows[4];
  assert.equal(p3.session_code, CODE);
  for (const k of ["round", "trial", "initial_role", "payoff", "bought", "seq", "timestamp"]) {
    assert.equal(p3[k], "", k);
  }
});

Deno.test("participants.csv: before round 1, market and seat come from markets_formed", () => {
  const formedAt = FIXTURE.input.session.find((e) => e.kind === "markets_formed")!.wallMs;
  const before = FIXTURE.input.session.filter((e) => e.wallMs <= formedAt);
  const input = { session: before, markets: new Map<string, LogEvent[]>() };
  const rows = readTable(exportFile(input, "participants.csv")).rows;
  assert.deepEqual(
    rows.map((r) => [r.participant, r.round, r.market, r.seat, r.eligibility, r.consent]),
    [
      ["1", "", "1", "1", "eligible", "true"],
      ["2", "", "1", "2", "eligible", "true"],
      ["3", "", "", "", "not_consented", "false"],
    ],
  );
  // Before the formation nobody has a market, an eligibility or, yet, a consent answer.
  const created = FIXTURE.input.session.filter((e) => e.kind === "session_created");
  const early = readTable(
    exportFile({ session: created, markets: new Map() }, "participants.csv"),
  ).rows;
  assert.deepEqual(
    early.map((r) => [r.participant, r.market, r.eligibility, r.consent, r.dropped]),
    [["1", "", "", "", "false"], ["2", "", "", "", "false"], ["3", "", "", "", "false"]],
  );
  // A session seated at creation (no consent page) keeps session_created's seats.
  const seated = created.map((e) => ({
    ...e,
    data: {
      ...e.data,
      participants: PARTICIPANTS.map((p) => ({ ...p, market: 2, seat: p.index })),
    },
  }));
  const fromCreation = readTable(
    exportFile({ session: seated, markets: new Map() }, "participants.csv"),
  ).rows;
  assert.deepEqual(fromCreation.map((r) => [r.market, r.seat]), [["2", "1"], ["2", "2"], [
    "2",
    "3",
  ]]);
});

// ---------------------------------------------------------------- flow files

const PAYMENT_COLUMNS = [
  "session_code",
  "participant",
  "label",
  "market",
  "seat",
  "eligibility",
  "currency",
  "rule",
  "paid_round",
  "ecu",
  "exchange_rate",
  "earnings_before_cap",
  "earnings",
  "capped",
  "negative",
  "participation_fee",
  "max_payment",
  "payment",
  "payment_text",
  "round_payoffs",
  "timestamp",
  "seq",
];

function paymentsEvent(): LogEvent {
  return FIXTURE.input.session.find((e) => e.kind === "payments")!;
}

Deno.test("payments.csv: one row per participant from the payments event", () => {
  const t = table("payments.csv");
  assert.deepEqual(t.header, PAYMENT_COLUMNS);
  const e = paymentsEvent();
  const payoff = (round: number, seat: number) =>
    eventsOf("payoff").find((p) => p.round === round && p.data.seat === seat)!.data
      .payoff as number;
  // Participant 1: round 2 only (round 1 is a trial): 1,991 ECU × 0.02 = 39.82 EUR.
  assert.equal(payoff(2, 1), 19_910_000);
  const expected = [
    [
      "1",
      "P1",
      "1",
      "1",
      "eligible",
      "19910000",
      "398200",
      "398200",
      "false",
      "false",
      "423200",
      "42.32 EUR",
      `1:${payoff(1, 1)}:trial;2:19910000:counted`,
    ],
    [
      "2",
      LABEL_2,
      "1",
      "2",
      "eligible",
      "0",
      "0",
      "0",
      "false",
      "false",
      "25000",
      "2.50 EUR",
      `1:${payoff(1, 2)}:trial;2:${payoff(2, 2)}:bot`,
    ],
    ["3", "P3", "", "", "not_consented", "0", "0", "0", "false", "false", "25000", "2.50 EUR", ""],
  ];
  assert.deepEqual(
    t.rows.map((r) => [
      r.participant,
      r.label,
      r.market,
      r.seat,
      r.eligibility,
      r.ecu,
      r.earnings_before_cap,
      r.earnings,
      r.capped,
      r.negative,
      r.payment,
      r.payment_text,
      r.round_payoffs,
    ]),
    expected,
  );
  for (const r of t.rows) {
    assert.deepEqual(
      [r.session_code, r.currency, r.rule, r.paid_round, r.exchange_rate],
      [CODE, "EUR", "sum", "", "0.02"],
    );
    assert.deepEqual([r.participation_fee, r.max_payment], ["25000", "500000"]);
    assert.equal(r.seq, String(e.seq));
    assert.equal(r.timestamp, new Date(e.wallMs).toISOString());
  }
  // The same numbers as the event, column by column.
  const rows = (e.data as unknown as PaymentsEvent).rows;
  for (const [i, r] of t.rows.entries()) {
    for (const k of ["ecu", "earnings", "payment", "max_payment"] as const) {
      assert.equal(r[k], String(rows[i][k]));
    }
  }
});

Deno.test("payments.csv: header only until the payments are computed; rows sorted, statuses", () => {
  const { session, markets } = FIXTURE.input;
  const before = session.filter((e) => e.kind !== "payments");
  assert.equal(
    exportFile({ session: before, markets }, "payments.csv"),
    PAYMENT_COLUMNS.join(",") + "\r\n",
  );
  // A random-rule session, rows logged out of order.
  const e = paymentsEvent();
  const d = e.data as unknown as PaymentsEvent;
  const random: Payment[] = computePayments({
    payment: { ...PAYMENT, randomPayoff: true },
    currency: "CHF",
    numRounds: 3,
    trialRounds: [1],
    paidRound: 3,
    participants: d.rows.map((r) => ({ ...r, rounds: r.rounds.map((x) => ({ ...x })) })),
  }).reverse();
  const swapped = session.map((x) =>
    x === e ? { ...x, data: { rule: "random", paid_round: 3, rows: random } } : x
  );
  const rows = readTable(exportFile({ session: swapped, markets }, "payments.csv")).rows;
  assert.deepEqual(rows.map((r) => r.participant), ["1", "2", "3"]);
  assert.equal(rows[0].rule, "random");
  assert.equal(rows[0].paid_round, "3");
  assert.equal(rows[0].round_payoffs, `1:${d.rows[0].rounds[0].payoff}:trial;2:19910000:not_drawn`);
  assert.equal(rows[0].payment_text, "2.50 CHF");
});

Deno.test("quiz.csv: one row per attempt with upstream's right_count and the final attempt", () => {
  const t = table("quiz.csv");
  assert.deepEqual(t.header, [
    "session_code",
    "participant",
    "label",
    "question",
    "attempt",
    "answer",
    "correct",
    "right_count",
    "final",
    "timestamp",
    "wall_ms",
    "seq",
  ]);
  assert.deepEqual(
    t.rows.map((r) => [r.participant, r.question, r.attempt, r.correct, r.right_count, r.final]),
    [
      ["1", "inventory.trader_inv", "1", "false", "2", "false"],
      ["2", "inventory.trader_inv", "1", "false", "0", "false"],
      ["1", "inventory.trader_inv", "2", "true", "2", "true"],
      ["1", "speed.two_players", "1", "true", "1", "true"],
      ["2", "inventory.trader_inv", "2", "false", "0", "true"],
      ["2", "speed.two_players", "1", "true", "1", "true"],
    ],
  );
  assert.equal(t.rows[0].answer, 'Wrong option 1, "quoted"');
  assert.equal(t.rows[2].answer, "It falls");
  assert.equal(t.rows[1].label, LABEL_2);
  const events = FIXTURE.input.session.filter((e) => e.kind === "quiz_answer");
  assert.deepEqual(t.rows.map((r) => r.seq), events.map((e) => String(e.seq)));
  assert.deepEqual(
    t.rows.map((r) => r.timestamp),
    events.map((e) => new Date(e.wallMs).toISOString()),
  );
});

Deno.test("survey.csv: one row per answer, free text quoted, empty answers blank", () => {
  const t = table("survey.csv");
  assert.deepEqual(t.header, [
    "session_code",
    "participant",
    "label",
    "question",
    "answer",
    "timestamp",
    "wall_ms",
    "seq",
  ]);
  assert.deepEqual(
    t.rows.map((r) => [r.participant, r.label, r.question, r.answer]),
    Object.entries(SURVEY_1).map(([q, a]) => ["1", "P1", q, a]),
  );
  const { session, markets } = FIXTURE.input;
  const blank = session.map((e) =>
    e.kind === "survey" ? { ...e, data: { participant: 1, answers: { "general.degree": "" } } } : e
  );
  const rows = readTable(exportFile({ session: blank, markets }, "survey.csv")).rows;
  assert.deepEqual(rows.map((r) => [r.question, r.answer]), [["general.degree", ""]]);
});

Deno.test("pages.csv: each arrival, left at the participant's next page, seconds between", () => {
  const t = table("pages.csv");
  assert.deepEqual(t.header, [
    "session_code",
    "participant",
    "label",
    "page",
    "round",
    "entered_at",
    "left_at",
    "seconds",
    "seq",
  ]);
  const events = FIXTURE.input.session.filter((e) => e.kind === "page");
  assert.equal(t.rows.length, events.length);
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const [i, r] of t.rows.entries()) {
    const e = events[i];
    assert.equal(r.seq, String(e.seq));
    assert.equal(r.entered_at, iso(e.wallMs));
    const next = events.slice(i + 1).find((x) => x.data.participant === e.data.participant);
    assert.equal(r.left_at, next ? iso(next.wallMs) : "");
    assert.equal(r.seconds, next ? String((next.wallMs - e.wallMs) / 1000) : "");
  }
  const journey = (p: string) => t.rows.filter((r) => r.participant === p);
  assert.deepEqual(journey("3").map((r) => [r.page, r.round, r.seconds]), [
    ["consent", "", "12.7"],
    ["payment", "", ""],
  ]);
  assert.deepEqual(journey("1").map((r) => `${r.page}${r.round}`), [
    "consent",
    "instructions",
    "quiz",
    "wait1",
    "trading1",
    "results1",
    "wait2",
    "trading2",
    "results2",
    "survey",
    "payment",
  ]);
  // Participant 2 dropped out mid round 2: their last page is still open.
  assert.deepEqual(journey("2").at(-1)!.page, "trading");
  assert.equal(journey("2").at(-1)!.left_at, "");
  assert.equal(journey("1")[3].seconds, "10");
});

Deno.test("participants.csv: a seat with no payoff yet keeps its row, money blank", () => {
  const { session, markets } = FIXTURE.input;
  const cut = markets.get(MARKET)!.filter((e) => !(e.kind === "payoff" && e.round === 2));
  const rows =
    readTable(exportFile({ session, markets: new Map([[MARKET, cut]]) }, "participants.csv"))
      .rows;
  assert.equal(rows.length, 5);
  for (const r of rows.filter((r) => r.round === "2")) {
    assert.equal(r.payoff, "");
    assert.equal(r.seq, "");
    assert.equal(r.timestamp, "");
    assert.equal(r.trial, "false");
  }
});

Deno.test("trader_records: upstream's mappings, speed rule, sliders only when automated", () => {
  const rows = table("trader_records.csv").rows;
  const events = eventsOf("trader_record");
  for (const [i, r] of rows.entries()) {
    const e = events[i];
    const d = e.data as unknown as TraderRecord;
    assert.equal(r.timestamp, new Date(e.wallMs).toISOString());
    assert.equal(r.subsession_id, String(e.round));
    assert.equal(r.round, String(e.round));
    assert.equal(r.market_id, "1");
    assert.equal(r.event_no, String(e.seq));
    assert.equal(r.seq, String(e.seq));
    assert.equal(r.round_ms, String(e.roundMs));
    assert.equal(r.player_id, d.participant === null ? "" : String(d.participant));
    assert.equal(
      r.participant_code,
      d.participant === null ? "" : PARTICIPANTS[d.participant - 1].label,
    );
    assert.equal(r.label, r.participant_code);
    assert.equal(r.payoff, String(d.net_worth));
    assert.equal(r.deduction_paid, String(d.tax_paid));
    assert.equal(r.speed, d.delay === 0.1 ? "ON" : "OFF");
    assert.equal(r.speed_on, String(d.speed));
    if (d.trader_model_name === "automated") {
      assert.deepEqual(
        [r.slider_a_x, r.slider_a_y, r.slider_a_z],
        [d.slider_a_x, d.slider_a_y, d.slider_a_z].map(String),
      );
    } else {
      assert.deepEqual([r.slider_a_x, r.slider_a_y, r.slider_a_z], ["", "", ""]);
    }
    // Not recorded by this platform.
    assert.deepEqual([r.midpoint_peg, r.peg_price, r.peg_state], ["", "", ""]);
    // Null own quotes are blank; sentinels stay as they are.
    assert.equal(r.bid, d.bid === null ? "" : String(d.bid));
    assert.equal(r.offer, "");
    assert.equal(r.best_offer_except_me, String(MAX_ASK));
    assert.equal(r.best_bid_except_me, "0");
    assert.equal(r.executed_price, d.executed_price === null ? "" : String(d.executed_price));
    assert.equal(r.buy_sell_indicator, d.buy_sell_indicator);
  }
  assert.ok(rows.some((r) => r.speed === "ON") && rows.some((r) => r.speed === "OFF"));
});

Deno.test("trader_records: speed is N/A for a delay that is neither 0.1 nor 0.5", () => {
  const { session, markets } = FIXTURE.input;
  const odd = markets.get(MARKET)!.map((e) =>
    e.kind === "trader_record" ? { ...e, data: { ...e.data, delay: 0.3 } } : e
  );
  const rows = readTable(
    exportFile({ session, markets: new Map([[MARKET, odd]]) }, "trader_records.csv"),
  ).rows;
  assert.ok(rows.every((r) => r.speed === "N/A"));
});

Deno.test("trader_records: telemetry is the participant's latest report at or before the record", () => {
  const rows = table("trader_records.csv").rows;
  const telemetry = (r: Record<string, string>) => [
    r.avgLatency,
    r.maxLatency,
    r.percentTraderActive,
  ];
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  const tie = bySeq.get(FIXTURE.telemetryTie.seq)!;
  assert.deepEqual(telemetry(tie), ["12.5", "40", "87.5"], "a report at the same ms counts");
  for (const r of rows) {
    const ms = Number(r.wall_ms);
    let expected = ["", "", ""];
    if (r.player_id === "1") {
      if (ms >= roundStartMs(2) + 500) expected = ["20", "55", "100"];
      else if (ms >= FIXTURE.telemetryTie.wallMs) expected = ["12.5", "40", "87.5"];
    } else if (r.player_id === "2") {
      if (ms >= roundStartMs(1) + 30_000) expected = ["8.25", "16", "50"];
    }
    assert.deepEqual(telemetry(r), expected, `seq ${r.seq} player ${r.player_id}`);
  }
  // Bot seats never carry telemetry.
  assert.ok(rows.filter((r) => r.player_id === "").every((r) => r.avgLatency === ""));
});

Deno.test("market_records: nulls blank, batch fields on Z rows, sentinels intact", () => {
  const rows = table("market_records.csv").rows;
  assert.equal(rows.length, 8);
  for (const r of rows) {
    assert.equal(r.player_id, "");
    assert.equal(r.next_offer, String(MAX_ASK));
    if (r.trigger_event_type === "Z") {
      assert.deepEqual([r.clearing_price, r.transacted_volume], ["990000", "1"]);
    } else {
      assert.deepEqual([r.clearing_price, r.transacted_volume], ["", ""]);
    }
  }
  assert.deepEqual(
    rows.map((r) => r.trigger_event_type),
    ["market_start", "Q", "Z", "market_end", "market_start", "Q", "Z", "market_end"],
  );
});

Deno.test("trades.csv: both sides resolved to participants, batches alongside", () => {
  const rows = table("trades.csv").rows;
  assert.deepEqual(
    rows.map((r) => [r.round, r.kind, r.buyer_label, r.seller_label, r.aggressor]),
    [
      ["1", "batch", "", "", ""],
      ["1", "trade", "P1", "", ""],
      ["1", "trade", "", LABEL_2, "B"],
      ["2", "batch", "", "", ""],
      ["2", "trade", "P1", "", ""],
      ["2", "trade", "", LABEL_2, "B"],
    ],
  );
  const trade = rows[1];
  assert.equal(trade.buyer_participant, "1");
  assert.equal(trade.seller_seat, "0");
  assert.equal(trade.seller_participant, "");
  assert.equal(trade.price, "990000");
  assert.equal(trade.clearing_price, "");
  assert.equal(trade.wall_ms, String(roundStartMs(1) + 3_000.25));
  assert.equal(trade.round_ms, "3000.25");
  assert.equal(trade.timestamp, new Date(roundStartMs(1) + 3_000).toISOString());
  assert.equal(rows[0].price, "");
  assert.equal(rows[0].clearing_price, "990000");
});

Deno.test("orders.csv: every step, blanks for what a step does not say", () => {
  const rows = table("orders.csv").rows;
  const events = eventsOf("order");
  for (const [i, r] of rows.entries()) {
    const d = events[i].data as unknown as OrderEvent;
    assert.equal(r.order_token, d.order_token);
    assert.equal(r.step, d.step);
    assert.equal(r.time_in_force, d.time_in_force === undefined ? "" : String(d.time_in_force));
    assert.equal(
      r.execution_price,
      d.execution_price === undefined ? "" : String(d.execution_price),
    );
    assert.equal(r.old_token, d.old_token ?? "");
    assert.equal(r.price, d.price === null ? "" : String(d.price));
    assert.equal(r.buy_sell_indicator, d.buy_sell_indicator);
    assert.equal(r.reason, d.step === "canceled" ? "U" : "");
    assert.equal(r.midpoint_peg, "");
    assert.equal(r.label, d.participant === null ? "" : PARTICIPANTS[d.participant - 1].label);
  }
  assert.deepEqual(
    rows.filter((r) => r.round === "2" && r.seat !== "0").map((r) => r.step),
    [
      "sent",
      "accepted",
      "executed",
      "accepted",
      "replace_sent",
      "replaced",
      "accepted",
      "cancel_sent",
      "canceled",
    ],
  );
});

Deno.test("events.csv: the remaining events, data as JSON, link tokens removed", () => {
  const rows = table("events.csv").rows;
  const kinds = new Set(rows.map((r) => r.kind));
  for (
    const k of [
      "session_created",
      "presence",
      "telemetry",
      "round_start",
      "action",
      "pause",
      "resume",
      "refused",
      "round_end",
    ]
  ) {
    assert.ok(kinds.has(k), k);
  }
  const created = rows.find((r) => r.kind === "session_created")!;
  const data = JSON.parse(created.data) as SessionCreated;
  assert.equal(data.participants[1].label, LABEL_2);
  assert.ok(data.participants.every((p) => !("token" in p)));
  const refused = rows.find((r) => r.kind === "refused")!;
  assert.equal(refused.label, "P1");
  assert.equal(JSON.parse(refused.data).reason, 'price out of range, "too high"');
  const telemetry = rows.filter((r) => r.kind === "telemetry");
  assert.deepEqual(telemetry.map((r) => r.participant), ["1", "2", "1"]);
  // Session events before market 1's within a round, events outside rounds first.
  const order = rows.map((r) => [r.round === "" ? 0 : Number(r.round), r.market === "" ? 0 : 1]);
  const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(order, sorted);
});

Deno.test("no export file contains a link token", () => {
  for (const [name, text] of FILES) {
    for (const token of TOKENS) assert.ok(!text.includes(token), `${token} in ${name}`);
  }
});

// ---------------------------------------------------------------- CSV text

Deno.test("CSV text: CRLF, no BOM, labels with commas, quotes and line breaks quoted", () => {
  const text = FILES.get("participants.csv")!;
  assert.notEqual(text.charCodeAt(0), 0xfeff);
  assert.ok(text.endsWith("\r\n"));
  assert.ok(text.includes(`,"Lab ""B"", row 2\nwindow",`));
  // The header line is plain.
  assert.ok(text.startsWith("session_code,label,participant,market,seat,round,trial,"));
  // Every file parses strictly (done on load); labels survive the round trip.
  assert.ok(table("trader_records.csv").rows.some((r) => r.participant_code === LABEL_2));
});

Deno.test("csvCell: nulls blank, integers exact, booleans, JSON for objects", () => {
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(undefined), "");
  assert.equal(csvCell(Number.NaN), "");
  assert.equal(csvCell(Infinity), "");
  assert.equal(csvCell(2147483647), "2147483647");
  assert.equal(csvCell(-123456789012), "-123456789012");
  assert.equal(csvCell(Number.MAX_SAFE_INTEGER), "9007199254740991");
  assert.equal(csvCell(1e21), "1000000000000000000000");
  assert.equal(csvCell(0.1), "0.1");
  assert.equal(csvCell(true), "true");
  assert.equal(csvCell(false), "false");
  assert.equal(csvCell(""), "");
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell("two\r\nlines"), '"two\r\nlines"');
  assert.equal(csvCell({ a: [1, "x"] }), '"{""a"":[1,""x""]}"');
});

Deno.test("property: any row of strings and numbers survives the CSV round trip", () => {
  const cell = fc.oneof(
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.constantFrom(",", '"', "\n", "\r\n", '",\n"', " "),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1 }),
      (rows) => {
        const width = rows[0].length;
        const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i % r.length]));
        const text = table.map(csvRow).join("\r\n") + "\r\n";
        const back = parseCsv(text);
        assert.equal(back.length, table.length);
        for (const [i, r] of table.entries()) {
          for (const [j, v] of r.entries()) {
            if (typeof v === "number") {
              assert.equal(Number(back[i][j]), v === 0 ? 0 : v);
              if (Number.isInteger(v)) assert.match(back[i][j], /^-?\d+$/);
            } else {
              assert.equal(back[i][j], v);
            }
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- ordering

Deno.test("rows are ordered by round, market, seq whatever the input's order", () => {
  const code = "ord";
  const streams = new Map<string, LogEvent[]>();
  // m10 listed before m2; m2's events handed over out of seq order.
  for (const m of [10, 2]) {
    const b = new StreamBuilder(`${code}/m${m}`);
    for (const round of [1, 2]) {
      const t = roundStartMs(round);
      b.add(t, round, 0, "round_start", { round, trial: false, seats: [] });
      for (let k = 0; k < 3; k++) {
        b.add(t + k, round, k, "market_record", marketRecord(`Q`));
      }
    }
    streams.set(b.name, m === 2 ? [...b.events].reverse() : b.events);
  }
  const session = new StreamBuilder(code);
  session.add(T0, null, null, "session_created", { code, participants: [] });
  const rows =
    readTable(exportFile({ session: session.events, markets: streams }, "market_records.csv"))
      .rows;
  assert.deepEqual(
    rows.map((r) => `${r.subsession_id}/${r.market_id}/${r.event_no}`),
    [
      "1/2/2",
      "1/2/3",
      "1/2/4",
      "1/10/2",
      "1/10/3",
      "1/10/4",
      "2/2/6",
      "2/2/7",
      "2/2/8",
      "2/10/6",
      "2/10/7",
      "2/10/8",
    ],
  );
});

Deno.test("an empty session exports headers only, named after the stream", () => {
  const input = { session: [], markets: new Map<string, LogEvent[]>() };
  const files = exportFiles(input);
  for (const [name, text] of files) {
    if (!name.endsWith(".csv") || name === "data_dictionary.csv") continue;
    assert.equal(parseCsv(text).length, 1, name);
  }
  assert.ok(files.get("README.txt")!.startsWith("hft-lab session export: session"));
});

// ---------------------------------------------------------------- dictionary, ZIP

Deno.test("data dictionary: exactly the columns of every file, each with a type and meaning", () => {
  const documented = new Set(DATA_DICTIONARY.map((d) => `${d.file}|${d.column}`));
  assert.equal(documented.size, DATA_DICTIONARY.length, "no column documented twice");
  const actual = new Set<string>();
  for (const [name, t] of TABLES) for (const c of t.header) actual.add(`${name}|${c}`);
  assert.deepEqual([...actual].sort(), [...documented].sort());
  for (const d of DATA_DICTIONARY) {
    assert.ok(
      ["integer", "decimal", "boolean", "text", "timestamp", "json"].includes(d.type),
      `${d.file} ${d.column}: ${d.type}`,
    );
    assert.ok(d.meaning.length > 10, `${d.file} ${d.column} explained`);
  }
  // The CSV is the same list.
  const rows = table("data_dictionary.csv").rows;
  assert.deepEqual(
    rows.map((r) => [r.file, r.column, r.type, r.unit, r.meaning]),
    DATA_DICTIONARY.map((d) => [d.file, d.column, d.type, d.unit, d.meaning]),
  );
  // Money columns say their unit.
  for (const [file, column] of [["participants.csv", "payoff"], ["trader_records.csv", "cash"]]) {
    const d = DATA_DICTIONARY.find((d) => d.file === file && d.column === column)!;
    assert.equal(d.unit, "1e-4 ECU");
    assert.equal(d.type, "integer");
  }
});

Deno.test("README explains units and sentinels and lists every stream read", () => {
  const readme = FILES.get("README.txt")!;
  assert.ok(readme.includes("10000 = 1 ECU"));
  assert.ok(readme.includes("0 means no bid, 2147483647 means no offer"));
  for (const name of EXPORT_NAMES) assert.ok(readme.includes(name), name);
  for (const line of ROUND_PAYOFFS_RECIPE) assert.ok(readme.includes(`    ${line}\r\n`), line);
  assert.ok(readme.includes(`${CODE}: ${FIXTURE.input.session.length} events`));
  assert.ok(readme.includes(`${MARKET}: ${allMarketEvents().length} events`));
});

Deno.test("exportFile gives each file alone, the same as exportFiles; unknown names throw", () => {
  for (const name of EXPORT_NAMES) assert.equal(exportFile(FIXTURE.input, name), FILES.get(name));
  assert.throws(() => exportFile(FIXTURE.input, "nope.csv"), RangeError);
});

Deno.test("sessionZip: unzips to exactly the files, prefixed, and is deterministic", () => {
  const zip = sessionZip(FIXTURE.input);
  const entries = unzipSync(zip);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  assert.deepEqual(
    Object.keys(entries).sort(),
    EXPORT_NAMES.map((n) => `hft-${CODE}-${n}`).sort(),
  );
  for (const name of EXPORT_NAMES) {
    assert.equal(decoder.decode(entries[`hft-${CODE}-${name}`]), FILES.get(name), name);
  }
  assert.deepEqual(sessionZip(FIXTURE.input), zip);
});

// ---------------------------------------------------------------- pandas

/** README.txt's pandas lines for payments.csv round_payoffs, run as they are below. */
const ROUND_PAYOFFS_RECIPE = [
  "r = pay.assign(x=pay.round_payoffs.str.split(';')).explode('x').dropna(subset=['x'])",
  "r[['round', 'payoff', 'status']] = r.x.str.split(':', expand=True)",
  "r = r.astype({'round': 'int64', 'payoff': 'int64'})",
];

const PANDAS_SCRIPT = `
import json, os, sys
import pandas as pd
d = sys.argv[1]
out = {}
for name in sorted(os.listdir(d)):
    if not name.endswith(".csv"):
        continue
    df = pd.read_csv(os.path.join(d, name))
    out[name] = {
        "rows": len(df),
        "columns": [str(c) for c in df.columns],
        "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
    }
p = pd.read_csv(os.path.join(d, "participants.csv"))
out["labels"] = p["label"].tolist()
out["payoff_sum"] = int(p["payoff"].sum())
t = pd.read_csv(os.path.join(d, "trader_records.csv"))
out["cash"] = [int(x) for x in t["cash"]]
pay = pd.read_csv(os.path.join(d, "payments.csv"))
out["payments"] = [int(x) for x in pay["payment"]]
${ROUND_PAYOFFS_RECIPE.join("\n")}
out["payment_round_dtypes"] = [str(r["round"].dtype), str(r.payoff.dtype)]
out["payment_rounds"] = [
    [int(a), int(b), int(c), s] for a, b, c, s in zip(r.participant, r["round"], r.payoff, r.status)
]
q = pd.read_csv(os.path.join(d, "quiz.csv"))
out["right_counts"] = [int(x) for x in q[q["final"]].sort_values(["participant", "question"])["right_count"]]
g = pd.read_csv(os.path.join(d, "pages.csv"), parse_dates=["entered_at", "left_at"])
p3 = g[g.participant == 3].iloc[0]
out["page_seconds"] = (p3.left_at - p3.entered_at).total_seconds()
print(json.dumps(out))
`;

/** An interpreter that can import pandas: PATH's python3, else Debian's (pyenv may shadow it). */
async function pandasPython(): Promise<string | null> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const probe = await new Deno.Command(python, {
        args: ["-c", "import pandas"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (probe.success) return python;
    } catch {
      // Not installed, or no permission to run it: try the next one.
    }
  }
  return null;
}

const PYTHON = await pandasPython();
if (!PYTHON) {
  console.warn(
    "exports_test: pandas not found (apt-get install python3-pandas); pandas test skipped",
  );
}

Deno.test({
  name: "pandas reads every CSV: row counts, int64 money, no object dtype for numbers",
  ignore: !PYTHON,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "hft-export-" });
    try {
      for (const [name, text] of FILES) {
        if (name.endsWith(".csv")) await Deno.writeTextFile(`${dir}/${name}`, text);
      }
      const run = await new Deno.Command(PYTHON!, { args: ["-c", PANDAS_SCRIPT, dir] }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.ok(run.success, stderr);
      const out = JSON.parse(new TextDecoder().decode(run.stdout));
      for (const [name, t] of TABLES) {
        assert.equal(out[name].rows, t.rows.length, `${name} rows`);
        assert.deepEqual(out[name].columns, t.header, `${name} columns`);
        for (const d of DATA_DICTIONARY.filter((d) => d.file === name)) {
          const dtype = out[name].dtypes[d.column];
          const blanks = t.rows.some((r) => r[d.column] === "");
          const where = `${name} ${d.column}: ${dtype}`;
          if (d.type === "integer") {
            assert.equal(dtype, blanks ? "float64" : "int64", where);
          } else if (d.type === "decimal") {
            assert.ok(dtype === "float64" || dtype === "int64", where);
          } else if (d.type === "boolean") {
            const allBlank = t.rows.every((r) => r[d.column] === "");
            assert.equal(dtype, allBlank ? "float64" : blanks ? "object" : "bool", where);
          }
        }
      }
      assert.deepEqual(out.labels, ["P1", LABEL_2, "P1", LABEL_2, "P3"]);
      assert.deepEqual(out.payments, [423_200, 25_000, 25_000]);
      assert.deepEqual(out.payment_rounds, [
        [1, 1, Number(eventsOf("payoff")[0].data.payoff), "trial"],
        [1, 2, 19_910_000, "counted"],
        [2, 1, Number(eventsOf("payoff")[1].data.payoff), "trial"],
        [2, 2, Number(eventsOf("payoff")[4].data.payoff), "bot"],
      ]);
      assert.deepEqual(out.payment_round_dtypes, ["int64", "int64"]);
      assert.deepEqual(out.right_counts, [2, 1, 0, 1]);
      assert.equal(out.page_seconds, 12.7);
      const payoffs = table("participants.csv").rows.reduce((s, r) => s + Number(r.payoff), 0);
      assert.equal(out.payoff_sum, payoffs);
      assert.deepEqual(
        out.cash,
        eventsOf("trader_record").map((e) => (e.data as unknown as TraderRecord).cash),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---------------------------------------------------------------- scale

Deno.test("scale: 300,000 trader records and 30,000 telemetry reports export in linear time", () => {
  const code = "big";
  const market = new StreamBuilder(`${code}/m1`);
  const session = new StreamBuilder(code);
  session.add(T0, null, null, "session_created", {
    code,
    participants: PARTICIPANTS.map((p) => ({ ...p, label: `L${p.index}` })),
  });
  const s = seats(1);
  const start = holding();
  const n = 300_000;
  for (let i = 0; i < n; i++) {
    const seat = s[i % 2];
    market.add(T0 + i, 1, i, "trader_record", traderRecord(seat, start, "A"));
  }
  for (let k = 0; k < 30_000; k++) {
    session.add(T0 + 5 + k * 10, 1, k * 10, "telemetry", {
      participant: 1 + (k % 2),
      avg_latency_ms: k,
      max_latency_ms: k,
      percent_active: 50,
    });
  }
  const started = performance.now();
  const text = exportFile(
    { session: session.events, markets: new Map([[market.name, market.events]]) },
    "trader_records.csv",
  );
  const ms = performance.now() - started;
  console.log(`  ${n} trader records: ${ms.toFixed(0)} ms, ${(text.length / 1e6).toFixed(0)} MB`);
  // No cell here needs quotes, so plain splitting reads it (the strict parser is slow at 66 MB).
  assert.ok(!text.includes('"'));
  const [header, ...lines] = text.split("\r\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, n);
  const columns = header.split(",");
  const rows = {
    at: (i: number) => Object.fromEntries(lines[i].split(",").map((v, j) => [columns[j], v])),
  };
  // Spot checks against a direct scan.
  const reports = session.events.filter((e) => e.kind === "telemetry");
  for (let i = 0; i < n; i += 9_973) {
    const r = rows.at(i);
    const latest = reports.filter((e) =>
      e.data.participant === Number(r.player_id) && e.wallMs <= Number(r.wall_ms)
    ).at(-1);
    assert.equal(r.avgLatency, latest ? String(latest.data.avg_latency_ms) : "", `row ${i}`);
  }
  // A quadratic lookup would take minutes here.
  assert.ok(ms < 30_000, `${ms} ms`);
});
