/**
 * Everything rooms add to the app:
 *
 * - `/api/rooms…` the room API and `/admin/rooms` the Rooms page, behind
 *   the admin password;
 * - `/room/<seat token>` a seat's stable link and `/ws/room/<seat token>`
 *   its waiting page's socket, open to anyone holding the link.
 */

import type { Hono } from "hono";
import type { RoomRegistry, RoomSessions } from "../session/room_registry.ts";
import { type AdminAuth, requireAdmin } from "./admin_auth.ts";
import { roomApi, roomView } from "./room_api.ts";
import { roomPage } from "./room_page.tsx";
import { renderAdminRooms } from "./room_pages.tsx";
import { roomSocket } from "./room_socket.ts";

export interface RoomDeps {
  rooms: RoomRegistry;
  /** The session registry. */
  sessions: RoomSessions;
  auth: AdminAuth;
  /** Example configs offered by the new-session form (name → text). */
  examples: () => Promise<{ name: string; text: string }[]>;
  /** Origin for links when the server sits behind a proxy (HFT_PUBLIC_URL). */
  publicUrl?: string;
}

export function roomRoutes(app: Hono, deps: RoomDeps): void {
  const { rooms, sessions, publicUrl } = deps;
  // Guarded here too, so the room API never depends on how the app guards /api.
  const guard = requireAdmin(deps.auth);
  app.use("/api/rooms", guard);
  app.use("/api/rooms/*", guard);
  app.use("/admin/rooms", guard);

  app.route("/api/rooms", roomApi(rooms, sessions, { publicUrl }));
  app.get("/admin/rooms", async (c) =>
    c.html(renderAdminRooms({
      rooms: rooms.list().map((r) => roomView(r, rooms, sessions, c, publicUrl)),
      examples: await deps.examples(),
    })));
  app.get("/room/:token", roomPage(rooms, sessions));
  app.get("/ws/room/:token", roomSocket(rooms, sessions));
}
