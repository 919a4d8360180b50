/**
 * Random request streams from several connections through the exchange, on
 * every format: replies go only to the owner of the token they name, every
 * execution comes as a consistent pair, every BBO broadcast agrees with the
 * book, and the whole day replays identically for the same seed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { MarketFormat } from "../engine-wasm/events.ts";
import type { ClientMessage } from "../ouch/messages.ts";
import { cancelOrder, enterOrder, externalFeed, replaceOrder } from "../exchange/order_messages.ts";
import { type Delivered, render, ScriptedExchange } from "./exchange_script.ts";

const TOKENS = Array.from({ length: 40 }, (_, i) => `T${i}`);

type Step =
  | { kind: "request"; conn: number; message: ClientMessage }
  | { kind: "wait"; ms: number }
  | { kind: "batch" };

const arbToken = fc.constantFrom(...TOKENS);
const arbPrice = fc.oneof(fc.integer({ min: 95, max: 105 }), fc.constant(0));
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      conn: fc.integer({ min: 1, max: 3 }),
      token: arbToken,
      side: fc.constantFrom("B" as const, "S" as const),
      shares: fc.integer({ min: 0, max: 5 }),
      price: arbPrice,
      tif: fc.constantFrom(0, 1, 2, 99999),
      peg: fc.boolean(),
    }).map(({ conn, token, side, shares, price, tif, peg }) => ({
      kind: "request" as const,
      conn,
      message: enterOrder({
        token,
        side,
        shares,
        price: side === "B" && price === 0 ? 2147483647 : price,
        timeInForce: tif,
        midpointPeg: peg,
      }),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      conn: fc.integer({ min: 1, max: 3 }),
      token: arbToken,
      remaining: fc.integer({ min: 0, max: 3 }),
    }).map(({ conn, token, remaining }) => ({
      kind: "request" as const,
      conn,
      message: cancelOrder(token, remaining),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      conn: fc.integer({ min: 1, max: 3 }),
      existing: arbToken,
      replacement: arbToken,
      shares: fc.integer({ min: 0, max: 6 }),
      price: fc.integer({ min: 95, max: 105 }),
    }).map(({ conn, existing, replacement, shares, price }) => ({
      kind: "request" as const,
      conn,
      message: replaceOrder({ existing, replacement, shares, price }),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 104 }), fc.integer({ min: 96, max: 110 }))
      .map(([bid, offer]) => ({
        kind: "request" as const,
        conn: 1,
        message: externalFeed(bid, offer),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 1500 }).map((ms) => ({ kind: "wait" as const, ms })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "batch" as const }) },
);

/** Runs the steps; returns every delivery, checking the invariants as it goes. */
async function runDay(format: MarketFormat, steps: Step[], seed: number): Promise<string[]> {
  const x = await ScriptedExchange.create({ format, seed, delayMs: format === "iex" ? 300 : 0 });
  const owners = new Map<string, number>();
  const log: string[] = [];
  const check = (out: Delivered[], conn: number) => {
    // a new token belongs to whoever sent the request that created it
    for (const d of out) {
      const m = d.message;
      if (m.type === "A") owners.set(m.orderToken, d.to as number);
      if (m.type === "U") owners.set(m.replacementOrderToken, d.to as number);
    }
    let open: Extract<ClientMessage | Delivered["message"], { type: "E" }> | null = null;
    for (let i = 0; i < out.length; i++) {
      const { to, message: m } = out[i];
      log.push(`${to} ${render(m)}`);
      if (m.type === "Q" || m.type === "Z" || m.type === "L") {
        assert.equal(to, "*", `${m.type} is a broadcast`);
        continue;
      }
      if (m.type === "S") {
        assert.equal(to, conn);
        continue;
      }
      const token = m.type === "U"
        ? m.replacementOrderToken
        : (m as { orderToken: string }).orderToken;
      assert.equal(to, owners.get(token), `${render(m)} goes to the owner of ${token.trim()}`);
      if (m.type === "E") {
        assert.ok(m.executedShares > 0);
        if (open === null) {
          open = m;
        } else {
          assert.equal(
            open.matchNumber,
            m.matchNumber,
            "an execution pair shares its match number",
          );
          assert.equal(open.executedShares, m.executedShares);
          assert.equal(open.executionPrice, m.executionPrice);
          open = null;
        }
      } else {
        assert.equal(open, null, "executions come in adjacent pairs");
      }
    }
    assert.equal(open, null, "executions come in pairs");
    if (format !== "fba") {
      const last = out.findLast((d) => d.message.type === "Q");
      if (last?.message.type === "Q") {
        const b = x.exchange.book.bbo();
        assert.deepEqual(
          [last.message.bestBid, last.message.volumeAtBestBid, last.message.bestAsk],
          [b.bestBid, b.bestBidVolume, b.bestAsk],
          "the last Q is the book's BBO",
        );
      }
      const b = x.exchange.book.bbo();
      assert.ok(
        b.bestBid < b.bestAsk || b.bestBid === 0 || b.bestAsk === 2147483647,
        "not crossed",
      );
    }
  };
  for (const s of steps) {
    if (s.kind === "request") check(x.request(s.message, s.conn), s.conn);
    else if (s.kind === "wait") check(x.advanceTo(x.now + s.ms), 0);
    else if (format === "fba") check(x.batch(), 0);
  }
  return log;
}

for (const format of ["cda", "fba", "iex"] as const) {
  Deno.test(`exchange ${format}: routing, execution pairs and BBO hold for random traffic`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbStep, { minLength: 20, maxLength: 150 }),
        fc.integer({ min: 1, max: 1000 }),
        async (steps, seed) => {
          const first = await runDay(format, steps, seed);
          const again = await runDay(format, steps, seed);
          assert.deepEqual(again, first, "same seed, same replies");
        },
      ),
      { numRuns: 120 },
    );
  });
}
