// Customer chat page: one conversation per browser tab (sessionStorage), streamed turns, live human channel.

import { ApiError, api, liveStream, openStream, readEvents } from "/static/sse.js";
import { $, appendToLog, keepPinned, messageNode, say } from "/static/ui.js";

const STORE_KEY = "switchboard.conversation";
const HUMAN_REQUEST = "I'd like to talk to a human agent, please.";
const TOOL_ACTIVITY = {
  lookup_order: "Checking your order…",
  search_faq: "Searching help articles…",
  process_refund: "Processing your refund…",
  create_ticket: "Creating a ticket…",
  escalate_to_human: "Contacting a human agent…",
};

const ui = {
  messages: $("#messages"),
  composer: $("#composer"),
  input: $("#message-input"),
  send: $("#send-button"),
  human: $("#human-button"),
  end: $("#end-button"),
  typing: $("#typing"),
  activity: $("#tool-activity"),
  banner: $("#human-banner"),
  model: $("#model-label"),
  connection: $("#connection-status"),
  avatar: $(".chat-header .avatar"),
  csat: $("#csat"),
  stars: $("#stars"),
  thanks: $("#csat-thanks"),
  newConversation: $("#new-conversation"),
};

const state = {
  conv: null, // {conversation_id, secret, label}
  status: "active",
  agent: null,
  csat: null,
  streaming: false,
  seen: new Set(), // message ids already rendered (agent messages arrive on the live channel)
  live: null,
};

function loadSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    return saved && saved.conversation_id && saved.secret ? saved : null;
  } catch {
    return null;
  }
}

function save() {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(state.conv));
  } catch {
    // Private mode without storage: the conversation lasts as long as the page.
  }
}

const base = () => `/api/conversations/${encodeURIComponent(state.conv.conversation_id)}`;
const secretHeader = () => ({ "X-Conversation-Secret": state.conv.secret });

// ---- rendering -------------------------------------------------------------------------------------------

function addMessage(msg) {
  if (msg.id != null) {
    const key = String(msg.id);
    if (state.seen.has(key)) return null;
    state.seen.add(key);
  }
  const node = messageNode(msg, { viewer: "customer" });
  appendToLog(ui.messages, node);
  return node;
}

function system(text, tone) {
  const node = addMessage({ role: "system", text });
  if (node && tone) node.classList.add(`msg-${tone}`);
}

function showModel(label) {
  ui.model.textContent = label || "Model unknown";
  ui.model.title = "The model answering this chat";
}

function showAgentBanner(agent) {
  ui.banner.textContent = `${agent || "A human agent"} has joined the conversation. You're now chatting with a person.`;
  ui.banner.hidden = false;
}

function applyStatus(status) {
  state.status = status || state.status;
  const ended = state.status === "ended";
  const withHuman = state.status === "with_human";
  const waiting = state.status === "waiting_for_human";
  document.body.dataset.status = state.status;
  ui.input.disabled = ended;
  ui.send.disabled = ended || state.streaming;
  ui.human.disabled = ended || withHuman || waiting || state.streaming;
  ui.end.disabled = ended;
  ui.input.placeholder = ended
    ? "This conversation has ended."
    : withHuman ? `Message ${state.agent || "the agent"}…` : "Type your message…";
  if (!withHuman) ui.banner.hidden = true;
  ui.avatar.classList.toggle("avatar-human", withHuman);
  ui.avatar.textContent = withHuman && state.agent ? state.agent.slice(0, 1).toUpperCase() : "A";
  ui.connection.textContent = ended
    ? "Conversation ended"
    : withHuman ? `With ${state.agent || "a human agent"} · human support`
      : waiting ? "Waiting for a human agent" : "ShopExpress virtual assistant";
  if (ended) {
    ui.composer.hidden = true;
    showCsat();
  }
}

