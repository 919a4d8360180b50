/**
 * The HTTP application, without a socket: main.ts serves it, tests call
 * `app.request()` on it.
 *
 * - `/` the landing page with the demo market; `/health`.
 * - `/s/<token>` a subject's trading screen, `/ws/subject/<token>` its socket.
 * - `/admin`, `/admin/sessions/<code>` the experimenter's pages, and
 *   `/api/sessions…` the session API, behind the admin password;
 *   `/ws/admin/<code>` the monitor's socket.
 */

import { Hono } from "hono";
import { DEFAULT_BUILD_DIR } from "../islands/build.ts";
import { DEMO_SOCKET_PATH, demoBookSocket, type DemoStream } from "./api_demo.ts";
import { renderLandingPage } from "./index.tsx";
import type { SessionRegistry } from "../session/session_registry.ts";
import { type AdminAuth, requireAdmin } from "./admin_auth.ts";
import { sessionApi, sessionUrls, viewOf } from "./session_api.ts";
import type { SessionExportSource } from "./session_exports.ts";
import { subjectSocket } from "./subject_socket.ts";
import { adminSocket } from "./admin_socket.ts";
import { renderParticipantPage } from "./subject_page.tsx";
import { renderAdminHome, renderAdminSession } from "./admin_pages.tsx";
import type { RoomRegistry } from "../session/room_registry.ts";
import { roomRoutes } from "./rooms.ts";

export interface SessionDeps {
  registry: SessionRegistry;
  auth: AdminAuth;
  exportSource: SessionExportSource;
  /** Example configs offered on /admin (name → text). */
  examples: () => Promise<{ name: string; text: string }[]>;
  /** Origin for links when the server sits behind a proxy (HFT_PUBLIC_URL). */
  publicUrl?: string;
  /** What /health reports about storage. */
  health?: () => Record<string, unknown>;
  /** The lab's rooms: `/room/<seat token>` links, `/api/rooms`, `/admin/rooms`. */
  rooms?: RoomRegistry;
}

export interface AppDeps {
  demo: DemoStream;
  /** Directory holding the island bundles served under /static/build/. */
  buildDir?: string;
  sessions?: SessionDeps;
}

const BUNDLE_NAME = /^[\w-]+\.js(\.map)?$/;

export function createApp(deps: AppDeps): Hono {
  const buildDir = (deps.buildDir ?? DEFAULT_BUILD_DIR).replace(/\/$/, "");
  const app = new Hono();

  app.get("/", (c) =>
    c.html(renderLandingPage({
      demoSocketPath: DEMO_SOCKET_PATH,
      demo: deps.demo.current,
    })));

  app.get("/health", (c) => c.json({ ok: true, ...(deps.sessions?.health?.() ?? {}) }));

  app.get(DEMO_SOCKET_PATH, demoBookSocket(deps.demo));

  if (deps.sessions) mountSessions(app, deps.sessions);

  app.get("/static/build/:file", async (c) => {
    const file = c.req.param("file");
    // Only plain bundle names: nothing that could climb out of buildDir.
    if (!BUNDLE_NAME.test(file)) return c.notFound();
    try {
      const body = await Deno.readFile(`${buildDir}/${file}`);
      return c.body(body, 200, {
        "content-type": file.endsWith(".map")
          ? "application/json"
          : "text/javascript; charset=utf-8",
        // Bundles keep their names across rebuilds; revalidate every load.
        "cache-control": "no-cache",
      });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return c.notFound();
      throw e;
    }
  });

  return app;
}

function mountSessions(app: Hono, deps: SessionDeps): void {
  const { registry, auth, publicUrl } = deps;
  const guard = requireAdmin(auth);
  app.use("/admin", guard);
  app.use("/admin/*", guard);
  app.use("/api/*", guard);

  app.route(
    "/api/sessions",
    sessionApi(registry, { publicUrl, exportSource: deps.exportSource, rooms: deps.rooms }),
  );
  if (deps.rooms) {
    roomRoutes(app, {
      rooms: deps.rooms,
      sessions: registry,
      auth,
      publicUrl,
      examples: deps.examples,
    });
  }
  app.get("/ws/subject/:token", subjectSocket(registry));
  app.get("/ws/admin/:code", adminSocket(registry, auth.monitorKey, publicUrl));

  app.get("/s/:token", (c) => {
    const token = c.req.param("token");
    const found = registry.byToken(token);
    if (!found) {
      return c.html(
        "<!doctype html><title>hft-lab</title><p>This link does not belong to any session. " +
          "Check it with the experimenter.</p>",
        404,
      );
    }
    return c.html(renderParticipantPage(found.session, found.participant));
  });

  app.get("/admin", async (c) => {
    const urls = sessionUrls(c, publicUrl);
    return c.html(renderAdminHome({
      sessions: registry.list().map((s) => s.summary(urls.admin(s.code))),
      examples: await deps.examples(),
    }));
  });

  app.get("/admin/sessions/:code", (c) => {
    const session = registry.get(c.req.param("code"));
    if (!session) return c.text(`no session ${c.req.param("code")}`, 404);
    return c.html(renderAdminSession({
      view: viewOf(session, sessionUrls(c, publicUrl)),
      monitorSocketPath: `/ws/admin/${session.code}?key=${encodeURIComponent(auth.monitorKey)}`,
    }));
  });
}
