/**
 * `deno task bots --url URL --session CODE [--n N] [--duration S]
 *  [--strategy manual|automated|random|name:share,...] [--rate R]
 *  [--password PW] [--seed S]`
 *
 * Bot subjects for rehearsals, dropout cover and load: each takes the link
 * of a participant who is not connected (read from `GET /api/sessions/CODE`
 * with the admin password, `--password` or HFT_ADMIN_PASSWORD) and plays
 * it over the subjects' WebSocket, the same code path as a person's
 * browser. They answer the pages (consent, instructions, quiz, survey,
 * results), trade while rounds run, and after `--duration` seconds stop,
 * wait for the answers to their last orders, and print a summary whose
 * last line is JSON:
 *
 * {"bots","orders","acks","refused","lost","ack_p50_ms","ack_p99_ms",
 *  "ack_p999_ms","sent","received","errors"}
 *
 * Exit status: 0; 1 when orders were lost or the session cannot be read;
 * 2 for a bad command line. See bots/bot_subject.ts for what counts as an
 * acknowledgement.
 */

import { parseArgs } from "node:util";
import { BotSubject } from "./bot_subject.ts";
import { LatencyHistogram, type LatencyHistogramJson, roundMs } from "./latency.ts";
import {
  assignStrategies,
  makeStrategy,
  parseStrategyMix,
  type StrategyMix,
  type StrategyName,
} from "./strategies.ts";

export const USAGE = "usage: deno task bots --url URL --session CODE [--n N] [--duration S] " +
  "[--strategy manual|automated|random|name:share,...] [--rate R] [--password PW] [--seed S]";

export interface BotsCommand {
  /** The server's origin, e.g. http://localhost:8000. */
  origin: string;
  session: string;
  /** At most this many bots (null: every participant not connected). */
  n: number | null;
  durationS: number;
  mix: StrategyMix[];
  /** Paced actions per second per bot (orders for `manual`). */
  rate: number;
  password: string;
  seed: number;
}

/** A bad command line: the message says what to fix. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses and validates the command line; throws a {@link UsageError} naming the bad flag. */
export function parseBotArgs(args: string[], env: (name: string) => string | undefined) {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        session: { type: "string" },
        n: { type: "string" },
        duration: { type: "string", default: "60" },
        strategy: { type: "string", default: "manual" },
        rate: { type: "string", default: "2" },
        password: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError(`${e instanceof Error ? e.message : e}\n${USAGE}`);
  }
  if (values.help) throw new UsageError(USAGE);
  if (values.url === undefined) throw new UsageError(`--url is required\n${USAGE}`);
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(
      `--url must be the server's address, like http://localhost:8000, got ${
        JSON.stringify(values.url)
      }`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url must start with http:// or https://, got ${values.url}`);
  }
  if (values.session === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(values.session)) {
    throw new UsageError(
      `--session must be a session code (letters and digits), got ${
        JSON.stringify(values.session ?? null)
      }\n${USAGE}`,
    );
  }
  const number = (name: string, text: string, min: number, max: number, integer: boolean) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"}, got ${text}`);
    }
    if (n < min || n > max) throw new UsageError(`--${name} must be ${min}..${max}, got ${text}`);
    return n;
  };
  const n = values.n === undefined ? null : number("n", values.n, 1, 10_000, true);
  const durationS = number("duration", values.duration, 0.1, 86_400, false);
  const rate = number("rate", values.rate, 0, 10_000, false);
  const seed = values.seed === undefined
    ? crypto.getRandomValues(new Uint32Array(1))[0]
    : number("seed", values.seed, 0, 0xffffffff, true);
  let mix: StrategyMix[];
  try {
    mix = parseStrategyMix(values.strategy);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const password = values.password ?? env("HFT_ADMIN_PASSWORD") ?? "";
  if (password === "") {
    throw new UsageError(
      "the admin password is needed to read the session's links: --password or HFT_ADMIN_PASSWORD",
    );
  }
  const command: BotsCommand = {
    origin: url.origin,
    session: values.session,
    n,
    durationS,
    mix,
    rate,
    password,
    seed,
  };
  return command;
}

