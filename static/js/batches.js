// The leads' upload page: create a staged batch, send each file with its own progress bar,
// start the ingest, then follow it live over the project's socket and list what failed.
import {api, ApiError, csrfToken} from "./lib/api.js";
import {connectLive} from "./lib/live.js";
import {format, jsonScript} from "./lib/messages.js";

const root = document.querySelector("[data-batch-upload]");
if (root) {
  const slug = root.dataset.project;
  const text = jsonScript("upload-messages");
  const form = root.querySelector("[data-upload-form]");
  const input = root.querySelector("#upload-files");
  const dropzone = root.querySelector("[data-dropzone]");
  const chosenLine = root.querySelector("[data-chosen]");
  const errorLine = root.querySelector("[data-upload-error]");
  const fileList = root.querySelector("[data-file-list]");
  const ingest = root.querySelector("[data-ingest]");
  const PARALLEL_UPLOADS = 3;
  let chosen = [];
  let watched = null; // the batch whose ingest the page shows
  let lastFailed = -1;
  // Images to transcribe, or training images kept out of the real stream (Batch.purpose).
  const purpose = () => root.querySelector("[data-purpose] input:checked")?.value || "data";

  // For the calls where a refusal leaves nothing to say: null instead of the answer. No answer
  // at all (offline) still throws.
  function refused(error) {
    if (error instanceof ApiError) return null;
    throw error;
  }

  function errorText(data) {
    const error = data && data.error;
    if (!error) return text.error;
    const fields = error.fields ? Object.values(error.fields).flat() : [];
    return fields.length ? fields.join(" ") : error.message || text.error;
  }

  function showError(line, message) {
    line.textContent = message;
    line.hidden = !message;
  }

  function choose(files) {
    chosen = [...files];
    chosenLine.textContent = chosen.length ? format(text.chosen, {count: chosen.length}) : "";
  }

  input.addEventListener("change", () => choose(input.files));
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("over");
    });
  }
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("over");
    choose(event.dataTransfer.files);
  });

  // One file, one request: a real progress bar per file, and one refusal never costs the rest.
  function sendFile(batchId, file, row) {
    return new Promise((resolve) => {
      const bar = row.querySelector("progress");
      const status = row.querySelector("[data-status]");
      const request = new XMLHttpRequest();
      request.open("POST", `/api/batches/${batchId}/files/`);
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          bar.max = event.total;
          bar.value = event.loaded;
        }
      });
      request.addEventListener("load", () => {
        let body = {};
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = {};
        }
        bar.value = bar.max;
        if (request.status === 201) {
          const refused = body.filter((record) => record.state === "failed");
          status.dataset.status = refused.length && refused.length === body.length ? "refused" : "stored";
          status.textContent = refused.length
            ? refused.map((record) => `${record.file}: ${record.error}`).join(" ")
            : text.stored;
        } else {
          status.dataset.status = "refused";
          status.textContent = errorText(body);
        }
        resolve();
      });
      request.addEventListener("error", () => {
        status.dataset.status = "refused";
        status.textContent = text.network;
        resolve();
      });
      status.dataset.status = "uploading";
      status.textContent = text.uploading;
      const body = new FormData();
      body.append("files", file, file.name);
      request.send(body);
    });
  }

  function fileRow(file) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    const status = document.createElement("span");
    status.dataset.status = "waiting";
    status.textContent = text.waiting;
    row.dataset.file = file.name;
    row.append(name, bar, status);
    fileList.append(row);
    return row;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(errorLine, "");
    if (!chosen.length) {
      showError(errorLine, text.no_files);
      return;
    }
    const submit = form.querySelector("[data-upload-submit]");
    submit.disabled = true;
    try {
      const body = new FormData();
      body.append("staged", "true");
      body.append("purpose", purpose());
      body.append("name", form.querySelector("#upload-name").value);
      const metadata = form.querySelector("#upload-metadata").files[0];
      if (metadata) body.append("metadata", metadata, metadata.name);
      const {data: created} = await api(`/api/projects/${slug}/batches/`, {method: "POST", body});
      const batchId = created.id;
      watch(batchId);
      fileList.replaceChildren();
      root.querySelector("[data-upload-files]").hidden = false;
      const queue = chosen.map((file) => [file, fileRow(file)]);
      const workers = Array.from({length: PARALLEL_UPLOADS}, async () => {
        while (queue.length) {
          const [file, row] = queue.shift();
          await sendFile(batchId, file, row);
        }
      });
      await Promise.all(workers);
      const {data: started} = await api(`/api/batches/${batchId}/start/`, {method: "POST"});
      show(started);
    } catch (error) {
      showError(errorLine, error instanceof ApiError ? errorText(error.body) : text.network);
    } finally {
      submit.disabled = false;
    }
  });

  const manifestForm = root.querySelector("[data-manifest-form]");
  manifestForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const line = root.querySelector("[data-manifest-error]");
    showError(line, "");
    const body = new FormData();
    body.append("manifest_url", manifestForm.querySelector("#manifest-url").value);
    body.append("purpose", purpose());
    let created;
    try {
      ({data: created} = await api(`/api/projects/${slug}/batches/`, {method: "POST", body}));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(line, errorText(error.body));
      return;
    }
    watch(created.id);
    show(created);
  });

  function watch(batchId) {
    watched = batchId;
    lastFailed = -1;
    ingest.hidden = false;
    root.querySelector("[data-failures]").replaceChildren();
    root.querySelector("[data-failures-block]").hidden = true;
    root.querySelector("[data-notices]").replaceChildren();
    showError(root.querySelector("[data-batch-error]"), "");
    ingest.dataset.batch = String(batchId);
  }

  function showCounts({total, done, ok, duplicate, failed, state, label}) {
    const bar = root.querySelector("[data-ingest-progress]");
    bar.max = Math.max(total, 1);
    bar.value = done;
    // A IIIF import has no files until a job has read its manifest.
    root.querySelector("[data-ingest-counts]").textContent = state === "reading"
      ? text.reading
      : format(text.ingest, {done, total, ok, duplicate, failed});
    if (label) root.querySelector("[data-ingest-state]").textContent = label;
    ingest.dataset.state = state;
  }

  // The whole status, failures with their reasons in the reader's language, from the API.
  function show(summary) {
    const counts = summary.counts;
    showCounts({...counts, state: summary.state, label: summary.state_label});
    // Why a manifest could not be read, in the reader's language.
    showError(root.querySelector("[data-batch-error]"), summary.error || "");
    lastFailed = counts.failed;
    const rows = summary.failed.map((failure) => {
      const row = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = failure.file;
      const reason = document.createElement("td");
      reason.textContent = failure.error;
      row.dataset.code = failure.code;
      row.append(name, reason);
      return row;
    });
    root.querySelector("[data-failures]").replaceChildren(...rows);
    root.querySelector("[data-failures-block]").hidden = rows.length === 0;
    const notices = summary.notices.map((notice) => {
      const item = document.createElement("li");
      item.textContent = notice;
      return item;
    });
    root.querySelector("[data-notices]").replaceChildren(...notices);
  }

  async function refresh() {
    if (watched === null) return;
    const response = await api(`/api/batches/${watched}/`).catch(refused);
    if (response && response.data.id === watched) show(response.data);
  }

  connectLive(`/ws/projects/${slug}/`, {
    "batch.progress": (event) => {
      if (event.batch !== watched) return;
      root.dataset.progressEvents = String(Number(root.dataset.progressEvents || 0) + 1);
      showCounts({
        total: event.files_total,
        done: event.files_done,
        ok: event.files_ok,
        duplicate: event.files_duplicate,
        failed: event.files_failed,
        state: event.state,
      });
      // Reasons are read from the API, only when there is something new to read (a manifest
      // that cannot be read ends its batch: the reason comes with the finished batch).
      if (event.finished || event.files_failed !== lastFailed) refresh();
    },
    // After a reconnection: catch up on whatever was missed.
    snapshot: () => refresh(),
  }, {
    onState: (state) => {
      root.dataset.liveConnection = state;
    },
  });

  for (const button of root.querySelectorAll("[data-show-batch]")) {
    button.addEventListener("click", () => {
      watch(Number(button.dataset.showBatch));
      refresh();
    });
  }
  for (const button of root.querySelectorAll("[data-withdraw]")) {
    button.addEventListener("click", async () => {
      if (!window.confirm(text.confirm_withdraw)) return;
      const response = await api(`/api/batches/${button.dataset.withdraw}/withdraw/`, {method: "POST"}).catch(refused);
      if (response) {
        const row = root.querySelector(`[data-batch-row="${button.dataset.withdraw}"]`);
        row.querySelector("[data-batch-row-state]").textContent = response.data.state_label;
        button.remove();
      }
    });
  }
}
