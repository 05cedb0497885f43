// What the queue and the resolve page share: the template's labels in the page language, how a
// value is shown, and which disputed image comes next.

import {api} from "../lib/api.js";
import {dateLocale, language, localized, t} from "../lib/messages.js";

// The engine lists an "illegible" vote under this text (worker/consensus/model.py); "not on
// the image" votes are blanks. Neither is shown as is.
export const ILLEGIBLE = "[illegible]";

const numbers = new Intl.NumberFormat(language);
const percents = new Intl.NumberFormat(language, {style: "percent", maximumFractionDigits: 0});
const weights = new Intl.NumberFormat(language, {minimumFractionDigits: 2, maximumFractionDigits: 2});
const relative = new Intl.RelativeTimeFormat(language, {numeric: "auto"});
const clock = new Intl.DateTimeFormat(dateLocale, {hour: "2-digit", minute: "2-digit"});
const dates = new Intl.DateTimeFormat(dateLocale, {dateStyle: "medium", timeStyle: "short"});

/** {key: {label, type, options: {value: label}}} from the project's template, in the page language. */
export async function loadFieldSpecs(slug) {
  const {data} = await api(`/api/projects/${slug}/template/`);
  const specs = {};
  for (const field of data.fields || []) {
    const options = {};
    for (const option of field.vocabulary || []) options[option.value] = localized(option.label) || option.value;
    specs[field.key] = {key: field.key, label: localized(field.label) || field.key, type: field.type, options};
  }
  return specs;
}

/** A field's label, or its key when the template no longer has it. */
export function fieldLabel(specs, key) {
  return specs[key]?.label || key;
}

/** A stored value as a reader should see it: markers and blanks in words, options by label. */
export function displayValue(value, spec) {
  if (value === ILLEGIBLE) return t("illegible");
  if (value === null || value === undefined || value === "") return t("empty");
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (spec?.type === "geopoint") {
    // Stored as "lat,lon": said with its labels, so a swapped point shows as one.
    const point = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(text);
    if (point) return t("point", {lat: point[1], lon: point[2]});
  }
  const option = spec?.options?.[text];
  return option && option !== text ? `${option} (${text})` : text;
}

/** Put a value in `element`; blanks and markers get a class so they read as words, not data. */
export function showValue(element, value, spec) {
  element.textContent = displayValue(value, spec);
  const marked = value === ILLEGIBLE || value === "" || value == null;
  element.classList.toggle("is-marker", marked);
  return element;
}

export const formatPercent = (ratio) => (ratio === null || ratio === undefined ? "–" : percents.format(ratio));
export const formatNumber = (n) => numbers.format(n);
export const formatWeight = (w) => weights.format(w);
export const formatClock = (iso) => (iso ? clock.format(new Date(iso)) : "");
export const formatDate = (iso) => (iso ? dates.format(new Date(iso)) : "");

/** "3 minutes ago", in the page language. */
export function formatSince(iso, now = Date.now()) {
  if (!iso) return "–";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [Infinity, "day"]];
  let unit = 1;
  for (const [limit, name] of steps) {
    if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / unit), name);
    unit = limit;
  }
  return "";
}

/** A plural string: messages carry "key.one" / "key.other" (Intl.PluralRules categories). */
const plurals = new Intl.PluralRules(language);
export function tn(key, count, values = {}) {
  const form = `${key}.${plurals.select(count)}`;
  const text = t(form, {count: numbers.format(count), ...values});
  return text === form ? t(`${key}.other`, {count: numbers.format(count), ...values}) : text;
}

/** Make an element with a class and text; nothing here parses HTML. */
export function el(tag, {className, text, attrs} = {}, children = []) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter(Boolean));
  return element;
}

/** The queue filters a curator chose (field, batch, contributor), from a query string. */
export function filtersFrom(search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const name of ["field", "batch", "contributor"]) {
    const value = (params.get(name) || "").trim();
    if (value) filters[name] = value;
  }
  return filters;
}

export function query(params) {
  const clean = Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== "");
  return clean.length ? `?${new URLSearchParams(clean)}` : "";
}

/** The first disputed image of the queue (with the curator's filters) that nobody else holds,
 * leaving out `exclude` (this image, and those skipped in this tab); null when none is left. */
export async function nextDisputedTask({slug, filters, exclude, me}) {
  const pageSize = 50;
  for (let offset = 0; offset < 500; offset += pageSize) {
    const {data} = await api(`/api/projects/${slug}/disputes/${query({...filters, status: "disputed", limit: pageSize, offset})}`);
    const free = data.results.find((item) => !exclude.has(item.task) && (!item.claimed_by || item.claimed_by_me));
    if (free) return free.task;
    if (!data.next) return null;
  }
  return null;
}

/** Images the curator set aside in this tab ("next image"): not offered again until the tab closes. */
export function skippedTasks(slug) {
  const key = `crowd.review.skipped.${slug}`;
  const read = () => new Set(JSON.parse(sessionStorage.getItem(key) || "[]"));
  return {
    all: read,
    add(task) {
      const set = read();
      set.add(task);
      sessionStorage.setItem(key, JSON.stringify([...set].slice(-200)));
    },
    clear: () => sessionStorage.removeItem(key),
  };
}

/** Call `fn` once, `ms` after the last of a burst of calls (live events come in bursts). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}
