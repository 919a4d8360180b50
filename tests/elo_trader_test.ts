/**
 * The ELO trader roles of `market/elo/` against shared reference
 * `leeps-hft-app.md` §3 (role change, speed, out, manual, automated), §4
 * (quote equation, worked example, gridding) and §14 item 14 (order states),
 * ending with a property run against a tiny fake exchange that answers the
 * trader's requests in FIFO order while fills by others race them.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import { MAX_ASK, priceGrid } from "../market/price_grid.ts";
import {
  type FocalBbo,
  focalBestBidExceptMe,
  focalBestOfferExceptMe,
  impliedQuotes,
  type QuoteFacts,
} from "../market/elo/quote_equation.ts";
import { EloTrader, firmOfSeat } from "../market/elo/elo_trader.ts";
import { OrderManager, traderToken } from "../market/elo/order_manager.ts";
import { type SpeedChange, SpeedSwitch } from "../market/elo/trader_role.ts";

const ECU = 10_000;
const NO_SLIDERS = { aX: 0, aY: 0, aZ: 0 };

// ------------------------------------------------------------ helpers

function quoteFacts(p: Partial<QuoteFacts> = {}): QuoteFacts {
  return {
    focalBestBid: 1_000_000,
    focalBestOffer: 1_020_000,
    focalSignedVolume: 0,
    externalBestBid: 1_010_000,
    externalBestOffer: 1_030_000,
    externalSignedVolume: 0,
    ...p,
  };
}

/** A book with two orders at each best, so "except me" never applies unless asked. */
function bbo(bid: number, offer: number, p: Partial<FocalBbo> = {}): FocalBbo {
  return {
    bestBid: bid,
    volumeAtBestBid: 2,
    nextBid: bid - ECU,
    bestOffer: offer,
    volumeAtBestOffer: 2,
    nextOffer: offer + ECU,
    ...p,
  };
}

const ts = 0n;

function accepted(token: string, side: string, price: number): ServerMessage {
  return {
    type: "A",
    timestamp: ts,
    orderToken: token,
    buySellIndicator: side,
    shares: 1,
    stock: "AMAZGOOG",
    price,
    timeInForce: 99999,
    firm: token.slice(0, 4),
    display: "Y",
    orderReferenceNumber: 1n,
    capacity: "P",
    intermarketSweepEligibility: "N",
    minimumQuantity: 1,
    crossType: "N",
    orderState: "L",
    bboWeightIndicator: " ",
    midpointPeg: false,
  };
}

function replaced(
  previous: string,
  replacement: string,
  side: string,
  price: number,
  state: "L" | "D" = "L",
): ServerMessage {
  return {
    type: "U",
    timestamp: ts,
    replacementOrderToken: replacement,
    buySellIndicator: side,
    shares: 1,
    stock: "AMAZGOOG",
    price,
    timeInForce: 99999,
    firm: replacement.slice(0, 4),
    display: "Y",
    orderReferenceNumber: 3n,
    capacity: "*",
    intermarketSweepEligibility: "N",
    minimumQuantity: 1,
    crossType: "*",
    orderState: state,
    previousOrderToken: previous,
    bboWeightIndicator: "*",
    midpointPeg: false,
  };
}

function canceled(token: string, decrement = 1): ServerMessage {
  return {
    type: "C",
    timestamp: ts,
    orderToken: token,
    decrementShares: decrement,
    reason: "U",
    midpointPeg: false,
  };
}

function executed(token: string, price: number, shares = 1): ServerMessage {
  return {
    type: "E",
    timestamp: ts,
    orderToken: token,
    executedShares: shares,
    executionPrice: price,
    liquidityFlag: "?",
    matchNumber: 0n,
    midpointPeg: false,
  };
}

/** Messages as short strings: `O B 1000000 tok`, `U old>new 1000000`, `X tok`. */
function brief(ms: ClientMessage[]): string[] {
  return ms.map((m) => {
    switch (m.type) {
      case "O":
        return `O ${m.buySellIndicator} ${m.price} ${m.orderToken}`;
      case "U":
        return `U ${m.existingOrderToken}>${m.replacementOrderToken} ${m.price}`;
      case "X":
        return `X ${m.orderToken}`;
      default:
        return m.type;
    }
  });
}

/** Seat 1, player 7, tokens AAAA?0007nnnnn. */
function tok(side: "B" | "S", n: number): string {
  return traderToken("AAAA", side, 7, n);
}

function trader(
  role: "out" | "manual" | "automated" = "out",
  sliders = NO_SLIDERS,
  extra: { repriceOnPostBatch?: boolean } = {},
): EloTrader {
  return new EloTrader({ seat: 1, playerId: 7, role, sliders, ...extra });
}

/** An automated trader on a valid market (focal 100/102, external 101/103), both quotes confirmed. */
function quotingBot(sliders = NO_SLIDERS): EloTrader {
  const t = trader("out", sliders);
  t.onExternalFeed({ bestBid: 1_010_000, bestOffer: 1_030_000, signedVolume: 0 });
  t.onBbo(bbo(1_000_000, 1_020_000), "Q");
  const entry = t.setRole("automated", 0);
  assert.deepEqual(brief(entry), [
    `O B 1000000 ${tok("B", 1)}`,
    `O S 1020000 ${tok("S", 2)}`,
  ]);
  t.onReply(accepted(tok("B", 1), "B", 1_000_000));
  t.onReply(accepted(tok("S", 2), "S", 1_020_000));
  return t;
}

