/**
 * Rooms: a lab's fixed seats (PCs labelled A1, A2, …), each with one link
 * that stays the same across sessions and server restarts. A lab PC opens
 * its seat's link before any session exists; when the experimenter creates
 * a session in the room, the seats become its participants.
 *
 * Rooms live in the event log (stream `rooms`) so a restarted server
 * rebuilds them (`recover()`) the way it rebuilds sessions:
 * - `room_created` {@link RoomCreated}: the room and its seats' tokens;
 * - `room_session` {@link RoomSessionAttached}: a session was created in it,
 *   and is the room's current session from then on.
 *
 * Presence (which seats have their page open) is only in memory: it comes
 * from the seat pages' WebSockets, which reconnect after a restart.
 */

import type { ParticipantEntry } from "../eventlog/event_kinds.ts";
import type { EventAppender } from "./event_appender.ts";
import type { LiveSession, RoomSeats } from "./live_session.ts";
import { newToken } from "./secret_token.ts";

export const ROOMS_STREAM = "rooms";
export const MAX_ROOM_NAME = 40;
export const MAX_SEATS = 200;
export const MAX_LABEL = 40;

const ROOM_NAME = /^[a-z0-9_-]+$/;
// Control, format, unassigned and private-use characters: invisible on a
// label stuck to a PC, or rendered differently on every machine.
const UNPRINTABLE = /\p{C}/u;

export interface RoomSeat {
  label: string;
  /** The seat link's secret, 128 random bits. */
  token: string;
}

export interface Room {
  readonly name: string;
  /** In the order the experimenter listed them. */
  readonly seats: readonly RoomSeat[];
}

/** `room_created` on the `rooms` stream. */
export interface RoomCreated {
  name: string;
  labels: string[];
  seats: RoomSeat[];
}

/** `room_session` on the `rooms` stream. */
export interface RoomSessionAttached {
  room: string;
  code: string;
}

