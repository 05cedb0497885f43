// The shared table of readings (readings.json), run against the transcription page's preview
// readers (static/js/transcribe/parse.js) with Node's own test runner: `node --test tests/parsers/`.
// The same table runs against the Python readers in test_readings.py; pytest runs this file too
// (test_preview.py), so `make test` checks that both read every entry alike.

import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {test} from "node:test";

import {formatPoint, markerOf, optionFor, parseDate, parseNumber, parsePoint} from "../../static/js/transcribe/parse.js";

const table = JSON.parse(readFileSync(new URL("./readings.json", import.meta.url), "utf8"));

// What the preview shows, in the table's form: the marker, the normal form, or null. The order
// is the page's (form.js `interpret`): a placeholder first, then the field's reader.
const readers = {
  date: (entry) => markerOf(entry.typed) ?? parseDate(entry.typed.trim(), entry.day_first ?? true),
  number: (entry) => markerOf(entry.typed) ?? parseNumber(entry.typed.trim(), entry.unit ?? ""),
  geopoint: (entry) => {
    const marker = markerOf(entry.typed);
    if (marker) return marker;
    const point = parsePoint(entry.typed.trim());
    // The preview spaces the two numbers; the engine's normal form does not.
    return point === null ? null : formatPoint(point).replace(", ", ",");
  },
  select: (entry) => {
    const options = entry.options.map((option) => ({label: {}, synonyms: [], ...option}));
    return optionFor(options, entry.typed)?.value ?? null;
  },
};

for (const [kind, read] of Object.entries(readers)) {
  for (const entry of table[kind]) {
    const setting = entry.day_first === false ? " (month first)" : "";
    test(`the preview reads the ${kind} ${JSON.stringify(entry.typed)}${setting} as the table says`, () => {
      assert.equal(read(entry), entry.reading);
    });
  }
}
