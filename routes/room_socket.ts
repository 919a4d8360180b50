/**
 * `/ws/room/<seat token>`: a seat's waiting page. While it is open the
 * seat is present (a link previewer fetches the page but never opens
 * this). It hears what the seat's link shows now and again whenever a
 * session is created in the room, so the page reloads into its subject
 * screen or says the session is full.
 */

import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import { type RoomRegistry, type RoomSessions, seatState } from "../session/room_registry.ts";
import type { RoomSeatMessage } from "../protocol/room_protocol.ts";

/** What the seat's page should hear now; null for a token that is no seat. */
export function seatMessage(
  rooms: RoomRegistry,
  sessions: RoomSessions,
  token: string,
): RoomSeatMessage | null {
  const state = seatState(rooms, sessions, token);
  switch (state.kind) {
    case "unknown":
      return null;
    case "waiting":
      return { type: "waiting" };
    case "full":
      return { type: "full", code: state.code };
    case "in":
      return { type: "session", code: state.session.code };
  }
}

export function roomSocket(rooms: RoomRegistry, sessions: RoomSessions) {
  return upgradeWebSocket((c: Context) => {
    const token = c.req.param("token") ?? "";
    const found = rooms.bySeatToken(token);
    let stop: (() => void) | null = null;
    const close = () => {
      if (!stop) return;
      stop();
      stop = null;
      rooms.seatDisconnected(token);
    };
    return {
      onOpen(_event, ws) {
        if (!found) {
          ws.close(4404, "this seat link is not known");
          return;
        }
        const tell = () => {
          const message = seatMessage(rooms, sessions, token);
          if (message && ws.readyState === 1) ws.send(JSON.stringify(message));
        };
        rooms.seatConnected(token);
        stop = rooms.onSession(found.room.name, tell);
        tell();
      },
      onClose: close,
      onError: close,
    };
  });
}
