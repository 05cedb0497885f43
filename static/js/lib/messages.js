// Interface strings, translated by the template (`{% translate %}`) into hidden lists:
//   <ul id="transcribe-messages" hidden><li data-key="sent">Saved. Thank you!</li>…</ul>
// Other pages (the review pages) mark their lists with `data-messages` instead; a page may
// have several (its own, and the shortcuts dialog's from templates/_shortcuts_help.html).
// HTML escaping is Django's; nothing here builds markup from these strings.

const sources = document.querySelectorAll("#transcribe-messages, [data-messages]");
const strings = Object.fromEntries(
  [...sources].flatMap((source) => [...source.querySelectorAll("[data-key]")]).map((item) => [item.dataset.key, item.textContent.trim()]),
);

/** `template` with its `%(name)s` placeholders filled from `values`. */
export function format(template, values = {}) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

/** The string for `key`, with `%(name)s` placeholders filled from `values`. */
export function t(key, values = {}) {
  return format(strings[key] ?? key, values);
}

/** What a template gave the page with `|json_script:"id"` (strings, formats). */
export function jsonScript(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

/** The page language ("fr", "en"), for the template's labels and help texts. */
export const language = (document.documentElement.lang || "en").split("-")[0].toLowerCase();

/** The locale dates are written in. Plain "en" is American (month first, 12-hour clock); the
 * platform's English pages write the day first and a 24-hour clock, as the server does
 * (crowd/formats/en), so they take the British conventions. */
export const dateLocale = language === "en" ? "en-GB" : language;

/** A template text in the page language: {"fr": …, "en": …}, or a plain string. */
export function localized(text) {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[language] || text.en || Object.values(text)[0] || "";
}
