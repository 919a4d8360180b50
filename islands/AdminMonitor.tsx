/**
 * The experimenter's live view of one session: participant links, round
 * and session controls, the clock, where every participant is in the flow
 * (page, consent, eligibility, quiz, dropouts), per market who is connected
 * with what role, holdings, profit and round trip, beside the book and the
 * last trades, and the payments once they are computed.
 *
 * Fed by `/ws/admin/<code>?key=…`, which pushes the whole SessionView
 * whenever something changed; controls are plain POSTs whose refusals
 * (a 409 with `{error}`) are shown as the server wrote them.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { Eligibility, Payment } from "../experiment/payment.ts";
import type { MarketView, ParticipantView, SessionView } from "../protocol/admin_protocol.ts";
import type { PageName, Phase } from "../protocol/subject_protocol.ts";
import {
  backoffMs,
  formatBid,
  formatClock,
  formatEcuNumber,
  formatOffer,
  socketUrl,
} from "./subject_format.ts";
import { CopyButton } from "./copy_button.tsx";
import { formatMoney } from "./subject_pages.tsx";

export interface AdminMonitorProps {
  view: SessionView;
  /** `/ws/admin/<code>?key=…`. */
  monitorSocketPath: string;
}

type Control = "start" | "pause" | "resume" | "end";

const CONTROLS: { action: Control; label: string; testid: string; when: Phase[] }[] = [
  { action: "start", label: "Start round", testid: "start-round", when: ["waiting", "ended"] },
  { action: "pause", label: "Pause", testid: "pause-round", when: ["running"] },
  { action: "resume", label: "Resume", testid: "resume-round", when: ["paused"] },
  { action: "end", label: "End round", testid: "end-round", when: ["running", "paused"] },
];

const PHASES: Record<Phase, string> = {
  waiting: "Waiting to start",
  running: "Running",
  paused: "Paused",
  ended: "Round over",
  finished: "Session finished",
};

const PAGES: Record<PageName, string> = {
  consent: "consent",
  instructions: "instructions",
  quiz: "quiz",
  wait: "waiting for round",
  trading: "trading",
  results: "results",
  survey: "survey",
  payment: "payment",
};

const ELIGIBILITY: Record<Eligibility, string> = {
  eligible: "eligible",
  not_consented: "did not consent",
  overbooked: "overbooked",
  underbooked: "underbooked",
};

type Link = "connecting" | "live" | "reconnecting";

interface MonitorMessage {
  type: "monitor";
  seq: number;
  session: SessionView;
}

function useMonitor(path: string, initial: SessionView) {
  const [view, setView] = useState(initial);
  const [link, setLink] = useState<Link>("connecting");
  const receivedAt = useRef(0);

  useEffect(() => {
    receivedAt.current = performance.now();
    let ws: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let lastSeq = -1;
    let disposed = false;
    const connect = () => {
      setLink("connecting");
      lastSeq = -1;
      try {
        ws = new WebSocket(socketUrl(path, location.href));
      } catch {
        schedule();
        return;
      }
      ws.onmessage = (e) => {
        let m: MonitorMessage;
        try {
          m = JSON.parse(String(e.data));
        } catch {
          return;
        }
        if (m?.type !== "monitor" || !m.session || m.seq <= lastSeq) return;
        lastSeq = m.seq;
        failures = 0;
        receivedAt.current = performance.now();
        setView(m.session);
        setLink("live");
      };
      ws.onopen = () => setLink("live");
      ws.onclose = () => {
        ws = null;
        if (!disposed) schedule();
      };
    };
    const schedule = () => {
      setLink("reconnecting");
      retry = setTimeout(connect, backoffMs(failures++));
    };
    connect();
    return () => {
      disposed = true;
      clearTimeout(retry);
      // Detached first: the close must not schedule a reconnect.
      if (ws) {
        ws.onclose = null;
        ws.close();
      }
    };
  }, [path]);

  return { view, link, receivedAt };
}

