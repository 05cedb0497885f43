// A select field's options: value, labels in French and English, synonyms (what volunteers may
// type instead: "Spain", "ES" for "Espagne"). Add one (Enter in a value adds the next), remove
// one, or paste several values at once. Long lists show their first options until asked.

import {t} from "../lib/messages.js";
import {el, errorList, textArea, textInput} from "./dom.js";
import {optionObject, optionsFromLines, synonymsParse, synonymsText, translations} from "./model.js";

const SHOWN_AT_FIRST = 60;

/**
 * The options editor of `field` (a select). `changed()` after each edit, `announce(text)` to
 * say what happened; `id` prefixes ids.
 * Returns the fieldset, which redraws itself when options are added or removed.
 */
export function vocabularyEditor(field, {id, changed, announce}) {
  const root = el("fieldset", {class: "bvocab", "data-path": "vocabulary"});
  let showAll = false;

  function options() {
    if (!Array.isArray(field.vocabulary)) field.vocabulary = [];
    return field.vocabulary;
  }

  function row(index) {
    const list = options();
    const option = (list[index] = optionObject(list[index]));
    const here = `vocabulary[${index}]`;
    const rowId = `${id}-o${index}`;
    const item = el("li", {class: "boption", "data-path": here});
    const errors = errorList(`${rowId}-errors`);
    const inputs = [];
    const input = (path, labelKey, node, onInput) => {
      const inputId = `${rowId}-${path.replace(/\W+/g, "-")}`;
      node.id = inputId;
      node.dataset.input = `${here}${path}`;
      node.setAttribute("aria-describedby", errors.id);
      node.addEventListener("input", () => {
        onInput(node.value);
        changed();
      });
      inputs.push(el("span", {class: "bcell"}, el("label", {for: inputId, class: "visually-hidden"}, t(labelKey, {n: index + 1})), node));
      return node;
    };
    const value = input(".value", "bOptionValueN", textInput(option.value, {spellcheck: "false"}), (text) => {
      option.value = text;
    });
    const label = translations(option.label);
    for (const language of ["fr", "en"]) {
      input(`.label.${language}`, language === "fr" ? "bOptionLabelFrN" : "bOptionLabelEnN", textInput(label[language]), (text) => {
        // Only the languages given: the other falls back to the English label, then the value.
        const current = {...translations(option.label), [language]: text};
        const given = Object.fromEntries(Object.entries(current).filter(([, words]) => words));
        if (Object.keys(given).length) option.label = given;
        else delete option.label;
      });
    }
    input(".synonyms", "bOptionSynonymsN", textInput(synonymsText(option.synonyms), {spellcheck: "false"}), (text) => {
      const synonyms = synonymsParse(text);
      if (synonyms.length) option.synonyms = synonyms;
      else delete option.synonyms;
    });
    // Enter in a value: the next option, as one types a list.
    value.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      list.splice(index + 1, 0, {value: ""});
      changed();
      redraw(`vocabulary[${index + 1}].value`);
    });
    const remove = el("button", {type: "button", class: "secondary small", "aria-label": t("bRemoveOptionN", {n: index + 1})}, t("bRemoveOption"));
    remove.addEventListener("click", () => {
      list.splice(index, 1);
      changed();
      const next = Math.min(index, list.length - 1);
      redraw(next >= 0 ? `vocabulary[${next}].value` : "add-option");
    });
    item.append(...inputs, el("span", {class: "bcell"}, remove), errors);
    return item;
  }

  function redraw(focus = null) {
    const list = options();
    const errors = errorList(`${id}-vocabulary-errors`);
    const children = [el("legend", {}, t("bOptions")), el("p", {class: "help", id: `${id}-vocabulary-help`}, t("bOptionsHelp")), errors];
    if (list.length) {
      const head = el(
        "div",
        {class: "boption head", "aria-hidden": "true"},
        ...["bOptionValue", "bOptionLabelFr", "bOptionLabelEn", "bOptionSynonyms"].map((key) => el("span", {class: "bcell"}, t(key))),
      );
      const shown = showAll ? list.length : Math.min(list.length, SHOWN_AT_FIRST);
      const rows = el("ol", {class: "boptions"});
      for (let index = 0; index < shown; index += 1) rows.append(row(index));
      children.push(head, rows);
      if (shown < list.length) {
        const more = el("button", {type: "button", class: "link", "data-control": "more-options"}, t("bShowAllOptions", {count: list.length - shown}));
        more.addEventListener("click", () => {
          showAll = true;
          redraw(`vocabulary[${shown}].value`);
        });
        children.push(el("p", {}, more));
      }
    } else {
      children.push(el("p", {class: "bempty"}, t("bNoOptions")));
    }
    const add = el("button", {type: "button", class: "secondary", "data-control": "add-option"}, t("bAddOption"));
    add.addEventListener("click", () => {
      list.push({value: ""});
      showAll = showAll || list.length > SHOWN_AT_FIRST;
      changed();
      redraw(`vocabulary[${list.length - 1}].value`);
    });
    children.push(el("p", {}, add), bulk());
    root.replaceChildren(...children);
    if (focus) (root.querySelector(`[data-input="${focus}"]`) || root.querySelector(`[data-control="${focus}"]`))?.focus();
  }

  function bulk() {
    const box = el("details", {class: "bbulk"});
    const areaId = `${id}-bulk`;
    const area = textArea("", {id: areaId, rows: 5, spellcheck: "false", "aria-describedby": `${areaId}-help`});
    const button = el("button", {type: "button", class: "secondary"}, t("bBulkAdd"));
    button.addEventListener("click", () => {
      const added = optionsFromLines(area.value, options());
      options().push(...added);
      showAll = showAll || options().length > SHOWN_AT_FIRST;
      changed();
      redraw();
      root.querySelector(".bbulk").open = true;
      root.querySelector(".bbulk button").focus();
      announce(t(added.length === 1 ? "bBulkAddedOne" : "bBulkAddedOther", {count: added.length}));
    });
    box.append(
      el("summary", {"data-control": "bulk"}, t("bBulk")),
      el("label", {for: areaId}, t("bBulkLines")),
      area,
      el("p", {class: "help", id: `${areaId}-help`}, t("bBulkHelp")),
      button,
    );
    return box;
  }

  redraw();
  return root;
}
