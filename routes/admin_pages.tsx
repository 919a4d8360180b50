/**
 * The experimenter's pages: `/admin` (sessions and the new-session form)
 * and `/admin/sessions/:code` (links, round and session controls, the
 * participants and the live monitor, the payments; printing shows only the
 * payments).
 * Both are served behind the admin password; the islands call /api with
 * the browser's credentials for this origin.
 */

import { PageDocument } from "./page_document.tsx";
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import AdminMonitor, { type AdminMonitorProps } from "../islands/AdminMonitor.tsx";
import AdminSessions, { type AdminSessionsProps } from "../islands/AdminSessions.tsx";
import type { SessionSummary, SessionView } from "../protocol/admin_protocol.ts";
import { TITLE } from "./index.tsx";
import { Island } from "./island.tsx";

const STYLE = `
:root { color-scheme: light; --ink:#1d232b; --muted:#5d6875; --line:#e3e7ec; --accent:#2857c5;
  --ok:#13804b; --ok-bg:#d9f2e4; --bad:#c0392b; --band:#4F759B; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink); background:#f6f7f9; }
main { max-width:80rem; margin:0 auto; padding:1.25rem 1rem 3rem; }
a { color:var(--accent); }
code { font:.9em ui-monospace,SFMono-Regular,Menlo,monospace; }
nav.crumbs { font-size:.85rem; color:var(--muted); margin-bottom:.5rem; }
h1 { font-size:1.6rem; margin:0; letter-spacing:-.01em; }
h2 { font-size:1.1rem; margin:0 0 .6rem; }
h3 { font-size:1rem; margin:.25rem 0 .5rem; }
h4 { font-size:.8rem; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); margin:0 0 .4rem; }
section { background:#fff; border:1px solid var(--line); border-radius:.5rem; padding:1rem; margin-bottom:1rem; }
section section { border:none; padding:0; margin:0 0 1rem; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); font-size:.9rem; }
th { font-size:.72rem; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); font-weight:600; }
.am-num { text-align:right; }
button { font:inherit; cursor:pointer; }
button:disabled { cursor:not-allowed; opacity:.5; }
.as-none, .am-none, .am-hint { color:var(--muted); font-size:.88rem; margin:.2rem 0 .6rem; }
.as-phase { font-size:.8rem; padding:.1rem .45rem; border-radius:1rem; background:#eef1f5; }
.as-phase-running { background:var(--ok-bg); color:var(--ok); }
.as-phase-paused { background:#fff4e5; color:#8a5a00; }
.as-sources { display:flex; flex-wrap:wrap; gap:1rem; margin-bottom:.75rem; }
.as-sources label, .as-text { display:flex; flex-direction:column; gap:.25rem; font-size:.85rem; color:var(--muted); }
select, textarea, input[type=file] { font:inherit; color:var(--ink); }
select { padding:.35rem .5rem; border:1px solid #c9d3de; border-radius:.3rem; background:#fff; min-width:14rem; }
textarea { font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace; padding:.6rem; border:1px solid #c9d3de;
  border-radius:.35rem; width:100%; resize:vertical; }
.as-actions { margin-top:.75rem; }
.as-actions button, .am-btn { padding:.5rem 1.1rem; border-radius:.35rem; border:1px solid var(--accent);
  background:var(--accent); color:#fff; font-weight:600; }
.as-error { white-space:pre-wrap; background:#fdecea; border:1px solid #f2b8b0; color:#8a1c10; border-radius:.35rem;
  padding:.6rem .75rem; margin:.75rem 0 0; font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace; }
.am-head { display:flex; justify-content:space-between; align-items:flex-start; gap:1rem; margin-bottom:1rem; }
.am-sub { margin:.15rem 0 0; color:var(--muted); }
.am-link { display:inline-flex; align-items:center; gap:.4rem; color:var(--muted); font-size:.85rem; white-space:nowrap; }
.am-dot { display:inline-block; width:.65rem; height:.65rem; border-radius:50%; background:#c5ccd3; }
.am-dot-on, .am-link-live .am-dot-link { background:var(--ok); box-shadow:0 0 0 3px var(--ok-bg); }
.am-link-reconnecting .am-dot-link { background:var(--bad); }
.am-link-connecting .am-dot-link { background:#d4a017; }
.am-status { display:flex; flex-wrap:wrap; align-items:center; gap:1rem 2rem; }
.am-stat { display:flex; flex-direction:column; }
.am-stat-label { font-size:.72rem; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); }
.am-stat-value { font-size:1.15rem; font-weight:600; }
.am-clock { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; }
.am-trial { margin-left:.4rem; font-size:.75rem; background:#c0392b; color:#fff; padding:.05rem .4rem; border-radius:.3rem; }
.am-controls { display:flex; flex-wrap:wrap; gap:.4rem; margin-left:auto; }
.am-btn-pause, .am-btn-resume { background:#fff; color:var(--accent); }
.am-btn-end { background:#fff; color:var(--bad); border-color:var(--bad); }
.am-error { display:flex; justify-content:space-between; gap:1rem; background:#fdecea; border:1px solid #f2b8b0;
  color:#8a1c10; border-radius:.35rem; padding:.5rem .75rem; margin-bottom:1rem; white-space:pre-wrap; }
.am-error button { border:0; background:none; font-size:1.2rem; line-height:1; color:inherit; }
.am-links { list-style:none; margin:0; padding:0; }
.am-links li { display:grid; grid-template-columns:9rem minmax(0,1fr) auto; align-items:center; gap:.75rem;
  padding:.35rem 0; border-bottom:1px solid var(--line); }
.am-links a { font:.85rem ui-monospace,SFMono-Regular,Menlo,monospace; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.am-links-label { font-weight:600; }
.am-copy { padding:.25rem .7rem; border-radius:.3rem; border:1px solid #c9d3de; background:#fff; font-size:.85rem; min-width:5rem; }
.am-market-body { display:grid; grid-template-columns:minmax(12rem,1fr) minmax(16rem,1.4fr); gap:1rem 1.5rem; }
.am-wide { grid-column:1 / -1; }
@media (max-width:48rem) { .am-market-body { grid-template-columns:1fr; } }
.am-wide { overflow-x:auto; }
.am-bbo { display:flex; flex-direction:column; font-size:.88rem; margin:0 0 .4rem; }
.am-book td { padding:.15rem .5rem; }
.am-bid { color:var(--ok); }
.am-ask { color:var(--bad); }
.am-btn-form { background:#fff; color:var(--accent); }
.am-btn-finish { background:#fff; color:var(--ink); border-color:#8c96a3; }
.am-small { padding:.2rem .6rem; border-radius:.3rem; border:1px solid #c9d3de; background:#fff; font-size:.82rem; white-space:nowrap; }
.am-danger { color:var(--bad); border-color:#e7b4ad; }
.am-payments-head { display:flex; justify-content:space-between; align-items:baseline; gap:1rem; }
.am-payments-head .am-noprint { display:flex; align-items:center; gap:.75rem; }
.am-total th, .am-total td { font-weight:700; border-top:2px solid var(--ink); border-bottom:0; }
.am-print-only { display:none; }
@media print {
  body { background:#fff; font-size:11pt; }
  main { max-width:none; padding:0; }
  nav.crumbs, .am > :not(.am-payments), .am-noprint { display:none !important; }
  .am-payments { border:0; padding:0; margin:0; }
  .am-print-only { display:block; margin:0 0 .5rem; }
  th, td { font-size:10pt; }
}
`;