// ------------------------------------------------------------ §4 quote equation

Deno.test("§4 worked example: 100.5 and 102.5 ECU round half to even", () => {
  const q = impliedQuotes({
    facts: quoteFacts(),
    sliders: { aX: 0, aY: 0, aZ: 0.5 },
    inventory: 0,
  });
  assert.deepEqual(q, { bid: 1_000_000, offer: 1_020_000 });
  // half-up would have given 101 ECU for the bid
  assert.equal(ECU * Math.round(1_005_000 / ECU), 1_010_000);
});

Deno.test("§4 worked example: inv +2 with a_y 0.5 lowers both raw values by 5,000", () => {
  const q = impliedQuotes({
    facts: quoteFacts(),
    sliders: { aX: 0, aY: 0.5, aZ: 0.5 },
    inventory: 2,
  });
  assert.deepEqual(q, { bid: 1_000_000, offer: 1_020_000 });
  const short = impliedQuotes({
    facts: quoteFacts(),
    sliders: { aX: 0, aY: 0.5, aZ: 0.5 },
    inventory: -2,
  });
  // raw 1,010,000 and 1,030,000: on the grid already
  assert.deepEqual(short, { bid: 1_010_000, offer: 1_030_000 });
});

Deno.test("§4 gridding truncates before rounding: raw 1,005,000.9 grids to 1,000,000", () => {
  assert.equal(priceGrid(1_005_000.9), 1_000_000);
  // F_bb 1,005,000 plus h·a_x·F_sv = 5,000 × 0.1 × 0.0018 = 0.9
  const q = impliedQuotes({
    facts: quoteFacts({
      focalBestBid: 1_005_000,
      focalBestOffer: 1_025_000,
      focalSignedVolume: 0.0018,
    }),
    sliders: { aX: 0.1, aY: 0, aZ: 0 },
    inventory: 0,
  });
  assert.deepEqual(q, { bid: 1_000_000, offer: 1_020_000 });
  assert.equal(priceGrid(1_015_000), 1_020_000);
  assert.equal(priceGrid(985_000), 980_000);
  assert.equal(priceGrid(995_000), 1_000_000);
});

Deno.test("sentinels are never gridded: the grid would move MAX_ASK, so the trader never quotes one", () => {
  assert.equal(priceGrid(MAX_ASK), 2_147_480_000);
  const t = trader("automated");
  // external feed missing: invalid market, nothing is priced
  assert.deepEqual(t.onBbo(bbo(1_000_000, 1_020_000), "Q"), []);
  const m = trader("manual");
  assert.deepEqual(m.click("S", MAX_ASK), []);
  assert.deepEqual(m.click("B", 0), []);
  // 0.4999 ECU grids to 0, the "no bid" sentinel
  assert.deepEqual(m.click("B", 4_999), []);
  assert.deepEqual(m.staged, { bid: null, offer: null });
});

Deno.test("a_x shifts both quotes by 0.5 ECU × a_x × signed volume, with the multiplier", () => {
  const facts = quoteFacts({ focalSignedVolume: 4 });
  const w0 = { aX: 0.5, aY: 0, aZ: 0 };
  assert.deepEqual(impliedQuotes({ facts, sliders: w0, inventory: 0 }), {
    bid: 1_010_000,
    offer: 1_030_000,
  });
  assert.deepEqual(
    impliedQuotes({ facts, sliders: w0, inventory: 0, multipliers: { aX: 4, aY: 1 } }),
    { bid: 1_040_000, offer: 1_060_000 },
  );
  // selling flow pushes quotes down
  assert.deepEqual(
    impliedQuotes({ facts: quoteFacts({ focalSignedVolume: -4 }), sliders: w0, inventory: 0 }),
    { bid: 990_000, offer: 1_010_000 },
  );
  // E_sv enters with weight w
  assert.deepEqual(
    impliedQuotes({
      facts: quoteFacts({ externalSignedVolume: 4 }),
      sliders: { aX: 0.5, aY: 0, aZ: 1 },
      inventory: 0,
    }),
    { bid: 1_020_000, offer: 1_040_000 },
  );
});

Deno.test("a_y: a long bot lowers both quotes, a short bot raises them; a_y multiplier", () => {
  const s = { aX: 0, aY: 0.5, aZ: 0 };
  assert.deepEqual(impliedQuotes({ facts: quoteFacts(), sliders: s, inventory: 4 }), {
    bid: 990_000,
    offer: 1_010_000,
  });
  assert.deepEqual(impliedQuotes({ facts: quoteFacts(), sliders: s, inventory: -4 }), {
    bid: 1_010_000,
    offer: 1_030_000,
  });
  assert.deepEqual(
    impliedQuotes({
      facts: quoteFacts(),
      sliders: s,
      inventory: 4,
      multipliers: { aX: 1, aY: 2 },
    }),
    { bid: 980_000, offer: 1_000_000 },
  );
});

