// The transcription form, built from the project's template: per field a label in the page
// language, its help text, what we understood of the answer, the two markers ("illegible",
// "not on the image") and its errors, all tied to the input with aria-describedby.

import {localized, t} from "../lib/messages.js";
import {pointMap} from "./map.js";
import {fold, formatPoint, markerOf, optionFor, parseDate, parsePoint, parseQuantity} from "./parse.js";

export const MARKERS = ["illegible", "absent"];
const MAX_LENGTH = 2000; // the server's limit (tasks.template_spec.MAX_VALUE_LENGTH)

function el(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  if (text) node.textContent = text;
  return node;
}

const TYPED = new Set(["number", "date", "geopoint"]);

/**
 * What `text` means for a field: `{shown, value?}` when understood (value: what to submit, for
 * a select the option it maps to), `{problem}` when it cannot be read, `{}` for free text.
 * `dayFirst`: the project reads 12/06/1898 as 12 June.
 */
export function interpret(spec, text, {dayFirst = true} = {}) {
  const typed = text.trim();
  if (!typed) return {};
  // "?", "illisible", "s.n." in a typed field: the server and the engine take them as markers.
  const marker = TYPED.has(spec.type) && markerOf(typed);
  if (marker) return {shown: t(marker)};
  if (spec.type === "number") {
    // A field with a unit converts answers in other units; the typed text is what is sent.
    const unit = spec.unit || "";
    const number = parseQuantity(typed, unit);
    if (number === null) return {problem: unit ? t("errQuantity", {unit}) : t("errNumber")};
    if (!unit) return {shown: number.value};
    const value = `${number.value} ${unit}`;
    if (number.typed === null || number.typed === unit) return {shown: value};
    // What was typed, in the field's unit: "1200 ft → 366 m".
    return {shown: t("converted", {typed: typed, value})};
  }
  if (spec.type === "date") {
    const date = parseDate(typed, dayFirst);
    return date === null ? {problem: t("errDate")} : {shown: date};
  }
  if (spec.type === "geopoint") {
    const point = parsePoint(typed);
    if (point === null) return {problem: t("errGeopoint")};
    const [lat, lon] = formatPoint(point).split(", ");
    return {shown: t("point", {lat, lon})};
  }
  if (spec.type === "select") {
    const option = optionFor(spec.options, typed);
    if (option) {
      const label = localized(option.label);
      const shown = label && fold(label) !== fold(option.value) ? `${label} (${option.value})` : option.value;
      return {shown, value: option.value};
    }
    return spec.validation?.allow_other ? {} : {problem: t("errOption", {value: typed})};
  }
  return {};
}

// Provenance of a point (tasks/georeference.py): typed from the label until the map or the
// gazetteer made it; a point found by name stays "gazetteer" when the marker is then moved.
const SOURCES = ["label", "map", "gazetteer"];
const typedPoint = () => ({source: "label", uncertainty_m: null, place: null});

