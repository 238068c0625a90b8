// Refund approvals in the agent console: refunds above the automatic limit, with their context, and the
// approve / reject (with a reason) actions. The customer sees the decision live in their chat.

import { ApiError } from "/static/sse.js";
import { $, age, clear, el, say } from "/static/ui.js";

const REASONS = {
  defective: "Defective item", wrong_item: "Wrong item", not_received: "Not received",
  changed_mind: "Change of mind", other: "Other",
};

const money = (amount, currency) => currency === "USD"
  ? `$${Number(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
  : `${Number(amount).toFixed(2)} ${currency}`;

/**
 * The approvals panel. `call(method, url, body)` talks to the API, `openHandoff(id)` shows a handoff,
 * `onError(err)` reports failures the panel cannot show itself.
 */
export function approvalsPanel({ call, openHandoff, onError }) {
  const ui = { list: $("#approvals"), count: $("#approvals-count"), status: $("#approvals-status") };
  let busy = false;

  function item(r) {
    const reason = el("input", {
      type: "text", maxlength: "500", required: true, class: "approval-reason",
      "aria-label": `Reason for rejecting ${r.refund_id}`, placeholder: "Reason (shown to the customer)",
    });
    const approve = el("button", { type: "button", class: "btn btn-ok btn-sm", dataset: { action: "approve" } },
      "Approve");
    const reject = el("button", { type: "submit", class: "btn btn-danger btn-sm", dataset: { action: "reject" } },
      "Reject");
    const form = el("form", { class: "approval-actions" }, reason, approve, reject);
    approve.addEventListener("click", () => decide(r, "approve", null, form));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        say(ui.status, `Say why ${r.refund_id} is rejected; the customer will read it.`);
        reason.focus();
        return;
      }
      decide(r, "reject", text, form);
    });
    const facts = el("dl", { class: "facts approval-facts" },
      el("dt", {}, "Order"), el("dd", {}, `${r.order_id} · ${money(r.order_total, r.currency)} · ${r.order_status}`
        + (r.delivered_on ? ` ${r.delivered_on}` : "")),
      el("dt", {}, "Reason"), el("dd", {}, REASONS[r.reason] || r.reason),
      el("dt", {}, "Item"), el("dd", {}, r.item_used ? "used" : "unused"),
      el("dt", {}, "Refunded before"), el("dd", {}, money(r.already_refunded, r.currency)),
      el("dt", {}, "To"), el("dd", {}, r.method),
      el("dt", {}, "Customer"), el("dd", {}, r.customer_email));
    const open = r.handoff_id
      ? el("button", { type: "button", class: "btn btn-ghost btn-sm" }, `Open ${r.handoff_id}`)
      : null;
    if (open) open.addEventListener("click", () => openHandoff(r.handoff_id));
    return el("li", { class: "approval", dataset: { refundId: r.refund_id } },
      el("span", { class: "handoff-top" },
        el("span", { class: "badge prio-high" }, "Approval"),
        el("strong", { class: "approval-amount" }, money(r.amount, r.currency)),
        el("span", { class: "handoff-id" }, r.refund_id),
        el("span", { class: "handoff-age" }, `waiting ${age((r.waiting_minutes || 0) * 60)}`)),
      facts, open, form);
  }

  function render(data) {
    const items = (data && data.items) || [];
    clear(ui.list);
    if (!items.length) ui.list.append(el("li", { class: "empty" }, "No refunds waiting for approval."));
    for (const r of items) ui.list.append(item(r));
    ui.count.textContent = String(data.total ?? items.length);
    ui.count.setAttribute("aria-label", `${data.total ?? items.length} refunds awaiting approval`);
  }

  async function refresh() {
    if (busy) return;
    try {
      render(await call("GET", "/api/agent/refunds"));
    } catch (err) {
      if (err instanceof ApiError && err.status === 503 && err.code === "unavailable") {
        say(ui.status, err.message);
        return;
      }
      onError(err);
    }
  }

  async function decide(r, action, reason, form) {
    busy = true;
    for (const b of form.querySelectorAll("button, input")) b.disabled = true;
    say(ui.status, "");
    try {
      const url = `/api/agent/refunds/${encodeURIComponent(r.refund_id)}/${action}`;
      const d = await call("POST", url, action === "reject" ? { reason } : {});
      const verb = d.decision === "approved" ? "approved: the money is on its way" : "rejected: nothing was refunded";
      const told = d.posted ? " The customer has been told in their conversation." : "";
      say(ui.status, `${r.refund_id} ${verb}.${told}`);
    } catch (err) {
      if (err instanceof ApiError && [409, 404, 422].includes(err.status)) say(ui.status, err.message);
      else onError(err);
    } finally {
      busy = false;
      await refresh();
    }
  }

  return { refresh };
}
