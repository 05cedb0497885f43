// The transcription page: ask the API for a task, show its image and form, submit, go on.
// The practice page is the same page in practice mode (data-mode="practice"): its images have
// known answers, and each answer is compared with the expert's before the next one.
//
// The page never reloads between tasks. A submission goes through the outbox (localStorage)
// so that one made offline is sent, once, when the connection returns; what is typed is kept
// as a draft until the server has recorded it.

import {api, ApiError, isTransient} from "./lib/api.js";
import {jsonScript, language, t} from "./lib/messages.js";
import {installShortcuts, renderHelp} from "./lib/shortcuts.js";
import {createViewer} from "./lib/viewer.js";
import {followVisualViewport} from "./lib/visual.js";
import {draftLoad, draftRemove, draftSave, draftsPrune} from "./transcribe/drafts.js";
import {feedbackPanel} from "./transcribe/feedback.js";
import {discussionPanel} from "./transcribe/discussion.js";
import {buildForm} from "./transcribe/form.js";
import {guidePanel} from "./transcribe/guide.js";
import {keptPanel} from "./transcribe/kept.js";
import {machineLayer} from "./transcribe/machine.js";
import {TRANSCRIBE_SHORTCUTS} from "./transcribe/keys.js";
import {newIdempotencyKey, Outbox} from "./transcribe/outbox.js";
import {levelMissing, lockedNotes, trainingLoad} from "./transcribe/training.js";
import {tutorialDialog} from "./transcribe/tutorial.js";

const HEARTBEAT_MS = 60_000; // well inside the shortest lease a project can set
const RETRY_MS = 20_000;

const root = document.querySelector("[data-transcribe]");
if (root) start(root);

