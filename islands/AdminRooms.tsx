/**
 * The experimenter's rooms: each lab seat's stable link, whether its page
 * is open now, the room's current session, a form to create a session in
 * the room, and a form to create a room.
 *
 * Presence is polled from `GET /api/rooms` every 2 s: it changes when a
 * PC opens or closes its page, which is rare enough that a poll is simpler
 * than another socket.
 */

import { useEffect, useState } from "preact/hooks";
import type { RoomView } from "../protocol/room_protocol.ts";
import { CopyButton } from "./copy_button.tsx";
import { NewSessionForm } from "./new_session_form.tsx";

export interface AdminRoomsProps {
  rooms: RoomView[];
  examples: { name: string; text: string }[];
}

export const POLL_MS = 2_000;

function useRooms(initial: RoomView[]) {
  const [rooms, setRooms] = useState(initial);
  const [stale, setStale] = useState(false);
  const refresh = async () => {
    try {
      const res = await fetch("/api/rooms", { credentials: "same-origin" });
      if (!res.ok) throw new Error(`${res.status}`);
      setRooms(await res.json());
      setStale(false);
    } catch {
      setStale(true);
    }
  };
  useEffect(() => {
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  return { rooms, stale, refresh };
}

function RoomSection(
  { room, examples }: { room: RoomView; examples: AdminRoomsProps["examples"] },
) {
  const present = room.seats.filter((s) => s.present).length;
  const running = room.session !== null && room.session.phase !== "finished" &&
    room.session.phase !== null;
  return (
    <section data-testid={`room-${room.name}`}>
      <h2>
        Room <code>{room.name}</code>
      </h2>
      <p class="am-hint" data-testid="room-session">
        {room.session
          ? (
            <>
              Current session:{" "}
              <a href={room.session.admin_url}>
                <code>{room.session.code}</code>
              </a>
              {room.session.phase ? ` (${room.session.phase})` : " (not running on this server)"}
            </>
          )
          : "No session yet."} {present} of {room.seats.length} seats have their waiting page open.
      </p>
      <ul class="am-links" data-testid="room-seats">
        {room.seats.map((s) => (
          <li key={s.label} data-label={s.label} data-present={s.present ? "true" : "false"}>
            <span class="am-links-label">
              <span
                class={s.present ? "am-dot am-dot-on" : "am-dot"}
                title={s.present ? "waiting page open" : "waiting page not open"}
              />{" "}
              {s.label}
              {s.participant ? <span class="ar-participant">in the session</span> : null}
            </span>
            <a href={s.url} target="_blank" rel="noopener" data-testid="seat-link">{s.url}</a>
            <CopyButton text={s.url} testid={`copy-seat-${s.label}`} />
          </li>
        ))}
      </ul>
      <p class="as-actions">
        <CopyButton
          text={room.seats.map((s) => `${s.label}\t${s.url}`).join("\n")}
          testid="copy-all-seats"
        />{" "}
        every seat's link, one per line
      </p>
      <details class="ar-new-session">
        <summary>New session in this room</summary>
        <p class="am-hint">
          Its participants take the seats whose page is open first, then the others, in the room's
          order. Open seat pages move into the session at once; the others get there when their link
          is opened.
        </p>
        <NewSessionForm
          examples={examples}
          endpoint={`/api/sessions?room=${encodeURIComponent(room.name)}`}
          submitLabel="Create session in this room"
          confirmFirst={running
            ? `Session ${room.session!.code} is still ${
              room.session!.phase
            } in room ${room.name}. ` +
              "Seat pages that are reloaded will leave it for the new session. Create anyway?"
            : null}
        />
      </details>
    </section>
  );
}

type Creation =
  | { state: "idle" }
  | { state: "sending" }
  | { state: "failed"; message: string };

function NewRoomForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [labels, setLabels] = useState("");
  const [count, setCount] = useState("");
  const [outcome, setOutcome] = useState<Creation>({ state: "idle" });

  const create = async () => {
    if (outcome.state === "sending") return;
    const listed = labels.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
    const body = listed.length > 0
      ? { name: name.trim(), labels: listed }
      : { name: name.trim(), seats: Number(count) };
    setOutcome({ state: "sending" });
    try {
      const res = await fetch("/api/rooms", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const text = await res.text();
      if (res.status === 201) {
        setName("");
        setLabels("");
        setCount("");
        setOutcome({ state: "idle" });
        onCreated();
        return;
      }
      let error: string | undefined;
      try {
        error = JSON.parse(text).error;
      } catch {
        // Not JSON: shown as it came.
      }
      setOutcome({
        state: "failed",
        message: error ?? `The server answered ${res.status} ${res.statusText}: ${text}`,
      });
    } catch (e) {
      setOutcome({
        state: "failed",
        message: `Could not reach the server: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  };

  return (
    <form
      data-testid="new-room"
      onSubmit={(e) => {
        e.preventDefault();
        create();
      }}
    >
      <div class="as-sources">
        <label>
          Name (lower-case letters, digits, - and _)
          <input
            type="text"
            required
            maxLength={40}
            pattern="[a-z0-9_\-]+"
            value={name}
            data-testid="room-name"
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          Number of seats (labelled 1, 2, …)
          <input
            type="number"
            min={1}
            max={200}
            value={count}
            disabled={labels.trim() !== ""}
            data-testid="room-seat-count"
            onInput={(e) => setCount((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
      </div>
      <label class="as-text">
        Or the seats' labels, one per line (as written on the lab's PCs)
        <textarea
          rows={8}
          spellcheck={false}
          value={labels}
          data-testid="room-labels"
          onInput={(e) => setLabels((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </label>
      <div class="as-actions">
        <button type="submit" data-testid="create-room" disabled={outcome.state === "sending"}>
          {outcome.state === "sending" ? "Creating…" : "Create room"}
        </button>
      </div>
      {outcome.state === "failed"
        ? <pre class="as-error" data-testid="create-room-error" role="alert">{outcome.message}</pre>
        : null}
    </form>
  );
}

export default function AdminRooms({ rooms: initial, examples }: AdminRoomsProps) {
  const { rooms, stale, refresh } = useRooms(initial);
  return (
    <div class="ar">
      {stale
        ? (
          <p class="am-error" role="status">
            The server did not answer; seat presence may be out of date.
          </p>
        )
        : null}
      {rooms.length === 0
        ? (
          <p class="as-none" data-testid="no-rooms">
            No rooms yet. A room gives each lab PC one link to keep open across sessions.
          </p>
        )
        : rooms.map((r) => <RoomSection key={r.name} room={r} examples={examples} />)}
      <section aria-labelledby="ar-new-title">
        <h2 id="ar-new-title">New room</h2>
        <NewRoomForm onCreated={refresh} />
      </section>
    </div>
  );
}
