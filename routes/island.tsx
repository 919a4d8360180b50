/**
 * Server side of an island: its HTML rendered in place, marked for
 * islands/client.tsx, with the props it hydrates from serialized beside it.
 */

import type { ComponentType } from "preact";

/** JSON that is safe inside a <script> element: no way to close the tag early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function Island<P extends object>(
  { name, component: Component, props }: {
    /** The key islands/client.tsx registers the component under. */
    name: string;
    component: ComponentType<P>;
    props: P;
  },
) {
  return (
    <>
      <div data-island={name}>
        <Component {...props} />
      </div>
      <script
        type="application/json"
        data-island-props={name}
        dangerouslySetInnerHTML={{ __html: scriptJson(props) }}
      />
    </>
  );
}
