/**
 * The final payment (`experiment/payment.ts`): each upstream bug of
 * leeps-hft-app.md §8.3 pinned to the required behaviour, exact money
 * arithmetic, and a brute-force reference for arbitrary sessions.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computePayments,
  drawPaidRound,
  type Eligibility,
  exactDecimal,
  formatMoney,
  type PaymentComputation,
  type PaymentInput,
  type RoundPayoff,
} from "../experiment/payment.ts";
import { mulberry32 } from "../market/seeded_rng.ts";
import type { PaymentConfig } from "../market/session_config.ts";

/** 1 ECU and 1 currency unit in the integers money travels as. */
const ECU = 10_000;
const UNIT = 10_000;

/** Upstream P4: fee 2.50, cap 50, 0.02 currency per ECU, sum rule. */
const P4: PaymentConfig = {
  exchangeRate: 0.02,
  participationFee: 2.5 * UNIT,
  maxPayment: 50 * UNIT,
  randomPayoff: false,
};

function round(n: number, payoff: number, extra: Partial<RoundPayoff> = {}): RoundPayoff {
  return { round: n, trial: false, payoff, played_by_bot: false, ...extra };
}

function person(
  rounds: RoundPayoff[],
  eligibility: Eligibility = "eligible",
  participant = 1,
): PaymentInput {
  return { participant, label: `P${participant}`, eligibility, rounds };
}

function pay(
  participants: PaymentInput[],
  options: Partial<Omit<PaymentComputation, "participants">> = {},
) {
  return computePayments({
    payment: P4,
    currency: "EUR",
    numRounds: 4,
    trialRounds: [],
    paidRound: null,
    participants,
    ...options,
  });
}

function payOne(
  rounds: RoundPayoff[],
  options: Partial<Omit<PaymentComputation, "participants">> = {},
) {
  return pay([person(rounds)], options)[0];
}

// ---------------------------------------------------------------- upstream bugs

Deno.test("trial rounds [1,2] zero rounds 1 and 2 (upstream zeroed 2 and 3)", () => {
  const rounds = [1, 2, 3, 4].map((r) => round(r, r * 1_000 * ECU, { trial: r <= 2 }));
  const p = payOne(rounds, { trialRounds: [1, 2] });
  assert.deepEqual(p.rounds.map((r) => r.counted), [false, false, true, true]);
  assert.equal(p.ecu, 7_000 * ECU);
  // Even when the round records do not say trial, the config's list decides.
  const unmarked = payOne(rounds.map((r) => ({ ...r, trial: false })), { trialRounds: [1, 2] });
  assert.deepEqual(unmarked.rounds.map((r) => r.counted), [false, false, true, true]);
});

Deno.test("the random draw is uniform over the non-trial rounds and never picks a trial round", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 30 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 30 }),
      fc.integer(),
      (numRounds, trialRounds, seed) => {
        const rng = mulberry32(seed);
        const payable = Array.from({ length: numRounds }, (_, i) => i + 1)
          .filter((r) => !trialRounds.includes(r));
        for (let k = 0; k < 50; k++) {
          const r = drawPaidRound(numRounds, trialRounds, rng);
          if (payable.length === 0) assert.equal(r, null);
          else assert.ok(r !== null && payable.includes(r), `drew ${r}`);
        }
      },
    ),
    { numRuns: 500 },
  );
  // P4: 12 rounds, [1, 2] trial → rounds 3..12, each about a tenth of the time.
  const rng = mulberry32(59337);
  const counts = new Map<number, number>();
  const n = 100_000;
  for (let k = 0; k < n; k++) {
    const r = drawPaidRound(12, [1, 2], rng)!;
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const c of counts.values()) assert.ok(Math.abs(c - n / 10) < 600, `${c}`);
  // The ends of [0, 1) map to the first and last payable rounds.
  assert.equal(drawPaidRound(12, [1, 2], () => 0), 3);
  assert.equal(drawPaidRound(12, [1, 2], () => 1 - 2 ** -53), 12);
  assert.throws(() => drawPaidRound(12, [1, 2], () => 1), RangeError);
  assert.equal(drawPaidRound(2, [1, 2], () => 0.5), null);
});

