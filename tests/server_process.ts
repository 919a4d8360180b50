/**
 * The real server as a child process, for tests that restart or kill it:
 * `deno run -A main.ts` on a free port with exactly the environment given,
 * and a subject's WebSocket as a test client.
 */

import { delay } from "./storage_helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const LISTENING = /hft-lab listening on (http:\/\/[^\s/]+)\//;

export interface ServerProcess {
  pid: number;
  origin: string;
  output(): string;
  /** SIGKILL: no shutdown code runs, as when a machine or process dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
}

export async function spawnServer(
  env: Record<string, string>,
  options: { timeoutMs?: number; denoFlags?: readonly string[] } = {},
): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(options.denoFlags ?? []), "main.ts"],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      PORT: "0",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      // keep the start and the end of a long log
      if (text.length > 200_000) text = text.slice(0, 20_000) + "\n…\n" + text.slice(-100_000);
    }
  };
  const done = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const deadline = Date.now() + timeoutMs;
  let origin = "";
  while (!origin) {
    const m = text.match(LISTENING);
    if (m) origin = m[1];
    else if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start:\n${text}`);
    } else await delay(25);
  }
  const end = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    await child.status;
    await done;
  };
  return {
    pid: child.pid,
    origin,
    output: () => text,
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}

/** A subject's socket, recording every update it receives. */
export class SubjectClient {
  readonly got: Record<string, unknown>[] = [];
  #ws: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.#ws = new WebSocket(url);
    this.#ws.onmessage = (e) => {
      // a frame holds one update, or several in order
      const parsed = JSON.parse(e.data);
      this.got.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    };
    this.opened = new Promise((resolve, reject) => {
      this.#ws.onopen = () => resolve();
      this.#ws.onerror = () => reject(new Error(`cannot open ${url}`));
    });
  }

  static async connect(origin: string, subjectUrl: string, lastSeq: number | null = null) {
    const token = subjectUrl.split("/s/")[1];
    const client = new SubjectClient(`${origin.replace(/^http/, "ws")}/ws/subject/${token}`);
    await client.opened;
    client.send({ type: "hello", last_seq: lastSeq });
    return client;
  }

  send(message: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(message));
  }

  last(type: string): Record<string, unknown> | undefined {
    return this.got.filter((m) => m.type === type).at(-1);
  }

  get lastSeq(): number {
    return (this.got.at(-1)?.seq as number) ?? 0;
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((r) => (this.#ws.onclose = r));
    this.#ws.close();
    await closed;
  }
}

/** The admin API with the password. */
export function adminFetch(origin: string, password: string) {
  return async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${origin}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${password}`, ...(init.headers ?? {}) },
    });
    const body = response.headers.get("content-type")?.includes("json")
      ? await response.json()
      : await response.text();
    return { status: response.status, body };
  };
}
