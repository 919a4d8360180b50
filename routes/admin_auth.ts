/**
 * The experimenter's password guards /admin and /api: HTTP Basic (any user
 * name; browsers prompt for it) or `Authorization: Bearer <password>` for
 * scripts. The monitor's WebSocket cannot carry either header from a
 * browser, so pages behind the password hand it a key derived from it.
 */

import { createHmac } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { newToken } from "../session/secret_token.ts";

export interface AdminAuth {
  password: string;
  /** Admits the monitor socket; derived from the password. */
  monitorKey: string;
}

export function newAdminAuth(password?: string): { auth: AdminAuth; generated: boolean } {
  const chosen = password || newToken(12);
  // Derived from the password, so an open monitor reconnects after a server
  // restart with the same password; it reveals nothing of the password.
  const monitorKey = createHmac("sha256", chosen).update("hft-lab monitor").digest("hex");
  return { auth: { password: chosen, monitorKey }, generated: !password };
}

/** Equal strings in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function presented(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ""] = header.split(" ", 2);
  if (/^bearer$/i.test(scheme)) return value.trim();
  if (/^basic$/i.test(scheme)) {
    try {
      const decoded = new TextDecoder().decode(
        Uint8Array.from(atob(value.trim()), (c) => c.charCodeAt(0)),
      );
      const colon = decoded.indexOf(":");
      return colon < 0 ? null : decoded.slice(colon + 1);
    } catch {
      return null;
    }
  }
  return null;
}

export function requireAdmin(auth: AdminAuth): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const given = presented(header);
    if (given !== null && sameSecret(given, auth.password)) return await next();
    const wantsJson = c.req.path.startsWith("/api/");
    const message = given === null
      ? "the admin password is required (HTTP Basic, any user name, or Authorization: Bearer)"
      : "wrong admin password";
    c.header("WWW-Authenticate", 'Basic realm="hft-lab admin", charset="UTF-8"');
    return wantsJson ? c.json({ error: message }, 401) : c.text(message, 401);
  };
}
