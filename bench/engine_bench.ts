/**
 * `deno task bench:engine` — throughput and latency of the WebAssembly book.
 *
 * Workloads, each through the public TS API (BookCore) with every event
 * produced and read back (the executed shares are summed from the events):
 *   quantcup        the QuantCup contest feed, 200 replays, book reset before each
 *   quantcup-batch  the same feed written into WASM memory and run in batches
 *   leeps           a Leeps-like market (see leeps_workload.ts)
 * The baseline is npm:nodejs-order-book on the same messages in the same
 * process. Throughput is timed over whole replays; latency per 10-message
 * batch (p50/p99, clock cost subtracted) in a separate pass.
 *
 * FBA clearing: one batch() call (price discovery, drawing the random order
 * of the levels it touches, allocation, events) on books of 10 to 10,000
 * resting orders, rebuilt untimed before each run (p50/p99 over many runs).
 *
 * Usage: deno task bench:engine [--feed PATH] [--replays N] [--quick]
 * The last line printed is one JSON object with the results.
 */

import process from "node:process";
import { OrderBook as BaselineBook } from "nodejs-order-book";
import {
  BookCore,
  engineModule,
  EV_BATCH,
  EV_EXECUTED,
  WORDS_PER_COMMAND,
  WORDS_PER_EVENT,
} from "../engine-wasm/mod.ts";
import { mulberry32 } from "../market/seeded_rng.ts";
import { parseQuantcupFeed } from "./quantcup_feed.ts";
import { DEFAULT_LEEPS, leepsWorkload } from "./leeps_workload.ts";
import { OP_CANCEL, OP_ENTER, OP_REPLACE, type Workload } from "./workload.ts";

const REASON_USER = 0x55; // 'U'

interface Args {
  feed: string;
  replays: number;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    feed: new URL("../../shared/bench/quantcup_feed.csv", import.meta.url).pathname,
    replays: 200,
    quick: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--feed") args.feed = argv[++i];
    else if (a === "--replays") args.replays = Number(argv[++i]);
    else if (a === "--quick") args.quick = true;
    else {throw new Error(
        `unknown argument ${a}; usage: bench:engine [--feed PATH] [--replays N] [--quick]`,
      );}
  }
  if (!Number.isInteger(args.replays) || args.replays < 1) {
    throw new Error("--replays must be a positive integer");
  }
  if (args.quick) args.replays = Math.min(args.replays, 10);
  return args;
}

// ------------------------------------------------------------------ engine

/** Sums executed shares over the events of the last command, from the raw event words. */
function executedShares(book: BookCore, n: number): number {
  const ev = book.events;
  let s = 0;
  for (let k = 0, p = 0; k < n; k++, p += WORDS_PER_EVENT) {
    if ((ev[p] & 0xff) === EV_EXECUTED) s += ev[p + 3];
  }
  return s;
}

/** Sends messages [from, to) one call each; returns the shares executed. */
function engineMessages(book: BookCore, w: Workload, from: number, to: number): number {
  const { op, id, newId, side, price, shares, tif } = w;
  let traded = 0;
  for (let i = from; i < to; i++) {
    const o = op[i];
    const n = o === OP_ENTER
      ? book.enter(id[i], side[i], price[i], shares[i], tif[i])
      : o === OP_CANCEL
      ? book.cancel(id[i], shares[i])
      : book.replace(id[i], newId[i], shares[i], price[i], tif[i]);
    traded += executedShares(book, n);
  }
  return traded;
}

function engineReplay(book: BookCore, w: Workload): number {
  book.reset();
  return engineMessages(book, w, 0, w.length);
}

/** Writes messages [from, to) straight into the command buffer and runs them in one call. */
function engineBatch(book: BookCore, w: Workload, from: number, to: number): number {
  const { op, id, newId, side, price, shares, tif } = w;
  const cmd = book.commands;
  for (let i = from, c = 0; i < to; i++, c += WORDS_PER_COMMAND) {
    const o = op[i];
    cmd[c] = o;
    cmd[c + 1] = id[i];
    cmd[c + 2] = o === OP_REPLACE ? newId[i] : side[i];
    cmd[c + 3] = price[i];
    cmd[c + 4] = shares[i];
    cmd[c + 5] = tif[i];
    cmd[c + 6] = REASON_USER;
  }
  return executedShares(book, book.run(to - from));
}

function engineBatchReplay(book: BookCore, w: Workload): number {
  book.reset();
  let traded = 0;
  for (let start = 0; start < w.length; start += book.commandCapacity) {
    traded += engineBatch(book, w, start, Math.min(w.length, start + book.commandCapacity));
  }
  return traded;
}

// ---------------------------------------------------------------- baseline

interface BaselineResult {
  done?: { size: number }[];
  partialQuantityProcessed?: number;
}

