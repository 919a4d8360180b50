/**
 * The export files: which events become rows and what each column holds.
 *
 * Money and prices stay the log's integers in 1e-4 ECU (10000 = 1 ECU), as
 * upstream's database and CSVs held them: no float rounding on the way out,
 * and a reader divides by 10000 once. Book prices keep the sentinels 0 (no
 * bid) and 2147483647 (no offer).
 *
 * `trader_records.csv` and `market_records.csv` keep upstream's columns in
 * upstream's order so existing analysis scripts run unchanged; ours are
 * appended after them.
 */

import type { LogEvent } from "../eventlog/log_event.ts";
import type {
  BatchEvent,
  MarketRecord,
  OrderEvent,
  PageEvent,
  PayoffEvent,
  QuizAnswerEvent,
  SeatEntry,
  SurveyEvent,
  TradeEvent,
  TraderRecord,
} from "../eventlog/event_kinds.ts";
import { formatMoney, type Payment, type RoundPayoff } from "../experiment/payment.ts";
import { isoTime } from "./csv.ts";
import type { SessionIndex, Telemetry } from "./session_index.ts";
import { col, type Column, defineTable, type ExportTable } from "./table.ts";

const MONEY = "1e-4 ECU";
/** Payments are in the session's currency (the currency column), 10000 = 1 unit. */
const CURRENCY = "1e-4 currency";
const PRICE_NOTE = "0 = no bid, 2147483647 = no offer";

/** Market-stream kinds that have a file of their own; every other event goes to events.csv. */
const TABULATED_KINDS = new Set([
  "order",
  "trade",
  "batch",
  "market_record",
  "trader_record",
  "payoff",
]);

/** Session-stream kinds that have a file of their own. */
const TABULATED_SESSION_KINDS = new Set(["page", "quiz_answer", "survey", "payments"]);

interface EventRow {
  e: LogEvent;
  market: number | null;
}

function data<T>(e: LogEvent): T {
  return e.data as unknown as T;
}

function* marketEvents(index: SessionIndex, kinds: ReadonlySet<string>): Iterable<EventRow> {
  for (const chunk of index.chunks) {
    if (chunk.market === null) continue;
    for (const e of chunk.events) if (kinds.has(e.kind)) yield { e, market: chunk.market };
  }
}

// ---- columns shared by the event files --------------------------------------------

function timestampColumn<R extends EventRow>(): Column<R> {
  return col(
    "timestamp",
    "timestamp",
    "UTC",
    "When the event happened on the server (event time, not an insert time), ISO 8601 with ms.",
    (r) => isoTime(r.e.wallMs),
  );
}

function roundColumn<R extends EventRow>(name: string, meaning: string): Column<R> {
  return col(name, "integer", "", meaning, (r) => r.e.round);
}

function marketColumn<R extends EventRow>(name: string): Column<R> {
  return col(name, "integer", "", "Market number (1-based; stream <code>/m<n>).", (r) => r.market);
}

function seqColumn<R extends EventRow>(name: string): Column<R> {
  return col(
    name,
    "integer",
    "",
    "The event's sequence number in its stream (gapless from 1); (stream, seq) names the event in the log.",
    (r) => r.e.seq,
  );
}

function wallMsColumn<R extends EventRow>(): Column<R> {
  return col(
    "wall_ms",
    "decimal",
    "ms",
    "The event time as ms since the Unix epoch, unrounded (timestamp is this, to the ms).",
    (r) => r.e.wallMs,
  );
}

function roundMsColumn<R extends EventRow>(): Column<R> {
  return col(
    "round_ms",
    "decimal",
    "ms",
    "The market clock: ms since the round's start, pauses excluded; blank outside a round.",
    (r) => r.e.roundMs,
  );
}

/** round, market, seq, timestamp, wall_ms, round_ms: how our own files open. */
function eventKeyColumns<R extends EventRow>(): Column<R>[] {
  return [
    roundColumn("round", "Round (1-based); blank outside a round."),
    marketColumn("market"),
    seqColumn("seq"),
    timestampColumn(),
    wallMsColumn(),
    roundMsColumn(),
  ];
}

/** round, round_ms, wall_ms, seq: appended to upstream's files. */
function appendedKeyColumns<R extends EventRow>(): Column<R>[] {
  return [
    roundColumn("round", "Round (1-based); same as subsession_id."),
    roundMsColumn(),
    wallMsColumn(),
    seqColumn("seq"),
  ];
}

// ---- participants.csv ------------------------------------------------------------

interface ParticipantRow {
  /** null: the row of a participant who played no round. */
  round: number | null;
  market: number | null;
  seat: number | null;
  participant: number;
  trial: boolean | null;
  start: SeatEntry | null;
  payoff: PayoffEvent | null;
  event: LogEvent | null;
}

function* participantRows(index: SessionIndex): Iterable<ParticipantRow> {
  const traded = new Set<number>();
  for (const row of roundRows(index)) {
    traded.add(row.participant);
    yield row;
  }
  // Without these rows the not admitted would be missing, and with them their eligibility.
  for (const participant of index.knownParticipants()) {
    if (traded.has(participant)) continue;
    const placement = index.placement(participant);
    yield {
      round: null,
      market: placement?.market ?? null,
      seat: placement?.seat ?? null,
      participant,
      trial: null,
      start: null,
      payoff: null,
      event: null,
    };
  }
}

