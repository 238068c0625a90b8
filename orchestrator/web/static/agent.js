// Human-agent console: sign in with the shared token, watch the queue live, claim, reply, hand back, resolve,
// and decide refunds awaiting approval (approvals.js).

import { ApiError, api, liveStream } from "/static/sse.js";
import { $, age, appendToLog, clear, dateTime, el, messageNode, say, sentimentLabel, sentimentSvg } from "/static/ui.js";
import { loadAgent, saveAgent, forgetAgent, loginError } from "/static/auth.js";
import { approvalsPanel } from "/static/approvals.js";

const NAME_RE = /^[A-Za-z0-9._@+-]{1,64}$/;
const PRIORITY = { urgent: "Urgent", high: "High", normal: "Normal", low: "Low" };
const STATUS = { queued: "Waiting", claimed: "In progress", resolved: "Resolved", returned_to_bot: "Back with Alex" };

const ui = {
  loginSection: $("#login-section"), login: $("#login"), name: $("#agent-name"), token: $("#agent-token"),
  loginButton: $("#login-button"), loginError: $("#login-error"), console: $("#console"), error: $("#console-error"),
  logout: $("#logout"), who: $("#who"), whoName: $("#who-name"), whoInitial: $("#who-initial"),
  queue: $("#queue"), claimed: $("#claimed"), queueCount: $("#queue-count"), claimedCount: $("#claimed-count"),
  updated: $("#queue-updated"), empty: $("#handoff-empty"), body: $("#handoff-body"),
  title: $("#handoff-title"), priority: $("#handoff-priority"), status: $("#handoff-status"),
  claimedBy: $("#handoff-claimed-by"), sub: $("#handoff-sub"), claim: $("#claim-button"),
  handback: $("#handback-button"), reason: $("#handoff-reason"), summary: $("#handoff-summary"),
  customer: $("#handoff-customer"), chart: $("#sentiment-chart"), trend: $("#sentiment-trend"),
  tools: $("#handoff-tools"), transcript: $("#transcript"), replyForm: $("#reply-form"), reply: $("#reply-input"),
  replyButton: $("#reply-button"), readonly: $("#readonly-note"), resolvePanel: $("#resolve-panel"),
  resolveForm: $("#resolve-form"), resolveNote: $("#resolve-note"), resolveButton: $("#resolve-button"),
};

const state = { creds: null, live: null, timer: null, selected: null, detail: null, seen: new Set(), unread: new Set(), queue: null };

const headers = () => ({ Authorization: `Bearer ${state.creds.token}`, "X-Agent-Name": state.creds.name });
const call = (method, url, body) => api(method, url, { headers: headers(), body });
const hpath = (hid) => `/api/agent/handoffs/${encodeURIComponent(hid)}`;
const approvals = approvalsPanel({ call, openHandoff: (hid) => select(hid), onError: (err) => fail(err) });

function fail(err) {
  if (err instanceof ApiError && (err.status === 401 || err.code === "console_disabled")) {
    signOut(loginError(err));
    return;
  }
  say(ui.error, err.message || "Something went wrong.");
}

// ---- sign-in ---------------------------------------------------------------------------------------------

async function signIn(creds) {
  state.creds = creds;
  ui.loginButton.disabled = true;
  say(ui.loginError, "");
  let queue;
  try {
    queue = await call("GET", "/api/agent/queue");
  } catch (err) {
    state.creds = null;
    ui.loginButton.disabled = false;
    say(ui.loginError, loginError(err));
    return;
  }
  ui.loginButton.disabled = false;
  saveAgent(creds);
  ui.loginSection.hidden = true;
  ui.console.hidden = false;
  ui.who.hidden = false;
  ui.logout.hidden = false;
  ui.whoName.textContent = creds.name;
  ui.whoInitial.textContent = creds.name.slice(0, 1).toUpperCase();
  renderQueue(queue);
  approvals.refresh();
  startLive(queue.last_event_id || 0);
  state.timer = setInterval(() => refresh(), 30000);
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted) select(wanted);
}

