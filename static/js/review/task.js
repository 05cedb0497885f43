// The resolve page: claim the image, show it with each waiting field's answers side by side,
// send the curator's decisions, and open the next disputed image when this one is settled.

import {connectLive} from "../lib/live.js";
import {api, ApiError} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {createViewer} from "../lib/viewer.js";
import {followVisualViewport} from "../lib/visual.js";
import {createClaim} from "./claim.js";
import {debounce, el, filtersFrom, formatClock, loadFieldSpecs, nextDisputedTask, query, skippedTasks, tn} from "./common.js";
import {isPending, pendingField, settledField} from "./field.js";
import {installReviewKeys} from "./keys.js";

const FLASH = "crowd.review.flash"; // what the previous image's page said, shown on the next

const root = document.querySelector("[data-review-task]");
if (root) start(root);

function start(root) {
  const slug = root.dataset.project;
  const taskId = Number(root.dataset.task);
  const me = root.dataset.me;
  const filters = filtersFrom(window.location.search);
  const skipped = skippedTasks(slug);
  const $ = (selector) => root.querySelector(selector);
  const reasons = [...root.querySelectorAll("[data-reasons] [data-value]")].map((item) => [item.dataset.value, item.textContent.trim()]);
  const viewer = createViewer($("[data-viewer-pane]"), {label: t("viewerLabel")});
  window.crowdViewer = viewer.viewer; // for browser tests and the curious, as on the transcription page
  followVisualViewport(); // as on the transcription page: the image stays in view on phones

  let specs = {};
  let review = null;
  let controls = []; // one per field on screen, pending ones first
  let lastFieldId = null; // the field shortcuts act on: the one focus was last in
  const decidedHere = new Set(); // sent back for more on this page: done here though still unsettled

  const state = () => root.dataset.state;
  // loading, ready, sending, taken (another curator holds it), empty (queue empty), error.
  function setState(name) {
    root.dataset.state = name;
    const locked = name !== "ready";
    for (const control of controls) control.setDisabled?.(locked);
    for (const control of root.querySelectorAll("form.reopen input, form.reopen select, form.reopen button")) control.disabled = locked;
  }
  function say(message, tone = "info") {
    $("[data-status]").textContent = message;
    $("[data-status]").dataset.tone = tone;
  }

  const claim = createClaim(taskId, {
    onLost(current, message) {
      const text = current.claimed_by ? t("takenUntil", {name: current.claimed_by, time: formatClock(current.claimed_until)}) : message;
      $("[data-taken]").hidden = false;
      $("[data-claim]").textContent = "";
      setState("taken");
      say(text, "warning");
    },
    onRenewed(data) {
      $("[data-claim]").textContent = t("claimedUntil", {time: formatClock(data.claimed_until)});
    },
  });

  // --- Showing the image and its fields -------------------------------------------------------
  async function load() {
    const {data} = await api(`/api/tasks/${taskId}/review/`);
    const first = review === null;
    review = data;
    if (first) {
      $("[data-workspace]").hidden = false; // before opening: OpenSeadragon fits to the size it finds
      viewer.open(review.task);
      showMetadata(review.task.metadata_labelled || []);
    }
    render();
  }

  // Every key, under the template's labels; curators also read the key itself, and which keys
  // volunteers do not see.
  function showMetadata(entries) {
    $("[data-metadata]").replaceChildren(
      ...entries.map(({key, label, value, shown}) => {
        const name = el("dt", {text: label});
        if (label !== key) name.append(" ", el("code", {className: "key", text: key}));
        if (!shown) name.append(" ", el("span", {className: "badge not-shown", text: t("metadataNotShown")}));
        return el("div", {}, [name, el("dd", {text: value})]);
      }),
    );
    $("[data-metadata-section]").hidden = !entries.length;
  }

  function render() {
    const kept = Object.fromEntries(controls.filter((c) => c.snapshot).map((c) => [c.field.id, c.snapshot()]));
    const focused = document.activeElement?.id && root.contains(document.activeElement) ? document.activeElement.id : null;
    const fields = review.fields.map((field) => ({...field, spec: specs[field.key]}));
    const pending = fields.filter((field) => isPending(field) && !decidedHere.has(field.id));
    const settled = fields.filter((field) => !pending.includes(field));
    controls = [
      ...pending.map((field) => {
        const control = pendingField(field, {reasons, onConfirm: () => decide(control)});
        control.restore(kept[field.id]);
        return control;
      }),
      ...settled.map((field) => {
        const control = settledField(field, {reasons, decidedHere: decidedHere.has(field.id), onReopen: (body) => reopen(control, body)});
        return control;
      }),
    ];
    $("[data-pending]").replaceChildren(...controls.filter((c) => c.pick).map((c) => c.element));
    $("[data-settled]").replaceChildren(...controls.filter((c) => !c.pick).map((c) => c.element));
    $("[data-pending-count]").textContent = pending.length ? tn("pendingCount", pending.length) : t("nothingPending");
    $("[data-settled-section]").hidden = !settled.length;
    setState(state()); // disable what must be
    if (focused) document.getElementById(focused)?.focus();
  }

  const pendingControls = () => controls.filter((c) => c.pick);
  function currentControl() {
    return controls.find((c) => c.field.id === lastFieldId) || pendingControls()[0] || controls[0];
  }
  function focusControl(control) {
    if (!control) return;
    lastFieldId = control.field.id;
    control.focus();
  }
  root.addEventListener("focusin", (event) => {
    const element = event.target.closest?.("[data-field-id]");
    if (element) lastFieldId = Number(element.dataset.fieldId);
  });

  // --- Decisions ------------------------------------------------------------------------------
  const fieldErrors = (error) => Object.values(error.body?.error?.fields || {}).flat();

  async function decide(control) {
    if (state() !== "ready" || !control?.pick) return;
    const decision = control.read();
    if (!decision) {
      control.showErrors([t("chooseFirst")]);
      control.focus();
      return;
    }
    control.showErrors([]);
    setState("sending");
    say(t("sending"));
    try {
      await api(`/api/field-results/${control.field.id}/resolve/`, {method: "POST", body: decision});
    } catch (error) {
      await failed(error, control, decision.decision === "value" ? () => control.focusTyped() : () => control.focus());
      return;
    }
    if (decision.decision === "more") decidedHere.add(control.field.id);
    const label = control.field.spec?.label || control.field.key;
    const index = pendingControls().indexOf(control);
    await refresh();
    const left = pendingControls();
    if (!left.length) {
      // A value sent back for more transcriptions leaves the image open for contributors.
      goNext(t(decidedHere.size ? "taskSentBack" : "taskSettled", {id: taskId}));
      return;
    }
    setState("ready");
    say(t("decided", {field: label}), "success");
    focusControl(left[Math.min(index, left.length - 1)]);
  }

  async function reopen(control, body) {
    if (state() !== "ready") return;
    if (!body.reason) {
      control.showErrors([t("reasonRequired")]);
      control.openReopen();
      return;
    }
    setState("sending");
    say(t("sending"));
    try {
      await api(`/api/field-results/${control.field.id}/reopen/`, {method: "POST", body});
    } catch (error) {
      await failed(error, control, () => control.openReopen());
      return;
    }
    decidedHere.delete(control.field.id);
    await refresh();
    setState("ready");
    say(t("reopened", {field: control.field.spec?.label || control.field.key}), "success");
    focusControl(controls.find((c) => c.field.id === control.field.id));
  }

  /** A refused decision: messages next to the field (400), the current state (409). */
  async function failed(error, control, refocus) {
    setState("ready");
    if (error instanceof ApiError && error.status === 400) {
      control.showErrors(fieldErrors(error).length ? fieldErrors(error) : [error.message]);
      say(error.message, "error");
      refocus();
      return;
    }
    if (error instanceof ApiError && error.status === 409) {
      const current = error.body?.error?.current || {};
      await refresh();
      if ("claimed_by" in current) claim.take().catch(() => {}); // shows who holds it
      else say(error.message, "warning");
      return;
    }
    say(t("failed", {message: error.message}), "error");
  }

  async function refresh() {
    try {
      await load();
    } catch (error) {
      say(t("failed", {message: error.message}), "error");
    }
  }

  // --- Moving on ------------------------------------------------------------------------------
  async function goNext(note) {
    setState("loading");
    say([note, t("openingNext")].join(" "), "success");
    let next;
    try {
      next = await nextDisputedTask({slug, filters, exclude: new Set([taskId, ...skipped.all()]), me});
    } catch (error) {
      setState("ready");
      say(t("failed", {message: error.message}), "error");
      return;
    }
    if (next === null) {
      await claim.release();
      setState("empty");
      $("[data-workspace]").hidden = true;
      $("[data-taken]").hidden = true;
      $("[data-empty]").hidden = false;
      say(note, "success");
      $("[data-empty] h2").focus();
      return;
    }
    sessionStorage.setItem(FLASH, note);
    window.location.assign(`${root.dataset.taskUrl.replace(/\/0\/$/, `/${next}/`)}${query(filters)}`);
  }

  async function setAside() {
    if (state() === "loading" || state() === "sending") return;
    skipped.add(taskId);
    await claim.release();
    goNext(t("setAside", {id: taskId}));
  }

  async function retry() {
    if (state() !== "taken") return;
    say(t("retrying"));
    try {
      if (!(await claim.take())) return;
    } catch (error) {
      say(t("failed", {message: error.message}), "error");
      return;
    }
    $("[data-taken]").hidden = true;
    setState("ready");
    await refresh();
    say(t("ready", {id: taskId}), "success");
    focusControl(pendingControls()[0] || controls[0]);
  }

  // --- Live: someone else's decision, a new transcription, the holder leaving -----------------
  const refreshSoon = debounce(() => {
    if (state() === "ready" || state() === "taken") refresh();
  }, 300);
  const mine = (event) => Number(event.task) === taskId;
  connectLive(`/ws/projects/${slug}/`, {
    "task.reconciled": (event) => mine(event) && refreshSoon(),
    "dispute.resolved": (event) => mine(event) && refreshSoon(),
    "dispute.reopened": (event) => mine(event) && refreshSoon(),
    "dispute.released": (event) => {
      if (mine(event) && state() === "taken") say(t("nowFree"), "info");
    },
  }, {onState: (connection) => (root.dataset.liveConnection = connection)});
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && state() === "ready") claim.take().catch(() => {}); // back from the bfcache
  });

  // --- Keyboard -------------------------------------------------------------------------------
  const {openHelp} = installReviewKeys({
    viewer,
    isReady: () => state() === "ready",
    current: currentControl,
    all: () => controls,
    focus: focusControl,
    decide,
    setAside,
    retry,
    say,
    queue: () => window.location.assign(`${root.dataset.queueUrl}${query(filters)}`),
    helpDialog: $("[data-help-dialog]"),
    helpBody: $("[data-shortcuts]"),
  });
  $("[data-action=help]").addEventListener("click", openHelp);
  $("[data-action=retry]").addEventListener("click", retry);
  for (const button of root.querySelectorAll("[data-action=next-image]")) button.addEventListener("click", setAside);
  for (const link of root.querySelectorAll("[data-queue-link]")) link.search = query(filters);

  // --- Start ----------------------------------------------------------------------------------
  (async () => {
    setState("loading");
    const flash = sessionStorage.getItem(FLASH);
    sessionStorage.removeItem(FLASH);
    try {
      specs = await loadFieldSpecs(slug);
      const held = await claim.take();
      await load();
      if (!held) return; // onLost said who holds it; the values stay readable
    } catch (error) {
      setState("error");
      say(t("failed", {message: error.message}), "error");
      return;
    }
    setState("ready");
    say([flash, pendingControls().length ? t("ready", {id: taskId}) : t("nothingPending")].filter(Boolean).join(" "), flash ? "success" : "info");
    if (pendingControls().length) focusControl(pendingControls()[0]);
    else $("[data-task-heading]").focus();
  })();
}