function* roundRows(index: SessionIndex): Iterable<ParticipantRow> {
  for (const chunk of index.chunks) {
    const market = chunk.market;
    const round = chunk.round;
    if (market === null || round === null) continue;
    const payoffs = new Map<number, LogEvent>();
    for (const e of chunk.events) {
      if (e.kind === "payoff") payoffs.set(data<PayoffEvent>(e).seat, e);
    }
    const seating = index.roundSeats.get(`${market}:${round}`);
    const seats = new Set<number>();
    for (const seat of seating?.seats.keys() ?? []) seats.add(seat);
    for (const seat of payoffs.keys()) seats.add(seat);
    for (const seat of [...seats].sort((a, b) => a - b)) {
      const start = seating?.seats.get(seat) ?? null;
      const event = payoffs.get(seat) ?? null;
      const payoff = event ? data<PayoffEvent>(event) : null;
      const participant = start?.participant ?? payoff?.participant ?? null;
      // Bot seats and the investor are not paid: they stay in trader_records only.
      if (typeof participant !== "number") continue;
      const trial = typeof payoff?.trial === "boolean" ? payoff.trial : seating?.trial ?? null;
      yield { round, market, seat, participant, trial, start, payoff, event };
    }
  }
}

function payoffColumn(
  name: keyof PayoffEvent,
  type: "integer" | "decimal",
  unit: string,
  meaning: string,
): Column<ParticipantRow> {
  return col(name, type, unit, meaning, (r) => r.payoff?.[name]);
}

const participantsTable = defineTable<ParticipantRow>({
  name: "participants.csv",
  summary:
    "Participants and payoffs: one row per participant per round (round_start seats and payoff events), then one row with a blank round for each participant who played no round.",
  rows: participantRows,
  columns: [
    col(
      "session_code",
      "text",
      "",
      "The session's code (the same on every row; for pooling sessions).",
      (_r, index) => index.code,
    ),
    col(
      "label",
      "text",
      "",
      "The participant's label as the experimenter sees it (P1, or the lab seat's name).",
      (r, index) => index.label(r.participant),
    ),
    col(
      "participant",
      "integer",
      "",
      "Participant index (1-based across the session); player_id in trader_records.",
      (r) => r.participant,
    ),
    col(
      "market",
      "integer",
      "",
      "Market number (1-based); on a row without a round, the market assigned by markets_formed (blank if not admitted).",
      (r) => r.market,
    ),
    col(
      "seat",
      "integer",
      "",
      "Seat within the market (firm letter A = 1); on a row without a round, as assigned by markets_formed.",
      (r) => r.seat,
    ),
    col(
      "round",
      "integer",
      "",
      "Round (1-based); blank on the row of a participant who played no round (not admitted, or no round yet).",
      (r) => r.round,
    ),
    col(
      "trial",
      "boolean",
      "",
      "true for a trial (practice) round, whose payoff is not paid.",
      (r) => r.trial,
    ),
    col(
      "initial_role",
      "text",
      "",
      "Role at the round's start: out, manual or automated.",
      (r) => r.start?.role,
    ),
    col(
      "initial_speed",
      "boolean",
      "",
      "Speed technology on at the round's start.",
      (r) => r.start?.speed,
    ),
    col(
      "initial_slider_a_x",
      "decimal",
      "0..1",
      "Signed-volume sensitivity slider at the round's start.",
      (r) => r.start?.a_x,
    ),
    col(
      "initial_slider_a_y",
      "decimal",
      "0..1",
      "Inventory sensitivity slider at the round's start.",
      (r) => r.start?.a_y,
    ),
    col(
      "initial_slider_a_z",
      "decimal",
      "0..1",
      "External-feed sensitivity slider at the round's start.",
      (r) => r.start?.a_z,
    ),
    payoffColumn("endowment", "integer", MONEY, "Initial cash endowment for the round."),
    payoffColumn(
      "cash",
      "integer",
      MONEY,
      "Cash at the round's end: endowment + sales − purchases.",
    ),
    payoffColumn(
      "inventory",
      "integer",
      "shares",
      "Shares held at the round's end (negative = short).",
    ),
    payoffColumn(
      "reference_price",
      "integer",
      MONEY,
      "The market's reference price at the round's end, used to value inventory.",
    ),
    payoffColumn("inventory_value", "integer", MONEY, "reference_price × inventory."),
    payoffColumn(
      "speed_cost",
      "integer",
      MONEY,
      "Every speed charge of the round: round(seconds with speed on while trading × unit cost).",
    ),
    payoffColumn(
      "payoff_before_deduction",
      "integer",
      MONEY,
      "PBD = cash + inventory_value − speed_cost.",
    ),
    payoffColumn(
      "deduction",
      "integer",
      MONEY,
      "|deduction rate × reference_price × inventory|, rounded half-to-even (upstream tax_paid).",
    ),
    payoffColumn(
      "payoff",
      "integer",
      MONEY,
      "The round's payoff = payoff_before_deduction − deduction (upstream net_worth; includes the endowment).",
    ),
    payoffColumn(
      "speed_seconds",
      "decimal",
      "s",
      "Seconds with speed on while the market was trading.",
    ),
    payoffColumn(
      "time_as_automated",
      "decimal",
      "0..1",
      "Share of the round's trading time spent in the automated role (upstream's session summary).",
    ),
    payoffColumn(
      "time_as_manual",
      "decimal",
      "0..1",
      "Share of the round's trading time spent in the manual role (upstream's session summary).",
    ),
    payoffColumn(
      "time_as_out",
      "decimal",
      "0..1",
      "Share of the round's trading time spent in the out role (upstream's session summary).",
    ),
    col(
      "timestamp",
      "timestamp",
      "UTC",
      "When the payoff was settled (the payoff event's time), ISO 8601 with ms; blank if it never was.",
      (r) => isoTime(r.event?.wallMs),
    ),
    col(
      "wall_ms",
      "decimal",
      "ms",
      "The payoff event's time in ms since the Unix epoch.",
      (r) => r.event?.wallMs,
    ),
    col(
      "seq",
      "integer",
      "",
      "The payoff event's seq in its market stream; blank if the round has no payoff for this seat.",
      (r) => r.event?.seq,
    ),
    payoffColumn("bought", "integer", "shares", "Shares bought in the round (results page)."),
    payoffColumn("sold", "integer", "shares", "Shares sold in the round (results page)."),
    payoffColumn(
      "sum_bid_price",
      "integer",
      MONEY,
      "Sum of the prices of the shares bought (average buy = sum_bid_price / bought).",
    ),
    payoffColumn(
      "sum_ask_price",
      "integer",
      MONEY,
      "Sum of the prices of the shares sold (average sale = sum_ask_price / sold).",
    ),
    ...participantFlowColumns<ParticipantRow>(),
  ],
});

