/**
 * Rooms: a lab's seats with links that outlive sessions and restarts. The
 * registry (validation naming every problem, the log as the only record,
 * presence and the seat order a session takes), the API behind the admin
 * password, the seat page (404, waiting, full, the subject screen) and the
 * waiting page's socket, in process over the embedded log.
 */

import assert from "node:assert/strict";
import { createApp } from "../routes/app.ts";
import { DemoStream } from "../routes/api_demo.ts";
import { newAdminAuth } from "../routes/admin_auth.ts";
import { MemoryEventLog } from "../eventlog/memory_event_log.ts";
import { EventAppender } from "../session/event_appender.ts";
import { SessionRegistry } from "../session/session_registry.ts";
import { sessionFromLog } from "../session/storage.ts";
import {
  MAX_SEATS,
  RoomRegistry,
  RoomRejected,
  ROOMS_STREAM,
  roomSeatsFor,
} from "../session/room_registry.ts";
import { MAX_ROOM_BYTES } from "../routes/room_api.ts";
import { roomRoutes } from "../routes/rooms.ts";
import type { RoomSeatMessage, RoomView } from "../protocol/room_protocol.ts";
import { rejectsWith, waitFor } from "./storage_helpers.ts";

const CONFIGS = new URL("../configs/", import.meta.url).pathname;
/** Two people per session. */
const DEMO = await Deno.readTextFile(`${CONFIGS}elo-cda-demo.yaml`);

async function setup(log?: MemoryEventLog) {
  log ??= await MemoryEventLog.open({});
  const appender = new EventAppender(log);
  const registry = new SessionRegistry({ appender, configDir: CONFIGS });
  const rooms = new RoomRegistry(appender);
  await rooms.recover();
  const { auth } = newAdminAuth("s3cret");
  const examples = () => Promise.resolve([{ name: "elo-cda-demo.yaml", text: DEMO }]);
  const app = createApp({
    demo: await DemoStream.create(),
    sessions: {
      registry,
      auth,
      exportSource: (code) => sessionFromLog(log, code),
      examples,
    },
  });
  roomRoutes(app, { rooms, sessions: registry, auth, examples });
  const call = (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const a = init.auth === undefined ? "Bearer s3cret" : init.auth;
    if (a !== null) headers.set("authorization", a);
    return app.request(`http://lab.example${path}`, { ...init, headers });
  };
  /** A session in the room, as `POST /api/sessions?room=` makes it. */
  const sessionIn = async (room: string) => {
    const session = await registry.create(DEMO, "demo.yaml", { room: roomSeatsFor(rooms, room) });
    rooms.attach(room, session.code);
    return session;
  };
  return { log, appender, registry, rooms, app, call, sessionIn };
}

// ---- the registry -----------------------------------------------------------------

Deno.test("room: a bad name and bad labels are refused with every problem named", async () => {
  const { rooms } = await setup();
  const e = await rejectsWith(
    () => rooms.create("Lab 1!", ["A1", "", "A1", "x".repeat(41), "tab\there", " A2"]),
    RoomRejected,
  );
  assert.equal(e.reason, "invalid");
  assert.equal(e.problems.length, 6, e.message);
  assert.match(e.message, /^invalid room \(6 problems\)/);
  assert.match(e.message, /name: only lower-case letters, digits, "-" and "_" are allowed/);
  assert.match(e.message, /labels\[1\]: must be 1\.\.40 characters, got 0/);
  assert.match(e.message, /labels\[2\]: "A1" is already the label of labels\[0\]/);
  assert.match(e.message, /labels\[3\]: must be 1\.\.40 characters, got 41/);
  assert.match(e.message, /labels\[4\]: "tab\\there" has a character that cannot be printed/);
  assert.match(e.message, /labels\[5\]: " A2" starts or ends with a space/);

  const sizes = await rejectsWith(() => rooms.create("x".repeat(41), []), RoomRejected);
  assert.deepEqual(sizes.problems, [
    "name: must be 1..40 characters, got 41",
    "labels: a room has 1..200 seats, got 0",
  ]);
  const many = Array.from({ length: MAX_SEATS + 1 }, (_, i) => `S${i}`);
  assert.match((await rejectsWith(() => rooms.create("big", many), RoomRejected)).message, /201/);
  assert.deepEqual(rooms.list(), [], "nothing refused was kept");
  assert.deepEqual(await rooms.create("lab_1-b", ["Ä 1", "A2"]).then((r) => r.name), "lab_1-b");

  const taken = await rejectsWith(() => rooms.create("lab_1-b", ["B1"]), RoomRejected);
  assert.equal(taken.reason, "taken");
  assert.match(taken.message, /a room named "lab_1-b" already exists/);
  assert.equal(rooms.get("lab_1-b")!.seats.length, 2, "the first room is untouched");
});

