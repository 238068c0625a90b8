// Shared network helpers: a fetch()-based Server-Sent Events reader (custom headers, unlike EventSource),
// a resilient live stream with Last-Event-ID resume, and a JSON API helper with typed errors.

/** An HTTP or protocol error carrying the server's `{"error": {"code", "message"}}` fields. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = code || "http_error";
  }
}

/** Build an ApiError from a failed Response (JSON error body if there is one). */
export async function errorFrom(response) {
  let code = "http_error";
  let message = `Request failed (${response.status})`;
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // Not JSON: keep the generic message.
  }
  return new ApiError(response.status, code, message);
}

/**
 * Call a JSON endpoint. `body` (if given) is sent as JSON with `Content-Type: application/json`.
 * Resolves to the parsed JSON body (or null for an empty body); rejects with ApiError.
 */
export async function api(method, url, { headers = {}, body, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Can't reach the server. Check your connection and try again.");
  }
  if (!response.ok) throw await errorFrom(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Parse a text/event-stream body. Yields `{event, data, id, raw}` per message; `data` is parsed JSON when
 * possible. Comment lines (`: keepalive`) yield `{comment}` so callers can treat them as heartbeats.
 */
export async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data = [];
  let id = null;

  function* lines(chunk, final) {
    buffer += chunk;
    // Split on CRLF, LF or CR; keep the trailing partial line (a lone CR may precede an LF in the next chunk).
    const parts = buffer.split(final ? /\r\n|\n|\r/ : /\r\n|\n|\r(?!$)/);
    buffer = parts.pop();
    for (const line of parts) {
      if (line === "") {
        if (data.length || event) {
          const raw = data.join("\n");
          let parsed = raw;
          try {
            parsed = raw ? JSON.parse(raw) : {};
          } catch {
            // keep the raw string
          }
          yield { event: event || "message", data: parsed, id, raw };
        }
        event = "";
        data = [];
      } else if (line.startsWith(":")) {
        yield { comment: line.slice(1).trim() };
      } else {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let val = colon === -1 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "event") event = val;
        else if (field === "data") data.push(val);
        else if (field === "id" && !val.includes("\0")) id = val;
        // `retry` and unknown fields are ignored: reconnection uses our own backoff.
      }
    }
  }

  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        yield* lines(decoder.decode(), true); // a trailing CR still ends its line; a partial event is dropped
        break;
      }
      yield* lines(decoder.decode(value, { stream: true }), false);
    }
  } finally {
    if (finished) reader.releaseLock();
    else reader.cancel().catch(() => {}); // the consumer stopped early or the read failed: free the connection
  }
}

/** POST/GET a streaming endpoint; rejects with ApiError when the response is not 2xx. */
export async function openStream(url, { method = "GET", headers = {}, body, signal } = {}) {
  const init = { method, headers: { Accept: "text/event-stream", ...headers }, signal, cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Can't reach the server. Check your connection and try again.");
  }
  if (!response.ok) throw await errorFrom(response);
  if (!response.body) throw new ApiError(response.status, "stream", "The server sent no stream.");
  return response;
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });

/**
 * Keep one live SSE connection open, resuming after drops from the last seen `id:` (sent both as
 * `Last-Event-ID` and `?after=`). Backoff grows 1 s → 10 s and resets once a connection opens.
 *
 * options: url(after) → string, headers() → object, after (initial id), onEvent({event, data, id}),
 * onState("connecting"|"open"|"retrying"|"stopped", detail), fatal(err) → true to stop for good.
 * Returns {stop(), get lastEventId()}.
 */
export function liveStream({ url, headers = () => ({}), after = 0, onEvent, onState = () => {}, fatal }) {
  const controller = new AbortController();
  let lastEventId = after == null ? 0 : after;
  let backoff = 1000;

  const isFatal = fatal || ((err) => err instanceof ApiError && [401, 403, 404, 503].includes(err.status)
    && err.code !== "unavailable");

  (async () => {
    while (!controller.signal.aborted) {
      onState("connecting");
      try {
        const h = { ...headers() };
        if (lastEventId) h["Last-Event-ID"] = String(lastEventId);
        const response = await openStream(url(lastEventId), { headers: h, signal: controller.signal });
        onState("open");
        backoff = 1000;
        for await (const msg of readEvents(response)) {
          if (msg.comment !== undefined) continue;
          if (msg.id != null && msg.id !== "") {
            const n = Number(msg.id);
            lastEventId = Number.isFinite(n) ? n : msg.id;
          }
          try {
            onEvent(msg);
          } catch (err) {
            console.warn("live event handler failed", err); // eslint-disable-line no-console
          }
        }
      } catch (err) {
        if (controller.signal.aborted || (err && err.name === "AbortError")) break;
        if (isFatal(err)) {
          onState("stopped", err);
          return;
        }
      }
      if (controller.signal.aborted) break;
      onState("retrying", backoff);
      await sleep(backoff, controller.signal);
      backoff = Math.min(backoff * 2, 10000);
    }
    onState("stopped");
  })();

  return {
    stop: () => controller.abort(),
    get lastEventId() {
      return lastEventId;
    },
  };
}
