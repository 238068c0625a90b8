"""Human decisions on refunds that waited for approval: list them, approve (the money moves) or reject (released).

Eligibility is judged when the customer asks: the window, the reason and the item's state are decided by
`process_refund`, and the amount is reserved then, so no later request can spend it twice. Approval re-checks
only what can change afterwards and would make the refund wrong: the order being cancelled or returned since
(either one already returns the money). A queue's delay never costs the customer their refund window.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, RowMapping

from .models import PendingRefund, RefundDecision, RefundResult, RefundState
from .policy import Payment, RefundPolicy, format_money
from .schema import payments, refunds

__all__ = ["DecisionRefusedError", "decide", "pending", "state"]

_CHANGED_SINCE = {
    "cancelled": "was cancelled since, and the cancellation releases the whole payment",
    "returned": "was returned since, and the return refunds the returned items",
}


class DecisionRefusedError(Exception):
    """The decision cannot be made; `rule` names why and `message` says what to do instead."""

    def __init__(self, rule: str, message: str, *, order_id: str | None = None, amount_cents: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.order_id = order_id
        self.amount_cents = amount_cents


@dataclass(frozen=True)
class Outcome:
    """A decision as stored, and whether this call made it (False: it was already made, nothing changed)."""

    decision: RefundDecision
    changed: bool
    amount_cents: int


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def pending(conn: Connection, *, limit: int, now: datetime) -> tuple[int, list[PendingRefund]]:
    """How many refunds wait for approval, and the oldest `limit` of them with their order's context."""
    waiting = refunds.c.status == "pending_approval"
    total = int(conn.execute(select(func.count()).select_from(refunds).where(waiting)).scalar_one())
    query = (
        select(refunds, payments.c.total_cents, payments.c.order_status, payments.c.delivered_at, payments.c.item_used)
        .join(payments, payments.c.order_id == refunds.c.order_id)
        .where(waiting)
        .order_by(refunds.c.created_at, refunds.c.refund_id)
        .limit(limit)
    )
    items: list[PendingRefund] = []
    for row in conn.execute(query).mappings():
        refunded = conn.execute(
            select(func.coalesce(func.sum(refunds.c.amount_cents), 0)).where(
                refunds.c.order_id == row["order_id"], refunds.c.status == "refunded"
            )
        ).scalar_one()
        items.append(
            PendingRefund(
                refund_id=row["refund_id"],
                order_id=row["order_id"],
                customer_email=row["customer_email"],
                amount=row["amount_cents"] / 100,
                currency=row["currency"],
                method=row["method"],
                reason=row["reason"],
                requested_at=_iso(row["created_at"]),
                waiting_minutes=max(0, int((now - row["created_at"]).total_seconds() // 60)),
                order_total=row["total_cents"] / 100,
                order_status=row["order_status"],
                delivered_on=row["delivered_at"].date().isoformat() if row["delivered_at"] else None,
                item_used=row["item_used"],
                already_refunded=int(refunded) / 100,
            )
        )
    return total, items


def state(conn: Connection, refund_id: str, *, policy: RefundPolicy) -> RefundState | None:
    """One refund as it stands, with the human's decision once there is one; None for an unknown id."""
    row = conn.execute(select(refunds).where(refunds.c.refund_id == refund_id)).mappings().first()
    if row is None:
        return None
    payment = Payment(**conn.execute(select(payments).where(payments.c.order_id == row["order_id"])).mappings().one())
    decided = row["decided_by"] is not None
    return RefundState(
        refund_id=refund_id,
        order_id=row["order_id"],
        status=row["status"],
        amount=row["amount_cents"] / 100,
        currency=row["currency"],
        reason=row["reason"],
        requested_at=_iso(row["created_at"]),
        decision=_decision(dict(row), payment, policy, replayed=True) if decided else None,
    )


def decide(
    conn: Connection,
    refund_id: str,
    *,
    approve: bool,
    agent: str,
    note: str | None,
    now: datetime,
    policy: RefundPolicy,
) -> Outcome:
    """Approve or reject one pending refund, once; a repeat of the same decision returns it unchanged.

    Raises:
        DecisionRefusedError: unknown refund, never pending, decided the other way, or the order changed since.
    """
    found = conn.execute(select(refunds.c.order_id).where(refunds.c.refund_id == refund_id)).first()
    if found is None:
        raise DecisionRefusedError(
            "unknown_refund", f"No refund {refund_id}. Call list_pending_refunds to see the refunds awaiting approval."
        )
    # Lock the order's payment row first, as process_refund does: decisions and new requests on one order queue up.
    payment_row = conn.execute(select(payments).where(payments.c.order_id == found.order_id).with_for_update())
    payment = Payment(**payment_row.mappings().one())
    row = conn.execute(select(refunds).where(refunds.c.refund_id == refund_id).with_for_update()).mappings().one()
    wanted = "refunded" if approve else "rejected"
    amount = int(row["amount_cents"])
    if row["status"] == wanted and row["decided_by"] is not None:
        return Outcome(_decision(dict(row), payment, policy, replayed=True), False, amount)
    if row["status"] != "pending_approval":
        raise DecisionRefusedError(_why_not_pending(row), _not_pending(row), order_id=payment.order_id)
    if approve and payment.order_status in _CHANGED_SINCE:
        raise DecisionRefusedError(
            "order_changed",
            f"{payment.order_id} {_CHANGED_SINCE[payment.order_status]}, so approving would pay twice. Reject "
            f"{refund_id} with that reason instead.",
            order_id=payment.order_id,
            amount_cents=amount,
        )
    decided = {**dict(row), "status": wanted, "decided_by": agent, "decided_at": now, "decision_note": note}
    decision = _decision(decided, payment, policy, replayed=False)
    stored = RefundResult.model_validate_json(row["result_json"]).model_copy(
        update={"status": wanted, "message": decision.message, "expected": policy.timing if approve else "never"}
    )
    changed = conn.execute(
        update(refunds)
        .where(refunds.c.refund_id == refund_id, refunds.c.status == "pending_approval")
        .values(
            status=wanted, decided_by=agent, decided_at=now, decision_note=note, result_json=stored.model_dump_json()
        )
    ).rowcount
    assert changed == 1  # the row lock above holds: nobody else decided in between
    return Outcome(decision, True, amount)


def _why_not_pending(row: RowMapping) -> str:
    if row["decided_by"] is None:
        return "never_pending"
    return "already_approved" if row["status"] == "refunded" else "already_rejected"


def _not_pending(row: RowMapping) -> str:
    refund_id = row["refund_id"]
    if row["decided_by"] is None:
        return f"{refund_id} did not need approval: it was refunded automatically when it was requested."
    when = _iso(row["decided_at"])
    if row["status"] == "refunded":
        return f"{refund_id} was already approved by {row['decided_by']} at {when}; the money has moved."
    return f"{refund_id} was already rejected by {row['decided_by']} at {when} ({row['decision_note']})."


def _decision(row: Mapping[str, Any], payment: Payment, policy: RefundPolicy, *, replayed: bool) -> RefundDecision:
    refund_id, order_id = row["refund_id"], payment.order_id
    amount = format_money(row["amount_cents"], payment.currency)
    approved = row["status"] == "refunded"
    note: str | None = row["decision_note"]
    if approved:
        message = (
            f"Good news: your refund of {amount} for order {order_id} (reference {refund_id}) was approved by our team "
            f"and has been issued to your {payment.method}. It should appear within {policy.timing}."
        )
    else:
        message = (
            f"Our team reviewed your refund request of {amount} for order {order_id} (reference {refund_id}) and could "
            f"not approve it. Reason: {(note or '').strip().rstrip('.')}. No money has moved; reply here if you have "
            "questions."
        )
    return RefundDecision.model_validate(
        {
            "refund_id": refund_id,
            "order_id": order_id,
            "decision": "approved" if approved else "rejected",
            "status": row["status"],
            "amount": row["amount_cents"] / 100,
            "currency": payment.currency,
            "method": payment.refund_method,
            "reason": row["reason"],
            "decided_by": row["decided_by"],
            "decided_at": _iso(row["decided_at"]),
            "rejection_reason": None if approved else note,
            "requested_at": _iso(row["created_at"]),
            "message": message,
            "replayed": replayed,
        }
    )
