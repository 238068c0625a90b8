// Small dependency-free SVG charts for the dashboard (line with target and gaps, bars, horizontal bar).

import { svg } from "/static/ui.js";

const W = 280;
const H = 140;
const PAD = { l: 42, r: 8, t: 10, b: 24 };

/** Pick up to `max` evenly spaced indexes out of n (always including the last). */
function tickIndexes(n, max) {
  if (n <= max) return [...Array(n).keys()];
  const step = Math.ceil((n - 1) / (max - 1));
  const out = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

function frame(label, yTicks, y, fmt) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label, focusable: "false" });
  for (const v of yTicks) {
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: "chart-grid" }));
    root.append(svg("text", { x: PAD.l - 6, y: y(v) + 3, "text-anchor": "end", class: "chart-tick" }, fmt(v)));
  }
  return root;
}

function xLabels(root, labels, x) {
  const idx = tickIndexes(labels.length, 5);
  for (const i of idx) {
    const px = x(i);
    const anchor = px > W - PAD.r - 20 ? "end" : px < PAD.l + 20 && labels.length > 1 ? "start" : "middle";
    root.append(svg("text", { x: anchor === "end" ? W - PAD.r : anchor === "start" ? PAD.l : px, y: H - 6,
      "text-anchor": anchor, class: "chart-tick" }, labels[i]));
  }
}

/**
 * A line chart. points: [{label, value|null}], opts: {domain: [lo, hi], target, fmt, label (aria)}.
 * Null values break the line; the target is a dashed horizontal line.
 */
export function lineChart(points, { domain, target, fmt = String, label }) {
  const [lo, hi] = domain;
  const y = (v) => PAD.t + (1 - (v - lo) / (hi - lo || 1)) * (H - PAD.t - PAD.b);
  const n = points.length;
  const x = (i) => (n <= 1 ? (PAD.l + W - PAD.r) / 2 : PAD.l + (i * (W - PAD.l - PAD.r)) / (n - 1));
  const ticks = [lo, lo + (hi - lo) / 2, hi];
  const root = frame(label, ticks, y, fmt);
  xLabels(root, points.map((p) => p.label), x);

  const present = points.map((p, i) => ({ ...p, i })).filter((p) => p.value != null && Number.isFinite(p.value));
  if (target != null && Number.isFinite(target) && target >= lo && target <= hi) {
    root.append(svg("line", { x1: PAD.l, x2: W - PAD.r, y1: y(target), y2: y(target), class: "chart-target" }));
  }
  if (!present.length) {
    root.append(svg("text", { x: (PAD.l + W) / 2, y: H / 2, "text-anchor": "middle", class: "chart-empty" }, "No data in this window"));
    return root;
  }
  // Contiguous runs of non-null points become separate polylines.
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      const pts = run.map((p) => `${x(p.i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
      const area = `${x(run[0].i).toFixed(1)},${y(lo).toFixed(1)} ${pts} ${x(run[run.length - 1].i).toFixed(1)},${y(lo).toFixed(1)}`;
      root.append(svg("polygon", { points: area, class: "chart-area" }));
      root.append(svg("polyline", { points: pts, class: "chart-line" }));
    }
    run = [];
  };
  points.forEach((p, i) => {
    if (p.value == null || !Number.isFinite(p.value)) flush();
    else run.push({ ...p, i });
  });
  flush();
  for (const p of present) {
    root.append(svg("circle", { cx: x(p.i), cy: y(p.value), r: n > 40 ? 2 : 3, class: "chart-dot" }));
  }
  return root;
}

/** A vertical bar chart of counts. points: [{label, value}]. */
export function barChart(points, { label, fmt = String }) {
  const max = Math.max(1, ...points.map((p) => Number(p.value) || 0));
  const hi = niceCeil(max);
  const y = (v) => PAD.t + (1 - v / hi) * (H - PAD.t - PAD.b);
  const n = Math.max(points.length, 1);
  const band = (W - PAD.l - PAD.r) / n;
  const x = (i) => PAD.l + band * (i + 0.5);
  const root = frame(label, [0, hi / 2, hi], y, fmt);
  xLabels(root, points.map((p) => p.label), x);
  points.forEach((p, i) => {
    const v = Number(p.value) || 0;
    const w = Math.max(2, Math.min(28, band * 0.62));
    root.append(svg("rect", {
      x: (x(i) - w / 2).toFixed(1), y: y(v).toFixed(1), width: w.toFixed(1),
      height: Math.max(0, y(0) - y(v)).toFixed(1), rx: 3, class: "chart-bar",
    }));
  });
  return root;
}

/** A thin horizontal bar (value / max) for table cells. */
export function hbar(value, max, cls = "") {
  const w = 100;
  const frac = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  return svg("svg", { viewBox: `0 0 ${w} 10`, preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" },
    svg("rect", { x: 0, y: 0, width: w, height: 10, rx: 5, class: "bar-track" }),
    svg("rect", { x: 0, y: 0, width: Math.max(frac * w, frac > 0 ? 3 : 0), height: 10, rx: 5, class: `bar-fill ${cls}` }));
}

/** Round up to 1, 2, 4, 5 × 10^k (so that the half-way tick is round too). */
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
