// KPI dashboard: sign in with the agent token, fetch /api/dashboard, render cards, charts, cost and latency.

import { ApiError, api } from "/static/sse.js";
import { $, clear, duration, el, say } from "/static/ui.js";
import { barChart, hbar, lineChart, niceCeil } from "/static/charts.js";
import { forgetAgent, loadAgent, loginError, saveAgent } from "/static/auth.js";

const ORDER = ["csat", "auto_resolution", "escalation", "resolution_time", "reopen"];
const NAMES = {
  csat: "CSAT", auto_resolution: "Auto-resolution", escalation: "Escalation rate",
  resolution_time: "Resolution time", reopen: "Reopen rate",
};
const HELP = {
  csat: "Average customer rating",
  auto_resolution: "Resolved by Alex without a human",
  escalation: "Conversations handed to a human",
  resolution_time: "Median time to resolve",
  reopen: "Customers who came back on the same issue",
};
const COUNTS = [
  ["ended", "Ended"], ["resolved_by_bot", "Resolved by bot"], ["escalated", "Escalated"],
  ["abandoned", "Abandoned"], ["open", "Open now"],
];

const ui = {
  loginSection: $("#login-section"), login: $("#login"), token: $("#agent-token"), loginButton: $("#login-button"),
  loginError: $("#login-error"), dash: $("#dashboard"), logout: $("#logout"), error: $("#dash-error"),
  window: $("#window"), windowLabel: $("#window-label"), model: $("#model-label"), updated: $("#updated"),
  refresh: $("#refresh-button"), kpis: $("#kpis"), counts: $("#counts"), charts: $("#charts"),
  costBody: $("#cost-body"), costWindow: $("#cost-window"), toolsBody: $("#tools-body"),
  approvals: $("#approvals-body"),
};
const state = { token: null, timer: null, loading: false };

const num = new Intl.NumberFormat();
const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const hourFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric" });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

// ---- formatting ------------------------------------------------------------------------------------------

function unitOf(kpi) {
  if (kpi.unit) return kpi.unit;
  return kpi.key === "csat" ? "score" : kpi.key === "resolution_time" ? "seconds" : "ratio";
}

function fmtValue(unit, v, { short = false } = {}) {
  if (v == null || !Number.isFinite(Number(v))) return "—";
  v = Number(v);
  if (unit === "score") return short ? v.toFixed(1) : `${v.toFixed(1)} / 5`;
  if (unit === "seconds") return short && v >= 60 ? `${Math.round(v / 60)} min` : duration(v);
  if (unit === "ratio") {
    const pct = v * 100;
    return `${pct > 0 && pct < 10 && !Number.isInteger(pct) ? pct.toFixed(1) : Math.round(pct)}%`;
  }
  return String(Math.round(v * 100) / 100);
}

function usd(v) {
  const n = Number(v) || 0;
  return n < 0.01 ? `$${n.toFixed(4)}` : n < 1 ? `$${n.toFixed(3)}` : `$${n.toFixed(2)}`;
}

function plural(n, word) {
  return `${num.format(n)} ${word}${n === 1 ? "" : "s"}`;
}

function bucketLabel(iso, bucket) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return bucket === "hour" ? hourFmt.format(d) : dayFmt.format(d);
}

// ---- rendering -------------------------------------------------------------------------------------------

