// The template builder's model: pure functions on the template JSON the server stores.

import assert from "node:assert/strict";
import {test} from "node:test";

import {
  controlFor,
  fieldDuplicate,
  fieldMove,
  fieldNew,
  keyFromLabel,
  mappingOf,
  mappingSet,
  numberRead,
  optionalSet,
  optionsFromLines,
  previewTemplate,
  problemPlace,
  synonymsParse,
  synonymsText,
  translationSet,
  typeChange,
  uniqueKey,
  validationSet,
} from "../../static/js/builder/model.js";

const VALIDATION = {
  text: ["max_length", "pattern"],
  select: ["allow_other"],
  number: ["integer", "max", "min"],
  date: ["max_year", "min_year"],
  geopoint: [],
};
const field = (key, extra = {}) => ({key, type: "text", label: {fr: key, en: key}, ...extra});

test("moving a field up or down keeps the others in order and stops at either end", () => {
  const fields = [field("a"), field("b"), field("c")];
  assert.equal(fieldMove(fields, 2, -1), 1);
  assert.deepEqual(fields.map((f) => f.key), ["a", "c", "b"]);
  assert.equal(fieldMove(fields, 0, -1), 0);
  assert.equal(fieldMove(fields, 2, 1), 2);
  assert.deepEqual(fields.map((f) => f.key), ["a", "c", "b"]);
});

test("a copy goes right after its field, deep, under a key nobody has", () => {
  const fields = [field("country", {vocabulary: [{value: "France", synonyms: ["FR"]}]}), field("country_copy")];
  assert.equal(fieldDuplicate(fields, 0), 1);
  assert.deepEqual(fields.map((f) => f.key), ["country", "country_copy_2", "country_copy"]);
  fields[1].vocabulary[0].synonyms.push("Fr.");
  assert.deepEqual(fields[0].vocabulary[0].synonyms, ["FR"]);
});

test("new fields and keys from labels never collide, case ignored", () => {
  assert.equal(fieldNew([field("field2"), field("x")]).key, "field3");
  assert.equal(fieldNew([field("FIELD3"), field("x")]).key, "field3_2");
  assert.equal(keyFromLabel("Collection date"), "collectionDate");
  assert.equal(keyFromLabel("Date de récolte (approx.)"), "dateDeRecolteApprox");
  assert.equal(keyFromLabel("12 juin"), "");
  assert.equal(uniqueKey("title", ["Title", "title_2"]), "title_3");
});

test("a new type drops what it cannot have: options, unit, rules, a geopoint's two terms", () => {
  const elevation = field("alt", {type: "number", unit: "m", validation: {min: 0, integer: true}, mapping: {dwc: "minimumElevationInMeters"}});
  typeChange(elevation, "text", VALIDATION);
  assert.deepEqual(elevation, {key: "alt", type: "text", label: {fr: "alt", en: "alt"}, mapping: {dwc: "minimumElevationInMeters"}});
  typeChange(elevation, "select", VALIDATION);
  assert.deepEqual(elevation.vocabulary, []);
  typeChange(elevation, "geopoint", VALIDATION);
  assert.equal(elevation.vocabulary, undefined);
  assert.deepEqual(elevation.mapping, {dwc: ["decimalLatitude", "decimalLongitude"]});
  typeChange(elevation, "date", VALIDATION);
  assert.equal(elevation.mapping, undefined);
  const withCsl = field("year", {type: "date", mapping: {csl: "issued"}, validation: {min_year: 1500}});
  typeChange(withCsl, "number", VALIDATION);
  assert.deepEqual([withCsl.mapping, withCsl.validation], [{csl: "issued"}, undefined]);
});

test("labels and help per language: a plain string is for both; empty help goes", () => {
  const item = {label: "Pays"};
  translationSet(item, "label", "en", "Country", {keepEmpty: true});
  assert.deepEqual(item.label, {fr: "Pays", en: "Country"});
  translationSet(item, "help", "fr", "Aide");
  assert.deepEqual(item.help, {fr: "Aide", en: ""});
  translationSet(item, "help", "fr", "");
  assert.equal("help" in item, false);
  translationSet(item, "label", "fr", "", {keepEmpty: true});
  translationSet(item, "label", "en", "", {keepEmpty: true});
  assert.deepEqual(item.label, {fr: "", en: ""});
});

