/**
 * The event log of one simulated round: one row per request sent, reply
 * received, broadcast, value or feed change, in the order they happened.
 * `value` is the number the environment trades against at that moment:
 * the fundamental value V (BCS) or the reference price (ELO).
 */

export interface LogRow {
  timeMs: number;
  event: string;
  trader: string;
  token: string;
  side: string;
  price: number | "";
  shares: number | "";
  value: number;
}

export class RoundLog {
  readonly rows: LogRow[] = [];

  constructor(
    private readonly now: () => number,
    private readonly value: () => number,
  ) {}

  record(
    event: string,
    trader = "",
    token = "",
    side = "",
    price: number | "" = "",
    shares: number | "" = "",
  ): void {
    this.rows.push({
      timeMs: this.now(),
      event,
      trader,
      token: token.trimEnd(),
      side,
      price,
      shares,
      value: this.value(),
    });
  }
}