function buildField(spec, guide, map) {
  const id = `field-${spec.key}`; // template keys are [A-Za-z][A-Za-z0-9_]*: safe in ids
  const name = localized(spec.label) || spec.key;
  const root = el("div", {class: "tfield", "data-key": spec.key, "data-type": spec.type});
  const label = el("label", {for: id}, name);
  if (spec.required) label.append(" ", el("span", {class: "required-mark", "aria-hidden": "true"}, "*"));
  if (guide?.has(spec.key)) {
    // Out of the Tab order, so Tab still goes from field to field: Alt+G opens the same entry
    // from the field itself. Screen readers list it as a button of its own.
    const open = el("button", {type: "button", class: "guide-open", tabindex: "-1", "data-guide-for": spec.key, "aria-label": t("guideFor", {field: name})}, "?");
    open.addEventListener("click", () => guide.open(spec.key, root.querySelector("input[type=text]")));
    const head = el("div", {class: "tfield-head"});
    head.append(label, open);
    root.append(head);
  } else {
    root.append(label);
  }
  const help = localized(spec.help);
  const describedBy = [help && `${id}-help`, `${id}-understood`, `${id}-errors`].filter(Boolean);
  const input = el("input", {
    id,
    name: spec.key,
    type: "text",
    autocomplete: "off",
    spellcheck: "false", // transcribe as written: no red underlines on Latin names
    maxlength: spec.validation?.max_length || MAX_LENGTH,
    "aria-required": spec.required ? "true" : null,
    "aria-describedby": describedBy.join(" "),
    list: spec.type === "select" ? `${id}-options` : null,
  });
  let pointMapOf = null;
  if (spec.type === "geopoint" && map) {
    pointMapOf = pointMap({id, name, ...map});
    const line = el("div", {class: "tfield-line"});
    line.append(input, pointMapOf.button);
    root.append(line);
  } else {
    root.append(input);
  }
  if (spec.type === "select") {
    const list = el("datalist", {id: `${id}-options`});
    for (const option of spec.options) {
      // The synonyms ride in the label, so typing "Spain" also finds "Espagne".
      const others = [localized(option.label), ...(option.synonyms || [])].filter((x) => x && x !== option.value);
      list.append(el("option", {value: option.value, label: others.join(" · ") || null}));
    }
    root.append(list);
  }
  if (help) root.append(el("p", {class: "help", id: `${id}-help`}, help));
  const understood = el("p", {class: "understood", id: `${id}-understood`, "data-understood": true});
  const markerGroup = el("div", {class: "markers", role: "group", "aria-label": t("markersFor", {field: name})});
  const markers = {};
  for (const marker of MARKERS) {
    const box = el("input", {type: "checkbox", id: `${id}-${marker}`, "data-marker": marker});
    const wrap = el("span", {class: "marker"});
    wrap.append(box, el("label", {for: box.id}, t(marker)));
    markerGroup.append(wrap);
    markers[marker] = box;
  }
  const errors = el("ul", {class: "errorlist", id: `${id}-errors`, hidden: true});
  root.append(understood, markerGroup, errors);
  if (pointMapOf) root.append(pointMapOf.panel);
  const geo = spec.type === "geopoint" ? typedPoint() : null;
  return {spec, root, input, understood, markers, errors, stash: "", map: pointMapOf, geo};
}

/**
 * `guide`: {has(key), open(key, opener)} when the project has a field guide (a "?" by each
 * field that has an entry); `locked`: keys of fields the contributor may not answer yet (left
 * out of the form, so nothing is sent for them).
 */