Deno.test("the cap applies to earnings without the fee: fee 2.5, max 50, earnings 49 → 51.5", () => {
  // 49 currency at 0.02 per ECU: E = 2,450 ECU.
  const p = payOne([round(1, 2_450 * ECU)]);
  assert.equal(p.earnings_before_cap, 49 * UNIT);
  assert.equal(p.earnings, 49 * UNIT);
  assert.equal(p.capped, false);
  assert.equal(p.payment, 51.5 * UNIT, "upstream paid 52.5");
  // Above the cap: the fee comes on top of max_payment.
  const over = payOne([round(1, 3_000 * ECU)]);
  assert.equal(over.earnings_before_cap, 60 * UNIT);
  assert.equal(over.earnings, 50 * UNIT);
  assert.equal(over.capped, true);
  assert.equal(over.payment, 52.5 * UNIT);
  // Exactly at the cap is not capped.
  const at = payOne([round(1, 2_500 * ECU)]);
  assert.deepEqual([at.capped, at.payment], [false, 52.5 * UNIT]);
});

Deno.test("a negative sum pays the fee only, flagged negative", () => {
  const p = payOne([round(1, 1_000 * ECU), round(2, -1_500 * ECU)]);
  assert.equal(p.ecu, -500 * ECU);
  assert.equal(p.negative, true);
  assert.equal(p.earnings_before_cap, 0);
  assert.equal(p.earnings, 0);
  assert.equal(p.capped, false);
  assert.equal(p.payment, P4.participationFee);
  const zero = payOne([round(1, 0)]);
  assert.deepEqual([zero.negative, zero.payment], [false, P4.participationFee]);
});

Deno.test("E × rate is exact: 0.02 × 12,345,678 and ties a float would get wrong", () => {
  // 1,234.5678 ECU × 0.02 = 24.691356 → 24.69.
  assert.equal(payOne([round(1, 12_345_678)]).earnings_before_cap, 246_900);
  // 3.5 ECU × 0.07 = 0.245 exactly, a tie → 0.24; as floats 35000 × 0.07 = 2450.0000000000005.
  const rate7 = { payment: { ...P4, exchangeRate: 0.07 } };
  assert.equal(payOne([round(1, 35_000)], rate7).earnings_before_cap, 2_400);
  assert.equal(payOne([round(1, 55_000)], rate7).earnings_before_cap, 3_800);
  // A large session total: 10 million ECU × 0.02 = 200,000 exactly (before the cap).
  const big = payOne([round(1, 10_000_000 * ECU)], {
    payment: { ...P4, maxPayment: 10_000_000 * UNIT },
  });
  assert.equal(big.earnings_before_cap, 200_000 * UNIT);
  // Rates that print in exponent form.
  assert.deepEqual(exactDecimal(1e-7), { num: 1n, den: 10_000_000n });
  assert.deepEqual(exactDecimal(1.5e-10), { num: 15n, den: 100_000_000_000n });
  assert.deepEqual(exactDecimal(0.02), { num: 2n, den: 100n });
  assert.deepEqual(exactDecimal(2), { num: 2n, den: 1n });
  assert.deepEqual(exactDecimal(1e21), { num: 10n ** 21n, den: 1n });
  // 500,000 ECU × 1e-7 = 0.05.
  const tiny = payOne([round(1, 500_000 * ECU)], { payment: { ...P4, exchangeRate: 1e-7 } });
  assert.equal(tiny.earnings_before_cap, 500);
  assert.throws(() => exactDecimal(Number.NaN), RangeError);
  assert.throws(() => exactDecimal(-0.02), RangeError);
});

Deno.test("earnings are rounded to whole cents, half to even", () => {
  // At 0.02 per ECU, E = 2,500 (0.25 ECU) is half a cent.
  const cents = (e: number) => payOne([round(1, e)]).earnings_before_cap;
  assert.equal(cents(2_500), 0, "0.5 cent → 0");
  assert.equal(cents(7_500), 200, "1.5 cents → 2");
  assert.equal(cents(12_500), 200, "2.5 cents → 2");
  assert.equal(cents(12_501), 300, "just above 2.5 cents → 3");
  assert.equal(cents(2_499), 0);
  for (let e = -50_000; e <= 50_000; e += 37) assert.equal(cents(e) % 100, 0, `${e}`);
});

// ---------------------------------------------------------------- who and what counts

Deno.test("rounds played by a bot after a dropout are not counted", () => {
  const p = payOne([
    round(1, 1_000 * ECU),
    round(2, 1_200 * ECU, { played_by_bot: true }),
    round(3, 900 * ECU),
  ]);
  assert.deepEqual(p.rounds.map((r) => r.counted), [true, false, true]);
  assert.equal(p.ecu, 1_900 * ECU);
  assert.equal(p.payment, P4.participationFee + 38 * UNIT);
  // Under the random rule a drawn bot round pays nothing.
  const random = { payment: { ...P4, randomPayoff: true }, paidRound: 2 };
  const drawn = payOne(
    [round(1, 1_000 * ECU), round(2, 1_200 * ECU, { played_by_bot: true })],
    random,
  );
  assert.deepEqual([drawn.ecu, drawn.payment], [0, P4.participationFee]);
});

