/**
 * The subject's screen: the page the server has the participant on. The
 * trading screen (upstream's `<elo-market-session>`, shared reference
 * `leeps-hft-app.md` §10: spread graph; best and own quotes; wallet; role,
 * speed and sliders; the sensitivities and profit graphs; the round clock)
 * on the trading and wait pages, else one of the pages of
 * subject_pages.tsx; the connection state on all of them.
 *
 * Server-authoritative: the screen shows the server's snapshot and applies
 * its sequenced updates as they arrive (no polling); what the subject does
 * is sent as a request and shows once the server confirms it. The state
 * and its sequence number are kept in sessionStorage, so a reload shows the
 * screen at once and asks only for what it missed.
 */

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { EloRole } from "../market/session_config.ts";
import type {
  ClockState,
  OwnOrder,
  Phase,
  SubjectRequest,
  SubjectSnapshot,
  SubjectUpdate,
} from "../protocol/subject_protocol.ts";
import { ProfitGraph, SensitivitiesGraph, SLIDER_COLOURS } from "./subject_charts.tsx";
import { AttentionMeter, type ConnectionStatus, SubjectClient } from "./subject_client.ts";
import {
  formatBid,
  formatClock,
  formatEcu,
  formatEcuNumber,
  formatOffer,
  parseEcu,
  socketUrl,
} from "./subject_format.ts";
import { SpreadGraph } from "./subject_spread.tsx";
import { FlowPage, PAGE_CSS, PAGE_TITLES, WaitBanner } from "./subject_pages.tsx";
import {
  applyUpdate,
  type ClockAnchor,
  isStateUpdate,
  marketMs,
  nextCentre,
  ownOrder,
  pageKey,
  remainingMs,
  windowAround,
} from "./subject_state.ts";

export interface SubjectScreenProps {
  token: string;
  label: string;
  /** `/ws/subject/<token>` on the page's host. */
  socketPath: string;
  /** What the server knew when it rendered the page (null: nothing yet). */
  snapshot: SubjectSnapshot | null;
}

const ROLE_LABELS: Record<EloRole, string> = {
  out: "Out",
  manual: "Manual",
  automated: "Automated",
};

const PHASE_SHORT: Record<Phase, string> = {
  waiting: "Waiting",
  running: "Trading",
  paused: "Paused",
  ended: "Round over",
  finished: "Finished",
};

const PHASE_LABELS: Record<Phase, string> = {
  waiting: "Waiting for the round to start",
  running: "Trading",
  paused: "Paused by the experimenter",
  ended: "This round is over; the next one starts soon",
  finished: "Session complete. Thank you for taking part.",
};

type Slider = "a_x" | "a_y" | "a_z";

interface Notice {
  id: number;
  kind: "refused" | "error" | "local";
  text: string;
}

/** sessionStorage entry: the state and the last sequence number applied to it. */
interface Stored {
  seq: number;
  state: SubjectSnapshot;
  /** Market time and wall-clock time when stored, to carry a running clock over a reload. */
  market_ms: number;
  wall_ms: number;
}

const STORE_EVERY_MS = 1_000;

const NOTHING_PENDING: ReadonlySet<string> = new Set();

function storageKey(token: string): string {
  return `hft-lab:subject:${token}`;
}

function readStored(token: string): Stored | null {
  try {
    const text = sessionStorage.getItem(storageKey(token));
    if (!text) return null;
    const s = JSON.parse(text) as Stored;
    // A state stored by an older version (no page) is not used: the server's snapshot is.
    return typeof s.seq === "number" && s.state && typeof s.state.clock === "object" &&
        typeof s.state.page === "object" && s.state.page !== null
      ? s
      : null;
  } catch {
    return null;
  }
}

function writeStored(token: string, value: Stored): void {
  try {
    sessionStorage.setItem(storageKey(token), JSON.stringify(value));
  } catch {
    // Storage full or disabled: a reload then asks for a whole snapshot.
  }
}

/** Upstream's info-table fill flash: red when the own order had crossed the spread on entry. */
interface Flash {
  n: number;
  aggressive: boolean;
}