/** eligibility, consent, dropped: the same on every row of a participant. */
function participantFlowColumns<R extends { participant: number }>(): Column<R>[] {
  return [
    col(
      "eligibility",
      "text",
      "",
      "eligible (admitted to trade), not_consented, overbooked (drawn to sit out) or underbooked (too few consented); blank before markets_formed. Only eligible participants are paid more than the fee.",
      (r, index) => index.eligibility(r.participant),
    ),
    col(
      "consent",
      "boolean",
      "",
      "The participant's answer on the consent page (their last); blank if they never answered or there was no consent page.",
      (r, index) => index.consent(r.participant),
    ),
    col(
      "dropped",
      "boolean",
      "",
      "true if the experimenter ever marked the participant dropped out (a bot then played the seat; see dropout in events.csv).",
      (r, index) => index.dropped(r.participant),
    ),
  ];
}

// ---- payments.csv ------------------------------------------------------------------

interface PaymentRow {
  e: LogEvent;
  d: Payment;
}

function* paymentRows(index: SessionIndex): Iterable<PaymentRow> {
  for (const { e, d } of index.payments) {
    const rows = [...(d.rows ?? [])].sort((a, b) => a.participant - b.participant);
    for (const row of rows) yield { e, d: row };
  }
}

/** Why a round did or did not count, for round_payoffs. */
function roundStatus(p: Payment, r: RoundPayoff & { counted?: boolean }): string {
  if (r.counted) return "counted";
  if (r.trial) return "trial";
  if (r.played_by_bot) return "bot";
  if (p.eligibility !== "eligible") return "not_eligible";
  if (p.rule === "random" && r.round !== p.paid_round) return "not_drawn";
  return "not_paid";
}

function roundPayoffs(p: Payment): string {
  return (p.rounds ?? []).map((r) => `${r.round}:${r.payoff}:${roundStatus(p, r)}`).join(";");
}

const paymentField = recordField<Payment>;

const paymentsTable = defineTable<PaymentRow>({
  name: "payments.csv",
  summary:
    "Final payments: one row per participant from the payments event (header only until the last round is settled).",
  rows: paymentRows,
  columns: [
    col(
      "session_code",
      "text",
      "",
      "The session's code (the same on every row; for pooling sessions).",
      (_r, index) => index.code,
    ),
    col("participant", "integer", "", "Participant index (1-based).", (r) => r.d.participant),
    col(
      "label",
      "text",
      "",
      "The participant's label as the experimenter sees it.",
      (r, index) => r.d.label ?? index.label(r.d.participant),
    ),
    col(
      "market",
      "integer",
      "",
      "Market assigned by markets_formed; blank if not admitted.",
      (r, index) => index.placement(r.d.participant)?.market,
    ),
    col(
      "seat",
      "integer",
      "",
      "Seat assigned by markets_formed (firm letter A = 1); blank if not admitted.",
      (r, index) => index.placement(r.d.participant)?.seat,
    ),
    paymentField(
      "eligibility",
      "text",
      "",
      "eligible, not_consented, overbooked or underbooked; all but eligible are paid the fee only.",
    ),
    paymentField(
      "currency",
      "text",
      "",
      "ISO 4217 code of the currency the money columns of this file are in.",
    ),
    paymentField(
      "rule",
      "text",
      "",
      "sum (every paid round's payoff) or random (one round drawn at the session's creation).",
    ),
    col(
      "paid_round",
      "integer",
      "",
      "The drawn round under the random rule; blank under the sum rule or when every round is a trial.",
      (r) => r.d.paid_round,
    ),
    paymentField(
      "ecu",
      "integer",
      MONEY,
      "E: the payoffs that counted (see round_payoffs), endowment included; may be negative.",
    ),
    col(
      "exchange_rate",
      "decimal",
      "currency per ECU",
      "The session's exchange rate (upstream real_world_currency_per_point).",
      (r) => r.d.exchange_rate,
    ),
    paymentField(
      "earnings_before_cap",
      "integer",
      CURRENCY,
      "max(0, ecu × exchange_rate), computed exactly and rounded to whole cents, half to even.",
    ),
    paymentField(
      "earnings",
      "integer",
      CURRENCY,
      "min(earnings_before_cap, max_payment): the cap applies to earnings without the fee.",
    ),
    col(
      "capped",
      "boolean",
      "",
      "true when earnings_before_cap exceeded max_payment.",
      (r) => r.d.capped,
    ),
    col(
      "negative",
      "boolean",
      "",
      "true when ecu < 0 (the participant is paid the fee only).",
      (r) => r.d.negative,
    ),
    paymentField("participation_fee", "integer", CURRENCY, "The session's participation fee."),
    paymentField("max_payment", "integer", CURRENCY, "The cap on earnings above the fee."),
    paymentField(
      "payment",
      "integer",
      CURRENCY,
      "What the participant is paid: participation_fee + earnings, in whole cents.",
    ),
    col(
      "payment_text",
      "text",
      "",
      'payment as paid out, e.g. "51.50 EUR".',
      (r) => Number.isSafeInteger(r.d.payment) ? formatMoney(r.d.payment, r.d.currency) : null,
    ),
    col(
      "round_payoffs",
      "text",
      "",
      "Every round played as round:payoff:status separated by ';' (payoff in 1e-4 ECU, endowment included); status is counted, trial, bot (a bot played the seat after a dropout), not_drawn (random rule), not_eligible or not_paid (outside the paid rounds).",
      (r) => roundPayoffs(r.d),
    ),
    col(
      "timestamp",
      "timestamp",
      "UTC",
      "When the payments were computed (the payments event's time), ISO 8601 with ms.",
      (r) => isoTime(r.e.wallMs),
    ),
    col(
      "seq",
      "integer",
      "",
      "The payments event's seq in the session stream (one event per session).",
      (r) => r.e.seq,
    ),
  ],
});