function start(root) {
  const slug = root.dataset.project;
  const user = root.dataset.user;
  const practice = root.dataset.mode === "practice";
  const $ = (selector) => root.querySelector(selector);
  const statusLine = $("[data-status]");
  const fieldset = $("[data-fieldset]");
  const helpDialog = $("[data-help-dialog]");
  const skipDialog = $("[data-skip-dialog]");
  const numbers = new Intl.NumberFormat(language);
  // The map beside geopoint fields: tiles, credit, its API (tasks/templatetags/maps.py).
  const mapConfig = document.getElementById("map-config") && window.L ? jsonScript("map-config") : null;
  const viewer = createViewer($("[data-viewer-pane]"), {label: t("viewerLabel")});
  window.crowdViewer = viewer.viewer; // the OpenSeadragon viewer, for browser tests and the curious
  // The machine reading's layer, where the project reads its images.
  const machineToggle = $("[data-machine-toggle]");
  const machine = machineToggle
    ? machineLayer({
        viewer,
        toggle: machineToggle,
        say,
        insert: (word, options) => (form && state() === "ready" ? form.insertWord(word, options) : null),
      })
    : null;
  followVisualViewport(); // the image stays in view above the virtual keyboard (site.css)

  let current = null; // the next-task answer on screen: {task, lease, template}
  let form = null;
  let loading = null;
  let needsTask = true;
  let training = null; // the training answer (tutorial, guide, level), once loaded
  let counts = null; // the volunteer's counts in this project, once loaded
  let guideLabelled = false; // the guide was drawn with the template's field labels

  const state = () => root.dataset.state;
  // loading, ready, sending, offline (a submission waits in the outbox), finished, error;
  // checked (practice: the comparison is on screen), level (the project asks a higher level).
  // The form is usable in "ready" only.
  function setState(name) {
    root.dataset.state = name;
    fieldset.disabled = name !== "ready";
  }
  // Whether the status line only speaks of errors shown under fields (cleared with them).
  let aboutFields = false;
  function say(message, tone = "info", {aboutFieldErrors = false} = {}) {
    statusLine.textContent = message;
    statusLine.dataset.tone = tone;
    aboutFields = aboutFieldErrors;
  }

  // --- Tasks ------------------------------------------------------------------------------
  // `note` says what just happened ("Saved.") and stays on screen with the loading news.
  function loadNext(note = "", tone = "info") {
    needsTask = true;
    loading ??= fetchNext(note, tone).finally(() => {
      loading = null;
    });
    return loading;
  }

  async function fetchNext(note, tone) {
    setState("loading");
    say([note, t(practice ? "practiceLoading" : "loading")].filter(Boolean).join(" "));
    let answer;
    try {
      // In a project with a georeference step, the work the volunteer chose (data-step; "" either).
      const chosen = root.dataset.step === undefined ? "" : `?step=${encodeURIComponent(root.dataset.step)}`;
      const next = practice ? `/api/projects/${slug}/practice/next/` : `/api/projects/${slug}/next-task/${chosen}`;
      // The form is built with the training answer (locked fields, the guide's "?").
      [answer] = await Promise.all([api(next, {method: "POST"}), trainingReady]);
    } catch (error) {
      if (error instanceof ApiError && error.body?.error?.code === "level_needed") {
        await trainingReady; // for what the next level asks
        levelNeeded(error.message);
      } else if (isTransient(error)) {
        setState("offline");
        say([note, t("offlineLoading")].filter(Boolean).join(" "), "warning");
      } else {
        setState("error");
        say(t("failed", {message: error.message}), "error");
      }
      return;
    }
    if (answer.status === 204) finish();
    else show(answer.data, note, tone);
  }

  function show(next, note, tone) {
    current = next;
    needsTask = false;
    const {task, template} = next;
    root.dataset.taskId = String(task.id);
    $("[data-task-heading]").textContent = t("imageNumber", {id: task.id});
    showMetadata(task.metadata_labelled || []);
    showStep(next.step, next.settled || []);
    if (next.practice) showPracticeProgress(next.practice);
    if (training && !guideLabelled) {
      guide.render(training.guide, template.fields);
      guideLabelled = true;
    }
    // Practice is how levels are reached: every field is open there.
    const locked = practice ? [] : training?.locked_fields || [];
    const notes = practice ? [] : lockedNotes(training, template.fields);
    $("[data-locked]").replaceChildren(
      ...notes.map((text) => Object.assign(document.createElement("li"), {textContent: text})),
    );
    $("[data-locked]").hidden = !notes.length;
    form = buildForm($("[data-fields]"), stepTemplate(template, next.step), {
      dayFirst: root.dataset.dateDayFirst !== "false",
      onChange: (snapshot) => draftSave(user, task.id, snapshot),
      onValid: () => aboutFields && say(""),
      guide: guide.available ? {has: guide.has, open: guide.open} : null,
      locked,
      map: mapConfig,
      // The georeference step: the country (an ISO code) and region the server settled, as the
      // consensus checks points against them. Otherwise the institution's metadata.
      metadataPlace: () => next.place || metadataPlace([...(task.metadata_labelled || []), ...(next.settled || [])]),
    });
    const draft = draftLoad(user, task.id);
    if (draft) form.fill(draft);
    // Shown before the image opens: OpenSeadragon fits the image to the size it finds then.
    $("[data-workspace]").hidden = false;
    $("[data-finished]").hidden = true;
    $("[data-level-needed]").hidden = true;
    viewer.open(task);
    if (discussionButton) discussionButton.disabled = false;
    discussion?.follow(task.id);
    machine?.follow(task.id);
    if (outbox.has(task.id)) {
      setState("offline");
      say(t("offlineSaved"), "warning");
      return;
    }
    setState("ready");
    const ready = draft ? t("draftRestored") : t(practice ? "practiceReady" : "ready", {id: task.id});
    say([note, ready].filter(Boolean).join(" "), tone);
    form.focusFirst();
    firstScreen();
  }

  // The record's country and region as the image's metadata (or the settled label) gives them:
  // where the map opens.
  function metadataPlace(entries) {
    const value = (keys) => entries.find((entry) => keys.includes(entry.key))?.value || "";
    return {country: value(["country", "countryCode"]), region: value(["stateProvince", "state", "province", "region"])};
  }

  // A project with a georeference step: the fields of the step this image is given for (the
  // label's when none is said), and, in the georeference step, what its label settled
  // (read-only, beside the image).
  function stepTemplate(template, step) {
    // Practice and known-answer images are labels (their answers carry no step).
    const placing = step === "georeference";
    return {...template, fields: template.fields.filter((field) => Boolean(field.georeference) === placing)};
  }

  function showStep(step, settled) {
    const note = $("[data-step-note]");
    note.hidden = !step;
    note.textContent = step ? t(step === "georeference" ? "stepGeoreference" : "stepLabel") : "";
    root.dataset.taskStep = step || "";
    $("[data-settled]").replaceChildren(
      ...settled.map(({key, label, value}) => {
        const item = document.createElement("div");
        item.dataset.settledKey = key;
        const name = document.createElement("dt");
        const text = document.createElement("dd");
        name.textContent = label;
        text.textContent = value;
        item.append(name, text);
        return item;
      }),
    );
    $("[data-settled-section]").hidden = step !== "georeference";
  }

  // The metadata the template shows, under its labels (the server names each key).
  function showMetadata(entries) {
    $("[data-metadata]").replaceChildren(
      ...entries.map(({label, value}) => {
        const item = document.createElement("div");
        const name = document.createElement("dt");
        const text = document.createElement("dd");
        name.textContent = label;
        text.textContent = value;
        item.append(name, text);
        return item;
      }),
    );
    $("[data-metadata-section]").hidden = !entries.length;
  }

  function finish() {
    current = null;
    needsTask = false;
    setState("finished");
    $("[data-workspace]").hidden = true;
    const finished = $("[data-finished]");
    finished.hidden = false;
    say("");
    finished.querySelector("h2").focus();
    firstScreen();
  }

  // --- Training -----------------------------------------------------------------------------
  const feedback = feedbackPanel($("[data-feedback]"));
  const tutorial = tutorialDialog(root, $("[data-tutorial]"), {user, slug});
  const guideButton = $("[data-action=guide]");
  const guide = guidePanel(document.getElementById("guide-panel"), {
    toggle: (open) => guideButton.setAttribute("aria-expanded", String(open)),
  });
  // Closing the tutorial on a page whose form is not ready leaves the focus on the page.
  root.addEventListener("tutorial-closed", () => state() === "ready" && form?.focusFirst());

  async function refreshTraining() {
    const answer = await trainingLoad(slug);
    if (!answer) return training;
    training = answer;
    tutorial.setSteps(training.tutorial);
    $("[data-action=tutorial]").hidden = !tutorial.available;
    // Drawn again with the template's labels once an image brought it (see show).
    if (!guideLabelled) guide.render(training.guide, current?.template.fields || []);
    guideButton.hidden = !guide.available;
    const practiceLink = $("[data-practice-link]");
    if (practiceLink) practiceLink.hidden = !training.practice?.total;
    if (practice && training.practice) showPracticeProgress(training.practice);
    return training;
  }

  function showPracticeProgress({done, total}) {
    const line = $("[data-practice-progress]");
    if (!line) return;
    line.textContent = t("practiceProgress", {done: numbers.format(done), total: numbers.format(total)});
    line.hidden = !total;
  }

  function levelNeeded(message) {
    current = null;
    needsTask = false;
    setState("level");
    $("[data-workspace]").hidden = true;
    const panel = $("[data-level-needed]");
    $("[data-level-needed-message]").textContent = message;
    $("[data-level-needed-missing]").textContent = levelMissing(training);
    panel.hidden = false;
    say("");
    panel.querySelector("h2").focus();
    firstScreen();
  }

  // The tutorial opens by itself once, on the first screen of a volunteer's first visit (not
  // for one who already transcribed here, on another computer perhaps), or when asked for
  // with ?tutorial=1 (the project page's Tutorial link).
  let firstScreen;
  const shown = new Promise((resolve) => {
    firstScreen = resolve;
  });
  const asked = new URLSearchParams(window.location.search).has("tutorial");
  const trainingReady = refreshTraining();
  const countsReady = refreshCounts();
  Promise.all([trainingReady, countsReady, shown]).then(() => {
    const open = tutorial.available && (asked || (!tutorial.seen && !(counts?.total > 0)));
    if (open) tutorial.open();
    root.dataset.tutorialState = open ? "shown" : "not-shown"; // settled: for tests and the curious
  });

  function toggleGuide() {
    if (!guide.available) return;
    if (guide.isOpen && guide.contains(document.activeElement)) guide.close();
    else guide.open(form?.currentKey());
  }

  async function refreshCounts() {
    if (practice) return; // practice answers are not transcriptions: nothing to count
    try {
      const {data} = await api(`/api/projects/${slug}/my-counts/`);
      counts = data;
      $("[data-count=today]").textContent = numbers.format(data.today);
      $("[data-count=total]").textContent = numbers.format(data.total);
    } catch {
      // Counts are a courtesy; they catch up after the next submission.
    }
  }

  // --- Discussion of the image on screen (not on practice images) -------------------------
  const discussionButton = $("[data-action=discussion]");
  const discussionAside = document.getElementById("discussion-panel");
  const discussion = discussionAside
    ? discussionPanel(discussionAside, {
        slug,
        toggle: (open) => discussionButton.setAttribute("aria-expanded", String(open)),
      })
    : null;
  function toggleDiscussion() {
    if (!discussion || !current) return;
    if (discussion.isOpen) discussion.close();
    else discussion.open(current.task.id);
  }
  discussionButton?.addEventListener("click", toggleDiscussion);

  // --- Submitting ---------------------------------------------------------------------------
  const kept = keptPanel($("[data-kept]"));
  const outbox = new Outbox(user, {
    // Any 2xx: 201 recorded now, 200 recorded already (a retry of a saved answer). An answer
    // on a training image carries its comparison in `feedback` when the volunteer sees it.
    onDelivered(entry, answer) {
      draftRemove(user, entry.taskId);
      refreshCounts();
      const mine = current && entry.taskId === current.task.id;
      // Answers on known-answer images move the level (also blind ones, shown no feedback):
      // the next image's form unlocks the fields it reached.
      if (answer?.feedback || training?.level?.next) refreshTraining();
      if (answer?.feedback) {
        if (practice && mine) {
          // The volunteer reads the comparison (the panel reads it out), then asks for the
          // next practice image.
          setState("checked");
          say("");
          feedback.show(answer.feedback, {next: () => loadNext()});
          return;
        }
        feedback.show(answer.feedback);
      }
      if (!current || mine) loadNext(practice ? "" : t("sent"), "success");
    },
    onRejected(entry, error) {
      const mine = current && entry.taskId === current.task.id;
      const fields = mine ? current.template.fields : [];
      if (!mine) {
        // Its form is gone: what was typed is shown, with the reason, to copy.
        say(t("earlierRejected", {message: error.message}), "error");
        kept.show(entry, error.message, fields);
      } else if (error instanceof ApiError && error.status === 409) {
        // Nothing was recorded and this answer cannot be sent again as it is (the image is
        // full, the project paused): the volunteer reads why and keeps what they typed (the
        // draft too, should the image come back to them), then goes on.
        kept.show(entry, error.message, fields);
        loadNext(error.message, "warning");
      } else {
        setState("ready");
        const byField = {};
        for (const [name, messages] of Object.entries(error.body?.error?.fields || {})) {
          byField[name.replace(/^(values|markers)\./, "")] = messages;
        }
        const elsewhere = form.showErrors(byField);
        // With messages for no field, the line says more than the fields do and stays.
        say([error.message, ...elsewhere].join(" "), "error", {aboutFieldErrors: !elsewhere.length});
      }
    },
    onWaiting(entries) {
      if (!current || entries.some((entry) => entry.taskId === current.task.id)) {
        setState("offline");
        say(t("offlineSaved"), "warning");
      }
    },
  });

  function submit() {
    if (!current || state() !== "ready") return;
    const {values, markers, problems} = form.read();
    if (Object.keys(problems).length) {
      say(t("fixErrors"), "error", {aboutFieldErrors: true});
      form.showErrors(problems);
      return;
    }
    outbox.add({
      key: newIdempotencyKey(),
      taskId: current.task.id,
      lease: current.lease.id,
      values,
      markers,
      machineFields: form.machineFields(),
      georeference: form.georeference(),
      createdAt: Date.now(),
    });
    setState("sending");
    say(t(practice ? "practiceChecking" : "sending"));
    outbox.flush();
  }

  // --- Skipping -----------------------------------------------------------------------------
  function openSkip() {
    if (current && state() === "ready") skipDialog.showModal();
  }

  skipDialog.querySelector("form").addEventListener("submit", async (event) => {
    if (event.submitter?.value !== "skip") return; // Cancel: method="dialog" closes it
    event.preventDefault();
    const choice = new FormData(event.target);
    skipDialog.close();
    const {task, lease} = current;
    setState("sending");
    say(t("skipping"));
    try {
      await api(`/api/leases/${lease.id}/release/`, {
        method: "POST",
        body: {reason: choice.get("reason") || "", note: choice.get("note") || ""},
      });
    } catch (error) {
      setState("ready");
      say(isTransient(error) ? t("skipOffline") : t("failed", {message: error.message}), "error");
      return;
    }
    event.target.reset();
    draftRemove(user, task.id);
    loadNext(t("skipped"));
  });

  // --- Keeping the lease --------------------------------------------------------------------
  window.setInterval(async () => {
    // Only while the contributor is working on it: not while it is being sent or replaced.
    if (!current || state() !== "ready") return;
    const leaseId = current.lease.id;
    try {
      await api(`/api/leases/${leaseId}/heartbeat/`, {method: "POST"});
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && current?.lease.id === leaseId) {
        say(t("leaseLost"), "warning");
      }
    }
  }, HEARTBEAT_MS);

  // Back online, or a periodic retry: fetch the task we could not fetch. (Pending submissions
  // are the outbox's business; the next task follows once they are delivered.)
  const retry = () => {
    if (needsTask && !loading && !outbox.entries().length && state() !== "finished") loadNext();
  };
  window.addEventListener("online", retry);
  window.setInterval(() => navigator.onLine !== false && retry(), RETRY_MS);

  // --- Keyboard -----------------------------------------------------------------------------
  const whenReady = (action) => () => state() === "ready" && form && action();
  function openHelp() {
    if (!helpDialog.open) helpDialog.showModal();
  }
  renderHelp($("[data-shortcuts]"), TRANSCRIBE_SHORTCUTS);
  installShortcuts(
    {
      ...viewer.actions,
      nextField: whenReady(() => form.move(1)),
      previousField: whenReady(() => form.move(-1)),
      illegible: whenReady(() => form.toggleMarker("illegible")),
      absent: whenReady(() => form.toggleMarker("absent")),
      focusForm: whenReady(() => form.focusFirst()),
      submit,
      skip: openSkip,
      help: openHelp,
      guide: toggleGuide,
      tutorial: () => tutorial.open(),
      discussion: toggleDiscussion,
      dismissFeedback: () => feedback.dismiss(),
      machine: () => machine?.toggle(),
    },
    {
      // In the discussion panel, keys type a comment: the panel closes itself (Escape, Alt+D).
      paused: () =>
        Boolean(document.querySelector("dialog[open]")) || Boolean(discussion?.contains(document.activeElement)),
      table: TRANSCRIBE_SHORTCUTS,
    },
  );
  $("[data-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  // Enter in a field goes to the next one: an answer sent by a stray Enter is worse than none.
  $("[data-form]").addEventListener("keydown", (event) => {
    const plain = !(event.ctrlKey || event.metaKey || event.altKey || event.shiftKey);
    if (event.key === "Enter" && plain && event.target.matches("input[type=text]")) {
      event.preventDefault();
      form.move(1);
    }
  });
  $("[data-action=skip]").addEventListener("click", openSkip);
  $("[data-action=help]").addEventListener("click", openHelp);
  $("[data-action=tutorial]").addEventListener("click", () => tutorial.open());
  guideButton.addEventListener("click", () => (guide.isOpen ? guide.close() : guide.open()));

  // --- Start: deliver what an earlier visit left in the outbox, then fetch a task -----------
  draftsPrune();
  setState("loading");
  outbox.flush().then(() => {
    if (!outbox.entries().length) retry();
    else if (!current) {
      setState("offline");
      say(t("offlineSaved"), "warning");
    }
  });
}
