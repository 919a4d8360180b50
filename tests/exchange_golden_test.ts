/**
 * The golden scenarios of the shared reference (`leeps-exchange.md` §11),
 * end to end through the exchange and the OUCH codec, in the reference's own
 * notation. Each scenario starts on a fresh exchange (match numbers from 0).
 */

import assert from "node:assert/strict";
import type { MarketFormat } from "../engine-wasm/events.ts";
import { render, ScriptedExchange } from "./exchange_script.ts";
import { enterOrder, replaceOrder } from "../exchange/order_messages.ts";

interface Scenario {
  name: string;
  format: MarketFormat;
  delayMs?: number;
  script: string;
}

const G1 = `
O A S 5@101 -> A(A); Q(0,0,101,5,0,MAX)
O B S 3@100 -> A(B); Q(0,0,100,3,0,101)
O C S 2@100 -> A(C); Q(0,0,100,5,0,101)
O D B 8@101 -> A(D); E D 3@100 m0; E B 3@100 m0; E D 2@100 m1; E C 2@100 m1; E D 3@101 m2; E A 3@101 m2; Q(0,0,101,2,0,MAX)
O E B 10@102 -> A(E); E E 2@101 m3; E A 2@101 m3; Q(102,8,MAX,0,0,MAX)`;

const scenarios: Scenario[] = [
  { name: "G1 price-time priority, sweep, improvement, partial", format: "cda", script: G1 },
  {
    name: "G2 cancel is reduce-to and keeps queue position",
    format: "cda",
    script: `
      O A B 10@100 -> A(A); Q(100,10,MAX,0,0,MAX)
      O B B 5@100 -> A(B); Q(100,15,MAX,0,0,MAX)
      X A 4 -> C A -6 (U); Q(100,9,MAX,0,0,MAX)
      X A 7 -> C A -0 (U)
      X A 4 -> C A -0 (U)
      X A 0 -> C A -4 (U); Q(100,5,MAX,0,0,MAX)
      X A 0 -> ∅
      X ZZ 0 -> ∅
      O S1 S 2@99 -> A(S1); E S1 2@100 m0; E B 2@100 m0; Q(100,3,MAX,0,0,MAX)`,
  },
  {
    name: "G3 IOC remainder cancelled, duplicate token ignored",
    format: "cda",
    script: `
      O A S 3@100 -> A(A); Q(0,0,100,3,0,MAX)
      O I B 5@100 tif=0 -> A(I); E I 3@100 m0; E A 3@100 m0; C I -2 (I); Q(0,0,MAX,0,0,MAX)
      O I2 B 5@99 tif=0 -> A(I2); C I2 -5 (I)
      O A S 3@105 -> ∅`,
  },
  {
    name: "G4 replace loses priority; a replace can cross",
    format: "cda",
    script: `
      O A B 10@100 -> A(A); Q(100,10,MAX,0,0,MAX)
      O B B 5@100 -> A(B); Q(100,15,MAX,0,0,MAX)
      O S S 4@101 -> A(S); Q(100,15,101,4,0,MAX)
      U A→A2 10@100 -> R(A2 prev=A 10@100 L)
      U A2→A3 12@101 -> R(A3 prev=A2 12@101 L); E A3 4@101 m0; E S 4@101 m0; Q(101,8,MAX,0,100,MAX)`,
  },
  {
    name: "G5 replace arithmetic, ignored replaces, liable 0",
    format: "cda",
    script: `
      O A S 10@105 -> A(A); Q(0,0,105,10,0,MAX)
      O X B 4@105 -> A(X); E X 4@105 m0; E A 4@105 m0; Q(0,0,105,6,0,MAX)
      U A→A2 10@106 -> R(A2 prev=A 6@106 L); Q(0,0,106,6,0,MAX)
      U A2→X 10@107 -> ∅
      U NOPE→N2 10@107 -> ∅
      U A→A9 10@107 -> ∅
      U A2→A3 3@106 -> C A2 -6 (U); Q(0,0,MAX,0,0,MAX)
      U A3→A4 1@106 -> ∅
      O A3 S 1@110 -> A(A3); Q(0,0,110,1,0,MAX)`,
  },
  {
    name: "G6 timed TIF fires at its time",
    format: "cda",
    script: `
      t=0 O T B 4@100 tif=5 -> A(T); Q(100,4,MAX,0,0,MAX)
      t=4.999 (timer) -> ∅
      t=5 (timer) -> C T -4 (T); Q(0,0,MAX,0,0,MAX)`,
  },
  {
    name: "G6 a replace moves the timer to the replacement",
    format: "cda",
    script: `
      t=0 O T B 1@100 tif=5 -> A(T); Q(100,1,MAX,0,0,MAX)
      t=1 U T→T2 1@101 tif=3 -> R(T2 prev=T 1@101 L); Q(101,1,MAX,0,0,MAX)
      t=4 (timer) -> C T2 -1 (T); Q(0,0,MAX,0,0,MAX)
      t=5 (timer) -> ∅`,
  },
  ...fbaRows(),
  {
    name: "G7 FBA IOC joins the next batch, remainder cancelled",
    format: "fba",
    script: `
      O I B 3@105 tif=0 -> A(I)
      O S1 S 1@100 -> A(S1)
      batch -> E I 1@105 m0; E S1 1@105 m0; C I -2 (I); Z{105 1 0/0 MAX/0 0 MAX}
      O J B 1@99 tif=0 -> A(J)
      batch -> C J -1 (I); Z{0 0 0/0 MAX/0 0 MAX}`,
  },
  {
    name: "G8 FBA priority across batches",
    format: "fba",
    script: `
      O B1 B 1@100 -> A(B1)
      batch -> Z{0 0 100/1 MAX/0 0 MAX}
      O B2 B 1@100 -> A(B2)
      O S1 S 1@99 -> A(S1)
      batch -> E B1 1@100 m0; E S1 1@100 m0; Z{100 1 100/1 MAX/0 0 MAX}`,
  },
  {
    name: "G9 peg via external feed; a too-passive peg is dropped",
    format: "iex",
    script: `
      K 98:103 -> L(0,100)
      O P1 S 1@90 peg -> A(P1); L(1,100)
      O P2 S 1@110 peg -> A(P2); C P2 -1 (Z)
      O L1 B 2@101 -> A(L1); E L1 1@100 m0; E P1 1@100 m0; Q(101,1,MAX,0,0,MAX); L(0,100)`,
  },
  {
    name: "G9 a peg move fills at the limit level's price",
    format: "iex",
    script: `
      K 100:110 -> L(0,105)
      O L1 B 1@103 -> A(L1); Q(103,1,MAX,0,0,MAX)
      O P1 S 1@100 peg -> A(P1); L(1,105)
      K 100:104 -> E P1 1@103 m0; E L1 1@103 m0; Q(0,0,MAX,0,0,MAX); L(0,102)`,
  },
  {
    name: "G9 no peg is sent as 0",
    format: "iex",
    script: `
      O P1 B 1@100 peg -> A(P1); C P1 -1 (Z)
      K 0:105 -> L(0,0)
      K 98:102 -> L(0,100)
      O P2 B 1@101 peg -> A(P2); L(-1,100)
      K 0:105 -> L(-1,0)
      X P2 0 -> C P2 -1 (U); L(0,0)`,
  },
  {
    name: "G9 displayed liquidity ahead of pegs at equal price",
    format: "iex",
    script: `
      K 10:12 -> L(0,11)
      O L S 1@10 -> A(L); Q(0,0,10,1,0,MAX)
      O P S 1@9 peg -> A(P); L(1,11)
      O L2 S 1@13 -> A(L2); Q(0,0,10,1,0,13)
      O B B 3@14 -> A(B); E B 1@10 m0; E L 1@10 m0; E B 1@11 m1; E P 1@11 m1; E B 1@13 m2; E L2 1@13 m2; Q(0,0,MAX,0,0,MAX); L(0,11)`,
  },
  {
    name: "G9 speed bump: K overtakes a delayed order",
    format: "iex",
    delayMs: 1000,
    script: `
      t=0 K 98:102 -> L(0,100)
      t=0 O P1 B 1@101 peg -> ∅
      t=0.5 K 100:110 -> L(0,105)
      t=0.999 (timer) -> ∅
      t=1 (timer) -> A(P1); C P1 -1 (Z)`,
  },
  {
    name: "G10 Q1 no phantom level",
    format: "cda",
    script: `
      O A B 1@100 -> A(A); Q(100,1,MAX,0,0,MAX)
      O B B 1@99 -> A(B); Q(100,1,MAX,0,99,MAX)
      O S S 1@100 -> A(S); E S 1@100 m0; E A 1@100 m0; Q(99,1,MAX,0,0,MAX)
      X A 0 -> ∅
      O C B 1@98 -> A(C); Q(99,1,MAX,0,98,MAX)`,
  },
  {
    name: "G10 Q16 no stale next level",
    format: "cda",
    script: `
      O A B 1@100 -> A(A); Q(100,1,MAX,0,0,MAX)
      O B B 1@99 -> A(B); Q(100,1,MAX,0,99,MAX)
      X B 0 -> C B -1 (U); Q(100,1,MAX,0,0,MAX)`,
  },
  {
    name: "G10 Q7 pegs checked after the walk",
    format: "iex",
    script: `
      K 100:122 -> L(0,111)
      O P1 S 1@100 peg -> A(P1); L(1,111)
      O S1 S 1@105 -> A(S1); Q(0,0,105,1,0,MAX)
      O B1 B 2@115 -> A(B1); E B1 1@105 m0; E S1 1@105 m0; E B1 1@111 m1; E P1 1@111 m1; Q(0,0,MAX,0,0,MAX); L(0,111)`,
  },
  {
    name: "G10 Q20 a pegged order's limit is respected",
    format: "iex",
    script: `
      K 98:102 -> L(0,100)
      O PB B 1@101 peg -> A(PB); L(-1,100)
      K 100:110 -> L(-1,105)
      O S2 S 1@101 -> A(S2); Q(0,0,101,1,0,MAX)
      K 98:104 -> E PB 1@101 m0; E S2 1@101 m0; Q(0,0,MAX,0,0,MAX); L(0,101)`,
  },
  {
    name: "G10 pegged vs pegged after a peg move",
    format: "iex",
    script: `
      K 98:102 -> L(0,100)
      O PB B 1@104 peg -> A(PB); L(-1,100)
      K 100:112 -> L(-1,106)
      O PS S 1@102 peg -> A(PS); L(0,106)
      K 100:106 -> E PB 1@103 m0; E PS 1@103 m0; L(0,103)`,
  },
  {
    name: "G10 Q9 IEX partial fill publishes the BBO",
    format: "iex",
    script: `
      O A S 3@100 -> A(A); Q(0,0,100,3,0,MAX)
      O B B 1@100 -> A(B); E B 1@100 m0; E A 1@100 m0; Q(0,0,100,2,0,MAX)`,
  },
  {
    name: "G10 Q13 H resets the day, counters included",
    format: "cda",
    script: `${G1}\nH -> S${G1}`,
  },
  {
    name: "G10 Q11 ModifyOrder is consumed and ignored",
    format: "cda",
    script: `
      M A -> ∅
      O A B 1@100 -> A(A); Q(100,1,MAX,0,0,MAX)`,
  },
];

