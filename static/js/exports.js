// The exports page: follow exports live over the project's socket (leads hear `export`
// events) and show the download link as soon as a file is ready.
import {api, ApiError} from "./lib/api.js";
import {connectLive} from "./lib/live.js";
import {jsonScript} from "./lib/messages.js";

const root = document.querySelector("[data-exports]");
if (root) {
  const text = jsonScript("export-messages");
  const sizeFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 1,
  });

  function humanSize(bytes) {
    const units = ["B", "KB", "MB", "GB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${sizeFormat.format(value)} ${units[unit]}`;
  }

  function show(event) {
    const row = root.querySelector(`[data-export="${event.id}"]`);
    if (!row) {
      // An export this page did not list yet (asked from another tab or by another lead).
      if (event.state === "done") window.location.reload();
      return;
    }
    row.querySelector("[data-export-state]").textContent = text[event.state] || event.state;
    const bar = row.querySelector("[data-export-progress]");
    if (bar) {
      if (event.state === "queued" || event.state === "running") {
        bar.value = event.percent;
        bar.textContent = `${event.percent} %`;
      } else {
        bar.remove();
      }
    }
    if (event.size) row.querySelector("[data-export-size]").textContent = humanSize(event.size);
    const cell = row.querySelector("[data-export-link]");
    if (event.download && !cell.querySelector("a")) {
      const link = document.createElement("a");
      link.href = event.download;
      link.setAttribute("download", "");
      link.textContent = text.download;
      cell.append(link);
    }
  }

  // On every (re)connection the socket first sends a snapshot: catch up with what finished
  // while the page was not listening.
  async function refresh() {
    for (const row of root.querySelectorAll("[data-export]")) {
      if (!row.querySelector("[data-export-progress]")) continue;
      let answer;
      try {
        answer = await api(`/api/exports/${row.dataset.export}/`);
      } catch (error) {
        if (error instanceof ApiError) continue; // gone, or not this lead's: the row stays as it is
        throw error;
      }
      show(answer.data);
    }
  }

  connectLive(
    `/ws/projects/${root.dataset.project}/`,
    {export: show, snapshot: refresh},
    {onState: (state) => { root.dataset.liveConnection = state; }},
  );
}
