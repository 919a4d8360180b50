/**
 * `deno task simulate`: a BCS config runs end to end in virtual time, the
 * same seed writes byte-identical files, the summary is the last line, and
 * configs it cannot simulate are refused with a message naming the key.
 */

import assert from "node:assert/strict";
import { bcsSpec, eloSpec, parseSimulateArgs, simulateSession } from "../simulation/main.ts";
import { parseSessionConfig } from "../market/session_config.ts";
import { simulateBcs } from "../market/simulation/bcs_simulation.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const BCS = `
session: { environment: bcs, num-rounds: 2, trial-rounds: [], seed: 5 }
market: { auction-format: FBA }
traders:
  number-of-traders: 4
  seats:
    - { role: maker, speed: false, bot: true }
    - { role: sniper, speed: true, bot: true }
    - { role: sniper, speed: true, bot: true }
    - { role: out, speed: false, bot: true }
parameters: { session-duration: 60, batch-length: 3, jump-rate: 1, jump-sigma: 0.5, investor-rate: 0.5 }
`;

Deno.test("simulate: same seed, byte-identical event log and results; another seed differs", async () => {
  const config = parseSessionConfig(BCS, "bcs-test.yaml");
  const spec = await bcsSpec(config, 2);
  const a = await simulateBcs(spec, { seed: 11, rounds: 2 });
  const b = await simulateBcs(spec, { seed: 11, rounds: 2 });
  const c = await simulateBcs(spec, { seed: 12, rounds: 2 });
  assert.equal(b.eventsCsv, a.eventsCsv);
  assert.equal(b.tradersCsv, a.tradersCsv);
  assert.notEqual(c.eventsCsv, a.eventsCsv);
  assert.equal(a.summary.rounds, 2);
  assert.ok(a.summary.jumps > 60 && a.summary.trades > 10, JSON.stringify(a.summary));
  assert.equal(a.tradersCsv.trim().split("\n").length, 1 + 2 * 4);
  assert.deepEqual(a.summary.traders.map((t) => t.role), ["maker", "sniper", "sniper", "out"]);
  assert.deepEqual(a.summary.traders.map((t) => t.speed_seconds), [0, 120, 120, 0]);
});

Deno.test("simulate: the command writes both CSVs and prints the JSON summary last", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bcs.yaml`, BCS);
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "simulate", `${dir}/bcs.yaml`, "--seed", "3", "--out", `${dir}/out`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(run.stdout).trim().split("\n");
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  const summary = JSON.parse(stdout.at(-1)!);
  assert.deepEqual(Object.keys(summary), [
    "rounds",
    "jumps",
    "snipes",
    "snipes_per_jump",
    "trades",
    "mean_spread",
    "volume",
    "traders",
  ]);
  assert.deepEqual(Object.keys(summary.traders[0]), ["id", "role", "speed_seconds", "payoff"]);
  const events = await Deno.readTextFile(`${dir}/out/events.csv`);
  assert.ok(events.startsWith("round,market,time_ms,event,trader,token,side,price,shares,value\n"));
  assert.ok(
    (await Deno.readTextFile(`${dir}/out/traders.csv`)).startsWith("round,market,trader,role,"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("simulate: bad arguments are refused clearly", () => {
  assert.throws(() => parseSimulateArgs([]), /expected one config file/);
  assert.throws(
    () => parseSimulateArgs(["a.yaml", "--rounds", "0"]),
    /--rounds must be an integer/,
  );
  assert.throws(() => parseSimulateArgs(["a.yaml", "--bogus"]), /bogus/);
});

Deno.test("simulate: the ELO examples run on every format with the shipped schedules", async () => {
  for (const format of ["cda", "fba", "iex"]) {
    const path = `${ROOT}configs/elo-${format}.yaml`;
    const config = parseSessionConfig(await Deno.readTextFile(path), path);
    const a = await simulateSession(config, { seed: 4, rounds: 1 });
    const b = await simulateSession(config, { seed: 4, rounds: 1 });
    assert.equal(b.eventsCsv, a.eventsCsv, `${format}: same seed, same log`);
    assert.ok(a.summary.trades > 50, `${format}: ${JSON.stringify(a.summary)}`);
    assert.ok(a.summary.jumps > 100, "external-feed changes are ELO's jumps");
    assert.equal(a.summary.traders.length, config.seats.length);
    const header = a.tradersCsv.split("\n")[0];
    assert.ok(header.includes("reference_price,inventory_value,deduction"), header);
  }
});

Deno.test("simulate: a config without seats gets bots that trade", async () => {
  const bcs = parseSessionConfig(
    "session: { environment: bcs, num-rounds: 1, trial-rounds: [] }\nparameters: { session-duration: 60 }\n",
    "bcs-no-seats.yaml",
  );
  assert.equal(bcs.seatsListed, 0);
  const spec = await bcsSpec(bcs, 1);
  assert.deepEqual(spec.seats.map((s) => s.role), ["maker", ...Array(5).fill("sniper")]);
  assert.ok(spec.seats.every((s) => s.speed));
  const r = await simulateSession(bcs, { seed: 1, rounds: 1 });
  assert.ok(r.summary.snipes > 0 && r.summary.trades > 0, JSON.stringify(r.summary));
  const path = `${ROOT}configs/elo-cda.yaml`;
  const text = (await Deno.readTextFile(path)).replace(/\n {2}seats:\n( {4}- .*\n)+/, "\n");
  const elo = parseSessionConfig(text, path);
  assert.equal(elo.seatsListed, 0);
  assert.ok((await eloSpec(elo, 1)).seats.every((s) => s.role === "automated"));
});

Deno.test("simulate: trial rounds last session.trial-length", async () => {
  const config = parseSessionConfig(
    "session: { environment: bcs, num-rounds: 2, trial-rounds: [1], trial-length: 30 }\n" +
      "parameters: { session-duration: 60 }\n",
    "bcs-trial.yaml",
  );
  const r = await simulateSession(config, { seed: 2, rounds: 2 });
  assert.deepEqual(r.outcomes.map((o) => o.log.at(-1)!.timeMs), [30_000, 60_000]);
});

Deno.test("simulate: every market of a multi-market config trades, on shared BCS draws", async () => {
  const config = parseSessionConfig(
    "session: { environment: bcs, num-rounds: 1, trial-rounds: [] }\n" +
      "market: { number-of-markets: 2 }\ntraders: { number-of-traders: 8 }\n" +
      "parameters: { session-duration: 60 }\n",
    "bcs-two-markets.yaml",
  );
  const r = await simulateSession(config, { seed: 6, rounds: 1 });
  assert.deepEqual(r.outcomes.map((o) => [o.round, o.market]), [[1, 1], [1, 2]]);
  assert.equal(r.outcomes[0].jumps, r.outcomes[1].jumps, "one jump path for the whole session");
  assert.deepEqual(r.summary.traders.map((t) => t.id), [
    "M1.T1",
    "M1.T2",
    "M1.T3",
    "M1.T4",
    "M2.T1",
    "M2.T2",
    "M2.T3",
    "M2.T4",
  ]);
  assert.equal(r.summary.rounds, 1);
  assert.ok(r.outcomes.every((o) => o.trades > 0));
});
