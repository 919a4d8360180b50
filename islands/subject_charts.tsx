/**
 * The two time graphs under the subject's trading controls, drawn with
 * uPlot: profit before deduction as a step line over the round, and the
 * automated strategy's slider values with grey bands while speed is on
 * (upstream's "PBD" and "Sensitivities" graphs).
 *
 * The server renders an empty frame of the right height; the chart is
 * built in the browser and its data replaced on every change.
 */

import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { formatClock, UNITS_PER_ECU } from "./subject_format.ts";

/** uPlot's own stylesheet (MIT, Leon Sorokin), inlined so the page needs no second request. */
export const UPLOT_CSS =
  `.uplot, .uplot *, .uplot *::before, .uplot *::after {box-sizing: border-box;}.uplot {font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol", "Noto Color Emoji";line-height: 1.5;width: min-content;}.u-title {text-align: center;font-size: 18px;font-weight: bold;}.u-wrap {position: relative;user-select: none;}.u-over, .u-under {position: absolute;}.u-under {overflow: hidden;}.uplot canvas {display: block;position: relative;width: 100%;height: 100%;}.u-axis {position: absolute;}.u-legend {font-size: 14px;margin: auto;text-align: center;}.u-inline {display: block;}.u-inline * {display: inline-block;}.u-inline tr {margin-right: 16px;}.u-legend th {font-weight: 600;}.u-legend th > * {vertical-align: middle;display: inline-block;}.u-legend .u-marker {width: 1em;height: 1em;margin-right: 4px;background-clip: padding-box !important;}.u-inline.u-live th::after {content: ":";vertical-align: middle;}.u-inline:not(.u-live) .u-value {display: none;}.u-series > * {padding: 4px;}.u-series th {cursor: pointer;}.u-legend .u-off > * {opacity: 0.3;}.u-select {background: rgba(0,0,0,0.07);position: absolute;pointer-events: none;}.u-cursor-x, .u-cursor-y {position: absolute;left: 0;top: 0;pointer-events: none;will-change: transform;}.u-hz .u-cursor-x, .u-vt .u-cursor-y {height: 100%;border-right: 1px dashed #607D8B;}.u-hz .u-cursor-y, .u-vt .u-cursor-x {width: 100%;border-bottom: 1px dashed #607D8B;}.u-cursor-pt {position: absolute;top: 0;left: 0;border-radius: 50%;border: 0 solid;pointer-events: none;will-change: transform;background-clip: padding-box !important;}.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off {display: none;}`;

export const SLIDER_COLOURS = { a_x: "#90ED7D", a_y: "#7DB5EC", a_z: "#8980F5" } as const;
const PROFIT_COLOUR = "#2857c5";
const SPEED_BAND = "rgba(120, 120, 120, 0.18)";

type Data = uPlot.AlignedData;

const timeAxis = (): uPlot.Axis => ({
  stroke: "#5d6875",
  grid: { stroke: "#eef0f3", width: 1 },
  ticks: { stroke: "#d5dae0", width: 1 },
  values: (_u, splits) => splits.map((s) => formatClock(s * 1000)),
  // whole seconds only: the labels are mm:ss, so finer ticks would repeat a label
  incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
  font: "11px system-ui, sans-serif",
});

/** Mounts a uPlot chart in a div that fills its parent's width, and keeps it sized. */
function useChart(
  makeOptions: (width: number, height: number) => uPlot.Options,
  data: Data,
  height: number,
  rebuildKey: string,
) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(120, el.clientWidth);
    const u = new uPlot(makeOptions(width, height), latest.current, el);
    chart.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(120, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      chart.current = null;
    };
    // The options are rebuilt only when their shape changes (rebuildKey).
  }, [rebuildKey, height]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return host;
}

// ---- profit -------------------------------------------------------------------

export interface ProfitGraphProps {
  /** [round_ms, pbd] steps. */
  steps: [number, number][];
  /** PBD now, drawn when the round has no steps yet. */
  current: number;
  durationMs: number;
  /** Market time the line runs up to. */
  nowMs: number;
  height?: number;
}

/** Step line data in seconds and ECU, held flat up to now. */
export function profitData(steps: [number, number][], current: number, nowMs: number): Data {
  const xs: number[] = [];
  const ys: number[] = [];
  if (steps.length === 0) {
    xs.push(0);
    ys.push(current / UNITS_PER_ECU);
  } else if (steps[0][0] > 0) {
    // The first step is taken a moment after the start; nothing changed before it.
    xs.push(0);
    ys.push(steps[0][1] / UNITS_PER_ECU);
  }
  for (const [ms, pbd] of steps) {
    xs.push(ms / 1000);
    ys.push(pbd / UNITS_PER_ECU);
  }
  const last = ys[ys.length - 1];
  if (nowMs / 1000 > xs[xs.length - 1]) {
    xs.push(nowMs / 1000);
    ys.push(last);
  }
  return [xs, ys];
}

