// Answers the server refused for good (the lease ended and the image is full, the project was
// paused, the image was already answered): nothing typed is dropped in silence. The refusal is
// shown with the server's own message beside the answer as text the volunteer may copy, until
// they dismiss it; the draft of that image stays too, so the form comes back filled if the
// image is given to them again.

import {localized, t} from "../lib/messages.js";

/** The answer as plain text: a line per field, labelled as in the form when known. */
export function answerText(entry, fields = []) {
  const labels = Object.fromEntries(fields.map((field) => [field.key, localized(field.label) || field.key]));
  const lines = [t("imageNumber", {id: entry.taskId})];
  const keys = [...new Set([...Object.keys(entry.values || {}), ...Object.keys(entry.markers || {})])];
  for (const key of keys) {
    const marker = entry.markers?.[key];
    const value = marker ? t(marker) : entry.values?.[key] ?? "";
    if (value !== "") lines.push(`${labels[key] || key}: ${value}`);
  }
  return lines.join("\n");
}

/** The panel in `panel` ([data-kept]); `show(entry, message, fields)` adds a refused answer. */
export function keptPanel(panel) {
  const text = panel.querySelector("[data-kept-text]");
  const message = panel.querySelector("[data-kept-message]");
  const copied = panel.querySelector("[data-kept-copied]");

  panel.querySelector("[data-action=copy-kept]").addEventListener("click", async () => {
    text.select();
    try {
      await navigator.clipboard.writeText(text.value);
    } catch {
      document.execCommand?.("copy"); // the text is selected: Ctrl+C works too
    }
    copied.textContent = t("keptCopied");
  });
  panel.querySelector("[data-action=dismiss-kept]").addEventListener("click", () => {
    panel.hidden = true;
    text.value = "";
    copied.textContent = "";
  });

  return {
    show(entry, reason, fields) {
      message.textContent = reason;
      copied.textContent = "";
      const answer = answerText(entry, fields);
      text.value = text.value ? `${text.value}\n\n${answer}` : answer;
      panel.hidden = false;
    },
  };
}