/** G7: each row is one batch over the book built by its orders. */
function fbaRows(): Scenario[] {
  const rows: [string, string, string][] = [
    [
      "a balanced",
      "B1 B 10@105, S1 S 10@100",
      "E B1 10@103 m0; E S1 10@103 m0; Z{103 10 0/0 MAX/0 0 MAX}",
    ],
    [
      "b units",
      "B1 B 1@110, B2 B 1@108, B3 B 1@104, S1 S 1@100, S2 S 1@103, S3 S 1@106",
      "E B1 1@105 m0; E S1 1@105 m0; E B2 1@105 m1; E S2 1@105 m1; Z{105 2 104/1 106/1 0 MAX}",
    ],
    [
      "c excess demand",
      "B1 B 1@105, B2 B 1@104, B3 B 1@101, S1 S 1@100",
      "E B1 1@105 m0; E S1 1@105 m0; Z{105 1 104/1 MAX/0 101 MAX}",
    ],
    [
      "d excess supply",
      "B1 B 1@105, S1 S 1@100, S2 S 1@102, S3 S 1@103",
      "E B1 1@101 m0; E S1 1@101 m0; Z{101 1 0/0 102/1 0 103}",
    ],
    [
      "e overshoot, one bid",
      "B1 B 10@105, S1 S 4@100, S2 S 4@101",
      "E B1 4@105 m0; E S1 4@105 m0; E B1 4@105 m1; E S2 4@105 m1; Z{105 8 105/2 MAX/0 0 MAX}",
    ],
    [
      "f market buy",
      "B1 B 2@MAX, S1 S 1@100, S2 S 1@101, S3 S 1@103",
      "E B1 1@102 m0; E S1 1@102 m0; E B1 1@102 m1; E S2 1@102 m1; Z{102 2 0/0 103/1 0 MAX}",
    ],
    [
      "g market sells",
      "S1 S 1@0, S2 S 1@0, B1 B 1@100, B2 B 1@99, B3 B 1@97",
      "E B1 1@98 m0; E * 1@98 m0; E B2 1@98 m1; E * 1@98 m1; Z{98 2 97/1 MAX/0 0 MAX}",
    ],
    [
      "h same price",
      "B1 B 1@100, S1 S 1@100",
      "E B1 1@100 m0; E S1 1@100 m0; Z{100 1 0/0 MAX/0 0 MAX}",
    ],
    ["i no cross", "B1 B 10@100, S1 S 10@105", "Z{0 0 100/10 105/10 0 MAX}"],
    ["j bids only", "B1 B 1@100", "Z{0 0 100/1 MAX/0 0 MAX}"],
    ["k empty book", "", "Z{0 0 0/0 MAX/0 0 MAX}"],
    [
      "l partial ask fill (Q4)",
      "B1 B 10@105, S1 S 5@100, S2 S 10@102",
      "E B1 5@102 m0; E S1 5@102 m0; E B1 5@102 m1; E S2 5@102 m1; Z{102 10 0/0 102/5 0 MAX}",
    ],
    [
      "m balanced + lower bid",
      "B1 B 10@105, B2 B 5@103, S1 S 10@100",
      "E B1 10@104 m0; E S1 10@104 m0; Z{104 10 103/5 MAX/0 0 MAX}",
    ],
    ["n sentinels only (Q21)", "B1 B 5@MAX, S1 S 1@0", "Z{0 0 MAX/5 0/1 0 MAX}"],
  ];
  return rows.map(([name, orders, batch]) => ({
    name: `G7${name}`,
    format: "fba" as const,
    script: [
      ...orders.split(",").map((o) => o.trim()).filter(Boolean).map((o) =>
        `O ${o} -> A(${o.split(" ")[0]})`
      ),
      `batch -> ${batch}`,
    ].join("\n"),
  }));
}

