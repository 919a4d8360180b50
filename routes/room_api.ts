/**
 * The room API under /api/rooms, behind the admin password like the
 * session API; the admin Rooms page uses it.
 *
 * - `POST /api/rooms` with JSON `{name, labels: [...]}` or `{name, seats: N}`
 *   (labels "1".."N") → 201 `{name, seats: [{label, url}]}`; 400 `{error}`
 *   names every problem; 409 when the name is taken.
 * - `GET /api/rooms` → every {@link RoomView}; `GET /api/rooms/:name` → one.
 *
 * A session is created in a room by `POST /api/sessions?room=<name>`.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { RoomSeatView, RoomView } from "../protocol/room_protocol.ts";
import {
  MAX_SEATS,
  type Room,
  roomNameProblems,
  type RoomRegistry,
  RoomRejected,
  type RoomSessions,
  seatLabelProblems,
  unknownRoom,
} from "../session/room_registry.ts";
import { sessionUrls } from "./session_api.ts";

/** 200 labels of 40 characters are about 10 KiB of JSON; this leaves room and no more. */
export const MAX_ROOM_BYTES = 64 * 1024;

export function roomErrorStatus(e: RoomRejected): 400 | 404 | 409 {
  return e.reason === "unknown" ? 404 : e.reason === "taken" ? 409 : 400;
}

/** A seat's stable link. */
export function seatUrl(origin: string, token: string): string {
  return `${origin}/room/${token}`;
}

export function roomView(
  room: Room,
  rooms: RoomRegistry,
  sessions: RoomSessions,
  c: Context,
  publicUrl?: string,
): RoomView {
  const urls = sessionUrls(c, publicUrl);
  const present = new Set(rooms.present(room.name));
  const code = rooms.currentSession(room.name);
  const session = code === null ? undefined : sessions.get(code);
  const participantOf = new Map<string, string>();
  for (const p of session?.participants ?? []) {
    if (p.room_seat) participantOf.set(p.room_seat, p.label);
  }
  const seats: RoomSeatView[] = room.seats.map((s) => ({
    label: s.label,
    url: seatUrl(urls.origin, s.token),
    present: present.has(s.label),
    participant: participantOf.get(s.token) ?? null,
  }));
  return {
    name: room.name,
    seats,
    session: code === null
      ? null
      : { code, phase: session?.phase ?? null, admin_url: urls.admin(code) },
  };
}

/** `{name, labels}` or `{name, seats}` as a name and labels, or every problem with it. */
function roomRequest(body: unknown): { name: string; labels: string[] } | string[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return [
      'the body must be a JSON object: {"name": …, "labels": [...]} or {"name": …, "seats": N}',
    ];
  }
  const { name, labels, seats } = body as Record<string, unknown>;
  const problems = roomNameProblems(name);
  let given: unknown = labels;
  if (labels !== undefined && seats !== undefined) {
    problems.push("give either labels or seats, not both");
  } else if (seats !== undefined) {
    if (typeof seats !== "number" || !Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS) {
      problems.push(`seats: must be a whole number 1..${MAX_SEATS}, got ${JSON.stringify(seats)}`);
    } else {
      given = Array.from({ length: seats }, (_, i) => String(i + 1));
    }
  } else if (labels === undefined) {
    problems.push('give the seats\' "labels" (a list) or their number as "seats"');
  }
  if (given !== undefined) problems.push(...seatLabelProblems(given));
  return problems.length > 0 ? problems : { name: name as string, labels: given as string[] };
}

export function roomApi(
  rooms: RoomRegistry,
  sessions: RoomSessions,
  options: { publicUrl?: string } = {},
): Hono {
  const api = new Hono();

  api.post(
    "/",
    bodyLimit({
      maxSize: MAX_ROOM_BYTES,
      onError: (c) => c.json({ error: `the request is larger than ${MAX_ROOM_BYTES} bytes` }, 413),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        return c.json({ error: `the body must be JSON: ${why}` }, 400);
      }
      const request = roomRequest(body);
      if (Array.isArray(request)) {
        return c.json({ error: new RoomRejected("invalid", request).message }, 400);
      }
      try {
        const room = await rooms.create(request.name, request.labels);
        const { origin } = sessionUrls(c, options.publicUrl);
        return c.json({
          name: room.name,
          seats: room.seats.map((s) => ({ label: s.label, url: seatUrl(origin, s.token) })),
        }, 201);
      } catch (e) {
        if (e instanceof RoomRejected) return c.json({ error: e.message }, roomErrorStatus(e));
        throw e;
      }
    },
  );

  api.get(
    "/",
    (c) => c.json(rooms.list().map((r) => roomView(r, rooms, sessions, c, options.publicUrl))),
  );

  api.get("/:name", (c) => {
    const room = rooms.get(c.req.param("name"));
    if (!room) return c.json({ error: unknownRoom(c.req.param("name")).message }, 404);
    return c.json(roomView(room, rooms, sessions, c, options.publicUrl));
  });

  return api;
}
