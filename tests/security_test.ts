/**
 * Security against a real server process (`deno run main.ts`, loopback):
 *
 * - a subject's link acts for its own seat of its own session only, whatever
 *   the messages claim; a wrong or foreign token is refused (close 4404);
 * - every admin route (the session API, the room API, the admin pages) and
 *   the monitor socket refuse missing and wrong credentials with 401 (4401
 *   on the socket), the same whether the session exists or not;
 * - the per-connection message rate limit answers with a clear error, and
 *   a link cannot multiply it by opening many sockets;
 * - request bodies over the limit get 413;
 * - no SQL is built by concatenation (a static scan of store/ and workers/).
 */

import assert from "node:assert/strict";
import { adminFetch, spawnServer } from "./server_process.ts";
import { delay, waitFor } from "./storage_helpers.ts";
import { MAX_CONFIG_BYTES } from "../routes/session_api.ts";
import { type CreatedSession, RawSocket, subjectToken } from "./raw_socket.ts";
import {
  DEFAULT_SUBJECT_RATE_PER_S,
  floodThreshold,
  MAX_SOCKETS_PER_LINK,
  RateLimit,
  subjectRatePerSecond,
} from "../routes/subject_socket.ts";

const PASSWORD = "security-test";
const CONFIG = await Deno.readTextFile(new URL("../configs/elo-cda-demo.yaml", import.meta.url));