function ParticipantRow({ p }: { p: ParticipantView }) {
  return (
    <tr
      data-testid={`participant-${p.index}`}
      data-label={p.label}
      data-connected={p.connected ? "true" : "false"}
    >
      <td>
        <span
          class={p.connected ? "am-dot am-dot-on" : "am-dot"}
          data-testid="p-connected"
          title={p.connected ? "connected" : "not connected"}
          aria-label={p.connected ? "connected" : "not connected"}
        />
      </td>
      <td data-testid="p-label">{p.label}</td>
      <td data-testid="p-role">{p.role}</td>
      <td data-testid="p-speed">{p.speed ? "on" : "off"}</td>
      <td class="am-num" data-testid="p-inventory">{p.inventory}</td>
      <td class="am-num" data-testid="p-cash">{formatEcuNumber(p.cash)}</td>
      <td class="am-num" data-testid="p-profit">{formatEcuNumber(p.profit)}</td>
      <td class="am-num" data-testid="p-speed-cost">{formatEcuNumber(p.speed_cost)}</td>
      <td class="am-num" data-testid="p-rtt">{p.rtt_ms === null ? "–" : Math.round(p.rtt_ms)}</td>
    </tr>
  );
}

function Market({ m, multi }: { m: MarketView; multi: boolean }) {
  const levels = [...m.levels].sort((a, b) => b.price - a.price);
  return (
    <section class="am-market" data-testid={`market-${m.market}`}>
      {multi ? <h3>Market {m.market}</h3> : null}
      <div class="am-market-body">
        <div class="am-panel am-wide">
          <table class="am-table" data-testid="monitor-table">
            <thead>
              <tr>
                <th aria-label="Connected" />
                <th>Participant</th>
                <th>Role</th>
                <th>Speed</th>
                <th class="am-num">Inventory</th>
                <th class="am-num">Cash</th>
                <th class="am-num">Profit</th>
                <th class="am-num">Speed cost</th>
                <th class="am-num">Round trip ms</th>
              </tr>
            </thead>
            <tbody>
              {m.participants.filter((p) => p.seat !== null).map((p) => (
                <ParticipantRow key={p.index} p={p} />
              ))}
            </tbody>
          </table>
        </div>
        <div class="am-panel">
          <h4>Book</h4>
          <p class="am-bbo" data-testid="market-bbo">
            <span>
              Best bid {formatBid(m.bbo.best_bid)}
              {m.bbo.volume_at_best_bid > 0 ? ` × ${m.bbo.volume_at_best_bid}` : ""}
            </span>
            <span>
              Best offer {formatOffer(m.bbo.best_offer)}
              {m.bbo.volume_at_best_offer > 0 ? ` × ${m.bbo.volume_at_best_offer}` : ""}
            </span>
          </p>
          {levels.length === 0
            ? <p class="am-none">Empty book.</p>
            : (
              <table class="am-table am-book" data-testid="market-book">
                <thead>
                  <tr>
                    <th class="am-num">Bids</th>
                    <th class="am-num">Price</th>
                    <th class="am-num">Offers</th>
                  </tr>
                </thead>
                <tbody>
                  {levels.map((l) => (
                    <tr key={l.price}>
                      <td class="am-num am-bid">{l.bid_volume || ""}</td>
                      <td class="am-num">{formatEcuNumber(l.price)}</td>
                      <td class="am-num am-ask">{l.offer_volume || ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </div>
        <div class="am-panel">
          <h4>Last trades</h4>
          {m.trades.length === 0
            ? <p class="am-none">No trades yet.</p>
            : (
              <table class="am-table" data-testid="market-trades">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th class="am-num">Price</th>
                    <th class="am-num">Qty</th>
                    <th>Buyer</th>
                    <th>Seller</th>
                  </tr>
                </thead>
                <tbody>
                  {m.trades.map((t, i) => (
                    <tr key={i}>
                      <td>{formatClock(t.round_ms)}</td>
                      <td class="am-num">{formatEcuNumber(t.price)}</td>
                      <td class="am-num">{t.shares}</td>
                      <td>{t.buyer}</td>
                      <td>{t.seller}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </div>
      </div>
    </section>
  );
}

function yesNo(v: boolean | null): string {
  return v === null ? "–" : v ? "yes" : "no";
}

function ParticipantsTable(
  { view, busy, onDrop, onRestore }: {
    view: SessionView;
    busy: string | null;
    onDrop: (p: ParticipantView) => void;
    onRestore: (p: ParticipantView) => void;
  },
) {
  return (
    <div class="am-wide">
      <table class="am-table" data-testid="participants-table">
        <thead>
          <tr>
            <th aria-label="Connected" />
            <th>Participant</th>
            <th>Page</th>
            <th>Consent</th>
            <th>Eligibility</th>
            <th>Market / seat</th>
            <th title="Right at the first try / asked">Quiz</th>
            <th>Dropped</th>
            <th class="am-num">Payment</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {view.participants.map((p) => (
            <tr
              key={p.index}
              data-testid={`pt-${p.index}`}
              data-participant={p.index}
              data-page={p.page}
              data-dropped={p.dropped ? "true" : "false"}
            >
              <td>
                <span
                  class={p.connected ? "am-dot am-dot-on" : "am-dot"}
                  title={p.connected ? "connected" : "not connected"}
                  aria-label={p.connected ? "connected" : "not connected"}
                />
              </td>
              <td data-testid="pt-label">
                {p.label}
                {p.room_seat ? <span class="am-hint">· room seat {p.room_seat}</span> : null}
              </td>
              <td data-testid="pt-page">
                {PAGES[p.page]}
                {p.page_round !== null ? ` ${p.page_round}` : ""}
              </td>
              <td data-testid="pt-consent">{yesNo(p.consent)}</td>
              <td data-testid="pt-eligibility">
                {p.eligibility === null ? "–" : ELIGIBILITY[p.eligibility]}
              </td>
              <td data-testid="pt-seat">
                {p.market === null ? "–" : `${p.market} / ${p.seat ?? "–"}`}
              </td>
              <td data-testid="pt-quiz">
                {p.quiz_asked > 0 ? `${p.quiz_right_first} / ${p.quiz_asked}` : "–"}
              </td>
              <td data-testid="pt-dropped">{p.dropped ? "yes (bot plays)" : ""}</td>
              <td class="am-num" data-testid="pt-payment">
                {p.payment === null ? "–" : formatMoney(p.payment, view.currency)}
              </td>
              <td>
                {p.dropped
                  ? (
                    <button
                      type="button"
                      class="am-small"
                      data-testid={`restore-${p.index}`}
                      disabled={busy !== null}
                      onClick={() => onRestore(p)}
                    >
                      {busy === `restore-${p.index}` ? "…" : "Restore"}
                    </button>
                  )
                  : (
                    <button
                      type="button"
                      class="am-small am-danger"
                      data-testid={`drop-${p.index}`}
                      disabled={busy !== null}
                      onClick={() => onDrop(p)}
                    >
                      {busy === `drop-${p.index}` ? "…" : "Drop (bot plays)"}
                    </button>
                  )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function paidText(p: Payment): string {
  if (p.eligibility !== "eligible") return "fee only";
  if (p.rule === "sum") return "sum of paid rounds";
  return p.paid_round === null ? "no paid round" : `round ${p.paid_round} (drawn)`;
}

function Payments({ view, payments }: { view: SessionView; payments: Payment[] }) {
  const code = encodeURIComponent(view.code);
  const total = payments.reduce((sum, p) => sum + p.payment, 0);
  const money = (units: number) => formatMoney(units, view.currency);
  return (
    <section class="am-section am-payments" data-testid="payments-section">
      <div class="am-payments-head">
        <h2>Payments</h2>
        <div class="am-noprint">
          <a
            href={`/api/sessions/${code}/export/payments.csv`}
            data-testid="payments-csv"
            download
          >
            Download payments.csv
          </a>
          <button
            type="button"
            class="am-small"
            data-testid="print-payments"
            onClick={() => globalThis.print()}
          >
            Print
          </button>
        </div>
      </div>
      <p class="am-print-only">
        {view.name} · session {view.code}
      </p>
      <table class="am-table" data-testid="payments-table">
        <thead>
          <tr>
            <th>Participant</th>
            <th>Eligibility</th>
            <th>Paid for</th>
            <th class="am-num">E (ECU)</th>
            <th class="am-num">Earnings</th>
            <th>Capped</th>
            <th class="am-num">Payment ({view.currency})</th>
          </tr>
        </thead>
        <tbody>
          {payments.map((p) => (
            <tr key={p.participant} data-testid={`payment-${p.participant}`}>
              <td>{p.label}</td>
              <td>{ELIGIBILITY[p.eligibility]}</td>
              <td>{paidText(p)}</td>
              <td class="am-num">{formatEcuNumber(p.ecu)}</td>
              <td class="am-num">{money(p.earnings)}</td>
              <td>{p.capped ? `yes (from ${money(p.earnings_before_cap)})` : ""}</td>
              <td class="am-num" data-testid="payment-amount">{money(p.payment)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr class="am-total">
            <th colSpan={6}>Total</th>
            <td class="am-num" data-testid="payments-total">{money(total)}</td>
          </tr>
        </tfoot>
      </table>
      <p class="am-hint">
        Round payoffs include the initial endowment; earnings = min(max(0, E × exchange rate),
        maximum); payment = participation fee + earnings.
      </p>
    </section>
  );
}

export default function AdminMonitor({ view: initial, monitorSocketPath }: AdminMonitorProps) {
  const { view, link, receivedAt } = useMonitor(monitorSocketPath, initial);
  /** The action under way: a control, "form-markets", "finish", "drop-<i>" or "restore-<i>". */
  const [busy, setBusy] = useState<string | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  const [, setTick] = useState(0);

  const running = view.phase === "running";
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(id);
  }, [running]);

  /** POSTs `/api/sessions/:code/<path>`; the monitor socket brings what changed. */
  const post = async (key: string, path: string) => {
    setBusy(key);
    setControlError(null);
    try {
      const res = await fetch(`/api/sessions/${encodeURIComponent(view.code)}/${path}`, {
        method: "POST",
        credentials: "same-origin",
      });
      if (!res.ok) {
        const body = await res.text();
        let message = body;
        try {
          message = JSON.parse(body).error ?? body;
        } catch {
          // Plain text: as it came.
        }
        setControlError(message || `${res.status} ${res.statusText}`);
      }
    } catch (e) {
      setControlError(`Could not reach the server: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(null);
    }
  };

  const elapsed = running ? Math.max(0, performance.now() - receivedAt.current) : 0;
  const remaining = view.phase === "ended" || view.phase === "finished"
    ? 0
    : Math.max(0, view.duration_ms - Math.min(view.duration_ms, view.round_ms + elapsed));
  const control = (action: Control) => post(action, action);
  const drop = (p: ParticipantView) => {
    if (
      !confirm(
        `Drop ${p.label}? A bot plays their seat from now on; rounds a bot plays are not paid.`,
      )
    ) return;
    post(`drop-${p.index}`, `participants/${p.index}/drop`);
  };
  const restore = (p: ParticipantView) =>
    post(`restore-${p.index}`, `participants/${p.index}/restore`);
  const finish = () => {
    if (
      !confirm(
        "Finish the session now and compute everyone's payment? Rounds not played are not paid.",
      )
    ) return;
    post("finish", "finish");
  };

  // Everyone, seated or not: before the markets form nobody has a market.
  const participants = view.participants;
  const connected = participants.filter((p) => p.connected).length;
  const exportUrl = `/api/sessions/${encodeURIComponent(view.code)}/export.zip`;

  return (
    <div class="am" data-testid="admin-monitor" data-phase={view.phase}>
      <header class="am-head">
        <div>
          <h1>{view.name}</h1>
          <p class="am-sub">
            Session <code data-testid="session-code">{view.code}</code> ·{" "}
            {view.environment.toUpperCase()} · {view.format.toUpperCase()}
          </p>
        </div>
        <div class={`am-link am-link-${link}`} data-testid="connection" data-state={link}>
          <span class="am-dot am-dot-link" aria-hidden="true" />
          {link === "live" ? "live" : link === "connecting" ? "connecting…" : "reconnecting…"}
        </div>
      </header>

      <section class="am-status">
        <div class="am-stat">
          <span class="am-stat-label">Phase</span>
          <span class="am-stat-value" data-testid="phase">{PHASES[view.phase]}</span>
        </div>
        <div class="am-stat">
          <span class="am-stat-label">Round</span>
          <span class="am-stat-value" data-testid="round">
            {view.round > 0 ? `${view.round} of ${view.num_rounds}` : `– of ${view.num_rounds}`}
            {view.trial ? <span class="am-trial">practice</span> : null}
          </span>
        </div>
        <div class="am-stat">
          <span class="am-stat-label">Time left</span>
          <span class="am-stat-value am-clock" data-testid="clock">{formatClock(remaining)}</span>
        </div>
        <div class="am-stat">
          <span class="am-stat-label">Connected</span>
          <span class="am-stat-value" data-testid="connected-count">
            {connected} / {participants.length}
          </span>
        </div>
        <div class="am-controls" role="group" aria-label="Round controls">
          {CONTROLS.map((c) => (
            <button
              type="button"
              key={c.action}
              class={`am-btn am-btn-${c.action}`}
              data-testid={c.testid}
              disabled={busy !== null || !c.when.includes(view.phase)}
              onClick={() => control(c.action)}
            >
              {busy === c.action ? "…" : c.label}
            </button>
          ))}
          {view.formed ? null : (
            <button
              type="button"
              class="am-btn am-btn-form"
              data-testid="form-markets"
              disabled={busy !== null}
              onClick={() => post("form-markets", "form-markets")}
            >
              {busy === "form-markets" ? "…" : "Form markets now"}
            </button>
          )}
          <button
            type="button"
            class="am-btn am-btn-finish"
            data-testid="finish-session"
            disabled={busy !== null || view.payments !== null}
            onClick={finish}
          >
            {busy === "finish" ? "…" : "Finish session and compute payments"}
          </button>
        </div>
      </section>
      {controlError
        ? (
          <div class="am-error" data-testid="control-error" role="alert">
            <span>{controlError}</span>
            <button type="button" aria-label="Dismiss" onClick={() => setControlError(null)}>
              ×
            </button>
          </div>
        )
        : null}

      <section class="am-section">
        <h2>Participant links</h2>
        <p class="am-hint">One link per seat; a reload or a second visit resumes the same seat.</p>
        <ul class="am-links" data-testid="participant-links">
          {participants.map((p) => (
            <li key={p.index}>
              <span class="am-links-label">
                {p.label}
                {view.markets.length > 1 && p.market !== null ? ` · market ${p.market}` : ""}
              </span>
              <a
                href={p.url}
                target="_blank"
                rel="noopener"
                data-testid="participant-link"
                data-label={p.label}
              >
                {p.url}
              </a>
              <CopyButton text={p.url} testid={`copy-link-${p.index}`} />
            </li>
          ))}
        </ul>
      </section>

      <section class="am-section">
        <h2>Participants</h2>
        <p class="am-hint">
          {view.formed
            ? "Markets are formed."
            : "Markets form when consent is over (or now, with “Form markets now”)."} Rounds start
          {" "}
          {view.round_start === "auto" ? "when everyone is ready" : "when you start them"}.
          {view.room ? ` Room: ${view.room}.` : ""}
        </p>
        <ParticipantsTable view={view} busy={busy} onDrop={drop} onRestore={restore} />
      </section>

      {view.payments ? <Payments view={view} payments={view.payments} /> : null}

      <section class="am-section">
        <h2>Monitor</h2>
        {view.markets.map((m) => <Market key={m.market} m={m} multi={view.markets.length > 1} />)}
      </section>

      <section class="am-section">
        <h2>Data</h2>
        <p>
          <a href={exportUrl} data-testid="export-zip" download>
            Download the session's data (zip)
          </a>{" "}
          <span class="am-hint">
            — event log and CSV tables; safe to download while a round runs.
          </span>
        </p>
        <p class="am-hint">Money in the monitor is in ECU.</p>
      </section>
    </div>
  );
}
