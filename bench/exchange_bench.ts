/**
 * `deno task bench:exchange`: OUCH enter-to-accepted round trip over loopback
 * TCP against `deno task exchange` running in its own process, with 1 and
 * with 16 concurrent clients, each a closed loop (send an Enter, wait for
 * its Accepted, repeat). Orders alternate buy and sell at one price, so
 * half of them trade and the book stays small, as in a lab market.
 *
 * Baseline, run in the same process: a bare TCP echo server (also its own
 * process) answering each 50-byte Enter with 67 bytes. Its round trip is
 * the floor the loopback network and the runtime set; the ratio is the
 * exchange's round trip over that floor.
 *
 * Last line: JSON with p50/p99 in microseconds per case and the ratios.
 */

import { enterOrder } from "../exchange/order_messages.ts";
import { encodeClientMessage } from "../ouch/codec.ts";
import { OuchFramer } from "../ouch/framer.ts";
import type { ServerMessage } from "../ouch/messages.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const ORDERS_1 = Number(Deno.env.get("BENCH_ORDERS") ?? 20_000);
const ORDERS_16 = Math.ceil(ORDERS_1 / 4);
const WARMUP = 2_000;

interface Child {
  port: number;
  stop(): Promise<void>;
}

/** Starts a script in its own process and reads its port from its first log lines. */
async function spawn(args: string[]): Promise<Child> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on .*:(\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args.join(" ")} exited: ${text}`);
    text += value;
  }
  // keep draining the log so the child never blocks on a full pipe
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  return {
    port: Number(/listening on .*:(\d+)/.exec(text)![1]),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** One closed-loop client; returns per-order round trips in microseconds. */
async function client(
  port: number,
  id: number,
  orders: number,
  echo: boolean,
): Promise<Float64Array> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const firm = String.fromCharCode(65 + (id % 26)).repeat(4);
  const requests = Array.from({ length: orders }, (_, i) =>
    encodeClientMessage(enterOrder({
      token: `${firm}${i % 2 ? "S" : "B"}${String(id).padStart(4, "0")}${
        String(i).padStart(5, "0")
      }`
        .slice(0, 14),
      side: i % 2 ? "S" : "B",
      shares: 1,
      price: 1_000_000,
      firm,
    })));
  const framer = new OuchFramer("server");
  const buf = new Uint8Array(65536);
  const times = new Float64Array(orders);
  let pendingEcho = 0;
  for (let i = 0; i < orders; i++) {
    const t0 = performance.now();
    await conn.write(requests[i]);
    // wait for this order's Accepted (or the echo's 67 bytes)
    for (let got = false; !got;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("connection closed");
      if (echo) {
        pendingEcho += n;
        if (pendingEcho >= 67) {
          pendingEcho -= 67;
          got = true;
        }
      } else {
        for (const m of framer.push(buf.subarray(0, n)) as ServerMessage[]) {
          if (m.type === "A") got = true;
        }
      }
    }
    times[i] = (performance.now() - t0) * 1000;
  }
  conn.close();
  return times;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// Every client gets its own id, so no two ever send the same order token
// (the exchange ignores a duplicate token, and its client would wait forever).
let nextClient = 0;

async function measure(port: number, clients: number, orders: number, echo: boolean) {
  const ids = (n: number) => Array.from({ length: n }, () => nextClient++);
  await Promise.all(ids(clients).map((id) => client(port, id, WARMUP, echo)));
  const runs = await Promise.all(ids(clients).map((id) => client(port, id, orders, echo)));
  const all = new Float64Array(runs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of runs) all.set(r, (at += r.length) - r.length);
  all.sort();
  return { p50: percentile(all, 0.5), p99: percentile(all, 0.99), n: all.length };
}

const echoServer = await spawn(["run", "--allow-net", "bench/tcp_echo.ts"]);
const exchange = await spawn([
  "run",
  "--allow-net",
  "--allow-read",
  "--allow-env",
  "exchange/main.ts",
  "--format",
  "cda",
  "--port",
  "0",
  "--seed",
  "1",
]);
const results: Record<string, { p50: number; p99: number; n: number }> = {};
try {
  for (const clients of [1, 16]) {
    const orders = clients === 1 ? ORDERS_1 : ORDERS_16;
    results[`echo_${clients}`] = await measure(echoServer.port, clients, orders, true);
    results[`ouch_${clients}`] = await measure(exchange.port, clients, orders, false);
  }
} finally {
  await exchange.stop();
  await echoServer.stop();
}

const r = (x: number) => Math.round(x * 10) / 10;
console.log("OUCH enter -> accepted round trip, loopback TCP, exchange in its own process");
console.log("case            orders   p50 µs   p99 µs   (TCP echo p50 / p99)   ratio p50");
for (const c of [1, 16]) {
  const o = results[`ouch_${c}`];
  const e = results[`echo_${c}`];
  console.log(
    `${String(c).padStart(2)} client${c > 1 ? "s" : " "}      ${String(o.n).padStart(7)}  ${
      r(o.p50).toFixed(1).padStart(7)
    }  ${r(o.p99).toFixed(1).padStart(7)}   (${r(e.p50)} / ${r(e.p99)})${" ".repeat(12)}${
      (o.p50 / e.p50).toFixed(2)
    }`,
  );
}
console.log(JSON.stringify({
  ouch_rtt_us: {
    clients_1: { p50: r(results.ouch_1.p50), p99: r(results.ouch_1.p99) },
    clients_16: { p50: r(results.ouch_16.p50), p99: r(results.ouch_16.p99) },
  },
  echo_rtt_us: {
    clients_1: { p50: r(results.echo_1.p50), p99: r(results.echo_1.p99) },
    clients_16: { p50: r(results.echo_16.p50), p99: r(results.echo_16.p99) },
  },
  ratio_p50: {
    clients_1: r(results.ouch_1.p50 / results.echo_1.p50),
    clients_16: r(results.ouch_16.p50 / results.echo_16.p50),
  },
}));