/** A participant's link as the session API lists it. */
export interface ParticipantLink {
  label: string;
  url: string;
  connected: boolean;
  /** The server's own bot plays the seat (the experimenter dropped the participant). */
  dropped?: boolean;
}

/** The participants of a session; throws an Error that says why they cannot be read. */
export async function fetchParticipants(
  origin: string,
  session: string,
  password: string,
): Promise<ParticipantLink[]> {
  let response: Response;
  try {
    response = await fetch(`${origin}/api/sessions/${encodeURIComponent(session)}`, {
      headers: { authorization: `Bearer ${password}` },
    });
  } catch (e) {
    throw new Error(`cannot reach ${origin}: ${e instanceof Error ? e.message : e}`);
  }
  const body = await response.json().catch(() => null) as
    | { error?: string; participants?: ParticipantLink[] }
    | null;
  if (response.status === 401) throw new Error(`the admin password was refused by ${origin}`);
  if (response.status === 404) throw new Error(`${origin} has no session ${session}`);
  if (!response.ok || !body || !Array.isArray(body.participants)) {
    throw new Error(
      `GET /api/sessions/${session} answered ${response.status}: ${
        body?.error ?? "no session view"
      }`,
    );
  }
  return body.participants;
}

/** The socket of a participant link (`…/s/<token>`) on `origin`. */
export function socketUrl(origin: string, link: string): string {
  const token = link.split("/s/").at(-1) ?? "";
  return `${origin.replace(/^http/, "ws")}/ws/subject/${token}`;
}

/** Small, fast, seedable: each bot draws its own numbers. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BotsReport {
  bots: number;
  orders: number;
  acks: number;
  refused: number;
  lost: number;
  ack_p50_ms: number;
  ack_p99_ms: number;
  ack_p999_ms: number;
  sent: number;
  received: number;
  errors: number;
}

export interface RunBotsOptions {
  /** Socket URLs (`ws://…/ws/subject/<token>`), one bot each. */
  sockets: { label: string; url: string }[];
  strategies: StrategyName[];
  rate: number;
  durationS: number;
  seed: number;
  /** Unanswered orders per bot past which it holds back (see BotSubject). */
  maxInFlight?: number;
  /** How long to wait for answers to the last orders (default 5 s). */
  drainMs?: number;
  /** Pacing period; each tick sends what the rate owes since the last. */
  tickMs?: number;
  log?: (line: string) => void;
  /** Ends the run early (e.g. on SIGINT). */
  signal?: AbortSignal;
  /**
   * Count the duration from the moment the first bot trades, waiting at most
   * this many seconds for it (a load run connects first, then the round starts).
   */
  waitForTradingS?: number;
}

