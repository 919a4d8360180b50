/**
 * The OUCH exchange over real TCP sockets on loopback: several clients,
 * routing, a client that sends garbage, a client that stops reading, the
 * remote venue with reconnect, and the `deno task exchange` command itself.
 */

import assert from "node:assert/strict";
import { ExchangeServer } from "../exchange/tcp_server.ts";
import { parseExchangeArgs } from "../exchange/main.ts";
import { RemoteVenue } from "../exchange/remote_venue.ts";
import { VenueUnavailableError } from "../exchange/venue.ts";
import { cancelOrder, enterOrder, systemStart } from "../exchange/order_messages.ts";
import { encodeClientMessage } from "../ouch/codec.ts";
import { OuchFramer } from "../ouch/framer.ts";
import type { ClientMessage, ServerMessage } from "../ouch/messages.ts";
import { render } from "./exchange_script.ts";

/** A bare OUCH client: writes requests, collects replies. */
class TestClient {
  readonly received: ServerMessage[] = [];
  closed = false;
  #waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  private constructor(readonly conn: Deno.TcpConn, read: boolean) {
    this.done = read ? this.#read() : Promise.resolve();
  }

  static async connect(port: number, read = true): Promise<TestClient> {
    return new TestClient(await Deno.connect({ hostname: "127.0.0.1", port }), read);
  }

  async send(...messages: ClientMessage[]): Promise<void> {
    const parts = messages.map(encodeClientMessage);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) bytes.set(p, (at += p.length) - p.length);
    await this.writeRaw(bytes);
  }

  async writeRaw(bytes: Uint8Array): Promise<void> {
    let n = 0;
    while (n < bytes.length) n += await this.conn.write(bytes.subarray(n));
  }

  /** Waits until `count` replies have arrived in total, or the timeout. */
  async until(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.received.map(render);
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
  }

  async #read(): Promise<void> {
    const framer = new OuchFramer("server");
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.received.push(...framer.push(buf.subarray(0, n)) as ServerMessage[]);
        for (const w of this.#waiters.splice(0)) w();
      }
    } catch {
      // reset by the server
    }
    this.closed = true;
    for (const w of this.#waiters.splice(0)) w();
  }
}

interface Harness {
  server: ExchangeServer;
  port: number;
  logs: string[];
}

async function withServer(
  options: Partial<Parameters<typeof ExchangeServer.start>[0]>,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const logs: string[] = [];
  const server = await ExchangeServer.start({
    format: "cda",
    port: 0,
    log: (l) => logs.push(l),
    ...options,
  });
  try {
    await body({ server, port: server.addr.port, logs });
  } finally {
    await server.close();
  }
}

/** Waits until the server has accepted `n` clients, so every one hears the next broadcast. */
async function accepted(server: ExchangeServer, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (server.connections < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(server.connections, n);
}

Deno.test("tcp: two clients trade; fills go to owners, BBO to everyone", async () => {
  await withServer({}, async ({ port, server }) => {
    const a = await TestClient.connect(port);
    const b = await TestClient.connect(port);
    await accepted(server, 2);
    await a.send(enterOrder({ token: "S1", side: "S", shares: 3, price: 100 }));
    assert.deepEqual(await a.until(2), ["A(S1)", "Q(0,0,100,3,0,MAX)"]);
    await b.send(enterOrder({ token: "B1", side: "B", shares: 2, price: 101 }));
    assert.deepEqual(await b.until(4), [
      "Q(0,0,100,3,0,MAX)",
      "A(B1)",
      "E B1 2@100 m0",
      "Q(0,0,100,1,0,MAX)",
    ]);
    assert.deepEqual((await a.until(4)).slice(2), ["E S1 2@100 m0", "Q(0,0,100,1,0,MAX)"]);
    await b.send(systemStart());
    assert.deepEqual((await b.until(5)).slice(4), ["S"], "S goes to the sender of H only");
    await a.send(cancelOrder("S1"));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.received.length, 4, "H forgot S1: the cancel is ignored, no reply");
    a.close();
    b.close();
    await Promise.all([a.done, b.done]);
  });
});

