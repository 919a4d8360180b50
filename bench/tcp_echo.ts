/**
 * The baseline for the exchange round-trip benchmark: a TCP server that does
 * nothing but answer every 50-byte request with 67 bytes, so a round trip
 * through it is what loopback and the runtime cost alone.
 */

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.error(`echo: listening on 127.0.0.1:${listener.addr.port}`);
const reply = new Uint8Array(67);

for await (const conn of listener) {
  conn.setNoDelay(true);
  (async () => {
    const buf = new Uint8Array(65536);
    let pending = 0;
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (pending += n; pending >= 50; pending -= 50) await conn.write(reply);
      }
    } catch {
      // client went away
    }
    conn.close();
  })();
}
