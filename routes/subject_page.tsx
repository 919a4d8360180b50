/** `/s/:token`: a subject's trading screen, server-rendered and then live over its WebSocket. */

import { PageDocument } from "./page_document.tsx";
import { renderToString } from "preact-render-to-string";
import SubjectScreen, { type SubjectScreenProps } from "../islands/SubjectScreen.tsx";
import { UPLOT_CSS } from "../islands/subject_charts.tsx";
import type { SubjectSnapshot } from "../protocol/subject_protocol.ts";
import { Island } from "./island.tsx";
import type { LiveSession } from "../session/live_session.ts";
import type { ParticipantEntry } from "../eventlog/event_kinds.ts";

export interface SubjectPageProps {
  token: string;
  label: string;
  /** `/ws/subject/<token>`. */
  socketPath: string;
  snapshot: SubjectSnapshot | null;
}

const STYLE = `
:root { color-scheme: light; --ink:#1d232b; --muted:#5d6875; --line:#e3e7ec; --band:#4F759B;
  --role:#ED6A5A; --bid:#13804b; --ask:#c0392b; --accent:#2857c5; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink); background:#f3f5f8; }
main { max-width:76rem; margin:0 auto; padding:.75rem; }
noscript p { background:#fff3cd; border:1px solid #e6d08a; padding:.5rem .75rem; border-radius:.4rem; }
.ss { display:flex; flex-direction:column; gap:.6rem; }
.ss-top { display:flex; flex-wrap:wrap; align-items:center; gap:.4rem 1.25rem; background:#fff;
  border:1px solid var(--line); border-radius:.5rem; padding:.5rem .9rem; }
.ss-who { display:flex; align-items:baseline; gap:.75rem; }
.ss-round { color:var(--muted); }
.ss-phase { flex:1; color:var(--muted); font-size:.9rem; }
.ss-clock { font:600 1.5rem/1 ui-monospace,SFMono-Regular,Menlo,monospace; font-variant-numeric:tabular-nums; }
.ss-conn { display:inline-flex; align-items:center; gap:.4rem; font-size:.85rem; color:var(--muted); white-space:nowrap; }
.ss-dot { width:.6rem; height:.6rem; border-radius:50%; background:#d4a017; flex:none; }
.ss-conn-connected .ss-dot { background:var(--bid); box-shadow:0 0 0 3px #d9f2e4; }
.ss-conn-reconnecting .ss-dot { background:var(--ask); }
.ss-trial { background:#c0392b; color:#fff; font-weight:600; padding:.45rem .9rem; border-radius:.4rem; }
.ss-banner { background:#fff; border:1px solid var(--line); border-left:4px solid var(--band);
  padding:.5rem .9rem; border-radius:.4rem; font-weight:500; }
.ss-notice { display:flex; align-items:flex-start; gap:.5rem; background:#fff4e5; border:1px solid #f0c27b;
  border-radius:.4rem; padding:.4rem .6rem; }
.ss-notice ul { margin:0; padding:0 0 0 1rem; flex:1; }
.ss-notice-error { color:#8a1c10; }
.ss-notice-close { border:0; background:none; font-size:1.3rem; line-height:1; cursor:pointer; color:var(--muted); }
.ss-trade { display:flex; flex-direction:column; gap:.6rem; transition:opacity .2s, filter .2s; }
.ss-inert { opacity:.55; filter:grayscale(.7); }
.ss-spread { position:relative; background:#fff; border:1px solid var(--line); border-radius:.5rem;
  min-height:150px; height:20vh; cursor:crosshair; overflow:hidden; touch-action:manipulation; user-select:none; }
.ss-spread-disabled { cursor:default; }
.ss-spread-canvas { position:absolute; inset:0; width:100%; height:100%; display:block; }
.ss-hint { margin:-.3rem 0 0; color:var(--muted); font-size:.8rem; }
.ss-band { background:var(--band); color:#fff; border-radius:.5rem; padding:.7rem; display:grid; gap:.7rem;
  grid-template-columns:minmax(0,1fr) minmax(0,1fr) minmax(18rem,1.3fr) minmax(11rem,.8fr); }
@media (max-width:64rem) { .ss-band { grid-template-columns:minmax(0,1fr) minmax(0,1fr); } }
@media (max-width:36rem) { .ss-band { grid-template-columns:minmax(0,1fr); } }
.ss-info, .ss-wallet { display:grid; grid-template-columns:1fr 1fr; gap:.4rem; align-content:start; }
.ss-card, .ss-stat { background:rgba(255,255,255,.12); border-radius:.35rem; padding:.35rem .55rem;
  display:flex; flex-direction:column; }
.ss-card-label, .ss-stat-label { font-size:.72rem; text-transform:uppercase; letter-spacing:.05em; opacity:.85;
  display:flex; align-items:center; gap:.3rem; }
.ss-card-value, .ss-stat-value { font-size:1.1rem; font-weight:600; font-variant-numeric:tabular-nums; }
.ss-card-mine-bid { box-shadow:inset 3px 0 0 #FAFF7F; }
.ss-card-mine-offer { box-shadow:inset 3px 0 0 #41EAD4; }
.ss-card-clearing { grid-column:1 / -1; box-shadow:inset 3px 0 0 #2E9E44; }
.ss-fill { width:.5rem; height:.5rem; border-radius:50%; background:#c5ccd3; animation:ss-fade 2.5s forwards; }
.ss-fill-aggr { background:#ff4d3d; }
.ss-flash { animation:ss-flash 1.2s ease-out; }
@keyframes ss-flash { from { background:rgba(255,255,255,.5); } to { background:rgba(255,255,255,.12); } }
@keyframes ss-fade { 70% { opacity:1; } to { opacity:0; } }
.ss-controls { display:flex; flex-direction:column; gap:.55rem; }
.ss-roles { display:flex; gap:.35rem; flex-wrap:wrap; }
.ss-role { flex:1; min-width:0; padding:.45rem .35rem; font-size:.92rem; border-radius:.35rem; border:1px solid rgba(255,255,255,.6);
  background:rgba(255,255,255,.12); color:#fff; font-family:inherit; font-weight:600; cursor:pointer; }
.ss-role:hover { background:rgba(255,255,255,.22); }
.ss-role-on { background:var(--role); border-color:var(--role); }
.ss-role-pending { outline:2px dashed #fff; outline-offset:1px; }
.ss-role:focus-visible, .ss-switch:focus-visible, .ss-ticket button:focus-visible { outline:3px solid #fff; outline-offset:2px; }
.ss-speed { display:flex; align-items:center; gap:.5rem; font-weight:600; }
.ss-switch { appearance:none; width:2.6rem; height:1.4rem; border-radius:1rem; background:rgba(255,255,255,.35);
  position:relative; cursor:pointer; margin:0; transition:background .15s; }
.ss-switch::after { content:""; position:absolute; top:.15rem; left:.15rem; width:1.1rem; height:1.1rem;
  border-radius:50%; background:#fff; transition:left .15s; }
.ss-switch:checked { background:var(--role); }
.ss-switch:checked::after { left:1.35rem; }
.ss-sliders { display:flex; flex-direction:column; gap:.2rem; }
.ss-sliders-title { font-size:.72rem; text-transform:uppercase; letter-spacing:.05em; opacity:.85; }
.ss-slider { display:grid; grid-template-columns:8.5rem 1fr 2rem; align-items:center; gap:.4rem; font-size:.85rem; }
.ss-slider input { width:100%; }
.ss-slider input:disabled { opacity:.45; }
.ss-slider-name { display:flex; align-items:center; gap:.35rem; }
.ss-swatch { width:.65rem; height:.65rem; border-radius:2px; flex:none; }
.ss-slider-value { text-align:right; font-variant-numeric:tabular-nums; }
.ss-ticket { display:flex; flex-wrap:wrap; align-items:flex-end; gap:.4rem; align-content:start; }
.ss-ticket label { display:flex; flex-direction:column; font-size:.72rem; text-transform:uppercase; letter-spacing:.05em;
  flex:1 1 100%; }
.ss-ticket button { flex:1 1 0; }
.ss-ticket input { font:inherit; font-size:1rem; padding:.4rem .5rem; border-radius:.3rem; border:1px solid #c9d3de;
  text-transform:none; letter-spacing:0; width:100%; }
.ss-ticket button { font:inherit; font-weight:600; padding:.45rem .9rem; border-radius:.35rem; border:0; cursor:pointer; color:#1d232b; }
.ss-buy { background:#FAFF7F; }
.ss-sell { background:#41EAD4; }
.ss-ticket button:disabled, .ss-ticket input:disabled { opacity:.5; cursor:not-allowed; }
.ss-chart { margin:0; background:#fff; border:1px solid var(--line); border-radius:.5rem; padding:.4rem .6rem .2rem; }
.ss-chart figcaption { font-size:.8rem; color:var(--muted); margin-bottom:.2rem; }
.ss-chart-host { width:100%; overflow:hidden; }
.ss-legend { margin-left:.5rem; }
.ss-legend-speed { color:#9aa3ad; }
@media (max-width:40rem) {
  main { padding:.4rem; }
  .ss-clock { font-size:1.25rem; }
  .ss-slider { grid-template-columns:6.5rem 1fr 2rem; }
}
`;

export function SubjectPage({ token, label, socketPath, snapshot }: SubjectPageProps) {
  const props: SubjectScreenProps = { token, label, socketPath, snapshot };
  return (
    <PageDocument title={label} style={STYLE + UPLOT_CSS}>
      <noscript>
        <p>This trading screen needs JavaScript. Please enable it and reload the page.</p>
      </noscript>
      <Island name="SubjectScreen" component={SubjectScreen} props={props} />
    </PageDocument>
  );
}

export function renderSubjectPage(props: SubjectPageProps): string {
  return "<!doctype html>" + renderToString(<SubjectPage {...props} />);
}

/** A participant's screen as it stands, whichever link (`/s/…` or a room seat) led there. */
export function renderParticipantPage(session: LiveSession, participant: ParticipantEntry): string {
  return renderSubjectPage({
    token: participant.token,
    label: participant.label,
    socketPath: `/ws/subject/${participant.token}`,
    snapshot: session.snapshot(participant),
  });
}
