/**
 * The HTML document every page of the experiment shares: its head (title,
 * inline style, kept out of search engines: links are private) and the
 * island client script after the content.
 */

import type { ComponentChildren } from "preact";
import { CLIENT_SCRIPT, TITLE } from "./index.tsx";

export function PageDocument(
  { title, style, children }: { title: string; style: string; children: ComponentChildren },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>{title} · {TITLE}</title>
        <style dangerouslySetInnerHTML={{ __html: style }} />
      </head>
      <body>
        <main>{children}</main>
        <script type="module" src={CLIENT_SCRIPT} />
      </body>
    </html>
  );
}
