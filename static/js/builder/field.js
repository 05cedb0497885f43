// One field of the template builder: a card with its title (a disclosure button), its actions
// (move up or down, duplicate, remove) and, for every property the template spec has, a
// labelled control; the server's messages show beside the control they concern.
//
// A field volunteers have already answered ("locked") keeps its key and type and cannot be
// removed; the card says why, and the server refuses it anyway.

import {localized, t} from "../lib/messages.js";
import {checkbox, control, el, errorList, numberInput, selectInput, textArea, textInput, uid} from "./dom.js";
import {
  controlFor,
  mappingOf,
  mappingSet,
  numberRead,
  optionalSet,
  translationSet,
  translations,
  typeChange,
  validationSet,
} from "./model.js";
import {vocabularyEditor} from "./vocabulary.js";

const pluralRules = new Intl.PluralRules(document.documentElement.lang || "en");
export const plural = (prefix, count) => t(`${prefix}${pluralRules.select(count) === "one" ? "One" : "Other"}`, {count});

/**
 * The card of `field`, number `index` of `count`. `host` is the builder:
 * {spec, headingLevel, datalistPrefix, edited(field, what), act(field, action, button),
 * redraw(field, focus), announce(text), keySuggested(field)}; `what` is "key" when the key was
 * typed, else "value"; `keySuggested` gives the key a label suggests while the lead has not
 * typed one (null otherwise).
 */
