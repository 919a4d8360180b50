/** Realistic event data for storage tests and the persistence benchmark. */

/** A trader_record as the market writes it: about 30 fields, integers for money. */
export function traderRecord(i: number): Record<string, unknown> {
  return {
    seat: 1 + (i % 6),
    participant: i % 7 === 0 ? null : 1 + (i % 6),
    trigger_event_type: ["A", "U", "C", "E"][i % 4],
    trader_model_name: ["manual", "automated", "out"][i % 3],
    delay: i % 2 ? 0.1 : 0.5,
    speed: i % 2 === 1,
    inventory: (i % 11) - 5,
    cash: 1_000_000 + i * 37,
    speed_cost: i * 3,
    net_worth: 1_000_000 - i,
    tax_paid: 0,
    reference_price: 1_000_000,
    bid: i % 5 === 0 ? null : 999_000 + (i % 100),
    offer: i % 5 === 1 ? null : 1_001_000 - (i % 100),
    staged_bid: null,
    staged_offer: null,
    implied_bid: 998_500,
    implied_offer: 1_001_500,
    best_bid: 999_500,
    best_offer: 1_000_500,
    best_bid_except_me: 999_400,
    best_offer_except_me: 1_000_600,
    e_best_bid: 999_500,
    e_best_offer: 1_000_500,
    slider_a_x: 0.25,
    slider_a_y: 0.5,
    slider_a_z: 0,
    signed_volume: 0.125,
    e_signed_volume: -0.0625,
    executed_price: i % 4 === 3 ? 1_000_000 : null,
    buy_sell_indicator: ["B", "S", ""][i % 3],
  };
}