Deno.test("room: seats get distinct 128-bit tokens and are found by them", async () => {
  const { rooms } = await setup();
  const room = await rooms.create("lab", ["A1", "A2", "A3"]);
  assert.deepEqual(room.seats.map((s) => s.label), ["A1", "A2", "A3"]);
  const tokens = room.seats.map((s) => s.token);
  assert.equal(new Set(tokens).size, 3);
  for (const t of tokens) assert.match(t, /^[\w-]{22}$/, "16 random bytes, URL-safe");
  const found = rooms.bySeatToken(tokens[1])!;
  assert.equal(found.room.name, "lab");
  assert.equal(found.seat.label, "A2");
  assert.equal(rooms.bySeatToken(`${tokens[1]}x`), undefined);
  assert.equal(rooms.currentSession("lab"), null);
  assert.throws(() => rooms.attach("nosuch", "abcdef"), RoomRejected);
});

Deno.test("room: rooms and their current session survive a restart on the same log", async () => {
  const first = await setup();
  const lab = await first.rooms.create("lab", ["A1", "A2"]);
  await first.rooms.create("annex", ["1"]);
  first.rooms.attach("lab", "abc234");
  first.rooms.attach("lab", "def567");
  await first.appender.flush();

  const second = await setup(first.log);
  assert.deepEqual(second.rooms.list().map((r) => r.name), ["lab", "annex"]);
  assert.deepEqual(second.rooms.get("lab")!.seats, lab.seats, "the same links");
  assert.equal(second.rooms.bySeatToken(lab.seats[1].token)?.seat.label, "A2");
  assert.equal(second.rooms.currentSession("lab"), "def567", "the last session created in it");
  assert.equal(second.rooms.currentSession("annex"), null);

  // the rebuilt registry continues the stream instead of colliding with it
  await second.rooms.create("third", ["X"]);
  await second.appender.flush();
  const events = await first.log.read(ROOMS_STREAM);
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(events.map((e) => e.kind), [
    "room_created",
    "room_created",
    "room_session",
    "room_session",
    "room_created",
  ]);
  assert.deepEqual(events[0].data.labels, ["A1", "A2"]);
  assert.deepEqual(events[3].data, { room: "lab", code: "def567" });
  assert.equal((await setup(first.log)).rooms.list().length, 3);
});

Deno.test("room: a session takes open seats first, then the rest, each in the room's order", async () => {
  const { rooms } = await setup();
  const room = await rooms.create("lab", ["A1", "A2", "A3", "A4", "A5"]);
  const [a1, a2, a3, a4] = room.seats.map((s) => s.token);
  const order = () => roomSeatsFor(rooms, "lab").seats.map((s) => s.label);
  assert.deepEqual(order(), ["A1", "A2", "A3", "A4", "A5"], "nobody there: the room's order");
  rooms.seatConnected(a4);
  rooms.seatConnected(a2);
  assert.deepEqual(rooms.present("lab"), ["A2", "A4"]);
  assert.deepEqual(order(), ["A2", "A4", "A1", "A3", "A5"]);
  // two tabs on one seat: it stays present until both are closed
  rooms.seatConnected(a3);
  rooms.seatConnected(a3);
  rooms.seatDisconnected(a3);
  assert.deepEqual(rooms.present("lab"), ["A2", "A3", "A4"]);
  rooms.seatDisconnected(a3);
  rooms.seatDisconnected(a1); // never connected: no effect
  assert.deepEqual(order(), ["A2", "A4", "A1", "A3", "A5"]);
  const seating = roomSeatsFor(rooms, "lab");
  assert.equal(seating.name, "lab");
  assert.equal(seating.seats[0].token, a2);
  assert.throws(() => roomSeatsFor(rooms, "nosuch"), /no room named "nosuch"/);
});

// ---- the API ------------------------------------------------------------------------