Deno.test("random rule: only the drawn round counts; an unplayed drawn round counts 0", () => {
  const random = { payment: { ...P4, randomPayoff: true }, trialRounds: [1], paidRound: 3 };
  const rounds = [1, 2, 3, 4].map((r) => round(r, r * 1_000 * ECU, { trial: r === 1 }));
  const p = payOne(rounds, random);
  assert.equal(p.rule, "random");
  assert.equal(p.paid_round, 3);
  assert.deepEqual(p.rounds.map((r) => r.counted), [false, false, true, false]);
  assert.equal(p.ecu, 3_000 * ECU);
  assert.equal(p.payment, P4.participationFee + 50 * UNIT);
  assert.equal(p.capped, true);
  const missing = payOne(rounds.slice(0, 2), random);
  assert.deepEqual([missing.ecu, missing.payment], [0, P4.participationFee]);
  // Every round a trial: nothing to draw, E = 0.
  const none = payOne(rounds, { ...random, trialRounds: [1, 2, 3, 4], paidRound: null });
  assert.deepEqual([none.paid_round, none.ecu, none.payment], [null, 0, P4.participationFee]);
  // The sum rule ignores a drawn round.
  assert.equal(payOne(rounds, { trialRounds: [1], paidRound: 3 }).paid_round, null);
});

Deno.test("a drawn round that is not payable, or none when one is, is refused", () => {
  const random = { payment: { ...P4, randomPayoff: true }, trialRounds: [1, 2] };
  const rounds = [round(1, ECU), round(2, ECU), round(3, ECU)];
  assert.throws(() => payOne(rounds, { ...random, paidRound: 2 }), RangeError);
  assert.throws(() => payOne(rounds, { ...random, paidRound: 5 }), RangeError);
  assert.throws(() => payOne(rounds, { ...random, paidRound: null }), RangeError);
  assert.throws(() => payOne([round(3, ECU), round(3, ECU)]), RangeError);
  assert.throws(() => payOne([round(3, 0.5)]), RangeError);
  assert.throws(() => payOne(rounds, { numRounds: -1 }), RangeError);
});

Deno.test("not consented, overbooked and underbooked are paid exactly the fee", () => {
  const rows = pay([
    person([], "not_consented", 1),
    person([], "overbooked", 2),
    person([round(1, 5_000 * ECU)], "underbooked", 3),
    person([round(1, 5_000 * ECU)], "eligible", 4),
  ]);
  for (const p of rows.slice(0, 3)) {
    assert.equal(p.payment, P4.participationFee, p.eligibility);
    assert.deepEqual([p.ecu, p.earnings, p.negative, p.capped], [0, 0, false, false]);
    assert.ok(p.rounds.every((r) => !r.counted));
  }
  assert.equal(rows[3].payment, P4.participationFee + P4.maxPayment);
  assert.deepEqual(
    rows.map((p) => [p.participant, p.eligibility, p.currency]),
    [
      [1, "not_consented", "EUR"],
      [2, "overbooked", "EUR"],
      [3, "underbooked", "EUR"],
      [4, "eligible", "EUR"],
    ],
  );
});

Deno.test("pure: the same input gives the same output and is left unchanged", () => {
  const input: PaymentComputation = {
    payment: { ...P4, randomPayoff: true },
    currency: "CHF",
    numRounds: 3,
    trialRounds: [1],
    paidRound: 2,
    participants: [person([round(3, ECU), round(2, 1_234 * ECU), round(1, ECU, { trial: true })])],
  };
  const copy = structuredClone(input);
  const a = computePayments(input);
  assert.deepEqual(computePayments(input), a);
  assert.deepEqual(input, copy);
  assert.deepEqual(a[0].rounds.map((r) => r.round), [1, 2, 3], "rounds ascending");
});

// ---------------------------------------------------------------- reference

