/**
 * The session API under /api/sessions: experimenters script it, and the
 * admin pages use it. Every route is behind the admin password.
 *
 * - `POST /api/sessions` with a config (YAML or JSON) → 201
 *   `{code, admin_url, participants: [{label, url}]}`; 400 `{error}` lists
 *   every problem of a bad config.
 * - `GET /api/sessions` → the sessions; `GET /api/sessions/:code` → one.
 * - `POST /api/sessions/:code/{start,pause,resume,end}` (also `start-round`,
 *   `end-round`) → the session, or
 *   409 `{error}` when the action does not fit its state.
 * - `GET /api/sessions/:code/export.zip`, `/export/:file` → the data.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { SessionRegistry } from "../session/session_registry.ts";
import { SessionConfigRejected } from "../session/session_registry.ts";
import { type LiveSession, SessionStateError } from "../session/live_session.ts";
import type { SessionExportSource } from "./session_exports.ts";
import { exportRoutes } from "./session_exports.ts";
import { type RoomRegistry, RoomRejected, roomSeatsFor } from "../session/room_registry.ts";
import { roomErrorStatus } from "./room_api.ts";

/** Configs are small; this also bounds what a careless upload costs. */
export const MAX_CONFIG_BYTES = 1 << 20;

export interface SessionUrls {
  origin: string;
  admin(code: string): string;
  subject(token: string): string;
}

/** Links as the experimenter's browser reaches this server (or HFT_PUBLIC_URL). */
export function sessionUrls(c: Context, publicUrl?: string): SessionUrls {
  const origin = (publicUrl || new URL(c.req.url).origin).replace(/\/$/, "");
  return {
    origin,
    admin: (code) => `${origin}/admin/sessions/${code}`,
    subject: (token) => `${origin}/s/${token}`,
  };
}

export function viewOf(session: LiveSession, urls: SessionUrls) {
  return session.view({ admin: urls.admin(session.code), subject: urls.subject });
}

export function sessionApi(
  registry: SessionRegistry,
  options: { publicUrl?: string; exportSource: SessionExportSource; rooms?: RoomRegistry },
): Hono {
  const api = new Hono();

  api.post(
    "/",
    bodyLimit({
      maxSize: MAX_CONFIG_BYTES,
      onError: (c) => c.json({ error: `the config is larger than ${MAX_CONFIG_BYTES} bytes` }, 413),
    }),
    async (c) => {
      const text = await c.req.text();
      if (text.trim() === "") {
        return c.json({ error: "the request body must be a session config (YAML or JSON)" }, 400);
      }
      const name = c.req.query("name") ??
        (c.req.header("content-type")?.includes("json") ? "session.json" : "session.yaml");
      const roomName = c.req.query("room");
      let room;
      if (roomName !== undefined) {
        if (!options.rooms) return c.json({ error: "this server has no rooms" }, 404);
        try {
          room = roomSeatsFor(options.rooms, roomName);
        } catch (e) {
          if (e instanceof RoomRejected) return c.json({ error: e.message }, roomErrorStatus(e));
          throw e;
        }
      }
      try {
        const session = await registry.create(text, name, room ? { room } : {});
        if (room) options.rooms!.attach(room.name, session.code);
        const urls = sessionUrls(c, options.publicUrl);
        return c.json({
          code: session.code,
          admin_url: urls.admin(session.code),
          participants: session.participants.map((p) => ({
            label: p.label,
            market: p.market,
            url: urls.subject(p.token),
          })),
        }, 201);
      } catch (e) {
        if (e instanceof SessionConfigRejected) return c.json({ error: e.message }, 400);
        throw e;
      }
    },
  );

  api.get("/", (c) => {
    const urls = sessionUrls(c, options.publicUrl);
    return c.json(registry.list().map((s) => s.summary(urls.admin(s.code))));
  });

  api.get("/:code", (c) => {
    const session = registry.get(c.req.param("code"));
    if (!session) return c.json({ error: `no session ${c.req.param("code")}` }, 404);
    return c.json(viewOf(session, sessionUrls(c, options.publicUrl)));
  });

  const actions: Record<string, (s: LiveSession) => Promise<void> | void> = {
    start: (s) => s.startRound(),
    pause: (s) => s.pause(),
    resume: (s) => s.resume(),
    end: (s) => s.endRound(),
  };
  // `start-round` and `end-round` read as well in a script
  actions["start-round"] = actions.start;
  actions["end-round"] = actions.end;
  actions["form-markets"] = (s) => s.formMarkets();
  actions.finish = (s) => s.finish();
  api.post(
    "/:code/:action{start|start-round|pause|resume|end|end-round|form-markets|finish}",
    async (c) => {
      const session = registry.get(c.req.param("code"));
      if (!session) return c.json({ error: `no session ${c.req.param("code")}` }, 404);
      try {
        await actions[c.req.param("action")](session);
      } catch (e) {
        if (e instanceof SessionStateError) return c.json({ error: e.message }, 409);
        throw e;
      }
      return c.json(viewOf(session, sessionUrls(c, options.publicUrl)));
    },
  );

  // a bot takes a dropped participant's seat; `restore` gives it back
  api.post("/:code/participants/:index/:action{drop|restore}", (c) => {
    const session = registry.get(c.req.param("code"));
    if (!session) return c.json({ error: `no session ${c.req.param("code")}` }, 404);
    const index = Number(c.req.param("index"));
    if (!Number.isInteger(index) || index < 1 || index > session.participants.length) {
      return c.json({
        error: `participant must be 1..${session.participants.length}, got ${
          c.req.param("index").slice(0, 20)
        }`,
      }, 404);
    }
    try {
      session.setDropped(index, c.req.param("action") === "drop");
    } catch (e) {
      if (e instanceof SessionStateError) return c.json({ error: e.message }, 409);
      throw e;
    }
    return c.json(viewOf(session, sessionUrls(c, options.publicUrl)));
  });

  api.route("/", exportRoutes(registry, options.exportSource));
  return api;
}
