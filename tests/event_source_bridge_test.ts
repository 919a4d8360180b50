/**
 * The persister Worker reads the server's in-process log through a bridge of
 * messages; a read's entries cross as one JSON text. They must arrive exactly
 * as the log holds them, awkward text and all, and acknowledging them must
 * finish them in the log's group.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { encodeEvent, type SourceEntry } from "../eventlog/event_source.ts";
import {
  answerSourceCall,
  BridgedEventSource,
  packAcks,
  packEntries,
  type SourceReply,
  unpackAcks,
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

Deno.test("bridge: any storable event crosses intact, whatever its stream, kind and data", () => {
  // names that look like the data key, quotes, backslashes, tabs, newlines
  const name = fc.oneof(
    fc.constantFrom(',"data":', '","data":{}', "a\\", '\\"', "\t", "\n", "x"),
    fc.string({ unit: "binary", minLength: 1 }),
  ).filter((s) => !s.includes("\0") && s !== "streams");
  const number = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) =>
    !Object.is(x, -0)
  );
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          stream: name,
          kind: name,
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          wallMs: number,
          round: fc.option(fc.integer({ min: 0, max: 2147483647 })),
          roundMs: fc.option(number),
          data: fc.dictionary(fc.string(), fc.jsonValue({ noUnicodeString: false })),
        }),
        { maxLength: 8 },
      ),
      (events) => {
        const entries: SourceEntry[] = [];
        for (const [i, e] of events.entries()) {
          try {
            entries.push({ id: `${i + 1}-0`, event: encodeEvent(e) });
          } catch {
            // refused at append (NUL, lone surrogate): never read back
          }
        }
        assert.deepStrictEqual(unpackEntries(packEntries(entries)), entries);
        assert.deepStrictEqual(
          unpackAcks(packAcks(entries)),
          entries.map((e) => ({ id: e.id, event: { stream: e.event.stream } })),
        );
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("bridge: a malformed read is an error naming where, not a wrong entry", () => {
  assert.throws(() => unpackEntries('"1-0"{"stream":"s"}\n'), /malformed entry at character 0/);
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
