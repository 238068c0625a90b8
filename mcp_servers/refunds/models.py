"""Pydantic I/O models of the refunds server."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from mcp_servers._common.identity import Email
from mcp_servers._common.text import refuse_unsafe_text

RefundReason = Literal["defective", "wrong_item", "not_received", "changed_mind", "other"]
RefundStatus = Literal["refunded", "pending_approval", "rejected"]
Decision = Literal["approved", "rejected"]
MAX_REFUND_CENTS = 100_000_000
"""The largest amount one refund request may name ($1,000,000.00); larger is refused before anything is stored."""
Rule = Literal[
    "eligible",
    "needs_approval",
    "order_pending",
    "order_cancelled",
    "order_returned",
    "not_delivered_yet",
    "already_delivered",
    "outside_window",
    "item_used",
    "fully_refunded",
    "exceeds_remaining",
]
"""The rule that decided an eligibility check or a refund request."""

OrderId = Annotated[
    str,
    Field(pattern=r"^ORD-\d{5}$", description="The order number from the confirmation email, e.g. ORD-78432."),
]
Amount = Annotated[
    Decimal,
    Field(
        gt=0,
        le=MAX_REFUND_CENTS // 100,
        max_digits=10,
        decimal_places=2,
        allow_inf_nan=False,
        description="Amount to refund in the order's currency, e.g. 25.50 (at most 2 decimals, at most "
        "1000000). Omit it to refund everything still refundable on the order.",
    ),
]
CustomerEmail = Annotated[Email, BeforeValidator(refuse_unsafe_text)]
"""The shared email type, with NUL bytes and lone surrogates refused with a clear message."""
RefundId = Annotated[
    str,
    Field(pattern=r"^RF-[0-9A-F]{12}$", description="The refund reference from process_refund, e.g. RF-1A2B3C4D5E6F."),
]
AgentName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
        description="The human agent deciding, e.g. 'sam.rivera'; recorded with the decision.",
    ),
    BeforeValidator(refuse_unsafe_text),
]
RejectionReason = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        pattern=r"\S",
        description="Why the refund is rejected, in words the customer may read (up to 500 characters).",
    ),
    BeforeValidator(refuse_unsafe_text),
]
IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[!-~]+$",
        description="A key you choose for this refund request (printable ASCII, no spaces). Retrying with the same "
        "key returns the original result instead of refunding twice.",
    ),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code; must be the order's currency.")]


class RefundResult(BaseModel):
    """The outcome of a refund request the server accepted."""

    refund_id: str = Field(description="The refund reference, e.g. RF-1A2B3C4D5E6F; quote it to the customer.")
    order_id: str
    reason: RefundReason | None = Field(None, description="The customer's reason, as requested")
    status: RefundStatus = Field(
        description="refunded: money is on its way. pending_approval: no money moved yet, a human will review it "
        "(refund_id is what the human approves or rejects). rejected: a human declined it, no money moves."
    )
    needs_human_approval: bool
    amount: float = Field(description="Amount refunded (or awaiting approval) in the order's currency")
    currency: str
    method: str = Field(description="Where the money goes, e.g. 'original payment method: Visa ending 4242'")
    expected: str = Field(description="When the customer should see the money")
    message: str = Field(description="What to tell the customer")
    replayed: bool = Field(description="True when this repeats the result of an earlier identical request")


class RefundOffer(BaseModel):
    """What the customer would receive if the refund were processed now."""

    amount: float
    currency: str
    method: str
    timing: str
    needs_human_approval: bool


class RefundEligibility(BaseModel):
    """Whether a refund is possible, the rule that decides, and what the customer would get."""

    order_id: str
    reason: RefundReason
    eligible: bool
    rule: Rule
    explanation: str = Field(description="Why, in words you can relay to the customer")
    order_total: float
    refundable_remaining: float = Field(description="Not yet refunded or reserved by a refund awaiting approval")
    currency: str
    window_ends_on: str | None = Field(None, description="Last day of the refund window (ISO date), if delivered")
    customer_gets: RefundOffer | None = Field(None, description="Present only when eligible")


class RefundDecision(BaseModel):
    """A human agent's decision on a refund that waited for approval."""

    refund_id: str
    order_id: str
    decision: Decision
    status: RefundStatus = Field(description="refunded (approved: the money moves now) or rejected (nothing moves)")
    amount: float = Field(description="The amount approved, or released by the rejection, in the order's currency")
    currency: str
    method: str
    reason: RefundReason = Field(description="The customer's reason for the refund")
    decided_by: str = Field(description="The agent who decided")
    decided_at: str = Field(description="When, ISO 8601 UTC")
    rejection_reason: str | None = Field(description="Why it was rejected; None when approved")
    requested_at: str = Field(description="When the customer asked, ISO 8601 UTC")
    message: str = Field(description="What to tell the customer")
    replayed: bool = Field(description="True when the refund was already decided this way (nothing changed now)")


class RefundState(BaseModel):
    """One refund as it stands now: awaiting approval, refunded or rejected, and the human's decision if any."""

    refund_id: str
    order_id: str
    status: RefundStatus = Field(
        description="pending_approval (no decision yet), refunded (paid) or rejected (a human declined it)"
    )
    amount: float
    currency: str
    reason: RefundReason
    requested_at: str = Field(description="ISO 8601 UTC")
    decision: RefundDecision | None = Field(
        description="The human agent's decision; None while pending, or for a refund paid without needing approval"
    )


class PendingRefund(BaseModel):
    """A refund waiting for a human's approval, with what the agent needs to decide."""

    refund_id: str
    order_id: str
    customer_email: str
    amount: float
    currency: str
    method: str
    reason: RefundReason
    requested_at: str = Field(description="ISO 8601 UTC")
    waiting_minutes: int
    order_total: float
    order_status: str
    delivered_on: str | None = Field(description="ISO date, if delivered")
    item_used: bool
    already_refunded: float = Field(description="Refunded on this order before, not counting this request")


class PendingRefunds(BaseModel):
    """The refunds awaiting approval, oldest first."""

    total: int = Field(description="How many refunds are waiting overall")
    items: list[PendingRefund]