for (const s of scenarios) {
  Deno.test(`golden ${s.name}`, async () => {
    const x = await ScriptedExchange.create({ format: s.format, delayMs: s.delayMs, seed: 7 });
    x.run(s.script, s.name);
  });
}

Deno.test("golden G7g: both market sells trade, each exactly once", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const x = await ScriptedExchange.create({ format: "fba", seed });
    for (const o of ["S1 S 1@0", "S2 S 1@0", "B1 B 1@100", "B2 B 1@99", "B3 B 1@97"]) {
      x.step(`O ${o}`);
    }
    const fills = x.step("batch").filter((r) => r.startsWith("E S"));
    assert.deepEqual(fills.map((f) => f.split(" ")[1]).sort(), ["S1", "S2"]);
  }
});

Deno.test("G6: an expiry is stamped with the time it fires", async () => {
  const x = await ScriptedExchange.create({ format: "cda" });
  x.now = 1000;
  x.request(enterOrder({ token: "T", side: "B", shares: 4, price: 100, timeInForce: 5 }));
  const fired = x.advanceTo(7000);
  assert.equal(fired[0].message.type, "C");
  assert.equal(fired[0].message.timestamp, 6_000_000_000n);
});

Deno.test("A and U carry the echo fields and odd order reference numbers", async () => {
  const x = await ScriptedExchange.create({ format: "cda" });
  const enter = enterOrder({ token: "AAAAB000100001", side: "B", shares: 1, price: 1_000_000 });
  const [a] = x.request(enter, 3);
  assert.equal(a.to, 3);
  const expected = { ...enter } as Record<string, unknown>;
  delete expected.type;
  delete expected.customerType;
  assert.deepEqual(a.message, {
    type: "A",
    timestamp: 0n,
    ...expected,
    orderReferenceNumber: 1n,
    orderState: "L",
    bboWeightIndicator: " ",
  });
  const [u] = x.request(
    replaceOrder({
      existing: "AAAAB000100001",
      replacement: "AAAAB000100002",
      shares: 1,
      price: 1_010_000,
    }),
    4,
  );
  assert.equal(u.to, 4, "the replacement belongs to the connection that sent the replace");
  assert.deepEqual(u.message, {
    type: "U",
    timestamp: 0n,
    replacementOrderToken: "AAAAB000100002",
    buySellIndicator: "B",
    shares: 1,
    stock: "AMAZGOOG",
    price: 1_010_000,
    timeInForce: 99999,
    firm: "AAAA",
    display: "Y",
    orderReferenceNumber: 3n,
    capacity: "*",
    intermarketSweepEligibility: "N",
    minimumQuantity: 1,
    crossType: "*",
    orderState: "L",
    previousOrderToken: "AAAAB000100001",
    bboWeightIndicator: "*",
    midpointPeg: false,
  });
  assert.equal(render(x.request({ type: "H", timestamp: 0n, eventCode: "S" }, 4)[0].message), "S");
  const [again] = x.request(enter, 3);
  assert.equal(
    (again.message as { orderReferenceNumber: bigint }).orderReferenceNumber,
    1n,
    "H restarts the reference numbers",
  );
});

