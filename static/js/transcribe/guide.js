// The field guide panel: per field, how to read and write it on this project's material, with
// examples (a picture, the value to write, why). Not modal: the volunteer reads it while
// typing. The search box filters entries and examples as one types, ignoring case and accents
// ("epithete" finds "Épithète").

import {localized, t} from "../lib/messages.js";
import {fold} from "./parse.js";
import {paragraphs} from "./tutorial.js";

function el(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  if (text) node.textContent = text;
  return node;
}

/** Whether every word of `query` (folded) is in `text` (folded): "juin 1898" finds both. */
export function matchesQuery(text, query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const haystack = fold(text);
  return words.every((word) => haystack.includes(word));
}

export function guidePanel(panel, {toggle}) {
  const $ = (selector) => panel.querySelector(selector);
  const search = $("[data-guide-search]");
  const count = $("[data-guide-count]");
  const list = $("[data-guide-entries]");
  let entries = []; // {key, section, text, examples: [{item, text}]}
  let opener = null;

  function render(guide, fields) {
    const labels = Object.fromEntries((fields || []).map((field) => [field.key, localized(field.label) || field.key]));
    entries = (guide || []).map((entry) => {
      const label = labels[entry.key] || entry.key;
      const section = el("section", {class: "guide-entry", id: `guide-entry-${entry.key}`, "data-guide-entry": entry.key, "aria-labelledby": `guide-entry-${entry.key}-title`});
      section.append(el("h3", {id: `guide-entry-${entry.key}-title`, tabindex: "-1"}, label));
      const body = el("div", {class: "guide-body"});
      body.append(...paragraphs(entry.body));
      section.append(body);
      const examples = (entry.examples || []).map((example) => {
        const item = el("li", {class: "guide-example", "data-guide-example": ""});
        if (example.image) item.append(el("img", {src: example.image, alt: t("guidePicture", {field: label}), loading: "lazy"}));
        const value = el("p", {class: "guide-value"});
        value.append(el("span", {}, `${t("guideWrite")} `), el("strong", {}, example.value));
        item.append(value);
        if (example.note) item.append(el("p", {class: "guide-note"}, example.note));
        return {item, text: `${example.value} ${example.note || ""}`};
      });
      if (examples.length) {
        const ul = el("ul", {class: "guide-examples"});
        ul.append(...examples.map((example) => example.item));
        section.append(ul);
      }
      return {key: entry.key, section, text: `${label} ${entry.key} ${entry.body || ""}`, examples};
    });
    list.replaceChildren(...entries.map((entry) => entry.section));
    filter();
  }

  // An entry whose own text matches shows whole; otherwise it shows with the examples that
  // match, or not at all.
  function filter() {
    const query = search.value;
    let shown = 0;
    for (const entry of entries) {
      const whole = matchesQuery(entry.text, query);
      let examplesShown = 0;
      for (const example of entry.examples) {
        const visible = whole || matchesQuery(example.text, query);
        example.item.hidden = !visible;
        examplesShown += visible;
      }
      entry.section.hidden = !(whole || examplesShown);
      shown += !entry.section.hidden;
    }
    count.textContent = !query.trim() ? "" : shown ? t("guideShown", {count: shown, total: entries.length}) : t("guideNone");
  }

  function open(key = null, from = document.activeElement) {
    if (panel.hidden) opener = from;
    panel.hidden = false;
    toggle(true);
    const entry = key && entries.find((candidate) => candidate.key === key);
    if (entry) {
      // The entry asked for is shown whatever was searched before.
      if (entry.section.hidden) {
        search.value = "";
        filter();
      }
      entry.section.scrollIntoView({block: "start"});
      entry.section.querySelector("h3").focus();
    } else {
      search.focus();
    }
  }

  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    toggle(false);
    const returnTo = opener;
    opener = null;
    if (returnTo?.isConnected && !returnTo.disabled) returnTo.focus();
  }

  search.addEventListener("input", filter);
  $("[data-guide-close]").addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  return {
    render,
    open,
    close,
    get isOpen() {
      return !panel.hidden;
    },
    contains: (element) => panel.contains(element),
    has: (key) => entries.some((entry) => entry.key === key),
    get available() {
      return entries.length > 0;
    },
  };
}
