"""Pydantic I/O models of the refunds server."""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

RefundReason = Literal["defective", "wrong_item", "not_received", "changed_mind", "other"]
RefundStatus = Literal["refunded", "pending_approval"]
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
        max_digits=10,
        decimal_places=2,
        allow_inf_nan=False,
        description="Amount to refund in the order's currency, e.g. 25.50 (at most 2 decimals). "
        "Omit it to refund everything still refundable on the order.",
    ),
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
    status: RefundStatus = Field(
        description="refunded: money is on its way. pending_approval: no money moved yet, a human will review it."
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
