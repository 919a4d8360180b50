/**
 * Config text and problem checks shared by the session-config tests: a
 * config written from sections, and assertions on the problems it gets.
 */

import assert from "node:assert/strict";
import { stringify } from "yaml";
import { ConfigError, parseSessionConfig } from "../market/session_config.ts";

/** The source name problems are reported under. */
export const SRC = "lab/t.yaml";

export type Sections = Record<string, unknown>;

export const files = (name: string, n = 12) => Array.from({ length: n }, () => `data/${name}.csv`);

/** An ELO config with exogenous files for 12 rounds unless the sections give their own. */
export function elo(sections: Sections = {}): string {
  return stringify({
    ...sections,
    "exogenous-events": {
      "investor-arrivals": files("inv"),
      "external-feed": files("ext"),
      ...sections["exogenous-events"] as Record<string, unknown> | undefined,
    },
  });
}

/** Every problem of a config that must be refused; the message lists them, one per line. */
export function problems(text: string, source = SRC): string[] {
  try {
    parseSessionConfig(text, source);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    assert.equal(e.message.split("\n").slice(1).join("\n"), e.problems.join("\n"));
    return [...e.problems];
  }
  assert.fail("expected a ConfigError");
}

/** Asserts exactly one problem, at `path`, whose text contains every fragment. */
export function assertProblem(text: string, path: string, ...fragments: string[]): void {
  const found = problems(text);
  assert.equal(found.length, 1, `one problem expected, got:\n${found.join("\n")}`);
  const prefix = `${SRC}: ${path}: `;
  assert.ok(found[0].startsWith(prefix), `"${found[0]}" should start with "${prefix}"`);
  for (const f of fragments) assert.ok(found[0].includes(f), `"${found[0]}" should mention "${f}"`);
}
