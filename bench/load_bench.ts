/**
 * `deno task bench:load [--subjects 200] [--markets 20] [--rate 20000]
 *  [--duration 10] [--generators 2] [--no-baseline] [--no-floor] [--redis]`
 *  (DATABASE_URL in the environment: the server persists to that PostgreSQL)
 *
 * Load: bot subjects (bots/) against one server process (`deno run main.ts`,
 * embedded event log and PGlite in a temporary data directory), all people
 * in `--markets` markets of `--subjects / --markets`, manual role, at an
 * aggregate target of `--rate` orders per second for `--duration` seconds.
 * The bots run in `--generators` child processes of this script, so the
 * load generator is measured apart from the server: both processes' CPU is
 * read from /proc over the trading window, the server's resident memory
 * (VmRSS) is sampled throughout and its peak reported.
 *
 * The session is created from a config written here (no consent,
 * instructions or quiz; the experimenter starts the round), the bots
 * connect, the round is started over the API, they trade, stop, and wait
 * for the answers to their last orders: an order is lost when neither an
 * acknowledgement nor a refusal arrives (bots/bot_subject.ts).
 *
 * Baseline, for context, run in this process after the server is gone:
 * the same kind of orders applied straight through LiveSession.handle (the
 * embedded log journaled to disk, updates serialised for sockets that
 * discard them): no WebSockets, no request parsing, no persister. The ratio
 * is the server's CPU per order over the baseline's.
 *
 * Floor, for context too: the same bots at the same rate against a server
 * that only acknowledges each order (bench/ack_floor.ts), in this process.
 * Its latency is what the sockets, the bots and the machine cost alone: no
 * server can answer these bots faster here.
 *
 * Profiling: LOAD_BENCH_DENO_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=prof")
 * and LOAD_BENCH_V8_FLAGS are passed to the server; LOAD_BENCH_SERVER_LOG=1
 * prints its output at the end.
 *
 * Prints a table, then as its last line:
 * {"subjects":N,"orders_per_s":N,"ack_p50_ms":N,"ack_p99_ms":N,"lost":N,"server_rss_mb":N}
 */

import { parseArgs } from "node:util";
import { LatencyHistogram, type LatencyHistogramJson, roundMs } from "../bots/latency.ts";
import { type BotsReport, mulberry32, runBots, socketUrl } from "../bots/main.ts";
import { openEventLog } from "../eventlog/open_event_log.ts";
import { EventAppender } from "../session/event_appender.ts";
import { SessionRegistry } from "../session/session_registry.ts";
import type { SubjectSocket } from "../session/subject_channel.ts";
import type { SubjectRequest } from "../protocol/subject_protocol.ts";
import { type ServerProcess, spawnServer } from "../tests/server_process.ts";
import { startAckFloor } from "./ack_floor.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PASSWORD = "load-bench";
const CLK_TCK = 100;
/**
 * Unanswered orders per bot past which it holds back (half a second of its
 * orders at 100/s): a server far behind is measured at what it sustains,
 * and the backlog it must still answer at the end stays bounded.
 */
const MAX_IN_FLIGHT = 50;

