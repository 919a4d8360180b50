/**
 * `/ws/subject/<token>`: one subject's live connection. The token admits
 * exactly one seat of one session. Every frame is parsed once here; a bad
 * one is answered with an `error` naming the problem and the connection
 * stays open. A client sending faster than a person could is told so and
 * its excess is dropped; one that floods far past that, or sends a frame
 * no screen ever would, is told why and disconnected (logged). Nothing a
 * client sends can throw out of here: a failure costs that message only.
 *
 * The rate is per connection: HFT_SUBJECT_RATE_PER_S messages per second
 * (default 50, above any person's clicking; bots under load need more),
 * with a burst of twice that.
 */

import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { SessionRegistry } from "../session/session_registry.ts";
import type { SubjectSocket } from "../session/subject_channel.ts";
import { parseSubjectRequest, ProtocolError } from "../protocol/subject_protocol.ts";

/** Messages per second a subject may send when HFT_SUBJECT_RATE_PER_S is unset. */
export const DEFAULT_SUBJECT_RATE_PER_S = 50;
/**
 * Frames longer than this close the connection (after an `error`): the
 * largest legitimate frame, a survey, is a few KiB, and reading such
 * frames is the cost an abuser would impose.
 */
export const HARD_FRAME_BYTES = 64 * 1024;
/**
 * Open connections one link may hold: a subject with a second tab, or a
 * reconnect racing a socket the server has not seen close, fits; a script
 * multiplying its rate limit by opening hundreds does not.
 */
export const MAX_SOCKETS_PER_LINK = 8;
/** WebSocket close codes: policy violation, message too big, too many connections. */
export const CLOSE_FLOOD = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_TOO_MANY = 4429;

/** The per-connection rate from HFT_SUBJECT_RATE_PER_S; a bad value is reported and ignored. */
export function subjectRatePerSecond(
  text: string | undefined,
  warn: (message: string) => void = console.error,
): number {
  if (text === undefined || text.trim() === "") return DEFAULT_SUBJECT_RATE_PER_S;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) {
    warn(
      `HFT_SUBJECT_RATE_PER_S must be a number of messages per second in (0, 1000000], got ` +
        `${JSON.stringify(text)}; using ${DEFAULT_SUBJECT_RATE_PER_S}`,
    );
    return DEFAULT_SUBJECT_RATE_PER_S;
  }
  return n;
}

function envRate(): number {
  try {
    return subjectRatePerSecond(Deno.env.get("HFT_SUBJECT_RATE_PER_S"));
  } catch {
    // no env permission (a test importing the app): the default
    return DEFAULT_SUBJECT_RATE_PER_S;
  }
}

/** Messages per second a subject may send, with a burst of twice that. */
export const SUBJECT_RATE_PER_S = envRate();

/**
 * Messages over the limit within one second past which a connection is a
 * flood, not an eager subject: ten times the rate, and never fewer than 500.
 */
export function floodThreshold(ratePerSecond: number): number {
  return Math.max(500, 10 * ratePerSecond);
}

/** A token bucket: `take()` is false once the sender exceeds the rate. */
export class RateLimit {
  #tokens: number;
  #at: number;
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly now = () => performance.now(),
  ) {
    this.#tokens = burst;
    this.#at = now();
  }
  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#at) / 1000) * this.perSecond);
    this.#at = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Characters (text) or bytes (binary) of a frame, without reading a Blob. */
