// The header's notification counter, live: a small socket of the signed-in person
// (ws/notifications/) says how many notifications they have not read whenever that changes.
// On the notifications page, a new one shows a link that reloads the list.
import {connectLive} from "./lib/live.js";

const link = document.querySelector("[data-notifications-link]");
if (link) {
  const unread = link.querySelector("[data-notifications-unread]");
  const count = link.querySelector("[data-notifications-count]");
  const announce = document.querySelector("[data-notifications-announce]");
  const fresh = document.querySelector("[data-notifications-new]");

  function show(event) {
    const value = Number(event.unread) || 0;
    const before = Number(count.textContent) || 0;
    count.textContent = String(value);
    unread.hidden = value === 0;
    link.dataset.unread = String(value);
    if (event.kind && value > before) {
      if (announce) announce.textContent = announce.dataset.newText || "";
      if (fresh) fresh.hidden = false;
    }
  }

  // The socket's state, for styles and tests: "open" once it hears the server.
  connectLive("/ws/notifications/", {notifications: show}, {
    onState: (state) => {
      link.dataset.live = state;
    },
  });
}
