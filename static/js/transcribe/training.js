// The training side of the transcription page: the project's tutorial, field guide, the
// volunteer's level and practice progress, from one API answer
// (GET /api/projects/{slug}/training/), and the sentences that say what a level asks.

import {api} from "../lib/api.js";
import {language, localized, t} from "../lib/messages.js";

const percent = new Intl.NumberFormat(language, {style: "percent", maximumFractionDigits: 0});
const plural = new Intl.PluralRules(language);

/** The training answer, or null: the page works without it (no tutorial, guide, nor locks). */
export async function trainingLoad(slug) {
  try {
    const {data} = await api(`/api/projects/${slug}/training/`);
    return data;
  } catch {
    return null;
  }
}

/** What reaching `next` ({level, answers_missing, accuracy}) still asks, in a sentence made
 * from the `keys` {one, other, accuracy}. */
function missingText(next, keys, extra = {}) {
  const accuracy = percent.format(next.accuracy / 100);
  if (!next.answers_missing) return t(keys.accuracy, {...extra, level: next.level, accuracy});
  const key = plural.select(next.answers_missing) === "one" ? keys.one : keys.other;
  return t(key, {...extra, level: next.level, answers: next.answers_missing, accuracy});
}

/** "Level 3 asks 4 more practice or known-answer images at 80 % accuracy.", or "". */
export function levelMissing(training) {
  const next = training?.level?.next;
  if (!next) return "";
  return missingText(next, {one: "levelMissingOne", other: "levelMissingOther", accuracy: "levelMissingAccuracy"});
}

/** One sentence per locked field: the level it needs, and what that level still asks. */
export function lockedNotes(training, fields) {
  const locked = new Set(training?.locked_fields || []);
  const next = training?.level?.next;
  return (fields || [])
    .filter((field) => locked.has(field.key))
    .map((field) => {
      const name = localized(field.label) || field.key;
      const level = Number(field.level) || (next ? next.level : 2);
      if (next && next.level === level) {
        return missingText(next, {one: "lockedOne", other: "lockedOther", accuracy: "lockedAccuracy"}, {field: name});
      }
      return t("lockedLater", {level, field: name});
    });
}
