// The project page: keep the progress counts live.
import {connectLive} from "./lib/live.js";
import {jsonScript} from "./lib/messages.js";

const root = document.querySelector("[data-live-project]");
if (root) {
  const slug = root.dataset.liveProject;
  const stateLine = root.querySelector("[data-live-state]");
  const messages = jsonScript("live-messages");
  const formats = jsonScript("count-formats");
  const plurals = new Intl.PluralRules(document.documentElement.lang);

  function sentence(key, value) {
    const forms = formats[key] || {};
    const template = forms[plurals.select(value)] || forms.other;
    if (!template) return String(value);
    return template.replace(/%\((count|percent)\)s/g, String(value)).replace(/%%/g, "%");
  }

  function lookup(object, dotted) {
    return dotted.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
  }

  function showProgress(progress) {
    for (const element of root.querySelectorAll("[data-count]")) {
      const value = lookup(progress, element.dataset.count);
      if (value !== undefined) element.textContent = String(Math.round(value));
    }
    for (const element of root.querySelectorAll("[data-count-text]")) {
      const value = lookup(progress, element.dataset.countText);
      if (value !== undefined) element.textContent = sentence(element.dataset.countText, Math.round(value));
    }
    const perHour = root.querySelector("[data-per-hour]");
    if (perHour && Array.isArray(progress.per_hour)) {
      perHour.replaceChildren(...progress.per_hour.map((n) => {
        const bar = document.createElement("span");
        bar.style.setProperty("--n", String(n));
        bar.title = String(n);
        return bar;
      }));
      scaleBars(perHour);
    }
    const bar = root.querySelector(".progress .bar");
    if (bar && progress.done_percent !== undefined) {
      bar.setAttribute("aria-valuenow", String(Math.round(progress.done_percent)));
      bar.querySelector("span").style.width = `${progress.done_percent}%`;
    }
  }

  // Bars are drawn relative to the busiest hour shown.
  function scaleBars(container) {
    const values = [...container.children].map((bar) => Number(bar.style.getPropertyValue("--n")) || 0);
    container.style.setProperty("--max", String(Math.max(1, ...values)));
  }
  const initialBars = root.querySelector("[data-per-hour]");
  if (initialBars) scaleBars(initialBars);

  function showBatch(event) {
    const item = root.querySelector(`[data-batch="${event.batch}"]`);
    if (!item) return;
    const done = (event.files_ok || 0) + (event.files_failed || 0) + (event.files_duplicate || 0);
    const progress = item.querySelector("[data-batch-progress]");
    if (event.files_total) progress.max = event.files_total;
    progress.value = done;
  }

  connectLive(`/ws/projects/${slug}/`, {
    snapshot: (event) => showProgress(event.progress || {}),
    "project.updated": () => window.location.reload(),
    "batch.progress": showBatch,
  }, {
    onState: (state, reason) => {
      stateLine.textContent = reason || messages[state] || "";
      root.dataset.liveConnection = state;
    },
  });
}