/** A room request the server refuses; the message names every problem. */
export class RoomRejected extends Error {
  constructor(
    /** invalid: bad name or labels; unknown: no such room; taken: the name exists. */
    readonly reason: "invalid" | "unknown" | "taken",
    readonly problems: readonly string[],
  ) {
    super(
      reason === "invalid"
        ? `invalid room (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
          problems.join("\n")
        : problems.join("\n"),
    );
    this.name = "RoomRejected";
  }
}

/** Every problem with a room's name and seat labels; none when they are fine. */
export function roomProblems(name: unknown, labels: unknown): string[] {
  return [...roomNameProblems(name), ...seatLabelProblems(labels)];
}

export function roomNameProblems(name: unknown): string[] {
  if (typeof name !== "string") return [`name: must be a string, got ${describe(name)}`];
  if (name.length < 1 || name.length > MAX_ROOM_NAME) {
    return [`name: must be 1..${MAX_ROOM_NAME} characters, got ${name.length}`];
  }
  if (!ROOM_NAME.test(name)) {
    return [
      `name: only lower-case letters, digits, "-" and "_" are allowed, got ${JSON.stringify(name)}`,
    ];
  }
  return [];
}

export function seatLabelProblems(labels: unknown): string[] {
  if (!Array.isArray(labels)) {
    return [`labels: must be a list of seat labels, got ${describe(labels)}`];
  }
  if (labels.length < 1 || labels.length > MAX_SEATS) {
    // thousands of labels would each get a line; the count is the problem
    return [`labels: a room has 1..${MAX_SEATS} seats, got ${labels.length}`];
  }
  const problems: string[] = [];
  const firstAt = new Map<string, number>();
  labels.forEach((label, i) => {
    const at = `labels[${i}]`;
    if (typeof label !== "string") {
      problems.push(`${at}: must be a string, got ${describe(label)}`);
    } else if (label.length < 1 || label.length > MAX_LABEL) {
      problems.push(`${at}: must be 1..${MAX_LABEL} characters, got ${label.length}`);
    } else if (UNPRINTABLE.test(label)) {
      problems.push(`${at}: ${JSON.stringify(label)} has a character that cannot be printed`);
    } else if (label.trim() !== label) {
      problems.push(`${at}: ${JSON.stringify(label)} starts or ends with a space`);
    } else if (firstAt.has(label)) {
      problems.push(`${at}: "${label}" is already the label of labels[${firstAt.get(label)}]`);
    } else {
      firstAt.set(label, i);
    }
  });
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

interface RoomState extends Room {
  /** The session created in it last. */
  session: string | null;
}

export class RoomRegistry {
  readonly #appender: EventAppender;
  readonly #rooms = new Map<string, RoomState>();
  readonly #bySeat = new Map<string, { room: RoomState; seat: RoomSeat }>();
  /** Seat token → seat pages open (a seat may be open in two tabs). */
  readonly #open = new Map<string, number>();
  readonly #listeners = new Map<string, Set<(code: string) => void>>();

  constructor(appender: EventAppender) {
    this.#appender = appender;
  }

  /** Rebuilds every room the log holds; returns how many. Call once, before anything else. */
  async recover(): Promise<number> {
    const events = await this.#appender.log.read(ROOMS_STREAM);
    for (const e of events) {
      if (e.kind === "room_created") {
        const created = e.data as unknown as RoomCreated;
        if (!this.#rooms.has(created.name)) this.#add(created.name, created.seats);
      } else if (e.kind === "room_session") {
        const attached = e.data as unknown as RoomSessionAttached;
        const room = this.#rooms.get(attached.room);
        if (room) room.session = attached.code;
      }
    }
    this.#appender.resume(ROOMS_STREAM, events.at(-1)?.seq ?? 0);
    return this.#rooms.size;
  }

  /**
   * A new room with one seat per label. Resolves once the log holds it:
   * its links get printed and stuck to PCs, so they must survive a crash.
   */
  async create(name: string, labels: readonly string[]): Promise<Room> {
    const problems = roomProblems(name, labels);
    if (problems.length > 0) throw new RoomRejected("invalid", problems);
    if (this.#rooms.has(name)) {
      throw new RoomRejected("taken", [`a room named "${name}" already exists`]);
    }
    const seats = labels.map((label) => ({ label, token: newToken() }));
    const room = this.#add(name, seats);
    const created: RoomCreated = { name, labels: [...labels], seats };
    this.#appender.emit(ROOMS_STREAM, "room_created", { ...created }, {
      round: null,
      roundMs: null,
    });
    await new Promise<void>((resolve) => this.#appender.afterDurable(resolve));
    return room;
  }

  #add(name: string, seats: RoomSeat[]): RoomState {
    const room: RoomState = { name, seats, session: null };
    this.#rooms.set(name, room);
    for (const seat of seats) this.#bySeat.set(seat.token, { room, seat });
    return room;
  }

  get(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** In the order they were created. */
  list(): Room[] {
    return [...this.#rooms.values()];
  }

  bySeatToken(token: string): { room: Room; seat: RoomSeat } | undefined {
    return this.#bySeat.get(token);
  }

  /**
   * Makes `code` the room's current session. Seat pages hear of it once the
   * log holds it, so none moves into a session a crash would take away.
   */
  attach(roomName: string, code: string): void {
    const room = this.#rooms.get(roomName);
    if (!room) throw unknownRoom(roomName);
    room.session = code;
    const attached: RoomSessionAttached = { room: roomName, code };
    this.#appender.emit(ROOMS_STREAM, "room_session", { ...attached }, {
      round: null,
      roundMs: null,
    });
    this.#appender.afterDurable(() => {
      for (const listener of [...this.#listeners.get(roomName) ?? []]) listener(code);
    });
  }

  currentSession(roomName: string): string | null {
    return this.#rooms.get(roomName)?.session ?? null;
  }

  /** Calls `listener` with the code of each session created in the room from now on. */
  onSession(roomName: string, listener: (code: string) => void): () => void {
    let set = this.#listeners.get(roomName);
    if (!set) this.#listeners.set(roomName, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(roomName) === set) {
        this.#listeners.delete(roomName);
      }
    };
  }

  seatConnected(token: string): void {
    if (!this.#bySeat.has(token)) return;
    this.#open.set(token, (this.#open.get(token) ?? 0) + 1);
  }

  seatDisconnected(token: string): void {
    const n = (this.#open.get(token) ?? 0) - 1;
    if (n > 0) this.#open.set(token, n);
    else this.#open.delete(token);
  }

  /** Labels of the room's seats with a seat page open, in the room's order. */
  present(roomName: string): string[] {
    const room = this.#rooms.get(roomName);
    if (!room) return [];
    return room.seats.filter((s) => this.#open.has(s.token)).map((s) => s.label);
  }
}

export function unknownRoom(name: string): RoomRejected {
  return new RoomRejected("unknown", [`there is no room named "${name}"`]);
}

/**
 * The seats a session created in room `name` fills, in the order it fills
 * them: seats whose page is open first, then the others, each in the room's
 * order. A session with fewer participants than seats thus goes to the PCs
 * where someone is waiting.
 */
export function roomSeatsFor(rooms: RoomRegistry, name: string): RoomSeats {
  const room = rooms.get(name);
  if (!room) throw unknownRoom(name);
  const present = new Set(rooms.present(name));
  return {
    name,
    seats: [
      ...room.seats.filter((s) => present.has(s.label)),
      ...room.seats.filter((s) => !present.has(s.label)),
    ].map((s) => ({ ...s })),
  };
}

/** What the seat pages need of the session registry. */
export interface RoomSessions {
  get(code: string): LiveSession | undefined;
  /** The participant a room seat is in the room's current session, if any. */
  byRoomSeat(token: string): { session: LiveSession; participant: ParticipantEntry } | undefined;
}

/** What a seat's link shows now. */
export type SeatState =
  | { kind: "unknown" }
  /** No session in the room yet (or its session could not be rebuilt). */
  | { kind: "waiting"; room: Room; seat: RoomSeat }
  /** The room's current session has no participant for this seat. */
  | { kind: "full"; room: Room; seat: RoomSeat; code: string }
  | { kind: "in"; room: Room; seat: RoomSeat; session: LiveSession; participant: ParticipantEntry };

export function seatState(rooms: RoomRegistry, sessions: RoomSessions, token: string): SeatState {
  const found = rooms.bySeatToken(token);
  if (!found) return { kind: "unknown" };
  const { room, seat } = found;
  const code = rooms.currentSession(room.name);
  if (code === null) return { kind: "waiting", room, seat };
  const taken = sessions.byRoomSeat(token);
  // only the current session counts: an earlier one may still hold this seat
  if (taken && taken.session.code === code) {
    return { kind: "in", room, seat, session: taken.session, participant: taken.participant };
  }
  if (sessions.get(code)) return { kind: "full", room, seat, code };
  return { kind: "waiting", room, seat };
}
