// The transcription page's keyboard shortcuts: the table in keys.js bound to the page's
// actions, and the help dialog that lists them. Field actions work only while the form is
// ready. `page` is the page's shared state and actions (see transcribe.js).

import {installShortcuts, renderHelp} from "../lib/shortcuts.js";
import {TRANSCRIBE_SHORTCUTS} from "./keys.js";

/** Returns `openHelp`, which opens the help dialog (the page's "Keyboard shortcuts" button
 * opens it too). */
export function installTranscribeKeys(
  page,
  {
    viewer,
    helpDialog,
    helpBody,
    submit,
    openSkip,
    toggleGuide,
    tutorial,
    toggleDiscussion,
    discussion,
    feedback,
    machine,
  },
) {
  const whenReady = (action) => () => page.state() === "ready" && page.form && action();
  function openHelp() {
    if (!helpDialog.open) helpDialog.showModal();
  }
  renderHelp(helpBody, TRANSCRIBE_SHORTCUTS);
  installShortcuts(
    {
      ...viewer.actions,
      nextField: whenReady(() => page.form.move(1)),
      previousField: whenReady(() => page.form.move(-1)),
      illegible: whenReady(() => page.form.toggleMarker("illegible")),
      absent: whenReady(() => page.form.toggleMarker("absent")),
      focusForm: whenReady(() => page.form.focusFirst()),
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
  return openHelp;
}