// ---- trader_records.csv ------------------------------------------------------------

interface TraderRow extends EventRow {
  d: TraderRecord;
  participant: number | null;
  telemetry: Telemetry | null;
}

function* traderRows(index: SessionIndex): Iterable<TraderRow> {
  for (const { e, market } of marketEvents(index, new Set(["trader_record"]))) {
    const d = data<TraderRecord>(e);
    const participant = typeof d.participant === "number"
      ? d.participant
      : index.seatParticipant(market, e.round, d.seat);
    yield { e, market, d, participant, telemetry: index.telemetryAt(participant, e.wallMs) };
  }
}

/** Upstream's rule: the speed column follows the delay, 0.1 s fast and 0.5 s slow. */
function speedText(delay: unknown): string {
  return delay === 0.1 ? "ON" : delay === 0.5 ? "OFF" : "N/A";
}

function sliderColumn(
  name: "slider_a_x" | "slider_a_y" | "slider_a_z",
  what: string,
): Column<TraderRow> {
  return col(
    name,
    "decimal",
    "0..1",
    `${what} slider; blank unless the trader is automated (upstream rule).`,
    (r) => r.d.trader_model_name === "automated" ? r.d[name] : null,
  );
}

/** A column copied as is from a record's field of the same name. */
function recordField<D>(
  name: keyof D & string,
  type: "integer" | "decimal" | "text",
  unit: string,
  meaning: string,
): Column<{ d: D }> {
  return col(name, type, unit, meaning, (r) => r.d[name]);
}

const traderField = recordField<TraderRecord>;