function baselineReplay(w: Workload, ids: string[]): number {
  const ob = new BaselineBook();
  let traded = 0;
  const count = (r: unknown) => {
    const res = r as BaselineResult;
    traded += res.partialQuantityProcessed ?? 0;
    for (const d of res.done ?? []) traded += d.size;
  };
  for (let i = 0; i < w.length; i++) {
    const op = w.op[i];
    if (op === OP_CANCEL) {
      ob.cancel(ids[w.id[i]]);
      continue;
    }
    let id = w.id[i];
    if (op !== OP_ENTER) {
      ob.cancel(ids[id]);
      id = w.newId[i];
    }
    count(ob.limit(
      {
        id: ids[id],
        side: w.side[i] === 0 ? "buy" : "sell",
        size: w.shares[i],
        price: w.price[i],
        timeInForce: w.tif[i] === 0 ? "IOC" : "GTC",
      } as Parameters<BaselineBook["limit"]>[0],
    ));
  }
  return traded;
}

// ------------------------------------------------------------------ timing

function throughput(
  messages: number,
  replays: number,
  run: () => number,
): { perSecond: number; checksum: number } {
  run(); // warm up the JIT on one whole replay
  let checksum = 0;
  const t0 = performance.now();
  for (let r = 0; r < replays; r++) checksum += run();
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: (messages * replays) / seconds, checksum };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Clock cost of one hrtime pair, to subtract from each sample. */
function clockCost(): number {
  const s = new Float64Array(100_000);
  for (let i = 0; i < s.length; i++) {
    const a = process.hrtime.bigint();
    s[i] = Number(process.hrtime.bigint() - a);
  }
  return quantile(s.sort(), 0.5);
}

/** p50/p99 of 10-message batches over `replays` replays, in ns. */
function latency(
  w: Workload,
  replays: number,
  reset: () => void,
  batch: (from: number, to: number) => unknown,
): { p50: number; p99: number } {
  const per = Math.floor(w.length / 10);
  const samples = new Float64Array(per * replays);
  let k = 0;
  for (let r = 0; r < replays; r++) {
    reset();
    for (let b = 0; b < per; b++) {
      const a = process.hrtime.bigint();
      batch(b * 10, b * 10 + 10);
      samples[k++] = Number(process.hrtime.bigint() - a);
    }
  }
  const cost = clockCost();
  samples.sort();
  return {
    p50: Math.max(0, Math.round(quantile(samples, 0.5) - cost)),
    p99: Math.max(0, Math.round(quantile(samples, 0.99) - cost)),
  };
}

// --------------------------------------------------------------- FBA batch

const FBA_SIZES = [10, 100, 1_000, 10_000] as const;
const FBA_GRID = 10_000;
const FBA_VALUE = 1_000_000;

interface FbaResult {
  orders: number;
  runs: number;
  p50_us: number;
  p99_us: number;
  fills: number;
  volume: number;
}

/**
 * A book as the lab makes one between two batches: both sides on the
 * 10,000-tick grid around the value, bids from 8 ticks below to 3 above and
 * asks from 3 below to 8 above, so a quarter of each side crosses; 70% unit
 * orders, the rest 2..10 shares; all in the segment the batch will draw.
 */
function fbaBook(orders: number, seed: number): Workload {
  const rnd = mulberry32(seed);
  const w: Workload = {
    name: `fba-${orders}`,
    length: orders,
    op: new Uint8Array(orders).fill(OP_ENTER),
    id: new Int32Array(orders),
    newId: new Int32Array(orders),
    side: new Uint8Array(orders),
    price: new Int32Array(orders),
    shares: new Uint32Array(orders),
    tif: new Uint32Array(orders).fill(99999),
    maxId: orders,
  };
  for (let i = 0; i < orders; i++) {
    const side = rnd() < 0.5 ? 0 : 1;
    const k = Math.floor(rnd() * 12) - 8; // -8..3
    w.id[i] = i + 1;
    w.side[i] = side;
    w.price[i] = FBA_VALUE + (side === 0 ? k : -k) * FBA_GRID;
    w.shares[i] = rnd() < 0.7 ? 1 : 2 + Math.floor(rnd() * 9);
  }
  return w;
}

