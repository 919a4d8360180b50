/**
 * A lab seat's page while no session has a place for it: a welcome, and a
 * live connection that makes the seat count as present. When a session
 * with a participant for this seat is created in the room, the page
 * reloads and the server answers with that participant's screen.
 */

import { useEffect, useState } from "preact/hooks";
import { parseRoomSeatMessage } from "../protocol/room_protocol.ts";
import { backoffMs, socketUrl } from "./subject_format.ts";

export interface RoomWaitProps {
  label: string;
  /** `/ws/room/<seat token>`. */
  socketPath: string;
  /**
   * The room's session this page was rendered as full for, or null. A
   * `session` message naming it again is not a reason to reload: the
   * server would render the same page.
   */
  full: string | null;
}

type Link = "connecting" | "live" | "reconnecting" | "unknown";

const PING_MS = 25_000;

export default function RoomWait({ label, socketPath, full }: RoomWaitProps) {
  const [fullFor, setFullFor] = useState(full);
  const [link, setLink] = useState<Link>("connecting");

  useEffect(() => {
    let ws: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let disposed = false;
    const connect = () => {
      ws = new WebSocket(socketUrl(socketPath, location.href));
      ws.onopen = () => {
        failures = 0;
        setLink("live");
      };
      ws.onmessage = (e) => {
        const m = parseRoomSeatMessage(e.data);
        if (m?.type === "session" && m.code !== full) location.reload();
        else if (m?.type === "full") setFullFor(m.code);
        else if (m?.type === "waiting") setFullFor(null);
      };
      ws.onclose = (e) => {
        ws = null;
        if (disposed) return;
        if (e.code === 4404) {
          setLink("unknown");
          return;
        }
        setLink("reconnecting");
        retry = setTimeout(connect, backoffMs(failures++));
      };
    };
    connect();
    const ping = setInterval(() => {
      if (ws?.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    }, PING_MS);
    return () => {
      disposed = true;
      clearTimeout(retry);
      clearInterval(ping);
      if (ws) {
        ws.onclose = null;
        ws.close();
      }
    };
  }, [socketPath]);

  if (link === "unknown") {
    return (
      <div class="rw" data-testid="room-wait">
        <p class="rw-message" data-testid="room-wait-message">
          This seat link is not known. Please tell the experimenter.
        </p>
      </div>
    );
  }
  return (
    <div class="rw" data-testid="room-wait" data-state={fullFor ? "full" : "waiting"}>
      <h1 class="rw-seat">Seat {label} — welcome.</h1>
      <p class="rw-message" data-testid="room-wait-message">
        {fullFor
          ? "This session is full; please tell the experimenter."
          : "Please wait; the experiment will start shortly."}
      </p>
      <p class={`rw-link rw-link-${link}`} data-testid="room-wait-link">
        <span class="rw-dot" />
        {link === "live" ? "connected" : link === "connecting" ? "connecting…" : "reconnecting…"}
      </p>
    </div>
  );
}
