/**
 * What the browser tests stand on: the real server started as a
 * subprocess on a free port with its own data directory, Debian's
 * Chromium driven through playwright-core, and bounded waits.
 */

import { type Browser, chromium, type Page } from "playwright-core";

export type { Browser, Page };

export const CHROMIUM = "/usr/bin/chromium";
export const PROJECT_ROOT = new URL("../", import.meta.url).pathname;
/** Git-ignored (under data/): what the screens looked like at the end of a run. */
export const SCREENSHOT_DIR = `${PROJECT_ROOT}data/screenshots`;

export function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface RunningServer {
  origin: string;
  /** Everything the server printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const LISTENING = /hft-lab listening on (http:\/\/[^\s/]+)\//;

/**
 * `deno run -A main.ts` with PORT=0 and the given environment (the
 * embedded store: REDIS_URL and DATABASE_URL are removed); resolves once it
 * prints the address it listens on.
 */
export async function startServer(
  env: Record<string, string>,
  { timeoutMs = 120_000, args = ["run", "-A", "main.ts"] }: {
    timeoutMs?: number;
    /** What `deno` runs, from the project root. */
    args?: string[];
  } = {},
): Promise<RunningServer> {
  const base = Deno.env.toObject();
  delete base.REDIS_URL;
  delete base.DATABASE_URL;
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    clearEnv: true,
    env: { ...base, NO_COLOR: "1", PORT: "0", HOST: "127.0.0.1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let log = "";
  let origin: string | null = null;
  let resolveListening!: (origin: string) => void;
  const listening = new Promise<string>((r) => (resolveListening = r));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      log += decoder.decode(chunk, { stream: true });
      if (log.length > 200_000) log = log.slice(-100_000);
      const m = origin === null ? log.match(LISTENING) : null;
      if (m) {
        origin = m[1].replace("://localhost", "://127.0.0.1");
        resolveListening(origin);
      }
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });

  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          if (!exited) child.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, 5_000);
      await status;
      clearTimeout(timer);
    }
    await pumps;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    listening.then((o) => ({ kind: "up" as const, origin: o })),
    status.then((s) => ({ kind: "exited" as const, code: s.code })),
    new Promise<{ kind: "timeout" }>((
      r,
    ) => (timer = setTimeout(() => r({ kind: "timeout" }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome.kind !== "up") {
    await stop();
    throw new Error(
      outcome.kind === "exited"
        ? `the server exited with code ${outcome.code} before listening:\n${log}`
        : `the server did not print its address within ${timeoutMs} ms:\n${log}`,
    );
  }
  return { origin: outcome.origin, output: () => log, stop };
}

/**
 * Polls `check` until it returns true (or a value other than false), at
 * most `timeoutMs`; the error names what was awaited and the last value.
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | false> | T | false,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const v = await check();
      if (v !== false) return v as T;
      last = v;
    } catch (e) {
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the element's text, trimmed, satisfies `ok`; returns it. */
export function textUntil(
  page: Page,
  testid: string,
  what: string,
  ok: (text: string) => boolean,
  timeoutMs = 15_000,
): Promise<string> {
  return until(`${what} (${testid})`, async () => {
    const text = ((await page.getByTestId(testid).first().textContent({ timeout: 1_000 })) ?? "")
      .trim();
    return ok(text) ? text : (() => {
      throw new Error(`"${text}"`);
    })();
  }, timeoutMs);
}

/** Waits until every island on the page is hydrated, so input reaches its handlers. */
export async function hydrated(page: Page, timeoutMs = 15_000): Promise<void> {
  await until(
    "islands hydrated",
    () =>
      page.evaluate(() =>
        [...document.querySelectorAll("[data-island]")].every((el) =>
          (el as HTMLElement).dataset.hydrated === "true"
        )
      ),
    timeoutMs,
  );
}