export interface Options {
  subjects: number;
  markets: number;
  rate: number;
  durationS: number;
  generators: number;
  baseline: boolean;
  /** Also run the same bots against the acknowledging floor server (bench/ack_floor.ts). */
  floor: boolean;
  /** Keep the event log in a private redis-server (the persister then runs in a Worker). */
  redis: boolean;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      subjects: { type: "string", default: "200" },
      markets: { type: "string", default: "20" },
      rate: { type: "string", default: "20000" },
      duration: { type: "string", default: "10" },
      generators: { type: "string", default: "2" },
      "no-baseline": { type: "boolean", default: false },
      "no-floor": { type: "boolean", default: false },
      redis: { type: "boolean", default: false },
    },
  });
  const int = (name: string, text: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer ${min}..${max}, got ${text}`);
    }
    return n;
  };
  const o: Options = {
    subjects: int("subjects", values.subjects, 1, 5000),
    markets: int("markets", values.markets, 1, 100),
    rate: int("rate", values.rate, 1, 1_000_000),
    durationS: int("duration", values.duration, 1, 600),
    generators: int("generators", values.generators, 1, 16),
    baseline: !values["no-baseline"],
    floor: !values["no-floor"],
    redis: values.redis,
  };
  if (o.subjects % o.markets !== 0 || o.subjects / o.markets > 26) {
    throw new Error(`--subjects must fill --markets evenly, at most 26 per market`);
  }
  return o;
}

/** The bench's session: every seat a person, nothing before the round, one long round. */
export function benchConfig(o: Options): string {
  return `# written by bench/load_bench.ts
session:
  session-name: load_bench
  display-name: Load bench (${o.markets} markets of ${o.subjects / o.markets})
  environment: elo
  num-rounds: 1
  trial-rounds: []
  seed: 424242
market:
  auction-format: CDA
  number-of-markets: ${o.markets}
  traders-per-market: ${o.subjects / o.markets}
flow:
  round-start: experimenter
parameters:
  session-duration: ${Math.max(60, o.durationS + 45)}
  default-role: out
  include-manual-role: true
exogenous-events:
  investor-arrivals:
    - data/investor_focal_T1_May2021.csv
  external-feed:
    - data/external_feed_T1_May2021.csv
`;
}

// ---- /proc ---------------------------------------------------------------------------

/** CPU seconds (user + system) a process (or with `tid`, one of its threads) has used. */
async function cpuSeconds(pid: number, tid?: number): Promise<number> {
  const stat = await Deno.readTextFile(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
  );
  // fields after the command name, which is in parentheses and may hold spaces
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

async function statusKb(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) : 0;
}

interface Sample {
  at: number;
  server: number;
  /** The server's main thread alone: the one that runs the markets and the sockets. */
  serverMain: number;
  redis: number;
  generators: number[];
  rssKb: number;
}

/**
 * Reads, every 200 ms until stopped, the CPU of a server (all its threads and
 * its main thread), of redis-server, and of the generators `generators()`
 * names at that moment, and with `rss` the server's resident memory.
 */
function startSampler(
  serverPid: number,
  redisPid: number | null,
  generators: () => number[],
  rss: boolean,
) {
  const samples: Sample[] = [];
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      try {
        samples.push({
          at: Date.now(),
          server: await cpuSeconds(serverPid),
          serverMain: await cpuSeconds(serverPid, serverPid),
          redis: redisPid === null ? 0 : await cpuSeconds(redisPid),
          generators: await Promise.all(generators().map((p) => cpuSeconds(p).catch(() => NaN))),
          rssKb: rss ? await statusKb(serverPid, "VmRSS") : 0,
        });
      } catch { /* the process is gone */ }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    samples,
    async stop() {
      sampling = false;
      await done;
    },
  };
}

/** CPU seconds used between two epoch times, from the samples nearest inside them. */
function cpuBetween(samples: Sample[], from: number, to: number, pick: (s: Sample) => number) {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  if (inside.length < 2) return { seconds: 0, wallS: 0 };
  const a = inside[0];
  const b = inside[inside.length - 1];
  return { seconds: pick(b) - pick(a), wallS: (b.at - a.at) / 1000 };
}

// ---- the server ------------------------------------------------------------------------

/** A redis-server of the bench's own on a spare port, nothing saved to disk. */
async function startRedis(): Promise<{ url: string; pid: number; kill(): Promise<void> }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command("redis-server", {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

function startServer(
  dataDir: string,
  ratePerSecond: number,
  redisUrl?: string,
  databaseUrl?: string,
): Promise<ServerProcess> {
  const v8 = Deno.env.get("LOAD_BENCH_V8_FLAGS");
  // e.g. "--cpu-prof --cpu-prof-dir=prof": a profile Chrome's DevTools open
  const deno = Deno.env.get("LOAD_BENCH_DENO_FLAGS")?.split(" ").filter((f) => f !== "") ?? [];
  return spawnServer({
    HOST: "127.0.0.1",
    HFT_DATA_DIR: dataDir,
    HFT_ADMIN_PASSWORD: PASSWORD,
    HFT_SUBJECT_RATE_PER_S: String(ratePerSecond),
    ...(redisUrl ? { REDIS_URL: redisUrl, EVENTLOG_PREFIX: `load-bench-${Deno.pid}:` } : {}),
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  }, { denoFlags: [...(v8 ? [`--v8-flags=${v8}`] : []), ...deno] });
}

async function api(origin: string, path: string, init: RequestInit = {}) {
  const r = await fetch(`${origin}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${PASSWORD}` },
  });
  const body = await r.json();
  if (!r.ok) {
    throw new Error(`${init.method ?? "GET"} ${path}: ${r.status} ${JSON.stringify(body)}`);
  }
  return body;
}

// ---- generators --------------------------------------------------------------------------

interface GeneratorSpec {
  sockets: { label: string; url: string }[];
  rate: number;
  durationS: number;
  seed: number;
  maxInFlight: number;
}

interface GeneratorResult {
  /** Orders the pacing owed but the bots held back: that many were unanswered, or no price free. */
  heldBack: number;
  report: BotsReport;
  histogram: LatencyHistogramJson;
  tradingFrom: number | null;
  tradingTo: number | null;
}

/** Child mode: runs its share of bots (spec on stdin), prints its result as one JSON line. */
async function generator(): Promise<void> {
  const spec: GeneratorSpec = JSON.parse(await new Response(Deno.stdin.readable).text());
  let logged = 0;
  const result = await runBots({
    sockets: spec.sockets,
    strategies: ["manual"],
    rate: spec.rate,
    durationS: spec.durationS,
    seed: spec.seed,
    waitForTradingS: 60,
    maxInFlight: spec.maxInFlight,
    drainMs: 30_000,
    log: (line) => {
      if (logged++ < 20) console.error(`generator: ${line}`);
    },
  });
  const out: GeneratorResult = {
    heldBack: result.bots.reduce((a, b) => a + b.heldBack + b.skipped, 0),
    report: result.report,
    histogram: result.histogram,
    tradingFrom: result.tradingFrom,
    tradingTo: result.tradingTo,
  };
  console.log(JSON.stringify(out));
}

export function startGenerator(spec: GeneratorSpec) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/load_bench.ts", "--generator"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const sent = writer.write(new TextEncoder().encode(JSON.stringify(spec)))
    .then(() => writer.close());
  const result = (async (): Promise<GeneratorResult> => {
    await sent;
    const out = await child.output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) throw new Error(`a generator failed (${out.code}): ${text}`);
    return JSON.parse(text.split("\n").at(-1)!);
  })();
  return { pid: child.pid, result };
}

/** The bots split over `--generators` processes, each at the bench's rate per bot. */
function startGenerators(o: Options, sockets: { label: string; url: string }[]) {
  const share = Math.ceil(sockets.length / o.generators);
  return Array.from({ length: o.generators }, (_, g) =>
    startGenerator({
      sockets: sockets.slice(g * share, (g + 1) * share),
      rate: o.rate / o.subjects,
      durationS: o.durationS,
      seed: 1000 + g,
      maxInFlight: MAX_IN_FLIGHT,
    }));
}

// ---- the baseline ------------------------------------------------------------------------

interface Baseline {
  orders: number;
  wallS: number;
  cpuS: number;
  ordersPerS: number;
  cpuUsPerOrder: number;
  bytesOut: number;
}

/** The same orders through LiveSession.handle in this process: no sockets, no persister. */
export async function baseline(o: Options, orders: number): Promise<Baseline> {
  const dir = await Deno.makeTempDir({ prefix: "hft-load-baseline-" });
  try {
    const log = await openEventLog({ dataDir: dir });
    const appender = new EventAppender(log);
    const registry = new SessionRegistry({ appender, configDir: `${ROOT}configs` });
    const session = await registry.create(benchConfig(o), "load-bench.yaml");
    let bytesOut = 0;
    const people = session.participants.map((p) => {
      const socket: SubjectSocket = { send: (text) => void (bytesOut += text.length) };
      session.connect(p, socket);
      return { p, socket, last: { B: 0, S: 0 } as Record<"B" | "S", number> };
    });
    await session.startRound();
    const act = (i: number, request: SubjectRequest) =>
      session.handle(people[i].p, people[i].socket, request);
    people.forEach((_, i) => act(i, { type: "role", role: "manual" }));
    const random = mulberry32(1);
    const cpu0 = await cpuSeconds(Deno.pid);
    const t0 = performance.now();
    for (let k = 0; k < orders; k++) {
      const i = k % people.length;
      const side = random() < 0.5 ? "B" : "S";
      const ticks = random() < 0.1 ? -1 : 1 + Math.floor(random() * 5);
      let price = side === "B" ? 1_000_000 - ticks * 10_000 : 1_000_000 + ticks * 10_000;
      // as the bots: never the price the side already has
      if (price === people[i].last[side]) price += side === "B" ? -10_000 : 10_000;
      people[i].last[side] = price;
      act(i, { type: "order", side, price });
      // the appends and the updates waiting on them run between batches, as on a server
      if (k % 200 === 199) await new Promise((r) => setTimeout(r, 0));
    }
    await appender.flush();
    await new Promise((r) => setTimeout(r, 0));
    const wallS = (performance.now() - t0) / 1000;
    const cpuS = (await cpuSeconds(Deno.pid)) - cpu0;
    session.close();
    registry.close();
    await appender.close();
    await log.close();
    return {
      orders,
      wallS,
      cpuS,
      ordersPerS: orders / wallS,
      cpuUsPerOrder: (cpuS / orders) * 1e6,
      bytesOut,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

// ---- the floor ---------------------------------------------------------------------------

interface Floor {
  ordersPerS: number;
  latency: LatencyHistogram;
  lost: number;
  /** This process's CPU (the floor server), and each generator's, over the trading window. */
  serverCpu: { seconds: number; wallS: number };
  generatorCpu: { seconds: number; wallS: number }[];
}

/** The same bots, rate and duration against a server that only acknowledges. */
async function floorRun(o: Options): Promise<Floor> {
  const floor = startAckFloor(o.subjects, o.durationS * 1000 + 60_000);
  let pids: number[] = [];
  const sampler = startSampler(Deno.pid, null, () => pids, false);
  try {
    const gens = startGenerators(o, floor.sockets);
    pids = gens.map((g) => g.pid);
    const results = await Promise.all(gens.map((g) => g.result));
    const latency = new LatencyHistogram();
    for (const r of results) latency.merge(r.histogram);
    const from = Math.max(...results.map((r) => r.tradingFrom ?? NaN));
    const to = Math.min(...results.map((r) => r.tradingTo ?? NaN));
    const orders = results.reduce((a, r) => a + r.report.orders, 0);
    return {
      ordersPerS: orders / ((to - from) / 1000),
      latency,
      lost: results.reduce((a, r) => a + r.report.lost, 0),
      serverCpu: cpuBetween(sampler.samples, from, to, (s) => s.server),
      generatorCpu: pids.map((_, g) =>
        cpuBetween(sampler.samples, from, to, (s) => s.generators[g])
      ),
    };
  } finally {
    await sampler.stop();
    await floor.close();
  }
}

// ---- the run -----------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(Deno.args);
  const perBot = o.rate / o.subjects;
  // the bots' pacing allows short catch-up bursts above their average rate
  const serverLimit = Math.max(50, Math.ceil(perBot * 2));
  const dataDir = await Deno.makeTempDir({ prefix: "hft-load-" });
  const redis = o.redis ? await startRedis() : null;
  const databaseUrl = Deno.env.get("DATABASE_URL") || undefined;
  const server = await startServer(dataDir, serverLimit, redis?.url, databaseUrl);
  let generatorPids: number[] = [];
  const sampler = startSampler(server.pid, redis?.pid ?? null, () => generatorPids, true);
  const samples = sampler.samples;
  let results: GeneratorResult[] = [];
  let hwmKb = 0;
  let idleRssKb = 0;
  try {
    const created = await api(server.origin, "/api/sessions?name=load-bench.yaml", {
      method: "POST",
      body: benchConfig(o),
    });
    const code = created.code as string;
    idleRssKb = await statusKb(server.pid, "VmRSS");
    const sockets = (created.participants as { label: string; url: string }[])
      .map((p) => ({ label: p.label, url: socketUrl(server.origin, p.url) }));
    const gens = startGenerators(o, sockets);
    generatorPids = gens.map((g) => g.pid);
    // everyone connected first, so the round starts for all at once
    const deadline = Date.now() + 60_000;
    for (;;) {
      const view = await api(server.origin, `/api/sessions/${code}`);
      const connected = view.participants.filter((p: { connected: boolean }) => p.connected)
        .length;
      if (connected === sockets.length) break;
      if (Date.now() > deadline) throw new Error(`only ${connected} bots connected`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await api(server.origin, `/api/sessions/${code}/start`, { method: "POST" });
    results = await Promise.all(gens.map((g) => g.result));
    hwmKb = await statusKb(server.pid, "VmHWM");
  } finally {
    await sampler.stop();
    // a profiled server writes its profile when it shuts down
    await (Deno.env.get("LOAD_BENCH_DENO_FLAGS") ? server.stop() : server.kill());
    if (Deno.env.get("LOAD_BENCH_SERVER_LOG")) console.error(server.output());
    await redis?.kill();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }

  // ---- figures ----
  const latency = new LatencyHistogram();
  for (const r of results) latency.merge(r.histogram);
  const sum = (f: (r: BotsReport) => number) => results.reduce((a, r) => a + f(r.report), 0);
  const from = Math.max(...results.map((r) => r.tradingFrom ?? NaN));
  const to = Math.min(...results.map((r) => r.tradingTo ?? NaN));
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new Error("the bots never traded: " + JSON.stringify(results.map((r) => r.report)));
  }
  const windowS = (to - from) / 1000;
  const orders = sum((r) => r.orders);
  const ordersPerS = orders / windowS;
  const serverCpu = cpuBetween(samples, from, to, (s) => s.server);
  const mainCpu = cpuBetween(samples, from, to, (s) => s.serverMain);
  const genCpu = generatorPids.map((_, g) =>
    cpuBetween(samples, from, to, (s) => s.generators[g] ?? NaN)
  );
  const peakRssKb = Math.max(hwmKb, ...samples.map((s) => s.rssKb));
  const serverUsPerOrder = (serverCpu.seconds / (ordersPerS * serverCpu.wallS)) * 1e6;
  const base = o.baseline ? await baseline(o, Math.min(100_000, Math.max(20_000, orders))) : null;
  const floor = o.floor ? await floorRun(o) : null;

  const pct = (c: { seconds: number; wallS: number }) =>
    c.wallS > 0 ? `${Math.round((c.seconds / c.wallS) * 100)} %` : "n/a";
  const rows: [string, string][] = [
    [
      "subjects (bots)",
      `${sum((r) => r.bots)} in ${o.markets} markets of ${o.subjects / o.markets}`,
    ],
    ["target", `${o.rate} orders/s (${perBot} per bot) for ${o.durationS} s`],
    ["trading window", `${windowS.toFixed(2)} s`],
    ["orders sent", String(orders)],
    [
      "held back (50 unanswered, or no free price)",
      String(results.reduce((a, r) => a + r.heldBack, 0)),
    ],
    ["orders/s achieved", ordersPerS.toFixed(0)],
    ["acknowledged / refused", `${sum((r) => r.acks)} / ${sum((r) => r.refused)}`],
    ["lost", String(sum((r) => r.lost))],
    [
      "order → ack p50 / p99 / p99.9",
      `${roundMs(latency.percentile(50))} / ${roundMs(latency.percentile(99))} / ${
        roundMs(latency.percentile(99.9))
      } ms (max ${latency.maxMs} ms)`,
    ],
    ["frames sent / received by bots", `${sum((r) => r.sent)} / ${sum((r) => r.received)}`],
    ["errors", String(sum((r) => r.errors))],
    [
      "server CPU (all its threads)",
      `${pct(serverCpu)} of one core, ${serverUsPerOrder.toFixed(0)} µs per order`,
    ],
    [
      "server main thread CPU",
      `${pct(mainCpu)} of one core, ${
        ((mainCpu.seconds / (ordersPerS * mainCpu.wallS)) * 1e6).toFixed(0)
      } µs per order`,
    ],
    ...genCpu.map((c, g): [string, string] => [`generator ${g + 1} CPU`, pct(c)]),
    ...(redis
      ? [["redis-server CPU", pct(cpuBetween(samples, from, to, (s) => s.redis))] as [
        string,
        string,
      ]]
      : []),
    [
      "server RSS",
      `${(peakRssKb / 1024).toFixed(1)} MB peak (${(idleRssKb / 1024).toFixed(1)} MB before)`,
    ],
    ["server rate limit", `${serverLimit} messages/s per connection`],
    [
      "storage",
      `${
        redis ? "event log in redis-server, persister in a Worker" : "journaled in-process log"
      }, ${
        databaseUrl
          ? "PostgreSQL (DATABASE_URL)"
          : redis
          ? "PGlite in that Worker"
          : "PGlite persister in a Worker"
      }`,
    ],
  ];
  if (base) {
    rows.push(
      [
        "baseline: LiveSession.handle",
        `${base.orders} orders in ${base.wallS.toFixed(2)} s: ${base.ordersPerS.toFixed(0)} ` +
        `orders/s, ${base.cpuUsPerOrder.toFixed(0)} µs CPU per order`,
      ],
      [
        "server / baseline",
        `${(serverUsPerOrder / base.cpuUsPerOrder).toFixed(1)}× the CPU per order; ` +
        `${(ordersPerS / base.ordersPerS * 100).toFixed(0)} % of its throughput`,
      ],
    );
  }
  if (floor) {
    rows.push(
      [
        "floor: bots against an ack-only server",
        `${floor.ordersPerS.toFixed(0)} orders/s, order → ack p50 / p99 / p99.9 ` +
        `${roundMs(floor.latency.percentile(50))} / ${roundMs(floor.latency.percentile(99))} / ` +
        `${roundMs(floor.latency.percentile(99.9))} ms, lost ${floor.lost}`,
      ],
      [
        "floor CPU",
        `server ${pct(floor.serverCpu)}, generators ${floor.generatorCpu.map(pct).join(" + ")}`,
      ],
      [
        "server / floor",
        `ack p99 ${
          (latency.percentile(99) / Math.max(floor.latency.percentile(99), 1e-3)).toFixed(1)
        }×`,
      ],
    );
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`load bench (${Deno.build.os}, ${navigator.hardwareConcurrency} cores)`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  console.log(JSON.stringify({
    subjects: sum((r) => r.bots),
    orders_per_s: Math.round(ordersPerS),
    ack_p50_ms: roundMs(latency.percentile(50)),
    ack_p99_ms: roundMs(latency.percentile(99)),
    lost: sum((r) => r.lost),
    server_rss_mb: Math.round(peakRssKb / 1024 * 10) / 10,
  }));
}

if (import.meta.main) {
  if (Deno.args[0] === "--generator") await generator();
  else await main();
}
