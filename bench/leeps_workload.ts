/**
 * A Leeps-like message workload: unit-share orders around 1,000,000 on a
 * 10,000-tick grid, as in the lab's experiments, in trading days of 240 s.
 *
 * A fundamental value V starts each day at 1,000,000 and jumps as a Poisson
 * process with N(0, 5,000 ticks) jumps (the lab's N(0, 0.5)). On each jump every maker
 * re-quotes both sides around the new V (the side facing the move first), by
 * replace when its quote still rests and by a fresh enter when it was hit;
 * snipers race the makers with IOC orders at the stale quotes. Between jumps
 * investors arrive as a Poisson process with unit limit orders that live 5 s,
 * and the host's expiry cancels them. At the end of a day every resting order
 * is canceled. The stream is generated once, in event time, against a real
 * book so the messages are the ones such a market sends.
 */

import { BookCore } from "../engine-wasm/mod.ts";
import { mulberry32 } from "../market/seeded_rng.ts";
import { type Workload, WorkloadBuilder } from "./workload.ts";

const GRID = 10_000;
const JUMP_SD = 5_000;
const START_VALUE = 1_000_000;
const GTC = 99999;
const INVESTOR_TIF_S = 5;

export interface LeepsWorkloadOptions {
  seed: number;
  /** Trading seconds to generate. */
  seconds: number;
  /** Length of a trading day; the book is emptied between days. */
  daySeconds: number;
  makers: number;
  snipers: number;
  jumpsPerSecond: number;
  investorsPerSecond: number;
}

export const DEFAULT_LEEPS: LeepsWorkloadOptions = {
  seed: 7,
  seconds: 240 * 40,
  daySeconds: 240,
  makers: 6,
  snipers: 4,
  jumpsPerSecond: 1,
  investorsPerSecond: 4,
};

export async function leepsWorkload(
  o: LeepsWorkloadOptions = DEFAULT_LEEPS,
): Promise<Workload> {
  const rnd = mulberry32(o.seed);
  const exp = (rate: number) => -Math.log(1 - rnd()) / rate;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const grid = (p: number) => Math.round(p / GRID) * GRID;

  const book = await BookCore.create({ initialOrders: 1 << 20 });
  const w = new WorkloadBuilder("leeps");
  let nextId = 1;
  const enter = (side: number, price: number, tif: number) => {
    const id = nextId++;
    book.enter(id, side, price, 1, tif);
    w.enter(id, side, price, 1, tif);
    return id;
  };

  let value = START_VALUE;
  const halfSpread = Array.from({ length: o.makers }, (_, i) => (i + 1) * GRID);
  let quotes: number[][] = [];
  let expiries: { at: number; id: number }[] = [];
  const openDay = () => {
    value = START_VALUE;
    quotes = halfSpread.map((
      h,
    ) => [enter(0, value - h, GTC), enter(1, value + h, GTC)]);
    expiries = [];
  };
  const closeDay = () => {
    for (const id of [...quotes.flat(), ...expiries.map((e) => e.id)]) {
      if (book.restingShares(id) > 0) {
        book.cancel(id, 0, "U");
        w.cancel(id);
      }
    }
  };

  for (let day = 0; day * o.daySeconds < o.seconds; day++) {
    openDay();
    let t = 0;
    let nextJump = exp(o.jumpsPerSecond);
    let nextInvestor = exp(o.investorsPerSecond);
    while (true) {
      t = Math.min(nextJump, nextInvestor, expiries[0]?.at ?? Infinity);
      if (t >= o.daySeconds) break;
      if (expiries.length > 0 && expiries[0].at === t) {
        const { id } = expiries.shift()!;
        if (book.restingShares(id) > 0) {
          book.cancel(id, 0, "T");
          w.cancel(id);
        }
      } else if (t === nextJump) {
        nextJump += exp(o.jumpsPerSecond);
        const old = value;
        value = Math.round(value + normal() * JUMP_SD);
        const up = value > old;
        // snipers race the makers: some arrive first and hit stale quotes
        const order: number[] = [];
        for (let s = 0; s < o.snipers; s++) order.push(-1 - s);
        for (let m = 0; m < o.makers; m++) order.push(m);
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        for (const who of order) {
          if (who < 0) {
            if (value !== old) enter(up ? 0 : 1, value, 0);
            continue;
          }
          const sides = up ? [1, 0] : [0, 1];
          for (const side of sides) {
            const mid = grid(value);
            const price = side === 0 ? mid - halfSpread[who] : mid + halfSpread[who];
            const id = nextId++;
            const prev = quotes[who][side];
            if (book.restingShares(prev) > 0) {
              book.replace(prev, id, 1, price, GTC);
              w.replace(prev, id, side, price, 1, GTC);
            } else {
              book.enter(id, side, price, 1, GTC);
              w.enter(id, side, price, 1, GTC);
            }
            quotes[who][side] = id;
          }
        }
      } else {
        nextInvestor += exp(o.investorsPerSecond);
        const side = rnd() < 0.5 ? 0 : 1;
        const offset = grid(normal() * 2 * GRID);
        const id = enter(
          side,
          grid(value) + (side === 0 ? offset : -offset),
          INVESTOR_TIF_S,
        );
        if (book.restingShares(id) > 0) {
          expiries.push({ at: t + INVESTOR_TIF_S, id });
        }
      }
    }
    closeDay();
  }
  return w.build();
}
