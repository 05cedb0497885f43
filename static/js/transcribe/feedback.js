// Feedback on a training image, drawn from the `feedback` of the submit answer: field by
// field, whether the answer matched, what the volunteer gave, what the expert read and why.
//
// The panel is a live region that stays on the page: filling it is read out, and it never
// takes the focus from the next image (a known-answer image's answer may be delivered by the
// outbox long after the volunteer went on). In practice the volunteer reads it before asking
// for the next practice image, so its button takes the focus there.

import {t} from "../lib/messages.js";

function el(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  if (text) node.textContent = text;
  return node;
}

/** A value as the volunteer reads it: the marker's name, the value, or "(left blank)". */
function shown(value, marker) {
  if (marker) return t(marker);
  return value || t("feedbackEmpty");
}

export function feedbackPanel(section) {
  let onClose = null;

  function clear() {
    section.replaceChildren();
    delete section.dataset.practice;
  }

  function close() {
    const then = onClose;
    clear();
    onClose = null;
    then?.();
  }

  section.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && section.dataset.practice === "false") {
      event.preventDefault();
      close();
    }
  });

  return {
    /**
     * Show `feedback`. `next`: in practice, what the "Next practice image" button does (it
     * takes the focus); otherwise the panel has a Close button and keeps away from the focus.
     */
    show(feedback, {next = null} = {}) {
      const practice = Boolean(feedback.practice);
      const heading = el("h2", {id: "feedback-heading", tabindex: "-1"}, t(practice ? "feedbackPracticeHeading" : "feedbackKnownHeading"));
      const parts = [heading];
      if (!practice) parts.push(el("p", {}, t("feedbackKnownIntro")));
      parts.push(el("p", {class: "feedback-summary", "data-feedback-summary": ""}, t("feedbackSummary", {matched: feedback.matched, compared: feedback.compared})));

      const table = el("table", {class: "feedback-fields"});
      const head = el("tr");
      for (const key of ["feedbackField", "feedbackYours", "feedbackExpert", "feedbackNote"]) head.append(el("th", {scope: "col"}, t(key)));
      const thead = el("thead");
      thead.append(head);
      const body = el("tbody");
      // Fields both left blank take one line under the table, not a row each.
      const blank = (field) => field.match && !field.given && !field.expected && !field.given_marker && !field.expected_marker;
      const alsoBlank = (feedback.fields || []).filter(blank);
      for (const field of (feedback.fields || []).filter((field) => !blank(field))) {
        const row = el("tr", {"data-feedback-field": field.key, "data-match": String(Boolean(field.match))});
        const name = el("th", {scope: "row"});
        const verdict = el("span", {class: "verdict"});
        verdict.append(el("span", {"aria-hidden": "true"}, field.match ? "✓ " : "✗ "), t(field.match ? "feedbackMatch" : "feedbackMiss"));
        name.append(el("span", {class: "feedback-label"}, field.label || field.key), " ", verdict);
        row.append(
          name,
          el("td", {"data-given": ""}, shown(field.given, field.given_marker)),
          el("td", {"data-expected": ""}, shown(field.expected, field.expected_marker)),
          el("td", {"data-note": ""}, field.note || ""),
        );
        body.append(row);
      }
      table.append(thead, body);
      if (body.childElementCount) parts.push(table);
      if (alsoBlank.length) {
        const names = alsoBlank.map((field) => field.label || field.key).join(", ");
        parts.push(el("p", {class: "feedback-blank", "data-feedback-blank": ""}, t("feedbackBlank", {fields: names})));
      }

      const actions = el("div", {class: "form-actions"});
      let button;
      if (practice && next) {
        button = el("button", {type: "button", "data-action": "next-practice"}, t("practiceNext"));
        onClose = next;
      } else {
        button = el("button", {type: "button", class: "secondary", "data-action": "dismiss-feedback", "aria-keyshortcuts": "Alt+O"}, t("feedbackDismiss"));
        onClose = null;
      }
      button.addEventListener("click", close);
      actions.append(button);
      parts.push(actions);

      section.dataset.practice = String(practice && Boolean(next));
      section.replaceChildren(...parts);
      if (practice && next) {
        // Focus on the way on, the panel read from its top.
        button.focus({preventScroll: true});
        section.scrollTop = 0;
      }
    },
    clear,
    dismiss() {
      if (section.dataset.practice === "false") close();
    },
    get shown() {
      return section.childElementCount > 0;
    },
  };
}
