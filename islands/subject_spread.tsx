/**
 * The spread graph: the market's book on a 20 ECU price axis, drawn on a
 * canvas as upstream drew it (shared reference `leeps-hft-app.md` §10.1).
 *
 * - one circle per price, radius √volume × 10 px, coloured from blue
 *   (all offers) to orange (all bids) by the bids' share; the best bid and
 *   best offer with a thicker stroke;
 * - this subject's bid in #FAFF7F and offer in #41EAD4;
 * - the external market's bid and offer as small marks along the top;
 * - recent trades as marks above the axis, this subject's in its colours;
 * - FBA: the last clearing price as a green circle sized by its volume;
 *   IEX: the midpoint peg as a black vertical line.
 *
 * In the manual role a left click bids and a right click offers at the
 * clicked price. The x mapping is linear over the element's full width and
 * published as `data-min-price` / `data-max-price`, so a test or a script
 * can aim at a price. Drawing happens in requestAnimationFrame, at most
 * once a frame however fast updates arrive.
 */

import { useEffect, useRef } from "preact/hooks";
import type { SubjectSnapshot } from "../protocol/subject_protocol.ts";
import { formatBid, formatOffer, mixColour, snapPrice } from "./subject_format.ts";
import { hasBid, ownOrder, priceAtX, type PriceWindow, xOfPrice } from "./subject_state.ts";

export const COLOURS = {
  allOffers: "#00719E",
  allBids: "#CC8400",
  myBid: "#FAFF7F",
  myOffer: "#41EAD4",
  externalBid: "#DEB05C",
  externalOffer: "#5CA4C1",
  clearing: "#2E9E44",
  peg: "#111111",
  axis: "#5d6875",
  tick: "#c9d0d8",
} as const;

/** Trade marks fade over this much market time. */
const TRADE_FADE_MS = 6_000;
/** The "order entered" line after a click. */
const CLICK_FADE_MS = 600;

export interface SpreadGraphProps {
  state: SubjectSnapshot | null;
  window: PriceWindow;
  /** Clicks place orders (manual role, round running). */
  interactive: boolean;
  onOrder(side: "B" | "S", price: number): void;
  /** Market time now, for fading the trade marks. */
  marketNow(): number;
}

interface ClickMark {
  price: number;
  side: "B" | "S";
  at: number;
}

interface DrawInput {
  state: SubjectSnapshot | null;
  window: PriceWindow;
  clicks: ClickMark[];
  marketNow: number;
  now: number;
}