function frameSize(data: unknown): number {
  if (typeof data === "string") return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (data instanceof Blob) return data.size;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

export interface SubjectSocketOptions {
  ratePerSecond?: number;
  /** Where disconnections of abusers are logged (default console.warn). */
  log?: (line: string) => void;
}

export function subjectSocket(registry: SessionRegistry, options: SubjectSocketOptions = {}) {
  const rate = options.ratePerSecond ?? SUBJECT_RATE_PER_S;
  const flood = floodThreshold(rate);
  const log = options.log ?? ((line: string) => console.warn(line));
  const openPerLink = new Map<string, number>();
  return upgradeWebSocket((c: Context) => {
    const token = c.req.param("token") ?? "";
    const found = registry.byToken(token);
    const limit = new RateLimit(rate, 2 * rate);
    let socket: SubjectSocket | null = null;
    let warned = false;
    let windowStart = 0;
    let dropped = 0;
    let close: ((code: number, reason: string) => void) | null = null;
    let counted = false;
    const who = () => found ? `session ${found.session.code}: ${found.participant.label}` : "";

    /** Tells the client why, logs it, and closes; the close event detaches the socket. */
    const disconnect = (code: number, reason: string) => {
      if (!found || !socket || !close) return;
      found.session.error(found.participant, socket, reason);
      log(`${who()}: disconnected (${code}): ${reason}`);
      close(code, reason.slice(0, 120));
      close = null;
    };

    const closed = () => {
      if (found && socket) found.session.disconnect(found.participant, socket);
      socket = null;
      close = null;
      if (counted) {
        counted = false;
        const left = (openPerLink.get(token) ?? 1) - 1;
        if (left > 0) openPerLink.set(token, left);
        else openPerLink.delete(token);
      }
    };

    return {
      onOpen(_event, ws) {
        if (!found) {
          ws.close(4404, "this link does not belong to any session");
          return;
        }
        const open = (openPerLink.get(token) ?? 0) + 1;
        if (open > MAX_SOCKETS_PER_LINK) {
          const reason = `too many connections with this link: at most ${MAX_SOCKETS_PER_LINK}`;
          log(`${who()}: refused a connection (${CLOSE_TOO_MANY}): ${reason}`);
          ws.close(CLOSE_TOO_MANY, reason);
          return;
        }
        openPerLink.set(token, open);
        counted = true;
        // updates made in one turn of the event loop leave in one frame (a JSON
        // array): a fill updates ten screens several ways, and a frame is a syscall
        let queued: string[] = [];
        const flush = () => {
          const texts = queued;
          queued = [];
          if (ws.readyState !== 1 || texts.length === 0) return;
          ws.send(texts.length === 1 ? texts[0] : `[${texts.join(",")}]`);
        };
        close = (code, reason) => {
          // the error that says why goes out before the close
          flush();
          try {
            ws.close(code, reason);
          } catch { /* closing already */ }
        };
        socket = {
          send: (text) => {
            if (queued.push(text) === 1) queueMicrotask(flush);
          },
        };
        try {
          found.session.connect(found.participant, socket);
        } catch (e) {
          console.error(`${who()}: connect failed:`, e);
          close(1011, "the server could not open this connection");
        }
      },
      onMessage(event) {
        if (!found || !socket || !close) return;
        const channel = found.session;
        try {
          if (!limit.take()) {
            const now = performance.now();
            if (now - windowStart >= 1000) {
              windowStart = now;
              dropped = 0;
            }
            if (++dropped > flood) {
              disconnect(
                CLOSE_FLOOD,
                `message flood: more than ${flood} messages over the limit of ${rate} per ` +
                  "second within one second",
              );
              return;
            }
            if (!warned) {
              warned = true;
              channel.error(
                found.participant,
                socket,
                `too many messages: at most ${rate} per second; the excess was dropped`,
              );
            }
            return;
          }
          warned = false;
          const size = frameSize(event.data);
          if (size > HARD_FRAME_BYTES) {
            disconnect(
              CLOSE_TOO_BIG,
              `frame of ${size} bytes is far over the limit of ${HARD_FRAME_BYTES}`,
            );
            return;
          }
          const request = parseSubjectRequest(event.data as string | ArrayBuffer | Blob);
          channel.handle(found.participant, socket, request);
        } catch (e) {
          try {
            if (e instanceof ProtocolError) {
              channel.error(found.participant, socket, e.message);
            } else {
              console.error(`${who()}: message failed:`, e);
              channel.error(found.participant, socket, "the server could not process that message");
            }
          } catch (again) {
            console.error(`${who()}: could not report a failed message:`, again);
          }
        }
      },
      onClose: () => closed(),
      onError: () => closed(),
    };
  });
}