export function ProfitGraph({ steps, current, durationMs, nowMs, height = 170 }: ProfitGraphProps) {
  const data = profitData(steps, current, nowMs);
  const start = useRef(0);
  start.current = (data[1][0] as number | null) ?? 0;
  const host = useChart(
    (width, h) => ({
      width,
      height: h,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: () => [0, Math.max(1, durationMs / 1000)] },
        y: {
          // Upstream starts at ±10 ECU around the round's first value and
          // widens as the profit moves away from it.
          range: (_u, min, max) => {
            const base = start.current;
            const lo = Math.min(base - 10, min);
            const hi = Math.max(base + 10, max);
            const pad = (hi - lo) * 0.08;
            return [min < base - 10 ? lo - pad : lo, max > base + 10 ? hi + pad : hi];
          },
        },
      },
      axes: [timeAxis(), {
        stroke: "#5d6875",
        grid: { stroke: "#eef0f3", width: 1 },
        ticks: { stroke: "#d5dae0", width: 1 },
        font: "11px system-ui, sans-serif",
        size: 48,
      }],
      series: [{}, {
        label: "PBD",
        stroke: PROFIT_COLOUR,
        width: 2,
        fill: "rgba(40, 87, 197, 0.07)",
        points: { show: false },
        paths: uPlot.paths.stepped?.({ align: 1 }),
      }],
    }),
    data,
    height,
    `profit:${durationMs}`,
  );
  return (
    <figure class="ss-chart" data-testid="profit-graph">
      <figcaption>Profit before deduction (ECU)</figcaption>
      <div ref={host} class="ss-chart-host" style={{ height: `${height}px` }} />
    </figure>
  );
}

// ---- sensitivities --------------------------------------------------------------

export type SensitivityStep = [number, number, number, number, number, number];

export interface SensitivitiesGraphProps {
  steps: SensitivityStep[];
  durationMs: number;
  nowMs: number;
  showAx: boolean;
  height?: number;
}

export interface SensitivitySeries {
  data: Data;
  /** [from, to] in seconds while speed was on. */
  speedBands: [number, number][];
}

/**
 * Slider values in seconds, present only while the role was automated (a
 * break in the line otherwise), and the spans with speed on.
 */
export function sensitivityData(steps: SensitivityStep[], nowMs: number): SensitivitySeries {
  const xs: number[] = [];
  const vx: (number | null)[] = [];
  const vy: (number | null)[] = [];
  const vz: (number | null)[] = [];
  const push = (t: number, x: number | null, y: number | null, z: number | null) => {
    xs.push(t);
    vx.push(x);
    vy.push(y);
    vz.push(z);
  };
  const bands: [number, number][] = [];
  let speedSince: number | null = null;
  let prev: SensitivityStep | null = null;
  for (const step of steps) {
    const [ms, x, y, z, speed, auto] = step;
    const t = ms / 1000;
    if (auto) push(t, x, y, z);
    else {
      // Close the automated stretch at the switch, then break the line.
      if (prev && prev[5]) push(t, prev[1], prev[2], prev[3]);
      push(t, null, null, null);
    }
    if (speed && speedSince === null) speedSince = t;
    if (!speed && speedSince !== null) {
      bands.push([speedSince, t]);
      speedSince = null;
    }
    prev = step;
  }
  const now = nowMs / 1000;
  if (prev && prev[5] && now > xs[xs.length - 1]) push(now, prev[1], prev[2], prev[3]);
  if (speedSince !== null) bands.push([speedSince, Math.max(speedSince, now)]);
  if (xs.length === 0) push(0, null, null, null);
  return { data: [xs, vx, vy, vz], speedBands: bands };
}

export function SensitivitiesGraph(
  { steps, durationMs, nowMs, showAx, height = 110 }: SensitivitiesGraphProps,
) {
  const { data, speedBands } = sensitivityData(steps, nowMs);
  const bands = useRef(speedBands);
  bands.current = speedBands;
  const line = (label: string, stroke: string, show = true): uPlot.Series => ({
    label,
    stroke,
    width: 2,
    show,
    points: { show: false },
    paths: uPlot.paths.stepped?.({ align: 1 }),
  });
  const host = useChart(
    (width, h) => ({
      width,
      height: h,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: () => [0, Math.max(1, durationMs / 1000)] },
        y: { range: () => [0, 1.05] },
      },
      axes: [timeAxis(), {
        stroke: "#5d6875",
        grid: { stroke: "#eef0f3", width: 1 },
        ticks: { stroke: "#d5dae0", width: 1 },
        font: "11px system-ui, sans-serif",
        splits: () => [0, 0.5, 1],
        size: 48,
      }],
      series: [
        {},
        line("Signed volume", SLIDER_COLOURS.a_x, showAx),
        line("Inventory", SLIDER_COLOURS.a_y),
        line("External feed", SLIDER_COLOURS.a_z),
      ],
      hooks: {
        drawAxes: [(u: uPlot) => {
          const { ctx } = u;
          const { top, height: bh } = u.bbox;
          ctx.save();
          ctx.fillStyle = SPEED_BAND;
          for (const [from, to] of bands.current) {
            const x0 = u.valToPos(from, "x", true);
            const x1 = u.valToPos(to, "x", true);
            ctx.fillRect(x0, top, Math.max(1, x1 - x0), bh);
          }
          ctx.restore();
        }],
      },
    }),
    data,
    height,
    `sens:${durationMs}:${showAx}`,
  );
  return (
    <figure class="ss-chart" data-testid="sensitivities-graph">
      <figcaption>
        Sensitivities{" "}
        <span class="ss-legend">
          {showAx ? <span style={{ color: "#3f9a2e" }}>■ signed volume</span> : null}{" "}
          <span style={{ color: "#3d7fc4" }}>■ inventory</span>{" "}
          <span style={{ color: "#5b52c9" }}>■ external feed</span>{" "}
          <span class="ss-legend-speed">■ speed on</span>
        </span>
      </figcaption>
      <div ref={host} class="ss-chart-host" style={{ height: `${height}px` }} />
    </figure>
  );
}