Deno.test("a_z blends own market (0) and external market (1)", () => {
  const own = impliedQuotes({ facts: quoteFacts(), sliders: NO_SLIDERS, inventory: 0 });
  assert.deepEqual(own, { bid: 1_000_000, offer: 1_020_000 });
  const ext = impliedQuotes({
    facts: quoteFacts(),
    sliders: { aX: 0, aY: 0, aZ: 1 },
    inventory: 0,
  });
  assert.deepEqual(ext, { bid: 1_010_000, offer: 1_030_000 });
});

Deno.test("except me: my 1-share level is skipped for the next level; shared levels are not", () => {
  const book = bbo(1_000_000, 1_020_000, { volumeAtBestBid: 1, volumeAtBestOffer: 1 });
  assert.equal(focalBestBidExceptMe(book, 1_000_000), 990_000);
  assert.equal(focalBestOfferExceptMe(book, 1_020_000), 1_030_000);
  assert.equal(focalBestBidExceptMe(book, 990_000), 1_000_000);
  assert.equal(focalBestBidExceptMe(book, null), 1_000_000);
  assert.equal(focalBestOfferExceptMe(book, null), 1_020_000);
  const shared = bbo(1_000_000, 1_020_000);
  assert.equal(focalBestBidExceptMe(shared, 1_000_000), 1_000_000);
  assert.equal(focalBestOfferExceptMe(shared, 1_020_000), 1_020_000);
});

Deno.test("except me in the bot: alone at the best bid, it quotes off the next bid", () => {
  const t = quotingBot();
  // I am alone at both bests: the market without me is 99 / 103
  const msgs = t.onBbo(
    bbo(1_000_000, 1_020_000, {
      volumeAtBestBid: 1,
      nextBid: 990_000,
      volumeAtBestOffer: 1,
      nextOffer: 1_030_000,
    }),
    "Q",
  );
  assert.deepEqual(brief(msgs), [
    `U ${tok("B", 1)}>${tok("B", 3)} 990000`,
    `U ${tok("S", 2)}>${tok("S", 4)} 1030000`,
  ]);
});

Deno.test("except me must be valid: alone on a side, the bot leaves that side alone", () => {
  const t = quotingBot();
  const msgs = t.onBbo(
    bbo(1_000_000, 1_030_000, { volumeAtBestBid: 1, nextBid: 0 }),
    "Q",
  );
  // bid side: F_bb = 0, invalid; offer side moves to 103
  assert.deepEqual(brief(msgs), [`U ${tok("S", 2)}>${tok("S", 3)} 1030000`]);
});

// ------------------------------------------------------------ §3.6 validity, triggers

Deno.test("validity: no quotes while either market lacks a side", () => {
  const cases: [FocalBbo, number, number][] = [
    [bbo(0, 1_020_000), 1_010_000, 1_030_000],
    [bbo(1_000_000, MAX_ASK), 1_010_000, 1_030_000],
    [bbo(1_000_000, 1_020_000), 0, 1_030_000],
    [bbo(1_000_000, 1_020_000), 1_010_000, MAX_ASK],
  ];
  for (const [book, eBid, eOffer] of cases) {
    const t = trader("automated", { aX: 0, aY: 0, aZ: 0.5 });
    assert.deepEqual(t.onExternalFeed({ bestBid: eBid, bestOffer: eOffer, signedVolume: 0 }), []);
    assert.deepEqual(t.onBbo(book, "Q"), []);
    assert.deepEqual(t.setRole("automated", 0), []);
  }
});

Deno.test("external feed values are copied even when 0: an emptied external side stops the bot", () => {
  const t = quotingBot();
  assert.deepEqual(t.onExternalFeed({ bestBid: 0, bestOffer: 1_030_000, signedVolume: 0 }), []);
  assert.equal(t.facts.externalBestBid, 0);
  assert.deepEqual(t.onBbo(bbo(1_050_000, 1_070_000), "Q"), []);
});

Deno.test("triggers: Q, external feed and sliders reprice; signed volume only updates facts", () => {
  const t = quotingBot();
  assert.equal(t.onBbo(bbo(1_010_000, 1_030_000), "Q").length, 2);
  t.onSignedVolume(4);
  assert.equal(t.facts.signedVolume, 4);
  assert.deepEqual(t.staged, { bid: 1_010_000, offer: 1_030_000 });
  // a_x 0.5 with F_sv 4 adds 1 ECU
  assert.deepEqual(brief(t.setSliders({ aX: 0.5, aY: 0, aZ: 0 })), [
    `U ${tok("B", 3)}>${tok("B", 5)} 1020000`,
    `U ${tok("S", 4)}>${tok("S", 6)} 1040000`,
  ]);
  // with w = 0 the external market does not enter the quotes
  assert.deepEqual(
    brief(t.onExternalFeed({ bestBid: 1_000_000, bestOffer: 1_020_000, signedVolume: 0 })),
    [],
  );
  // w = 1 follows the external market down to 100 / 102: the offer would meet my bid, so bid first
  assert.deepEqual(brief(t.setSliders({ aX: 0, aY: 0, aZ: 1 })), [
    `U ${tok("B", 5)}>${tok("B", 7)} 1000000`,
    `U ${tok("S", 6)}>${tok("S", 8)} 1020000`,
  ]);
});