export function fieldCard(field, {index, count, locked = false, expanded = true}, host) {
  const {spec} = host;
  const id = uid();
  const root = el("li", {class: `bfield${locked ? " locked" : ""}`, "data-path": "", "data-builder-field": String(index)});
  // Short in the head (the card may be closed), in full at the top of its body.
  const lockedBadge = locked ? el("span", {class: "bfield-locked-badge", id: `${id}-locked-short`}, t("bLockedShort")) : null;
  const note = locked ? el("p", {class: "bfield-locked", id: `${id}-locked`}, t("bLocked")) : null;

  // --- Head: title (shows or hides the body), problems, actions -----------------------------
  const toggle = el("button", {type: "button", class: "bfield-toggle", "aria-expanded": String(expanded), "aria-controls": `${id}-body`, "data-control": "toggle"});
  const badge = el("span", {class: "bfield-count", hidden: true});
  const title = () => {
    const label = localized(field.label) || t("bUnnamed");
    const type = spec.types.includes(field.type) ? t(`bType_${field.type}`) : String(field.type ?? "?");
    toggle.replaceChildren(el("span", {class: "bfield-number"}, `${index + 1}.`), " ", el("span", {class: "bfield-label"}, label), " ", el("span", {class: "bfield-meta"}, `${type} · ${typeof field.key === "string" ? field.key : "?"}`));
  };
  title();
  const heading = el(`h${Math.min(6, host.headingLevel)}`, {class: "bfield-heading"}, toggle);
  const actions = el("div", {class: "bfield-actions", role: "group", "aria-label": t("bFieldActions", {n: index + 1})});
  const action = (name, key, {disabled = false, soft = false} = {}) => {
    const button = el("button", {type: "button", class: "secondary small", "data-action": name}, t(key));
    if (disabled) button.disabled = true;
    if (soft) {
      // Focusable still, so that its reason is read; clicking does nothing.
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-describedby", `${lockedBadge.id} ${note.id}`);
    }
    button.addEventListener("click", () => {
      if (button.getAttribute("aria-disabled") !== "true") host.act(field, name, button);
    });
    actions.append(button);
  };
  action("up", "bMoveUp", {disabled: index === 0});
  action("down", "bMoveDown", {disabled: index === count - 1});
  action("duplicate", "bDuplicate", {disabled: count >= spec.max_fields});
  action("remove", "bRemove", {soft: locked});
  const errors = errorList(`${id}-errors`);
  root.append(el("div", {class: "bfield-head"}, heading, lockedBadge || "", badge, actions), errors);

  // --- Body ------------------------------------------------------------------------------
  const body = el("div", {class: "bfield-body", id: `${id}-body`, hidden: !expanded});
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
    host.act(field, open ? "expanded" : "collapsed", toggle);
  });
  const edited = (what = "value") => {
    title();
    host.edited(field, what);
  };
  const on = (input, read, event = "input") => {
    input.addEventListener(event, () => {
      read(input);
      edited();
    });
    return input;
  };

  const key = textInput(typeof field.key === "string" ? field.key : "", {spellcheck: "false", "aria-required": "true", maxlength: 64});
  const label = translations(field.label);
  const labels = el("div", {class: "bgrid"});
  for (const language of ["fr", "en"]) {
    const input = on(textInput(label[language], {"aria-required": "true"}), (node) => {
      translationSet(field, "label", language, node.value, {keepEmpty: true});
      // A new field's key follows its label until the lead types one.
      const suggested = host.keySuggested(field);
      if (suggested) key.value = field.key = suggested;
    });
    labels.append(control(`label.${language}`, `${id}-label-${language}`, t(language === "fr" ? "bLabelFr" : "bLabelEn"), input));
  }

  key.addEventListener("input", () => {
    field.key = key.value;
    edited("key");
  });
  const keyControl = control("key", `${id}-key`, t("bKey"), key, {help: t("bKeyHelp")});
  const typeSelect = selectInput(
    spec.types.map((type) => [type, t(`bType_${type}`)]),
    field.type,
  );
  if (!spec.types.includes(field.type)) typeSelect.prepend(el("option", {value: String(field.type ?? ""), selected: true}, String(field.type ?? "")));
  typeSelect.addEventListener("change", () => {
    typeChange(field, typeSelect.value, spec.validation);
    edited();
    host.redraw(field, "type");
  });
  const typeControl = control("type", `${id}-type`, t("bType"), typeSelect);
  if (locked) {
    key.readOnly = true;
    typeSelect.disabled = true;
    for (const input of [key, typeSelect]) input.setAttribute("aria-describedby", `${note.id} ${input.getAttribute("aria-describedby")}`);
  }
  const required = on(checkbox(field.required === true), (node) => optionalSet(field, "required", node.checked), "change");

  const help = translations(field.help);
  const helps = el("div", {class: "bgrid"});
  for (const language of ["fr", "en"]) {
    const area = on(textArea(help[language]), (node) => translationSet(field, "help", language, node.value));
    helps.append(control(`help.${language}`, `${id}-help-${language}`, t(language === "fr" ? "bHelpFr" : "bHelpEn"), area));
  }

  if (note) body.append(note);
  body.append(labels, el("div", {class: "bgrid"}, keyControl, typeControl), control("required", `${id}-required`, t("bRequired"), required), helps);
  const rules = rulesFor(field, id, on, spec);
  if (rules) body.append(rules);
  if (field.type === "select") {
    body.append(vocabularyEditor(field, {id, changed: () => edited(), announce: host.announce}));
  }
  body.append(mappingFor(field, id, on, host), moreFor(field, id, on));
  root.append(body);

  return {
    root,
    field,

    /** Show the server's messages about this field: [{at, message}] (at: its path inside). */
    showProblems(problems) {
      const holders = new Map([...root.querySelectorAll("[data-path]")].map((node) => [node.dataset.path, node]));
      for (const node of root.querySelectorAll(".errorlist")) {
        node.replaceChildren();
        node.hidden = true;
      }
      for (const node of root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
      for (const {at, message} of problems) {
        const path = controlFor(at, [...holders.keys()]);
        const holder = holders.get(path);
        const inputs = [...holder.querySelectorAll("[data-input]")];
        const inputPath = controlFor(at, inputs.map((input) => input.dataset.input));
        const input = inputs.find((node) => node.dataset.input === inputPath);
        if (input) input.setAttribute("aria-invalid", "true");
        // Said with its path when it lands on something wider than what it names.
        const exact = at === path || at === inputPath || !at;
        const list = holder.querySelector(":scope > .errorlist");
        list.append(el("li", {}, exact ? message : `${at}: ${message}`));
        list.hidden = false;
      }
      badge.hidden = !problems.length;
      badge.textContent = problems.length ? plural("bFieldProblems", problems.length) : "";
    },

    /** Focus a control: "toggle", an action ("up", "remove"…), or an input's path. */
    focus(name) {
      let target =
        root.querySelector(`[data-action="${name}"]:not(:disabled)`) ||
        root.querySelector(`[data-control="${name}"]`) ||
        root.querySelector(`[data-input="${name}"]`);
      if (!target && (name === "up" || name === "down")) {
        // Moved to an end: its button there is disabled, the other one is not.
        target = root.querySelector('[data-action="up"]:not(:disabled), [data-action="down"]:not(:disabled)');
      }
      if (!target || target.closest("[hidden]")) target = toggle;
      target.focus();
    },
  };
}