Deno.test("tcp: a client sending garbage is disconnected; the others are not", async () => {
  await withServer({}, async ({ port, logs, server }) => {
    const good = await TestClient.connect(port);
    const bad = await TestClient.connect(port);
    await accepted(server, 2);
    await good.send(enterOrder({ token: "G1", side: "B", shares: 1, price: 100 }));
    await good.until(2);
    // a valid ModifyOrder (consumed, ignored: Q11), then a valid order, then a garbage byte
    const valid = encodeClientMessage(
      enterOrder({ token: "X1", side: "S", shares: 1, price: 200 }),
    );
    const modify = encodeClientMessage({
      type: "M",
      orderToken: "X1".padEnd(14),
      buySellIndicator: "B",
      shares: 1,
    });
    const bytes = new Uint8Array([...modify, ...valid, 0x7a, 1, 2, 3]);
    await bad.writeRaw(bytes);
    await bad.done;
    assert.ok(bad.closed, "the garbage sender is disconnected");
    assert.deepEqual(bad.received.map(render), [
      "Q(100,1,MAX,0,0,MAX)",
      "A(X1)",
      "Q(100,1,200,1,0,MAX)",
    ]);
    assert.ok(logs.some((l) => /disconnecting client 2 .*0x7a/.test(l)), logs.join("\n"));
    await good.send(enterOrder({ token: "G2", side: "S", shares: 1, price: 100 }));
    const seen = await good.until(7);
    assert.deepEqual(seen.slice(2), [
      "Q(100,1,200,1,0,MAX)",
      "A(G2)",
      "E G2 1@100 m0",
      "E G1 1@100 m0",
      "Q(0,0,200,1,0,MAX)",
    ]);
    assert.equal(server.connections, 1);
    good.close();
    await good.done;
  });
});

Deno.test("tcp: a client that stops reading is dropped; the others keep trading", async () => {
  await withServer({ maxQueuedBytes: 1 << 20 }, async ({ port, logs, server }) => {
    const stalled = await TestClient.connect(port, false);
    const active = await TestClient.connect(port);
    await accepted(server, 2);
    // Every enter and every cancel moves the BBO: a 41-byte broadcast the
    // stalled client never reads. Kernel buffers absorb a few MB first.
    const pairs = 1000;
    let sent = 0;
    for (let round = 0; round < 150 && server.connections === 2; round++) {
      const batch: ClientMessage[] = [];
      for (let i = 0; i < pairs; i++, sent++) {
        batch.push(enterOrder({ token: `T${sent}`, side: "B", shares: 1, price: 100 }));
        batch.push(cancelOrder(`T${sent}`));
      }
      await active.send(...batch);
      await active.until(sent * 4, 10_000);
    }
    assert.equal(server.connections, 1, "the stalled client was dropped");
    assert.ok(logs.some((l) => /disconnecting client 1 .*not reading/.test(l)), logs.join("\n"));
    const got = await active.until(sent * 4, 10_000);
    assert.equal(got.length, sent * 4, "the active client got every reply");
    assert.deepEqual(got.slice(-4), [
      `A(T${sent - 1})`,
      "Q(100,1,MAX,0,0,MAX)",
      `C T${sent - 1} -1 (U)`,
      "Q(0,0,MAX,0,0,MAX)",
    ]);
    stalled.close();
    active.close();
    await active.done;
  });
});

Deno.test("tcp: FBA batches on the timer and broadcasts Z to everyone", async () => {
  await withServer({ format: "fba", batchMs: 40 }, async ({ port }) => {
    const a = await TestClient.connect(port);
    const b = await TestClient.connect(port);
    await a.send(systemStart(), enterOrder({ token: "B1", side: "B", shares: 1, price: 105 }));
    await a.until(2);
    await b.send(enterOrder({ token: "S1", side: "S", shares: 1, price: 100 }));
    const deadline = Date.now() + 3000;
    while (!a.received.some((m) => m.type === "E") && Date.now() < deadline) await a.until(99, 20);
    const seenA = a.received.map(render);
    assert.deepEqual(seenA.slice(0, 2), ["S", "A(B1)"]);
    assert.ok(seenA.includes("E B1 1@103 m0"), seenA.join("; "));
    assert.ok(seenA.includes("Z{103 1 0/0 MAX/0 0 MAX}"), seenA.join("; "));
    // b also hears the empty batches before its order: wait for its trade's Z
    const tradeZ = "Z{103 1 0/0 MAX/0 0 MAX}";
    while (!b.received.map(render).includes(tradeZ) && Date.now() < deadline) {
      await b.until(b.received.length + 1, 20);
    }
    const seenB = b.received.map(render).filter((r) => !r.startsWith("Z{0 0"));
    assert.deepEqual(seenB.slice(0, 3), ["A(S1)", "E S1 1@103 m0", "Z{103 1 0/0 MAX/0 0 MAX}"]);
    a.close();
    b.close();
    await Promise.all([a.done, b.done]);
  });
});

