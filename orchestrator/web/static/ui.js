// Shared DOM helpers. Server text only ever goes through textContent (never innerHTML).

const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an element: el("div", {class: "x", "aria-label": "y", dataset: {role: "a"}}, child, "text", …). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Create an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v != null) node.setAttribute(k, String(v));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "text") node.textContent = v;
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
}

/** Remove all children. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export const $ = (selector, root = document) => root.querySelector(selector);

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "numeric", minute: "2-digit",
});

/** Local clock time ("8:01 PM") for an ISO timestamp, or "" if missing. */
export function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : timeFmt.format(d);
}

/** Local date and time ("Nov 25, 8:01 PM"). */
export function dateTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : dateTimeFmt.format(d);
}

/** A compact age: "just now", "4 min", "2 h 5 min", "3 d". */
export function age(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Duration in seconds as "95 s" or "1 min 35 s". */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(Number(seconds))) return "—";
  const s = Math.round(Number(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const ROLE_LABEL = { customer: "You", assistant: "Alex", system: "" };

/**
 * Render one transcript message as `.msg[data-role]`. opts.viewer = "customer" (the chat page) or "agent"
 * (the console: the customer is labelled "Customer" and the agent's own lines "You" when author matches).
 */
export function messageNode(msg, opts = {}) {
  const role = ["customer", "assistant", "agent", "system"].includes(msg.role) ? msg.role : "system";
  const node = el("div", { class: "msg", dataset: { role } });
  if (msg.id != null) node.dataset.id = String(msg.id);
  if (role !== "system") {
    let who = ROLE_LABEL[role];
    if (role === "customer" && opts.viewer === "agent") who = "Customer";
    if (role === "assistant") who = msg.author || "Alex";
    if (role === "agent") who = msg.author || msg.agent || "Agent";
    const meta = el("div", { class: "msg-meta" }, el("span", { class: "msg-author" }, who));
    if (role === "agent") meta.append(el("span", { class: "tag tag-human" }, "Human agent"));
    if (role === "assistant" && opts.viewer === "agent") meta.append(el("span", { class: "tag" }, "Bot"));
    const when = clock(msg.at);
    if (when) meta.append(el("time", { class: "msg-time", datetime: msg.at }, when));
    node.append(meta);
  }
  const body = el("div", { class: "msg-body" });
  body.textContent = msg.text || "";
  node.append(body);
  return node;
}

/** Append `node` to a scrolling log and keep it pinned to the bottom if the user was already there. */
export function appendToLog(log, node) {
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.append(node);
  if (nearBottom) log.scrollTop = log.scrollHeight;
}

/** Run `change` (which grows the log's content) and stay pinned to the bottom if the user was there. */
export function keepPinned(log, change) {
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  change();
  if (nearBottom) log.scrollTop = log.scrollHeight;
}

/**
 * A small sentiment line (values -1..1) as an SVG. opts: width, height, label (aria-label), axis (bool).
 */
export function sentimentSvg(values, { width = 80, height = 24, label, axis = false, dots = false } = {}) {
  const vals = (values || []).map(Number).filter((v) => Number.isFinite(v));
  const pad = axis ? 6 : 2;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: axis ? "sentiment-chart" : "sparkline",
    role: "img", "aria-label": label || sentimentLabel(vals), focusable: "false",
  });
  const y = (v) => pad + ((1 - Math.max(-1, Math.min(1, v))) / 2) * (height - 2 * pad);
  const x = (i) => (vals.length <= 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (vals.length - 1));
  root.append(svg("line", { x1: 0, x2: width, y1: y(0), y2: y(0), class: "spark-zero" }));
  if (axis) {
    root.append(svg("text", { x: 2, y: y(1) + 4, class: "chart-tick" }, "+1"));
    root.append(svg("text", { x: 2, y: y(-1), class: "chart-tick" }, "−1"));
  }
  if (!vals.length) return root;
  const last = vals[vals.length - 1];
  const tone = last <= -0.3 ? "neg" : last >= 0.3 ? "pos" : "neu";
  const points = vals.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  if (vals.length > 1) root.append(svg("polyline", { points, class: `spark-line spark-${tone}` }));
  const each = dots ? vals.map((v, i) => i) : [vals.length - 1];
  for (const i of each) {
    root.append(svg("circle", { cx: x(i), cy: y(vals[i]), r: dots ? 3 : 2.5, class: `spark-dot spark-${tone}` }));
  }
  return root;
}

export function sentimentLabel(vals, trend) {
  if (!vals.length) return "No sentiment data";
  const last = vals[vals.length - 1];
  const word = last <= -0.3 ? "negative" : last >= 0.3 ? "positive" : "neutral";
  return `Sentiment over ${vals.length} message${vals.length === 1 ? "" : "s"}: now ${word} (${last.toFixed(1)})`
    + (trend ? `, ${trend}` : "");
}

/** Show a transient message in a role=status/alert element (empty string hides it). */
export function say(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}
