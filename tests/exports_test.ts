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
  OrderEvent,
  ParticipantEntry,
  PayoffEvent,
  RoundStart,
  SeatEntry,
  SessionCreated,
  TraderRecord,
} from "../eventlog/event_kinds.ts";
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
const TOKENS = ["tok-secret-1-qwerty", "tok-secret-2-asdfgh"];

const PARTICIPANTS: ParticipantEntry[] = [
  { index: 1, label: "P1", token: TOKENS[0], market: 1, seat: 1 },
  { index: 2, label: LABEL_2, token: TOKENS[1], market: 1, seat: 2 },
];

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

  let telemetryTie: LogEvent | null = null;
  for (const round of [1, 2]) {
    const t = roundStartMs(round);
    const trial = round === 1;
    const roundSeats = seats(round);
    const [s1, s2, s3] = roundSeats;
    const holdings = new Map<number, Holding>(
      roundSeats.map((s) => [s.seat, { cash: ENDOWMENT, inventory: 0, speedCost: 0 }]),
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
    h(s1).cash -= 990_000;
    h(s1).inventory += 1;
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
    h(s2).cash += 1_010_000;
    h(s2).inventory -= 1;
    h(s3).cash -= 1_010_000;
    h(s3).inventory += 1;
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

  return {
    input: { session: session.events, markets: new Map([[MARKET, market.events]]) },
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
  const others = FIXTURE.input.session.length +
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
  const payoffs = eventsOf("payoff").length;
  assert.equal(seen.size, FIXTURE.input.session.length + allMarketEvents().length - payoffs);
});

Deno.test("participants.csv: one row per participant per round, bots left out, money integral", () => {
  const rows = table("participants.csv").rows;
  assert.deepEqual(
    rows.map((r) => [r.round, r.participant, r.label, r.trial]),
    [
      ["1", "1", "P1", "true"],
      ["1", "2", LABEL_2, "true"],
      ["2", "1", "P1", "false"],
      ["2", "2", LABEL_2, "false"],
    ],
  );
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
});

Deno.test("participants.csv: a seat with no payoff yet keeps its row, money blank", () => {
  const { session, markets } = FIXTURE.input;
  const cut = markets.get(MARKET)!.filter((e) => !(e.kind === "payoff" && e.round === 2));
  const rows =
    readTable(exportFile({ session, markets: new Map([[MARKET, cut]]) }, "participants.csv"))
      .rows;
  assert.equal(rows.length, 4);
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
      assert.deepEqual(out.labels, ["P1", LABEL_2, "P1", LABEL_2]);
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
  const holding = { cash: ENDOWMENT, inventory: 0, speedCost: 0 };
  const n = 300_000;
  for (let i = 0; i < n; i++) {
    const seat = s[i % 2];
    market.add(T0 + i, 1, i, "trader_record", traderRecord(seat, holding, "A"));
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