/** The rules answers must follow, by type (worker/template: VALIDATION_PROPERTIES). */
function rulesFor(field, id, on, spec) {
  const rules = field.validation && typeof field.validation === "object" ? field.validation : {};
  const box = el("fieldset", {class: "brules", "data-path": "validation"}, el("legend", {}, t("bRules")), errorList(`${id}-validation-errors`));
  const number = (name, labelKey, attributes = {}, help = "") =>
    control(`validation.${name}`, `${id}-v-${name}`, t(labelKey), on(numberInput(rules[name], attributes), (node) => validationSet(field, name, numberRead(node.value))), {help});
  const flag = (name, labelKey) =>
    control(`validation.${name}`, `${id}-v-${name}`, t(labelKey), on(checkbox(rules[name] === true), (node) => validationSet(field, name, node.checked), "change"));
  const grid = el("div", {class: "bgrid"});
  if (field.type === "text") {
    grid.append(
      number("max_length", "bMaxLength", {min: 1, step: 1}),
      control(
        "validation.pattern",
        `${id}-v-pattern`,
        t("bPattern"),
        on(textInput(rules.pattern, {spellcheck: "false", class: "code"}), (node) => validationSet(field, "pattern", node.value)),
        {help: t("bPatternHelp")},
      ),
    );
    box.append(grid);
  } else if (field.type === "number") {
    const unit = selectInput([["", t("bUnitNone")], ...spec.units.map((name) => [name, name])], typeof field.unit === "string" ? field.unit : "");
    grid.append(number("min", "bMin", {step: "any"}), number("max", "bMax", {step: "any"}), control("unit", `${id}-unit`, t("bUnit"), on(unit, (node) => optionalSet(field, "unit", node.value), "change"), {help: t("bUnitHelp")}));
    box.append(grid, flag("integer", "bInteger"));
  } else if (field.type === "date") {
    grid.append(number("min_year", "bMinYear", {step: 1}), number("max_year", "bMaxYear", {step: 1}));
    box.append(grid);
  } else if (field.type === "select") {
    box.append(flag("allow_other", "bAllowOther"));
  } else {
    return null;
  }
  return box;
}

/** The export mapping: a Darwin Core term (two for a geopoint) or a CSL variable, with the
 * vocabulary's terms suggested (the builder's datalists). */
function mappingFor(field, id, on, host) {
  const [standard, term] = mappingOf(field);
  const box = el("fieldset", {class: "bmapping", "data-path": "mapping"}, el("legend", {}, t("bMapping")), errorList(`${id}-mapping-errors`));
  const choices = [["", t("bMappingNone")], ["dwc", t("bMappingDwc")], ["csl", t("bMappingCsl")]];
  if (standard && !["dwc", "csl"].includes(standard)) choices.push([standard, standard]);
  const which = selectInput(choices, standard);
  which.id = `${id}-mapping`;
  which.dataset.input = "mapping";
  which.setAttribute("aria-describedby", `${id}-mapping-errors`);
  which.addEventListener("change", () => {
    const pair = field.type === "geopoint" && which.value === "dwc";
    mappingSet(field, which.value, pair ? ["decimalLatitude", "decimalLongitude"] : "");
    host.edited(field, "value");
    host.redraw(field, "mapping");
  });
  const grid = el("div", {class: "bgrid"}, el("div", {class: "bcontrol"}, el("label", {for: which.id}, t("bMappingStandard")), which));
  const list = standard ? `${host.datalistPrefix}-${standard}` : null;
  if (standard === "dwc" && field.type === "geopoint") {
    const pair = Array.isArray(term) ? term : ["", ""];
    ["bTermLat", "bTermLon"].forEach((labelKey, n) => {
      const input = on(textInput(typeof pair[n] === "string" ? pair[n] : "", {list, spellcheck: "false"}), (node) => {
        const now = Array.isArray(field.mapping.dwc) ? [...field.mapping.dwc] : ["", ""];
        now[n] = node.value.trim();
        field.mapping.dwc = now;
      });
      grid.append(control("mapping.dwc", `${id}-term-${n}`, t(labelKey), input));
    });
  } else if (standard) {
    const input = on(textInput(typeof term === "string" ? term : JSON.stringify(term), {list, spellcheck: "false"}), (node) => {
      field.mapping[standard] = node.value.trim();
    });
    grid.append(control(`mapping.${standard}`, `${id}-term`, t(standard === "csl" ? "bTermCsl" : "bTermDwc"), input, {help: t("bTermHelp")}));
  }
  box.append(grid);
  return box;
}

/** Who may answer the field, and how much it weighs in the review queue. */
function moreFor(field, id, on) {
  const grid = el("div", {class: "bgrid"});
  grid.append(
    control("level", `${id}-level`, t("bLevel"), on(numberInput(field.level, {min: 1, max: 10, step: 1, placeholder: "1"}), (node) => optionalSet(field, "level", numberRead(node.value))), {help: t("bLevelHelp")}),
    control("weight", `${id}-weight`, t("bWeight"), on(numberInput(field.weight, {min: 0.1, max: 10, step: "any", placeholder: "1"}), (node) => optionalSet(field, "weight", numberRead(node.value))), {help: t("bWeightHelp")}),
  );
  if (field.type === "geopoint") {
    // Asked in the georeference step, once the label is settled (worker/template/steps.py).
    const georeference = on(checkbox(field.georeference === true), (node) => optionalSet(field, "georeference", node.checked), "change");
    grid.append(control("georeference", `${id}-georeference`, t("bGeoreference"), georeference, {help: t("bGeoreferenceHelp"), wide: true}));
  }
  return grid;
}