Deno.test({
  name: "security: seats, sessions, admin credentials, rate and size limits",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dataDir = await Deno.makeTempDir({ prefix: "hft-security-" });
    // the default rate limit: what a lab runs
    const server = await spawnServer({
      HFT_DATA_DIR: dataDir,
      HFT_ADMIN_PASSWORD: PASSWORD,
      HOST: "127.0.0.1",
    });
    const ws = server.origin.replace(/^http/, "ws");
    const sockets: RawSocket[] = [];
    const open = async (path: string) => {
      const s = new RawSocket(`${ws}${path}`);
      sockets.push(s);
      await s.opened;
      return s;
    };
    const subject = async (link: string) => {
      const s = await open(`/ws/subject/${subjectToken(link)}`);
      s.send({ type: "hello", last_seq: null });
      await waitFor("a snapshot", () => s.last("snapshot") !== undefined, 10_000);
      return s;
    };
    try {
      const api = adminFetch(server.origin, PASSWORD);
      const create = async () => {
        const r = await api("/api/sessions?name=elo-cda-demo.yaml", {
          method: "POST",
          body: CONFIG,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        const created = r.body as CreatedSession;
        assert.equal(
          (await api(`/api/sessions/${created.code}/start`, { method: "POST" })).status,
          200,
        );
        return created;
      };
      const a = await create();
      const b = await create();

      await t.step("a link acts for its own seat and session only", async () => {
        const a1 = await subject(a.participants[0].url);
        // a message naming another seat, session or token is still the sender's own
        a1.send({
          type: "role",
          role: "manual",
          participant: 2,
          seat: 2,
          market: 1,
          session: b.code,
          code: b.code,
          token: subjectToken(b.participants[0].url),
        });
        a1.send({ type: "order", side: "B", price: 870_000, participant: 2, session: b.code });
        await waitFor(
          "A P1's bid in the book",
          () =>
            ((a1.last("orders")?.orders ?? []) as { price: number; state: string }[])
              .some((o) => o.price === 870_000 && o.state === "live"),
          10_000,
        );
        const viewA = (await api(`/api/sessions/${a.code}`)).body;
        const viewB = (await api(`/api/sessions/${b.code}`)).body;
        const roles = (v: { participants: { label: string; role: string }[] }) =>
          v.participants.map((p) => [p.label, p.role]);
        assert.deepEqual(roles(viewA), [["P1", "manual"], ["P2", "out"]]);
        assert.deepEqual(roles(viewB), [["P1", "out"], ["P2", "out"]]);
        const levels = (v: { markets: { levels: { price: number; bid_volume: number }[] }[] }) =>
          v.markets.flatMap((m) => m.levels).filter((l) => l.price === 870_000 && l.bid_volume);
        assert.equal(levels(viewA).length, 1, "the bid is in A's book");
        assert.equal(levels(viewB).length, 0, "and not in B's");
        // B's subjects heard nothing of A
        const b1 = await subject(b.participants[0].url);
        const snapshot = b1.last("snapshot")!.state as {
          strategy: { role: string };
          orders: unknown[];
        };
        assert.equal(snapshot.strategy.role, "out");
        assert.deepEqual(snapshot.orders, []);
      });

      await t.step("wrong, altered and foreign tokens are refused with 4404", async () => {
        const real = subjectToken(a.participants[0].url);
        const flipped = real[0] === "A" ? `B${real.slice(1)}` : `A${real.slice(1)}`;
        for (
          const token of [
            "nope",
            flipped,
            real.toLowerCase() === real ? real.toUpperCase() : real.toLowerCase(),
            real.slice(0, -1),
            `${real}x`,
            a.code,
            b.code,
            encodeURIComponent(`${real}/../${subjectToken(b.participants[0].url)}`),
          ]
        ) {
          const s = await open(`/ws/subject/${token}`);
          const e = await s.done;
          assert.equal(e.code, 4404, `token ${token}: closed with ${e.code}`);
          assert.equal(s.count("snapshot"), 0);
        }
        const page = await fetch(`${server.origin}/s/${flipped}`);
        assert.equal(page.status, 404);
        await page.body?.cancel();
      });

      await t.step(
        "admin routes refuse missing and wrong credentials, leaking nothing",
        async () => {
          const bearer = subjectToken(a.participants[0].url);
          const bad: (string | null)[] = [
            null,
            "Bearer wrong",
            `Bearer ${PASSWORD}x`,
            `Bearer ${PASSWORD.toUpperCase()}`,
            `Basic ${btoa("admin:wrong")}`,
            `Basic ${btoa(`${PASSWORD}:`)}`,
            `Basic ${btoa(PASSWORD)}`,
            `Bearer ${bearer}`,
            `Basic not-base64!`,
            "Bearer",
            PASSWORD,
          ];
          const routes = (code: string): [string, string][] => [
            ["GET", "/api/sessions"],
            ["POST", "/api/sessions"],
            ["GET", `/api/sessions/${code}`],
            ...[
              "start",
              "start-round",
              "pause",
              "resume",
              "end",
              "end-round",
              "form-markets",
              "finish",
            ].map((action): [string, string] => ["POST", `/api/sessions/${code}/${action}`]),
            ["POST", `/api/sessions/${code}/participants/1/drop`],
            ["POST", `/api/sessions/${code}/participants/1/restore`],
            ["GET", `/api/sessions/${code}/export.zip`],
            ["GET", `/api/sessions/${code}/export/trades.csv`],
            ["GET", "/api/rooms"],
            ["POST", "/api/rooms"],
            ["GET", "/api/rooms/lab"],
            ["GET", "/admin"],
            ["GET", `/admin/sessions/${code}`],
            ["GET", "/admin/rooms"],
          ];
          const answer = async (method: string, path: string, auth: string | null) => {
            const headers: Record<string, string> = {};
            if (auth !== null) headers.authorization = auth;
            const r = await fetch(`${server.origin}${path}`, {
              method,
              headers,
              body: method === "POST" ? CONFIG : undefined,
            });
            return { status: r.status, body: await r.text() };
          };
          for (const auth of bad) {
            const known = routes(a.code);
            const unknown = routes("zzzzzz");
            for (let i = 0; i < known.length; i++) {
              const [method, path] = known[i];
              const r = await answer(method, path, auth);
              assert.equal(r.status, 401, `${method} ${path} with ${auth}: ${r.status}`);
              // a session that does not exist looks exactly the same
              const other = await answer(unknown[i][0], unknown[i][1], auth);
              assert.deepEqual(other, r, `${method} ${unknown[i][1]} differs from ${path}`);
            }
          }
          // nothing was done by the refused calls
          const view = (await api(`/api/sessions/${a.code}`)).body;
          assert.equal(view.phase, "running");
          assert.equal(view.round, 1);
          assert.ok(view.participants.every((p: { dropped: boolean }) => !p.dropped));
          const list = (await api("/api/sessions")).body as unknown[];
          assert.equal(list.length, 2, "no session was created");

          // the monitor socket: a wrong or missing key is 4401, for any code
          for (
            const path of [
              `/ws/admin/${a.code}?key=wrong`,
              `/ws/admin/${a.code}`,
              "/ws/admin/zzzzzz?key=wrong",
              `/ws/admin/${a.code}?key=${PASSWORD}`,
            ]
          ) {
            const s = await open(path);
            const e = await s.done;
            assert.equal(e.code, 4401, `${path}: ${e.code}`);
            assert.equal(s.got.length, 0, "nothing of the session was sent");
          }
        },
      );

      await t.step("the rate limit answers with a clear error; the connection stays", async () => {
        const s = await subject(a.participants[1].url);
        const burst = 2 * DEFAULT_SUBJECT_RATE_PER_S;
        for (let i = 0; i < burst + 60; i++) s.send({ type: "ping", id: i });
        await waitFor("the rate error", () => s.count("error") > 0, 5000);
        await delay(300);
        const errors = s.got.filter((m) => m.type === "error").map((m) => m.message);
        // once per stretch of dropped messages (a token refilled mid-burst starts another)
        assert.ok(errors.length >= 1 && errors.length <= 3, errors.join("\n"));
        for (const e of errors) {
          assert.equal(
            e,
            `too many messages: at most ${DEFAULT_SUBJECT_RATE_PER_S} per second; the excess was dropped`,
          );
        }
        const pongs = s.count("pong");
        assert.ok(pongs >= burst && pongs < burst + 30, `${pongs} pongs`);
        assert.equal(s.closed, null, "an eager client is slowed down, not disconnected");
        await delay(1100);
        s.send({ type: "ping", id: 99_999 });
        await waitFor(
          "a pong after the pause",
          () => s.got.some((m) => m.type === "pong" && m.id === 99_999),
          5000,
        );
      });

      await t.step("a link cannot multiply its rate by opening many sockets", async () => {
        const link = a.participants[1].url;
        const extra: RawSocket[] = [];
        // one socket of this link is open from the previous step
        for (let i = 1; i < MAX_SOCKETS_PER_LINK; i++) extra.push(await subject(link));
        const refused = await open(`/ws/subject/${subjectToken(link)}`);
        const e = await refused.done;
        assert.equal(e.code, 4429, e.reason);
        assert.match(e.reason, /too many connections/);
        await extra[0].close();
        await delay(100);
        const again = await subject(link);
        assert.equal(again.closed, null, "a freed place can be taken again");
        for (const s of extra) await s.close();
      });

      await t.step("request bodies over the limit get 413", async () => {
        const huge = await fetch(`${server.origin}/api/sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${PASSWORD}` },
          body: "#".repeat(MAX_CONFIG_BYTES + 1),
        });
        assert.equal(huge.status, 413);
        assert.match((await huge.json()).error, /larger than/);
        // without a length up front: counted as it streams
        const chunk = new TextEncoder().encode("#".repeat(64 * 1024));
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent > MAX_CONFIG_BYTES + chunk.length) controller.close();
            else {
              sent += chunk.length;
              controller.enqueue(chunk);
            }
          },
        });
        const streamed = await fetch(`${server.origin}/api/sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${PASSWORD}` },
          body: stream,
        });
        assert.equal(streamed.status, 413);
        await streamed.body?.cancel();
        const rooms = await api("/api/rooms");
        if (rooms.status !== 404) {
          const big = await fetch(`${server.origin}/api/rooms`, {
            method: "POST",
            headers: { authorization: `Bearer ${PASSWORD}`, "content-type": "application/json" },
            body: JSON.stringify({ name: "big", labels: ["x".repeat(1 << 20)] }),
          });
          assert.equal(big.status, 413);
          await big.body?.cancel();
        }
        assert.equal(((await api("/api/sessions")).body as unknown[]).length, 2);
      });

      const health = await fetch(`${server.origin}/health`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      for (const s of sockets) await s.close().catch(() => {});
      // a graceful stop waits out idle keep-alive connections; nothing here needs one
      await server.kill();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

// ---- no SQL by concatenation ---------------------------------------------------------

interface Literal {
  /** The literal's text (a template's parts joined with its `${…}` kept). */
  text: string;
  start: number;
  end: number;
  /** A template's interpolated expressions. */
  holes: string[];
}

/**
 * String and template literals of a TypeScript source, with comments and
 * regular expressions skipped. A lexer good enough for this codebase's
 * style, not a TypeScript parser.
 */
export function literalsOf(src: string): Literal[] {
  const out: Literal[] = [];
  let i = 0;
  let lastSignificant = "";
  const readTemplate = (): Literal => {
    const start = i;
    i++;
    let text = "";
    const holes: string[] = [];
    while (i < src.length && src[i] !== "`") {
      if (src[i] === "\\") {
        text += src.slice(i, i + 2);
        i += 2;
      } else if (src[i] === "$" && src[i + 1] === "{") {
        let depth = 1;
        const from = i + 2;
        i += 2;
        while (i < src.length && depth > 0) {
          if (src[i] === "{") depth++;
          else if (src[i] === "}") depth--;
          else if (src[i] === "`") {
            out.push(readTemplate());
            continue;
          } else if (src[i] === '"' || src[i] === "'") {
            out.push(readString());
            continue;
          }
          i++;
        }
        const expr = src.slice(from, i - 1).trim();
        holes.push(expr);
        text += `\${${expr}}`;
      } else text += src[i++];
    }
    i++;
    return { text, start, end: i, holes };
  };
  const readString = (): Literal => {
    const start = i;
    const quote = src[i++];
    let text = "";
    while (i < src.length && src[i] !== quote) {
      if (src[i] === "\\") {
        text += src.slice(i, i + 2);
        i += 2;
      } else text += src[i++];
    }
    i++;
    return { text, start, end: i, holes: [] };
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      i = src.indexOf("\n", i);
      if (i < 0) break;
    } else if (c === "/" && src[i + 1] === "*") {
      i = src.indexOf("*/", i + 2) + 2;
      if (i < 2) break;
    } else if (
      c === "/" &&
      (lastSignificant === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant) ||
        /\breturn$/.test(src.slice(Math.max(0, i - 8), i).trimEnd()))
    ) {
      // a regular expression literal
      i++;
      let inClass = false;
      while (i < src.length && (src[i] !== "/" || inClass)) {
        if (src[i] === "\\") i++;
        else if (src[i] === "[") inClass = true;
        else if (src[i] === "]") inClass = false;
        i++;
      }
      i++;
      lastSignificant = "x";
    } else if (c === "`") {
      out.push(readTemplate());
      lastSignificant = "x";
    } else if (c === '"' || c === "'") {
      out.push(readString());
      lastSignificant = "x";
    } else {
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

/** Text that reads as SQL rather than as a message or a JSON fragment. */
const SQL =
  /\b(select\s[\s\S]*\bfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|create\s+(table|index|unique)|alter\s+table|drop\s+(table|index)|copy\s+\w+\s*(\(|from|to)|on\s+conflict|where\s+\w+\s*(=|<|>|in|is|between))/i;

/**
 * Interpolations allowed inside SQL text: constant SQL fragments defined in
 * the same file (column lists, a shared `select … from`), never values.
 * Values always travel as bound parameters ($1, $2, …).
 */
const IDENTIFIER_ONLY = /^[A-Z][A-Z0-9_]*$/;

export interface SqlProblem {
  file: string;
  line: number;
  what: string;
}

export function sqlProblems(file: string, src: string): SqlProblem[] {
  const problems: SqlProblem[] = [];
  const lineOf = (at: number) => src.slice(0, at).split("\n").length;
  const literals = literalsOf(src);
  /** Constants whose value is one literal: `const NAME = "…"` or a template. */
  const constants = new Map<string, Literal>();
  for (const l of literals) {
    const m = /(?:^|\n)\s*(?:export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*=\s*$/.exec(
      src.slice(Math.max(0, l.start - 200), l.start),
    );
    if (m && /^\s*;/.test(src.slice(l.end, l.end + 3))) constants.set(m[1], l);
  }
  const sqlConstant = (name: string, depth = 0): boolean => {
    const c = constants.get(name);
    if (!c || depth > 8) return false;
    return c.holes.every((h) => IDENTIFIER_ONLY.test(h) && sqlConstant(h, depth + 1));
  };
  for (const l of literals) {
    if (!SQL.test(l.text)) continue;
    for (const h of l.holes) {
      if (!IDENTIFIER_ONLY.test(h) || !sqlConstant(h)) {
        problems.push({
          file,
          line: lineOf(l.start),
          what: `\${${h}} interpolated into SQL: ${l.text.slice(0, 60)}`,
        });
      }
    }
    const before = src.slice(Math.max(0, l.start - 40), l.start);
    const after = src.slice(l.end, l.end + 40);
    if (/\+\s*$/.test(before) || /^\s*\+(?!\+)/.test(after) || /\+=\s*$/.test(before)) {
      problems.push({
        file,
        line: lineOf(l.start),
        what: `SQL joined with +: ${l.text.slice(0, 60)}`,
      });
    }
  }
  // what reaches the database is a literal, a constant of SQL, or (in the
  // adapters of store/database.ts) the caller's text passed through unchanged
  const call = /\.(query|execute|copyFrom)\s*(?:<[^>()]*>)?\s*\(\s*/g;
  for (const m of src.matchAll(call)) {
    const at = m.index! + m[0].length;
    const literal = literals.find((l) => l.start === at);
    if (literal) continue;
    const name = /^[A-Za-z_$][\w$]*/.exec(src.slice(at))?.[0] ?? "";
    const next = src.slice(at + name.length).trimStart()[0];
    if (name && (next === "," || next === ")")) {
      if (constants.has(name) && sqlConstant(name)) continue;
      if (file.endsWith("store/database.ts") && ["text", "statement"].includes(name)) continue;
      // each of MIGRATIONS' statements, all literals of that file (checked above)
      if (file.endsWith("store/migrations.ts") && name === "statement") continue;
    }
    // PGlite's COPY reads a blob: the caller's statement with only its source renamed
    if (
      file.endsWith("store/database.ts") &&
      src.slice(at).startsWith(`statement.replace(FROM_STDIN, "from '/dev/blob'")`)
    ) {
      continue;
    }
    // copyStream(...) objects and the like: only the adapters may pass them
    if (file.endsWith("store/database.ts") && /^copyStream\(statement\)/.test(src.slice(at))) {
      continue;
    }
    problems.push({
      file,
      line: lineOf(m.index!),
      what: `a query of something other than SQL text: ${src.slice(at, at + 50)}`,
    });
  }
  return problems;
}

Deno.test("security: the SQL scanner catches concatenation and interpolated values", () => {
  const bad = [
    `db.query("select * from events where stream = '" + stream + "'");`,
    "db.query(`select * from events where stream = '${stream}'`);",
    "const q = `delete from events where seq > ${n}`;\ndb.execute(q);",
    "let sql = 'select seq from events';\nsql += ' where stream = ' + s;\ndb.query(sql);",
    "db.query(buildQuery(stream));",
  ];
  for (const src of bad) assert.ok(sqlProblems("x.ts", src).length > 0, src);
  const good = [
    "db.query(`select seq from events where stream = $1`, [stream]);",
    'const COLS = "stream, seq";\nconst SELECT = `select ${COLS} from events`;\n' +
    "db.query(`${SELECT} where stream = $1`, [s]);",
    'log(`persister: ${what} failing`);\nconst re = /select "x"/;',
  ];
  for (const src of good) assert.deepEqual(sqlProblems("x.ts", src), [], src);
});

Deno.test("security: no SQL in store/ or workers/ is built by concatenation", async () => {
  const root = new URL("../", import.meta.url).pathname;
  let files = 0;
  let queries = 0;
  const problems: SqlProblem[] = [];
  for (const dir of ["store", "workers"]) {
    for await (const e of Deno.readDir(`${root}${dir}`)) {
      if (!e.isFile || !/\.tsx?$/.test(e.name)) continue;
      const file = `${dir}/${e.name}`;
      const src = await Deno.readTextFile(`${root}${file}`);
      files++;
      queries += [...src.matchAll(/\.(query|execute|copyFrom)\s*(?:<[^>()]*>)?\s*\(/g)].length;
      problems.push(...sqlProblems(file, src));
    }
  }
  assert.ok(files >= 5 && queries >= 10, `scanned ${files} files, ${queries} queries`);
  assert.deepEqual(problems, []);
});

Deno.test("security: HFT_SUBJECT_RATE_PER_S is read safely; the bucket and the flood line", () => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  assert.equal(subjectRatePerSecond(undefined, warn), DEFAULT_SUBJECT_RATE_PER_S);
  assert.equal(subjectRatePerSecond("", warn), DEFAULT_SUBJECT_RATE_PER_S);
  assert.equal(subjectRatePerSecond("1000", warn), 1000);
  assert.equal(subjectRatePerSecond("2.5", warn), 2.5);
  assert.deepEqual(warnings, []);
  for (const bad of ["abc", "0", "-5", "Infinity", "1e9"]) {
    assert.equal(subjectRatePerSecond(bad, warn), DEFAULT_SUBJECT_RATE_PER_S, bad);
  }
  assert.equal(warnings.length, 5);
  assert.match(warnings[0], /HFT_SUBJECT_RATE_PER_S must be/);
  assert.equal(floodThreshold(50), 500);
  assert.equal(floodThreshold(1000), 10_000);
  let now = 0;
  const bucket = new RateLimit(50, 100, () => now);
  let taken = 0;
  for (let i = 0; i < 150; i++) if (bucket.take()) taken++;
  assert.equal(taken, 100, "the burst");
  now += 1000;
  taken = 0;
  for (let i = 0; i < 150; i++) if (bucket.take()) taken++;
  assert.equal(taken, 50, "then the rate");
});
