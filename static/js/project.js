// The project page: keep the progress counts live.
import {connectLive} from "./live.js";

const root = document.querySelector("[data-live-project]");
if (root) {
  const slug = root.dataset.liveProject;
  const stateLine = root.querySelector("[data-live-state]");
  const messages = JSON.parse(document.getElementById("live-messages").textContent);
  const formats = JSON.parse(document.getElementById("count-formats").textContent);
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
    const bar = root.querySelector(".progress .bar");
    if (bar && progress.done_percent !== undefined) {
      bar.setAttribute("aria-valuenow", String(Math.round(progress.done_percent)));
      bar.querySelector("span").style.width = `${progress.done_percent}%`;
    }
  }

  connectLive(`/ws/projects/${slug}/`, {
    snapshot: (event) => showProgress(event.progress || {}),
    "project.updated": () => window.location.reload(),
  }, {
    onState: (state) => {
      stateLine.textContent = messages[state] || "";
      root.dataset.liveConnection = state;
    },
  });
}
