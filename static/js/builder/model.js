// The template builder's model: a template is the JSON the server stores (an ordered list of
// field objects, see worker/template/), edited in place. Nothing here touches the page, so that
// Node's test runner checks it (tests/builder/model.test.mjs).
//
// Properties the builder has no control for are kept as they are: the server's checks name
// them, and the JSON view edits them.

export const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const LANGUAGES = ["fr", "en"];

const plain = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** Accents and case do not count (as the server's `fold`). */
export function fold(text) {
  return String(text).trim().toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

/** `base`, or `base_2`, `base_3`… : the first that no key in `taken` has (case ignored). */
export function uniqueKey(base, taken) {
  const used = new Set([...taken].filter((key) => typeof key === "string").map((key) => key.toLowerCase()));
  const stem = base.slice(0, 60);
  if (!used.has(stem.toLowerCase())) return stem;
  for (let n = 2; ; n += 1) {
    if (!used.has(`${stem}_${n}`.toLowerCase())) return `${stem}_${n}`;
  }
}

/** A key from a label, in the presets' style: "Collection date" -> "collectionDate". */
export function keyFromLabel(label) {
  const words = fold(label)
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  const key = words.map((word, i) => (i ? word[0].toUpperCase() + word.slice(1) : word)).join("");
  return /^[a-z]/.test(key) ? key.slice(0, 64) : "";
}

const keysOf = (fields) => fields.map((field) => (plain(field) ? field.key : null));

/** A new text field with a key no other field has. */
export function fieldNew(fields) {
  return {key: uniqueKey(`field${fields.length + 1}`, keysOf(fields)), type: "text", label: {fr: "", en: ""}};
}

/** A copy of field `index` (deep), under a new key, right after it. */
export function fieldDuplicate(fields, index) {
  const copy = JSON.parse(JSON.stringify(fields[index]));
  if (plain(copy)) {
    const base = typeof copy.key === "string" && KEY_PATTERN.test(copy.key) ? `${copy.key.slice(0, 58)}_copy` : "field";
    copy.key = uniqueKey(base, keysOf(fields));
  }
  fields.splice(index + 1, 0, copy);
  return index + 1;
}

/** Move field `index` by `delta` places; its new index (unchanged at either end). */
export function fieldMove(fields, index, delta) {
  const target = index + delta;
  if (target < 0 || target >= fields.length) return index;
  const [field] = fields.splice(index, 1);
  fields.splice(target, 0, field);
  return target;
}

/** Change a field's type, dropping what the new type cannot have (the server refuses it). */
export function typeChange(field, type, validationByType) {
  const before = field.type;
  field.type = type;
  if (type === "select") {
    if (!Array.isArray(field.vocabulary)) field.vocabulary = [];
  } else {
    delete field.vocabulary;
  }
  if (type !== "number") delete field.unit;
  if (type !== "geopoint") delete field.georeference; // a point placed on a map
  if (plain(field.validation)) {
    const allowed = new Set(validationByType[type] || []);
    for (const name of Object.keys(field.validation)) if (!allowed.has(name)) delete field.validation[name];
    if (!Object.keys(field.validation).length) delete field.validation;
  }
  if (plain(field.mapping) && "dwc" in field.mapping && (type === "geopoint") !== (before === "geopoint")) {
    // A geopoint maps to two Darwin Core terms, every other type to one.
    if (type === "geopoint") field.mapping.dwc = ["decimalLatitude", "decimalLongitude"];
    else delete field.mapping.dwc;
    if (!Object.keys(field.mapping).length) delete field.mapping;
  }
}

/** A text per language ({fr, en}), whatever the JSON held (a plain string is for both). */
export function translations(value) {
  if (typeof value === "string") return {fr: value, en: value};
  if (!plain(value)) return {fr: "", en: ""};
  return Object.fromEntries(LANGUAGES.map((language) => [language, typeof value[language] === "string" ? value[language] : ""]));
}

/** Set one language of `owner[name]` (a label, a help text); `keepEmpty`: a label stays even
 * when both are empty (the server then says it is missing), help goes. */
export function translationSet(owner, name, language, text, {keepEmpty = false} = {}) {
  const value = plain(owner[name]) ? owner[name] : translations(owner[name]);
  value[language] = text;
  owner[name] = value;
  if (!keepEmpty && LANGUAGES.every((lang) => !value[lang])) delete owner[name];
}

/** Set or (for "", null, undefined, false) remove `owner[name]`. */
export function optionalSet(owner, name, value) {
  if (value === "" || value === null || value === undefined || value === false || Number.isNaN(value)) delete owner[name];
  else owner[name] = value;
}

/** Set one validation rule; the `validation` object goes once empty. */
export function validationSet(field, name, value) {
  const rules = plain(field.validation) ? field.validation : {};
  optionalSet(rules, name, value);
  if (Object.keys(rules).length) field.validation = rules;
  else delete field.validation;
}

/** The number typed in an input, or "" when there is none (or it cannot be read). */
export function numberRead(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return "";
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : "";
}

/** The export mapping: ["", ""] without one; [standard, term or [lat, lon]] otherwise. */
export function mappingOf(field) {
  if (!plain(field.mapping)) return ["", ""];
  const [standard] = Object.keys(field.mapping);
  return standard ? [standard, field.mapping[standard]] : ["", ""];
}

export function mappingSet(field, standard, term) {
  if (!standard) delete field.mapping;
  else field.mapping = {[standard]: term};
}

/** Options are strings or objects; the builder edits objects. */
export function optionObject(item) {
  if (typeof item === "string") return {value: item};
  return plain(item) ? item : {value: ""};
}

/** "Spain; España; ES" -> ["Spain", "España", "ES"]. */
export function synonymsParse(text) {
  return String(text)
    .split(";")
    .map((part) => part.trim())
    .filter(Boolean);
}

export const synonymsText = (synonyms) => (Array.isArray(synonyms) ? synonyms.filter((s) => typeof s === "string").join("; ") : "");

/** Options to add from lines of text, one value per line, leaving out those the vocabulary
 * (values and synonyms, case and accents ignored) or an earlier line already has. */
export function optionsFromLines(text, vocabulary) {
  const known = new Set();
  for (const item of vocabulary || []) {
    const option = optionObject(item);
    for (const name of [option.value, ...(Array.isArray(option.synonyms) ? option.synonyms : [])]) {
      if (typeof name === "string") known.add(fold(name));
    }
  }
  const added = [];
  for (const line of String(text).split(/\r?\n/)) {
    const value = line.trim();
    if (!value || known.has(fold(value))) continue;
    known.add(fold(value));
    added.push({value});
  }
  return added;
}

/** What the transcription form can draw of `fields` as they stand, mistakes and all: fields
 * with a usable key (the first of each), options with a text value. */
export function previewTemplate(fields) {
  const seen = new Set();
  const shown = [];
  for (const field of fields) {
    if (!plain(field) || typeof field.key !== "string" || !KEY_PATTERN.test(field.key)) continue;
    if (seen.has(field.key.toLowerCase())) continue;
    seen.add(field.key.toLowerCase());
    const copy = {...field};
    if (field.type === "select" && Array.isArray(field.vocabulary)) {
      copy.vocabulary = field.vocabulary.map(optionObject).filter((option) => typeof option.value === "string" && option.value.trim());
    } else {
      delete copy.vocabulary;
    }
    if (!plain(copy.validation)) delete copy.validation;
    shown.push(copy);
  }
  return {fields: shown};
}

/** Where a problem goes: `{field, at}` with `at` the path inside the field ("label.fr",
 * "vocabulary[2].synonyms", "" for the field itself), field null for the whole template. */
export function problemPlace(problem) {
  if (problem.field === null || problem.field === undefined) return {field: null, at: ""};
  const at = String(problem.path || "").replace(/^fields\[\d+\]\.?/, "");
  return {field: problem.field, at};
}

/** Of `paths` (the builder's controls in a field), the one a problem at `at` belongs to: the
 * longest that is `at` or contains it ("vocabulary[2]" holds "vocabulary[2].value"; "", the
 * field itself, holds everything). */
export function controlFor(at, paths) {
  let best = null;
  for (const path of paths) {
    const holds = path === "" || at === path || at.startsWith(`${path}.`) || at.startsWith(`${path}[`);
    if (holds && (best === null || path.length > best.length)) best = path;
  }
  return best;
}
