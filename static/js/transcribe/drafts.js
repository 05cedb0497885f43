// Drafts: what a contributor typed on an image, kept in localStorage as they type so a reload,
// a crash or a closed tab loses nothing. Keyed by user and task, so people sharing a computer
// never see each other's drafts; removed once the transcription is recorded.

const PREFIX = "crowd.draft.";
const MAX_AGE_MS = 30 * 24 * 3600 * 1000; // leases last minutes; a month-old draft is litter

const keyFor = (user, taskId) => `${PREFIX}${user}.${taskId}`;

export function draftSave(user, taskId, {values, markers, machine = [], georeference = {}}) {
  try {
    localStorage.setItem(keyFor(user, taskId), JSON.stringify({values, markers, machine, georeference, savedAt: Date.now()}));
  } catch {
    // Storage full or disabled (private mode): drafts are a convenience, typing goes on.
  }
}

/** `{values, markers, machine, georeference}` or null. */
export function draftLoad(user, taskId) {
  try {
    const draft = JSON.parse(localStorage.getItem(keyFor(user, taskId)) || "null");
    return draft && typeof draft.values === "object" ? draft : null;
  } catch {
    return null;
  }
}

export function draftRemove(user, taskId) {
  try {
    localStorage.removeItem(keyFor(user, taskId));
  } catch {
    // nothing to do
  }
}

/** Forget drafts older than a month (tasks long since reassigned). */
export function draftsPrune(now = Date.now()) {
  try {
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith(PREFIX)) continue;
      const savedAt = JSON.parse(localStorage.getItem(key) || "{}").savedAt || 0;
      if (now - savedAt > MAX_AGE_MS) localStorage.removeItem(key);
    }
  } catch {
    // nothing to do
  }
}
