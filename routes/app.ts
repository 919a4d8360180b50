/**
 * The HTTP application, without a socket: main.ts serves it, tests call
 * `app.request()` on it.
 */

import { Hono } from "hono";
import { DEFAULT_BUILD_DIR } from "../islands/build.ts";
import { DEMO_SOCKET_PATH, demoBookSocket, type DemoStream } from "./api_demo.ts";
import { renderLandingPage } from "./index.tsx";

export interface AppDeps {
  demo: DemoStream;
  /** Directory holding the island bundles served under /static/build/. */
  buildDir?: string;
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

  app.get("/health", (c) => c.json({ ok: true }));

  app.get(DEMO_SOCKET_PATH, demoBookSocket(deps.demo));

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
