// A curator's hold on one image under review: taken on load, renewed while the page is open,
// given back when the curator leaves, so that two curators never settle the same values.

import {api, ApiError} from "../lib/api.js";

// Claims last CLAIM_MINUTES = 10 on the server (tasks/services/review.py): renew well before.
const RENEW_MS = 4 * 60_000;

/** `onLost(current, message)` is called when another curator holds the image (409). */
export function createClaim(taskId, {onLost, onRenewed = () => {}}) {
  const path = `/api/tasks/${taskId}/claim/`;
  let held = false;
  let timer = null;

  async function take() {
    try {
      const {data} = await api(path, {method: "POST"});
      held = true;
      onRenewed(data);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        held = false;
        onLost(error.body?.error?.current || {}, error.message);
        return false;
      }
      throw error;
    }
  }

  function release({leaving = false} = {}) {
    if (!held) return Promise.resolve();
    held = false;
    // keepalive: the request must outlive the page when the curator navigates away.
    return api(path, {method: "DELETE", keepalive: leaving}).catch(() => {});
  }

  timer = window.setInterval(() => {
    if (held) take().catch(() => {}); // offline: the next renewal tries again, well in time
  }, RENEW_MS);

  // pagehide, not beforeunload: it also fires on mobile tab switches and on the way into the
  // back/forward cache; pageshow with `persisted` takes the claim again on the way back.
  window.addEventListener("pagehide", () => release({leaving: true}));

  return {
    take,
    release,
    get held() {
      return held;
    },
    stop() {
      window.clearInterval(timer);
    },
  };
}
