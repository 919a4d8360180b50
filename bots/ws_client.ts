/**
 * A small WebSocket client (RFC 6455) over a TCP connection of its own, for
 * the bots. Deno's built-in client turns Nagle's algorithm on for its
 * socket (TCP_NODELAY 0), so a bot sending orders in quick succession has
 * them held back until the previous segment is acknowledged, which adds
 * up to a delayed-ACK timeout to the latency the bots are there to
 * measure. Browsers switch Nagle off for WebSockets; so does this client.
 *
 * Text and binary messages, fragmented messages, ping (answered) and the
 * close handshake; frames are masked as a client's must be. Frames sent
 * in one turn of the event loop leave in one write.
 */

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** Server messages larger than this close the connection (1009): no update is near it. */
const MAX_MESSAGE = 16 << 20;

type Conn = Deno.TcpConn | Deno.TlsConn;

async function acceptKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class BotWebSocket {
  readyState = CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string | Uint8Array }) => void) | null = null;
  /** Once, when the connection is gone: 1006 when it dropped without a close frame. */
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  readonly url: string;
  #conn: Conn | null = null;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  #flushing = false;
  #closeSent = false;
  #closedFired = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #fragments: Uint8Array[] = [];
  #fragmentType = 0;
  #fragmentBytes = 0;
  /** Random bytes for masks, drawn in blocks. */
  #masks = new Uint8Array(0);
  #maskAt = 0;

  constructor(url: string) {
    this.url = url;
    this.#open().catch((e) => this.#gone(1006, e instanceof Error ? e.message : String(e)));
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error("the WebSocket is not open");
    this.#frame(
      typeof data === "string" ? 1 : 2,
      typeof data === "string" ? encoder.encode(data) : data,
    );
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === CLOSED || this.#closeSent) return;
    if (this.readyState === CONNECTING) {
      this.#gone(code, reason);
      return;
    }
    this.readyState = CLOSING;
    this.#sendClose(code, reason);
    // a server that never answers the close does not keep the socket
    this.#closeTimer = setTimeout(() => this.#gone(code, reason), 1000);
  }

  async #open(): Promise<void> {
    const u = new URL(this.url);
    const secure = u.protocol === "wss:";
    const port = Number(u.port || (secure ? 443 : 80));
    const hostname = u.hostname.replace(/^\[|\]$/g, "");
    const conn: Conn = secure
      ? await Deno.connectTls({ hostname, port })
      : await Deno.connect({ hostname, port });
    if ("setNoDelay" in conn) conn.setNoDelay(true);
    this.#conn = conn;
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await this.#write(encoder.encode(
      `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ));
    let buffer: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    let end = -1;
    while (end < 0) {
      const n = await conn.read(chunk);
      if (n === null) throw new Error("the server closed the connection during the handshake");
      buffer = concat(buffer, chunk.slice(0, n));
      end = findHeaderEnd(buffer);
      if (end < 0 && buffer.length > 64 * 1024) throw new Error("the handshake answer is too long");
    }
    const head = decoder.decode(buffer.subarray(0, end));
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    if (status !== "101") {
      throw new Error(`the server refused the WebSocket: ${head.split("\r\n")[0]}`);
    }
    const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(head)?.[1];
    if (accept !== await acceptKey(key)) {
      throw new Error("the server's Sec-WebSocket-Accept is wrong");
    }
    this.readyState = OPEN;
    this.onopen?.();
    await this.#read(buffer.subarray(end + 4));
  }

  async #read(start: Uint8Array): Promise<void> {
    const conn = this.#conn!;
    let buffer = start;
    const chunk = new Uint8Array(256 * 1024);
    for (;;) {
      buffer = this.#frames(buffer);
      if (this.readyState === CLOSED) return;
      let n: number | null;
      try {
        n = await conn.read(chunk);
      } catch (e) {
        this.#gone(1006, e instanceof Error ? e.message : String(e));
        return;
      }
      if (n === null) {
        this.#gone(1006, "the connection was closed without a close frame");
        return;
      }
      buffer = concat(buffer, chunk.slice(0, n));
    }
  }

  /** Handles every whole frame at the start of `buffer`; returns what is left. */
  #frames(buffer: Uint8Array): Uint8Array {
    let at = 0;
    while (buffer.length - at >= 2) {
      const b0 = buffer[at];
      const b1 = buffer[at + 1];
      let length = b1 & 0x7f;
      let head = 2;
      if (length === 126) {
        if (buffer.length - at < 4) break;
        length = (buffer[at + 2] << 8) | buffer[at + 3];
        head = 4;
      } else if (length === 127) {
        if (buffer.length - at < 10) break;
        const view = new DataView(buffer.buffer, buffer.byteOffset + at + 2, 8);
        length = Number(view.getBigUint64(0));
        head = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) head += 4;
      if (length > MAX_MESSAGE) {
        this.close(1009, "message too big");
        return new Uint8Array(0);
      }
      if (buffer.length - at < head + length) break;
      let payload = buffer.subarray(at + head, at + head + length);
      if (masked) {
        const mask = buffer.subarray(at + head - 4, at + head);
        payload = payload.map((b, i) => b ^ mask[i & 3]);
      }
      at += head + length;
      this.#onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
      if (this.readyState === CLOSED) return new Uint8Array(0);
    }
    return at === 0 ? buffer : buffer.slice(at);
  }

  #onFrame(fin: boolean, opcode: number, payload: Uint8Array): void {
    switch (opcode) {
      case 0:
      case 1:
      case 2: {
        if (opcode !== 0) {
          this.#fragments = [];
          this.#fragmentBytes = 0;
          this.#fragmentType = opcode;
        }
        if (fin && this.#fragments.length === 0) {
          this.#deliver(this.#fragmentType, payload);
          return;
        }
        this.#fragments.push(payload.slice());
        this.#fragmentBytes += payload.length;
        if (this.#fragmentBytes > MAX_MESSAGE) {
          this.close(1009, "message too big");
          return;
        }
        if (fin) {
          const whole = new Uint8Array(this.#fragmentBytes);
          let k = 0;
          for (const f of this.#fragments) {
            whole.set(f, k);
            k += f.length;
          }
          this.#fragments = [];
          this.#deliver(this.#fragmentType, whole);
        }
        return;
      }
      case 8: {
        const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
        const reason = decoder.decode(payload.subarray(2));
        if (!this.#closeSent) this.#sendClose(code === 1005 ? 1000 : code, "");
        this.#gone(code, reason);
        return;
      }
      case 9:
        this.#frame(10, payload.slice());
        return;
      default:
        return;
    }
  }

  #deliver(opcode: number, payload: Uint8Array): void {
    if (this.readyState !== OPEN && this.readyState !== CLOSING) return;
    this.onmessage?.({ data: opcode === 1 ? decoder.decode(payload) : payload });
  }

  #sendClose(code: number, reason: string): void {
    this.#closeSent = true;
    const r = encoder.encode(reason).subarray(0, 123);
    const body = new Uint8Array(2 + r.length);
    body[0] = code >> 8;
    body[1] = code & 0xff;
    body.set(r, 2);
    this.#frame(8, body, true);
  }

  #mask(): Uint8Array {
    if (this.#maskAt + 4 > this.#masks.length) {
      this.#masks = crypto.getRandomValues(new Uint8Array(4096));
      this.#maskAt = 0;
    }
    const m = this.#masks.subarray(this.#maskAt, this.#maskAt + 4);
    this.#maskAt += 4;
    return m;
  }

  #frame(opcode: number, payload: Uint8Array, control = false): void {
    if (!this.#conn || (this.#closeSent && !control)) return;
    const n = payload.length;
    const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const frame = new Uint8Array(head + 4 + n);
    frame[0] = 0x80 | opcode;
    if (n < 126) frame[1] = 0x80 | n;
    else if (n < 65536) {
      frame[1] = 0x80 | 126;
      frame[2] = n >> 8;
      frame[3] = n & 0xff;
    } else {
      frame[1] = 0x80 | 127;
      new DataView(frame.buffer, 2, 8).setBigUint64(0, BigInt(n));
    }
    const mask = this.#mask();
    frame.set(mask, head);
    for (let i = 0; i < n; i++) frame[head + 4 + i] = payload[i] ^ mask[i & 3];
    this.#out.push(frame);
    this.#outBytes += frame.length;
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#out.length > 0 && this.#conn) {
        const parts = this.#out;
        const bytes = new Uint8Array(this.#outBytes);
        let k = 0;
        for (const p of parts) {
          bytes.set(p, k);
          k += p.length;
        }
        this.#out = [];
        this.#outBytes = 0;
        await this.#write(bytes);
      }
    } catch (e) {
      this.#gone(1006, e instanceof Error ? e.message : String(e));
    } finally {
      this.#flushing = false;
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let n = 0;
    while (n < bytes.length && this.#conn) n += await this.#conn.write(bytes.subarray(n));
  }

  #gone(code: number, reason: string): void {
    if (this.#closedFired) return;
    this.#closedFired = true;
    this.readyState = CLOSED;
    clearTimeout(this.#closeTimer);
    const conn = this.#conn;
    this.#conn = null;
    const left = this.#out;
    this.#out = [];
    this.#outBytes = 0;
    // whatever was queued (a close frame answering the server's) leaves first
    (async () => {
      try {
        for (const frame of left) {
          let n = 0;
          while (n < frame.length && conn) n += await conn.write(frame.subarray(n));
        }
      } catch { /* the peer is gone */ }
      try {
        conn?.close();
      } catch { /* closed already */ }
    })();
    this.onclose?.({ code, reason });
  }
}

/** Index of the blank line ending the HTTP head, or -1. */
function findHeaderEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}
