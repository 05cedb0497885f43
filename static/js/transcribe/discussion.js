// The transcription page's discussion panel: the current image's thread beside the form.
// Opening it changes nothing in the form (the draft stays as typed); it is fetched again for
// each image, so it always speaks of the image on screen.

import {discussionThread} from "../discussion.js";

export function discussionPanel(panel, {slug, toggle = () => {}}) {
  const body = panel.querySelector("[data-discussion-body]");
  let loadedFor = null;
  let thread = null;
  let returnTo = null;

  async function load(taskId) {
    thread?.unbind();
    thread = null;
    loadedFor = taskId;
    const response = await fetch(`/projects/${slug}/talk/images/${taskId}/panel/`, {
      credentials: "same-origin",
      headers: {Accept: "text/html"},
    });
    if (!response.ok || loadedFor !== taskId) return;
    const holder = document.createElement("template");
    holder.innerHTML = (await response.text()).trim();
    body.replaceChildren(holder.content);
    const section = body.querySelector("[data-discussion]");
    if (section) thread = discussionThread(section);
  }

  function close() {
    panel.hidden = true;
    toggle(false);
    if (returnTo?.isConnected) returnTo.focus();
  }

  panel.querySelector("[data-discussion-close]").addEventListener("click", close);
  // The page's shortcuts are paused while the focus is here (Ctrl+Enter posts a comment, not
  // the transcription): Escape and Alt+D close the panel.
  panel.addEventListener("keydown", (event) => {
    const altD = event.altKey && !event.ctrlKey && (event.code === "KeyD" || event.key.toLowerCase() === "d");
    if (event.key === "Escape" || altD) {
      event.preventDefault();
      close();
    }
  });

  return {
    get isOpen() {
      return !panel.hidden;
    },
    contains: (element) => panel.contains(element),
    async open(taskId) {
      returnTo = document.activeElement;
      panel.hidden = false;
      toggle(true);
      if (taskId && taskId !== loadedFor) await load(taskId);
      (panel.querySelector("[data-discussion] h2") || panel).focus();
    },
    close,
    /** A new image is on screen: an open panel follows it, a closed one loads when opened. */
    follow(taskId) {
      if (!panel.hidden && taskId !== loadedFor) load(taskId);
    },
  };
}