Deno.test("post batch reprices by default; the upstream option only records the facts", () => {
  const t = quotingBot();
  assert.equal(t.onBbo(bbo(1_010_000, 1_030_000), "Z").length, 2);
  const upstream = trader("out", NO_SLIDERS, { repriceOnPostBatch: false });
  upstream.onExternalFeed({ bestBid: 1_010_000, bestOffer: 1_030_000, signedVolume: 0 });
  upstream.onBbo(bbo(1_000_000, 1_020_000), "Q");
  assert.equal(upstream.setRole("automated", 0).length, 2);
  assert.deepEqual(upstream.onBbo(bbo(1_010_000, 1_030_000), "Z"), []);
  assert.equal(upstream.facts.bbo.bestBid, 1_010_000);
  // the next Q acts on them
  assert.equal(upstream.onBbo(bbo(1_010_000, 1_030_000), "Q").length, 2);
});

Deno.test("sliders outside [0, 1] are rejected", () => {
  const t = trader();
  assert.throws(() => t.setSliders({ aX: 0, aY: 1.5, aZ: 0 }), RangeError);
  assert.throws(() => t.setSliders({ aX: Number.NaN, aY: 0, aZ: 0 }), RangeError);
});

// ------------------------------------------------------------ §3.6 order discipline

Deno.test("no duplicate replace while one is pending; current = latest requested price", () => {
  const t = quotingBot();
  const first = t.onBbo(bbo(1_010_000, 1_030_000), "Q");
  assert.equal(first.length, 2);
  // same targets again before the U arrives: nothing to do
  assert.deepEqual(t.onBbo(bbo(1_010_000, 1_030_000), "Q"), []);
  assert.deepEqual(t.staged, { bid: 1_010_000, offer: 1_030_000 });
  const bid = t.orders.find((o) => o.token === tok("B", 1));
  assert.equal(bid?.state, "pending-replace");
  assert.equal(bid?.confirmedPrice, 1_000_000);
  // a further move chains on the pending replacement token
  assert.deepEqual(brief(t.onBbo(bbo(1_010_000, 1_040_000), "Q")), [
    `U ${tok("S", 4)}>${tok("S", 5)} 1040000`,
  ]);
});

Deno.test("replace order: a bid moving to or past my offer goes after the offer", () => {
  const t = quotingBot(); // 100 / 102
  assert.deepEqual(brief(t.onBbo(bbo(1_020_000, 1_040_000), "Q")), [
    `U ${tok("S", 2)}>${tok("S", 3)} 1040000`,
    `U ${tok("B", 1)}>${tok("B", 4)} 1020000`,
  ]);
});

Deno.test("replace order: an offer moving to or past my bid goes after the bid", () => {
  const t = quotingBot(); // 100 / 102
  assert.deepEqual(brief(t.onBbo(bbo(980_000, 1_000_000), "Q")), [
    `U ${tok("B", 1)}>${tok("B", 3)} 980000`,
    `U ${tok("S", 2)}>${tok("S", 4)} 1000000`,
  ]);
});

Deno.test("replace order: otherwise bid first", () => {
  const t = quotingBot(); // 100 / 102
  assert.deepEqual(brief(t.onBbo(bbo(1_010_000, 1_030_000), "Q")), [
    `U ${tok("B", 1)}>${tok("B", 3)} 1010000`,
    `U ${tok("S", 2)}>${tok("S", 4)} 1030000`,
  ]);
});

Deno.test("a missing current price imposes nothing: after an own fill the side is re-entered", () => {
  const t = quotingBot(); // 100 / 102
  assert.deepEqual(t.onReply(executed(tok("S", 2), 1_020_000)), []);
  assert.equal(t.inventory, -1);
  assert.deepEqual(t.staged, { bid: 1_000_000, offer: null });
  // the bid would pass the old offer; with no offer there is nothing to order against
  assert.deepEqual(brief(t.onBbo(bbo(1_030_000, 1_050_000), "Q")), [
    `U ${tok("B", 1)}>${tok("B", 3)} 1030000`,
    `O S 1050000 ${tok("S", 4)}`,
  ]);
});

Deno.test("locked implied quotes skip the recalculation and the entry", () => {
  const t = quotingBot({ aX: 0, aY: 0, aZ: 0 });
  // external locked at 101/101 with w = 1
  t.onExternalFeed({ bestBid: 1_010_000, bestOffer: 1_010_000, signedVolume: 0 });
  assert.deepEqual(t.setSliders({ aX: 0, aY: 0, aZ: 1 }), []);
  assert.deepEqual(t.staged, { bid: 1_000_000, offer: 1_020_000 });
  assert.deepEqual(t.setRole("automated", 0).filter((m) => m.type === "O"), []);
});

Deno.test("one side alone never crosses my opposite quote", () => {
  const t = quotingBot(); // 100 / 102
  // FBA books can cross between batches; alone at 102, my offer cannot move (F_bo = MAX)
  const msgs = t.onBbo(
    bbo(1_025_000, 1_020_000, { volumeAtBestOffer: 1, nextOffer: MAX_ASK }),
    "Q",
  );
  // the implied bid, 102 ECU, would meet my offer at 102
  assert.deepEqual(msgs, []);
});

