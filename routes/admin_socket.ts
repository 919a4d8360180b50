/**
 * `/ws/admin/<code>?key=<monitor key>`: the experimenter's live monitor.
 * Pushes `{type:"monitor", seq, session}` whenever the session changed, at
 * most every 250 ms, and at least every second while a round runs (the
 * clock moves).
 */

import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { SessionRegistry } from "../session/session_registry.ts";
import { sameSecret } from "./admin_auth.ts";
import { sessionUrls, viewOf } from "./session_api.ts";

export const MONITOR_INTERVAL_MS = 250;

export function adminSocket(registry: SessionRegistry, monitorKey: string, publicUrl?: string) {
  return upgradeWebSocket((c: Context) => {
    const code = c.req.param("code") ?? "";
    const key = c.req.query("key") ?? "";
    const session = registry.get(code);
    const urls = sessionUrls(c, publicUrl);
    let timer: ReturnType<typeof setInterval> | undefined;
    let seq = 0;
    let sentVersion = -1;
    let sentAt = 0;
    return {
      onOpen(_event, ws) {
        if (!sameSecret(key, monitorKey)) {
          ws.close(4401, "the monitor key is wrong; reload the admin page");
          return;
        }
        if (!session) {
          ws.close(4404, `no session ${code}`);
          return;
        }
        const push = () => {
          const now = Date.now();
          const moving = session.phase === "running";
          if (session.version === sentVersion && !(moving && now - sentAt >= 1000)) return;
          sentVersion = session.version;
          sentAt = now;
          ws.send(JSON.stringify({ type: "monitor", seq: ++seq, session: viewOf(session, urls) }));
        };
        push();
        timer = setInterval(push, MONITOR_INTERVAL_MS);
      },
      onClose() {
        if (timer !== undefined) clearInterval(timer);
      },
      onError() {
        if (timer !== undefined) clearInterval(timer);
      },
    };
  });
}