Deno.test("direct replies go to the owner, broadcasts to all", async () => {
  const x = await ScriptedExchange.create({ format: "cda" });
  x.request(enterOrder({ token: "S", side: "S", shares: 1, price: 100 }), 1);
  const out = x.request(enterOrder({ token: "B", side: "B", shares: 1, price: 100 }), 2);
  assert.deepEqual(out.map((d) => [d.to, render(d.message)]), [
    [2, "A(B)"],
    [2, "E B 1@100 m0"],
    [1, "E S 1@100 m0"],
    ["*", "Q(0,0,MAX,0,0,MAX)"],
  ]);
});

Deno.test("FBA schedule: batches at t0 + k·τ after H", async () => {
  const x = await ScriptedExchange.create({ format: "fba", batchMs: 3000, startMs: 0 });
  x.advanceTo(500);
  x.request({ type: "H", timestamp: 0n, eventCode: "S" });
  const batchTimes: number[] = [];
  const trades: Record<string, number> = {};
  const at = (ms: number) => {
    for (const d of x.advanceTo(ms)) {
      if (d.message.type === "Z") batchTimes.push(Number(d.message.timestamp / 1_000_000n));
      if (d.message.type === "E") {
        trades[d.message.orderToken.trim()] = Number(d.message.timestamp / 1_000_000n);
      }
    }
  };
  at(3400);
  x.request(enterOrder({ token: "S1", side: "S", shares: 1, price: 100 }));
  x.request(enterOrder({ token: "B1", side: "B", shares: 1, price: 100 }));
  at(3600);
  x.request(enterOrder({ token: "S2", side: "S", shares: 1, price: 100 }));
  x.request(enterOrder({ token: "B2", side: "B", shares: 1, price: 100 }));
  at(9600);
  assert.deepEqual(batchTimes, [3500, 6500, 9500]);
  assert.equal(trades.B1, 3500, "entered at t0+2.9 s, trades in the batch at t0+3 s");
  assert.equal(trades.B2, 6500, "entered at t0+3.1 s, trades in the batch at t0+6 s");
});

Deno.test("H cancels pending TIF timers and the IEX speed bump", async () => {
  const x = await ScriptedExchange.create({ format: "iex", delayMs: 1000 });
  x.request(enterOrder({ token: "T", side: "B", shares: 1, price: 100, timeInForce: 5 }));
  x.advanceTo(1000);
  x.request(enterOrder({ token: "Q", side: "B", shares: 1, price: 100 }));
  x.request({ type: "H", timestamp: 0n, eventCode: "S" });
  assert.deepEqual(x.advanceTo(10_000), [], "neither the bumped order nor the timer survive H");
  assert.equal(x.exchange.book.restingOrders, 0);
});