Deno.test("entering automated: a bid and an offer at the implied prices, 1 share, TIF 99999, no peg", () => {
  const t = trader("manual");
  t.onExternalFeed({ bestBid: 1_010_000, bestOffer: 1_030_000, signedVolume: 0 });
  t.onBbo(bbo(1_000_000, 1_020_000), "Q");
  const messages = t.setRole("automated", 0);
  assert.equal(messages.length, 2);
  for (const [m, side, price] of [[messages[0], "B", 1_000_000], [messages[1], "S", 1_020_000]]) {
    assert.ok(m && typeof m === "object" && m.type === "O");
    assert.equal(m.buySellIndicator, side);
    assert.equal(m.price, price);
    assert.equal(m.shares, 1);
    assert.equal(m.timeInForce, 99999);
    assert.equal(m.midpointPeg, false);
    assert.equal(m.firm, "AAAA");
  }
  assert.equal(t.role, "automated");
});

// ------------------------------------------------------------ order manager replies

Deno.test("E for a token whose replace is in flight empties the side; the replace is void", () => {
  const t = quotingBot();
  t.onBbo(bbo(1_010_000, 1_030_000), "Q"); // B1 -> B3, S2 -> S4 in flight
  t.onReply(executed(tok("B", 1), 1_000_000));
  assert.equal(t.inventory, 1);
  assert.equal(t.staged.bid, null);
  const states = Object.fromEntries(t.orders.map((o) => [o.token, o.state]));
  assert.equal(states[tok("B", 1)], "dead");
  assert.equal(states[tok("B", 3)], "dead");
  assert.equal(states[tok("S", 2)], "pending-replace");
  // the next trigger enters a fresh bid; it never replaces the void token
  assert.deepEqual(brief(t.onBbo(bbo(1_010_000, 1_030_000), "Q")), [
    `O B 1010000 ${tok("B", 5)}`,
  ]);
});

Deno.test("U with state D: the replacement is gone; its E still counts", () => {
  const t = quotingBot();
  t.onBbo(bbo(1_010_000, 1_030_000), "Q");
  t.onReply(replaced(tok("B", 1), tok("B", 3), "B", 1_010_000, "D"));
  assert.equal(t.staged.bid, null);
  t.onReply(executed(tok("B", 3), 1_010_000));
  assert.equal(t.inventory, 1);
  t.onReply(replaced(tok("S", 2), tok("S", 4), "S", 1_030_000));
  const s4 = t.orders.find((o) => o.token === tok("S", 4));
  assert.equal(s4?.state, "live");
  assert.equal(s4?.confirmedPrice, 1_030_000);
});

Deno.test("C kills the order; foreign tokens are ignored", () => {
  const om = new OrderManager({ firm: "AAAA", playerId: 7 });
  om.quote("B", 1_000_000);
  assert.deepEqual(om.onReply(accepted(tok("B", 1), "B", 1_000_000)).kind, "accepted");
  assert.equal(om.head("B")?.state, "live");
  assert.deepEqual(brief(om.quote("B", null)), [`X ${tok("B", 1)}`]);
  assert.equal(om.order(tok("B", 1))?.state, "pending-cancel");
  assert.equal(om.current("B"), null);
  assert.deepEqual(om.quote("B", null), []);
  om.onReply(canceled(tok("B", 1)));
  assert.equal(om.order(tok("B", 1))?.state, "dead");
  assert.equal(om.onReply(executed("BBBBB000800001", 1_000_000)).kind, "foreign");
  assert.equal(om.active().length, 0);
});

Deno.test("shown orders: per side the resting one and the latest asked for; created counts every one", () => {
  const om = new OrderManager({ firm: "AAAA", playerId: 7 });
  const shown = () => om.shown().map((o) => `${o.token} ${o.state}`);
  om.quote("B", 990_000);
  om.onReply(accepted(tok("B", 1), "B", 990_000));
  om.quote("S", 1_010_000);
  // clicks faster than the exchange answers: a chain of replaces on its way
  for (const price of [980_000, 970_000, 960_000, 950_000]) om.quote("B", price);
  assert.equal(om.active().length, 6);
  assert.deepEqual(shown(), [
    `${tok("B", 1)} pending-replace`,
    `${tok("S", 2)} pending-new`,
    `${tok("B", 6)} pending-new`,
  ]);
  assert.equal(om.created, 6);
  assert.deepEqual(om.createdSince(4).map((o) => [o.token, o.price]), [
    [tok("B", 5), 960_000],
    [tok("B", 6), 950_000],
  ]);
  // the first replace lands: the next in the chain is the one at the exchange now
  om.onReply(replaced(tok("B", 1), tok("B", 3), "B", 980_000));
  assert.deepEqual(shown(), [
    `${tok("S", 2)} pending-new`,
    `${tok("B", 3)} pending-replace`,
    `${tok("B", 6)} pending-new`,
  ]);
  // the resting order fills: its whole chain is gone, and nothing of the side is shown
  om.onReply(executed(tok("B", 3), 980_000));
  assert.deepEqual(shown(), [`${tok("S", 2)} pending-new`]);
});

