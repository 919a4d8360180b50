/**
 * Parser for the QuantCup order-book contest feed.
 *
 *   op,trader,side,price,size
 *   L,ID8,B,4799,500     limit order; ids 1, 2, 3... in feed order
 *   C,,,,2               cancel the order whose id is in the size column
 *
 * Malformed rows are reported with their line number, never skipped.
 */

import { type Workload, WorkloadBuilder } from "./workload.ts";

const GOOD_TILL_CANCEL = 99999;

export function parseQuantcupFeed(text: string, name = "quantcup"): Workload {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "op,trader,side,price,size") {
    throw new Error(
      `quantcup feed line 1: expected header "op,trader,side,price,size", got ${
        JSON.stringify(lines[0])
      }`,
    );
  }
  const w = new WorkloadBuilder(name);
  let nextId = 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const f = line.split(",");
    const where = `quantcup feed line ${i + 1}`;
    if (f.length !== 5) {
      throw new Error(`${where}: expected 5 columns, got ${f.length}`);
    }
    const int = (col: number, name: string) => {
      const v = Number(f[col]);
      if (f[col] === "" || !Number.isInteger(v) || v < 0) {
        throw new Error(
          `${where}, column ${col + 1} (${name}): expected a non-negative integer, got ${
            JSON.stringify(f[col])
          }`,
        );
      }
      return v;
    };
    if (f[0] === "L") {
      if (f[2] !== "B" && f[2] !== "S") {
        throw new Error(
          `${where}, column 3 (side): expected B or S, got ${JSON.stringify(f[2])}`,
        );
      }
      w.enter(
        nextId++,
        f[2] === "B" ? 0 : 1,
        int(3, "price"),
        int(4, "size"),
        GOOD_TILL_CANCEL,
      );
    } else if (f[0] === "C") {
      w.cancel(int(4, "size"));
    } else {
      throw new Error(
        `${where}, column 1 (op): expected L or C, got ${JSON.stringify(f[0])}`,
      );
    }
  }
  return w.build();
}
