/**
 * The event log becoming unreachable mid-round (Redis stops answering):
 * the market pauses and refuses new orders with a clear message instead of
 * trading unrecorded; what was accepted before the outage was noticed is
 * held and written when Redis answers again; trading resumes by itself;
 * and a server killed afterwards rebuilds the round with those orders in it.
 */

import assert from "node:assert/strict";
import { hasRedisServer, PrivateRedis, waitFor } from "./storage_helpers.ts";
import { adminFetch, spawnServer, SubjectClient } from "./server_process.ts";
import type { ClockState, OwnOrder, SubjectSnapshot } from "../protocol/subject_protocol.ts";

const CONFIG = (await Deno.readTextFile(new URL("../configs/elo-cda-demo.yaml", import.meta.url)))
  .replace("session-duration: 120", "session-duration: 90");
const PASSWORD = "outage-test";

function signal(pid: number, sig: "SIGSTOP" | "SIGCONT"): void {
  Deno.kill(pid, sig);
}

Deno.test({
  name: "log outage: Redis stops answering, orders are refused with the reason, nothing is lost",
  ignore: !hasRedisServer,
  async fn() {
    const redis = new PrivateRedis();
    await redis.start();
    const dir = await Deno.makeTempDir({ prefix: "hft-outage-" });
    const env = { HFT_DATA_DIR: dir, HFT_ADMIN_PASSWORD: PASSWORD, REDIS_URL: redis.url };
    let server = await spawnServer(env);
    let stopped = false;
    try {
      const api = adminFetch(server.origin, PASSWORD);
      const created = await api("/api/sessions", { method: "POST", body: CONFIG });
      const { code, participants } = created.body as {
        code: string;
        participants: { url: string }[];
      };
      await api(`/api/sessions/${code}/start`, { method: "POST" });
      const p1 = await SubjectClient.connect(server.origin, participants[0].url);
      p1.send({ type: "role", role: "manual" });
      await waitFor(
        "manual role",
        () => (p1.last("strategy")?.strategy as { role: string } | undefined)?.role === "manual",
      );

      signal(redis.pid, "SIGSTOP");
      stopped = true;
      // sent before the server can know: accepted and held
      p1.send({ type: "order", side: "B", price: 910_000 });
      await waitFor(
        "the market to pause",
        () => (p1.last("clock")?.clock as ClockState | undefined)?.phase === "paused",
        15_000,
      );
      p1.send({ type: "order", side: "B", price: 920_000 });
      await waitFor("the refusal", () => p1.last("refused") !== undefined, 5000);
      assert.match(String(p1.last("refused")!.reason), /paused|event log/);
      const view = await api(`/api/sessions/${code}`);
      assert.equal(view.body.phase, "paused");
      const health = await (await fetch(`${server.origin}/health`)).json();
      assert.equal(health.event_log_available, false);
      assert.ok(health.events_held > 0);

      signal(redis.pid, "SIGCONT");
      stopped = false;
      await waitFor(
        "trading to resume",
        () => (p1.last("clock")?.clock as ClockState | undefined)?.phase === "running",
        15_000,
      );
      await waitFor("the held events to be written", async () => {
        const h = await (await fetch(`${server.origin}/health`)).json();
        return h.event_log_available && h.events_held === 0;
      });
      const orders = () => (p1.last("orders")?.orders ?? []) as OwnOrder[];
      await waitFor("the first order live", () => orders().some((o) => o.price === 910_000));
      assert.ok(!orders().some((o) => o.price === 920_000), "the refused order was not sent");
      await p1.close();

      await server.kill();
      server = await spawnServer(env);
      const again = await SubjectClient.connect(server.origin, participants[0].url);
      await waitFor("a snapshot", () => again.last("snapshot") !== undefined);
      const state = again.last("snapshot")!.state as SubjectSnapshot;
      assert.deepEqual(state.orders.map((o) => [o.side, o.price]), [["B", 910_000]]);
      await again.close();
      await server.stop();
    } catch (e) {
      console.error(server.output());
      await server.kill();
      throw e;
    } finally {
      if (stopped) signal(redis.pid, "SIGCONT");
      await redis.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
