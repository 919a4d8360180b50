/**
 * The live ELO market is deterministic in its inputs and their times: a
 * market stepped at arbitrary moments (as a wall clock does) with subjects'
 * decisions arriving in between produces exactly the records and the state
 * that replaying the same decisions at the same times produces. Crash
 * recovery rests on this.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { eloRoundInput } from "./elo_fixtures.ts";
import { type EloRoundInput, openEloMarket } from "../market/elo_market.ts";
import type { SubjectAction } from "../eventlog/event_kinds.ts";

function input(format: "cda" | "fba" | "iex", seed: number): EloRoundInput {
  return eloRoundInput({
    format,
    durationMs: 20_000,
    seats: [
      { role: "out", speed: false, aX: 0, aY: 0.5, aZ: 0.5 },
      { role: "out", speed: false, aX: 0, aY: 0.5, aZ: 0.5 },
      { role: "automated", speed: true, aX: 0, aY: 0.5, aZ: 0.5 },
    ],
    pegProportion: 0.5,
    seed,
  });
}

const action: fc.Arbitrary<SubjectAction> = fc.oneof(
  fc.constantFrom<EloRole>("out", "manual", "automated").map((role) => ({
    type: "role" as const,
    role,
  })),
  fc.boolean().map((on) => ({ type: "speed" as const, on })),
  fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 })).map((
    [y, z],
  ) => ({ type: "sliders" as const, a_x: 0, a_y: y / 10, a_z: z / 10 })),
  fc.tuple(fc.constantFrom<"B" | "S">("B", "S"), fc.integer({ min: 950_000, max: 1_050_000 }))
    .map(([side, price]) => ({ type: "order" as const, side, price })),
);

type EloRole = "out" | "manual" | "automated";

interface Step {
  /** ms after the previous decision */
  gap: number;
  seat: number;
  action: SubjectAction;
  /** extra wall-clock steps the live market took before this decision */
  splits: number[];
}

const steps = fc.array(
  fc.record({
    gap: fc.integer({ min: 0, max: 1500 }),
    seat: fc.integer({ min: 0, max: 1 }),
    action,
    splits: fc.array(fc.integer({ min: 0, max: 1500 }), { maxLength: 3 }),
  }),
  { minLength: 1, maxLength: 25 },
);

async function live(format: "cda" | "fba" | "iex", seed: number, plan: Step[]) {
  const records: string[] = [];
  const log: { t: number; seat: number; action: SubjectAction }[] = [];
  const m = await openEloMarket(input(format, seed), {
    participants: [1, 2, null],
    record: (kind, data) => records.push(`${m.now} ${kind} ${JSON.stringify(data)}`),
  });
  let t = 0;
  for (const s of plan) {
    const target = Math.min(t + s.gap, 19_000);
    // the wall clock steps the market at moments of its own choosing
    for (const d of s.splits) {
      const u = Math.min(t + d, target);
      if (u > m.now) m.run(u);
    }
    t = Math.max(target, m.now);
    m.run(t);
    log.push({ t, seat: s.seat, action: s.action });
    m.act(s.seat, s.action);
  }
  m.run(20_000);
  m.finish(20_000);
  const views = [0, 1, 2].map((i) => m.seatView(i));
  m.close();
  return { records, log, views };
}

async function replay(
  format: "cda" | "fba" | "iex",
  seed: number,
  log: Awaited<ReturnType<typeof live>>["log"],
) {
  const records: string[] = [];
  const m = await openEloMarket(input(format, seed), {
    participants: [1, 2, null],
    record: (kind, data) => records.push(`${m.now} ${kind} ${JSON.stringify(data)}`),
  });
  for (const e of log) {
    m.run(e.t);
    m.act(e.seat, e.action);
  }
  m.finish(20_000);
  const views = [0, 1, 2].map((i) => m.seatView(i));
  m.close();
  return { records, views };
}

for (const format of ["cda", "fba", "iex"] as const) {
  Deno.test(`EloMarket ${format}: replaying the decisions at their times rebuilds the market exactly`, async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 1, max: 1000 }), async (plan, seed) => {
        const a = await live(format, seed, plan);
        const b = await replay(format, seed, a.log);
        assert.ok(a.records.length > 50, `only ${a.records.length} records`);
        assert.equal(b.records.length, a.records.length);
        assert.deepEqual(b.records, a.records);
        assert.deepEqual(b.views, a.views);
      }),
      { numRuns: 15 },
    );
  });
}

Deno.test("EloMarket: a person's manual order rests, fills against the other's, and both accounts move", async () => {
  const records: { kind: string; data: Record<string, unknown> }[] = [];
  const m = await openEloMarket(input("cda", 7), {
    participants: [1, 2, null],
    record: (kind, data) => records.push({ kind, data }),
  });
  m.run(10);
  assert.equal(m.act(0, { type: "role", role: "manual" }), null);
  assert.equal(m.act(1, { type: "role", role: "manual" }), null);
  // 0.5 below the external feed's first mid: nobody else trades there
  assert.equal(m.act(0, { type: "order", side: "B", price: 500_000 }), null);
  m.run(700);
  assert.deepEqual(m.seatView(0).orders.map((o) => [o.side, o.price, o.state]), [[
    "B",
    500_000,
    "live",
  ]]);
  assert.ok(m.book().bids.some((l) => l.price === 500_000));
  assert.equal(m.act(1, { type: "order", side: "S", price: 500_000 }), null);
  m.run(1400);
  assert.equal(m.seatView(0).inventory, 1);
  assert.equal(m.seatView(1).inventory, -1);
  const trade = records.find((r) => r.kind === "trade" && r.data.price === 500_000);
  assert.ok(trade, "a trade record at 50 ECU");
  assert.equal(trade.data.buyer_seat, 1);
  assert.equal(trade.data.seller_seat, 2);
  assert.equal(trade.data.aggressor, "S");
  // a manual order that would cross one's own quote is refused with the reason
  assert.equal(m.act(0, { type: "order", side: "B", price: 600_000 }), null);
  assert.match(m.act(0, { type: "order", side: "S", price: 590_000 }) ?? "", /cross your own bid/);
  assert.match(m.act(2, { type: "order", side: "S", price: 590_000 }) ?? "", /manual role/);
  m.finish(2000);
  const payoffs = records.filter((r) => r.kind === "payoff");
  assert.equal(payoffs.length, 3);
  m.close();
});
