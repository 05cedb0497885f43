// One field of the resolve page: a pending field (the answers side by side as one radio group
// with the other decisions, a reason, a note, Confirm) or a settled one (collapsed, with its
// history and a Reopen form). Pure DOM: task.js decides what to send and when.

import {t} from "../lib/messages.js";
import {el, formatDate, formatPercent, formatWeight, ILLEGIBLE, showValue, tn} from "./common.js";

const UNSETTLED = new Set(["disputed", "needs_more"]);
export const isPending = (field) => UNSETTLED.has(field.status);

function reasonSelect(id, reasons, {required = false} = {}) {
  const select = el("select", {attrs: {id, name: "reason", required}});
  select.append(el("option", {text: required ? t("chooseReason") : "—", attrs: {value: ""}}));
  for (const [value, label] of reasons) select.append(el("option", {text: label, attrs: {value}}));
  return select;
}

function explanation(field) {
  // Explanations come in the page's language, except on results stored before they had codes,
  // which are English: say so to screen readers rather than read English with French rules.
  const attrs = field.explanation_lang ? {lang: field.explanation_lang} : {};
  return field.explanation ? el("p", {className: "explanation", text: field.explanation, attrs}) : null;
}

function history(field, reasons) {
  if (!field.history?.length) return null;
  const labels = Object.fromEntries(reasons);
  const items = field.history.map((entry) => {
    const change = el("span", {className: "change"}, [
      showValue(el("q", {className: "value"}), entry.before, field.spec),
      " → ",
      showValue(el("q", {className: "value"}), entry.after, field.spec),
    ]);
    const parts = [
      el("time", {text: formatDate(entry.at), attrs: {datetime: entry.at}}),
      el("span", {text: ` · ${entry.curator} · ${t(`decision.${entry.decision}`)} · `}),
      change,
    ];
    if (entry.reason) parts.push(el("span", {text: ` · ${labels[entry.reason] || entry.reason}`}));
    if (entry.note) parts.push(el("span", {className: "note", text: ` · ${entry.note}`}));
    return el("li", {}, parts);
  });
  return el("details", {className: "history"}, [
    el("summary", {text: tn("history", field.history.length)}),
    el("ol", {}, items),
  ]);
}

function contributors(answer) {
  const names = answer.contributors.map((who) => {
    // No estimate yet (null): the name alone, rather than the default weight dressed as a measure.
    const name = who.reliability == null ? who.username : t("contributorReliability", {name: who.username, value: formatWeight(who.reliability)});
    // The answer as typed when it reads otherwise ("1200 ft" listed as 366 in metres).
    const said = who.typed && who.typed !== answer.value ? `${name} ${t("typedAs", {typed: who.typed})}` : name;
    // How a point was made (typed, placed on the map, found in the gazetteer), with its radius.
    return who.made ? `${said} (${who.made})` : said;
  });
  return el("span", {className: "who", text: names.join(", ")});
}

