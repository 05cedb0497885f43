// What the transcription page shows of an image beside its form: the institution's metadata
// under the template's labels and, in a project with a georeference step, the step the image
// is given for and what its label settled.

import {t} from "../lib/messages.js";

/** One term of a description list: a <div> holding its <dt> and <dd>, set as text. */
function termItem(label, value) {
  const item = document.createElement("div");
  const name = document.createElement("dt");
  const text = document.createElement("dd");
  name.textContent = label;
  text.textContent = value;
  item.append(name, text);
  return item;
}

/** The metadata the template shows, under its labels (the server names each key). */
export function showMetadata(root, entries) {
  root.querySelector("[data-metadata]").replaceChildren(
    ...entries.map(({label, value}) => termItem(label, value)),
  );
  root.querySelector("[data-metadata-section]").hidden = !entries.length;
}

/** The record's country and region as the image's metadata (or the settled label) gives them:
 * where the map opens. */
export function metadataPlace(entries) {
  const value = (keys) => entries.find((entry) => keys.includes(entry.key))?.value || "";
  return {country: value(["country", "countryCode"]), region: value(["stateProvince", "state", "province", "region"])};
}

/** A project with a georeference step: the fields of the step this image is given for (the
 * label's when none is said). */
export function stepTemplate(template, step) {
  // Practice and known-answer images are labels (their answers carry no step).
  const placing = step === "georeference";
  return {...template, fields: template.fields.filter((field) => Boolean(field.georeference) === placing)};
}

/** The step's note and, in the georeference step, what its label settled (read-only, beside
 * the image). */
export function showStep(root, step, settled) {
  const note = root.querySelector("[data-step-note]");
  note.hidden = !step;
  note.textContent = step ? t(step === "georeference" ? "stepGeoreference" : "stepLabel") : "";
  root.dataset.taskStep = step || "";
  root.querySelector("[data-settled]").replaceChildren(
    ...settled.map(({key, label, value}) => {
      const item = termItem(label, value);
      item.dataset.settledKey = key;
      return item;
    }),
  );
  root.querySelector("[data-settled-section]").hidden = step !== "georeference";
}
