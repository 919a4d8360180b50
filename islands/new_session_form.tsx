/**
 * The form that creates a session from a config: an example from the
 * server's configs/, a file from disk, or text pasted in. The server checks
 * the config and lists every problem at once; they are shown exactly as it
 * wrote them. On success the browser goes to the new session's page.
 */

import { useState } from "preact/hooks";

export interface NewSessionFormProps {
  examples: { name: string; text: string }[];
  /** Where the config is posted: `/api/sessions`, with `?room=<name>` for a room. */
  endpoint: string;
  /** Asked before posting (a `confirm()`); nothing is asked when null. */
  confirmFirst?: string | null;
  submitLabel?: string;
}

type Outcome =
  | { state: "idle" }
  | { state: "sending" }
  | { state: "failed"; message: string };

export function NewSessionForm(
  { examples, endpoint, confirmFirst = null, submitLabel = "Create session" }: NewSessionFormProps,
) {
  const [text, setText] = useState(examples[0]?.text ?? "");
  const [example, setExample] = useState(examples[0]?.name ?? "");
  const [outcome, setOutcome] = useState<Outcome>({ state: "idle" });

  const pick = (name: string) => {
    setExample(name);
    const found = examples.find((e) => e.name === name);
    if (found) setText(found.text);
  };

  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setText(await file.text());
    setExample("");
    input.value = "";
  };

  const create = async () => {
    if (outcome.state === "sending") return;
    if (text.trim() === "") {
      setOutcome({
        state: "failed",
        message: "The config is empty: pick an example, upload a file or paste one.",
      });
      return;
    }
    if (confirmFirst !== null && !confirm(confirmFirst)) return;
    setOutcome({ state: "sending" });
    try {
      const res = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "text/yaml; charset=utf-8" },
        body: text,
        credentials: "same-origin",
      });
      const body = await res.text();
      let parsed: { admin_url?: string; error?: string } | null = null;
      try {
        parsed = JSON.parse(body);
      } catch {
        // Not JSON: shown as it came.
      }
      if (res.status === 201 && parsed?.admin_url) {
        location.assign(parsed.admin_url);
        return;
      }
      setOutcome({
        state: "failed",
        message: parsed?.error ?? `The server answered ${res.status} ${res.statusText}: ${body}`,
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
      data-testid="new-session"
      onSubmit={(e) => {
        e.preventDefault();
        create();
      }}
    >
      <div class="as-sources">
        <label>
          Example config
          <select
            value={example}
            data-testid="example-select"
            onChange={(e) => pick((e.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">(your own)</option>
            {examples.map((e) => <option key={e.name} value={e.name}>{e.name}</option>)}
          </select>
        </label>
        <label>
          Or a file (YAML or JSON)
          <input
            type="file"
            accept=".yaml,.yml,.json,text/yaml,application/json"
            data-testid="config-file"
            onChange={(e) => upload(e.currentTarget as HTMLInputElement)}
          />
        </label>
      </div>
      <label class="as-text">
        Config (YAML or JSON; the keys are described in the README, section Session configuration)
        <textarea
          rows={18}
          spellcheck={false}
          value={text}
          data-testid="config-text"
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            setExample("");
          }}
        />
      </label>
      <div class="as-actions">
        <button
          type="submit"
          data-testid="create-session"
          disabled={outcome.state === "sending"}
        >
          {outcome.state === "sending" ? "Creating…" : submitLabel}
        </button>
      </div>
      {outcome.state === "failed"
        ? <pre class="as-error" data-testid="create-error" role="alert">{outcome.message}</pre>
        : null}
    </form>
  );
}