/** A field waiting for a decision. `onConfirm()` is called by its Confirm button. */
export function pendingField(field, {reasons, onConfirm}) {
  const id = `rfield-${field.id}`;
  const name = `decision-${field.id}`;
  const errors = el("ul", {className: "errorlist", attrs: {id: `${id}-errors`, hidden: true}});
  // Every control has an id, so that focus survives a refresh of the page's data.
  const radio = (value, extra = {}) => {
    const suffix = extra["data-index"] === undefined ? value : `answer-${extra["data-index"] + 1}`;
    return el("input", {attrs: {type: "radio", name, value, id: `${id}-${suffix}`, ...extra}});
  };

  const answers = field.answers.map((answer, index) => {
    const suggested = answer.value === field.value;
    return el("li", {}, [
      el("label", {className: `answer${suggested ? " is-suggested" : ""}`}, [
        radio("accept", {"data-index": index, "aria-keyshortcuts": index < 9 ? String(index + 1) : undefined}),
        index < 9 ? el("kbd", {text: String(index + 1), attrs: {"aria-hidden": "true"}}) : null,
        el("span", {className: "answer-body"}, [
          showValue(el("span", {className: "value"}), answer.value, field.spec),
          el("span", {className: "count", text: tn("contributors", answer.count)}),
          contributors(answer),
          suggested ? el("span", {className: "badge suggested", text: t("suggested")}) : null,
        ]),
      ]),
    ]);
  });

  const typedLabel = el("label", {attrs: {id: `${id}-typed-label`}}, [
    radio("value", {"aria-keyshortcuts": "Alt+V"}), ` ${t("decision.value")} `, el("kbd", {text: "Alt+V", attrs: {"aria-hidden": "true"}}),
  ]);
  const typed = el("input", {
    className: "typed",
    attrs: {type: "text", id: `${id}-typed`, maxlength: 2000, autocomplete: "off", spellcheck: "false",
      "aria-labelledby": `${id}-typed-label ${id}-label`, "aria-describedby": `${id}-errors`},
  });
  const other = (value, keys) =>
    el("label", {}, [radio(value, {"aria-keyshortcuts": keys}), ` ${t(`decision.${value}`)} `, el("kbd", {text: keys, attrs: {"aria-hidden": "true"}})]);

  const reason = reasonSelect(`${id}-reason`, reasons);
  const note = el("input", {attrs: {type: "text", id: `${id}-note`, name: "note", maxlength: 2000, autocomplete: "off"}});
  const confirm = el("button", {attrs: {type: "button", "aria-keyshortcuts": "Control+Enter"}}, [
    t("confirm"), " ", el("kbd", {text: "Ctrl+Enter", attrs: {"aria-hidden": "true"}}),
  ]);

  const element = el("article", {className: "rfield pending", attrs: {id, "data-field-id": field.id, "data-key": field.key, "aria-labelledby": `${id}-label`}}, [
    el("div", {className: "rfield-head"}, [
      el("h3", {text: field.spec?.label || field.key, attrs: {id: `${id}-label`}}),
      el("span", {className: `badge status-${field.status}`, text: t(`status.${field.status}`)}),
      el("span", {className: "agreement", text: t("agreement", {value: formatPercent(field.agreement)})}),
    ]),
    el("p", {className: "engine"}, [
      el("span", {text: `${t("suggestion")} `}),
      showValue(el("q", {className: "value"}), field.value, field.spec),
    ]),
    explanation(field),
    el("fieldset", {className: "decision", attrs: {"aria-describedby": `${id}-errors`}}, [
      el("legend", {text: t("decisionFor", {field: field.spec?.label || field.key})}),
      el("ol", {className: "answers"}, answers),
      el("div", {className: "alternatives"}, [
        el("div", {className: "typed-row"}, [typedLabel, typed]),
        other("illegible", "Alt+I"),
        other("more", "Alt+M"),
      ]),
    ]),
    errors,
    el("div", {className: "why"}, [
      el("label", {text: t("reasonOptional"), attrs: {for: reason.id}}), reason,
      el("label", {text: t("noteOptional"), attrs: {for: note.id}}), note,
    ]),
    el("div", {className: "rfield-actions"}, [confirm]),
    history(field, reasons),
  ]);

  const radios = () => [...element.querySelectorAll(`input[name="${name}"]`)];
  const answerRadios = () => radios().filter((input) => input.value === "accept");
  const byValue = (value) => radios().find((input) => input.value === value);

  // Typing a value chooses "type the right value": one less key to press.
  typed.addEventListener("input", () => {
    byValue("value").checked = true;
  });
  confirm.addEventListener("click", () => onConfirm());

  return {
    element,
    field,
    /** The decision as the API wants it, or null when nothing is chosen. */
    read() {
      const chosen = radios().find((input) => input.checked);
      if (!chosen) return null;
      const common = {reason: reason.value, note: note.value.trim()};
      if (chosen.value === "accept") {
        const value = field.answers[Number(chosen.dataset.index)].value;
        // Accepting the "illegible" votes is the illegible decision.
        return value === ILLEGIBLE ? {decision: "illegible", ...common} : {decision: "accept", value, ...common};
      }
      if (chosen.value === "value") return {decision: "value", value: typed.value, ...common};
      return {decision: chosen.value, ...common};
    },
    /** What the curator chose so far, to survive a refresh of the page's data. */
    snapshot() {
      const chosen = radios().find((input) => input.checked);
      return {choice: chosen ? `${chosen.value}:${chosen.dataset.index ?? ""}` : "", typed: typed.value, reason: reason.value, note: note.value};
    },
    restore(state) {
      if (!state) return;
      for (const input of radios()) input.checked = `${input.value}:${input.dataset.index ?? ""}` === state.choice;
      typed.value = state.typed;
      reason.value = state.reason;
      note.value = state.note;
    },
    /** Pick the nth answer (1-based); false when there is no such answer. */
    pick(n) {
      const input = answerRadios()[n - 1];
      if (!input) return false;
      input.checked = true;
      input.focus();
      return true;
    },
    choose(decision) {
      const input = byValue(decision);
      input.checked = true;
      input.focus();
    },
    focusTyped() {
      byValue("value").checked = true;
      typed.focus();
      typed.select();
    },
    focusReason: () => reason.focus(),
    /** Focus the chosen decision, else the first answer: digits and arrows then work at once. */
    focus() {
      (radios().find((input) => input.checked) || radios()[0]).focus();
    },
    setDisabled(disabled) {
      for (const control of element.querySelectorAll("input, select, button")) control.disabled = disabled;
    },
    showErrors(messages) {
      errors.replaceChildren(...messages.map((message) => el("li", {text: message})));
      errors.hidden = !messages.length;
      typed.setAttribute("aria-invalid", String(messages.length > 0 && byValue("value").checked));
    },
  };
}

