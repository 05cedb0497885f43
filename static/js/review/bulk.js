// Bulk acceptance: the leading answer on every disputed value of one field (in one batch).
// A preview comes first and "Accept all" stays off until the preview matches the choices, so
// nothing is applied that the curator has not seen.

import {api, ApiError} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {el, formatNumber, showValue, tn} from "./common.js";

export function setupBulk(section, {slug, onApplied}) {
  const $ = (selector) => section.querySelector(selector);
  const form = $("[data-bulk-form]");
  const fieldSelect = form.elements.field;
  const applyButton = $("[data-bulk-apply]");
  let specs = {};
  let counts = {};
  let previewed = null; // the {field, batch} the table on screen was computed for

  const choice = () => ({field: fieldSelect.value, batch: form.elements.batch.value ? Number(form.elements.batch.value) : null});
  const same = (a, b) => a && b && a.field === b.field && a.batch === b.batch;

  function say(message, tone = "info") {
    $("[data-bulk-status]").textContent = message;
    $("[data-bulk-status]").dataset.tone = tone;
  }

  let filled = "";
  function fillFields() {
    const labels = Object.values(specs).map((spec) => [spec.key, counts[spec.key] ? `${spec.label} (${formatNumber(counts[spec.key])})` : spec.label]);
    // Live updates refill the list often: leave an unchanged one alone, or an open select closes.
    if (JSON.stringify(labels) === filled) return;
    filled = JSON.stringify(labels);
    const chosen = fieldSelect.value;
    const options = labels.map(([key, label]) => el("option", {text: label, attrs: {value: key}}));
    fieldSelect.replaceChildren(el("option", {text: t("chooseField"), attrs: {value: ""}}), ...options);
    fieldSelect.value = chosen;
  }

  function showChanges(changes) {
    const spec = specs[previewed.field];
    $("[data-bulk-rows]").replaceChildren(...changes.map((change) => el("tr", {}, [
      el("td", {text: formatNumber(change.task)}),
      el("td", {}, [showValue(el("span", {className: "value"}), change.before, spec)]),
      el("td", {}, [showValue(el("span", {className: "value"}), change.after, spec)]),
    ])));
    $("[data-bulk-table]").hidden = !changes.length;
  }

  function invalidate() {
    previewed = null;
    applyButton.disabled = true;
    applyButton.textContent = t("acceptAll");
    $("[data-bulk-table]").hidden = true;
    say("");
  }

  async function send(preview) {
    const body = {...choice(), preview, reason: form.elements.reason.value, note: form.elements.note.value.trim()};
    const {data} = await api(`/api/projects/${slug}/disputes/bulk-accept/`, {method: "POST", body});
    return data.changes;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!fieldSelect.value) {
      say(t("chooseField"), "error");
      fieldSelect.focus();
      return;
    }
    invalidate();
    say(t("previewing"));
    const wanted = choice();
    try {
      const changes = await send(true);
      previewed = wanted;
      showChanges(changes);
      applyButton.disabled = !changes.length;
      applyButton.textContent = changes.length ? tn("acceptN", changes.length) : t("acceptAll");
      say(changes.length ? tn("willChange", changes.length) : t("nothingToAccept"), changes.length ? "info" : "warning");
    } catch (error) {
      say(t("failed", {message: messageOf(error)}), "error");
    }
  });

  applyButton.addEventListener("click", async () => {
    if (!same(previewed, choice())) return invalidate();
    applyButton.disabled = true;
    say(t("sending"));
    const expected = $("[data-bulk-rows]").children.length;
    try {
      const changes = await send(false);
      showChanges(changes);
      const skipped = expected - changes.length;
      say([tn("accepted", changes.length), skipped > 0 ? tn("skippedHeld", skipped) : ""].filter(Boolean).join(" "), "success");
      previewed = null;
      applyButton.textContent = t("acceptAll");
      onApplied();
    } catch (error) {
      applyButton.disabled = false;
      say(t("failed", {message: messageOf(error)}), "error");
    }
  });

  // A preview is only good for the field and batch it was made for.
  fieldSelect.addEventListener("change", invalidate);
  form.elements.batch.addEventListener("change", invalidate);
  invalidate();

  return {
    setSpecs(loaded) {
      specs = loaded;
      fillFields();
    },
    updateCounts(latest) {
      counts = latest;
      fillFields();
    },
  };
}

function messageOf(error) {
  const fields = error instanceof ApiError ? Object.values(error.body?.error?.fields || {}).flat() : [];
  return fields.length ? fields.join(" ") : error.message;
}
