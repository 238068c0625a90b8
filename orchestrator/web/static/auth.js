// Shared sign-in storage for the agent console and the dashboard (sessionStorage: this tab only).

const KEY = "switchboard.agent";

/** The saved {name, token}, or null. */
export function loadAgent() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return saved && typeof saved === "object" ? saved : null;
  } catch {
    return null;
  }
}

/** Save credentials, keeping a previously saved name when only a token is given (the dashboard). */
export function saveAgent(creds) {
  const merged = { ...(loadAgent() || {}), ...Object.fromEntries(Object.entries(creds).filter(([, v]) => v)) };
  try {
    sessionStorage.setItem(KEY, JSON.stringify(merged));
  } catch {
    // Storage unavailable: the sign-in lasts until the page is closed.
  }
}

export function forgetAgent() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}

/** The text to show on the sign-in form for a failed call. */
export function loginError(err) {
  if (!err) return "";
  if (err.status === 401) return "That token was refused. Check it and try again.";
  if (err.code === "console_disabled") {
    return err.message || "The agent console is turned off on this server (no agent token is configured).";
  }
  return err.message || "Sign-in failed. Please try again.";
}