/** A settled field, collapsed: its value, how it was reached, its history, and Reopen. */
export function settledField(field, {reasons, decidedHere, onReopen}) {
  const id = `rfield-${field.id}`;
  const errors = el("ul", {className: "errorlist", attrs: {id: `${id}-reopen-errors`, hidden: true}});
  const canReopen = !isPending(field);
  let form = null;
  let reason = null;
  if (canReopen) {
    reason = reasonSelect(`${id}-reopen-reason`, reasons, {required: true});
    reason.setAttribute("aria-describedby", errors.id);
    const note = el("input", {attrs: {type: "text", id: `${id}-reopen-note`, name: "note", maxlength: 2000, autocomplete: "off"}});
    form = el("form", {className: "reopen", attrs: {novalidate: true}}, [
      el("label", {text: t("reopenReason"), attrs: {for: reason.id}}), reason,
      el("label", {text: t("noteOptional"), attrs: {for: note.id}}), note,
      errors,
      el("button", {className: "secondary", attrs: {type: "submit", "aria-keyshortcuts": "Alt+O"}}, [t("decision.reopen")]),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onReopen({reason: reason.value, note: note.value.trim()});
    });
  }
  const answers = field.answers.length > 1 || field.status !== "agreed"
    ? el("ul", {className: "compact-answers"}, field.answers.map((answer) =>
      el("li", {}, [showValue(el("span", {className: "value"}), answer.value, field.spec), ` · ${tn("contributors", answer.count)}`])))
    : null;
  const element = el("details", {className: `rfield settled${decidedHere ? " decided-here" : ""}`, attrs: {id, "data-field-id": field.id, "data-key": field.key}}, [
    el("summary", {}, [
      el("span", {className: "rfield-label", text: field.spec?.label || field.key}),
      showValue(el("span", {className: "value"}), field.value, field.spec),
      el("span", {className: `badge status-${field.status}`, text: t(`status.${field.status}`)}),
    ]),
    el("div", {className: "settled-body"}, [
      el("p", {className: "agreement", text: t("agreement", {value: formatPercent(field.agreement)})}),
      explanation(field),
      answers,
      history(field, reasons),
      form,
    ]),
  ]);
  return {
    element,
    field,
    focus: () => element.querySelector("summary").focus(),
    openReopen() {
      if (!reason) return false;
      element.open = true;
      reason.focus();
      return true;
    },
    showErrors(messages) {
      errors.replaceChildren(...messages.map((message) => el("li", {text: message})));
      errors.hidden = !messages.length;
      reason?.setAttribute("aria-invalid", String(messages.length > 0));
    },
  };
}
