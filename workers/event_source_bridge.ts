/**
 * An {@link EventSource} across a Worker boundary. The embedded default
 * keeps its event log in the server's thread, but PGlite's inserts run
 * synchronously in whatever thread holds the database: stalling the server
 * for tens of milliseconds per batch under load. So the persister and
 * PGlite live in a Worker, and the worker reads the log through this
 * bridge: each call is a message to the server's thread, answered there
 * by the real log.
 *
 * A read's entries cross as one JSON text rather than as objects: copying
 * thousands of objects between threads stalls the server's thread for
 * milliseconds (2.4 µs an entry), where writing them out costs a fifth of
 * that and the parsing happens in the worker.
 */

import type {
  EventSource,
  GroupBacklog,
  ReadGroupOptions,
  SourceEntry,
} from "../eventlog/event_source.ts";

/** A read's entries as JSON: `[[id, stream, seq, wallMs, round, roundMs, kind, dataJson], …]`. */
export function packEntries(entries: readonly SourceEntry[]): string {
  let text = "[";
  for (let i = 0; i < entries.length; i++) {
    const { id, event: e } = entries[i];
    if (i > 0) text += ",";
    text += `[${JSON.stringify(id)},${JSON.stringify(e.stream)},${e.seq},${e.wallMs},` +
      `${e.round},${e.roundMs},${JSON.stringify(e.kind)},${JSON.stringify(e.dataJson)}]`;
  }
  return text + "]";
}

type PackedEntry = [string, string, number, number, number | null, number | null, string, string];

export function unpackEntries(text: string): SourceEntry[] {
  return (JSON.parse(text) as PackedEntry[]).map((
    [id, stream, seq, wallMs, round, roundMs, kind, dataJson],
  ) => ({ id, event: { stream, seq, wallMs, round, roundMs, kind, dataJson } }));
}

type Method = "readGroup" | "ack" | "backlog" | "streams";

/** Worker → server thread. */
export interface SourceCall {
  type: "source-call";
  id: number;
  method: Method;
  args: unknown[];
}

/** Server thread → worker. */
export interface SourceReply {
  type: "source-reply";
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** The worker's side: an EventSource whose calls travel to the server's thread. */
export class BridgedEventSource implements EventSource {
  #next = 1;
  readonly #waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  constructor(readonly post: (call: SourceCall) => void) {}

  /** Hand every `source-reply` the worker receives to this. */
  receive(reply: SourceReply): void {
    const w = this.#waiting.get(reply.id);
    if (!w) return;
    this.#waiting.delete(reply.id);
    if (reply.ok) w.resolve(reply.value);
    else w.reject(new Error(reply.error ?? "the event log call failed"));
  }

  #call<T>(method: Method, args: unknown[]): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: "source-call", id, method, args });
    });
  }

  async readGroup(
    group: string,
    consumer: string,
    options?: ReadGroupOptions,
  ): Promise<{ entries: SourceEntry[] }> {
    const packed = await this.#call<string>("readGroup", [group, consumer, options]);
    return { entries: unpackEntries(packed) };
  }

  ack(group: string, entries: readonly SourceEntry[]): Promise<void> {
    // the server's log needs only the ids and streams to acknowledge
    const slim = entries.map((e) => ({
      id: e.id,
      event: { stream: e.event.stream, seq: e.event.seq },
    }));
    return this.#call("ack", [group, slim]);
  }

  backlog(group: string): Promise<GroupBacklog> {
    return this.#call("backlog", [group]);
  }

  streams(prefix?: string): Promise<string[]> {
    return this.#call("streams", [prefix]);
  }
}

/** The server thread's side: answers a worker's calls with `source`. */
export async function answerSourceCall(
  source: EventSource,
  call: SourceCall,
  reply: (r: SourceReply) => void,
): Promise<void> {
  try {
    const args = call.args as never[];
    const value = call.method === "readGroup"
      ? packEntries((await source.readGroup(args[0], args[1], args[2])).entries)
      : call.method === "ack"
      ? await source.ack(args[0], args[1])
      : call.method === "backlog"
      ? await source.backlog(args[0])
      : await source.streams(args[0]);
    reply({ type: "source-reply", id: call.id, ok: true, value });
  } catch (e) {
    reply({
      type: "source-reply",
      id: call.id,
      ok: false,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
