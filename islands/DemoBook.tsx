/**
 * Live depth ladder of the demo market, fed by `/ws/demo-book`.
 *
 * Server-rendered from the latest snapshot, then hydrated: the page shows a
 * real book before any script runs, and the socket takes over from there.
 */

import { useEffect, useState } from "preact/hooks";
import type { DemoBookMessage } from "../market/demo_feed.ts";
import type { DepthLevel } from "../market/demo_market.ts";

export interface DemoBookProps {
  /** Path of the WebSocket on the page's own host. */
  wsPath: string;
  /** Snapshot to render before the first message arrives. */
  initial: DemoBookMessage | null;
  /** Rows per side; the ladder keeps this height even when a side is thin. */
  levels: number;
}

type Connection =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "waiting"; retryMs: number };

const MAX_RETRY_MS = 10_000;

/** Integer price in 1/10,000 ECU → "1,234.57" (half-up to hundredths). */
export function formatPrice(price: number): string {
  const cents = Math.floor((price + 50) / 100);
  const dollars = Math.floor(cents / 100);
  const rest = cents - dollars * 100;
  const grouped = String(dollars).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}.${String(rest).padStart(2, "0")}`;
}

/** Retry delay after `failures` failed attempts: doubling, capped, jittered. */
export function backoffMs(failures: number, random = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, 500 * 2 ** failures);
  return Math.round(base * (0.5 + random() / 2));
}

function socketUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function useDemoBook(wsPath: string, initial: DemoBookMessage | null) {
  const [book, setBook] = useState(initial);
  const [conn, setConn] = useState<Connection>({ state: "connecting" });

  useEffect(() => {
    let ws: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let disposed = false;

    const connect = () => {
      setConn({ state: "connecting" });
      ws = new WebSocket(socketUrl(wsPath));
      ws.onopen = () => {
        failures = 0;
        setConn({ state: "live" });
      };
      ws.onmessage = (e) => {
        try {
          setBook(JSON.parse(e.data as string) as DemoBookMessage);
        } catch {
          // A malformed frame is dropped; the next snapshot replaces it anyway.
        }
      };
      ws.onclose = () => {
        if (disposed) return;
        const retryMs = backoffMs(failures++);
        setConn({ state: "waiting", retryMs });
        retry = setTimeout(connect, retryMs);
      };
    };
    connect();

    return () => {
      disposed = true;
      clearTimeout(retry);
      ws?.close();
    };
  }, [wsPath]);

  return { book, conn };
}

function ConnectionBadge({ conn }: { conn: Connection }) {
  const text = conn.state === "live"
    ? "live"
    : conn.state === "connecting"
    ? "connecting…"
    : `reconnecting in ${Math.ceil(conn.retryMs / 1000)} s`;
  return (
    <span class={`db-conn db-conn-${conn.state}`} data-testid="connection">
      <span class="db-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

/** Pads a side to `n` rows so the ladder does not jump as levels come and go. */
function padded(levels: DepthLevel[], n: number): (DepthLevel | null)[] {
  const rows: (DepthLevel | null)[] = levels.slice(0, n);
  while (rows.length < n) rows.push(null);
  return rows;
}

function LadderRow(
  { level, side, maxVolume }: {
    level: DepthLevel | null;
    side: "bid" | "ask";
    maxVolume: number;
  },
) {
  const width = level ? `${(100 * level.volume) / maxVolume}%` : "0%";
  const bar = (mine: boolean) =>
    mine && level
      ? (
        <div class={`db-cell db-vol db-vol-${side}`}>
          <span class="db-bar" style={{ width }} />
          <span class="db-num">{level.volume}</span>
        </div>
      )
      : <div class="db-cell" />;
  return (
    <div class={`db-row db-row-${side}`}>
      {bar(side === "bid")}
      <div class={`db-cell db-price db-price-${side}`}>
        {level ? formatPrice(level.price) : ""}
      </div>
      {bar(side === "ask")}
    </div>
  );
}

export default function DemoBook({ wsPath, initial, levels }: DemoBookProps) {
  const { book, conn } = useDemoBook(wsPath, initial);
  const bids = padded(book?.bids ?? [], levels);
  // Asks are listed best first; the ladder shows the best ask just above the spread.
  const asks = padded(book?.asks ?? [], levels).reverse();
  const maxVolume = Math.max(
    1,
    ...[...(book?.bids ?? []), ...(book?.asks ?? [])].map((l) => l.volume),
  );
  const bestBid = book?.bids[0]?.price;
  const bestAsk = book?.asks[0]?.price;

  return (
    <section
      // A dropped feed leaves the last book on screen; dim it so nobody reads it as live.
      class={conn.state === "waiting" ? "db db-stale" : "db"}
      data-testid="demo-book"
      aria-label="Live demo order book"
    >
      <header class="db-head">
        <span class="db-title">Demo market · continuous double auction</span>
        <ConnectionBadge conn={conn} />
      </header>
      <div class="db-body">
        <div class="db-ladder" role="table" aria-label="Depth ladder">
          <div class="db-row db-cols" role="row">
            <div class="db-cell">Bid size</div>
            <div class="db-cell db-price">Price (ECU)</div>
            <div class="db-cell">Ask size</div>
          </div>
          {asks.map((level, i) => (
            <LadderRow
              key={`a${i}`}
              level={level}
              side="ask"
              maxVolume={maxVolume}
            />
          ))}
          <div class="db-row db-mid">
            <div class="db-cell">
              {bestBid !== undefined && bestAsk !== undefined
                ? `spread ${formatPrice(bestAsk - bestBid)}`
                : ""}
            </div>
            <div class="db-cell db-price">
              {book ? formatPrice(book.value) : "–"}
            </div>
            <div class="db-cell">value</div>
          </div>
          {bids.map((level, i) => (
            <LadderRow
              key={`b${i}`}
              level={level}
              side="bid"
              maxVolume={maxVolume}
            />
          ))}
        </div>
        <div class="db-trades">
          <div class="db-trades-head">Last trades</div>
          <ol>
            {(book?.trades ?? []).map((t, i) => (
              <li key={i} class={t.side === "B" ? "db-up" : "db-down"}>
                <span>{t.side === "B" ? "▲" : "▼"} {formatPrice(t.price)}</span>
                <span>× {t.shares}</span>
                <span class="db-t" title="market step">#{t.t}</span>
              </li>
            ))}
          </ol>
          {book && book.trades.length === 0 ? <p class="db-none">No trades yet.</p> : null}
        </div>
      </div>
      <footer class="db-foot">
        {book ? `step ${book.seq}` : "waiting for the market…"}
      </footer>
    </section>
  );
}
