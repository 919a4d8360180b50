/**
 * The load bench's floor: a server that speaks just enough of the subjects'
 * protocol for the bots to trade (a snapshot on a running round's trading
 * page with the manual role, `pong`) and answers each order at once with the
 * `orders` update that acknowledges it: no market, no event log, no
 * database, no other screens. The same bots against it, on the same
 * machine, measure what the sockets, the bots and the machine alone cost;
 * the real server cannot answer faster than this.
 *
 * Frames are parsed with the real server's parser and a turn's updates to
 * a socket leave in one frame, as on the real server.
 */

import { parseSubjectRequest, ProtocolError } from "../protocol/subject_protocol.ts";
import type { OwnOrder, SubjectSnapshot } from "../protocol/subject_protocol.ts";
import type { UpdateBody } from "../session/subject_channel.ts";

export interface AckFloor {
  /** One WebSocket URL per seat, as `socketUrl` makes for the real server. */
  sockets: { label: string; url: string }[];
  close(): Promise<void>;
}

/** Starts the floor server on a free loopback port with `seats` links. */
export function startAckFloor(seats: number, durationMs: number): AckFloor {
  const startedAt = performance.now();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const m = /^\/ws\/subject\/s(\d+)$/.exec(new URL(request.url).pathname);
      if (!m || request.headers.get("upgrade") !== "websocket") {
        return new Response("not found", { status: 404 });
      }
      const label = `S${m[1]}`;
      const { socket, response } = Deno.upgradeWebSocket(request);
      let seq = 0;
      let next = 0;
      let queued: string[] = [];
      const flush = () => {
        const texts = queued;
        queued = [];
        if (socket.readyState === WebSocket.OPEN) {
          socket.send(texts.length === 1 ? texts[0] : `[${texts.join(",")}]`);
        }
      };
      const send = (update: UpdateBody) => {
        if (queued.push(JSON.stringify({ seq: ++seq, ...update })) === 1) queueMicrotask(flush);
      };
      const roundMs = () => Math.round(performance.now() - startedAt);
      // the bot's own orders, one per side, as the real screen lists them
      const resting: Partial<Record<"B" | "S", OwnOrder>> = {};
      socket.onopen = () => {
        const state: SubjectSnapshot = {
          label,
          page: { name: "trading", round: 1 },
          environment: "elo",
          format: "cda",
          roles: ["out", "manual", "automated"],
          signed_volume_widgets: false,
          clock: {
            phase: "running",
            round: 1,
            num_rounds: 1,
            trial: false,
            duration_ms: durationMs,
            round_ms: roundMs(),
          },
          bbo: {
            best_bid: 990_000,
            best_offer: 1_010_000,
            volume_at_best_bid: 1,
            volume_at_best_offer: 1,
          },
          levels: [],
          external: { e_best_bid: 0, e_best_offer: 0, e_signed_volume: 0 },
          peg: 0,
          last_batch: null,
          trades: [],
          strategy: { role: "manual", speed: false, a_x: 0, a_y: 0, a_z: 0 },
          orders: [],
          wallet: {
            cash: 0,
            inventory: 0,
            pbd: 0,
            speed_cost: 0,
            reference_price: 1_000_000,
            signed_volume: 0,
          },
          profit: [],
          sensitivities: [],
        };
        send({ type: "snapshot", state });
      };
      socket.onmessage = (e) => {
        let r;
        try {
          r = parseSubjectRequest(e.data);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          send({ type: "error", message: err.message });
          return;
        }
        switch (r.type) {
          case "ping":
            send({ type: "pong", id: r.id, server_ms: Date.now() });
            return;
          case "order": {
            const token = `${label}-${++next}`;
            resting[r.side] = { token, side: r.side, price: r.price, state: "pending" };
            send({
              type: "orders",
              round_ms: roundMs(),
              orders: Object.values(resting),
              created: [{ token, side: r.side, price: r.price }],
            });
            return;
          }
          default:
            return;
        }
      };
      return response;
    },
  );
  const port = server.addr.port;
  return {
    sockets: Array.from({ length: seats }, (_, i) => ({
      label: `S${i + 1}`,
      url: `ws://127.0.0.1:${port}/ws/subject/s${i + 1}`,
    })),
    close: () => server.shutdown(),
  };
}