Deno.test("tcp: a timed order expires on its own, without further traffic", async () => {
  await withServer({}, async ({ port }) => {
    const a = await TestClient.connect(port);
    await a.send(enterOrder({ token: "T", side: "B", shares: 2, price: 100, timeInForce: 1 }));
    assert.deepEqual(await a.until(4, 3000), [
      "A(T)",
      "Q(100,2,MAX,0,0,MAX)",
      "C T -2 (T)",
      "Q(0,0,MAX,0,0,MAX)",
    ]);
    a.close();
    await a.done;
  });
});

Deno.test("tcp: --rejects answers ignored requests with J", async () => {
  await withServer({ rejects: true }, async ({ port }) => {
    const a = await TestClient.connect(port);
    await a.send(
      enterOrder({ token: "A", side: "B", shares: 1, price: 100 }),
      enterOrder({ token: "A", side: "B", shares: 1, price: 100 }),
      enterOrder({ token: "P", side: "B", shares: 1, price: 0x80000000 }),
    );
    assert.deepEqual(await a.until(4), ["A(A)", "Q(100,1,MAX,0,0,MAX)", "J(A O)", "J(P X)"]);
    a.close();
    await a.done;
  });
});

Deno.test("remote venue: trades on the exchange, reports outages, reconnects", async () => {
  const logs: string[] = [];
  let server = await ExchangeServer.start({ format: "cda", port: 0, log: (l) => logs.push(l) });
  const port = server.addr.port;
  const venue = await RemoteVenue.connect({
    host: "127.0.0.1",
    port,
    backoffMs: 20,
    log: () => {},
  });
  const events: string[] = [];
  venue.subscribe((e) => events.push(e.type === "connection" ? `link ${e.up}` : render(e)));
  venue.send(enterOrder({ token: "V1", side: "B", shares: 1, price: 100 }));
  const wait = async (pred: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(pred(), events.join("; "));
  };
  await wait(() => events.length >= 2);
  assert.deepEqual(events, ["A(V1)", "Q(100,1,MAX,0,0,MAX)"]);
  await server.close();
  await wait(() => events.includes("link false"));
  assert.equal(venue.connected, false);
  assert.throws(
    () => venue.send(enterOrder({ token: "V2", side: "B", shares: 1, price: 100 })),
    VenueUnavailableError,
  );
  server = await ExchangeServer.start({ format: "cda", port, log: (l) => logs.push(l) });
  await wait(() => events.includes("link true"));
  venue.send(enterOrder({ token: "V2", side: "S", shares: 1, price: 101 }));
  await wait(() => events.includes("A(V2)"));
  await venue.close();
  await server.close();
});

Deno.test("exchange command line: options are validated with clear messages", () => {
  const ok = parseExchangeArgs([
    "--format",
    "iex",
    "--port",
    "9201",
    "--delay-ms",
    "250",
    "--seed",
    "9",
  ]);
  assert.equal(ok.format, "iex");
  assert.equal(ok.port, 9201);
  assert.equal(ok.delayMs, 250);
  assert.equal(ok.seed, 9);
  const upstream = parseExchangeArgs(["--mechanism", "fba", "--interval", "10"]);
  assert.equal(upstream.format, "fba");
  assert.equal(upstream.batchMs, 10_000);
  assert.throws(() => parseExchangeArgs(["--format", "xyz"]), /--format must be cda, fba or iex/);
  assert.throws(() => parseExchangeArgs(["--format", "cda", "--port", "70000"]), /--port/);
  assert.throws(() => parseExchangeArgs(["--format", "fba", "--batch-ms", "0"]), /--batch-ms/);
  assert.throws(() => parseExchangeArgs(["--format", "cda", "--tz", "Mars/Base"]), /--tz/);
  assert.throws(() => parseExchangeArgs(["--format", "cda", "--bogus"]), /bogus/);
});

Deno.test("deno task exchange starts a server that answers OUCH", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "exchange", "--format", "cda", "--port", "0", "--seed", "1"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!/listening on .*:(\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`exchange exited: ${text}`);
      text += value;
    }
    const port = Number(/listening on .*:(\d+)/.exec(text)![1]);
    const c = await TestClient.connect(port);
    await c.send(enterOrder({ token: "Z", side: "S", shares: 1, price: 5 }));
    assert.deepEqual(await c.until(2), ["A(Z)", "Q(0,0,5,1,0,MAX)"]);
    c.close();
    await c.done;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // it exited already; the status says why
    }
    await child.status;
    await reader.cancel().catch(() => {});
  }
});
