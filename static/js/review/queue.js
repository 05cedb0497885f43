// The curators' queue: disputed values, most urgent first, with filters (kept in the address,
// so a reload or a shared link shows the same list), counts per field, pages, and live updates.

import {connectLive} from "../lib/live.js";
import {api} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {setupBulk} from "./bulk.js";
import {
  debounce, el, fieldLabel, filtersFrom, formatDate, formatNumber, formatPercent, formatSince,
  loadFieldSpecs, nextDisputedTask, query, showValue, tn,
} from "./common.js";

const PAGE_SIZE = 20;
const REFETCH_MS = 400; // live events come in bursts (a bulk accept sends one per value)

const root = document.querySelector("[data-review-queue]");
if (root) start(root);

function start(root) {
  const slug = root.dataset.project;
  const me = root.dataset.me;
  const $ = (selector) => root.querySelector(selector);
  const form = $("[data-filters]");
  const rows = $("[data-rows]");
  let specs = {};
  let shown = null; // ids of the rows on screen, to spot the new ones
  let page = {count: 0, offset: 0};

  // --- Filters, from and to the address ---------------------------------------------------------
  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    for (const name of ["field", "batch", "contributor", "status"]) {
      if (form.elements[name]) form.elements[name].value = params.get(name) || (name === "status" ? "disputed" : "");
    }
    page.offset = Math.max(0, Number(params.get("offset")) || 0);
  }
  // Field, batch and contributor: what the resolve page keeps to choose the next image.
  const narrowing = () => filtersFrom(new URLSearchParams(new FormData(form)));
  const filters = () => ({...narrowing(), status: form.elements.status.value});
  function writeAddress() {
    const status = form.elements.status.value;
    const params = {...filters(), status: status === "disputed" ? "" : status, offset: page.offset || ""};
    window.history.replaceState(null, "", `${window.location.pathname}${query(params)}`);
  }
  const taskUrl = (task) => `${root.dataset.taskUrl.replace(/\/0\/$/, `/${task}/`)}${query(narrowing())}`;

  // --- The list -----------------------------------------------------------------------------
  async function fetchList({announce = false} = {}) {
    root.setAttribute("aria-busy", "true");
    let data;
    try {
      ({data} = await api(`/api/projects/${slug}/disputes/${query({...filters(), limit: PAGE_SIZE, offset: page.offset})}`));
    } catch (error) {
      say(t("failed", {message: error.message}), "error");
      return;
    } finally {
      root.removeAttribute("aria-busy");
    }
    if (!data.results.length && page.offset > 0 && data.count > 0) {
      page.offset = Math.max(0, Math.floor((data.count - 1) / PAGE_SIZE) * PAGE_SIZE); // the last page emptied
      return fetchList({announce});
    }
    const fresh = shown ? data.results.filter((item) => !shown.has(item.id)) : [];
    page.count = data.count;
    renderRows(data.results, new Set(fresh.map((item) => item.id)));
    renderCounts(data.counts || {});
    if (announce && fresh.length) say(tn("arrived", fresh.length), "info");
    root.dataset.state = "ready";
  }

  function renderRows(results, fresh) {
    const focusedKey = document.activeElement?.closest?.("tr")?.dataset.id;
    shown = new Set(results.map((item) => item.id));
    rows.replaceChildren(...results.map((item) => row(item, fresh.has(item.id))));
    $("[data-empty-list]").hidden = results.length > 0;
    $("[data-table]").hidden = !results.length;
    $("[data-list-title]").textContent = t(`list.${form.elements.status.value}`);
    $("[data-total]").textContent = tn("waiting", page.count);
    const last = Math.min(page.offset + results.length, page.count);
    $("[data-range]").textContent = page.count ? t("range", {first: formatNumber(page.offset + 1), last: formatNumber(last), count: formatNumber(page.count)}) : "";
    $("[data-page=previous]").disabled = page.offset === 0;
    $("[data-page=next]").disabled = page.offset + PAGE_SIZE >= page.count;
    if (focusedKey) rows.querySelector(`tr[data-id="${focusedKey}"] a`)?.focus();
  }

  function row(item, isNew) {
    const spec = specs[item.key];
    const label = fieldLabel(specs, item.key);
    const holder = item.claimed_by;
    const tr = el("tr", {attrs: {"data-id": item.id, "data-task": item.task}}, [
      el("td", {text: formatNumber(item.task)}),
      el("td", {text: label}),
      el("td", {}, [showValue(el("span", {className: "value"}), item.value, spec)]),
      el("td", {text: formatPercent(item.agreement)}),
      el("td", {text: formatNumber(item.answers)}),
      el("td", {}, [el("time", {className: "since", text: formatSince(item.disputed_at), attrs: {datetime: item.disputed_at || undefined, title: formatDate(item.disputed_at)}})]),
      el("td", {className: "holder"}, []),
      el("td", {}, [el("a", {className: "button small", text: t("open"), attrs: {href: taskUrl(item.task), "aria-label": t("openLabel", {id: item.task, field: label})}})]),
    ]);
    markClaim(tr, holder);
    if (isNew) tr.classList.add("is-new");
    return tr;
  }

  /** Grey out what another curator holds; "you" for the curator's own claims. */
  function markClaim(tr, holder) {
    const cell = tr.querySelector(".holder");
    const other = holder && holder !== me;
    tr.classList.toggle("is-claimed", Boolean(other));
    cell.replaceChildren(holder ? el("span", {className: `badge claim${other ? "" : " mine"}`, text: other ? holder : t("you")}) : "");
  }

  function renderCounts(counts) {
    const list = $("[data-counts]");
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    list.replaceChildren(...entries.map(([key, count]) => {
      const button = el("button", {className: "link", text: `${fieldLabel(specs, key)} (${formatNumber(count)})`, attrs: {type: "button", "aria-pressed": String(form.elements.field.value === key)}});
      button.addEventListener("click", () => {
        form.elements.field.value = form.elements.field.value === key ? "" : key;
        form.elements.status.value = "disputed";
        apply();
      });
      return el("li", {}, [button]);
    }));
    $("[data-counts-none]").hidden = entries.length > 0;
    for (const option of form.elements.field.options) {
      if (option.value) option.textContent = `${fieldLabel(specs, option.value)}${counts[option.value] ? ` (${formatNumber(counts[option.value])})` : ""}`;
    }
    bulk.updateCounts(counts);
  }

  function say(message, tone = "info") {
    $("[data-status]").textContent = message;
    $("[data-status]").dataset.tone = tone;
  }

  function apply() {
    page.offset = 0;
    writeAddress();
    fetchList();
  }

  // --- Controls -----------------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  form.addEventListener("reset", () => window.setTimeout(apply)); // after the form has reset
  for (const name of ["field", "batch", "status"]) form.elements[name].addEventListener("change", apply);
  $("[data-page=previous]").addEventListener("click", () => {
    page.offset = Math.max(0, page.offset - PAGE_SIZE);
    writeAddress();
    fetchList();
  });
  $("[data-page=next]").addEventListener("click", () => {
    page.offset += PAGE_SIZE;
    writeAddress();
    fetchList();
  });
  $("[data-action=start]").addEventListener("click", async () => {
    const next = await nextDisputedTask({slug, filters: narrowing(), exclude: new Set(), me}).catch(() => null);
    if (next === null) say(t("nothingFree"), "warning");
    else window.location.assign(taskUrl(next));
  });
  document.addEventListener("keydown", (event) => {
    // The queue's one shortcut, as on the resolve page: Alt+N opens the next free image.
    if (event.altKey && !event.ctrlKey && (event.code === "KeyN" || event.key.toLowerCase() === "n")) {
      event.preventDefault();
      $("[data-action=start]").click();
    }
  });

  // Waiting times move on without a refetch.
  window.setInterval(() => {
    for (const time of rows.querySelectorAll("time.since")) time.textContent = formatSince(time.getAttribute("datetime"));
  }, 30_000);

  // --- Live ---------------------------------------------------------------------------------
  const refetch = debounce(() => fetchList({announce: true}), REFETCH_MS);
  const rowsOfTask = (task) => rows.querySelectorAll(`tr[data-task="${Number(task)}"]`);
  connectLive(`/ws/projects/${slug}/`, {
    snapshot: refetch, // after every (re)connection: catch up on what was missed
    "task.reconciled": refetch,
    "dispute.reopened": refetch,
    "dispute.claimed": (event) => rowsOfTask(event.task).forEach((tr) => markClaim(tr, event.curator)),
    "dispute.released": (event) => rowsOfTask(event.task).forEach((tr) => markClaim(tr, null)),
    "dispute.resolved": (event) => {
      rows.querySelector(`tr[data-id="${Number(event.field_result)}"]`)?.classList.add("is-leaving");
      refetch();
    },
  }, {
    onState: (state, reason) => {
      $("[data-live-state]").textContent = reason || t(`live.${state}`);
      root.dataset.liveConnection = state;
    },
  });

  // --- Start ----------------------------------------------------------------------------------
  const bulk = setupBulk($("[data-bulk]"), {slug, onApplied: () => fetchList()});
  readAddress();
  loadFieldSpecs(slug)
    .then((loaded) => {
      specs = loaded;
      const field = form.elements.field;
      for (const key of Object.keys(specs)) field.append(el("option", {text: specs[key].label, attrs: {value: key}}));
      // Only now can the select hold the field the address names.
      field.value = new URLSearchParams(window.location.search).get("field") || "";
      bulk.setSpecs(specs);
    })
    .catch(() => {}) // labels fall back to field keys
    .finally(() => fetchList());
}