function kpiCard(kpi) {
  const unit = unitOf(kpi);
  const cmp = kpi.direction === "below" ? "<" : ">";
  const noData = kpi.value == null || kpi.met == null;
  const stateName = noData ? "nodata" : kpi.met ? "met" : "missed";
  const chip = noData
    ? el("span", { class: "chip chip-nodata" }, "No data")
    : kpi.met
      ? el("span", { class: "chip chip-met" }, "✓ Met")
      : el("span", { class: "chip chip-missed" }, "✗ Missed");
  const nWord = kpi.key === "csat" ? "rating" : "conversation";
  return el("article", { class: "card kpi", dataset: { kpi: kpi.key, state: stateName }, "aria-labelledby": `kpi-${kpi.key}` },
    el("h3", { class: "kpi-name", id: `kpi-${kpi.key}` }, kpi.name || NAMES[kpi.key] || kpi.key),
    el("p", { class: "kpi-value" }, fmtValue(unit, kpi.value)),
    el("p", { class: "kpi-target" }, kpi.target != null ? `target ${cmp} ${fmtValue(unit, kpi.target, { short: true })}` : "no target"),
    el("div", { class: "kpi-foot" },
      el("span", { class: "kpi-n" }, kpi.n != null ? `from ${plural(kpi.n, nWord)}` : HELP[kpi.key] || ""),
      chip));
}

function renderKpis(kpis) {
  clear(ui.kpis);
  const byKey = Object.fromEntries((kpis || []).map((k) => [k.key, k]));
  const keys = [...ORDER.filter((k) => byKey[k]), ...Object.keys(byKey).filter((k) => !ORDER.includes(k))];
  for (const key of keys) ui.kpis.append(kpiCard(byKey[key]));
  if (!keys.length) ui.kpis.append(el("p", { class: "empty" }, "No KPIs reported."));
}

function renderCounts(counts) {
  clear(ui.counts);
  for (const [key, label] of COUNTS) {
    const v = counts ? counts[key] : null;
    ui.counts.append(el("div", { class: "count-item", dataset: { count: key } },
      el("dt", {}, label), el("dd", {}, v == null ? "—" : num.format(v))));
  }
}

