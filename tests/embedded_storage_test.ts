/**
 * The embedded default as the server opens it: the in-process log, and the
 * persister in its Worker reading that log over the bridge into PGlite.
 * Everything the log took must reach the database exactly as the log holds
 * it, across several of the Worker's batches, awkward text and all.
 */

import assert from "node:assert/strict";
import { openDatabase } from "../store/database.ts";
import { EventStore } from "../store/event_store.ts";
import { openStorage } from "../session/storage.ts";
import { awkward, waitFor } from "./storage_helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test({
  name:
    "embedded storage: the Worker copies every event of the log into PGlite, as the log holds it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hft-embedded-" });
    try {
      const storage = await openStorage({ dataDir: dir, configDir: `${ROOT}configs` });
      const streams = ["EM01", "EM01/m1", "EM01/m2"];
      const perStream = 900; // 2,700 events: several of the Worker's batches
      for (let seq = 1; seq <= perStream; seq++) {
        for (const stream of streams) {
          const e = seq % 50 === 0
            ? awkward(stream, seq)
            : { ...awkward(stream, seq), kind: "order", data: { seq, price: 1_000_000 + seq } };
          storage.appender.emit(stream, e.kind, e.data, {
            round: e.round,
            roundMs: e.roundMs,
            wallMs: e.wallMs,
          });
        }
        if (seq % 100 === 0) await storage.appender.flush();
      }
      await storage.appender.flush();
      const total = streams.length * perStream;
      await waitFor(
        "the Worker to store every event",
        () => (storage.health().persisted as number | null ?? 0) >= total,
        60_000,
      );
      const held = new Map<string, unknown>();
      for (const s of streams) held.set(s, await storage.log.read(s));
      await storage.close();

      const db = await openDatabase({ dataDir: dir });
      try {
        const store = new EventStore(db);
        for (const s of streams) {
          const stored = await store.readStream(s);
          assert.equal(stored.length, perStream, s);
          assert.deepStrictEqual(stored, held.get(s), s);
        }
      } finally {
        await db.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