/** The rule written out the long way: rationals as (numerator, denominator) bigints. */
function reference(
  config: { rateDigits: number; rateScale: number; fee: number; max: number; random: boolean },
  numRounds: number,
  trials: number[],
  paid: number | null,
  p: PaymentInput,
): number {
  if (p.eligibility !== "eligible") return config.fee;
  let e = 0;
  for (let r = 1; r <= numRounds; r++) {
    if (trials.includes(r)) continue;
    if (config.random && r !== paid) continue;
    const played = p.rounds.find((x) => x.round === r);
    if (played && !played.trial && !played.played_by_bot) e += played.payoff;
  }
  if (e <= 0) return config.fee;
  // Cents = e × digits / 10^scale / 100, to the nearest, ties to even.
  const num = BigInt(e) * BigInt(config.rateDigits);
  const den = 10n ** BigInt(config.rateScale + 2);
  let cents = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && cents % 2n === 1n)) cents += 1n;
  const earnings = Math.min(Number(cents) * 100, config.max);
  return config.fee + earnings;
}

Deno.test("property: payments equal a brute-force reference", () => {
  const roundsArb = (numRounds: number) =>
    fc.array(
      fc.record({
        round: fc.integer({ min: 1, max: numRounds + 2 }),
        trial: fc.boolean(),
        payoff: fc.integer({ min: -50_000_000, max: 50_000_000 }),
        played_by_bot: fc.boolean(),
      }),
      { maxLength: numRounds + 2 },
    ).map((rs) => [...new Map(rs.map((r) => [r.round, r])).values()]);
  const caseArb = fc.integer({ min: 0, max: 12 }).chain((numRounds) =>
    fc.record({
      numRounds: fc.constant(numRounds),
      trials: fc.uniqueArray(fc.integer({ min: 1, max: numRounds + 1 }), { maxLength: 4 }),
      rateDigits: fc.integer({ min: 1, max: 99_999 }),
      rateScale: fc.integer({ min: 0, max: 9 }),
      fee: fc.integer({ min: 0, max: 1_000 }).map((c) => c * 100),
      max: fc.integer({ min: 0, max: 100_000 }).map((c) => c * 100),
      random: fc.boolean(),
      seed: fc.integer(),
      people: fc.array(
        fc.record({
          eligibility: fc.constantFrom<Eligibility>(
            "eligible",
            "eligible",
            "not_consented",
            "overbooked",
            "underbooked",
          ),
          rounds: roundsArb(numRounds),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    })
  );
  fc.assert(
    fc.property(caseArb, (c) => {
      const rate = Number(`${c.rateDigits}e-${c.rateScale}`);
      const paid = c.random ? drawPaidRound(c.numRounds, c.trials, mulberry32(c.seed)) : null;
      const participants = c.people.map((p, i) => ({
        participant: i + 1,
        label: `P${i + 1}`,
        eligibility: p.eligibility,
        rounds: p.rounds,
      }));
      const rows = computePayments({
        payment: {
          exchangeRate: rate,
          participationFee: c.fee,
          maxPayment: c.max,
          randomPayoff: c.random,
        },
        currency: "EUR",
        numRounds: c.numRounds,
        trialRounds: c.trials,
        paidRound: paid,
        participants,
      });
      for (const [i, p] of participants.entries()) {
        const expected = reference(c, c.numRounds, c.trials, paid, p);
        assert.equal(rows[i].payment, expected, JSON.stringify({ c, p, row: rows[i] }));
        assert.equal(rows[i].payment % 100, 0);
        assert.equal(rows[i].payment, rows[i].participation_fee + rows[i].earnings);
        assert.ok(rows[i].earnings <= c.max);
        assert.equal(rows[i].capped, rows[i].earnings_before_cap > c.max);
        assert.equal(
          rows[i].ecu,
          rows[i].rounds.filter((r) => r.counted).reduce((s, r) => s + r.payoff, 0),
        );
      }
    }),
    { numRuns: 1_000 },
  );
});

// ---------------------------------------------------------------- display

Deno.test("formatMoney: two decimals, exact, sign, sub-cent rest half to even", () => {
  assert.equal(formatMoney(515_000, "EUR"), "51.50 EUR");
  assert.equal(formatMoney(0, "EUR"), "0.00 EUR");
  assert.equal(formatMoney(25_000, "CHF"), "2.50 CHF");
  assert.equal(formatMoney(-5_000, "EUR"), "-0.50 EUR");
  assert.equal(formatMoney(-100, "EUR"), "-0.01 EUR");
  assert.equal(formatMoney(-50, "EUR"), "0.00 EUR");
  assert.equal(formatMoney(150, "EUR"), "0.02 EUR");
  assert.equal(formatMoney(250, "EUR"), "0.02 EUR");
  assert.equal(formatMoney(9_007_199_254_740_900, "EUR"), "900719925474.09 EUR");
  assert.throws(() => formatMoney(1.5, "EUR"), RangeError);
});