const traderRecordsTable = defineTable<TraderRow>({
  name: "trader_records.csv",
  summary:
    "Upstream's trader CSV: one row per trader_record event (a seat's snapshot at each trigger), upstream columns in upstream order, ours appended.",
  rows: traderRows,
  columns: [
    timestampColumn(),
    roundColumn("subsession_id", "Round (1-based); upstream's subsession."),
    marketColumn("market_id"),
    col(
      "player_id",
      "integer",
      "",
      "Participant index (1-based across the session); blank for a bot seat or the investor.",
      (r) => r.participant,
    ),
    col(
      "participant_code",
      "text",
      "",
      "The participant's label; blank for a bot seat or the investor.",
      (r, index) => index.label(r.participant),
    ),
    traderField(
      "trigger_event_type",
      "text",
      "",
      "What caused the snapshot: speed_change, role_change, slider, market_start, market_end, A (accepted), U (replaced), C (canceled), E (executed).",
    ),
    seqColumn("event_no"),
    traderField(
      "trader_model_name",
      "text",
      "",
      "Role at the snapshot: out, manual or automated.",
    ),
    traderField("inventory", "integer", "shares", "Shares held (negative = short)."),
    traderField("bid", "integer", MONEY, "The trader's own resting bid; blank when none."),
    traderField("offer", "integer", MONEY, "The trader's own resting offer; blank when none."),
    traderField(
      "best_bid_except_me",
      "integer",
      MONEY,
      `Best bid in the book other than the trader's own (${PRICE_NOTE}).`,
    ),
    traderField(
      "best_offer_except_me",
      "integer",
      MONEY,
      `Best offer in the book other than the trader's own (${PRICE_NOTE}).`,
    ),
    traderField(
      "delay",
      "decimal",
      "s",
      "Trader-to-exchange latency: 0.1 with speed on, 0.5 with speed off.",
    ),
    col(
      "speed",
      "text",
      "",
      "ON if delay is 0.1, OFF if 0.5, else N/A (upstream rule; pandas reads N/A as missing).",
      (r) => speedText(r.d.delay),
    ),
    traderField(
      "staged_bid",
      "integer",
      MONEY,
      "Bid the automated trader is about to send; blank when none.",
    ),
    traderField(
      "staged_offer",
      "integer",
      MONEY,
      "Offer the automated trader is about to send; blank when none.",
    ),
    traderField(
      "implied_bid",
      "integer",
      MONEY,
      "Bid implied by the automated quote equations; blank when none.",
    ),
    traderField(
      "implied_offer",
      "integer",
      MONEY,
      "Offer implied by the automated quote equations; blank when none.",
    ),
    sliderColumn("slider_a_x", "Signed-volume sensitivity"),
    sliderColumn("slider_a_y", "Inventory sensitivity"),
    sliderColumn("slider_a_z", "External-feed sensitivity"),
    col(
      "payoff",
      "integer",
      MONEY,
      "Upstream's net_worth at the snapshot (profit as the screen shows it; at market_end the round's payoff).",
      (r) => r.d.net_worth,
    ),
    traderField("cash", "integer", MONEY, "Cash: endowment + sales − purchases."),
    col(
      "deduction_paid",
      "integer",
      MONEY,
      "Upstream's tax_paid: the inventory deduction charged so far (at market_end).",
      (r) => r.d.tax_paid,
    ),
    traderField("speed_cost", "integer", MONEY, "Speed charges so far in the round."),
    col(
      "midpoint_peg",
      "text",
      "",
      "IEX midpoint-peg flag when logged; blank otherwise (not recorded by this platform).",
      (r) => (r.d as unknown as Record<string, unknown>).midpoint_peg,
    ),
    col(
      "peg_price",
      "integer",
      MONEY,
      "IEX peg price when logged; blank otherwise (not recorded by this platform).",
      (r) => (r.d as unknown as Record<string, unknown>).peg_price,
    ),
    col(
      "peg_state",
      "text",
      "",
      "IEX peg state when logged; blank otherwise (not recorded by this platform).",
      (r) => (r.d as unknown as Record<string, unknown>).peg_state,
    ),
    col(
      "avgLatency",
      "decimal",
      "ms",
      "The participant's mean measured latency from their latest telemetry report at or before this event; blank if none yet.",
      (r) => r.telemetry?.avgLatencyMs,
    ),
    col(
      "maxLatency",
      "decimal",
      "ms",
      "The participant's 90th-percentile latency from the same telemetry report; blank if none yet.",
      (r) => r.telemetry?.maxLatencyMs,
    ),
    traderField(
      "reference_price",
      "integer",
      MONEY,
      "The market's reference price as the trader knows it.",
    ),
    traderField(
      "executed_price",
      "integer",
      MONEY,
      "Price of the fill that triggered an E snapshot; blank otherwise.",
    ),
    col(
      "buy_sell_indicator",
      "text",
      "",
      "Side of that fill: B or S; blank otherwise.",
      (r) => r.d.buy_sell_indicator || null,
    ),
    col(
      "percentTraderActive",
      "decimal",
      "%",
      "Share of time the participant's trading page was in focus (0–100), from the same telemetry report; blank if none yet.",
      (r) => r.telemetry?.percentActive,
    ),
    ...appendedKeyColumns<TraderRow>(),
    col(
      "seat",
      "integer",
      "",
      "Seat within the market (firm letter A = 1; 0 = the investor).",
      (r) => r.d.seat,
    ),
    col(
      "label",
      "text",
      "",
      "The participant's label (same as participant_code).",
      (r, index) => index.label(r.participant),
    ),
    col(
      "speed_on",
      "boolean",
      "",
      "Speed technology on at the snapshot.",
      (r) => r.d.speed,
    ),
    traderField("best_bid", "integer", MONEY, `Best bid in the book (${PRICE_NOTE}).`),
    traderField("best_offer", "integer", MONEY, `Best offer in the book (${PRICE_NOTE}).`),
    traderField("e_best_bid", "integer", MONEY, `External market's best bid (${PRICE_NOTE}).`),
    traderField(
      "e_best_offer",
      "integer",
      MONEY,
      `External market's best offer (${PRICE_NOTE}).`,
    ),
    traderField(
      "signed_volume",
      "decimal",
      "",
      "Signed volume of recent fills (−1..1, decayed) as the trader knows it.",
    ),
    traderField("e_signed_volume", "decimal", "", "External market's signed volume."),
  ],
});

// ---- market_records.csv ------------------------------------------------------------

interface MarketRow extends EventRow {
  d: MarketRecord;
}

function* marketRows(index: SessionIndex): Iterable<MarketRow> {
  for (const { e, market } of marketEvents(index, new Set(["market_record"]))) {
    yield { e, market, d: data<MarketRecord>(e) };
  }
}

const marketField = recordField<MarketRecord>;

const marketRecordsTable = defineTable<MarketRow>({
  name: "market_records.csv",
  summary:
    "Upstream's market CSV: one row per market_record event (the market's state at each trigger), upstream columns in upstream order, ours appended.",
  rows: marketRows,
  columns: [
    timestampColumn(),
    roundColumn("subsession_id", "Round (1-based); upstream's subsession."),
    marketColumn("market_id"),
    col(
      "player_id",
      "integer",
      "",
      "Participant index behind the trigger when logged; blank otherwise (upstream's column, usually empty).",
      (r) => (r.d as unknown as Record<string, unknown>).participant,
    ),
    marketField(
      "trigger_event_type",
      "text",
      "",
      "What caused the snapshot: Q (book change), E (execution), Z (batch), market_start, market_end, external_feed.",
    ),
    seqColumn("event_no"),
    marketField("reference_price", "integer", MONEY, "The market's reference price."),
    marketField("best_bid", "integer", MONEY, `Best bid (${PRICE_NOTE}).`),
    marketField("best_offer", "integer", MONEY, `Best offer (${PRICE_NOTE}).`),
    marketField("next_bid", "integer", MONEY, `Second-best bid (${PRICE_NOTE}).`),
    marketField("next_offer", "integer", MONEY, `Second-best offer (${PRICE_NOTE}).`),
    marketField("volume_at_best_bid", "integer", "shares", "Shares bid at best_bid."),
    marketField("volume_at_best_offer", "integer", "shares", "Shares offered at best_offer."),
    marketField("e_best_bid", "integer", MONEY, `External market's best bid (${PRICE_NOTE}).`),
    marketField(
      "e_best_offer",
      "integer",
      MONEY,
      `External market's best offer (${PRICE_NOTE}).`,
    ),
    marketField("signed_volume", "decimal", "", "Signed volume of recent fills (−1..1, decayed)."),
    marketField("e_signed_volume", "decimal", "", "External market's signed volume."),
    marketField(
      "clearing_price",
      "integer",
      MONEY,
      "FBA batch clearing price (Z rows only); blank otherwise.",
    ),
    marketField(
      "transacted_volume",
      "integer",
      "shares",
      "FBA batch volume (Z rows only); blank otherwise.",
    ),
    ...appendedKeyColumns<MarketRow>(),
  ],
});

