/**
 * The persister Worker reads the server's in-process log through a bridge of
 * messages; a read's entries cross as one JSON text. They must arrive exactly
 * as the log holds them, awkward text and all, and acknowledging them must
 * finish them in the log's group.
 */

import assert from "node:assert/strict";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { encodeEvent, type SourceEntry } from "../eventlog/event_source.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import {
  answerSourceCall,
  BridgedEventSource,
  packEntries,
  type SourceReply,
  unpackEntries,
} from "../workers/event_source_bridge.ts";

function awkward(stream: string, seq: number): LogEvent {
  return {
    stream,
    seq,
    wallMs: 1_767_225_600_123.4567,
    round: seq % 2 ? null : 2147483647,
    roundMs: seq % 2 ? null : 0.1 + 0.2,
    kind: 'odd\t"kind"\\x',
    data: {
      text: 'tab\there, newline\nthere, backslash \\ quote " and \\n literally',
      unicode: "Zoë 東京 \u{1F4C8} \u2028 \u2029",
      numbers: [0, -1, 1.5, 1e-9, Number.MAX_SAFE_INTEGER],
      nested: { list: [[], {}, [null]], t: true },
      nothing: null,
    },
  };
}

Deno.test("bridge: packed entries unpack to exactly what the log holds", () => {
  const entries: SourceEntry[] = [1, 2, 3].map((seq) => ({
    id: `${seq}-0`,
    event: encodeEvent(awkward("AB12/m1", seq)),
  }));
  assert.deepStrictEqual(unpackEntries(packEntries(entries)), entries);
  assert.deepStrictEqual(unpackEntries(packEntries([])), []);
});

Deno.test("bridge: a worker's reads and acknowledgements reach the server's log", async () => {
  const log = await MemoryEventLog.open({});
  await log.append([1, 2, 3, 4].map((seq) => awkward("AB12/m1", seq)));
  // messages are cloned as between threads
  const source: BridgedEventSource = new BridgedEventSource((call) =>
    answerSourceCall(
      log,
      structuredClone(call),
      (reply: SourceReply) => source.receive(structuredClone(reply)),
    )
  );
  const { entries } = await source.readGroup("g", "c1", { count: 3, blockMs: 0 });
  assert.deepStrictEqual(
    entries.map((e) => e.event),
    [1, 2, 3].map((seq) => encodeEvent(awkward("AB12/m1", seq))),
  );
  assert.deepStrictEqual(await source.backlog("g"), { pending: 3, undelivered: 1 });
  await source.ack("g", entries);
  assert.deepStrictEqual(await source.backlog("g"), { pending: 0, undelivered: 1 });
  const rest = await source.readGroup("g", "c1", { count: 10, blockMs: 0 });
  assert.deepStrictEqual(rest.entries.map((e) => e.event.seq), [4]);
  await log.close();
});
