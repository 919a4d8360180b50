/**
 * Bot subjects against a real server process: `deno task bots` takes the
 * free seats of a session, trades once the experimenter starts the round
 * and prints its figures as JSON; bots walk a whole experiment (consent,
 * instructions, quiz, two rounds, results, survey) to the payment page; a
 * bad command line is refused with a clear message and a failing exit code.
 */

import assert from "node:assert/strict";
import { adminFetch, spawnServer } from "./server_process.ts";
import { delay, waitFor } from "./storage_helpers.ts";
import { parseBotArgs, runBots, socketUrl, UsageError } from "../bots/main.ts";
import { assignStrategies, parseStrategyMix } from "../bots/strategies.ts";
import { LatencyHistogram } from "../bots/latency.ts";
import { BotSubject } from "../bots/bot_subject.ts";
import { ManualStrategy } from "../bots/strategies.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PASSWORD = "bots-test";
const DEMO = (await Deno.readTextFile(`${ROOT}configs/elo-cda-demo.yaml`))
  .replace("session-duration: 120", "session-duration: 30");

/** The whole P4 flow, small: 2 people, 2 short paid rounds that start by themselves. */
const FLOW = `
session:
  session-name: bots_flow
  environment: elo
  num-rounds: 2
  trial-rounds: []
  seed: 5
  post-session-delay: 0
  auto-advance: 0
  next-button-timeout: 1
  instructions-next-button-timeout: 1
market:
  auction-format: CDA
  number-of-markets: 1
traders:
  number-of-traders: 2
parameters:
  session-duration: 3
  default-role: out
flow:
  consent: "# Consent\\n\\nAgree?"
  instructions: "# Instructions\\n\\nTrade."
  quiz: data/q_and_a.json
  quiz-sections: [inventory, speed]
  survey-sections: [general]
  quiz-attempts: 2
  round-start: auto
exogenous-events:
  investor-arrivals:
    - data/investor_focal_T1_May2021.csv
    - data/investor_focal_T1_May2021.csv
  external-feed:
    - data/external_feed_T1_May2021.csv
    - data/external_feed_T1_May2021.csv
`;

const REPORT_KEYS = [
  "bots",
  "orders",
  "acks",
  "refused",
  "lost",
  "ack_p50_ms",
  "ack_p99_ms",
  "ack_p999_ms",
  "sent",
  "received",
  "errors",
];

/** `deno task bots …`, or the same command line while deno.json has no such task yet. */
async function botsCommand(): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks ?? {};
  return "bots" in tasks
    ? ["task", "--quiet", "bots"]
    : ["run", "--allow-net", "--allow-env", "bots/main.ts"];
}