function renderApprovals(a) {
  clear(ui.approvals);
  const money = (v) => `$${(Number(v) || 0).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const items = a ? [
    ["pending", "Awaiting approval", `${num.format(a.pending)} · ${money(a.pending_amount)}`],
    ["decision_time", "Time to decision", a.mean_decision_s == null ? "—" : duration(a.mean_decision_s)],
    ["approved", "Approved", `${num.format(a.approved)} · ${money(a.approved_amount)}`],
    ["rejected", "Rejected", `${num.format(a.rejected)} · ${money(a.rejected_amount)}`],
  ] : [["pending", "Awaiting approval", "—"]];
  for (const [key, label, value] of items) {
    ui.approvals.append(el("div", { class: "count-item", dataset: { approval: key } },
      el("dt", {}, label), el("dd", {}, value)));
  }
}

function domainFor(unit, values, target) {
  const vals = values.filter((v) => v != null && Number.isFinite(v));
  if (unit === "score") return [1, 5];
  const top = Math.max(...vals, target ?? 0, 0);
  if (unit === "ratio") return [0, Math.min(1, niceCeil(Math.max(top * 1.15, 0.1)))];
  return [0, niceCeil(Math.max(top * 1.15, 1))];
}

function summarize(name, unit, points, target, bucket) {
  const vals = points.filter((p) => p.value != null);
  if (!vals.length) return `${name} per ${bucket}: no data in this window.`;
  const nums = vals.map((p) => p.value);
  const last = vals[vals.length - 1];
  const tgt = target != null ? `, target ${fmtValue(unit, target)}` : "";
  return `${name} per ${bucket}: latest ${fmtValue(unit, last.value)} (${last.label}), range `
    + `${fmtValue(unit, Math.min(...nums))} to ${fmtValue(unit, Math.max(...nums))} over ${vals.length} `
    + `${bucket}${vals.length === 1 ? "" : "s"}${tgt}.`;
}

function renderCharts(data) {
  clear(ui.charts);
  const bucket = (data.window && data.window.bucket) || "day";
  const series = data.series || [];
  const labels = series.map((s) => bucketLabel(s.start, bucket));
  const byKey = Object.fromEntries((data.kpis || []).map((k) => [k.key, k]));
  for (const key of ORDER) {
    const kpi = byKey[key] || { key, name: NAMES[key] };
    const unit = unitOf(kpi);
    const points = series.map((s, i) => ({ label: labels[i], value: s[key] == null ? null : Number(s[key]) }));
    const name = kpi.name || NAMES[key];
    const label = summarize(name, unit, points, kpi.target, bucket);
    const chart = lineChart(points, {
      domain: domainFor(unit, points.map((p) => p.value), kpi.target),
      target: kpi.target, label, fmt: (v) => fmtValue(unit, v, { short: true }),
    });
    const cmp = kpi.direction === "below" ? "<" : ">";
    const legend = kpi.target != null
      && el("span", { class: "legend" }, el("span", { class: "legend-dash", "aria-hidden": "true" }),
        `target ${cmp} ${fmtValue(unit, kpi.target, { short: true })}`);
    ui.charts.append(el("figure", { class: "card chart-card", dataset: { chart: key } },
      el("div", { class: "chart-head" }, el("h3", {}, name), legend),
      el("p", { class: "card-sub" }, HELP[key] || ""), chart));
  }
  if (series.some((s) => s.ended != null)) {
    const points = series.map((s, i) => ({ label: labels[i], value: s.ended || 0 }));
    const total = points.reduce((a, p) => a + p.value, 0);
    ui.charts.append(el("figure", { class: "card chart-card", dataset: { chart: "ended" } },
      el("div", { class: "chart-head" }, el("h3", {}, "Conversations ended")),
      el("p", { class: "card-sub" }, `Volume per ${bucket}`),
      barChart(points, { label: `Conversations ended per ${bucket}: ${num.format(total)} in total, peak ${Math.max(0, ...points.map((p) => p.value))}.` })));
  }
}

function table(caption, head, rows, captionClass) {
  return el("table", {},
    el("caption", { class: captionClass }, caption),
    el("thead", {}, el("tr", {}, head.map(([text, cls]) => el("th", { scope: "col", class: cls }, text)))),
    el("tbody", {}, rows));
}

function renderCost(cost, since) {
  clear(ui.costBody);
  ui.costWindow.textContent = since;
  if (!cost) {
    ui.costBody.append(el("p", { class: "empty" }, "No cost data."));
    return;
  }
  ui.costBody.append(
    el("p", { class: "cost-total", "aria-label": `Total cost ${usd(cost.total_usd)}` }, usd(cost.total_usd)),
    el("dl", { class: "cost-stats" },
      el("div", {}, el("dt", {}, "Tokens in"), el("dd", {}, num.format(cost.tokens_in || 0))),
      el("div", {}, el("dt", {}, "Tokens out"), el("dd", {}, num.format(cost.tokens_out || 0))),
      el("div", {}, el("dt", {}, "Per conversation"), el("dd", {}, usd(cost.per_conversation_usd)))));
  const models = cost.by_model || [];
  if (!models.length) {
    ui.costBody.append(el("p", { class: "empty" }, "No model calls in this window."));
    return;
  }
  ui.costBody.append(el("div", { class: "table-wrap" }, table("Cost by model",
    [["Model"], ["Calls", "num"], ["Cost", "num"]],
    models.map((m) => el("tr", {},
      el("th", { scope: "row" }, el("code", {}, m.model)),
      el("td", { class: "num" }, num.format(m.calls || 0)),
      el("td", { class: "num" }, m.priced === false ? el("span", { class: "badge" }, "no price") : usd(m.cost_usd)))))));
}

function renderTools(tools) {
  clear(ui.toolsBody);
  if (!tools || !tools.length) {
    ui.toolsBody.append(el("p", { class: "empty" }, "No tool calls in this window."));
    return;
  }
  const max = Math.max(1, ...tools.map((t) => Number(t.p95_ms) || 0));
  ui.toolsBody.append(table("Tool call latency in milliseconds",
    [["Tool"], ["Server"], ["Calls", "num"], ["Errors", "num"], ["p50", "num"], ["p95", "bar-cell"]],
    tools.map((t) => el("tr", {},
      el("th", { scope: "row" }, el("code", {}, t.name)),
      el("td", {}, t.server || "—"),
      el("td", { class: "num" }, num.format(t.calls || 0)),
      el("td", { class: "num" }, t.errors ? el("span", { class: "badge err-tag" }, num.format(t.errors)) : "0"),
      el("td", { class: "num" }, t.p50_ms == null ? "—" : `${num.format(t.p50_ms)} ms`),
      el("td", { class: "bar-cell" }, el("span", { class: "bar" },
        hbar(Number(t.p95_ms) || 0, max, (t.p95_ms || 0) >= 300 ? "slow" : ""),
        el("span", { class: "num bar-value" }, t.p95_ms == null ? "—" : `${num.format(t.p95_ms)} ms`))))),
    "visually-hidden"));
}

function render(data) {
  const w = data.window || {};
  const days = Number(ui.window.value);
  const range = w.since && w.until
    ? `${dayFmt.format(new Date(w.since))} – ${dayFmt.format(new Date(w.until))}` : "";
  ui.windowLabel.textContent = `${ui.window.selectedOptions[0].textContent}${range ? ` · ${range}` : ""} · by ${w.bucket || (days === 1 ? "hour" : "day")}`;
  ui.model.textContent = (data.model && data.model.label) || "Model unknown";
  renderKpis(data.kpis);
  renderCounts(data.counts);
  renderApprovals(data.approvals);
  renderCharts(data);
  renderCost(data.cost, ui.window.selectedOptions[0].textContent);
  renderTools(data.tools);
  ui.updated.textContent = `Updated ${timeFmt.format(new Date())}`;
}

// ---- data and sign-in ------------------------------------------------------------------------------------

async function load() {
  if (!state.token || state.loading) return;
  state.loading = true;
  ui.refresh.disabled = true;
  const days = Number(ui.window.value) || 7;
  const bucket = days <= 1 ? "hour" : "day";
  try {
    const data = await api("GET", `/api/dashboard?days=${days}&bucket=${bucket}`, {
      headers: { Authorization: `Bearer ${state.token}` },
    });
    say(ui.error, "");
    render(data);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.code === "console_disabled")) signOut(loginError(err));
    else say(ui.error, `Couldn't load the dashboard: ${err.message}`);
  } finally {
    state.loading = false;
    ui.refresh.disabled = false;
  }
}

