/** A button that copies a link, for pages that hand links out. */

import { useState } from "preact/hooks";

export function CopyButton({ text, testid }: { text: string; testid: string }) {
  const [copied, setCopied] = useState<"" | "ok" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("ok");
    } catch {
      // No clipboard permission (plain http on another host): select it for ctrl-C instead.
      const field = document.createElement("textarea");
      field.value = text;
      document.body.append(field);
      field.select();
      const ok = document.execCommand("copy");
      field.remove();
      setCopied(ok ? "ok" : "failed");
    }
    setTimeout(() => setCopied(""), 1500);
  };
  return (
    <button type="button" class="am-copy" data-testid={testid} onClick={copy}>
      {copied === "ok" ? "Copied" : copied === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
}
