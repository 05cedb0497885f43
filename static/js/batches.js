// The leads' upload page: create a staged batch, send each file with its own progress bar,
// start the ingest, then follow it live over the project's socket and list what failed.
// Beside the upload button, one line says where the click is at (sending, then ingesting, then
// a link to the batch); the list of recent batches follows every batch live, new ones included.
import {api, ApiError, csrfToken} from "./lib/api.js";
import {connectLive} from "./lib/live.js";
import {format, jsonScript, language} from "./lib/messages.js";

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
  const feedback = root.querySelector("[data-upload-feedback]");
  const feedbackBar = feedback.querySelector("[data-feedback-progress]");
  const feedbackText = feedback.querySelector("[data-feedback-text]");
  const feedbackLink = feedback.querySelector("[data-feedback-link]");
  const batchList = root.querySelector("[data-batch-list]");
  const batchRows = root.querySelector("[data-batch-rows]");
  const PARALLEL_UPLOADS = 3;
  // Counted sentences come in both forms ({one, other}); the count picks one.
  const plurals = new Intl.PluralRules(language);
  const counted = (forms, count, values) => format(forms[plurals.select(count)] ?? forms.other, values);
  let chosen = [];
  let watched = null; // the batch whose ingest the page shows
  let sent = null; // the batch this page's last upload made: its progress goes beside the button
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
    chosenLine.textContent = chosen.length ? counted(text.chosen, chosen.length, {count: chosen.length}) : "";
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

  // --- Beside the button ----------------------------------------------------------------------
  function say(message, {value = null, max = null, phase} = {}) {
    feedback.hidden = false;
    feedback.dataset.phase = phase;
    feedbackText.textContent = message;
    if (max !== null) feedbackBar.max = Math.max(max, 1);
    if (value !== null) feedbackBar.value = value;
  }

  function linkToBatch(batchId) {
    feedbackLink.href = `?batch=${batchId}#ingest-heading`;
    feedbackLink.hidden = false;
  }

  // Bytes sent of all the files, as each request reports them.
  function sendingProgress(loaded, sizes, done) {
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const sentBytes = loaded.reduce((sum, bytes) => sum + bytes, 0);
    say(counted(text.sending, sizes.length, {done, total: sizes.length}), {value: sentBytes, max: total, phase: "sending"});
  }

  // One file, one request: a real progress bar per file, and one refusal never costs the rest.
  function sendFile(batchId, file, row, onProgress) {
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
          onProgress(Math.min(event.loaded, file.size));
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
        onProgress(file.size);
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
    form.setAttribute("aria-busy", "true");
    feedbackLink.hidden = true;
    const files = [...chosen];
    const sizes = files.map((file) => file.size);
    const loaded = files.map(() => 0);
    let done = 0;
    sendingProgress(loaded, sizes, done);
    try {
      const body = new FormData();
      body.append("staged", "true");
      body.append("purpose", purpose());
      body.append("name", form.querySelector("#upload-name").value);
      const metadata = form.querySelector("#upload-metadata").files[0];
      if (metadata) body.append("metadata", metadata, metadata.name);
      const {data: created} = await api(`/api/projects/${slug}/batches/`, {method: "POST", body});
      const batchId = created.id;
      sent = batchId;
      watch(batchId);
      rowsRefresh();
      fileList.replaceChildren();
      root.querySelector("[data-upload-files]").hidden = false;
      const queue = files.map((file, index) => [file, fileRow(file), index]);
      const workers = Array.from({length: PARALLEL_UPLOADS}, async () => {
        while (queue.length) {
          const [file, row, index] = queue.shift();
          await sendFile(batchId, file, row, (bytes) => {
            loaded[index] = bytes;
            sendingProgress(loaded, sizes, done);
          });
          done += 1;
          sendingProgress(loaded, sizes, done);
        }
      });
      await Promise.all(workers);
      say(text.starting, {phase: "starting"});
      const {data: started} = await api(`/api/batches/${batchId}/start/`, {method: "POST"});
      linkToBatch(batchId);
      show(started);
    } catch (error) {
      feedback.dataset.phase = "failed";
      showError(errorLine, error instanceof ApiError ? errorText(error.body) : text.network);
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
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
    rowsRefresh();
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
    const counts = state === "reading"
      ? text.reading
      : counted(text.ingest, total, {done, total, ok, duplicate, failed});
    root.querySelector("[data-ingest-counts]").textContent = counts;
    if (label) root.querySelector("[data-ingest-state]").textContent = label;
    ingest.dataset.state = state;
  }

  // The ingest of the batch this page sent, beside the button.
  function sayIngest({batch, total, done, ok, duplicate, failed, state}) {
    if (batch !== sent || state === "receiving") return;
    const finished = ["done", "failed", "withdrawn"].includes(state);
    const counts = counted(text.ingest, total, {done, total, ok, duplicate, failed});
    say(finished ? `${text.finished} ${counts}` : counts, {value: done, max: total, phase: finished ? "finished" : "ingesting"});
    if (finished) linkToBatch(batch);
  }

  // The whole status, failures with their reasons in the reader's language, from the API.
  function show(summary) {
    const counts = summary.counts;
    showCounts({...counts, state: summary.state, label: summary.state_label});
    sayIngest({...counts, batch: summary.id, state: summary.state});
    rowShow({batch: summary.id, state: summary.state, ok: counts.ok, total: counts.total, failed: counts.failed});
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

  // --- Recent batches, live -------------------------------------------------------------------
  function rowShow({batch, state, ok, total, failed}) {
    const row = batchRows.querySelector(`[data-batch-row="${batch}"]`);
    if (!row) {
      rowsRefresh();
      return;
    }
    row.dataset.state = state;
    row.querySelector("[data-batch-row-state]").textContent = text.states[state] || state;
    row.querySelector("[data-batch-row-counts]").textContent = format(text.row_counts, {ok, total, failed});
    if (state === "withdrawn") row.querySelector("[data-withdraw]")?.remove();
  }

  // Batches this page has no row for (made here, in another tab, by another lead): their rows
  // as the server renders them, read from this very page, added on top; the others stay as they
  // are (a priority being typed is not lost).
  let rowsPending = null;
  function rowsRefresh() {
    rowsPending ??= (async () => {
      try {
        const response = await fetch(window.location.pathname, {credentials: "same-origin", headers: {Accept: "text/html"}});
        if (!response.ok) return;
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = [...page.querySelectorAll("[data-batch-rows] [data-batch-row]")];
        const known = new Set([...batchRows.querySelectorAll("[data-batch-row]")].map((row) => row.dataset.batchRow));
        const added = fresh.filter((row) => !known.has(row.dataset.batchRow)).map((row) => document.importNode(row, true));
        if (added.length) {
          batchRows.prepend(...added);
          batchList.hidden = false;
          root.querySelector("[data-no-batch]").hidden = true;
          root.dataset.rowsAdded = String(Number(root.dataset.rowsAdded || 0) + added.length);
        }
      } catch {
        // Offline: the next event or reconnection tries again.
      } finally {
        rowsPending = null;
      }
    })();
    return rowsPending;
  }

  connectLive(`/ws/projects/${slug}/`, {
    "batch.progress": (event) => {
      rowShow({batch: event.batch, state: event.state, ok: event.files_ok, total: event.files_total, failed: event.files_failed});
      sayIngest({
        batch: event.batch,
        total: event.files_total,
        done: event.files_done,
        ok: event.files_ok,
        duplicate: event.files_duplicate,
        failed: event.files_failed,
        state: event.state,
      });
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
    snapshot: () => {
      refresh();
      rowsRefresh();
    },
  }, {
    onState: (state) => {
      root.dataset.liveConnection = state;
    },
  });

  // Rows come and go: their buttons and forms are handled here, for rows added later too.
  batchRows.addEventListener("click", async (event) => {
    const details = event.target.closest("[data-show-batch]");
    if (details) {
      watch(Number(details.dataset.showBatch));
      refresh();
      return;
    }
    const withdraw = event.target.closest("[data-withdraw]");
    if (!withdraw || !window.confirm(text.confirm_withdraw)) return;
    const response = await api(`/api/batches/${withdraw.dataset.withdraw}/withdraw/`, {method: "POST"}).catch(refused);
    if (response) {
      const row = withdraw.closest("[data-batch-row]");
      row.querySelector("[data-batch-row-state]").textContent = response.data.state_label;
      row.dataset.state = response.data.state;
      withdraw.remove();
    }
  });

  // A priority is set without leaving the page (an upload may be under way); the form posts
  // as it is without this script.
  batchRows.addEventListener("submit", async (event) => {
    const priorityForm = event.target.closest("[data-priority-form]");
    if (!priorityForm) return;
    event.preventDefault();
    const status = priorityForm.querySelector("[data-priority-status]");
    const button = priorityForm.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(priorityForm.action, {
        method: "POST",
        body: new FormData(priorityForm),
        credentials: "same-origin",
        headers: {Accept: "application/json", "X-CSRFToken": csrfToken()},
      });
      const body = await response.json().catch(() => ({}));
      status.dataset.tone = response.ok ? "ok" : "error";
      status.textContent = response.ok ? body.message : errorText(body);
    } catch {
      status.dataset.tone = "error";
      status.textContent = text.network;
    } finally {
      button.disabled = false;
    }
  });

  if (root.dataset.watched) {
    watch(Number(root.dataset.watched));
    refresh();
  }
}
