"""The refund rules, as pure functions of a payment, the request and today's date: the server decides, not the model."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mcp_servers._common.shop import DEFAULT_RETURN_WINDOW_DAYS

from .models import RefundResult, RefundStatus, Rule

__all__ = ["Decision", "Payment", "RefundPolicy", "decide", "format_money", "refund_result"]

_STATUS_REFUSALS: dict[str, tuple[Rule, str]] = {
    "pending": (
        "order_pending",
        "{order} has not been processed yet, so it cannot be refunded here. If the customer no longer wants it, "
        "the order should be cancelled instead, which releases the whole payment; offer to create a ticket for that.",
    ),
    "cancelled": (
        "order_cancelled",
        "{order} was cancelled, and a cancellation releases the whole payment by itself, so there is nothing to "
        "refund here. If the charge is still visible after 5-7 business days, create a ticket.",
    ),
    "returned": (
        "order_returned",
        "{order} was already returned; the return itself refunds the returned items, so there is nothing to refund "
        "here. If the customer has not received that money, create a ticket so the returns team can trace it.",
    ),
}


@dataclass(frozen=True)
class RefundPolicy:
    """The configurable limits of the refund rules."""

    window_days: int = DEFAULT_RETURN_WINDOW_DAYS
    """Refunds for delivered orders are possible up to this many days after delivery."""
    approval_threshold_cents: int = 50_000
    """Refunds above this amount wait for a human's approval; no money moves until then."""
    timing: str = "5-7 business days"
    """How long the payment provider takes to return the money."""

    def __post_init__(self) -> None:
        """Refuse nonsensical limits at startup rather than at the first refund."""
        if self.window_days < 0:
            raise ValueError("window_days must be >= 0")
        if self.approval_threshold_cents < 0:
            raise ValueError("approval_threshold_cents must be >= 0")


@dataclass(frozen=True)
class Payment:
    """One row of the refunds server's payment ledger: what was charged for an order, and where it stands."""

    order_id: str
    customer_email: str
    total_cents: int
    currency: str
    method: str
    order_status: str
    delivered_at: datetime | None
    item_used: bool
    captured_at: datetime

    @property
    def refund_method(self) -> str:
        """Where a refund goes."""
        return f"original payment method: {self.method}"


@dataclass(frozen=True)
class Decision:
    """The rule that decides a request, and the amounts involved."""

    rule: Rule
    explanation: str
    remaining_cents: int
    """What can still be refunded: the total minus refunded and pending-approval amounts."""
    amount_cents: int
    """What this request would refund (0 when refused)."""
    window_ends_on: date | None

    @property
    def eligible(self) -> bool:
        """Whether the request may go ahead (possibly waiting for approval)."""
        return self.rule in ("eligible", "needs_approval")


def format_money(cents: int, currency: str) -> str:
    """Render integer cents for people, e.g. `$89.99` or `12.50 EUR`."""
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    return f"${amount}" if currency == "USD" else f"{amount} {currency}"


def decide(
    payment: Payment,
    *,
    reason: str,
    amount_cents: int | None,
    already_cents: int,
    today: date,
    policy: RefundPolicy,
) -> Decision:
    """Apply the refund rules to one request.

    Args:
        payment: The order's payment.
        reason: Why the customer wants the refund.
        amount_cents: The requested amount, or None for everything still refundable.
        already_cents: Already refunded or reserved by refunds awaiting approval.
        today: The date the rules are applied on.
        policy: The configurable limits.
    """
    remaining = max(payment.total_cents - already_cents, 0)
    delivered = payment.delivered_at.date() if payment.delivered_at else None
    window_end = delivered + timedelta(days=policy.window_days) if delivered else None

    def refuse(rule: Rule, text: str) -> Decision:
        return Decision(rule, text, remaining, 0, window_end)

    def money(cents: int) -> str:
        return format_money(cents, payment.currency)

    order, status = payment.order_id, payment.order_status
    if status in _STATUS_REFUSALS:
        rule, text = _STATUS_REFUSALS[status]
        return refuse(rule, text.format(order=order))
    if reason == "not_received":
        if status == "delivered" or delivered is not None:
            when = f" on {delivered.isoformat()}" if delivered else ""
            return refuse(
                "already_delivered",
                f"{order} was delivered{when} according to the carrier, so it cannot be refunded as not received. "
                "Create a ticket so the team can open a carrier investigation.",
            )
    elif status != "delivered" or window_end is None:
        return refuse(
            "not_delivered_yet",
            f"{order} has not been delivered yet (status: {status}). A '{reason}' refund applies once the item has "
            "arrived; if it never arrives, the reason is not_received.",
        )
    elif today > window_end:
        return refuse(
            "outside_window",
            f"{order} was delivered on {delivered}; refunds are possible within {policy.window_days} days of "
            f"delivery (until {window_end.isoformat()}), and that window has closed.",
        )
    elif reason == "changed_mind" and payment.item_used:
        return refuse(
            "item_used",
            f"A change-of-mind refund needs an unused item, and the item of {order} has been used. A refund is "
            "only possible if the item is faulty or not what was ordered; ask the customer what is wrong with it.",
        )
    if remaining == 0:
        return refuse(
            "fully_refunded",
            f"Nothing is left to refund on {order}: its full {money(payment.total_cents)} has already been "
            "refunded or is awaiting approval.",
        )
    amount = remaining if amount_cents is None else amount_cents
    if amount > remaining:
        return refuse(
            "exceeds_remaining",
            f"The requested {money(amount)} is more than the {money(remaining)} still refundable on {order}; "
            f"offer at most {money(remaining)}.",
        )
    if amount > policy.approval_threshold_cents:
        return Decision(
            "needs_approval",
            f"Eligible, but {money(amount)} is above the {money(policy.approval_threshold_cents)} limit for "
            "automatic refunds: a human will review it, and no money moves until they approve it.",
            remaining,
            amount,
            window_end,
        )
    return Decision(
        "eligible",
        f"Eligible: {money(amount)} back to the original payment method ({payment.method}) within {policy.timing}.",
        remaining,
        amount,
        window_end,
    )


def refund_result(
    payment: Payment, decision: Decision, policy: RefundPolicy, *, refund_id: str, reason: str
) -> RefundResult:
    """What the customer is told about an accepted refund: issued now, or waiting for a human's approval."""
    amount = format_money(decision.amount_cents, payment.currency)
    timing = policy.timing
    status: RefundStatus
    if decision.rule == "needs_approval":
        status, expected = "pending_approval", f"{timing} after approval"
        message = (
            f"Your refund request of {amount} for order {payment.order_id} is registered (reference {refund_id}). "
            f"Because it is above {format_money(policy.approval_threshold_cents, payment.currency)}, a member of our "
            "team will review it before it is issued; no money has moved yet. Once approved, it goes back to your "
            f"{payment.method} within {timing}."
        )
    else:
        status, expected = "refunded", timing
        message = (
            f"Your refund of {amount} for order {payment.order_id} has been issued to your {payment.method} "
            f"(reference {refund_id}). It should appear within {timing}."
        )
    return RefundResult(
        refund_id=refund_id,
        order_id=payment.order_id,
        reason=reason,  # pyright: ignore[reportArgumentType] - validated as a RefundReason by the tool's schema
        status=status,
        needs_human_approval=status == "pending_approval",
        amount=decision.amount_cents / 100,
        currency=payment.currency,
        method=payment.refund_method,
        expected=expected,
        message=message,
        replayed=False,
    )
