/**
 * An {@link EventSource} across a Worker boundary. The embedded default
 * keeps its event log in the server's thread, but PGlite's inserts run
 * synchronously in whatever thread holds the database: stalling the server
 * for tens of milliseconds per batch under load. So the persister and
 * PGlite live in a Worker, and the worker reads the log through this
 * bridge: each call is a message to the server's thread, answered there
 * by the real log.
 *
 * A read's entries cross as one text rather than as objects: copying
 * thousands of objects between threads stalls the server's thread for
 * milliseconds (2.4 µs an entry). Each entry is its id and the event's
 * journal line, whose data text goes in as it is, not escaped into a
 * string a second time; the worker cuts the data text back out without
 * parsing it. Acknowledgements come back as one text of ids the same way.
 */

import type {
  AckEntry,
  EventSource,
  GroupBacklog,
  ReadGroupOptions,
  SourceEntry,
} from "../eventlog/event_source.ts";
import { eventJson } from "../eventlog/event_source.ts";

/**
 * A read's entries, a line each: the id as JSON, a tab, the event as
 * {@link eventJson} writes it. JSON text holds no raw tab or newline.
 */
export function packEntries(entries: readonly SourceEntry[]): string {
  let text = "";
  for (let i = 0; i < entries.length; i++) {
    text += `${JSON.stringify(entries[i].id)}\t${eventJson(entries[i].event)}\n`;
  }
  return text;
}

/**
 * The data is the last member of an event's line, and the first `,"data":`
 * in it is that member's key: inside a JSON string every quote is escaped.
 */
const DATA_KEY = ',"data":';

export function unpackEntries(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    const tab = text.indexOf("\t", start);
    const key = text.indexOf(DATA_KEY, tab);
    if (end < 0 || tab < 0 || tab > end || key < 0 || key > end) {
      throw new Error(`the bridge received a malformed entry at character ${start}`);
    }
    const head = JSON.parse(`${text.slice(tab + 1, key)}}`) as Omit<
      SourceEntry["event"],
      "dataJson"
    >;
    out.push({
      id: JSON.parse(text.slice(start, tab)) as string,
      event: {
        stream: head.stream,
        seq: head.seq,
        wallMs: head.wallMs,
        round: head.round,
        roundMs: head.roundMs,
        kind: head.kind,
        dataJson: text.slice(key + DATA_KEY.length, end - 1),
      },
    });
    start = end + 1;
  }
  return out;
}

/** Acknowledged entries as `stream NUL id NUL …`: a stream name holds no NUL. */
export function packAcks(entries: readonly AckEntry[]): string {
  let text = "";
  for (const e of entries) text += `${e.event.stream}\0${e.id}\0`;
  return text;
}

export function unpackAcks(text: string): AckEntry[] {
  const parts = text.split("\0");
  const out: AckEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    out.push({ id: parts[i + 1], event: { stream: parts[i] } });
  }
  return out;
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

  ack(group: string, entries: readonly AckEntry[]): Promise<void> {
    return this.#call("ack", [group, packAcks(entries)]);
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
      ? await source.ack(args[0], unpackAcks(args[1]))
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