test("optional properties and rules go once emptied; numbers are read or left out", () => {
  const item = field("n", {type: "number"});
  optionalSet(item, "required", true);
  optionalSet(item, "level", numberRead(" 2 "));
  validationSet(item, "min", numberRead("-500"));
  validationSet(item, "max", numberRead("1e3"));
  assert.deepEqual([item.required, item.level, item.validation], [true, 2, {min: -500, max: 1000}]);
  optionalSet(item, "required", false);
  optionalSet(item, "level", numberRead("abc"));
  validationSet(item, "min", "");
  validationSet(item, "max", numberRead(""));
  assert.deepEqual(Object.keys(item), ["key", "type", "label"]);
  // 0 is a value (the server says a weight must be above it), not an empty input.
  optionalSet(item, "weight", numberRead("0"));
  assert.equal(item.weight, 0);
});

test("a mapping is one standard and its term, or nothing", () => {
  const item = field("t");
  assert.deepEqual(mappingOf(item), ["", ""]);
  mappingSet(item, "csl", "title");
  assert.deepEqual(mappingOf(item), ["csl", "title"]);
  mappingSet(item, "", "");
  assert.equal("mapping" in item, false);
});

test("synonyms are typed separated by semicolons", () => {
  assert.deepEqual(synonymsParse(" Spain ; España;; ES ;"), ["Spain", "España", "ES"]);
  assert.equal(synonymsText(["Spain", "ES"]), "Spain; ES");
  assert.equal(synonymsText(undefined), "");
});

test("pasted lines add the options the list lacks, values and synonyms folded", () => {
  const vocabulary = ["Isère", {value: "Savoie", synonyms: ["73"]}];
  const added = optionsFromLines("isere\n\n 73 \nDrôme\r\ndrome\n Ain ", vocabulary);
  assert.deepEqual(added, [{value: "Drôme"}, {value: "Ain"}]);
});

test("the preview draws fields with a usable key, the first of each, and text options", () => {
  const fields = [
    field("title"),
    field("Title"),
    field("2bad"),
    "not a field",
    field("kind", {type: "select", vocabulary: ["a", {value: ""}, {value: "b", synonyms: ["B."]}, 7], validation: "x"}),
    field("n", {type: "number", vocabulary: ["stray"]}),
  ];
  const shown = previewTemplate(fields).fields;
  assert.deepEqual(shown.map((f) => f.key), ["title", "kind", "n"]);
  assert.deepEqual(shown[1].vocabulary, [{value: "a"}, {value: "b", synonyms: ["B."]}]);
  assert.equal("validation" in shown[1], false);
  assert.equal("vocabulary" in shown[2], false);
  // The builder's own objects are not changed by drawing them.
  assert.equal(fields[4].validation, "x");
});

test("a message goes to the most precise control that holds its path", () => {
  assert.deepEqual(problemPlace({path: "fields", field: null}), {field: null, at: ""});
  assert.deepEqual(problemPlace({path: "fields[3]", field: 3}), {field: 3, at: ""});
  assert.deepEqual(problemPlace({path: "fields[3].vocabulary[2].synonyms", field: 3}), {field: 3, at: "vocabulary[2].synonyms"});
  const holders = ["", "label.fr", "vocabulary", "vocabulary[2]", "validation", "validation.min", "mapping", "mapping.dwc"];
  assert.equal(controlFor("vocabulary[2].synonyms", holders), "vocabulary[2]");
  assert.equal(controlFor("vocabulary[20].value", holders), "vocabulary");
  assert.equal(controlFor("validation.minimum", holders), "validation");
  assert.equal(controlFor("validation.min", holders), "validation.min");
  assert.equal(controlFor("mapping.dwc", holders), "mapping.dwc");
  assert.equal(controlFor("label", holders), "");
  assert.equal(controlFor("weight", holders.slice(1)), null);
});
