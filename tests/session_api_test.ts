/**
 * The session API over HTTP (the app in process, the embedded log): the
 * admin password guards it (Basic or Bearer), configs come as YAML or JSON
 * and bad ones are refused with every problem, round controls answer 409
 * when they do not fit, exports download, and links admit only real seats.
 */

import assert from "node:assert/strict";
import { unzipSync } from "fflate";
import { parse as parseYaml } from "yaml";
import { createApp } from "../routes/app.ts";
import { DemoStream } from "../routes/api_demo.ts";
import { newAdminAuth } from "../routes/admin_auth.ts";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { EventAppender } from "../session/event_appender.ts";
import { SessionRegistry } from "../session/session_registry.ts";
import { MAX_CONFIG_BYTES } from "../routes/session_api.ts";
import { sessionFromLog } from "../session/storage.ts";

const CONFIGS = new URL("../configs/", import.meta.url).pathname;
const DEMO = (await Deno.readTextFile(`${CONFIGS}elo-cda-demo.yaml`))
  .replace("session-duration: 120", "session-duration: 30");

async function setup() {
  const log = await MemoryEventLog.open({});
  const appender = new EventAppender(log);
  const registry = new SessionRegistry({ appender, configDir: CONFIGS });
  const { auth } = newAdminAuth("s3cret");
  const demo = await DemoStream.create();
  const app = createApp({
    demo,
    sessions: {
      registry,
      auth,
      exportSource: (code) => sessionFromLog(log, code),
      examples: () => Promise.resolve([{ name: "elo-cda-demo.yaml", text: DEMO }]),
    },
  });
  const call = async (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const a = init.auth === undefined ? "Bearer s3cret" : init.auth;
    if (a !== null) headers.set("authorization", a);
    const res = await app.request(`http://lab.example${path}`, { ...init, headers });
    return res;
  };
  return { call, registry, close: () => registry.close() };
}

const basic = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;

Deno.test("session API: the admin password, as Basic or Bearer, and nothing else", async () => {
  const { call } = await setup();
  for (const path of ["/api/sessions", "/admin"]) {
    const none = await call(path, { auth: null });
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Basic/);
    assert.match(await none.text(), /password is required/);
    const wrong = await call(path, { auth: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /wrong admin password/);
    assert.equal((await call(path, { auth: basic("anyone", "nope") })).status, 401);
    assert.equal((await call(path, { auth: basic("anyone", "s3cret") })).status, 200);
    assert.equal((await call(path)).status, 200);
  }
});

Deno.test("session API: create from YAML or JSON; bad configs list their problems", async () => {
  const { call } = await setup();
  const yaml = await call("/api/sessions", { method: "POST", body: DEMO });
  assert.equal(yaml.status, 201);
  const created = await yaml.json();
  assert.match(created.code, /^[a-z0-9]{6}$/);
  assert.equal(created.admin_url, `http://lab.example/admin/sessions/${created.code}`);
  assert.equal(created.participants.length, 2);
  assert.match(created.participants[0].url, /^http:\/\/lab\.example\/s\/[\w-]{22}$/);

  const json = await call("/api/sessions", {
    method: "POST",
    body: JSON.stringify(parseYaml(DEMO)),
    headers: { "content-type": "application/json" },
  });
  assert.equal(json.status, 201);

  const bad = await call("/api/sessions", {
    method: "POST",
    body: DEMO.replace("num-rounds: 3", "num-rounds: zero").replace("seed: 20261125", "sed: 1"),
  });
  assert.equal(bad.status, 400);
  const { error } = await bad.json();
  assert.match(error, /num-rounds/);
  assert.match(error, /sed/);
  assert.equal((await call("/api/sessions", { method: "POST", body: "" })).status, 400);
  const huge = await call("/api/sessions", {
    method: "POST",
    body: "#".repeat(MAX_CONFIG_BYTES + 1),
  });
  assert.equal(huge.status, 413);
  const list = await (await call("/api/sessions")).json();
  assert.equal(list.length, 2);
});

Deno.test("session API: round controls answer 409 when they do not fit; exports download", async () => {
  const { call, registry } = await setup();
  const { code, participants } = await (await call("/api/sessions", {
    method: "POST",
    body: DEMO,
  })).json();
  const post = (action: string) => call(`/api/sessions/${code}/${action}`, { method: "POST" });
  assert.equal((await post("pause")).status, 409);
  assert.equal((await post("end")).status, 409);
  const started = await post("start");
  assert.equal(started.status, 200);
  assert.equal((await started.json()).phase, "running");
  const again = await post("start");
  assert.equal(again.status, 409);
  assert.match((await again.json()).error, /still running/);
  assert.equal((await post("pause")).status, 200);
  assert.equal((await post("resume")).status, 200);
  assert.equal((await post("resume")).status, 409);
  const ended = await post("end-round");
  assert.equal((await ended.json()).phase, "ended");
  assert.equal((await post("start-round")).status, 200);
  assert.equal((await (await post("end")).json()).round, 2);
  assert.equal((await call(`/api/sessions/nosuch`)).status, 404);
  assert.equal((await call(`/api/sessions/nosuch/start`, { method: "POST" })).status, 404);

  const zip = await call(`/api/sessions/${code}/export.zip`);
  assert.equal(zip.status, 200);
  assert.equal(zip.headers.get("content-type"), "application/zip");
  const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  assert.ok(`hft-${code}-participants.csv` in files, Object.keys(files).join(", "));
  const participantsCsv = new TextDecoder().decode(files[`hft-${code}-participants.csv`]);
  // a header, then each of the two participants in each of the two rounds played
  assert.equal(participantsCsv.trim().split(/\r?\n/).length, 1 + 2 * 2);
  const one = await call(`/api/sessions/${code}/export/trades.csv`);
  assert.equal(one.status, 200);
  assert.match(one.headers.get("content-type") ?? "", /text\/csv/);
  assert.equal((await call(`/api/sessions/${code}/export/secrets.csv`)).status, 404);

  // a subject's link opens its screen; a made-up one does not
  const token = participants[0].url.split("/s/")[1];
  const page = await call(`/s/${token}`, { auth: null });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /data-testid="spread-graph"/);
  assert.equal((await call(`/s/${token}x`, { auth: null })).status, 404);
  assert.equal(registry.byToken(`${token}x`), undefined);
});

Deno.test("admin auth: the monitor key follows the password, and only the password", () => {
  const a = newAdminAuth("s3cret").auth;
  const b = newAdminAuth("s3cret").auth;
  const c = newAdminAuth("other").auth;
  assert.equal(a.monitorKey, b.monitorKey, "a restarted server's open monitors reconnect");
  assert.notEqual(a.monitorKey, c.monitorKey);
  assert.ok(!a.monitorKey.includes("s3cret"));
  const generated = newAdminAuth();
  assert.ok(generated.generated);
  assert.ok(generated.auth.password.length >= 12);
});