function connectionText(c: ConnectionStatus): string {
  if (c.state === "connected") {
    return c.rttMs === null ? "connected" : `connected · ${Math.round(c.rttMs)} ms`;
  }
  if (c.state === "reconnecting") {
    return `reconnecting in ${Math.max(1, Math.ceil((c.retryMs ?? 0) / 1000))} s…`;
  }
  return "connecting…";
}

export default function SubjectScreen({ token, label, socketPath, snapshot }: SubjectScreenProps) {
  const [state, setState] = useState<SubjectSnapshot | null>(snapshot);
  const stateRef = useRef(state);
  // Anchored at the first render: on the server that is when the snapshot was taken.
  const anchor = useRef<ClockAnchor>({
    round_ms: snapshot?.clock.round_ms ?? 0,
    at: performance.now(),
  });
  const [conn, setConn] = useState<ConnectionStatus>({
    state: "connecting",
    retryMs: null,
    rttMs: null,
    queued: 0,
  });
  const [notices, setNotices] = useState<Notice[]>([]);
  /** Page actions sent and not yet answered (see FlowPageProps.pending). */
  const [pending, setPending] = useState<ReadonlySet<string>>(NOTHING_PENDING);
  const noticeId = useRef(0);
  const [pendingRole, setPendingRole] = useState<EloRole | null>(null);
  const [pendingSpeed, setPendingSpeed] = useState<boolean | null>(null);
  const [sliders, setSliders] = useState<Record<Slider, number> | null>(null);
  const [ticketPrice, setTicketPrice] = useState("");
  const [flash, setFlash] = useState<
    { bid: Flash; offer: Flash; inventory: number; batch: number }
  >({
    bid: { n: 0, aggressive: false },
    offer: { n: 0, aggressive: false },
    inventory: 0,
    batch: 0,
  });
  const [, setTick] = useState(0);
  const client = useRef<SubjectClient | null>(null);
  const centre = useRef<number | null>(null);
  /** Whether each side's newest own order crossed the spread when it appeared. */
  const crossed = useRef<{ B: boolean; S: boolean }>({ B: false, S: false });

  const notify = (kind: Notice["kind"], text: string) => {
    const id = ++noticeId.current;
    setNotices((list) => [...list.slice(-4), { id, kind, text }]);
  };

  // ---- connection --------------------------------------------------------------
  useEffect(() => {
    anchor.current = { round_ms: snapshot?.clock.round_ms ?? 0, at: performance.now() };
    let lastSeq: number | null = null;
    const stored = readStored(token);
    if (stored) {
      const st = stored.state;
      const carried = st.clock.phase === "running" ? Math.max(0, Date.now() - stored.wall_ms) : 0;
      anchor.current = { round_ms: stored.market_ms + carried, at: performance.now() };
      stateRef.current = st;
      setState(st);
      lastSeq = stored.seq;
    }

    let dirty = false;
    let storeTimer: ReturnType<typeof setTimeout> | null = null;
    const store = () => {
      storeTimer = null;
      const st = stateRef.current;
      const seq = client.current?.lastSeq;
      if (!dirty || !st || seq === null || seq === undefined) return;
      dirty = false;
      writeStored(token, {
        seq,
        state: st,
        market_ms: marketMs(st.clock, anchor.current, performance.now()),
        wall_ms: Date.now(),
      });
    };
    const storeSoon = () => {
      dirty = true;
      if (storeTimer === null) storeTimer = setTimeout(store, STORE_EVERY_MS);
    };

    const onOrders = (prev: SubjectSnapshot, orders: OwnOrder[]) => {
      for (const side of ["B", "S"] as const) {
        const before = ownOrder(prev, side);
        const now = orders.filter((o) => o.side === side).pop();
        if (now && now.token !== before?.token) {
          crossed.current[side] = side === "B"
            ? now.price >= prev.bbo.best_offer
            : now.price <= prev.bbo.best_bid;
        }
      }
    };

    const onUpdate = (u: SubjectUpdate) => {
      if (u.type === "refused") {
        setPendingRole(null);
        setPendingSpeed(null);
        setPending(NOTHING_PENDING);
        notify("refused", u.reason);
        return;
      }
      if (u.type === "error") {
        notify("error", u.message);
        return;
      }
      if (!isStateUpdate(u)) return;
      const prev = stateRef.current;
      if (!prev && u.type !== "snapshot") return;
      const next = prev ? applyUpdate(prev, u) : (u as { state: SubjectSnapshot }).state;
      const now = performance.now();
      if (u.type === "snapshot" || u.type === "clock") {
        const clock: ClockState = u.type === "snapshot" ? u.state.clock : u.clock;
        anchor.current = { round_ms: clock.round_ms, at: now };
      }
      if (prev) {
        if (u.type === "orders") onOrders(prev, u.orders);
        if (u.type === "trade" && u.trade.mine) {
          const side = u.trade.mine;
          setFlash((f) => {
            const key = side === "B" ? "bid" : "offer";
            return { ...f, [key]: { n: f[key].n + 1, aggressive: crossed.current[side] } };
          });
        }
        if (u.type === "wallet" && u.wallet.inventory !== prev.wallet.inventory) {
          setFlash((f) => ({ ...f, inventory: f.inventory + 1 }));
        }
        if (u.type === "batch") setFlash((f) => ({ ...f, batch: f.batch + 1 }));
      }
      if (u.type === "strategy" || u.type === "snapshot") {
        setPendingRole(null);
        setPendingSpeed(null);
        setSliders(null);
      }
      if (u.type === "snapshot") setPending(NOTHING_PENDING);
      stateRef.current = next;
      setState(next);
      storeSoon();
    };

    const attention = new AttentionMeter(document.hasFocus());
    const onFocus = () => attention.set(true);
    const onBlur = () => attention.set(false);
    globalThis.addEventListener("focus", onFocus);
    globalThis.addEventListener("blur", onBlur);

    const c = new SubjectClient({
      url: socketUrl(socketPath, location.href),
      lastSeq,
      onUpdate,
      onStatus: (status) => {
        setConn(status);
        // A request in flight when the link broke may never be answered; after
        // the resync the page shows whether it was taken, and may be asked again.
        if (status.state !== "connected") setPending(NOTHING_PENDING);
      },
      takeAttention: () => attention.take(),
    });
    client.current = c;
    c.start();

    // A reload or a closed tab: keep the latest state for the next load.
    const onHide = () => {
      dirty = true;
      store();
    };
    globalThis.addEventListener("pagehide", onHide);
    return () => {
      globalThis.removeEventListener("pagehide", onHide);
      globalThis.removeEventListener("focus", onFocus);
      globalThis.removeEventListener("blur", onBlur);
      if (storeTimer !== null) clearTimeout(storeTimer);
      c.stop();
      client.current = null;
    };
  }, [token, socketPath]);

  // The clock display moves on its own between updates while the round runs.
  // On a wait page the clock may still be the last round's.
  const running = state?.clock.phase === "running" && state.page?.name !== "wait";
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(id);
  }, [running]);

  const send = (req: SubjectRequest): boolean => {
    const result = client.current?.send(req) ?? "dropped";
    if (result === "dropped") {
      notify("local", "Not connected: that action was not sent. Please try again in a moment.");
      return false;
    }
    return true;
  };

  const act = (key: string, req: SubjectRequest) => {
    if (pending.has(key)) return;
    if (send(req)) setPending((p) => new Set(p).add(key));
  };
  const serverNow = () => client.current?.serverNow() ?? Date.now();

  const page = state?.page ?? null;
  const waitPage = page?.name === "wait" ? page : null;
  const now = performance.now();
  const clock = state?.clock ?? null;
  const marketNow =
    () => (stateRef.current
      ? marketMs(stateRef.current.clock, anchor.current, performance.now())
      : 0);
  const nowMs = clock ? marketMs(clock, anchor.current, now) : 0;
  const remaining = clock ? remainingMs(clock, anchor.current, now) : null;

  // The window recentres only when the market leaves its middle (upstream's rule).
  const win = useMemo(() => {
    centre.current = nextCentre(centre.current, state);
    return windowAround(centre.current);
  }, [state?.bbo, state?.external, state === null]);

  const strategy = state?.strategy;
  const role: EloRole | null = pendingRole ?? strategy?.role ?? null;
  const speed = pendingSpeed ?? strategy?.speed ?? false;
  const automated = strategy?.role === "automated";
  const manual = strategy?.role === "manual";
  const canTrade = running && manual;
  const sliderValues: Record<Slider, number> = sliders ??
    { a_x: strategy?.a_x ?? 0, a_y: strategy?.a_y ?? 0, a_z: strategy?.a_z ?? 0 };
  const myBid = state ? ownOrder(state, "B") : undefined;
  const myOffer = state ? ownOrder(state, "S") : undefined;

  const chooseRole = (r: EloRole) => {
    if (r === strategy?.role && pendingRole === null) return;
    if (send({ type: "role", role: r })) setPendingRole(r);
  };
  const toggleSpeed = (on: boolean) => {
    if (send({ type: "speed", on })) setPendingSpeed(on);
  };
  const moveSlider = (k: Slider, v: number) => setSliders({ ...sliderValues, [k]: v });
  const releaseSlider = (k: Slider, v: number) => {
    const values = { ...sliderValues, [k]: v };
    setSliders(values);
    send({ type: "sliders", ...values });
  };
  const order = (side: "B" | "S", price: number) => {
    if (!canTrade) return;
    send({ type: "order", side, price });
  };
  const ticket = (side: "B" | "S") => {
    const price = parseEcu(ticketPrice);
    if (price === null) {
      notify("local", "Enter a price in ECU, for example 99.50.");
      return;
    }
    order(side, price);
  };

  const phase: Phase = waitPage ? "waiting" : clock?.phase ?? "waiting";
  const sliderRow = (k: Slider, name: string) => (
    <label class="ss-slider" key={k}>
      <span class="ss-slider-name">
        <span class="ss-swatch" style={{ background: SLIDER_COLOURS[k] }} />
        {name}
      </span>
      <input
        type="range"
        min="0"
        max="1"
        step="0.1"
        value={sliderValues[k]}
        disabled={!automated || !running}
        data-testid={`slider-${k}`}
        aria-label={`Sensitivity to ${name.toLowerCase()}`}
        onInput={(e) => moveSlider(k, Number((e.currentTarget as HTMLInputElement).value))}
        onChange={(e) => releaseSlider(k, Number((e.currentTarget as HTMLInputElement).value))}
      />
      <output class="ss-slider-value">{sliderValues[k].toFixed(1)}</output>
    </label>
  );

  const connection = (
    <div
      class={`ss-conn ss-conn-${conn.state}`}
      data-testid="connection"
      data-state={conn.state}
      role="status"
    >
      <span class="ss-dot" aria-hidden="true" />
      {connectionText(conn)}
      {conn.queued > 0 ? ` · ${conn.queued} waiting to send` : ""}
    </div>
  );
  const noticeBlock = notices.length > 0
    ? (
      <div class="ss-notice" data-testid="notice" role="alert">
        <ul>
          {notices.map((n) => (
            <li key={n.id} class={`ss-notice-${n.kind}`}>
              {n.kind === "refused" ? "Not done: " : n.kind === "error" ? "Error: " : ""}
              {n.text}
            </li>
          ))}
        </ul>
        <button
          type="button"
          class="ss-notice-close"
          data-testid="notice-dismiss"
          aria-label="Dismiss"
          onClick={() => setNotices([])}
        >
          ×
        </button>
      </div>
    )
    : null;
  // Constant text: the diff leaves it alone, and every page has its styles.
  const pageStyle = <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />;

  // Trading and wait show the trading screen; every other page replaces it.
  if (page && page.name !== "trading" && page.name !== "wait") {
    return (
      <div
        class={`ss ss-page ss-page-${page.name}`}
        data-testid="subject-screen"
        data-phase={phase}
        data-page={page.name}
      >
        {pageStyle}
        <header class="ss-top">
          <div class="ss-who">
            <strong data-testid="label">{state?.label ?? label}</strong>
            <span class="ss-round" data-testid="page-title">
              {page.name === "results" ? `Round ${page.round} results` : PAGE_TITLES[page.name]}
            </span>
          </div>
          <div class="ss-phase" />
          {connection}
        </header>
        {noticeBlock}
        <FlowPage
          key={pageKey(page)}
          page={page}
          pending={pending}
          act={act}
          serverNow={serverNow}
        />
      </div>
    );
  }

  const shownRound = waitPage?.round ?? clock?.round ?? 0;
  const trial = waitPage ? waitPage.trial : clock?.trial ?? false;
  return (
    <div
      class={`ss ss-phase-${phase}`}
      data-testid="subject-screen"
      data-phase={phase}
      data-page={page?.name ?? "trading"}
    >
      {pageStyle}
      <header class="ss-top">
        <div class="ss-who">
          <strong data-testid="label">{state?.label ?? label}</strong>
          <span class="ss-round" data-testid="round">
            {clock && shownRound > 0 ? `Round ${shownRound} of ${clock.num_rounds}` : "Round –"}
          </span>
        </div>
        <div class="ss-phase" data-testid="phase">{PHASE_SHORT[phase]}</div>
        <div class="ss-clock" data-testid="clock" aria-label="Time left in the round">
          {remaining === null ? "–:––" : formatClock(remaining)}
        </div>
        {connection}
      </header>
      {trial
        ? (
          <div class="ss-trial" data-testid="trial-banner">
            This is a practice round: it is not paid.
          </div>
        )
        : null}
      {noticeBlock}
      {waitPage
        ? <WaitBanner page={waitPage} />
        : phase !== "running"
        ? <div class="ss-banner" data-testid="phase-banner">{PHASE_LABELS[phase]}</div>
        : null}
      <div class={running ? "ss-trade" : "ss-trade ss-inert"} inert={!running}>
        <SpreadGraph
          state={state}
          window={win}
          interactive={canTrade}
          onOrder={order}
          marketNow={marketNow}
        />
        <p class="ss-hint">
          {manual
            ? "Click the graph to bid at a price, right-click to offer, or type a price below."
            : "Choose Manual to place your own bids and offers."}
        </p>
        <section class="ss-band">
          <div class="ss-info">
            <div class="ss-card">
              <span class="ss-card-label">Best bid</span>
              <span class="ss-card-value" data-testid="best-bid">
                {formatBid(state?.bbo.best_bid)}
              </span>
            </div>
            <div class="ss-card">
              <span class="ss-card-label">Best offer</span>
              <span class="ss-card-value" data-testid="best-offer">
                {formatOffer(state?.bbo.best_offer)}
              </span>
            </div>
            <div
              class={`ss-card ss-card-mine-bid${flash.bid.n > 0 ? " ss-flash" : ""}`}
              key={`b${flash.bid.n}`}
            >
              <span class="ss-card-label">
                My bid
                {flash.bid.n > 0
                  ? <span class={flash.bid.aggressive ? "ss-fill ss-fill-aggr" : "ss-fill"} />
                  : null}
              </span>
              <span class="ss-card-value" data-testid="my-bid">
                {formatBid(myBid?.price)}
              </span>
            </div>
            <div
              class={`ss-card ss-card-mine-offer${flash.offer.n > 0 ? " ss-flash" : ""}`}
              key={`s${flash.offer.n}`}
            >
              <span class="ss-card-label">
                My offer
                {flash.offer.n > 0
                  ? <span class={flash.offer.aggressive ? "ss-fill ss-fill-aggr" : "ss-fill"} />
                  : null}
              </span>
              <span class="ss-card-value" data-testid="my-offer">
                {formatOffer(myOffer?.price)}
              </span>
            </div>
            {state?.format === "fba"
              ? (
                <div
                  class={`ss-card ss-card-clearing${flash.batch > 0 ? " ss-flash" : ""}`}
                  key={`z${flash.batch}`}
                >
                  <span class="ss-card-label">Clearing price / volume</span>
                  <span class="ss-card-value" data-testid="clearing">
                    {state.last_batch && state.last_batch.volume > 0
                      ? `${formatEcu(state.last_batch.clearing_price)} / ${state.last_batch.volume}`
                      : "–"}
                  </span>
                </div>
              )
              : null}
          </div>
          <div class="ss-wallet">
            <div class="ss-stat">
              <span class="ss-stat-label" title="Profit before deduction">Profit (PBD)</span>
              <span class="ss-stat-value" data-testid="profit">
                {state ? formatEcu(state.wallet.pbd) : "–"}
              </span>
            </div>
            <div
              class={flash.inventory > 0 ? "ss-stat ss-flash" : "ss-stat"}
              key={`i${flash.inventory}`}
            >
              <span class="ss-stat-label">Inventory</span>
              <span class="ss-stat-value" data-testid="inventory">
                {state ? String(state.wallet.inventory) : "–"}
              </span>
            </div>
            <div class="ss-stat">
              <span class="ss-stat-label">Cash</span>
              <span class="ss-stat-value" data-testid="cash">
                {state ? formatEcu(state.wallet.cash) : "–"}
              </span>
            </div>
            <div class="ss-stat">
              <span class="ss-stat-label">Speed cost</span>
              <span class="ss-stat-value" data-testid="speed-cost">
                {state ? formatEcu(state.wallet.speed_cost) : "–"}
              </span>
            </div>
            {state?.signed_volume_widgets
              ? (
                <div class="ss-stat">
                  <span class="ss-stat-label">Signed volume</span>
                  <span class="ss-stat-value" data-testid="signed-volume">
                    {state.wallet.signed_volume.toFixed(2)}
                  </span>
                </div>
              )
              : null}
          </div>
          <div class="ss-controls">
            <div class="ss-roles" role="group" aria-label="Role">
              {(state?.roles ?? []).map((r) => (
                <button
                  type="button"
                  key={r}
                  class={`ss-role${role === r ? " ss-role-on" : ""}${
                    pendingRole === r ? " ss-role-pending" : ""
                  }`}
                  aria-pressed={role === r}
                  data-testid={`role-${r}`}
                  data-selected={strategy?.role === r ? "true" : "false"}
                  onClick={() => chooseRole(r)}
                >
                  {ROLE_LABELS[r]}
                </button>
              ))}
            </div>
            <label class="ss-speed">
              <input
                type="checkbox"
                role="switch"
                class="ss-switch"
                checked={speed}
                aria-checked={speed}
                data-testid="speed"
                onChange={(e) => toggleSpeed((e.currentTarget as HTMLInputElement).checked)}
              />
              Speed {speed ? "on" : "off"}
            </label>
            <div class="ss-sliders" role="group" aria-label="Sensitivity to">
              <span class="ss-sliders-title">Sensitivity to:</span>
              {sliderRow("a_y", "Inventory")}
              {state?.signed_volume_widgets ? sliderRow("a_x", "Signed volume") : null}
              {sliderRow("a_z", "External feed")}
            </div>
          </div>
          <form
            class="ss-ticket"
            data-testid="order-ticket"
            onSubmit={(e) => {
              e.preventDefault();
              ticket("B");
            }}
          >
            <label>
              Price (ECU)
              <input
                type="text"
                inputMode="decimal"
                autoComplete="off"
                placeholder={state && state.bbo.best_bid > 0
                  ? formatEcuNumber(state.bbo.best_bid)
                  : "99.00"}
                value={ticketPrice}
                disabled={!canTrade}
                data-testid="order-price"
                onInput={(e) => setTicketPrice((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <button
              type="button"
              class="ss-buy"
              disabled={!canTrade}
              data-testid="order-buy"
              onClick={() => ticket("B")}
            >
              Bid
            </button>
            <button
              type="button"
              class="ss-sell"
              disabled={!canTrade}
              data-testid="order-sell"
              onClick={() => ticket("S")}
            >
              Offer
            </button>
          </form>
        </section>
        <SensitivitiesGraph
          steps={state?.sensitivities ?? []}
          durationMs={clock?.duration_ms ?? 1}
          nowMs={nowMs}
          showAx={state?.signed_volume_widgets ?? false}
        />
        <ProfitGraph
          steps={state?.profit ?? []}
          current={state?.wallet.pbd ?? 0}
          durationMs={clock?.duration_ms ?? 1}
          nowMs={nowMs}
        />
      </div>
    </div>
  );
}
