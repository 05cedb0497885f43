// The volunteer's lease on the image on screen: kept alive while they work on it, and given
// back, with the reason and note chosen in the skip dialog, when they skip the image.
// `page` is the page's shared state and actions (see transcribe.js).

import {api, ApiError, isTransient} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {draftRemove} from "./drafts.js";

const HEARTBEAT_MS = 60_000; // well inside the shortest lease a project can set

/** Renew the lease of the image on screen every HEARTBEAT_MS; say so when it was lost. */
export function keepLease(page) {
  window.setInterval(async () => {
    // Only while the contributor is working on it: not while it is being sent or replaced.
    if (!page.current || page.state() !== "ready") return;
    const leaseId = page.current.lease.id;
    try {
      await api(`/api/leases/${leaseId}/heartbeat/`, {method: "POST"});
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && page.current?.lease.id === leaseId) {
        page.say(t("leaseLost"), "warning");
      }
    }
  }, HEARTBEAT_MS);
}

/** The skip dialog (`dialog`): releases the lease, forgets the draft and loads the next image.
 * Returns `openSkip`, which opens it while the form is ready. */
export function installSkip(dialog, page, {user}) {
  function openSkip() {
    if (page.current && page.state() === "ready") dialog.showModal();
  }

  dialog.querySelector("form").addEventListener("submit", async (event) => {
    if (event.submitter?.value !== "skip") return; // Cancel: method="dialog" closes it
    event.preventDefault();
    const choice = new FormData(event.target);
    dialog.close();
    const {task, lease} = page.current;
    page.setState("sending");
    page.say(t("skipping"));
    try {
      await api(`/api/leases/${lease.id}/release/`, {
        method: "POST",
        body: {reason: choice.get("reason") || "", note: choice.get("note") || ""},
      });
    } catch (error) {
      page.setState("ready");
      page.say(isTransient(error) ? t("skipOffline") : t("failed", {message: error.message}), "error");
      return;
    }
    event.target.reset();
    draftRemove(user, task.id);
    page.loadNext(t("skipped"));
  });

  return openSkip;
}
