/**
 * Runs exchange scenarios written in the notation of the shared reference's
 * golden scenarios (`leeps-exchange.md` §11), through the full OUCH path:
 * requests are encoded and decoded before the exchange sees them, replies
 * after it sent them, and every reply is rendered back into the notation.
 *
 * A script line is `[t=SECONDS] INPUT -> OUTPUT; OUTPUT; …` where INPUT is
 *   O tok B|S shares@price [tif=N] [peg]   X tok shares   U old→new shares@price [tif=N]
 *   K bid:offer   batch   H   M tok   (timer)
 * and an OUTPUT is A(tok), R(new prev=old sh@px L|D), E tok q@px m#, C tok -d (r),
 * Q(bb,vbb,ba,vba,nb,na), Z{cp tv bb/vbb ba/vba nb na}, L(state,peg), S or ∅.
 * `*` in an expected output matches any token (random FBA order).
 */

import assert from "node:assert/strict";
import { Exchange, type ExchangeOptions } from "../exchange/exchange.ts";
import {
  cancelOrder,
  enterOrder,
  externalFeed,
  replaceOrder,
  systemStart,
} from "../exchange/order_messages.ts";
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
} from "../ouch/codec.ts";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import { MAX_PRICE } from "../engine-wasm/events.ts";

export interface Delivered {
  /** Connection id, or "*" for a broadcast. */
  to: number | "*";
  message: ServerMessage;
}

/** An exchange on virtual time that records what it sends. */
export class ScriptedExchange {
  sent: Delivered[] = [];
  now = 0;
  private constructor(public exchange: Exchange) {}

  static async create(options: ExchangeOptions): Promise<ScriptedExchange> {
    const holder: { s?: ScriptedExchange } = {};
    const roundTrip = (m: ServerMessage) => decodeServerMessage(encodeServerMessage(m));
    const exchange = await Exchange.create({
      send: (conn, m) => holder.s!.sent.push({ to: conn, message: roundTrip(m) }),
      broadcast: (m) => holder.s!.sent.push({ to: "*", message: roundTrip(m) }),
    }, { batchMs: 1e12, ...options });
    return holder.s = new ScriptedExchange(exchange);
  }

  /** Sends a request from `conn` at the current time; returns what it caused. */
  request(message: ClientMessage, conn = 1): Delivered[] {
    this.sent = [];
    this.exchange.receive(conn, decodeClientMessage(encodeClientMessage(message)), this.now);
    return this.sent;
  }

  /** Moves time to `ms` running what fell due; returns what it caused. */
  advanceTo(ms: number): Delivered[] {
    this.sent = [];
    this.now = ms;
    this.exchange.advance(ms);
    return this.sent;
  }

  /** Runs an FBA batch now; returns what it caused. */
  batch(): Delivered[] {
    this.sent = [];
    this.exchange.runBatch(this.now);
    return this.sent;
  }

  /** One script line (see the module comment); returns the rendered outputs. */
  step(line: string): string[] {
    let input = line.trim();
    const at = /^t=([\d.]+)\s+/.exec(input);
    const out: Delivered[] = [];
    if (at) {
      out.push(...this.advanceTo(Number(at[1]) * 1000));
      input = input.slice(at[0].length);
    }
    if (!input.startsWith("(")) out.push(...this.#input(input));
    return out.map((d) => render(d.message));
  }

  /** Runs a whole script, asserting each line's outputs. */
  run(script: string, name = "scenario"): void {
    for (const raw of script.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const [input, expected = ""] = line.split(/\s+->\s+/);
      const want = expected.trim() === "∅" || expected.trim() === ""
        ? []
        : expected.split(";").map((s) => s.trim());
      const got = this.step(input);
      const ok = got.length === want.length && want.every((w, i) => matches(w, got[i]));
      assert.ok(
        ok,
        `${name}: ${input}\n  want ${want.join("; ") || "∅"}\n  got  ${got.join("; ") || "∅"}`,
      );
    }
  }

  #input(input: string): Delivered[] {
    const p = input.split(/\s+/);
    const price = (s: string) => s === "MAX" ? MAX_PRICE : Number(s);
    const tif = () => {
      const t = p.find((x) => x.startsWith("tif="));
      return t ? Number(t.slice(4)) : undefined;
    };
    switch (p[0]) {
      case "O": {
        const [shares, px] = p[3].split("@");
        return this.request(enterOrder({
          token: p[1],
          side: p[2] as "B" | "S",
          shares: Number(shares),
          price: price(px),
          timeInForce: tif(),
          midpointPeg: p.includes("peg"),
        }));
      }
      case "X":
        return this.request(cancelOrder(p[1], Number(p[2])));
      case "U": {
        const [existing, replacement] = p[1].split("→");
        const [shares, px] = p[2].split("@");
        return this.request(replaceOrder({
          existing,
          replacement,
          shares: Number(shares),
          price: price(px),
          timeInForce: tif(),
        }));
      }
      case "K": {
        const [bid, offer] = p[1].split(":").map(price);
        return this.request(externalFeed(bid, offer));
      }
      case "H":
        return this.request(systemStart());
      case "M":
        return this.request({
          type: "M",
          orderToken: p[1].padEnd(14, " "),
          buySellIndicator: "B",
          shares: 1,
        });
      case "batch":
        return this.batch();
    }
    throw new Error(`unknown script input ${JSON.stringify(input)}`);
  }
}

const px = (n: number) => (n === MAX_PRICE ? "MAX" : String(n));
const tok = (t: string) => t.trimEnd();

/** A reply in the reference's notation. */
export function render(m: ServerMessage): string {
  switch (m.type) {
    case "A":
      return `A(${tok(m.orderToken)})`;
    case "U":
      return `R(${tok(m.replacementOrderToken)} prev=${tok(m.previousOrderToken)} ` +
        `${m.shares}@${px(m.price)} ${m.orderState})`;
    case "E":
      return `E ${tok(m.orderToken)} ${m.executedShares}@${px(m.executionPrice)} m${m.matchNumber}`;
    case "C":
      return `C ${tok(m.orderToken)} -${m.decrementShares} (${m.reason})`;
    case "Q":
      return `Q(${
        [m.bestBid, m.volumeAtBestBid, m.bestAsk, m.volumeAtBestAsk, m.nextBid, m.nextAsk]
          .map((v, i) => i % 2 === 1 && i < 4 ? String(v) : px(v)).join(",")
      })`;
    case "Z":
      return `Z{${m.clearingPrice} ${m.transactedVolume} ${px(m.bestBid)}/${m.volumeAtBestBid} ` +
        `${px(m.bestAsk)}/${m.volumeAtBestAsk} ${px(m.nextBid)} ${px(m.nextAsk)}}`;
    case "L":
      return `L(${m.pegState},${m.pegPrice})`;
    case "S":
      return "S";
    case "J":
      return `J(${tok(m.orderToken)} ${m.reason})`;
    default:
      return m.type;
  }
}

function matches(want: string, got: string | undefined): boolean {
  if (got === undefined) return false;
  const pattern = want.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\S+");
  return new RegExp(`^${pattern}$`).test(got);
}