// ---- trades.csv --------------------------------------------------------------------

interface TradeRow extends EventRow {
  trade: TradeEvent | null;
  batch: BatchEvent | null;
  buyer: number | null;
  seller: number | null;
}

function* tradeRows(index: SessionIndex): Iterable<TradeRow> {
  for (const { e, market } of marketEvents(index, new Set(["trade", "batch"]))) {
    if (e.kind === "trade") {
      const trade = data<TradeEvent>(e);
      yield {
        e,
        market,
        trade,
        batch: null,
        buyer: index.seatParticipant(market, e.round, trade.buyer_seat),
        seller: index.seatParticipant(market, e.round, trade.seller_seat),
      };
    } else {
      yield { e, market, trade: null, batch: data<BatchEvent>(e), buyer: null, seller: null };
    }
  }
}

const tradesTable = defineTable<TradeRow>({
  name: "trades.csv",
  summary: "Trades and FBA batches: one row per trade event and per batch event (kind column).",
  rows: tradeRows,
  columns: [
    ...eventKeyColumns<TradeRow>(),
    col(
      "kind",
      "text",
      "",
      "trade (one execution, both sides) or batch (an FBA batch auction).",
      (r) => r.e.kind,
    ),
    col(
      "match_number",
      "text",
      "",
      "The exchange's match number (trade rows).",
      (r) => r.trade?.match_number,
    ),
    col("price", "integer", MONEY, "Execution price (trade rows).", (r) => r.trade?.price),
    col("shares", "integer", "shares", "Shares executed (trade rows).", (r) => r.trade?.shares),
    col(
      "buyer_seat",
      "integer",
      "",
      "Buyer's seat (0 = the investor) (trade rows).",
      (r) => r.trade?.buyer_seat,
    ),
    col(
      "buyer_participant",
      "integer",
      "",
      "Buyer's participant index; blank for a bot seat or the investor.",
      (r) => r.buyer,
    ),
    col(
      "buyer_label",
      "text",
      "",
      "Buyer's label; blank for a bot seat or the investor.",
      (r, index) => index.label(r.buyer),
    ),
    col(
      "seller_seat",
      "integer",
      "",
      "Seller's seat (0 = the investor) (trade rows).",
      (r) => r.trade?.seller_seat,
    ),
    col(
      "seller_participant",
      "integer",
      "",
      "Seller's participant index; blank for a bot seat or the investor.",
      (r) => r.seller,
    ),
    col(
      "seller_label",
      "text",
      "",
      "Seller's label; blank for a bot seat or the investor.",
      (r, index) => index.label(r.seller),
    ),
    col(
      "aggressor",
      "text",
      "",
      "Side whose order arrived last and took liquidity: B or S; blank in a batch.",
      (r) => r.trade?.aggressor || null,
    ),
    col(
      "clearing_price",
      "integer",
      MONEY,
      "Batch clearing price (batch rows).",
      (r) => r.batch?.clearing_price,
    ),
    col(
      "transacted_volume",
      "integer",
      "shares",
      "Shares transacted in the batch (batch rows).",
      (r) => r.batch?.transacted_volume,
    ),
  ],
});

// ---- orders.csv --------------------------------------------------------------------

interface OrderRow extends EventRow {
  d: OrderEvent;
  participant: number | null;
}

function* orderRows(index: SessionIndex): Iterable<OrderRow> {
  for (const { e, market } of marketEvents(index, new Set(["order"]))) {
    const d = data<OrderEvent>(e);
    const participant = typeof d.participant === "number"
      ? d.participant
      : index.seatParticipant(market, e.round, d.seat);
    yield { e, market, d, participant };
  }
}

function orderField(
  name: keyof OrderEvent,
  type: "integer" | "boolean" | "text",
  unit: string,
  meaning: string,
): Column<OrderRow> {
  return col(name, type, unit, meaning, (r) => r.d[name]);
}

