// The transcription page: ask the API for a task, show its image and form, submit, go on.
// The practice page is the same page in practice mode (data-mode="practice"): its images have
// known answers, and each answer is compared with the expert's before the next one.
//
// The page never reloads between tasks. A submission goes through the outbox (localStorage)
// so that one made offline is sent, once, when the connection returns; what is typed is kept
// as a draft until the server has recorded it.
//
// This file fetches and shows the tasks, holds the page's state and ties its parts together;
// sending answers (transcribe/submit.js), the lease and skipping (transcribe/lease.js) and the
// keyboard shortcuts (transcribe/keyboard.js) live beside it and share that state through
// `page` (below).

import {api, ApiError, isTransient} from "./lib/api.js";
import {jsonScript, language, t} from "./lib/messages.js";
import {createViewer} from "./lib/viewer.js";
import {followVisualViewport} from "./lib/visual.js";
import {metadataPlace, showMetadata, showStep, stepTemplate} from "./transcribe/details.js";
import {draftLoad, draftSave, draftsPrune} from "./transcribe/drafts.js";
import {feedbackPanel} from "./transcribe/feedback.js";
import {discussionPanel} from "./transcribe/discussion.js";
import {buildForm} from "./transcribe/form.js";
import {guidePanel} from "./transcribe/guide.js";
import {installTranscribeKeys} from "./transcribe/keyboard.js";
import {installSkip, keepLease} from "./transcribe/lease.js";
import {machineLayer} from "./transcribe/machine.js";
import {submission} from "./transcribe/submit.js";
import {levelMissing, lockedNotes, trainingLoad} from "./transcribe/training.js";
import {tutorialDialog} from "./transcribe/tutorial.js";

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
  // What the parts of the page in transcribe/ read and do. The task on screen, its form and the
  // training answer change as the volunteer goes on: read them through the getters.
  const page = {
    get current() {
      return current;
    },
    get form() {
      return form;
    },
    get training() {
      return training;
    },
    state,
    setState,
    say,
    loadNext,
  };

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
    showMetadata(root, task.metadata_labelled || []);
    showStep(root, next.step, next.settled || []);
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

  // --- Submitting, skipping and keeping the lease -------------------------------------------
  const {outbox, submit} = submission(page, {
    user,
    practice,
    kept: $("[data-kept]"),
    feedback,
    refreshTraining,
    refreshCounts,
  });
  const openSkip = installSkip(skipDialog, page, {user});
  keepLease(page);

  // Back online, or a periodic retry: fetch the task we could not fetch. (Pending submissions
  // are the outbox's business; the next task follows once they are delivered.)
  const retry = () => {
    if (needsTask && !loading && !outbox.entries().length && state() !== "finished") loadNext();
  };
  window.addEventListener("online", retry);
  window.setInterval(() => navigator.onLine !== false && retry(), RETRY_MS);

  // --- Keyboard -----------------------------------------------------------------------------
  const openHelp = installTranscribeKeys(page, {
    viewer,
    helpDialog,
    helpBody: $("[data-shortcuts]"),
    submit,
    openSkip,
    toggleGuide,
    tutorial,
    toggleDiscussion,
    discussion,
    feedback,
    machine,
  });
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
