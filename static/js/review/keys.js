// The resolve page's keyboard shortcuts, in the shape lib/shortcuts.js reads:
// [action, description key, key combinations]; one table drives the keys and the help dialog.
//
// Why these keys: digits pick an answer (the answers are numbered on screen); Alt+letters work
// while typing a value or a note. Alt+E and Alt+F are avoided (Chrome's menu on Windows), and
// the transcription page's Alt+V (invert) and Alt+M (flip) mean "type the value" and "more"
// here, as curators asked, so the viewer's invert and flip move to Alt+C and Alt+L.

import {t} from "../lib/messages.js";
import {DIGITS, installShortcuts, pressedDigit, renderHelp} from "../lib/shortcuts.js";

export const REVIEW_SHORTCUTS = [
  ["pick", "scPick", [DIGITS]],
  ["typeValue", "scTypeValue", ["Alt+V"]],
  ["illegible", "scIllegible", ["Alt+I"]],
  ["more", "scMore", ["Alt+M"]],
  ["reason", "scReason", ["Alt+W"]],
  ["confirm", "scConfirm", ["Ctrl+Enter"]],
  ["nextField", "scNextField", ["Alt+J"]],
  ["previousField", "scPreviousField", ["Alt+K"]],
  ["reopen", "scReopen", ["Alt+O"]],
  ["nextImage", "scNextImage", ["Alt+N"]],
  ["retry", "scRetry", ["Alt+T"]],
  ["queue", "scQueue", ["Alt+Q"]],
  ["zoomIn", "scZoomIn", ["+", "Alt+="]],
  ["zoomOut", "scZoomOut", ["-", "Alt+-"]],
  ["rotateRight", "scRotateRight", ["R", "Alt+R"]],
  ["rotateLeft", "scRotateLeft", ["Shift+R", "Alt+Shift+R"]],
  ["flip", "scFlip", ["F", "Alt+L"]],
  ["reset", "scReset", ["0", "Alt+0"]],
  ["invert", "scInvert", ["Alt+C"]],
  ["fullscreen", "scFullscreen", ["Alt+X"]],
  ["focusImage", "scFocusImage", ["Alt+1"]],
  ["focusField", "scFocusField", ["Alt+2"]],
  [null, "scPan", ["←", "↑", "→", "↓"]],
  ["help", "scHelp", ["?"]],
];

/** Bind the table to the resolve page. Field actions act on `current()` (the field focus was
 * last in) and only while `isReady()`; moving, help and leaving work in every state. */
export function installReviewKeys({viewer, isReady, current, all, focus, decide, setAside, retry, say, queue, helpDialog, helpBody}) {
  const ready = (action) => (event) => isReady() && action(current(), event);
  const move = (step) => {
    const controls = all();
    const index = controls.indexOf(current());
    focus(controls[Math.max(0, Math.min(controls.length - 1, index + step))]);
  };
  const openHelp = () => helpDialog.open || helpDialog.showModal();
  renderHelp(helpBody, REVIEW_SHORTCUTS);
  installShortcuts(
    {
      ...viewer.actions,
      pick: ready((control, event) => {
        const n = pressedDigit(event);
        if (control?.pick && !control.pick(n)) say(t("noSuchAnswer", {n}), "warning");
      }),
      typeValue: ready((control) => control?.focusTyped?.()),
      illegible: ready((control) => control?.choose?.("illegible")),
      more: ready((control) => control?.choose?.("more")),
      // On a settled field, "the reason" is the reopening reason.
      reason: ready((control) => (control?.focusReason ? control.focusReason() : control?.openReopen?.())),
      confirm: ready((control) => {
        if (control?.pick) decide(control);
        else control?.element.querySelector("form.reopen")?.requestSubmit();
      }),
      nextField: ready(() => move(1)),
      previousField: ready(() => move(-1)),
      reopen: ready((control) => control?.openReopen?.()),
      focusField: ready((control) => focus(control)),
      nextImage: setAside,
      retry,
      queue,
      help: openHelp,
    },
    {paused: () => Boolean(document.querySelector("dialog[open]")), table: REVIEW_SHORTCUTS},
  );
  return {openHelp};
}
