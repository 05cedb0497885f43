// The transcription page's "Understood:" preview of a number field with a unit: it shows the
// conversion of an answer written in another unit. The page's strings come from the template
// (translated by Django); here a stand-in page gives the English ones.

import assert from "node:assert/strict";
import {test} from "node:test";

const strings = {
  converted: "%(typed)s → %(value)s (converted)",
  errNumber: "Not a number we can read (e.g. 650, 650 m, 1 200).",
  errQuantity: "Not a number we can read, in %(unit)s or another length unit (e.g. 650, 650 m, 2130 ft, 2130 pieds).",
};
const items = Object.entries(strings).map(([key, text]) => ({dataset: {key}, textContent: text}));
globalThis.document = {
  querySelectorAll: () => [{querySelectorAll: () => items}],
  documentElement: {lang: "en"},
};
const {interpret} = await import("../../static/js/transcribe/form.js");

const elevation = {key: "alt", type: "number", unit: "m", label: {en: "Elevation"}};

test("the preview shows an answer in feet converted to the field's metres", () => {
  assert.deepEqual(interpret(elevation, "1200 ft"), {shown: "1200 ft → 366 m (converted)"});
  assert.deepEqual(interpret(elevation, "3000 pieds"), {shown: "3000 pieds → 914 m (converted)"});
});

test("the preview shows an answer in the field's unit with the unit and no conversion", () => {
  assert.deepEqual(interpret(elevation, "1 200"), {shown: "1200 m"});
  assert.deepEqual(interpret(elevation, "650 mètres"), {shown: "650 m"});
});

test("the preview names the field's unit when it cannot read the answer", () => {
  assert.match(interpret(elevation, "1200 yards").problem, /in m or another length unit/);
  assert.deepEqual(interpret({key: "n", type: "number"}, "1200 ft"), {problem: strings.errNumber});
});