export function buildForm(container, template, {onChange, onValid = () => {}, dayFirst = true, guide = null, locked = [], map = null, metadataPlace = () => ({})}) {
  // The map beside geopoint fields (`map`: its configuration), opening on the record's
  // region or country: the image's metadata, else what the volunteer typed in those fields.
  let fields = [];
  const typedIn = (test) => {
    const found = fields.find((f) => test(f.spec) && !f.input.disabled && f.input.value.trim());
    return found ? found.input.value.trim() : "";
  };
  const mapped = (spec, terms, keys) => terms.includes(spec.mapping?.dwc) || keys.includes(spec.key);
  const where = () => {
    const known = metadataPlace() || {};
    return {
      country: known.country || typedIn((spec) => mapped(spec, ["country", "countryCode"], ["country"])),
      region: known.region || typedIn((spec) => mapped(spec, ["stateProvince"], ["stateProvince", "region", "state", "province"])),
    };
  };
  const mapHandlers = (field) => ({
    onPlace(text, {source, place}) {
      const kept = field.geo.source === "gazetteer" && source === "map";
      field.geo.source = kept ? "gazetteer" : source;
      field.geo.place = kept ? field.geo.place : place;
      field.input.value = text;
      clearErrors(field);
      refresh(field);
      onChange(snapshot());
    },
    onRadius(metres) {
      field.geo.uncertainty_m = metres;
      onChange(snapshot());
    },
  });
  fields = (template.fields || [])
    .filter((raw) => !locked.includes(raw.key))
    .map((raw) => {
      const spec = {...raw, options: (raw.vocabulary || []).map((o) => (typeof o === "string" ? {value: o} : o))};
      // The map's callbacks reach the field once it is built.
      const handlers = {};
      const withMap = map && spec.type === "geopoint"
        ? {config: map, where, onPlace: (...a) => handlers.onPlace(...a), onRadius: (...a) => handlers.onRadius(...a)}
        : null;
      const field = buildField(spec, guide, withMap);
      Object.assign(handlers, mapHandlers(field));
      return field;
    });
  container.replaceChildren(...fields.map((field) => field.root));

  const checkedMarker = (field) => MARKERS.find((marker) => field.markers[marker].checked) || "";

  function refresh(field) {
    const meaning = checkedMarker(field) ? {} : interpret(field.spec, field.input.value, {dayFirst});
    field.understood.textContent = meaning.shown ? t("understood", {value: meaning.shown}) : meaning.problem ? t("notUnderstood") : "";
    field.understood.classList.toggle("unsure", Boolean(meaning.problem));
  }

  function clearErrors(field) {
    const had = !field.errors.hidden;
    field.errors.replaceChildren();
    field.errors.hidden = true;
    field.input.removeAttribute("aria-invalid");
    // The page's "Some values are not valid." names no field: it goes once none is left.
    if (had && fields.every((other) => other.errors.hidden)) onValid();
  }

  function setMarker(field, marker, on) {
    for (const other of MARKERS) field.markers[other].checked = on && other === marker;
    // A marker stands for the value: the input is emptied (and kept aside, in case the
    // contributor changes their mind) so that a value and a marker are never both sent.
    if (on && !field.input.disabled) {
      field.stash = field.input.value;
      field.input.value = "";
    } else if (!on && field.input.disabled) {
      field.input.value = field.stash;
      field.stash = "";
    }
    field.input.disabled = on;
    field.map?.follow(field.input.disabled ? "" : field.input.value);
    clearErrors(field);
    refresh(field);
  }

  // The fields words of the machine reading were inserted into (provenance), and the field
  // the volunteer was last in: where a picked word goes.
  const machine = new Set();
  let lastField = null;
  const machineFields = () =>
    fields.filter((f) => machine.has(f.spec.key) && !f.input.disabled && f.input.value.trim()).map((f) => f.spec.key);

  // How each point with a value was made (provenance), as the server takes it.
  const georeference = () =>
    Object.fromEntries(
      fields
        .filter((f) => f.geo && !f.input.disabled && f.input.value.trim())
        .map((f) => [f.spec.key, {...f.geo}]),
    );

  const snapshot = () => ({
    values: Object.fromEntries(fields.map((f) => [f.spec.key, f.input.disabled ? "" : f.input.value])),
    markers: Object.fromEntries(fields.filter(checkedMarker).map((f) => [f.spec.key, checkedMarker(f)])),
    machine: machineFields(),
    georeference: georeference(),
  });

  // Keep the whole block in view (help, what we understood, errors), not just the input:
  // the sticky action bar would otherwise cover what is below it.
  const reveal = (field) => field.root.scrollIntoView({block: "nearest"});
  for (const field of fields) {
    field.root.addEventListener("focusin", () => reveal(field));
    field.input.addEventListener("focus", () => {
      lastField = field;
    });
    field.input.addEventListener("input", () => {
      if (field.geo) {
        // Typed (or pasted) into the field: read from the label, whatever made it before.
        Object.assign(field.geo, {source: "label", place: null});
        field.map?.follow(field.input.value);
      }
      clearErrors(field);
      refresh(field);
      reveal(field);
      onChange(snapshot());
    });
    for (const marker of MARKERS) {
      field.markers[marker].addEventListener("change", () => {
        setMarker(field, marker, field.markers[marker].checked);
        onChange(snapshot());
      });
    }
  }

  const focusTarget = (field) => (field.input.disabled ? field.markers[checkedMarker(field)] : field.input);
  const current = () => fields.find((field) => field.root.contains(document.activeElement));

  return {
    snapshot,

    /** The key of the field that has focus, if any. */
    currentKey: () => current()?.spec.key ?? null,

    /** Insert a word of the machine reading where the caret was in the field the volunteer
     * was last in, a space apart from its neighbours; the field's label, or null when there
     * is no field to put it in (none chosen yet, or marked illegible / not on the image).
     * The focus goes back to the field unless `keepFocus` (a keyboard user walking words). */
    insertWord(word, {keepFocus = false} = {}) {
      const field = lastField;
      if (!field || field.input.disabled || !fields.includes(field)) return null;
      const {input} = field;
      const start = input.selectionStart ?? input.value.length;
      const end = input.selectionEnd ?? start;
      const before = input.value.slice(0, start);
      const after = input.value.slice(end);
      const left = before && !/\s$/.test(before) ? " " : "";
      const right = after && !/^\s/.test(after) ? " " : "";
      input.value = `${before}${left}${word}${right}${after}`;
      const caret = before.length + left.length + word.length;
      input.setSelectionRange?.(caret, caret);
      machine.add(field.spec.key);
      input.dispatchEvent(new Event("input", {bubbles: true}));
      if (!keepFocus) input.focus();
      return localized(field.spec.label) || field.spec.key;
    },

    /** The fields that took machine words and still hold a value (provenance). */
    machineFields,

    /** How each point with a value was made: {key: {source, uncertainty_m, place}}. */
    georeference,

    /** The payload to submit and the problems found before sending: {values, markers, problems}
     * (what the points came from is `georeference()`). */
    read() {
      const values = {};
      const markers = {};
      const problems = {};
      for (const field of fields) {
        const {key, required} = field.spec;
        const marker = checkedMarker(field);
        if (marker) {
          markers[key] = marker;
          continue;
        }
        const text = field.input.value;
        const meaning = interpret(field.spec, text, {dayFirst});
        const max = Number(field.input.getAttribute("maxlength"));
        if (!text.trim() && required) problems[key] = [t("errRequired")];
        else if (meaning.problem) problems[key] = [meaning.problem];
        else if (text.length > max) problems[key] = [t("errTooLong", {max, count: text.length})];
        values[key] = meaning.value ?? text.trim();
      }
      return {values, markers, problems};
    },

    /** Put a draft back: values as typed, markers, the fields that took machine words and
     * how each point was made. */
    fill({values = {}, markers = {}, machine: taken = [], georeference: points = {}}) {
      for (const key of Array.isArray(taken) ? taken : []) machine.add(key);
      for (const field of fields) {
        field.input.value = typeof values[field.spec.key] === "string" ? values[field.spec.key] : "";
        if (field.geo) {
          const kept = points && typeof points === "object" ? points[field.spec.key] : null;
          Object.assign(field.geo, typedPoint());
          if (kept && SOURCES.includes(kept.source)) {
            field.geo.source = kept.source;
            field.geo.uncertainty_m = Number.isInteger(kept.uncertainty_m) ? kept.uncertainty_m : null;
            field.geo.place = kept.source === "gazetteer" && kept.place ? kept.place : null;
          }
          field.map?.setRadius(field.geo.uncertainty_m);
        }
        const marker = MARKERS.includes(markers[field.spec.key]) ? markers[field.spec.key] : "";
        setMarker(field, marker, Boolean(marker));
      }
    },

    /** Show messages by field key; returns the messages that belong to no field. */
    showErrors(byKey) {
      const unplaced = [];
      for (const [key, messages] of Object.entries(byKey)) {
        const field = fields.find((f) => f.spec.key === key);
        if (!field) {
          unplaced.push(...messages);
          continue;
        }
        field.errors.replaceChildren(...messages.map((message) => el("li", {}, message)));
        field.errors.hidden = false;
        field.input.setAttribute("aria-invalid", "true");
      }
      const first = fields.find((field) => !field.errors.hidden);
      if (first) focusTarget(first).focus();
      return unplaced;
    },

    /** Move focus by `delta` fields (wrapping), from the field that has it. */
    move(delta) {
      if (!fields.length) return;
      const index = fields.indexOf(current());
      const start = index === -1 ? (delta > 0 ? -1 : 0) : index;
      focusTarget(fields[(start + delta + fields.length) % fields.length]).focus();
    },

    focusFirst() {
      const empty = fields.find((field) => !field.input.disabled && !field.input.value.trim());
      if (empty || fields[0]) focusTarget(empty || fields[0]).focus();
    },

    /** Toggle a marker on the field that has focus; false when no field has it. */
    toggleMarker(marker) {
      const field = current();
      if (!field) return false;
      setMarker(field, marker, !field.markers[marker].checked);
      focusTarget(field).focus();
      onChange(snapshot());
      return true;
    },
  };
}
