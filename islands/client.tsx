/**
 * Browser entry: hydrates every server-rendered island on the page.
 *
 * The server marks each island's root with `data-island="<Name>"` and puts
 * its props, as JSON, in the `<script type="application/json">` right after.
 */

import { type ComponentType, h, hydrate } from "preact";
import DemoBook from "./DemoBook.tsx";

// deno-lint-ignore no-explicit-any
const ISLANDS: Record<string, ComponentType<any>> = { DemoBook };

for (const root of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = root.dataset.island ?? "";
  const island = ISLANDS[name];
  const propsScript = root.nextElementSibling;
  if (!island || propsScript?.getAttribute("type") !== "application/json") {
    console.warn(`island ${name}: no component or props`);
    continue;
  }
  hydrate(h(island, JSON.parse(propsScript.textContent ?? "{}")), root);
}