function signOut(message) {
  if (state.live) state.live.stop();
  clearInterval(state.timer);
  Object.assign(state, { creds: null, live: null, timer: null, selected: null, detail: null, queue: null });
  forgetAgent();
  ui.console.hidden = true;
  ui.who.hidden = true;
  ui.logout.hidden = true;
  ui.loginSection.hidden = false;
  ui.token.value = "";
  say(ui.loginError, message || "");
  history.replaceState(null, "", location.pathname);
  ui.token.focus();
}

ui.login.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = ui.name.value.trim();
  const token = ui.token.value.trim();
  if (!NAME_RE.test(name)) {
    say(ui.loginError, "Enter your agent name: letters, digits and . _ @ + - only.");
    ui.name.focus();
    return;
  }
  if (!token) {
    say(ui.loginError, "Enter the agent token.");
    ui.token.focus();
    return;
  }
  signIn({ name, token });
});
ui.logout.addEventListener("click", () => signOut(""));

// ---- queue -----------------------------------------------------------------------------------------------

function priorityBadge(priority) {
  const p = PRIORITY[priority] ? priority : "normal";
  return el("span", { class: `badge prio-${p}` }, PRIORITY[p] || priority);
}

function verifiedBadge(verified) {
  return verified
    ? el("span", { class: "badge badge-verified" }, "✓ Verified")
    : el("span", { class: "badge badge-unverified" }, "Unverified");
}

function handoffItem(h) {
  const button = el("button", { type: "button", class: "handoff", dataset: { handoffId: h.handoff_id } },
    el("span", { class: "handoff-top" },
      priorityBadge(h.priority),
      el("span", { class: "handoff-id" }, h.handoff_id),
      state.unread.has(h.handoff_id) && el("span", { class: "badge new-dot" }, "New message"),
      el("span", { class: "handoff-age" }, h.status === "queued" ? `waiting ${age(h.age_seconds)}` : age(h.age_seconds))),
    el("span", { class: "handoff-reason" }, h.reason || "Handoff"),
    el("span", { class: "handoff-bottom" },
      el("span", { class: "handoff-email" }, h.customer_email || "Guest"),
      h.customer_email && verifiedBadge(h.customer_verified),
      h.claimed_by && el("span", { class: "badge tag-human" }, h.claimed_by === state.creds.name ? "You" : h.claimed_by),
      h.customer_left && el("span", { class: "badge badge-left" }, "Customer left"),
      el("span", { class: "visually-hidden" }, sentimentLabel(h.sentiment || [], h.sentiment_trend)),
      sentimentSvg(h.sentiment, { width: 64, height: 22 })));
  button.querySelector("svg").setAttribute("aria-hidden", "true");
  if (h.handoff_id === state.selected) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => select(h.handoff_id));
  return el("li", {}, button);
}

function renderList(list, items, emptyText) {
  clear(list);
  if (!items.length) list.append(el("li", { class: "empty" }, emptyText));
  for (const h of items) list.append(handoffItem(h));
}

function renderQueue(queue) {
  state.queue = queue;
  const queued = queue.queued || [];
  const claimed = queue.claimed || [];
  renderList(ui.queue, queued, "No one is waiting. Nice work!");
  renderList(ui.claimed, claimed, "No conversations in progress.");
  ui.queueCount.textContent = String(queued.length);
  ui.queueCount.setAttribute("aria-label", `${queued.length} waiting`);
  ui.claimedCount.textContent = String(claimed.length);
  ui.claimedCount.setAttribute("aria-label", `${claimed.length} in progress`);
  ui.updated.textContent = `Updated ${new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(new Date())}`;
  document.title = queued.length ? `(${queued.length}) Agent console · ShopExpress Support` : "Agent console · ShopExpress Support";
}

async function refresh() {
  if (!state.creds) return;
  try {
    renderQueue(await call("GET", "/api/agent/queue"));
    await approvals.refresh();
    if (state.selected) await loadDetail(state.selected, false);
  } catch (err) {
    fail(err);
  }
}

let refreshSoon = null;
function scheduleRefresh() {
  clearTimeout(refreshSoon);
  refreshSoon = setTimeout(refresh, 150);
}

