/**
 * The experimenter's session list and the form that creates a session
 * (islands/new_session_form.tsx).
 */

import type { SessionSummary } from "../protocol/admin_protocol.ts";
import { NewSessionForm } from "./new_session_form.tsx";

export interface AdminSessionsProps {
  sessions: SessionSummary[];
  examples: { name: string; text: string }[];
}

const PHASES: Record<SessionSummary["phase"], string> = {
  waiting: "waiting",
  running: "running",
  paused: "paused",
  ended: "between rounds",
  finished: "finished",
};

export default function AdminSessions({ sessions, examples }: AdminSessionsProps) {
  return (
    <div class="as">
      <section class="as-list" aria-labelledby="as-list-title">
        <h2 id="as-list-title">Sessions</h2>
        {sessions.length === 0
          ? <p class="as-none" data-testid="no-sessions">No sessions yet. Create one below.</p>
          : (
            <table class="as-table" data-testid="session-list">
              <thead>
                <tr>
                  <th>Code</th>
                  <th>Name</th>
                  <th>Phase</th>
                  <th>Round</th>
                  <th>Connected</th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={s.code} data-testid={`session-${s.code}`}>
                    <td>
                      <a href={s.admin_url} data-testid="session-link">
                        <code>{s.code}</code>
                      </a>
                    </td>
                    <td>{s.name}</td>
                    <td>
                      <span class={`as-phase as-phase-${s.phase}`}>{PHASES[s.phase]}</span>
                    </td>
                    <td>
                      {s.round > 0 ? `${s.round} of ${s.num_rounds}` : `– of ${s.num_rounds}`}
                    </td>
                    <td>{s.connected} / {s.participants}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <section class="as-new" aria-labelledby="as-new-title">
        <h2 id="as-new-title">New session</h2>
        <NewSessionForm examples={examples} endpoint="/api/sessions" />
      </section>
    </div>
  );
}