async function signIn(token) {
  ui.loginButton.disabled = true;
  say(ui.loginError, "");
  try {
    const days = Number(ui.window.value) || 7;
    const data = await api("GET", `/api/dashboard?days=${days}&bucket=${days <= 1 ? "hour" : "day"}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    state.token = token;
    saveAgent({ token });
    ui.loginSection.hidden = true;
    ui.dash.hidden = false;
    ui.logout.hidden = false;
    render(data);
    clearInterval(state.timer);
    state.timer = setInterval(load, 30000);
  } catch (err) {
    say(ui.loginError, loginError(err));
    ui.token.focus();
  } finally {
    ui.loginButton.disabled = false;
  }
}

function signOut(message) {
  clearInterval(state.timer);
  state.token = null;
  forgetAgent();
  ui.dash.hidden = true;
  ui.logout.hidden = true;
  ui.loginSection.hidden = false;
  ui.token.value = "";
  say(ui.loginError, message || "");
  ui.token.focus();
}

ui.login.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = ui.token.value.trim();
  if (!token) {
    say(ui.loginError, "Enter the agent token.");
    ui.token.focus();
    return;
  }
  signIn(token);
});
ui.logout.addEventListener("click", () => signOut(""));
ui.window.addEventListener("change", load);
ui.refresh.addEventListener("click", load);

const saved = loadAgent();
if (saved && saved.token) signIn(saved.token);
else ui.token.focus();
