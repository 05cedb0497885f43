// The template builder, on the project creation page and in a project's settings: fields as
// cards (add, move, duplicate, remove, every property of the template spec), a live preview
// that is the transcription page's own form (transcribe/form.js), and the server's checks
// shown beside what they concern (POST …/template/validate/, the checks saving runs).
//
// The form's JSON textarea stays the submitted field: the builder writes every change into it,
// and reads it back when a power user edits the JSON ("Edit as JSON"). Without JavaScript the
// builder stays hidden and the textarea is the editor, as before.

import {ApiError, api} from "./lib/api.js";
import {jsonScript, localized, t} from "./lib/messages.js";
import {buildForm} from "./transcribe/form.js";
import {fieldCard, plural} from "./builder/field.js";
import {fieldDuplicate, fieldMove, fieldNew, keyFromLabel, previewTemplate, problemPlace, translations, uniqueKey} from "./builder/model.js";

const CHECK_AFTER_MS = 500; // after the last change, so that typing sends one check, not one a key
const RETRY_THROTTLED_MS = 15000;

for (const root of document.querySelectorAll("[data-template-builder]")) templateBuilder(root);

function templateBuilder(root) {
  const config = jsonScript(root.dataset.config);
  const textarea = document.getElementById(root.dataset.for);
  const jsonField = textarea.closest(".field") || textarea.parentElement;
  const list = root.querySelector("[data-builder-fields]");
  const editor = root.querySelector("[data-builder-editor]");
  const addButton = root.querySelector("[data-builder-add]");
  const jsonToggle = root.querySelector("[data-builder-json]");
  const checkStatus = root.querySelector("[data-builder-check]");
  const announcer = root.querySelector("[data-builder-announce]");
  const templateProblems = root.querySelector("[data-builder-problems]");
  const previewFields = root.querySelector("[data-builder-preview-fields]");
  const previewEmpty = root.querySelector("[data-builder-preview-empty]");
  const headingLevel = Number(root.dataset.headingLevel || 3) + 1;

  let fields = [];
  let cards = [];
  let edited = false; // by the lead, since the page loaded (a preset is then not loaded over it)
  let edits = 0; // changes so far: a check's answer is shown only if nothing changed since
  const keyTyped = new WeakSet(); // fields whose key the lead typed (or that came with one)
  const expanded = new WeakMap();
  let locked = new WeakSet();
  let previewForm = null;

  const announce = (text) => {
    announcer.textContent = "";
    announcer.textContent = text;
  };

  // --- The JSON textarea: written on every change, read when a power user edits it -----------
  jsonField.id ||= `${textarea.id}-field`;
  jsonToggle.setAttribute("aria-controls", jsonField.id);
  const jsonNote = document.createElement("p");
  jsonNote.className = "builder-json-note";
  jsonNote.setAttribute("role", "status");
  textarea.after(jsonNote);

  function jsonShown(shown) {
    jsonField.hidden = !shown;
    jsonToggle.setAttribute("aria-expanded", String(shown));
  }
  jsonToggle.addEventListener("click", () => {
    const shown = jsonField.hidden;
    jsonShown(shown);
    if (shown) textarea.focus();
  });

  function jsonWrite() {
    textarea.value = JSON.stringify(fields, null, 2);
  }

  /** Load a template (JSON text); false when it cannot be read (the builder then waits). */
  function jsonRead(text) {
    let parsed;
    try {
      parsed = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new TypeError(t("bJsonNotList"));
    } catch (error) {
      editor.disabled = true;
      jsonNote.textContent = t("bJsonInvalid", {message: error.message});
      checkStatus.textContent = t("bJsonWaiting");
      return false;
    }
    editor.disabled = false;
    jsonNote.textContent = "";
    load(parsed);
    return true;
  }
  textarea.addEventListener("input", () => {
    edited = true;
    if (jsonRead(textarea.value)) changed({write: false});
  });

  function load(parsed) {
    fields = parsed;
    locked = new WeakSet(fields.filter((field) => field && Object.hasOwn(config.locked, field.key)));
    for (const field of fields) {
      if (field && typeof field === "object") {
        keyTyped.add(field);
        if (!expanded.has(field)) expanded.set(field, fields.length <= 3);
      }
    }
    render();
    preview();
  }

  // --- Cards ---------------------------------------------------------------------------
  const host = {
    spec: config,
    headingLevel,
    datalistPrefix: root.dataset.datalists,
    announce,
    edited(field, what) {
      if (what === "key") keyTyped.add(field);
      changed();
    },
    keySuggested(field) {
      if (keyTyped.has(field)) return null;
      const label = translations(field.label);
      const base = keyFromLabel(label.en) || keyFromLabel(label.fr);
      if (!base) return null;
      return uniqueKey(base, fields.filter((other) => other !== field).map((other) => other?.key));
    },
    redraw(field, focus) {
      const index = fields.indexOf(field);
      const card = cardFor(field, index);
      cards[index].root.replaceWith(card.root);
      cards[index] = card;
      card.focus(focus);
    },
    act(field, action, button) {
      const index = fields.indexOf(field);
      const name = () => localized(field.label) || (typeof field.key === "string" ? field.key : "");
      if (action === "expanded" || action === "collapsed") {
        expanded.set(field, action === "expanded");
        return;
      }
      if (action === "up" || action === "down") {
        const moved = fieldMove(fields, index, action === "up" ? -1 : 1);
        render();
        cards[moved].focus(action);
        announce(t("bMoved", {field: name(), position: moved + 1, count: fields.length}));
      } else if (action === "duplicate") {
        const copy = fieldDuplicate(fields, index);
        keyTyped.add(fields[copy]);
        expanded.set(fields[copy], true);
        render();
        cards[copy].focus("label.fr");
        announce(t("bDuplicated", {field: name(), position: copy + 1}));
      } else if (action === "remove") {
        if (!window.confirm(t("bRemoveConfirm", {field: name() || index + 1}))) return button.focus();
        fields.splice(index, 1);
        render();
        if (cards.length) cards[Math.min(index, cards.length - 1)].focus("toggle");
        else addButton.focus();
        announce(t("bRemoved", {field: name()}));
      }
      changed();
    },
  };

  function cardFor(field, index) {
    return fieldCard(field, {index, count: fields.length, locked: locked.has(field), expanded: expanded.get(field) ?? true}, host);
  }

  function render() {
    cards = fields.map((field, index) => (field && typeof field === "object" && !Array.isArray(field) ? cardFor(field, index) : strayCard(field, index)));
    list.replaceChildren(...cards.map((card) => card.root));
    addButton.disabled = fields.length >= config.max_fields; // the server's limit (MAX_FIELDS)
  }

  /** An entry of the JSON that is no field object: said so, to be corrected in the JSON. */
  function strayCard(value, index) {
    const root = document.createElement("li");
    root.className = "bfield";
    const text = document.createElement("p");
    text.textContent = t("bStray", {n: index + 1, value: JSON.stringify(value)?.slice(0, 60) ?? String(value)});
    const errors = document.createElement("ul");
    errors.className = "errorlist";
    root.append(text, errors);
    return {
      root,
      showProblems: (problems) => errors.replaceChildren(...problems.map(({message}) => Object.assign(document.createElement("li"), {textContent: message}))),
      focus: () => jsonToggle.focus(),
    };
  }

  addButton.addEventListener("click", () => {
    const field = fieldNew(fields);
    fields.push(field);
    expanded.set(field, true);
    render();
    cards.at(-1).focus("label.fr");
    announce(t("bAdded", {position: fields.length}));
    changed();
  });

  // --- Preview: the transcription page's own form ------------------------------------------
  // In a form of its own, outside the page's: nothing typed there is ever sent.
  previewFields.closest("form").addEventListener("submit", (event) => event.preventDefault());
  let previewTimer = null;
  function preview() {
    clearTimeout(previewTimer);
    const typed = previewForm?.snapshot();
    const template = previewTemplate(fields);
    previewForm = buildForm(previewFields, template, {onChange: () => {}, dayFirst: config.day_first});
    if (typed) previewForm.fill(typed);
    previewEmpty.hidden = template.fields.length > 0;
  }

  // --- Checks on the server ----------------------------------------------------------------
  let checkTimer = null;
  let checking = false;

  function changed({write = true} = {}) {
    edited = true;
    edits += 1;
    if (write) jsonWrite();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 120);
    checkSoon();
  }

  function checkSoon(delay = CHECK_AFTER_MS) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, delay);
  }

  async function check() {
    if (checking || editor.disabled) return;
    checking = true;
    const asked = edits;
    checkStatus.textContent = t("bChecking");
    delete checkStatus.dataset.tone;
    try {
      const {data} = await api(config.validate_url, {method: "POST", body: {fields}});
      if (asked === edits) problemsShow(data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        checkStatus.textContent = t("bCheckThrottled", {seconds: RETRY_THROTTLED_MS / 1000});
        checkSoon(RETRY_THROTTLED_MS);
      } else {
        checkStatus.textContent = t("bCheckFailed", {message: error.message});
      }
    } finally {
      checking = false;
      if (asked !== edits) checkSoon();
    }
  }

  function problemsShow({valid, count, problems}) {
    const byField = cards.map(() => []);
    const general = [];
    for (const problem of problems) {
      const {field, at} = problemPlace(problem);
      if (field !== null && byField[field]) byField[field].push({at, message: problem.message});
      else general.push(problem.message);
    }
    cards.forEach((card, index) => card.showProblems(byField[index]));
    templateProblems.replaceChildren(...general.map((message) => Object.assign(document.createElement("li"), {textContent: message})));
    templateProblems.hidden = !general.length;
    checkStatus.textContent = valid ? t("bValid") : plural("bProblems", count);
    checkStatus.dataset.tone = valid ? "success" : "warning";
  }

  // --- Start: the textarea's template, else the chosen preset's ----------------------------
  const presets = [...document.querySelectorAll(`input[type=radio][name="${root.dataset.presetInput}"]`)];
  const presetChosen = () => presets.find((radio) => radio.checked);
  function presetLoad(radio) {
    if (!radio || !config.presets[radio.value]) return;
    load(JSON.parse(JSON.stringify(config.presets[radio.value])));
    jsonWrite();
    edits += 1;
    checkSoon(0);
  }
  for (const radio of presets) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      const label = radio.closest("label")?.textContent.trim() || radio.value;
      if (edited && !window.confirm(t("bPresetReplace", {preset: label}))) return;
      presetLoad(radio);
      edited = false;
    });
  }

  root.hidden = false;
  const broken = jsonField.classList.contains("has-error");
  if (textarea.value.trim()) {
    edited = true; // the lead's own (a form sent back with its errors), or the project's
    const read = jsonRead(textarea.value);
    jsonShown(broken || !read);
    if (read) checkSoon(0);
  } else {
    jsonShown(broken);
    presetLoad(presetChosen());
  }
}