/** Rebuilds the book through the command buffer (untimed), then times batch() alone. */
export function fbaClearing(module: WebAssembly.Module, orders: number, runs: number): FbaResult {
  const w = fbaBook(orders, 11);
  const book = BookCore.fromModule(module, {
    format: "fba",
    initialOrders: orders + 1,
    initialEvents: 4 * orders + 16,
    commandCapacity: 4096,
  });
  const samples = new Float64Array(runs);
  let fills = 0, volume = 0;
  const warmup = Math.min(50, runs);
  for (let r = -warmup; r < runs; r++) {
    book.reset();
    book.seed(r >>> 0);
    for (let start = 0; start < w.length; start += book.commandCapacity) {
      engineBatch(book, w, start, Math.min(w.length, start + book.commandCapacity));
    }
    const a = process.hrtime.bigint();
    const n = book.batch();
    const t = Number(process.hrtime.bigint() - a);
    if (r < 0) continue;
    samples[r] = t;
    const ev = book.events;
    const z = (n - 2) * WORDS_PER_EVENT;
    if ((ev[z] & 0xff) !== EV_BATCH) throw new Error("batch() did not end with a batch record");
    fills = ev[z + 4];
    volume = ev[z + 2] >>> 0;
  }
  const cost = clockCost();
  samples.sort();
  const us = (q: number) => Math.max(0, Math.round((quantile(samples, q) - cost) / 100) / 10);
  return { orders, runs, p50_us: us(0.5), p99_us: us(0.99), fills, volume };
}

// -------------------------------------------------------------------- main

interface Result {
  workload: string;
  engine_msgs_per_s: number;
  baseline_msgs_per_s: number;
  ratio: number;
  engine_p50_ns: number;
  engine_p99_ns: number;
}

async function main() {
  const args = parseArgs(Deno.args);
  const quantcup = parseQuantcupFeed(await Deno.readTextFile(args.feed));
  const leeps = await leepsWorkload(
    args.quick ? { ...DEFAULT_LEEPS, seconds: 480 } : DEFAULT_LEEPS,
  );
  const leepsReplays = Math.max(
    1,
    Math.round(args.replays * quantcup.length / leeps.length),
  );
  const baselineReplays = args.quick ? 1 : 5;
  const results: Result[] = [];
  const report = (
    r: Result,
    w: Workload,
    replays: number,
    checksum: number,
    base: number,
  ) => {
    results.push(r);
    console.log(
      `${r.workload.padEnd(15)} ${w.length} msgs x ${replays}: engine ${
        (r.engine_msgs_per_s / 1e6).toFixed(2)
      }M msgs/s, ` +
        `baseline ${(r.baseline_msgs_per_s / 1e6).toFixed(3)}M msgs/s, ratio ${
          r.ratio.toFixed(1)
        }, ` +
        `p50 ${r.engine_p50_ns} ns, p99 ${r.engine_p99_ns} ns per 10 msgs; shares traded ${
          checksum / replays
        } (baseline, counting both sides of each fill: ${base})`,
    );
  };

  for (
    const [name, w, replays, batch] of [
      ["quantcup", quantcup, args.replays, false],
      ["quantcup-batch", quantcup, args.replays, true],
      ["leeps", leeps, leepsReplays, false],
    ] as const
  ) {
    const ids = Array.from({ length: w.maxId + 1 }, (_, i) => `o${i}`);
    const book = await BookCore.create({
      initialOrders: w.maxId + 1,
      initialEvents: 1 << 16,
    });
    // the engine first, so the baseline's garbage is not collected on its time
    const engine = throughput(
      w.length,
      replays,
      batch ? () => engineBatchReplay(book, w) : () => engineReplay(book, w),
    );
    const base = throughput(
      w.length,
      baselineReplays,
      () => baselineReplay(w, ids),
    );
    const lat = latency(
      w,
      Math.min(replays, 20),
      () => book.reset(),
      batch
        ? (from, to) => engineBatch(book, w, from, to)
        : (from, to) => engineMessages(book, w, from, to),
    );
    report(
      {
        workload: name,
        engine_msgs_per_s: Math.round(engine.perSecond),
        baseline_msgs_per_s: Math.round(base.perSecond),
        ratio: Math.round((engine.perSecond / base.perSecond) * 10) / 10,
        engine_p50_ns: lat.p50,
        engine_p99_ns: lat.p99,
      },
      w,
      replays,
      engine.checksum,
      base.checksum / baselineReplays,
    );
  }

  const module = await engineModule();
  const fba: FbaResult[] = [];
  for (const orders of FBA_SIZES) {
    const runs = Math.max(200, Math.min(5000, Math.round(2e6 / orders)));
    const r = fbaClearing(module, orders, args.quick ? Math.min(runs, 200) : runs);
    fba.push(r);
    console.log(
      `${
        `fba-batch`.padEnd(15)
      } ${orders} orders x ${r.runs}: batch() p50 ${r.p50_us} µs, p99 ${r.p99_us} µs; ` +
        `${r.fills} fills, ${r.volume} shares`,
    );
  }
  const fba_clear_us = Object.fromEntries(
    fba.map((r) => [String(r.orders), { p50: r.p50_us, p99: r.p99_us }]),
  );
  console.log(JSON.stringify({ results, fba_clear_us }));
}

if (import.meta.main) await main();
