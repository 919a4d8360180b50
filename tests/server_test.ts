import assert from "node:assert/strict";
import { backoffMs, formatPrice } from "../islands/DemoBook.tsx";
import { buildIslands } from "../islands/build.ts";
import type { DemoBookMessage } from "../market/demo_feed.ts";
import { DEMO_SOCKET_PATH, DemoStream } from "../routes/api_demo.ts";
import { createApp } from "../routes/app.ts";
import { scriptJson } from "../routes/island.tsx";

function assertBookMessage(m: DemoBookMessage): void {
  assert.deepEqual(Object.keys(m).sort(), [
    "asks",
    "bids",
    "seq",
    "trades",
    "value",
  ]);
  assert.ok(Number.isInteger(m.seq));
  assert.ok(Number.isInteger(m.value));
  for (const side of [m.bids, m.asks]) {
    assert.ok(side.length > 0 && side.length <= 8);
    for (const l of side) {
      assert.deepEqual(Object.keys(l).sort(), ["price", "volume"]);
      assert.ok(Number.isInteger(l.price) && Number.isInteger(l.volume));
    }
  }
  for (const t of m.trades) {
    assert.ok(Number.isInteger(t.price) && t.shares > 0);
    assert.ok(Number.isInteger(t.t));
  }
}

Deno.test("landing page renders the title and the island mount", async () => {
  const demo = await DemoStream.create({ seed: 1 });
  const app = createApp({ demo });
  const res = await app.request("/");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  const html = await res.text();
  assert.ok(html.startsWith("<!doctype html>"));
  assert.match(html, /<title>hft-lab/);
  assert.match(html, /<div data-island="DemoBook">/);
  assert.match(html, /data-testid="demo-book"/);
  assert.match(html, /data-testid="connection"/);
  assert.match(html, /<script type="module" src="\/static\/build\/client.js">/);
  // The island is server-rendered from the live book...
  assert.match(html, />99\.00</);
  // ...and its props sit beside it for hydration.
  const props = html.match(
    /<script type="application\/json" data-island-props="DemoBook">(.*?)<\/script>/,
  );
  assert.ok(props, "props script");
  const parsed = JSON.parse(props[1]);
  assert.equal(parsed.wsPath, DEMO_SOCKET_PATH);
  assertBookMessage(parsed.initial);
});

Deno.test("GET /health", async () => {
  const app = createApp({ demo: await DemoStream.create() });
  const res = await app.request("/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
});

Deno.test("static bundles are served from the build dir, and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/client.js`, "export {};\n");
    const app = createApp({ demo: await DemoStream.create(), buildDir: dir });
    const ok = await app.request("/static/build/client.js");
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type") ?? "", /javascript/);
    assert.equal(await ok.text(), "export {};\n");
    for (const path of ["missing.js", "..%2Fdeno.json", "client.ts"]) {
      const res = await app.request(`/static/build/${path}`);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Resolves with the next `n` messages, parsed. */
function nextMessages(ws: WebSocket, n: number): Promise<DemoBookMessage[]> {
  return new Promise((resolve, reject) => {
    const got: DemoBookMessage[] = [];
    const onMessage = (e: MessageEvent) => {
      got.push(JSON.parse(e.data));
      if (got.length === n) {
        ws.removeEventListener("message", onMessage);
        resolve(got);
      }
    };
    ws.addEventListener("message", onMessage);
    ws.addEventListener("error", () => reject(new Error("socket error")), {
      once: true,
    });
  });
}

function closed(ws: WebSocket): Promise<CloseEvent> {
  return new Promise((resolve) =>
    ws.addEventListener("close", (e) => resolve(e as CloseEvent), {
      once: true,
    })
  );
}

async function withServer(
  fn: (url: string, demo: DemoStream) => Promise<void>,
): Promise<void> {
  const demo = await DemoStream.create({ seed: 9, stepMs: 20 });
  demo.start();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    createApp({ demo }).fetch,
  );
  try {
    await fn(`ws://127.0.0.1:${server.addr.port}${DEMO_SOCKET_PATH}`, demo);
  } finally {
    demo.close();
    await server.shutdown();
  }
}

Deno.test("the demo socket sends the book at once, then every step", async () => {
  await withServer(async (url, demo) => {
    const ws = new WebSocket(url);
    const [first, second] = await nextMessages(ws, 2);
    assertBookMessage(first);
    assertBookMessage(second);
    assert.ok(second.seq > first.seq);
    assert.equal(demo.subscriberCount, 1);
    const done = closed(ws);
    ws.close();
    await done;
    // The server side notices the close and drops the subscriber.
    for (let i = 0; i < 50 && demo.subscriberCount > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(demo.subscriberCount, 0);
  });
});

Deno.test("closing the demo stream closes its sockets", async () => {
  await withServer(async (url, demo) => {
    const ws = new WebSocket(url);
    await nextMessages(ws, 1);
    const done = closed(ws);
    demo.close();
    assert.equal(demo.running, false);
    assert.equal((await done).code, 1001);
  });
});

Deno.test("the island bundle builds, and is reused while fresh", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const first = await buildIslands({ outDir });
    assert.deepEqual(first.built, [`${outDir}/client.js`]);
    const js = await Deno.readTextFile(`${outDir}/client.js`);
    assert.ok(js.length > 1000);
    assert.match(js, /data-island/);
    assert.doesNotMatch(js, /Deno\./, "browser bundle must not touch Deno");
    const second = await buildIslands({ outDir });
    assert.deepEqual(second.built, []);
    assert.deepEqual(second.upToDate, [`${outDir}/client.js`]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("prices format as currency from integer units", () => {
  assert.equal(formatPrice(1_000_000), "100.00");
  assert.equal(formatPrice(1_234_5678), "1,234.57");
  assert.equal(formatPrice(49), "0.00");
  assert.equal(formatPrice(50), "0.01");
  assert.equal(formatPrice(0), "0.00");
  assert.equal(formatPrice(2147483647), "214,748.36");
});

Deno.test("reconnect backoff doubles up to a cap", () => {
  const mid = () => 0.5;
  assert.equal(backoffMs(0, mid), 375);
  assert.equal(backoffMs(1, mid), 750);
  assert.ok(backoffMs(30, () => 0.999) <= 10_000);
});

Deno.test("island props cannot close their script element", () => {
  const json = scriptJson({ s: "</script><script>alert(1)</script>" });
  assert.doesNotMatch(json, /<\/script>/i);
  assert.deepEqual(JSON.parse(json), {
    s: "</script><script>alert(1)</script>",
  });
});
