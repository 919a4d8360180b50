/**
 * The persister Worker reads the server's in-process log through a bridge of
 * messages; a read's entries cross as one JSON text. They must arrive exactly
 * as the log holds them, awkward text and all, and acknowledging them must
 * finish them in the log's group.
 */

import assert from "node:assert/strict";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { encodeEvent, type SourceEntry } from "../eventlog/event_source.ts";
import {
  answerSourceCall,
  BridgedEventSource,
  packEntries,
  type SourceReply,
  unpackEntries,
} from "../workers/event_source_bridge.ts";
import { awkward } from "./storage_helpers.ts";

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
