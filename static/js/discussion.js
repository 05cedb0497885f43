// A discussion thread (templates/discussion/_thread.html): post, reply, report and moderate
// without leaving the page, and show comments that arrive live.
//
// The socket only says which comment changed (comment.posted, comment.hidden,
// comment.changed); the comment itself is fetched from the server, which applies the reading
// rules (a volunteer who has not answered an image does not read others' comments on it, a
// hidden comment is gone for everyone but its author and the curators). A 404 removes it.
//
// The HTML inserted here is the server's: comment bodies were sanitised when posted
// (tasks/markup.py); nothing here builds markup from what people typed.

import {csrfToken} from "./lib/api.js";
import {connectLive} from "./lib/live.js";
import {t} from "./lib/messages.js";

const sockets = new Map(); // one socket per project on a page, shared by its threads
const threads = new Set(); // the sections bound on this page

function fragment(html) {
  const holder = document.createElement("template");
  holder.innerHTML = html.trim();
  return holder.content.firstElementChild;
}

async function send(form, submitter) {
  const body = new FormData(form);
  if (submitter?.name) body.set(submitter.name, submitter.value);
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: {"X-Requested-With": "fetch", "X-CSRFToken": csrfToken(), Accept: "application/json"},
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new Error(data?.error?.message || `HTTP ${response.status}`);
    error.fields = data?.error?.fields || {};
    throw error;
  }
  return data;
}

/** Bind a thread's section; returns {refresh(id), matches(event), section}. */
export function discussionThread(section) {
  const $ = (selector) => section.querySelector(selector);
  const list = $("[data-comments]");
  const status = $("[data-discussion-status]");
  const form = $("[data-comment-form]");
  const say = (text) => {
    if (status) status.textContent = text;
  };

  function place(element) {
    const existing = list.querySelector(`[data-comment="${element.dataset.comment}"]`);
    if (existing) existing.replaceWith(element);
    else list.append(element);
    $("[data-no-comments]").hidden = Boolean(list.children.length);
  }

  function remove(id) {
    list.querySelector(`[data-comment="${id}"]`)?.remove();
    $("[data-no-comments]").hidden = Boolean(list.children.length);
  }

  async function refresh(id, {announce = false} = {}) {
    const url = section.dataset.commentUrl.replace(/\/0\/$/, `/${id}/`);
    let response;
    try {
      response = await fetch(url, {credentials: "same-origin", headers: {Accept: "text/html"}});
    } catch {
      return; // offline: the page shows what it had; a reload catches up
    }
    if (response.status === 404) {
      remove(id);
      return;
    }
    if (!response.ok) return;
    const element = fragment(await response.text());
    if (!element) return;
    const isNew = !list.querySelector(`[data-comment="${id}"]`);
    place(element);
    if (announce && isNew) {
      say(t("talkNew", {name: element.querySelector(".comment-author")?.textContent || ""}));
    }
  }

  function matches(event) {
    const {thread, task} = section.dataset;
    if (thread && String(event.thread) === thread) return true;
    return Boolean(task) && event.task !== undefined && String(event.task) === task;
  }

  // --- Posting and replying -----------------------------------------------------------------
  if (form) {
    const replyTo = form.querySelector("[data-reply-to]");
    const replying = form.querySelector("[data-replying]");
    const textarea = form.querySelector("[data-comment-body-input]");
    const error = form.querySelector("[data-comment-error]");
    const cancelReply = () => {
      replyTo.value = "";
      replying.hidden = true;
    };
    form.querySelector("[data-reply-cancel]").addEventListener("click", () => {
      cancelReply();
      textarea.focus();
    });
    section.addEventListener("click", (event) => {
      const button = event.target.closest("[data-reply]");
      if (!button) return;
      replyTo.value = button.dataset.reply;
      form.querySelector("[data-replying-text]").textContent = t("talkReplyingTo", {name: button.dataset.replyName});
      replying.hidden = false;
      textarea.focus();
    });
    // Ctrl+Enter posts, as it sends a transcription on the transcription page.
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      error.textContent = "";
      textarea.removeAttribute("aria-invalid");
      say(t("talkPosting"));
      try {
        const data = await send(form);
        place(fragment(data.html));
        textarea.value = "";
        cancelReply();
        say(t("talkPosted"));
      } catch (failure) {
        // What was typed stays in the box.
        error.textContent = failure.message;
        textarea.setAttribute("aria-invalid", "true");
        say("");
        textarea.focus();
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- Reporting, pinning, hiding, flags ----------------------------------------------------
  section.addEventListener("submit", async (event) => {
    const action = event.target.closest("[data-comment-action], [data-flag-form]");
    if (!action || action === form) return;
    event.preventDefault();
    const problem = $("[data-discussion-error]");
    if (problem) problem.textContent = "";
    try {
      const data = await send(action, event.submitter);
      if (action.matches("[data-flag-form]")) {
        const field = action.querySelector("input[name=action]");
        const button = action.querySelector("button");
        const set = field.value === "set";
        field.value = set ? "clear" : "set";
        button.setAttribute("aria-pressed", String(set));
        button.focus();
      } else if (data.html) {
        const element = fragment(data.html);
        place(element);
        element.querySelector("button, summary, a")?.focus();
      }
      say(data.message || "");
    } catch (failure) {
      const shown = t("talkFailed", {message: failure.message});
      say(shown);
      const problem = $("[data-discussion-error]");
      if (problem) problem.textContent = shown;
    }
  });

  const bound = {section, refresh, remove, matches};
  threads.add(bound);
  const socket = sockets.get(section.dataset.project);
  if (socket) section.dataset.live = socket.state;
  listen(section.dataset.project);
  return {
    ...bound,
    unbind() {
      threads.delete(bound);
    },
  };
}

function listen(slug) {
  if (sockets.has(slug)) return;
  const entry = {state: "connecting"};
  sockets.set(slug, entry);
  const mine = (event) => [...threads].filter((thread) => thread.section.dataset.project === slug && thread.matches(event));
  entry.live = connectLive(
    `/ws/projects/${slug}/`,
    {
      "comment.posted": (event) => mine(event).forEach((thread) => thread.refresh(event.comment, {announce: true})),
      "comment.changed": (event) => mine(event).forEach((thread) => thread.refresh(event.comment)),
      // Curators and the author still see it, marked: the server says what each one reads.
      "comment.hidden": (event) => mine(event).forEach((thread) => thread.refresh(event.comment)),
    }, {
      // Settled on each section: "open" once the socket listens (for tests and the curious).
      onState: (state) => {
        entry.state = state;
        for (const thread of threads) if (thread.section.dataset.project === slug) thread.section.dataset.live = state;
      },
    },
  );
}

// Pages whose thread is in the HTML bind it at once; the transcription page binds its panel
// when it loads one (transcribe/discussion.js).
if (!document.querySelector("[data-transcribe]")) {
  document.querySelectorAll("[data-discussion]").forEach((section) => discussionThread(section));
}
