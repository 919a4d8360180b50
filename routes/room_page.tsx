/**
 * `/room/<seat token>`: a lab seat's stable link. It shows the seat's
 * participant screen in the room's current session (the very page
 * `/s/<participant token>` shows), or else a waiting page that stays
 * connected until a session with a place for this seat starts.
 */

import type { Context } from "hono";
import { renderToString } from "preact-render-to-string";
import RoomWait, { type RoomWaitProps } from "../islands/RoomWait.tsx";
import type { RoomRegistry, RoomSessions } from "../session/room_registry.ts";
import { seatState } from "../session/room_registry.ts";
import { Island } from "./island.tsx";
import { PageDocument } from "./page_document.tsx";
import { renderParticipantPage } from "./subject_page.tsx";

const STYLE = `
:root { color-scheme: light; --ink:#1d232b; --muted:#5d6875; --ok:#13804b; --bad:#c0392b; }
* { box-sizing: border-box; }
body { margin:0; font:17px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink); background:#f3f5f8; }
main { max-width:40rem; margin:18vh auto 0; padding:1rem; text-align:center; }
noscript p { background:#fff3cd; border:1px solid #e6d08a; padding:.5rem .75rem; border-radius:.4rem; }
.rw-seat { font-size:2rem; margin:0 0 .75rem; letter-spacing:-.01em; }
.rw-message { font-size:1.2rem; margin:0 0 2rem; }
.rw-link { display:inline-flex; align-items:center; gap:.4rem; color:var(--muted); font-size:.85rem; }
.rw-dot { width:.6rem; height:.6rem; border-radius:50%; background:#d4a017; }
.rw-link-live .rw-dot { background:var(--ok); }
.rw-link-reconnecting .rw-dot { background:var(--bad); }
`;

export function renderRoomWaitPage(props: RoomWaitProps): string {
  return "<!doctype html>" + renderToString(
    <PageDocument title={`Seat ${props.label}`} style={STYLE}>
      <noscript>
        <p>This page needs JavaScript. Please enable it and reload the page.</p>
      </noscript>
      <Island name="RoomWait" component={RoomWait} props={props} />
    </PageDocument>,
  );
}

function renderUnknownSeat(): string {
  return "<!doctype html>" + renderToString(
    <PageDocument title="Unknown seat" style={STYLE}>
      <p class="rw-message">
        This seat link is not known. Check it with the experimenter.
      </p>
    </PageDocument>,
  );
}

export function roomPage(rooms: RoomRegistry, sessions: RoomSessions) {
  return (c: Context) => {
    const token = c.req.param("token") ?? "";
    const state = seatState(rooms, sessions, token);
    // never stored: what this link shows changes with every session in the room
    c.header("cache-control", "no-store");
    switch (state.kind) {
      case "unknown":
        return c.html(renderUnknownSeat(), 404);
      case "in": {
        const { session, participant } = state;
        return c.html(renderParticipantPage(session, participant));
      }
      case "waiting":
      case "full":
        return c.html(renderRoomWaitPage({
          label: state.seat.label,
          socketPath: `/ws/room/${token}`,
          full: state.kind === "full" ? state.code : null,
        }));
    }
  };
}