Deno.test("room API: the admin password guards it and the Rooms page, not the seat links", async () => {
  const { call } = await setup();
  for (const path of ["/api/rooms", "/api/rooms/lab", "/admin/rooms"]) {
    const none = await call(path, { auth: null });
    assert.equal(none.status, 401, path);
    assert.match(await none.text(), /password is required/);
    assert.equal((await call(path, { auth: "Bearer nope" })).status, 401, path);
  }
  const post = await call("/api/rooms", {
    method: "POST",
    auth: null,
    body: JSON.stringify({ name: "lab", seats: 2 }),
  });
  assert.equal(post.status, 401);
  assert.equal((await call("/api/rooms")).status, 200);
  assert.deepEqual(await (await call("/api/rooms")).json(), [], "nothing was created unauthorised");
  const page = await call("/admin/rooms");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /data-island="AdminRooms"/);
});

Deno.test("room API: create by labels or by count; problems, size and duplicates refused", async () => {
  const { call, rooms } = await setup();
  const post = (body: unknown) =>
    call("/api/rooms", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const byCount = await post({ name: "annex", seats: 3 });
  assert.equal(byCount.status, 201);
  const annex = await byCount.json();
  assert.equal(annex.name, "annex");
  assert.deepEqual(annex.seats.map((s: { label: string }) => s.label), ["1", "2", "3"]);
  const seat = rooms.get("annex")!.seats[0];
  assert.equal(annex.seats[0].url, `http://lab.example/room/${seat.token}`);

  const byLabels = await post({ name: "lab", labels: ["A1", "A2"] });
  assert.equal(byLabels.status, 201);
  assert.deepEqual((await byLabels.json()).seats.map((s: { label: string }) => s.label), [
    "A1",
    "A2",
  ]);

  const again = await post({ name: "lab", seats: 1 });
  assert.equal(again.status, 409);
  assert.match((await again.json()).error, /already exists/);

  const bad = await post({ name: "Lab!", labels: ["A1", "A1", 7] });
  assert.equal(bad.status, 400);
  const { error } = await bad.json();
  assert.match(error, /3 problems/);
  assert.match(error, /name:/);
  assert.match(error, /labels\[1\]: "A1" is already/);
  assert.match(error, /labels\[2\]: must be a string, got number 7/);

  assert.match((await (await post({ name: "x", seats: 0 })).json()).error, /seats: .*1\.\.200/);
  assert.match((await (await post({ name: "x", seats: 2.5 })).json()).error, /seats:/);
  assert.match((await (await post({ name: "x" })).json()).error, /"labels".*"seats"/);
  assert.match(
    (await (await post({ name: "x", seats: 2, labels: ["a"] })).json()).error,
    /not both/,
  );
  assert.match((await (await post([1])).json()).error, /JSON object/);
  const notJson = await post("name: lab");
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).error, /must be JSON/);
  const huge = await post({ name: "big", labels: ["x".repeat(MAX_ROOM_BYTES)] });
  assert.equal(huge.status, 413);
  assert.match((await huge.json()).error, /larger than/);

  const list: RoomView[] = await (await call("/api/rooms")).json();
  assert.deepEqual(list.map((r) => r.name), ["annex", "lab"]);
  const one: RoomView = await (await call("/api/rooms/lab")).json();
  assert.deepEqual(one.seats.map((s) => [s.label, s.present, s.participant]), [
    ["A1", false, null],
    ["A2", false, null],
  ]);
  assert.equal(one.session, null);
  const missing = await call("/api/rooms/nosuch");
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /no room named "nosuch"/);
});

// ---- the seat page ------------------------------------------------------------------

Deno.test("seat page: unknown links are 404; a seat waits, unseen by link previewers", async () => {
  const { call, rooms } = await setup();
  const room = await rooms.create("lab", ["A1", "A2", "A3"]);
  const a3 = room.seats[2].token;

  const unknown = await call(`/room/${a3}x`, { auth: null });
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /This seat link is not known/);

  const page = await call(`/room/${a3}`, { auth: null });
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("cache-control"), "no-store");
  const html = await page.text();
  assert.match(html, /Seat A3 — welcome\./);
  assert.match(html, /Please wait; the experiment will start shortly\./);
  assert.match(html, /data-island="RoomWait"/);
  assert.ok(html.includes(`/ws/room/${a3}`), "the page connects to its seat's socket");
  assert.deepEqual(rooms.present("lab"), [], "fetching the page is not being there");
});

