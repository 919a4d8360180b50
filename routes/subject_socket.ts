/**
 * `/ws/subject/<token>`: one subject's live connection. The token admits
 * exactly one seat of one session. Every frame is parsed once here; a bad
 * one is answered with an `error` naming the problem and the connection
 * stays open. A client sending faster than a person could is told so and
 * its excess is dropped.
 */

import type { Context } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { SessionRegistry } from "../session/session_registry.ts";
import type { SubjectSocket } from "../session/subject_channel.ts";
import { parseSubjectRequest, ProtocolError } from "../protocol/subject_protocol.ts";

/** Messages per second a subject may send, with a burst of twice that. */
export const SUBJECT_RATE_PER_S = 50;

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

export function subjectSocket(registry: SessionRegistry) {
  return upgradeWebSocket((c: Context) => {
    const token = c.req.param("token") ?? "";
    const found = registry.byToken(token);
    const limit = new RateLimit(SUBJECT_RATE_PER_S, 2 * SUBJECT_RATE_PER_S);
    let socket: SubjectSocket | null = null;
    let warned = false;
    return {
      onOpen(_event, ws) {
        if (!found) {
          ws.close(4404, "this link does not belong to any session");
          return;
        }
        socket = {
          send: (text) => {
            if (ws.readyState === 1) ws.send(text);
          },
        };
        found.session.connect(found.participant, socket);
      },
      onMessage(event) {
        if (!found || !socket) return;
        const channel = found.session;
        if (!limit.take()) {
          if (!warned) {
            warned = true;
            channel.error(
              found.participant,
              socket,
              `too many messages: at most ${SUBJECT_RATE_PER_S} per second; the excess was dropped`,
            );
          }
          return;
        }
        warned = false;
        try {
          const request = parseSubjectRequest(event.data as string | ArrayBuffer | Blob);
          channel.handle(found.participant, socket, request);
        } catch (e) {
          if (e instanceof ProtocolError) {
            channel.error(found.participant, socket, e.message);
          } else {
            console.error(`session ${channel.code}: message from ${found.participant.label}:`, e);
            channel.error(found.participant, socket, "the server could not process that message");
          }
        }
      },
      onClose() {
        if (found && socket) found.session.disconnect(found.participant, socket);
        socket = null;
      },
      onError() {
        if (found && socket) found.session.disconnect(found.participant, socket);
        socket = null;
      },
    };
  });
}
