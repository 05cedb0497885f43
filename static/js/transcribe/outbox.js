// The outbox: submissions waiting for the server, kept in localStorage until it answers.
//
// A submission is written here *before* it is sent, so that a lost connection, a closed tab or
// a crash mid-request never loses it. Each entry carries its idempotency key: the server
// records the same body once however often it arrives, which is what makes retrying safe
// (the online event, the periodic retry and another open tab may all try the same entry).

import {api, isTransient} from "../lib/api.js";

const PREFIX = "crowd.outbox.";
const RETRY_MS = 20_000; // the online event usually comes first; this covers flaky links

/** A random idempotency key; crypto.getRandomValues also works outside secure contexts. */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  /**
   * @param user        whose outbox (part of the storage key)
   * @param onDelivered (entry, transcription) once the server recorded it: 201, or 200 for a
   *                    retry of an answer already recorded (also one racing its original)
   * @param onRejected  (entry, ApiError) when the server refused it for good (400, 403, 409…)
   * @param onWaiting   (entries) when entries are left because the server could not be reached
   */
  constructor(user, {onDelivered, onRejected, onWaiting}) {
    this.storageKey = `${PREFIX}${user}`;
    this.handlers = {onDelivered, onRejected, onWaiting};
    this.running = null;
    window.addEventListener("online", () => this.flush());
    window.setInterval(() => {
      if (this.entries().length && navigator.onLine !== false) this.flush();
    }, RETRY_MS);
  }

  entries() {
    try {
      const entries = JSON.parse(localStorage.getItem(this.storageKey) || "[]");
      return Array.isArray(entries) ? entries : [];
    } catch {
      return [];
    }
  }

  has(taskId) {
    return this.entries().some((entry) => entry.taskId === taskId);
  }

  add(entry) {
    this._write([...this.entries().filter((e) => e.key !== entry.key), entry]);
  }

  remove(key) {
    this._write(this.entries().filter((entry) => entry.key !== key));
  }

  _write(entries) {
    try {
      if (entries.length) localStorage.setItem(this.storageKey, JSON.stringify(entries));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage refused: the entry still goes out now; only a retry after a reload is lost.
    }
  }

  /** Send every entry, oldest first. One flush at a time; a call made during one runs once
   * more after it, since the running flush may have read the entries before a new one. */
  flush() {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = null;
        return this.flush();
      });
      return this.queued;
    }
    this.running = this._flush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async _flush() {
    for (const entry of this.entries()) {
      let data = null;
      let failure = null;
      try {
        ({data} = await api(`/api/tasks/${entry.taskId}/transcriptions/`, {
          method: "POST",
          body: {
            lease: entry.lease,
            values: entry.values,
            markers: entry.markers,
            machine_fields: entry.machineFields || [],
            // Left out when empty: such answers take the server's shortest way.
            ...(entry.georeference && Object.keys(entry.georeference).length ? {georeference: entry.georeference} : {}),
            idempotency_key: entry.key,
          },
        }));
      } catch (error) {
        failure = error;
      }
      if (failure && isTransient(failure)) {
        // Still offline (or the server is down): keep everything, in order, for next time.
        this.handlers.onWaiting(this.entries());
        return;
      }
      this.remove(entry.key);
      if (failure) this.handlers.onRejected(entry, failure);
      else this.handlers.onDelivered(entry, data);
    }
  }
}
