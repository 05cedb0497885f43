// The platform's API: session cookie, CSRF header, JSON both ways (a FormData body, for
// uploads, is sent as it is).

/** The request never got an answer (offline, DNS, connection reset). */
export class NetworkError extends Error {}

/** The server answered with an error status; `body` is its JSON error, if any. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Worth trying again later: no answer, or the server is overloaded or restarting. */
export function isTransient(error) {
  return error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429));
}

/** Django's CSRF token, for the X-CSRFToken header of any unsafe request. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

/** `{status, data}` for a 2xx answer (data is null on 204); throws NetworkError or ApiError.
 * `keepalive` lets a request made while the page unloads (releasing a claim) still go out. */
export async function api(path, {method = "GET", body, keepalive = false} = {}) {
  const headers = {Accept: "application/json"};
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const form = body instanceof FormData; // the browser sets its multipart Content-Type
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      keepalive,
      body: body === undefined || form ? body : JSON.stringify(body),
    });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null; // an HTML error page from a proxy, or a body cut by the network
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return {status: response.status, data};
}