export function AdminShell({ title, children }: { title: string; children: ComponentChildren }) {
  return <PageDocument title={title} style={STYLE}>{children}</PageDocument>;
}

export interface AdminHomeProps {
  sessions: SessionSummary[];
  examples: { name: string; text: string }[];
}

export function renderAdminHome({ sessions, examples }: AdminHomeProps): string {
  const props: AdminSessionsProps = { sessions, examples };
  return "<!doctype html>" + renderToString(
    <AdminShell title="Sessions">
      <nav class="crumbs">
        <a href="/">{TITLE}</a> / experimenter · <a href="/admin/rooms">Rooms</a>
      </nav>
      <h1 style={{ marginBottom: "1rem" }}>Sessions</h1>
      <Island name="AdminSessions" component={AdminSessions} props={props} />
    </AdminShell>,
  );
}

export interface AdminSessionProps {
  view: SessionView;
  /** `/ws/admin/<code>?key=…`. */
  monitorSocketPath: string;
}

export function renderAdminSession({ view, monitorSocketPath }: AdminSessionProps): string {
  const props: AdminMonitorProps = { view, monitorSocketPath };
  return "<!doctype html>" + renderToString(
    <AdminShell title={`${view.name} (${view.code})`}>
      <nav class="crumbs">
        <a href="/admin">Sessions</a> / <code>{view.code}</code>
        {view.room
          ? (
            <>
              {" "}· room <a href="/admin/rooms">{view.room}</a>
            </>
          )
          : null}
      </nav>
      <Island name="AdminMonitor" component={AdminMonitor} props={props} />
    </AdminShell>,
  );
}
