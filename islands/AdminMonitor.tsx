/**
 * The experimenter's live view of one session: participant links, round
 * controls, the clock, and per market who is connected with what role,
 * holdings, profit and round trip, beside the book and the last trades.
 *
 * Fed by `/ws/admin/<code>?key=…`, which pushes the whole SessionView
 * whenever something changed; controls are plain POSTs whose refusals
 * (a 409 with `{error}`) are shown as the server wrote them.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { MarketView, ParticipantView, SessionView } from "../protocol/admin_protocol.ts";
import type { Phase } from "../protocol/subject_protocol.ts";
import {
  backoffMs,
  formatBid,
  formatClock,
  formatEcuNumber,
  formatOffer,
  socketUrl,
} from "./subject_format.ts";

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

function CopyButton({ text, testid }: { text: string; testid: string }) {
  const [copied, setCopied] = useState<"" | "ok" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("ok");
    } catch {
      // No clipboard permission (plain http on another host): select it for ctrl-C instead.
      const field = document.createElement("textarea");
      field.value = text;
      document.body.append(field);
      field.select();
      const ok = document.execCommand("copy");
      field.remove();
      setCopied(ok ? "ok" : "failed");
    }
    setTimeout(() => setCopied(""), 1500);
  };
  return (
    <button type="button" class="am-copy" data-testid={testid} onClick={copy}>
      {copied === "ok" ? "Copied" : copied === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
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
              {m.participants.map((p) => <ParticipantRow key={p.index} p={p} />)}
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

export default function AdminMonitor({ view: initial, monitorSocketPath }: AdminMonitorProps) {
  const { view, link, receivedAt } = useMonitor(monitorSocketPath, initial);
  const [busy, setBusy] = useState<Control | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  const [, setTick] = useState(0);

  const running = view.phase === "running";
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(id);
  }, [running]);

  const control = async (action: Control) => {
    setBusy(action);
    setControlError(null);
    try {
      const res = await fetch(`/api/sessions/${encodeURIComponent(view.code)}/${action}`, {
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
      // On success the monitor socket brings the new phase.
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
  const participants = view.markets.flatMap((m) => m.participants);
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
                {view.markets.length > 1 ? ` · market ${p.market}` : ""}
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