function showCsat() {
  ui.csat.hidden = false;
  ui.newConversation.hidden = false;
  const rated = state.csat != null;
  ui.stars.hidden = rated;
  ui.thanks.hidden = !rated;
  $("#csat-hint").hidden = rated;
  if (rated) ui.thanks.textContent = `Thanks for your rating! You gave us ${state.csat} out of 5.`;
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function setBusy(busy) {
  state.streaming = busy;
  applyStatus(state.status);
}

// ---- conversation lifecycle ------------------------------------------------------------------------------

async function create() {
  const data = await api("POST", "/api/conversations", { body: {} });
  state.conv = { conversation_id: data.conversation_id, secret: data.secret, label: data.model && data.model.label };
  save();
  showModel(state.conv.label);
  addMessage({ role: "assistant", author: data.assistant || "Alex", text: data.greeting, at: new Date().toISOString() });
  applyStatus("active");
  return 0;
}

async function resume(saved) {
  state.conv = saved;
  const data = await api("GET", base(), { headers: secretHeader() });
  showModel(saved.label);
  state.agent = data.agent;
  state.csat = data.csat;
  for (const m of data.messages || []) addMessage(m);
  if (!(data.messages || []).length) system("Welcome back. How can we help?");
  if (data.status === "with_human") showAgentBanner(data.agent);
  applyStatus(data.status);
  return data.last_event_id || 0;
}

async function start() {
  let after = 0;
  const saved = loadSaved();
  try {
    if (saved) {
      try {
        after = await resume(saved);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        sessionStorage.removeItem(STORE_KEY);
        after = await create();
      }
    } else {
      after = await create();
    }
  } catch (err) {
    showModel("Unavailable");
    system(`We couldn't start the chat: ${err.message}`, "error");
    ui.send.disabled = true;
    ui.human.disabled = true;
    return;
  }
  openLive(after);
  if (state.status !== "ended") ui.input.focus({ preventScroll: true });
}

// ---- live channel ----------------------------------------------------------------------------------------

function openLive(after) {
  if (state.live) state.live.stop();
  state.live = liveStream({
    url: (id) => `${base()}/events?after=${encodeURIComponent(id || 0)}`,
    headers: secretHeader,
    after,
    onEvent: onLiveEvent,
    onState: (s, detail) => {
      document.body.classList.toggle("is-reconnecting", s === "retrying");
      if (s === "stopped" && detail instanceof ApiError && detail.status === 404) {
        system("This conversation is no longer available. Start a new one to keep chatting.", "error");
        ui.csat.hidden = false;
        ui.stars.hidden = true;
        $("#csat-title").textContent = "Conversation closed";
        $("#csat-hint").hidden = true;
        ui.newConversation.hidden = false;
        ui.composer.hidden = true;
      }
    },
  });
}

function onLiveEvent({ event, data }) {
  const d = data && typeof data === "object" ? data : {};
  switch (event) {
    case "agent_joined":
      state.agent = d.agent || state.agent;
      showAgentBanner(state.agent);
      system(`${state.agent || "A human agent"} has joined the conversation.`);
      applyStatus("with_human");
      break;
    case "agent_message":
      addMessage({ id: d.id, role: "agent", author: d.agent, text: d.text, at: d.at });
      if (state.status !== "with_human" && state.status !== "ended") {
        state.agent = d.agent || state.agent;
        showAgentBanner(state.agent);
        applyStatus("with_human");
      }
      break;
    case "refund_decision":
      addMessage({ id: d.id, role: "system", text: d.text, at: d.at });
      break;
    case "handed_back":
      ui.banner.hidden = true;
      system("You're back with Alex, our assistant.");
      applyStatus("active");
      break;
    case "ended":
      if (state.status !== "ended") system(d.by === "agent" ? "The agent has closed this conversation." : "Chat ended.");
      applyStatus("ended");
      break;
    case "rated":
      state.csat = d.csat ?? state.csat;
      applyStatus("ended");
      break;
    default:
      break; // unknown events are ignored (forward compatibility)
  }
}

// ---- sending a turn --------------------------------------------------------------------------------------

async function send(text) {
  text = text.trim();
  if (!text || state.streaming || !state.conv || state.status === "ended") return;
  setBusy(true);
  const mine = addMessage({ role: "customer", text, at: new Date().toISOString() });
  const botTurn = state.status === "active";
  ui.typing.hidden = !botTurn;
  let bubble = null;
  let finished = false;
  let response;
  try {
    response = await openStream(`${base()}/messages`, { method: "POST", headers: secretHeader(), body: { text } });
  } catch (err) {
    // Not accepted: take the bubble back and return the text to the box so nothing is lost.
    mine.remove();
    if (!ui.input.value) ui.input.value = text;
    response = null;
    if (err instanceof ApiError && err.status === 409) system("Please wait for the current reply.", "error");
    else if (err instanceof ApiError && err.status === 404) system("This conversation has expired. Start a new one to continue.", "error");
    else system(err.message || "Something went wrong. Please try again.", "error");
  }
  try {
    if (!response) return;
    for await (const msg of readEvents(response)) {
      if (msg.comment !== undefined) continue;
      const d = msg.data && typeof msg.data === "object" ? msg.data : {};
      switch (msg.event) {
        case "text":
          if (!bubble) bubble = addMessage({ role: "assistant", author: "Alex", text: "", at: new Date().toISOString() });
          keepPinned(ui.messages, () => { bubble.querySelector(".msg-body").textContent += d.text || ""; });
          break;
        case "tool_started":
          say(ui.activity, TOOL_ACTIVITY[d.name] || "Working on it…");
          break;
        case "tool_finished":
          say(ui.activity, "");
          break;
        case "escalated":
          system(d.handoff_id
            ? `You're in the queue for a human agent. Reference: ${d.handoff_id}.`
            : "You're in the queue for a human agent.");
          state.status = "waiting_for_human";
          break;
        case "relayed":
          ui.typing.hidden = true;
          break;
        case "done":
          finished = true;
          if (!bubble && d.text) bubble = addMessage({ role: "assistant", author: "Alex", text: d.text, at: new Date().toISOString() });
          if (d.status) state.status = d.status;
          break;
        case "error":
          finished = true;
          system(d.message || "Something went wrong. Please try again.", "error");
          break;
        default:
          break;
      }
    }
    if (!finished) system("The connection dropped before the reply finished. Please try again.", "error");
  } catch (err) {
    system(err.message ? `The reply was interrupted: ${err.message}` : "The reply was interrupted. Please try again.", "error");
  } finally {
    ui.typing.hidden = true;
    say(ui.activity, "");
    setBusy(false);
    if (state.status !== "ended") ui.input.focus({ preventScroll: true });
  }
}

// ---- controls --------------------------------------------------------------------------------------------

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
}