const ordersTable = defineTable<OrderRow>({
  name: "orders.csv",
  summary: "Orders: one row per order event, each step of every order's life.",
  rows: orderRows,
  columns: [
    ...eventKeyColumns<OrderRow>(),
    orderField("seat", "integer", "", "Seat that owns the order (0 = the investor)."),
    col(
      "participant",
      "integer",
      "",
      "Owner's participant index; blank for a bot seat or the investor.",
      (r) => r.participant,
    ),
    col(
      "label",
      "text",
      "",
      "Owner's label; blank for a bot seat or the investor.",
      (r, index) => index.label(r.participant),
    ),
    orderField("order_token", "text", "", "The order's 14-character OUCH token."),
    orderField(
      "step",
      "text",
      "",
      "sent, accepted, replace_sent, replaced, cancel_sent, canceled or executed.",
    ),
    col(
      "buy_sell_indicator",
      "text",
      "",
      "B (buy) or S (sell); blank when the step does not say.",
      (r) => r.d.buy_sell_indicator || null,
    ),
    orderField(
      "price",
      "integer",
      MONEY,
      "The order's limit price at this step; blank when the step does not say.",
    ),
    orderField(
      "shares",
      "integer",
      "shares",
      "Shares the step concerns: ordered, executed or canceled (upstream orders are 1 share).",
    ),
    orderField("old_token", "text", "", "replaced: the token this order replaced."),
    orderField(
      "time_in_force",
      "integer",
      "s",
      "Time in force when given (0 = immediate or cancel, 99999 = market hours).",
    ),
    orderField("midpoint_peg", "boolean", "", "IEX midpoint peg when given."),
    orderField("execution_price", "integer", MONEY, "executed: the price it traded at."),
    orderField(
      "match_number",
      "text",
      "",
      "executed: the exchange's match number (joins trades.csv).",
    ),
    col(
      "reason",
      "text",
      "",
      "canceled: the exchange's cancel reason when given.",
      (r) => (r.d as unknown as Record<string, unknown>).reason,
    ),
  ],
});

// ---- pages.csv, quiz.csv, survey.csv ---------------------------------------------------

function* sessionEventsOf(index: SessionIndex, kind: string): Iterable<LogEvent> {
  for (const e of index.sessionEvents) if (e.kind === kind) yield e;
}

function sessionCodeColumn<R>(): Column<R> {
  return col(
    "session_code",
    "text",
    "",
    "The session's code (the same on every row; for pooling sessions).",
    (_r, index) => index.code,
  );
}

function participantColumns<R extends { participant: number | null }>(): Column<R>[] {
  return [
    sessionCodeColumn<R>(),
    col("participant", "integer", "", "Participant index (1-based).", (r) => r.participant),
    col("label", "text", "", "The participant's label.", (r, index) => index.label(r.participant)),
  ];
}

/** When an event happened, and its place in the session stream. */
function sessionEventTimeColumns<R extends { e: LogEvent }>(what: string): Column<R>[] {
  return [
    col(
      "timestamp",
      "timestamp",
      "UTC",
      `When ${what} (the event's time), ISO 8601 with ms.`,
      (r) => isoTime(r.e.wallMs),
    ),
    col("wall_ms", "decimal", "ms", "The same time in ms since the Unix epoch.", (r) => r.e.wallMs),
    col("seq", "integer", "", "The event's seq in the session stream.", (r) => r.e.seq),
  ];
}

interface PageRow {
  e: LogEvent;
  participant: number | null;
  d: PageEvent;
  /** The participant's next page event's time, or null on their last page. */
  leftMs: number | null;
}

function* pageRows(index: SessionIndex): Iterable<PageRow> {
  const rows: PageRow[] = [];
  const open = new Map<number, PageRow>();
  for (const e of sessionEventsOf(index, "page")) {
    const d = data<PageEvent>(e);
    const participant = typeof d.participant === "number" ? d.participant : null;
    const row: PageRow = { e, participant, d, leftMs: null };
    if (participant !== null) {
      const previous = open.get(participant);
      if (previous) previous.leftMs = e.wallMs;
      open.set(participant, row);
    }
    rows.push(row);
  }
  yield* rows;
}

const pagesTable = defineTable<PageRow>({
  name: "pages.csv",
  summary:
    "Page times: one row per page a participant arrived on (page events); left_at is their next page's arrival.",
  rows: pageRows,
  columns: [
    ...participantColumns<PageRow>(),
    col(
      "page",
      "text",
      "",
      "consent, instructions, quiz, wait, trading, results, survey or payment.",
      (r) => r.d.page,
    ),
    col(
      "round",
      "integer",
      "",
      "The round of a wait, trading or results page; blank for other pages.",
      (r) => r.d.round,
    ),
    col(
      "entered_at",
      "timestamp",
      "UTC",
      "When the participant arrived on the page (the page event's time), ISO 8601 with ms.",
      (r) => isoTime(r.e.wallMs),
    ),
    col(
      "left_at",
      "timestamp",
      "UTC",
      "When they arrived on their next page; blank on the last page they reached.",
      (r) => isoTime(r.leftMs),
    ),
    col(
      "seconds",
      "decimal",
      "s",
      "left_at − entered_at in seconds (time on the page); blank on the last page.",
      (r) => r.leftMs === null ? null : (r.leftMs - r.e.wallMs) / 1000,
    ),
    col("seq", "integer", "", "The page event's seq in the session stream.", (r) => r.e.seq),
  ],
});

interface QuizRow {
  e: LogEvent;
  participant: number | null;
  d: QuizAnswerEvent;
  rightCount: number;
  final: boolean;
}

function* quizRows(index: SessionIndex): Iterable<QuizRow> {
  const rows: QuizRow[] = [];
  const byQuestion = new Map<string, QuizRow[]>();
  for (const e of sessionEventsOf(index, "quiz_answer")) {
    const d = data<QuizAnswerEvent>(e);
    const participant = typeof d.participant === "number" ? d.participant : null;
    const row: QuizRow = { e, participant, d, rightCount: 0, final: false };
    rows.push(row);
    const key = `${participant}\u0000${d.question}`;
    const list = byQuestion.get(key);
    if (list) list.push(row);
    else byQuestion.set(key, [row]);
  }
  for (const attempts of byQuestion.values()) {
    // Upstream's <q>_right_count: the try that was right (1, 2, …), 0 when none was.
    const right = attempts.find((r) => r.d.correct);
    const count = right
      ? (typeof right.d.attempt === "number" ? right.d.attempt : attempts.indexOf(right) + 1)
      : 0;
    for (const r of attempts) r.rightCount = count;
    attempts[attempts.length - 1].final = true;
  }
  yield* rows;
}