/** Draws one frame; returns whether something is still animating. */
function draw(ctx: CanvasRenderingContext2D, w: number, h: number, d: DrawInput): boolean {
  const { state: s, window: win } = d;
  let animating = false;
  ctx.clearRect(0, 0, w, h);
  const axisY = h - 22;
  const tradeY = axisY - 12;
  const cueY = 10;
  const midY = (cueY + 10 + tradeY - 10) / 2;
  const maxR = Math.max(6, (tradeY - cueY - 20) / 2);
  const x = (p: number) => xOfPrice(win, p, w);

  // Axis: a tick per ECU, labels as dense as the width allows.
  ctx.strokeStyle = COLOURS.tick;
  ctx.fillStyle = COLOURS.axis;
  ctx.lineWidth = 1;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  ctx.beginPath();
  ctx.moveTo(0, axisY + 0.5);
  ctx.lineTo(w, axisY + 0.5);
  ctx.stroke();
  const ecuPx = w / ((win.max - win.min) / 10_000);
  const every = ecuPx >= 40 ? 1 : ecuPx * 2 >= 40 ? 2 : 5;
  for (let p = Math.ceil(win.min / 10_000) * 10_000; p <= win.max; p += 10_000) {
    const px = Math.round(x(p)) + 0.5;
    const ecu = p / 10_000;
    const labelled = ecu % every === 0;
    ctx.beginPath();
    ctx.moveTo(px, axisY);
    ctx.lineTo(px, axisY + (labelled ? 6 : 3));
    ctx.stroke();
    if (labelled && px > 10 && px < w - 10) ctx.fillText(String(ecu), px, h - 4);
  }
  if (!s) return false;

  // IEX midpoint peg, behind everything.
  const pegPrice = s.format === "iex"
    ? s.peg > 0
      ? s.peg
      : hasBid(s.external.e_best_bid) && hasBid(s.external.e_best_offer)
      ? (s.external.e_best_bid + s.external.e_best_offer) / 2
      : 0
    : 0;
  if (pegPrice > 0) {
    const px = Math.round(x(pegPrice)) + 0.5;
    ctx.strokeStyle = COLOURS.peg;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(px, cueY + 8);
    ctx.lineTo(px, axisY);
    ctx.stroke();
    ctx.fillStyle = COLOURS.peg;
    ctx.textAlign = "left";
    ctx.fillText("peg", px + 3, cueY + 18);
    ctx.textAlign = "center";
  }

  // FBA clearing price.
  const batch = s.last_batch;
  if (s.format === "fba" && batch && batch.volume > 0 && batch.clearing_price > 0) {
    const r = Math.min(maxR, Math.sqrt(batch.volume) * 10);
    const age = d.marketNow - batch.round_ms;
    const fresh = age >= 0 && age < 1_000;
    if (fresh) animating = true;
    ctx.beginPath();
    ctx.arc(x(batch.clearing_price), midY, r + (fresh ? 4 * (1 - age / 1_000) : 0), 0, 2 * Math.PI);
    ctx.fillStyle = "rgba(46, 158, 68, 0.18)";
    ctx.fill();
    ctx.strokeStyle = COLOURS.clearing;
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }

  // The book's volume circles.
  for (const level of s.levels) {
    const volume = level.bid_volume + level.offer_volume;
    if (volume <= 0) continue;
    const share = level.bid_volume / volume;
    const best = level.price === s.bbo.best_bid || level.price === s.bbo.best_offer;
    ctx.beginPath();
    ctx.arc(x(level.price), midY, Math.min(maxR, Math.sqrt(volume) * 10), 0, 2 * Math.PI);
    ctx.fillStyle = mixColour(COLOURS.allOffers, COLOURS.allBids, share) + "cc";
    ctx.fill();
    ctx.strokeStyle = "#1d232b";
    ctx.lineWidth = best ? 3 : 1;
    ctx.stroke();
  }

  // This subject's orders, on top of the book.
  for (const o of s.orders) {
    ctx.beginPath();
    ctx.arc(x(o.price), midY, 8, 0, 2 * Math.PI);
    ctx.fillStyle = o.side === "B" ? COLOURS.myBid : COLOURS.myOffer;
    ctx.globalAlpha = o.state === "pending" ? 0.6 : 1;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.setLineDash(o.state === "pending" ? [3, 2] : []);
    ctx.strokeStyle = "#1d232b";
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // External market cues along the top.
  const cue = (price: number, colour: string) => {
    if (!hasBid(price)) return;
    ctx.beginPath();
    ctx.arc(x(price), cueY, 5, 0, 2 * Math.PI);
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.strokeStyle = "#1d232b";
    ctx.lineWidth = 1;
    ctx.stroke();
  };
  cue(s.external.e_best_bid, COLOURS.externalBid);
  cue(s.external.e_best_offer, COLOURS.externalOffer);

  // Trades: recent ones fade; the last one always stays visible.
  const trades = s.trades;
  for (let i = Math.max(0, trades.length - 40); i < trades.length; i++) {
    const t = trades[i];
    const age = Math.max(0, d.marketNow - t.round_ms);
    const isLast = i === trades.length - 1;
    let alpha = 1 - age / TRADE_FADE_MS;
    if (alpha > 0) animating = true;
    if (isLast) alpha = Math.max(alpha, 0.45);
    if (alpha <= 0) continue;
    const px = x(t.price);
    ctx.globalAlpha = alpha;
    ctx.beginPath();
    ctx.moveTo(px, tradeY - 6);
    ctx.lineTo(px + 6, tradeY + 4);
    ctx.lineTo(px - 6, tradeY + 4);
    ctx.closePath();
    ctx.fillStyle = t.mine === "B" ? COLOURS.myBid : t.mine === "S" ? COLOURS.myOffer : "#8a96a3";
    ctx.fill();
    ctx.strokeStyle = "#1d232b";
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  // "Order entered" lines after clicks.
  for (const c of d.clicks) {
    const age = d.now - c.at;
    if (age >= CLICK_FADE_MS) continue;
    animating = true;
    ctx.globalAlpha = 1 - age / CLICK_FADE_MS;
    ctx.strokeStyle = c.side === "B" ? COLOURS.allBids : COLOURS.allOffers;
    ctx.lineWidth = 2;
    const px = Math.round(x(c.price)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, cueY);
    ctx.lineTo(px, axisY);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  return animating;
}

export function SpreadGraph(
  { state, window: win, interactive, onOrder, marketNow }: SpreadGraphProps,
) {
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const clicks = useRef<ClickMark[]>([]);
  const frame = useRef<number | null>(null);
  const input = useRef({ state, win, marketNow });
  input.current = { state, win, marketNow };

  const paint = () => {
    frame.current = null;
    const c = canvas.current;
    const el = host.current;
    if (!c || !el) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = el.clientWidth;
    const h = el.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const now = performance.now();
    clicks.current = clicks.current.filter((k) => now - k.at < CLICK_FADE_MS);
    const animating = draw(ctx, w, h, {
      state: input.current.state,
      window: input.current.win,
      clicks: clicks.current,
      marketNow: input.current.marketNow(),
      now,
    });
    if (animating) requestPaint();
  };
  const requestPaint = () => {
    if (frame.current === null) frame.current = requestAnimationFrame(paint);
  };

  // Every render may carry new data: one paint in the next frame.
  useEffect(requestPaint);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const ro = new ResizeObserver(requestPaint);
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, []);

  const place = (e: MouseEvent, side: "B" | "S") => {
    const el = host.current;
    if (!interactive || !el) return;
    const rect = el.getBoundingClientRect();
    const price = snapPrice(priceAtX(win, e.clientX - rect.left, rect.width));
    clicks.current.push({ price, side, at: performance.now() });
    requestPaint();
    onOrder(side, price);
  };

  const bid = state ? ownOrder(state, "B") : undefined;
  const offer = state ? ownOrder(state, "S") : undefined;
  const last = state?.trades[state.trades.length - 1];
  const summary = state
    ? `Best bid ${formatBid(state.bbo.best_bid)}, best offer ${formatOffer(state.bbo.best_offer)}`
    : "Waiting for the market";
  return (
    <div
      ref={host}
      class={interactive ? "ss-spread" : "ss-spread ss-spread-disabled"}
      data-testid="spread-graph"
      data-min-price={win.min}
      data-max-price={win.max}
      data-best-bid={state?.bbo.best_bid ?? ""}
      data-best-offer={state?.bbo.best_offer ?? ""}
      data-my-bid={bid?.price ?? ""}
      data-my-offer={offer?.price ?? ""}
      data-trades={state?.trades.length ?? 0}
      data-last-trade={last ? last.price : ""}
      data-last-trade-mine={last?.mine ?? ""}
      role="img"
      aria-label={summary}
      onClick={(e) => place(e, "B")}
      onContextMenu={(e) => {
        if (!interactive) return;
        e.preventDefault();
        place(e, "S");
      }}
    >
      <canvas ref={canvas} class="ss-spread-canvas" />
    </div>
  );
}
