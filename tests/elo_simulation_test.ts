/**
 * The ELO market in virtual time: money and shares are conserved over all
 * accounts (investor included), speed is billed for the time it was on,
 * each trader's payoff is the reference's end-of-round formula, the
 * reference price is the weighted average of the fills, a failing trader
 * cannot stop the market, and a round replays identically.
 */

import assert from "node:assert/strict";
import { eloRoundInput, investors } from "./elo_fixtures.ts";
import { type EloRoundInput, type EloSeat, runEloRound } from "../market/simulation/elo_market.ts";
import { priceGrid, roundHalfEven } from "../market/price_grid.ts";
import { resultsPage } from "../market/trader_account.ts";

const seats: EloSeat[] = [
  { role: "automated", speed: true, aX: 0, aY: 0.5, aZ: 0.5 },
  { role: "automated", speed: false, aX: 0, aY: 0.2, aZ: 1 },
  { role: "automated", speed: true, aX: 0, aY: 1, aZ: 0.8 },
  { role: "automated", speed: false, aX: 0, aY: 0, aZ: 0.2 },
  { role: "manual", speed: false, aX: 0, aY: 0, aZ: 0 },
  { role: "out", speed: true, aX: 0, aY: 0, aZ: 0 },
];

function input(over: Partial<EloRoundInput> = {}): EloRoundInput {
  return eloRoundInput({ seats, ...over });
}

for (const format of ["cda", "fba", "iex"] as const) {
  Deno.test(`ELO ${format}: shares and cash are conserved; payoffs follow the round-end formula`, async () => {
    const r = await runEloRound(input({ format, pegProportion: format === "iex" ? 0.5 : 0 }));
    assert.equal(r.errors, 0);
    assert.ok(r.trades > 50, `${r.trades} trades`);
    const inventory = r.traders.reduce((s, t) => s + t.result.inventory, 0) + r.investor.inventory;
    const cash = r.traders.reduce((s, t) => s + t.result.cash - 1_000_000, 0) +
      r.investor.cashChange;
    assert.equal(inventory, 0);
    assert.equal(cash, 0);
    for (const t of r.traders) {
      const x = t.result;
      assert.equal(x.referencePrice, r.referencePrice);
      assert.equal(x.inventoryValue, x.inventory * r.referencePrice);
      assert.equal(x.deduction, roundHalfEven(Math.abs(0.1 * r.referencePrice * x.inventory)));
      assert.equal(
        x.payoff,
        1_000_000 + x.sumAskPrice - x.sumBidPrice + x.inventoryValue - x.deduction - x.speedCost,
      );
      assert.deepEqual(resultsPage(x).payoff, x.payoff, "the results page shows the paid payoff");
      assert.equal(t.speedSeconds, t.speed ? 180 : 0);
      assert.equal(x.speedCost, t.speed ? 18_000 : 0, "180 s × 0.01 ECU/s");
    }
    const manual = r.traders[4].result;
    const out = r.traders[5].result;
    assert.equal(
      manual.bought + manual.sold + out.bought + out.sold,
      0,
      "nobody clicks in a simulation",
    );
  });
}

Deno.test("ELO: the reference price is the decayed average of the fill prices, gridded", async () => {
  const r = await runEloRound(input({ kReferencePrice: 0.001 }));
  // Each fill is logged twice (once per side), the second row after the
  // first with the same time and price; keep the first of each pair.
  const fills: { t: number; p: number }[] = [];
  const open = new Set<string>();
  for (const e of r.log) {
    if (e.event !== "E") continue;
    const key = `${e.timeMs}:${e.price}`;
    if (open.delete(key)) continue;
    open.add(key);
    fills.push({ t: e.timeMs / 1000, p: Number(e.price) });
  }
  assert.equal(open.size, 0, "every fill has two sides");
  const D = Math.round(0.001 * 180 * 100) / 100;
  const end = fills.at(-1)!.t;
  let num = 0;
  let den = 0;
  for (const f of fills) {
    const w = Math.exp(-D * (end - f.t));
    num += f.p * w;
    den += w;
  }
  assert.equal(r.referencePrice, priceGrid(num / den));
});

Deno.test("ELO: the same seed replays byte for byte; the log records every request", async () => {
  const a = await runEloRound(input({ format: "iex", pegProportion: 0.5 }));
  const b = await runEloRound(input({ format: "iex", pegProportion: 0.5 }));
  assert.deepEqual(b.log, a.log);
  const sends = a.log.filter((e) => e.event.startsWith("send")).length;
  assert.ok(sends > investors.length, `${sends} requests`);
});
