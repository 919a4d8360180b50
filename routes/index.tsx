/** `/`: what hft-lab is, with the live demo market. */

import { renderToString } from "preact-render-to-string";
import DemoBook, { type DemoBookProps } from "../islands/DemoBook.tsx";
import type { DemoBookMessage } from "../market/demo_feed.ts";
import { DEMO_LEVELS } from "../market/demo_feed.ts";
import { Island } from "./island.tsx";

export const TITLE = "hft-lab";
export const CLIENT_SCRIPT = "/static/build/client.js";

export interface LandingPageProps {
  demoSocketPath: string;
  demo: DemoBookMessage | null;
}

const STYLE = `
:root { color-scheme: light; --ink:#1d232b; --muted:#5d6875; --line:#e3e7ec;
  --bid:#13804b; --bid-bg:#d9f2e4; --ask:#c0392b; --ask-bg:#fadcd8; --accent:#2857c5; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink); background:#f6f7f9; }
main { max-width:62rem; margin:0 auto; padding:2.5rem 1.25rem 3rem; }
h1 { font-size:2.2rem; margin:0 0 .25rem; letter-spacing:-.02em; }
.tagline { margin:0 0 1.5rem; color:var(--muted); font-size:1.1rem; }
a { color:var(--accent); }
.audiences { display:grid; grid-template-columns:repeat(auto-fit,minmax(16rem,1fr)); gap:1rem; margin:0 0 1.5rem; }
.audiences p { margin:0; padding:1rem; background:#fff; border:1px solid var(--line); border-radius:.5rem; font-size:.95rem; }
.audiences strong { display:block; margin-bottom:.25rem; }
.links { display:flex; flex-wrap:wrap; gap:.4rem 1.5rem; padding:0; margin:0 0 2rem; list-style:none; font-size:.95rem; }
code { font:.9em ui-monospace,SFMono-Regular,Menlo,monospace; }
footer.page { color:var(--muted); font-size:.85rem; margin-top:2rem; }
.db { background:#fff; border:1px solid var(--line); border-radius:.5rem; overflow:hidden; }
.db-head, .db-foot { display:flex; justify-content:space-between; align-items:center; padding:.6rem 1rem; }
.db-head { border-bottom:1px solid var(--line); font-weight:600; gap:.75rem; }
.db-foot { border-top:1px solid var(--line); color:var(--muted); font-size:.8rem; }
.db-conn { display:inline-flex; align-items:center; gap:.4rem; font-weight:400; font-size:.85rem; color:var(--muted); white-space:nowrap; }
.db-dot { flex:none; width:.6rem; height:.6rem; border-radius:50%; background:#d4a017; }
.db-conn-live .db-dot { background:var(--bid); box-shadow:0 0 0 3px var(--bid-bg); }
.db-conn-waiting .db-dot { background:var(--ask); }
.db-body { display:grid; grid-template-columns:minmax(0,2fr) minmax(12rem,1fr); }
@media (max-width:40rem) { .db-body { grid-template-columns:1fr; } .db-trades { border-left:none; border-top:1px solid var(--line); } }
.db-stale .db-body { opacity:.45; transition:opacity .3s; }
.db-ladder { padding:.5rem 1rem; font-variant-numeric:tabular-nums; }
.db-row { display:grid; grid-template-columns:1fr 7rem 1fr; height:1.6rem; align-items:center; }
.db-cell { height:100%; display:flex; align-items:center; padding:0 .5rem; font-size:.9rem; }
.db-cols .db-cell { color:var(--muted); font-size:.75rem; text-transform:uppercase; letter-spacing:.05em; }
.db-cols .db-cell:first-child { justify-content:flex-end; }
.db-price { justify-content:center; font-weight:600; }
.db-price-bid { color:var(--bid); }
.db-price-ask { color:var(--ask); }
.db-vol { position:relative; }
.db-vol-bid { justify-content:flex-end; }
.db-bar { position:absolute; top:.2rem; bottom:.2rem; border-radius:.2rem; transition:width .2s; }
.db-vol-bid .db-bar { right:0; background:var(--bid-bg); }
.db-vol-ask .db-bar { left:0; background:var(--ask-bg); }
.db-num { position:relative; }
.db-mid { border-top:1px dashed var(--line); border-bottom:1px dashed var(--line); color:var(--muted); }
.db-mid .db-cell { font-size:.8rem; }
.db-mid .db-cell:first-child { justify-content:flex-end; }
.db-mid .db-price { color:var(--ink); font-size:.9rem; }
.db-trades { border-left:1px solid var(--line); padding:.5rem 1rem; font-variant-numeric:tabular-nums; font-size:.9rem; }
.db-trades-head { color:var(--muted); font-size:.75rem; text-transform:uppercase; letter-spacing:.05em; height:1.6rem; display:flex; align-items:center; }
.db-trades ol { list-style:none; margin:0; padding:0; }
.db-trades li { display:grid; grid-template-columns:1fr auto 4rem; gap:.5rem; height:1.6rem; align-items:center; }
.db-up { color:var(--bid); }
.db-down { color:var(--ask); }
.db-t { color:var(--muted); text-align:right; font-size:.8rem; }
.db-none { color:var(--muted); margin:0; }
`;

