/**
 * Rooms as the browser sees them.
 *
 * `GET /api/rooms` returns {@link RoomView}s (the admin Rooms page polls it).
 *
 * `/ws/room/<seat token>` is the waiting page's connection: the seat counts
 * as present while it is open. The server sends a {@link RoomSeatMessage}
 * at once and again whenever a session is created in the room; the browser
 * sends only `{type:"ping"}`, which keeps idle proxies from closing it.
 */

import type { Phase } from "./subject_protocol.ts";

export type RoomSeatMessage =
  /** No session in the room yet. */
  | { type: "waiting" }
  /** The room's session `code` has a participant for this seat: reload to join it. */
  | { type: "session"; code: string }
  /** The room's session `code` has no participant for this seat. */
  | { type: "full"; code: string };

export interface RoomSeatView {
  label: string;
  /** The seat's stable link. */
  url: string;
  /** Its waiting page is open. */
  present: boolean;
  /** The participant it is in the current session, if any. */
  participant: string | null;
}

export interface RoomView {
  name: string;
  seats: RoomSeatView[];
  /** The session created in the room last. */
  session: { code: string; phase: Phase | null; admin_url: string } | null;
}

/** A seat message from the server, or null for anything else. */
export function parseRoomSeatMessage(text: unknown): RoomSeatMessage | null {
  if (typeof text !== "string") return null;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== "object" || m === null) return null;
  const { type, code } = m as { type?: unknown; code?: unknown };
  if (type === "waiting") return { type };
  if ((type === "session" || type === "full") && typeof code === "string") return { type, code };
  return null;
}