ui.composer.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = ui.input.value;
  if (!text.trim() || state.streaming) return;
  ui.input.value = "";
  autosize();
  send(text);
});

ui.input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.input.addEventListener("input", autosize);

ui.human.addEventListener("click", () => send(HUMAN_REQUEST));

ui.end.addEventListener("click", async () => {
  if (!state.conv || state.status === "ended") return;
  ui.end.disabled = true;
  try {
    await api("POST", `${base()}/end`, { headers: secretHeader(), body: {} });
    if (state.status !== "ended") system("Chat ended.");
    applyStatus("ended");
  } catch (err) {
    ui.end.disabled = false;
    system(err.message, "error");
  }
});

function lightStars(n) {
  for (const star of ui.stars.querySelectorAll(".star")) {
    star.classList.toggle("lit", Number(star.dataset.score) <= n);
  }
}

ui.stars.addEventListener("mouseover", (ev) => {
  const star = ev.target.closest(".star");
  if (star) lightStars(Number(star.dataset.score));
});
ui.stars.addEventListener("focusin", (ev) => {
  const star = ev.target.closest(".star");
  if (star) lightStars(Number(star.dataset.score));
});
ui.stars.addEventListener("mouseleave", () => lightStars(0));
ui.stars.addEventListener("focusout", () => lightStars(0));
ui.stars.addEventListener("keydown", (ev) => {
  const stars = [...ui.stars.querySelectorAll(".star")];
  const i = stars.indexOf(document.activeElement);
  if (i === -1) return;
  if (ev.key === "ArrowRight" || ev.key === "ArrowUp") stars[Math.min(i + 1, 4)].focus();
  else if (ev.key === "ArrowLeft" || ev.key === "ArrowDown") stars[Math.max(i - 1, 0)].focus();
  else return;
  ev.preventDefault();
});

ui.stars.addEventListener("click", async (ev) => {
  const star = ev.target.closest(".star");
  if (!star || !state.conv) return;
  const score = Number(star.dataset.score);
  for (const b of ui.stars.querySelectorAll(".star")) b.disabled = true;
  try {
    const data = await api("POST", `${base()}/csat`, { headers: secretHeader(), body: { score } });
    state.csat = data && data.csat != null ? data.csat : score;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) {
      for (const b of ui.stars.querySelectorAll(".star")) b.disabled = false;
      system(err.message, "error");
      return;
    }
    state.csat = state.csat ?? score; // already rated: show the thanks anyway
  }
  applyStatus("ended");
});

ui.newConversation.addEventListener("click", () => {
  if (state.live) state.live.stop();
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch {
    // ignore
  }
  location.reload();
});

start();
