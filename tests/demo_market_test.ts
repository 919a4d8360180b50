import assert from "node:assert/strict";
import { DEMO_LEVELS, DEMO_TRADES, DemoFeed } from "../market/demo_feed.ts";
import {
  DemoMarket,
  type DemoMarketOptions,
  type DemoStepResult,
  type Depth,
} from "../market/demo_market.ts";
import { mulberry32 } from "../market/seeded_rng.ts";

async function run(
  seed: number,
  steps: number,
  options: DemoMarketOptions = {},
): Promise<{ step: DemoStepResult; depth: Depth }[]> {
  const market = await DemoMarket.create(mulberry32(seed), options);
  const out = [];
  for (let i = 0; i < steps; i++) {
    out.push({ step: market.step(), depth: market.depth(DEMO_LEVELS) });
  }
  return out;
}

function assertUncrossed(depth: Depth, where: string): void {
  const { bids, asks } = depth;
  for (let i = 1; i < bids.length; i++) {
    assert.ok(bids[i].price < bids[i - 1].price, `${where}: bids out of order`);
  }
  for (let i = 1; i < asks.length; i++) {
    assert.ok(asks[i].price > asks[i - 1].price, `${where}: asks out of order`);
  }
  if (bids.length > 0 && asks.length > 0) {
    assert.ok(bids[0].price < asks[0].price, `${where}: crossed book`);
  }
}

Deno.test("the same seed replays the same market", async () => {
  const a = await run(7, 600);
  const b = await run(7, 600);
  assert.deepEqual(a, b);
  assert.ok(
    a.some((s) => s.step.trades.length > 0),
    "the demo should trade",
  );
  assert.ok(a.some((s) => s.step.jump !== 0), "the value should move");
});

Deno.test("different seeds give different markets", async () => {
  const a = await run(1, 200);
  const b = await run(2, 200);
  assert.notDeepEqual(a, b);
});

Deno.test("the book is never left crossed", async () => {
  for (const seed of [1, 2, 3, 42, 20250101]) {
    for (const { step, depth } of await run(seed, 1500)) {
      const where = `seed ${seed} step ${step.step}`;
      assertUncrossed(depth, where);
      const { bestBid, bestAsk } = step.bbo;
      if (bestBid > 0 && bestAsk < 2147483647) {
        assert.ok(bestBid < bestAsk, `${where}: crossed BBO`);
      }
    }
  }
});

Deno.test("prices stay on the tick grid and quotes surround the value", async () => {
  const tick = 10_000;
  for (const { step, depth } of await run(11, 800)) {
    assert.equal(step.value % tick, 0);
    for (const t of step.trades) {
      assert.equal(t.price % tick, 0);
      assert.ok(Number.isInteger(t.shares) && t.shares > 0);
      assert.equal(t.t, step.step);
    }
    for (const l of [...depth.bids, ...depth.asks]) {
      assert.equal(l.price % tick, 0);
      assert.ok(l.volume > 0);
    }
    // The makers re-quote before investors arrive, so they can take at
    // most the best levels, never push quotes through the value.
    assert.ok(depth.bids[0].price < step.value);
    assert.ok(depth.asks[0].price > step.value);
    // Only the innermost level is a single thin quote that takers can empty.
    assert.ok(depth.bids.length >= DEMO_LEVELS - 1);
    assert.ok(depth.asks.length >= DEMO_LEVELS - 1);
  }
});

Deno.test("a new trading day resets the book and quoting resumes", async () => {
  const steps = await run(5, 400, { tokensPerSession: 300 });
  const resets = steps.filter((s) => s.step.newSession);
  assert.ok(resets.length >= 2, "expected several sessions");
  for (const { step, depth } of resets) {
    assertUncrossed(depth, `step ${step.step}`);
    assert.ok(depth.bids.length > 0 && depth.asks.length > 0);
  }
});

Deno.test("the feed keeps recent trades newest first and counts steps", async () => {
  const feed = new DemoFeed(await DemoMarket.create(mulberry32(3)));
  assert.equal(feed.current.seq, 0);
  for (let i = 1; i <= 300; i++) {
    const msg = feed.advance();
    assert.equal(msg.seq, i);
    assert.ok(msg.trades.length <= DEMO_TRADES);
    for (let j = 1; j < msg.trades.length; j++) {
      assert.ok(msg.trades[j].t <= msg.trades[j - 1].t);
    }
  }
  assert.equal(feed.current.trades.length, DEMO_TRADES);
});

Deno.test("invalid market options are refused", async () => {
  await assert.rejects(
    DemoMarket.create(mulberry32(1), { center: 50_000 }),
    RangeError,
  );
  await assert.rejects(
    DemoMarket.create(mulberry32(1), { tick: 0.5 }),
    RangeError,
  );
});