export interface RunBotsResult {
  report: BotsReport;
  histogram: LatencyHistogramJson;
  /** Seconds during which bots were on a running round's trading page. */
  tradingS: number;
  /** Epoch ms of the first tick with a bot trading, and of the end of trading (null: none). */
  tradingFrom: number | null;
  tradingTo: number | null;
  bots: BotSubject[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the bots for the duration, drains, closes; returns the figures. */
export async function runBots(options: RunBotsOptions): Promise<RunBotsResult> {
  const latency = new LatencyHistogram();
  const bots = options.sockets.map((s, i) =>
    new BotSubject({
      socketUrl: s.url,
      label: s.label,
      strategy: makeStrategy(options.strategies[i % options.strategies.length]),
      rate: options.rate,
      random: mulberry32((options.seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0),
      latency,
      log: options.log,
      maxInFlight: options.maxInFlight,
    })
  );
  for (const b of bots) b.start();
  const tickMs = options.tickMs ?? 5;
  let tradingMs = 0;
  let tradingFrom: number | null = null;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (bots.some((b) => b.trading)) {
      tradingMs += now - last;
      tradingFrom ??= Date.now();
    }
    last = now;
    for (const b of bots) b.tick();
  }, tickMs);
  if (options.waitForTradingS !== undefined) {
    const give = performance.now() + options.waitForTradingS * 1000;
    while (tradingFrom === null && performance.now() < give && !options.signal?.aborted) {
      await sleep(5);
    }
  }
  const end = performance.now() + options.durationS * 1000;
  while (performance.now() < end && !options.signal?.aborted) {
    await sleep(Math.min(100, Math.max(1, end - performance.now())));
  }
  for (const b of bots) b.stopTrading();
  const tradingTo = tradingFrom === null ? null : Date.now();
  const drainEnd = performance.now() + (options.drainMs ?? 5000);
  while (bots.some((b) => b.unanswered > 0) && performance.now() < drainEnd) await sleep(20);
  clearInterval(timer);
  await Promise.all(bots.map((b) => b.close()));
  const sum = (f: (b: BotSubject) => number) => bots.reduce((a, b) => a + f(b), 0);
  const report: BotsReport = {
    bots: bots.length,
    orders: sum((b) => b.counters.orders),
    acks: sum((b) => b.counters.acks),
    refused: sum((b) => b.counters.refused),
    lost: sum((b) => b.unanswered),
    ack_p50_ms: roundMs(latency.percentile(50)),
    ack_p99_ms: roundMs(latency.percentile(99)),
    ack_p999_ms: roundMs(latency.percentile(99.9)),
    sent: sum((b) => b.counters.sent),
    received: sum((b) => b.counters.received),
    errors: sum((b) => b.counters.errors),
  };
  return {
    report,
    histogram: latency.toJSON(),
    tradingS: tradingMs / 1000,
    tradingFrom,
    tradingTo,
    bots,
  };
}

async function main(args: string[]): Promise<number> {
  let command: BotsCommand;
  try {
    command = parseBotArgs(args, (name) => Deno.env.get(name));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bots: ${e.message}`);
    return 2;
  }
  let participants: ParticipantLink[];
  try {
    participants = await fetchParticipants(command.origin, command.session, command.password);
  } catch (e) {
    console.error(`bots: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  // a dropped seat is played by the server's bot already, which refuses any other's orders
  const free = participants.filter((p) => !p.connected && !p.dropped);
  const chosen = free.slice(0, command.n ?? free.length);
  if (chosen.length === 0) {
    console.error(
      `bots: every one of the ${participants.length} participants of ${command.session} ` +
        "is connected (or played by the server's bot); there is no seat for a bot",
    );
    return 1;
  }
  const strategies = assignStrategies(command.mix, chosen.length);
  console.log(
    `bots: ${chosen.length} bot(s) on ${command.origin} session ${command.session} ` +
      `(${command.mix.map((m) => `${m.name} ${Math.round(m.share * 100)}%`).join(", ")}, ` +
      `${command.rate}/s each, ${command.durationS} s, seed ${command.seed})`,
  );
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const { report, tradingS } = await runBots({
      sockets: chosen.map((p) => ({ label: p.label, url: socketUrl(command.origin, p.url) })),
      strategies,
      rate: command.rate,
      durationS: command.durationS,
      seed: command.seed,
      log: (line) => console.error(`bots: ${line}`),
      signal: stop.signal,
    });
    console.log(
      `bots: traded for ${tradingS.toFixed(1)} s: ${report.orders} orders, ${report.acks} ` +
        `acknowledged, ${report.refused} refused, ${report.lost} lost; order → ack p50 ` +
        `${report.ack_p50_ms} ms, p99 ${report.ack_p99_ms} ms, p99.9 ${report.ack_p999_ms} ms`,
    );
    console.log(JSON.stringify(report));
    return report.lost === 0 ? 0 : 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