Deno.test("tokens: {firm}{B|S}{player:04d}{count:05d}, one counter per trader", () => {
  assert.equal(firmOfSeat(1), "AAAA");
  assert.equal(firmOfSeat(3), "CCCC");
  assert.equal(traderToken("AAAA", "B", 1, 1), "AAAAB000100001");
  assert.throws(() => traderToken("AAAA", "B", 10_000, 1), RangeError);
  assert.throws(() => traderToken("AAAA", "B", 1, 100_000), RangeError);
  const om = new OrderManager({ firm: "CCCC", playerId: 42 });
  const ms = [...om.quote("S", 1_020_000), ...om.quote("B", 1_000_000)];
  assert.deepEqual(brief(ms), ["O S 1020000 CCCCS004200001", "O B 1000000 CCCCB004200002"]);
  for (const m of ms) assert.equal(m.type === "O" && m.orderToken.length, 14);
});

// ------------------------------------------------------------ §3.2–3.4 roles and speed

Deno.test("role change cancels live and pending orders, clears staged prices, forces speed off", () => {
  const changes: SpeedChange[] = [];
  const t = new EloTrader({
    seat: 1,
    playerId: 7,
    role: "out",
    sliders: NO_SLIDERS,
    onSpeedChange: (c) => changes.push(c),
  });
  t.onExternalFeed({ bestBid: 1_010_000, bestOffer: 1_030_000, signedVolume: 0 });
  t.onBbo(bbo(1_000_000, 1_020_000), "Q");
  t.setRole("automated", 0);
  t.onReply(accepted(tok("B", 1), "B", 1_000_000));
  t.onBbo(bbo(1_010_000, 1_030_000), "Q"); // B1 -> B3 pending, S2 -> S4 while S2 is still pending-new
  assert.deepEqual(t.setSpeed(true, 10_000), {
    ok: true,
    change: { on: true, atMs: 10_000 },
  });
  const cancels = t.setRole("manual", 11_000); // inside the 4 s lock: forced anyway
  assert.deepEqual(brief(cancels), [`X ${tok("B", 3)}`, `X ${tok("S", 4)}`]);
  assert.deepEqual(changes, [{ on: true, atMs: 10_000 }, { on: false, atMs: 11_000 }]);
  assert.equal(t.speed, false);
  assert.deepEqual(t.staged, { bid: null, offer: null });
  assert.equal(t.role, "manual");
  // speed already off: nothing more to bill, nothing left to cancel
  assert.deepEqual(t.setRole("out", 12_000), []);
  assert.equal(changes.length, 2);
});

Deno.test("an order accepted after switching to out is cancelled exactly once", () => {
  const t = trader("manual");
  assert.deepEqual(brief(t.click("B", 1_000_000) as ClientMessage[]), [
    `O B 1000000 ${tok("B", 1)}`,
  ]);
  // the enter is still in flight when the subject switches to out
  assert.deepEqual(brief(t.setRole("out", 0)), [`X ${tok("B", 1)}`]);
  assert.deepEqual(t.onReply(accepted(tok("B", 1), "B", 1_000_000)), []);
  assert.equal(t.orders[0].state, "pending-cancel");
  t.onReply(canceled(tok("B", 1)));
  assert.equal(t.orders[0].state, "dead");
  // out sends nothing
  assert.deepEqual(t.onBbo(bbo(1_000_000, 1_020_000), "Q"), []);
  assert.deepEqual(t.click("B", 1_000_000), { refused: "clicks trade only in the manual role" });
});

Deno.test("speed: switching off within 4 s of switching on is refused with the time left", () => {
  const s = new SpeedSwitch();
  assert.deepEqual(s.set(true, 1_000), { ok: true, change: { on: true, atMs: 1_000 } });
  assert.deepEqual(s.set(true, 2_000), { ok: true, change: null });
  const refused = s.set(false, 3_500);
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.remainingMs === 1_500 && /1\.5 s/.test(refused.reason));
  assert.equal(s.on, true);
  assert.deepEqual(s.set(false, 5_000), { ok: true, change: { on: false, atMs: 5_000 } });
  assert.deepEqual(s.set(false, 6_000), { ok: true, change: null });
  // the trader accepts toggles in any role
  const t = trader("out");
  assert.equal(t.setSpeed(true, 0).ok, true);
  assert.equal(t.speed, true);
});

// ------------------------------------------------------------ §3.5 manual

