/**
 * The experimenter's Markdown (consent and instructions) as HTML for the
 * subject's page. Raw HTML in the text is shown as text, not run: a config
 * pasted from elsewhere must not be able to put script on subjects' screens.
 */

import { Marked } from "marked";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      // only web and mail links: `javascript:` and the like would run in the subject's page
      if (!/^(https?:|mailto:)/i.test(href)) return label;
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${
        escapeHtml(href)
      }"${t} target="_blank" rel="noopener noreferrer">${label}</a>`;
    },
    image({ text }) {
      // images would load from anywhere during the session; their alt text stays
      return escapeHtml(text);
    },
  },
});

export function renderMarkdown(text: string): string {
  return markdown.parse(text) as string;
}
