/**
 * `deno task exchange --format cda|fba|iex --port P [--host H] [--batch-ms N]
 *  [--delay-ms N] [--seed S] [--tz ZONE] [--rejects] [--max-queue-bytes N]`
 *
 * A standalone OUCH exchange, a drop-in replacement for
 * Leeps-Lab/exchange_server. Upstream's `--mechanism`, `--interval` (seconds)
 * and `--delay` (seconds) are accepted too, so existing launch scripts work.
 */

import { parseArgs } from "node:util";
import { DEFAULT_TIME_ZONE } from "./clock.ts";
import { DEFAULT_MAX_QUEUED_BYTES, ExchangeServer } from "./tcp_server.ts";
import type { MarketFormat } from "../engine-wasm/events.ts";

export interface ExchangeCommand {
  format: MarketFormat;
  host: string;
  port: number;
  batchMs: number;
  delayMs: number;
  seed: number;
  timeZone: string;
  rejects: boolean;
  maxQueuedBytes: number;
}

export const USAGE = "usage: deno task exchange --format cda|fba|iex --port P [--host H] " +
  "[--batch-ms N] [--delay-ms N] [--seed S] [--tz ZONE] [--rejects] [--max-queue-bytes N]";

/** Parses and validates the command line; throws an Error naming the bad option. */
export function parseExchangeArgs(args: string[]): ExchangeCommand {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      format: { type: "string" },
      mechanism: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "9001" },
      "batch-ms": { type: "string" },
      interval: { type: "string" },
      "delay-ms": { type: "string" },
      delay: { type: "string" },
      seed: { type: "string" },
      tz: { type: "string", default: DEFAULT_TIME_ZONE },
      rejects: { type: "boolean", default: false },
      "max-queue-bytes": { type: "string", default: String(DEFAULT_MAX_QUEUED_BYTES) },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const format = values.format ?? values.mechanism;
  if (format !== "cda" && format !== "fba" && format !== "iex") {
    throw new Error(`--format must be cda, fba or iex, got ${JSON.stringify(format)}\n${USAGE}`);
  }
  const number = (name: string, text: string, min: number, max: number, integer = true) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name} must be ${integer ? "an integer" : "a number"}, got ${text}`);
    }
    if (n < min || n > max) throw new Error(`--${name} must be in ${min}..${max}, got ${text}`);
    return n;
  };
  const ms = (name: string, msText?: string, secondsName?: string, seconds?: string) =>
    msText !== undefined
      ? number(name, msText, 0, 86_400_000, false)
      : seconds !== undefined
      ? number(secondsName!, seconds, 0, 86_400, false) * 1000
      : undefined;
  const batchMs = ms("batch-ms", values["batch-ms"], "interval", values.interval) ?? 3000;
  if (batchMs <= 0) throw new Error(`--batch-ms must be > 0, got ${batchMs}`);
  const delayMs = ms("delay-ms", values["delay-ms"], "delay", values.delay) ?? 1000;
  const seed = values.seed !== undefined
    ? number("seed", values.seed, 0, 0xffffffff)
    : crypto.getRandomValues(new Uint32Array(1))[0];
  try {
    new Intl.DateTimeFormat("en", { timeZone: values.tz });
  } catch {
    throw new Error(`--tz: unknown time zone ${JSON.stringify(values.tz)}`);
  }
  return {
    format,
    host: values.host!,
    port: number("port", values.port!, 0, 65535),
    batchMs,
    delayMs,
    seed,
    timeZone: values.tz!,
    rejects: values.rejects!,
    maxQueuedBytes: number("max-queue-bytes", values["max-queue-bytes"]!, 1024, 2 ** 31),
  };
}

if (import.meta.main) {
  let command: ExchangeCommand;
  try {
    command = parseExchangeArgs(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  const server = await ExchangeServer.start(command);
  const detail = command.format === "fba"
    ? ` batch every ${command.batchMs} ms`
    : command.format === "iex"
    ? ` speed bump ${command.delayMs} ms`
    : "";
  console.error(
    `exchange: ${command.format}${detail}, seed ${command.seed}, ` +
      `listening on ${server.addr.hostname}:${server.addr.port}`,
  );
  const stop = () => {
    server.close().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
