/**
 * `/admin/rooms`: the experimenter's rooms (seat links, presence, the
 * current session) and the forms that create a room or a session in one.
 * Served behind the admin password, in the same shell as the other admin
 * pages; the island calls /api with the browser's credentials.
 */

import { renderToString } from "preact-render-to-string";
import AdminRooms, { type AdminRoomsProps } from "../islands/AdminRooms.tsx";
import { AdminShell } from "./admin_pages.tsx";
import { Island } from "./island.tsx";

const STYLE = `
.ar-participant { margin-left:.4rem; font-weight:400; color:var(--muted); font-size:.85rem; }
.ar-new-session summary { cursor:pointer; font-weight:600; margin:.5rem 0; }
input[type=text], input[type=number] { font:inherit; padding:.35rem .5rem; border:1px solid #c9d3de;
  border-radius:.3rem; min-width:14rem; }
`;

export function renderAdminRooms(props: AdminRoomsProps): string {
  return "<!doctype html>" + renderToString(
    <AdminShell title="Rooms">
      <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      <nav class="crumbs">
        <a href="/admin">Sessions</a> / rooms
      </nav>
      <h1 style={{ marginBottom: "1rem" }}>Rooms</h1>
      <Island name="AdminRooms" component={AdminRooms} props={props} />
    </AdminShell>,
  );
}