async function runCli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await botsCommand(), ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test({
  name: "bots: take the free seats, trade once the round starts, report JSON; walk the whole flow",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dataDir = await Deno.makeTempDir({ prefix: "hft-bots-" });
    const server = await spawnServer({
      HFT_DATA_DIR: dataDir,
      HFT_ADMIN_PASSWORD: PASSWORD,
      HOST: "127.0.0.1",
    });
    try {
      const api = adminFetch(server.origin, PASSWORD);

      await t.step("deno task bots on a session the experimenter starts", async () => {
        const created = await api("/api/sessions?name=elo-cda-demo.yaml", {
          method: "POST",
          body: DEMO,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const code = created.body.code as string;
        const child = runCli([
          "--url",
          server.origin,
          "--session",
          code,
          "--duration",
          "5",
          "--rate",
          "8",
          "--strategy",
          "manual",
          "--seed",
          "7",
        ], { HFT_ADMIN_PASSWORD: PASSWORD });
        await waitFor("both bots connected", async () => {
          const view = (await api(`/api/sessions/${code}`)).body;
          return view.participants.every((p: { connected: boolean }) => p.connected);
        }, 15_000);
        // nothing trades before the experimenter starts the round
        await delay(500);
        const before = (await api(`/api/sessions/${code}`)).body;
        assert.equal(before.phase, "waiting");
        assert.ok(before.participants.every((p: { role: string }) => p.role === "out"));
        assert.equal((await api(`/api/sessions/${code}/start`, { method: "POST" })).status, 200);
        const { code: exit, stdout, stderr } = await child;
        assert.equal(exit, 0, `${stdout}\n${stderr}`);
        const lines = stdout.trim().split("\n");
        const report = JSON.parse(lines.at(-1)!);
        assert.deepEqual(Object.keys(report), REPORT_KEYS);
        assert.equal(report.bots, 2);
        assert.equal(report.lost, 0);
        assert.ok(report.acks > 0, lines.at(-1));
        assert.equal(report.orders, report.acks + report.refused);
        assert.equal(report.errors, 0, stderr);
        assert.ok(report.ack_p50_ms > 0 && report.ack_p50_ms <= report.ack_p99_ms);
        assert.ok(report.ack_p99_ms <= report.ack_p999_ms);
        assert.ok(report.sent >= report.orders && report.received > report.acks);
        const after = (await api(`/api/sessions/${code}`)).body;
        assert.ok(after.participants.every((p: { role: string }) => p.role === "manual"));
        assert.ok(after.participants.every((p: { connected: boolean }) => !p.connected));
      });

      await t.step("bots walk consent, instructions, quiz, rounds and survey", async () => {
        const created = await api("/api/sessions?name=bots-flow.yaml", {
          method: "POST",
          body: FLOW,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const { code, participants } = created.body as {
          code: string;
          participants: { label: string; url: string }[];
        };
        const logs: string[] = [];
        const stop = new AbortController();
        const run = runBots({
          sockets: participants.map((p) => ({
            label: p.label,
            url: socketUrl(server.origin, p.url),
          })),
          strategies: assignStrategies(parseStrategyMix("manual:1,random:1"), participants.length),
          rate: 5,
          durationS: 60,
          seed: 11,
          log: (line) => logs.push(line),
          signal: stop.signal,
        });
        try {
          await waitFor("everyone on the payment page", async () => {
            const view = (await api(`/api/sessions/${code}`)).body;
            return view.participants.every((p: { page: string }) => p.page === "payment");
          }, 40_000);
        } finally {
          stop.abort();
        }
        const { report, bots } = await run;
        const view = (await api(`/api/sessions/${code}`)).body;
        assert.equal(view.phase, "finished");
        assert.equal(view.round, 2);
        for (const p of view.participants) {
          assert.equal(p.consent, true);
          assert.ok(p.quiz_asked > 0, "the quiz was answered");
          assert.notEqual(p.payment, null);
        }
        assert.ok(bots.every((b) => b.page?.name === "payment"));
        assert.ok(report.orders > 0, JSON.stringify(report));
        assert.equal(report.lost, 0, JSON.stringify(report));
        // page requests sent too early (their timers) are refused and retried; nothing else failed
        assert.ok(!logs.some((l) => /error from the server|closed/.test(l)), logs.join("\n"));
      });
      await t.step("a bot on a link of no session stops with the server's reason", async () => {
        const bot = new BotSubject({
          socketUrl: `${server.origin.replace(/^http/, "ws")}/ws/subject/no-such-token`,
          label: "X",
          strategy: new ManualStrategy(),
          rate: 1,
          random: Math.random,
          latency: new LatencyHistogram(),
        });
        bot.start();
        await waitFor("the refusal", () => bot.fatal !== null, 5000);
        assert.match(bot.fatal!, /does not belong to any session/);
        await bot.close();
      });
    } finally {
      await server.kill();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("bots: a bad command line is refused with a clear message", async () => {
  const env = (name: string) => (name === "HFT_ADMIN_PASSWORD" ? "pw" : undefined);
  const ok = parseBotArgs(
    ["--url", "http://localhost:8000/admin", "--session", "k3xq7h", "--n", "3"],
    env,
  );
  assert.equal(ok.origin, "http://localhost:8000");
  assert.equal(ok.n, 3);
  assert.equal(ok.password, "pw");
  assert.deepEqual(ok.mix, [{ name: "manual", share: 1 }]);
  const cases: [string[], RegExp][] = [
    [["--session", "abc"], /--url is required/],
    [["--url", "localhost:8000", "--session", "abc"], /--url must start with http/],
    [["--url", "nope", "--session", "abc"], /--url must be the server's address/],
    [["--url", "http://h"], /--session must be a session code/],
    [["--url", "http://h", "--session", "a b"], /--session must be a session code/],
    [["--url", "http://h", "--session", "abc", "--n", "0"], /--n must be 1\.\.10000/],
    [["--url", "http://h", "--session", "abc", "--n", "2.5"], /--n must be an integer/],
    [["--url", "http://h", "--session", "abc", "--duration", "soon"], /--duration must be/],
    [["--url", "http://h", "--session", "abc", "--rate=-1"], /--rate must be 0\.\.10000/],
    [
      ["--url", "http://h", "--session", "abc", "--strategy", "greedy"],
      /unknown strategy "greedy"/,
    ],
    [["--url", "http://h", "--session", "abc", "--strategy", "manual:x"], /must be a number/],
    [["--url", "http://h", "--session", "abc", "--strategy", "manual:0"], /add up to 0/],
    [["--url", "http://h", "--session", "abc", "--bogus"], /bogus/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseBotArgs(args, env), (e: Error) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(
    () => parseBotArgs(["--url", "http://h", "--session", "abc"], () => undefined),
    /--password or HFT_ADMIN_PASSWORD/,
  );

  // the command itself: the message on stderr, a failing exit code, nothing on stdout
  const bad = await runCli(["--session", "abc", "--n", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bots: --url is required/);
  assert.equal(bad.stdout, "");
  const noServer = await runCli(
    ["--url", "http://127.0.0.1:9", "--session", "abc", "--password", "x"],
  );
  assert.equal(noServer.code, 1);
  assert.match(noServer.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
});

Deno.test("bots: strategy mixes split the bots by share", () => {
  assert.deepEqual(assignStrategies(parseStrategyMix("manual:0.5,automated:0.5"), 5), [
    "manual",
    "manual",
    "manual",
    "automated",
    "automated",
  ]);
  assert.deepEqual(assignStrategies(parseStrategyMix("random"), 2), ["random", "random"]);
  assert.deepEqual(
    assignStrategies(parseStrategyMix("manual:1,automated:1,random:2"), 4),
    ["manual", "automated", "random", "random"],
  );
});

Deno.test("bots: latency percentiles are nearest-rank, within the histogram's precision", () => {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 1000; i++) h.record(i / 10); // 0.1 … 100 ms
  const near = (got: number, want: number) =>
    assert.ok(Math.abs(got - want) <= want * 0.005 + 0.001, `${got} vs ${want}`);
  near(h.percentile(50), 50);
  near(h.percentile(99), 99);
  near(h.percentile(99.9), 99.9);
  near(h.percentile(100), 100);
  assert.equal(h.count, 1000);
  const merged = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(h.toJSON())));
  merged.merge(h);
  assert.equal(merged.count, 2000);
  near(merged.percentile(50), 50);
  assert.equal(new LatencyHistogram().percentile(99), 0);
  const small = new LatencyHistogram();
  for (const ms of [0.05, 0.2, 0.255]) small.record(ms);
  assert.equal(small.percentile(50), 0.2, "exact below 256 µs");
});