Deno.test("manual clicks: gridded, enter then replace, self-cross refused, fills clear the side", () => {
  const t = trader("manual");
  assert.deepEqual(brief(t.click("B", 1_004_999) as ClientMessage[]), [
    `O B 1000000 ${tok("B", 1)}`,
  ]);
  assert.deepEqual(t.click("B", 1_000_000), []); // already requested
  assert.deepEqual(brief(t.click("B", 1_010_000) as ClientMessage[]), [
    `U ${tok("B", 1)}>${tok("B", 2)} 1010000`,
  ]);
  assert.deepEqual(t.click("S", 1_010_000), {
    refused: "a sell at 101 ECU would cross your own bid at 101 ECU",
  });
  assert.deepEqual(brief(t.click("S", 1_025_000) as ClientMessage[]), [
    `O S 1020000 ${tok("S", 3)}`,
  ]);
  assert.deepEqual(t.click("B", 1_020_000), {
    refused: "a buy at 102 ECU would cross your own offer at 102 ECU",
  });
  assert.deepEqual(t.staged, { bid: 1_010_000, offer: 1_020_000 });
  t.onReply(accepted(tok("B", 1), "B", 1_000_000));
  t.onReply(replaced(tok("B", 1), tok("B", 2), "B", 1_010_000));
  t.onReply(accepted(tok("S", 3), "S", 1_020_000));
  t.onReply(executed(tok("S", 3), 1_020_000));
  assert.deepEqual(t.staged, { bid: 1_010_000, offer: null });
  assert.equal(t.inventory, -1);
  // the offer side is free again, and a sell at 101 still crosses my bid
  assert.ok("refused" in t.click("S", 1_010_000));
  assert.deepEqual(brief(t.click("S", 1_030_000) as ClientMessage[]), [
    `O S 1030000 ${tok("S", 4)}`,
  ]);
});

// ------------------------------------------------------------ property: fake exchange

/**
 * Holds the trader's resting orders as the exchange would: requests applied
 * in FIFO order, replies queued back in order, fills by others at any time.
 */
class FakeExchange {
  readonly toExchange: ClientMessage[] = [];
  readonly toTrader: ServerMessage[] = [];
  readonly book = new Map<string, { side: "B" | "S"; price: number }>();
  readonly known = new Set<string>();

  process(fillReplacement: boolean): void {
    const m = this.toExchange.shift();
    if (!m) return;
    if (m.type === "O") {
      if (this.known.has(m.orderToken)) return;
      this.known.add(m.orderToken);
      this.book.set(m.orderToken, { side: m.buySellIndicator as "B" | "S", price: m.price });
      this.toTrader.push(accepted(m.orderToken, m.buySellIndicator, m.price));
    } else if (m.type === "U") {
      const old = this.book.get(m.existingOrderToken);
      if (!old || this.known.has(m.replacementOrderToken)) return;
      this.book.delete(m.existingOrderToken);
      this.known.add(m.replacementOrderToken);
      if (fillReplacement) {
        this.toTrader.push(
          replaced(m.existingOrderToken, m.replacementOrderToken, old.side, m.price, "D"),
          executed(m.replacementOrderToken, m.price),
        );
      } else {
        this.book.set(m.replacementOrderToken, { side: old.side, price: m.price });
        this.toTrader.push(
          replaced(m.existingOrderToken, m.replacementOrderToken, old.side, m.price),
        );
      }
    } else if (m.type === "X") {
      if (!this.book.delete(m.orderToken)) return;
      this.toTrader.push(canceled(m.orderToken));
    }
  }

  fill(side: "B" | "S"): void {
    for (const [token, o] of this.book) {
      if (o.side !== side) continue;
      this.book.delete(token);
      this.toTrader.push(executed(token, o.price));
      return;
    }
  }
}

type Step =
  | { k: "bbo"; book: FocalBbo; kind: "Q" | "Z" }
  | { k: "ext"; bid: number; offer: number }
  | { k: "sv"; sv: number }
  | { k: "sliders"; aY: number; aZ: number }
  | { k: "process"; fill: boolean }
  | { k: "reply" }
  | { k: "fill"; side: "B" | "S" }
  | { k: "role"; role: "out" | "manual" | "automated" }
  | { k: "click"; side: "B" | "S"; price: number };

const price = fc.integer({ min: 95, max: 106 }).map((e) => e * ECU);
/** Mostly an ordinary book (bid below offer by 1–3 ECU), sometimes an empty or crossed side. */
const arbBook: fc.Arbitrary<FocalBbo> = fc
  .record({
    bid: price,
    spread: fc.integer({ min: -1, max: 3 }),
    volumeAtBestBid: fc.integer({ min: 1, max: 2 }),
    volumeAtBestOffer: fc.integer({ min: 1, max: 2 }),
    gapBid: fc.integer({ min: 0, max: 2 }),
    gapOffer: fc.integer({ min: 0, max: 2 }),
    emptyBid: fc.integer({ min: 0, max: 9 }),
    emptyOffer: fc.integer({ min: 0, max: 9 }),
  })
  .map((r) => {
    const offer = r.bid + r.spread * ECU;
    return {
      bestBid: r.emptyBid === 0 ? 0 : r.bid,
      volumeAtBestBid: r.volumeAtBestBid,
      nextBid: r.gapBid === 0 ? 0 : r.bid - r.gapBid * ECU,
      bestOffer: r.emptyOffer === 0 ? MAX_ASK : offer,
      volumeAtBestOffer: r.volumeAtBestOffer,
      nextOffer: r.gapOffer === 0 ? MAX_ASK : offer + r.gapOffer * ECU,
    };
  });