Deno.test("seat page: in a session it is the participant's own screen; extra seats are told it is full", async () => {
  const { call, rooms, sessionIn } = await setup();
  const room = await rooms.create("lab", ["A1", "A2", "A3"]);
  const [a1, a2, a3] = room.seats.map((s) => s.token);
  rooms.seatConnected(a3); // A3 is waiting: it is seated first
  const session = await sessionIn("lab");
  assert.deepEqual(session.participants.map((p) => [p.label, p.room_seat]), [
    ["A3", a3],
    ["A1", a1],
  ]);

  const seatPage = await call(`/room/${a3}`, { auth: null });
  assert.equal(seatPage.status, 200);
  const subjectPage = await call(`/s/${session.participants[0].token}`, { auth: null });
  assert.equal(await seatPage.text(), await subjectPage.text(), "the same page as /s/<token>");

  const full = await (await call(`/room/${a2}`, { auth: null })).text();
  assert.match(full, /This session is full; please tell the experimenter\./);
  assert.match(full, /data-island="RoomWait"/, "and it keeps waiting for the next session");
  assert.ok(full.includes(`"full":"${session.code}"`));

  const view: RoomView = await (await call("/api/rooms/lab")).json();
  assert.deepEqual(view.seats.map((s) => [s.label, s.present, s.participant]), [
    ["A1", false, "A1"],
    ["A2", false, null],
    ["A3", true, "A3"],
  ]);
  assert.equal(view.session?.code, session.code);
  assert.equal(view.session?.phase, session.phase);
  assert.equal(view.session?.admin_url, `http://lab.example/admin/sessions/${session.code}`);

  // the next session in the room: the same links lead into it
  rooms.seatDisconnected(a3);
  const next = await sessionIn("lab");
  assert.deepEqual(next.participants.map((p) => p.label), ["A1", "A2"]);
  const a2Page = await (await call(`/room/${a2}`, { auth: null })).text();
  assert.equal(a2Page, await (await call(`/s/${next.participants[1].token}`)).text());
  const a3Page = await (await call(`/room/${a3}`, { auth: null })).text();
  assert.match(a3Page, /This session is full/, "A3 is not in the new session");
});

// ---- the seat socket -----------------------------------------------------------------

class SeatClient {
  readonly got: RoomSeatMessage[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<CloseEvent>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (e) => this.got.push(JSON.parse(e.data));
    this.closed = new Promise((resolve) => (this.ws.onclose = resolve));
  }
  async close() {
    this.ws.close();
    await this.closed;
  }
}

Deno.test("seat socket: present while open; told when a session that seats it starts", async () => {
  const { app, rooms, sessionIn, registry } = await setup();
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const ws = (token: string) => `ws://127.0.0.1:${server.addr.port}/ws/room/${token}`;
  try {
    const room = await rooms.create("lab", ["A1", "A2", "A3"]);
    const [a1, a2, a3] = room.seats.map((s) => s.token);
    const seats = [new SeatClient(ws(a1)), new SeatClient(ws(a2)), new SeatClient(ws(a3))];
    await waitFor("every seat told to wait", () => seats.every((s) => s.got.length === 1));
    for (const s of seats) assert.deepEqual(s.got, [{ type: "waiting" }]);
    assert.deepEqual(rooms.present("lab"), ["A1", "A2", "A3"]);

    // A2 leaves: the session seats A1 and A3, and A2, back later, hears it is full
    await seats[1].close();
    await waitFor("A2 gone", () => !rooms.present("lab").includes("A2"));
    const session = await sessionIn("lab");
    assert.deepEqual(session.participants.map((p) => p.label), ["A1", "A3"]);
    await waitFor("both told", () => seats[0].got.length === 2 && seats[2].got.length === 2);
    assert.deepEqual(seats[0].got[1], { type: "session", code: session.code });
    assert.deepEqual(seats[2].got[1], { type: "session", code: session.code });
    const back = new SeatClient(ws(a2));
    await waitFor("A2 told", () => back.got.length === 1);
    assert.deepEqual(back.got, [{ type: "full", code: session.code }]);

    // a session created while a seat waits on full reaches it too
    const next = await sessionIn("lab");
    await waitFor("A2 told of the next", () => back.got.length === 2);
    assert.deepEqual(back.got[1], { type: "session", code: next.code });
    assert.equal(registry.byRoomSeat(a2)?.session.code, next.code);

    for (const s of [seats[0], seats[2], back]) await s.close();
    await waitFor("nobody present", () => rooms.present("lab").length === 0);

    const stranger = new SeatClient(ws(`${a1}x`));
    const closed = await stranger.closed;
    assert.equal(closed.code, 4404);
    assert.deepEqual(stranger.got, []);
  } finally {
    await server.shutdown();
    registry.close();
  }
});
