/**
 * Browser entry: hydrates every server-rendered island on the page.
 *
 * The server marks each island's root with `data-island="<Name>"` and puts
 * its props, as JSON, in the `<script type="application/json">` right after.
 */

import { type ComponentType, h, hydrate } from "preact";
import AdminMonitor from "./AdminMonitor.tsx";
import AdminRooms from "./AdminRooms.tsx";
import AdminSessions from "./AdminSessions.tsx";
import DemoBook from "./DemoBook.tsx";
import RoomWait from "./RoomWait.tsx";
import SubjectScreen from "./SubjectScreen.tsx";

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = {
  AdminMonitor,
  AdminRooms,
  AdminSessions,
  DemoBook,
  RoomWait,
  SubjectScreen,
};

for (const root of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = root.dataset.island ?? "";
  const island = ISLANDS[name];
  const propsScript = root.nextElementSibling;
  if (!island || propsScript?.getAttribute("type") !== "application/json") {
    console.warn(`island ${name}: no component or props`);
    continue;
  }
  hydrate(h(island, JSON.parse(propsScript.textContent ?? "{}")), root);
  // Scripts and tests wait for this before they type into a server-rendered form.
  root.dataset.hydrated = "true";
}