const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant("bbo" as const),
      book: arbBook,
      kind: fc.constantFrom("Q" as const, "Z" as const),
    }),
    weight: 4,
  },
  {
    arbitrary: arbBook.map((b) => ({
      k: "ext" as const,
      bid: b.bestBid,
      offer: b.bestOffer,
    })),
    weight: 2,
  },
  fc.record({ k: fc.constant("sv" as const), sv: fc.integer({ min: -3, max: 3 }) }),
  fc.record({
    k: fc.constant("sliders" as const),
    aY: fc.integer({ min: 0, max: 10 }).map((x) => x / 10),
    aZ: fc.integer({ min: 0, max: 10 }).map((x) => x / 10),
  }),
  { arbitrary: fc.record({ k: fc.constant("process" as const), fill: fc.boolean() }), weight: 5 },
  { arbitrary: fc.constant({ k: "reply" as const }), weight: 5 },
  {
    arbitrary: fc.record({ k: fc.constant("fill" as const), side: fc.constantFrom("B", "S") }),
    weight: 2,
  },
  fc.record({
    k: fc.constant("role" as const),
    role: fc.constantFrom("out" as const, "manual" as const, "automated" as const),
  }),
  fc.record({
    k: fc.constant("click" as const),
    side: fc.constantFrom("B" as const, "S" as const),
    price: fc.oneof(price, fc.integer({ min: 0, max: 1_100_000 })),
  }),
);

Deno.test("property: one order per side, no request on a token known dead, bid below offer", () => {
  fc.assert(
    fc.property(fc.array(arbStep, { minLength: 20, maxLength: 200, size: "max" }), (steps) => {
      const t = new EloTrader({ seat: 2, playerId: 3, role: "automated", sliders: NO_SLIDERS });
      const x = new FakeExchange();
      const created = new Set<string>();
      /** Tokens the trader has been told are gone (E, C, U as previous or with D). */
      const toldDead = new Set<string>();
      let sliders = { ...NO_SLIDERS };
      let now = 0;

      const send = (ms: ClientMessage[] | { refused: string }) => {
        if (!Array.isArray(ms)) return;
        for (const m of ms) {
          if (m.type === "O") {
            assert.ok(!created.has(m.orderToken), `reused token ${m.orderToken}`);
            created.add(m.orderToken);
          } else if (m.type === "U") {
            assert.ok(created.has(m.existingOrderToken), "replace of a foreign token");
            assert.ok(
              !toldDead.has(m.existingOrderToken),
              `replace of dead ${m.existingOrderToken}`,
            );
            assert.ok(!created.has(m.replacementOrderToken), "reused replacement token");
            created.add(m.replacementOrderToken);
          } else if (m.type === "X") {
            assert.ok(created.has(m.orderToken), "cancel of a foreign token");
            assert.ok(!toldDead.has(m.orderToken), `cancel of dead ${m.orderToken}`);
          }
          x.toExchange.push(m);
        }
      };

      for (const s of steps) {
        now += 100;
        switch (s.k) {
          case "bbo":
            send(t.onBbo(s.book, s.kind));
            break;
          case "ext":
            send(t.onExternalFeed({ bestBid: s.bid, bestOffer: s.offer, signedVolume: 0 }));
            break;
          case "sv":
            t.onSignedVolume(s.sv);
            break;
          case "sliders":
            sliders = { aX: 0, aY: s.aY, aZ: s.aZ };
            send(t.setSliders(sliders));
            break;
          case "process":
            x.process(s.fill);
            break;
          case "reply": {
            const m = x.toTrader.shift();
            if (!m) break;
            if (m.type === "E" || m.type === "C") toldDead.add(m.orderToken);
            if (m.type === "U") {
              toldDead.add(m.previousOrderToken);
              if (m.orderState === "D") toldDead.add(m.replacementOrderToken);
            }
            send(t.onReply(m));
            break;
          }
          case "fill":
            x.fill(s.side);
            break;
          case "role":
            send(t.setRole(s.role, now));
            break;
          case "click":
            send(t.click(s.side, s.price));
        }

        const bids = [...x.book.values()].filter((o) => o.side === "B");
        const offers = [...x.book.values()].filter((o) => o.side === "S");
        assert.ok(bids.length <= 1, "two resting bids");
        assert.ok(offers.length <= 1, "two resting offers");
        if (bids.length && offers.length) assert.ok(bids[0].price < offers[0].price, "own cross");
        const { bid, offer } = t.staged;
        if (bid !== null && offer !== null) assert.ok(bid < offer, "staged cross");
        for (const o of t.orders) {
          if (toldDead.has(o.token)) assert.equal(o.state, "dead");
        }
      }
      // drain: every request answered, every reply read; the trader's view matches the book
      while (x.toExchange.length || x.toTrader.length) {
        x.process(false);
        const m = x.toTrader.shift();
        if (m) send(t.onReply(m));
      }
      const unsettled = t.orders.filter((o) => o.state !== "live" && o.state !== "dead");
      assert.deepEqual(unsettled, [], "every request answered, yet an order is still pending");
      const alive = t.orders.filter((o) => o.state === "live").map((o) => o.token).sort();
      assert.deepEqual(alive, [...x.book.keys()].sort());
      const resting = (side: "B" | "S") =>
        [...x.book.values()].find((o) => o.side === side)?.price ?? null;
      assert.deepEqual(t.staged, { bid: resting("B"), offer: resting("S") });
      if (t.role === "out") assert.equal(x.book.size, 0);
    }),
    { numRuns: 500 },
  );
});
