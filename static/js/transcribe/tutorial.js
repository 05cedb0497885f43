// The project's tutorial: its steps one at a time in a modal dialog, each outlining the field
// or tool it talks about on the page behind.
//
// Whether a volunteer has seen it is kept in localStorage, per user and project: nothing to
// store on the server for a convenience, and a volunteer who reads it again on a new computer
// loses nothing (the page also skips it for anyone who already transcribed in the project).

import {t} from "../lib/messages.js";

const SEEN_PREFIX = "crowd.tutorial.";

// What a step's `highlight` points at (tasks.models.training.Highlight), besides "field:<key>".
const TARGETS = {
  viewer: "[data-viewer]",
  zoom: "[data-view=zoomIn], [data-view=zoomOut]",
  rotate: "[data-view=rotateLeft], [data-view=rotateRight]",
  guide: "[data-action=guide]",
  markers: ".tfield .markers",
  skip: "[data-action=skip]",
  submit: "[data-form] button[type=submit]",
};

/** The elements of `root` a step's highlight names (none when they are not on the page). */
export function highlightTargets(root, highlight) {
  if (!highlight) return [];
  if (highlight.startsWith("field:")) {
    const field = root.querySelector(`.tfield[data-key="${CSS.escape(highlight.slice(6))}"]`);
    return field ? [field] : [];
  }
  const selector = TARGETS[highlight];
  if (!selector) return [];
  const found = [...root.querySelectorAll(selector)].filter((element) => !element.closest("[hidden]"));
  // The markers of the first field stand for all of them.
  return highlight === "markers" ? found.slice(0, 1) : found;
}

function storageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage refused (private mode): the tutorial may open once more next time.
  }
}

/** Paragraphs of plain text (a blank line between two), as DOM nodes: never markup. */
export function paragraphs(text) {
  return (text || "")
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = part;
      return paragraph;
    });
}

export function tutorialDialog(root, dialog, {user, slug}) {
  const seenKey = `${SEEN_PREFIX}${user}.${slug}`;
  const $ = (selector) => dialog.querySelector(selector);
  const back = $("[data-tutorial-back]");
  const next = $("[data-tutorial-next]");
  const image = $("[data-tutorial-image]");
  let steps = [];
  let index = 0;
  let opener = null;
  let lit = [];

  function unlight() {
    for (const element of lit) element.classList.remove("tutorial-target");
    lit = [];
  }

  function render() {
    const step = steps[index];
    $("[data-tutorial-count]").textContent = t("tutorialStep", {n: index + 1, total: steps.length});
    $("[data-tutorial-title]").textContent = step.title;
    $("[data-tutorial-body]").replaceChildren(...paragraphs(step.body));
    image.hidden = !step.image;
    if (step.image) image.src = step.image;
    else image.removeAttribute("src");
    back.disabled = index === 0;
    const last = index === steps.length - 1;
    next.textContent = last ? t("tutorialDone") : t("tutorialNext");
    unlight();
    lit = highlightTargets(root, step.highlight);
    for (const element of lit) element.classList.add("tutorial-target");
    lit[0]?.scrollIntoView({block: "nearest"});
    // The dialog sits on the side away from what it points at.
    const box = lit[0]?.getBoundingClientRect();
    dialog.dataset.side = box && box.left + box.width / 2 > window.innerWidth / 2 ? "left" : "right";
    if (!lit.length) delete dialog.dataset.side;
  }

  function go(delta) {
    const to = index + delta;
    if (to < 0) return;
    if (to >= steps.length) {
      dialog.close();
      return;
    }
    index = to;
    render();
    // Keep the focus on the button pressed, unless it just became disabled.
    (back.disabled && document.activeElement === back ? next : document.activeElement)?.focus();
  }

  back.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));
  // The dialog is modal (the page behind is inert), but Tab past its last button would leave
  // for the browser's own controls: it comes round to the first one instead.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const focusable = [...dialog.querySelectorAll("button, [href], input")].filter((element) => !element.disabled);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  // Escape (the dialog's cancel), Close and the last step's button all end here.
  dialog.addEventListener("close", () => {
    unlight();
    storageSet(seenKey, "1");
    const returnTo = opener;
    opener = null;
    if (returnTo?.isConnected && !returnTo.closest("[hidden], fieldset:disabled")) returnTo.focus();
    else root.dispatchEvent(new CustomEvent("tutorial-closed"));
  });

  return {
    get available() {
      return steps.length > 0;
    },
    get seen() {
      return storageGet(seenKey) === "1";
    },
    setSteps(list) {
      steps = Array.isArray(list) ? list : [];
    },
    open(at = 0) {
      if (!steps.length) return;
      if (!dialog.open) opener = document.activeElement;
      index = Math.min(Math.max(at, 0), steps.length - 1);
      render();
      if (!dialog.open) dialog.showModal();
      next.focus();
    },
  };
}