const quizTable = defineTable<QuizRow>({
  name: "quiz.csv",
  summary:
    "Comprehension quiz: one row per attempt at a question (quiz_answer events), with upstream's right_count per participant and question.",
  rows: quizRows,
  columns: [
    ...participantColumns<QuizRow>(),
    col(
      "question",
      "text",
      "",
      "The question's id, <section>.<id> of the question bank (e.g. inventory.trader_inv).",
      (r) => r.d.question,
    ),
    col("attempt", "integer", "", "1 for the first try at the question, 2, …", (r) => r.d.attempt),
    col(
      "answer",
      "text",
      "",
      "The chosen option's text (options are shuffled per participant, so no position).",
      (r) => r.d.answer,
    ),
    col("correct", "boolean", "", "true when this attempt was right.", (r) => r.d.correct),
    col(
      "right_count",
      "integer",
      "",
      "Upstream's <q>_right_count for this participant and question, repeated on each of its attempts: the attempt that was right (1 = first try, 2 = second, …), 0 if none was.",
      (r) => r.rightCount,
    ),
    col(
      "final",
      "boolean",
      "",
      "true on the participant's last attempt at the question: filter on it for one row per participant and question.",
      (r) => r.final,
    ),
    ...sessionEventTimeColumns<QuizRow>("the answer was given"),
  ],
});

interface SurveyRow {
  e: LogEvent;
  participant: number | null;
  question: string;
  answer: unknown;
}

function* surveyRows(index: SessionIndex): Iterable<SurveyRow> {
  for (const e of sessionEventsOf(index, "survey")) {
    const d = data<SurveyEvent>(e);
    const participant = typeof d.participant === "number" ? d.participant : null;
    for (const [question, answer] of Object.entries(d.answers ?? {})) {
      yield { e, participant, question, answer };
    }
  }
}

const surveyTable = defineTable<SurveyRow>({
  name: "survey.csv",
  summary: "Final survey: one row per answer (survey events).",
  rows: surveyRows,
  columns: [
    ...participantColumns<SurveyRow>(),
    col(
      "question",
      "text",
      "",
      "The question's id, <section>.<id> of the question bank (e.g. general.degree).",
      (r) => r.question,
    ),
    col(
      "answer",
      "text",
      "",
      "The chosen option's text, or the free text typed; blank when left empty.",
      (r) => r.answer === "" ? null : r.answer,
    ),
    ...sessionEventTimeColumns<SurveyRow>("the survey was submitted"),
  ],
});

// ---- events.csv --------------------------------------------------------------------

interface OtherRow extends EventRow {
  participant: number | null;
}

function* otherRows(index: SessionIndex): Iterable<OtherRow> {
  for (const chunk of index.chunks) {
    for (const e of chunk.events) {
      if (chunk.market !== null && TABULATED_KINDS.has(e.kind)) continue;
      if (chunk.market === null && TABULATED_SESSION_KINDS.has(e.kind)) continue;
      const participant = e.data.participant;
      yield {
        e,
        market: chunk.market,
        participant: typeof participant === "number"
          ? participant
          : index.seatParticipant(chunk.market, e.round, e.data.seat),
      };
    }
  }
}

/** Link tokens admit a subject to their seat: they never leave the server. */
function withoutSecrets(key: string, value: unknown): unknown {
  return key === "token" ? undefined : value;
}

const eventsTable = defineTable<OtherRow>({
  name: "events.csv",
  summary:
    "Every other logged event (session creation, consent, markets formed, dropouts, connections, telemetry, round start and end, subject actions, pauses, refusals), its fields as JSON.",
  rows: otherRows,
  columns: [
    ...eventKeyColumns<OtherRow>(),
    col(
      "stream",
      "text",
      "",
      "The log stream: <code> for session events, <code>/m<n> for market n's.",
      (r) => r.e.stream,
    ),
    col(
      "kind",
      "text",
      "",
      "Event kind: session_created, consent, markets_formed, dropout, presence, telemetry, round_start, action, pause, resume, round_end, refused, …",
      (r) => r.e.kind,
    ),
    col(
      "seat",
      "integer",
      "",
      "Seat the event concerns, when it names one.",
      (r) => typeof r.e.data.seat === "number" ? r.e.data.seat : null,
    ),
    col(
      "participant",
      "integer",
      "",
      "Participant index the event concerns, when it names one (directly or by seat).",
      (r) => r.participant,
    ),
    col("label", "text", "", "That participant's label.", (r, index) => index.label(r.participant)),
    col(
      "data",
      "json",
      "",
      "The event's fields as JSON (prices and money in 1e-4 ECU); link tokens removed.",
      (r) => JSON.stringify(r.e.data, withoutSecrets),
    ),
  ],
});

/** The tables in the order the export lists them. */
export const TABLES: readonly ExportTable[] = [
  participantsTable,
  paymentsTable,
  traderRecordsTable,
  marketRecordsTable,
  tradesTable,
  ordersTable,
  pagesTable,
  quizTable,
  surveyTable,
  eventsTable,
];