function startLive(after) {
  if (state.live) state.live.stop();
  state.live = liveStream({
    url: (id) => `/api/agent/events?after=${encodeURIComponent(id || 0)}`,
    headers,
    after,
    onEvent: ({ event, data }) => {
      if (event === "queue_changed") scheduleRefresh();
      else if (event === "customer_message") onCustomerMessage(data || {});
    },
    onState: (s, detail) => {
      if (s === "stopped" && detail) fail(detail);
      ui.updated.classList.toggle("is-stale", s === "retrying");
    },
  });
}

function onCustomerMessage(d) {
  if (d.handoff_id && d.handoff_id === state.selected) {
    addTranscriptMessage({ id: d.id, role: "customer", text: d.text, at: d.at });
    return;
  }
  if (!d.handoff_id || state.unread.has(d.handoff_id)) return;
  state.unread.add(d.handoff_id);
  if (state.queue) renderQueue(state.queue);
}

// ---- detail ----------------------------------------------------------------------------------------------

async function select(hid) {
  if (!hid) return;
  state.unread.delete(hid);
  const changed = state.selected !== hid;
  state.selected = hid;
  history.replaceState(null, "", `#${encodeURIComponent(hid)}`);
  for (const b of document.querySelectorAll(".handoff")) {
    if (b.dataset.handoffId === hid) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
  if (state.queue) renderQueue(state.queue);
  say(ui.error, "");
  await loadDetail(hid, changed);
}

async function loadDetail(hid, fresh) {
  let h;
  try {
    h = await call("GET", hpath(hid));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      state.selected = null;
      ui.body.hidden = true;
      ui.empty.hidden = false;
      say(ui.error, `Handoff ${hid} was not found.`);
      return;
    }
    fail(err);
    return;
  }
  if (hid !== state.selected) return; // the agent picked another one meanwhile
  renderDetail(h, fresh);
}

function addTranscriptMessage(m) {
  if (m.id != null) {
    if (state.seen.has(String(m.id))) return;
    state.seen.add(String(m.id));
  }
  appendToLog(ui.transcript, messageNode(m, { viewer: "agent" }));
}

