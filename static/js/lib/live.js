// Live events over a WebSocket: connect, reconnect with backoff, dispatch by message type.
//
//   const live = connectLive("/ws/projects/demo-herbarium/", {
//     snapshot: (event) => ..., "project.updated": (event) => ...,
//   }, {onState: (state) => ...});
//
// After every (re)connection the server sends a fresh `snapshot`, so a client that missed
// events while offline still ends on the final state.
//
// `onState(state, reason)`: "connecting", "reconnecting", "open", "waiting" (closed, trying
// again), "refused" (4403, 4404: reconnecting would not help) or "ended" (4401: the session
// ended). `reason` is the server's close reason, already in the page's language, when it gave
// one: why the socket is waiting (4429 too many sockets or messages, 1013 live updates away for
// a moment) or why it ended.

const NO_RETRY_CODES = new Set([4403, 4404]); // refused: reconnecting would not help
const SESSION_ENDED = 4401; // signed out elsewhere: reconnecting would open an anonymous socket

export function connectLive(path, handlers, {onState = () => {}, maxDelayMs = 30000} = {}) {
  let socket = null;
  let attempt = 0;
  let stopped = false;
  let timer = null;

  function url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${path}`;
  }

  function open() {
    onState(attempt === 0 ? "connecting" : "reconnecting");
    socket = new WebSocket(url());
    socket.addEventListener("open", () => onState("open"));
    socket.addEventListener("message", (message) => {
      // Only a socket that talks resets the backoff: the server accepts then closes the ones
      // it turns away (1013, 4429), and those must keep waiting longer each time.
      attempt = 0;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      const handler = handlers[event.type] || handlers["*"];
      if (handler) handler(event);
    });
    socket.addEventListener("close", (closing) => {
      if (stopped) return;
      if (NO_RETRY_CODES.has(closing.code)) {
        onState("refused", closing.reason);
        return;
      }
      if (closing.code === SESSION_ENDED) {
        onState("ended", closing.reason);
        return;
      }
      // Exponential backoff with jitter, so a restarted server is not hit by every client at once.
      const delay = Math.min(maxDelayMs, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      onState("waiting", closing.reason);
      timer = window.setTimeout(open, delay);
    });
  }

  window.addEventListener("online", () => {
    if (socket && socket.readyState === WebSocket.CLOSED && !stopped) {
      window.clearTimeout(timer);
      open();
    }
  });

  open();
  return {
    close() {
      stopped = true;
      window.clearTimeout(timer);
      if (socket) socket.close();
    },
    send(data) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
    },
  };
}
