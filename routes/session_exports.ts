/**
 * A session's data as files: `GET /api/sessions/:code/export.zip` (every
 * file and the data dictionary) and `GET /api/sessions/:code/export/<file>`
 * (one CSV). The events come from wherever the session's log is kept.
 */

import { Hono } from "hono";
import {
  EXPORT_NAMES,
  exportFile,
  exportFileName,
  type SessionExportInput,
  sessionZip,
  sessionZipName,
} from "../exports/mod.ts";
import type { SessionRegistry } from "../session/session_registry.ts";

/** A session's streams, or null when nothing is known of it. */
export type SessionExportSource = (code: string) => Promise<SessionExportInput | null>;

export function exportRoutes(registry: SessionRegistry, source: SessionExportSource): Hono {
  const app = new Hono();

  async function input(code: string): Promise<SessionExportInput | null> {
    // what happened a moment ago is in the export too
    if (registry.get(code)) await registry.appender.flush();
    return await source(code);
  }

  app.get("/:code/export.zip", async (c) => {
    const code = c.req.param("code");
    const data = await input(code);
    if (!data) return c.json({ error: `no session ${code}` }, 404);
    return c.body(new Uint8Array(sessionZip(data)), 200, {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${sessionZipName(code)}"`,
    });
  });

  app.get("/:code/export/:file", async (c) => {
    const code = c.req.param("code");
    const file = c.req.param("file");
    if (!EXPORT_NAMES.includes(file)) {
      return c.json({ error: `no export ${file}; choose one of ${EXPORT_NAMES.join(", ")}` }, 404);
    }
    const data = await input(code);
    if (!data) return c.json({ error: `no session ${code}` }, 404);
    const text = exportFile(data, file);
    return c.body(text, 200, {
      "content-type": file.endsWith(".csv")
        ? "text/csv; charset=utf-8"
        : "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(code, file)}"`,
    });
  });

  return app;
}