function humanize(key) {
  const s = String(key).replace(/[_-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function renderDetail(h, fresh) {
  state.detail = h;
  ui.empty.hidden = true;
  ui.body.hidden = false;
  const mine = h.status === "claimed" && h.claimed_by === state.creds.name;
  const open = h.status === "queued" || h.status === "claimed";

  ui.title.textContent = h.handoff_id;
  const prio = PRIORITY[h.priority] ? h.priority : "normal";
  ui.priority.className = `badge prio-${prio}`;
  ui.priority.textContent = `${PRIORITY[prio]} priority`;
  ui.status.textContent = STATUS[h.status] || humanize(h.status || "unknown");
  ui.claimedBy.hidden = !h.claimed_by;
  ui.claimedBy.textContent = h.claimed_by ? `Claimed by ${h.claimed_by}${mine ? " (you)" : ""}` : "";
  const sub = [];
  if (h.created_at) sub.push(`Created ${dateTime(h.created_at)}`);
  if (h.age_seconds != null) sub.push(`waiting ${age(h.age_seconds)}`);
  if (h.claimed_at) sub.push(`claimed ${dateTime(h.claimed_at)}`);
  if (h.outcome) sub.push(`outcome: ${humanize(h.outcome)}`);
  if (h.resolution_note) sub.push(`note: ${h.resolution_note}`);
  ui.sub.textContent = sub.join(" · ");

  ui.claim.hidden = h.status !== "queued";
  ui.handback.hidden = !mine;
  ui.resolvePanel.hidden = !mine;
  ui.replyForm.hidden = !mine;
  ui.readonly.hidden = mine;
  ui.readonly.textContent = h.status === "queued"
    ? "Claim this conversation to reply. The customer will see that a human agent has joined."
    : open ? `${h.claimed_by || "Another agent"} is handling this conversation.` : "This handoff is closed.";
  if (h.customer_left) {
    const left = "The customer has ended the chat and will not see replies.";
    ui.readonly.textContent = mine ? left : `${left} ${ui.readonly.textContent}`;
    ui.readonly.hidden = false;
  }

  ui.reason.textContent = h.reason || "";
  ui.summary.textContent = h.summary || "No summary.";

  clear(ui.customer);
  ui.customer.append(el("p", { class: "customer-line" },
    el("span", {}, h.customer_email || "Guest (no email given)"),
    h.customer_email && verifiedBadge(h.customer_verified)));
  const ctx = h.context && typeof h.context === "object" ? Object.entries(h.context) : [];
  if (ctx.length) {
    const dl = el("dl", { class: "facts" });
    for (const [k, v] of ctx) {
      dl.append(el("dt", {}, humanize(k)), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v)));
    }
    ui.customer.append(dl);
  }

  const sentiment = h.sentiment || [];
  clear(ui.chart);
  ui.chart.append(sentimentSvg(sentiment, { width: 300, height: 90, axis: true, dots: true,
    label: sentimentLabel(sentiment, h.sentiment_trend) }));
  clear(ui.trend);
  if (h.sentiment_trend) ui.trend.append("Trend: ", el("strong", {}, h.sentiment_trend));
  if (sentiment.length) ui.trend.append(`${h.sentiment_trend ? " · " : ""}${sentiment.length} readings, latest ${Number(sentiment[sentiment.length - 1]).toFixed(1)}`);

  clear(ui.tools);
  const tools = h.tools || [];
  if (!tools.length) ui.tools.append(el("li", { class: "field-hint" }, "No tools were called."));
  for (const t of tools) {
    ui.tools.append(el("li", {},
      el("code", {}, t.name),
      el("span", { class: `badge ${t.ok ? "ok-tag" : "err-tag"}` }, t.ok ? "ok" : "error"),
      t.server && el("span", { class: "field-hint" }, t.server),
      el("span", { class: "ms" }, t.duration_ms != null ? `${t.duration_ms} ms` : "")));
  }

  if (fresh) {
    clear(ui.transcript);
    state.seen = new Set();
  }
  const messages = Array.isArray(h.transcript) ? h.transcript : [];
  for (const m of messages) addTranscriptMessage(m);
  if (fresh) ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

// ---- actions ---------------------------------------------------------------------------------------------

async function act(button, fn) {
  if (!state.detail) return;
  button.disabled = true;
  say(ui.error, "");
  try {
    await fn(state.detail.handoff_id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      say(ui.error, err.message || "Someone else got there first.");
      refresh();
    } else fail(err);
  } finally {
    button.disabled = false;
  }
}

ui.claim.addEventListener("click", () => act(ui.claim, async (hid) => {
  await call("POST", `${hpath(hid)}/claim`, {});
  await refresh();
  if (!ui.replyForm.hidden) ui.reply.focus();
}));

ui.replyForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = ui.reply.value.trim();
  if (!text) return;
  act(ui.replyButton, async (hid) => {
    const res = await call("POST", `${hpath(hid)}/reply`, { text });
    ui.reply.value = "";
    addTranscriptMessage({ id: res && res.id, role: "agent", author: state.creds.name, text, at: new Date().toISOString() });
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  });
});
ui.reply.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    ui.replyForm.requestSubmit();
  }
});

ui.handback.addEventListener("click", () => act(ui.handback, async (hid) => {
  await call("POST", `${hpath(hid)}/resolve`, { outcome: "returned_to_bot", note: "Handed back to the assistant." });
  await refresh();
}));

ui.resolveForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const note = ui.resolveNote.value.trim();
  if (!note) {
    say(ui.error, "Add a short resolution note first.");
    ui.resolveNote.focus();
    return;
  }
  act(ui.resolveButton, async (hid) => {
    await call("POST", `${hpath(hid)}/resolve`, { outcome: "resolved", note });
    ui.resolveNote.value = "";
    await refresh();
  });
});

// ---- start -----------------------------------------------------------------------------------------------

const saved = loadAgent();
if (saved && saved.token && NAME_RE.test(saved.name || "")) {
  ui.name.value = saved.name;
  signIn(saved);
} else {
  if (saved && saved.name) ui.name.value = saved.name;
  if (saved && saved.token) ui.token.value = saved.token;
  (ui.name.value ? ui.token : ui.name).focus();
}
