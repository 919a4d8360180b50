/**
 * Every live session of this server: created from a posted config,
 * looked up by code or subject token, and rebuilt from the event log when
 * the server starts.
 */

import { join } from "node:path";
import { ConfigError, parseSessionConfig } from "../market/session_config.ts";
import { ExogenousFileError } from "../market/exogenous/mod.ts";
import type { LogEvent } from "../eventlog/log_event.ts";
import type { ParticipantEntry, SessionCreated } from "../eventlog/event_kinds.ts";
import type { EventAppender } from "./event_appender.ts";
import { LiveSession, type RoomSeats, SessionStateError } from "./live_session.ts";
import { QuestionBankError } from "../experiment/quiz.ts";

/** A config the server cannot run; the message lists every problem. */
export class SessionConfigRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionConfigRejected";
  }
}

export interface SessionRegistryOptions {
  appender: EventAppender;
  /** Relative exogenous file names in posted configs resolve against this directory. */
  configDir: string;
  now?: () => number;
}

const CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

export class SessionRegistry {
  readonly #sessions = new Map<string, LiveSession>();
  readonly #options: SessionRegistryOptions;

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  get appender(): EventAppender {
    return this.#options.appender;
  }

  list(): LiveSession[] {
    return [...this.#sessions.values()];
  }

  get(code: string): LiveSession | undefined {
    return this.#sessions.get(code);
  }

  /** The session and participant a subject link's token admits, if any. */
  byToken(token: string): { session: LiveSession; participant: ParticipantEntry } | undefined {
    for (const session of this.#sessions.values()) {
      const participant = session.participantByToken(token);
      if (participant) return { session, participant };
    }
    return undefined;
  }

  /**
   * The participant a room seat's link leads to: the seat's place in the
   * room's newest session, if it has one.
   */
  byRoomSeat(token: string): { session: LiveSession; participant: ParticipantEntry } | undefined {
    let found: { session: LiveSession; participant: ParticipantEntry } | undefined;
    // sessions are kept in creation order: the last match is the room's current session
    for (const session of this.#sessions.values()) {
      const participant = session.participantByRoomSeat(token);
      if (participant) found = { session, participant };
    }
    return found;
  }

  /**
   * A new session from a config's text (YAML or JSON). `name` is what
   * errors call it; relative files resolve against the config directory.
   * In a room, participants take the room's seats in the order given.
   */
  async create(
    text: string,
    name = "session.yaml",
    options: { room?: RoomSeats } = {},
  ): Promise<LiveSession> {
    const source = join(this.#options.configDir, name.replace(/[\\/]/g, "_"));
    const config = this.#parse(text, source);
    const code = this.#newCode();
    let session: LiveSession;
    try {
      session = await LiveSession.create(
        this.#options.appender,
        config,
        text,
        code,
        this.#options.now,
        options,
      );
    } catch (e) {
      throw rejected(e);
    }
    this.#sessions.set(code, session);
    return session;
  }

  #parse(text: string, source: string) {
    let config;
    try {
      config = parseSessionConfig(text, source);
    } catch (e) {
      throw rejected(e);
    }
    if (config.environment !== "elo") {
      throw new SessionConfigRejected(
        `${source}: session.environment: live sessions run the ELO environment; ` +
          `"${config.environment}" markets can be simulated with \`deno task simulate\``,
      );
    }
    if (LiveSession.humanSeats(config).length === 0) {
      throw new SessionConfigRejected(
        `${source}: traders.seats: every seat is a bot, so nobody could take part; ` +
          `set \`bot: false\` (or leave it out) on the seats people play`,
      );
    }
    return config;
  }

  #newCode(): string {
    for (;;) {
      const bytes = crypto.getRandomValues(new Uint8Array(6));
      const code = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
      if (!this.#sessions.has(code)) return code;
    }
  }

  /** Rebuilds every session the log holds; returns how many. */
  async recover(): Promise<number> {
    const log = this.#options.appender.log;
    const streams = await log.streams();
    const found: [string, LogEvent[]][] = [];
    for (const code of streams.filter((s) => !s.includes("/"))) {
      const events = await log.read(code);
      if (events[0]?.kind === "session_created") found.push([code, events]);
    }
    // in creation order, as they were kept: a room's newest session is its current one
    found.sort((a, b) => a[1][0].wallMs - b[1][0].wallMs);
    for (const [code, sessionEvents] of found) {
      try {
        const created = sessionEvents[0].data as unknown as SessionCreated;
        const config = parseSessionConfig(created.config_text, created.config_source);
        if (config.environment !== "elo") continue;
        const markets = new Map<number, LogEvent[]>();
        for (const s of streams.filter((s) => s.startsWith(`${code}/m`))) {
          markets.set(Number(s.slice(code.length + 2)), await log.read(s));
        }
        const session = await LiveSession.recover(
          this.#options.appender,
          config,
          sessionEvents,
          markets,
          this.#options.now,
        );
        this.#sessions.set(code, session);
      } catch (e) {
        console.error(`session ${code} could not be rebuilt from its log:`, e);
      }
    }
    return this.#sessions.size;
  }

  /** The event log went away or came back. */
  logAvailability(available: boolean): void {
    for (const s of this.#sessions.values()) s.logAvailability(available);
  }

  close(): void {
    for (const s of this.#sessions.values()) s.close();
  }
}

function rejected(e: unknown): unknown {
  if (
    e instanceof ConfigError || e instanceof ExogenousFileError ||
    e instanceof QuestionBankError || e instanceof SessionStateError
  ) {
    return new SessionConfigRejected(e.message);
  }
  if (e instanceof Deno.errors.NotFound) {
    return new SessionConfigRejected(e.message);
  }
  if (e instanceof Error && /needs investor and external-feed files/.test(e.message)) {
    return new SessionConfigRejected(e.message);
  }
  return e;
}