export function LandingPage({ demoSocketPath, demo }: LandingPageProps) {
  const demoProps: DemoBookProps = {
    wsPath: demoSocketPath,
    initial: demo,
    levels: DEMO_LEVELS,
  };
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* No favicon yet; an empty one saves every visit a 404. */}
        <link rel="icon" href="data:," />
        <title>{TITLE} · real-time market experiments</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <main>
          <h1>{TITLE}</h1>
          <p class="tagline">
            An open platform for running real-time financial-market experiments with people.
          </p>
          <div class="audiences">
            <p>
              <strong>Experimenters</strong>
              Sessions that put subjects in a continuous double auction, a frequent batch auction or
              an IEX-style speed bump, with every message and match kept for analysis. Create a
              session from a config, hand out one link per subject, start rounds and watch the
              monitor on the <a href="/admin">experimenter pages</a>; download the data as CSV.
            </p>
            <p>
              <strong>Subjects</strong>
              Trade from the browser, by hand or through an automated market maker whose speed and
              sensitivities they choose: the book on screen is the live exchange, updated as orders
              arrive, like the demo below. A reload or a lost connection resumes the same screen.
            </p>
            <p>
              <strong>Developers</strong>
              TypeScript on Deno, a WebAssembly matching engine written in AssemblyScript,
              server-rendered Preact with islands, WebSockets, and an OUCH exchange server (<code>
                deno task exchange
              </code>). Successor of the LEEPS lab's oTree app and Python exchange.
            </p>
          </div>
          <ul class="links">
            <li>
              <a href="/admin">Experimenter pages</a>{" "}
              (the admin password is printed when the server starts)
            </li>
            <li>
              <a href="https://github.com/Leeps-Lab/high_frequency_trading">
                LEEPS lab oTree app (predecessor)
              </a>
            </li>
            <li>
              Live feed: <code>{demoSocketPath}</code>
            </li>
            <li>
              <a href="/health">Health check</a>
            </li>
          </ul>
          <Island name="DemoBook" component={DemoBook} props={demoProps} />
          <footer class="page">
            The demo market is simulated: two market makers quote around a jumping fundamental
            value, snipers race them after jumps, investors send one-share immediate-or-cancel
            orders. Prices are integers in 1/10,000 of a currency unit.
          </footer>
        </main>
        <script type="module" src={CLIENT_SCRIPT} />
      </body>
    </html>
  );
}

export function renderLandingPage(props: LandingPageProps): string {
  return "<!doctype html>" + renderToString(<LandingPage {...props} />);
}
