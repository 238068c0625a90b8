"""The refunds MCP server: eligibility and refunds decided by its own rules, on its own payment ledger.

In production the ledger (`store.py`) is fed by the payment provider and the order events, never by another server.
"""

from decimal import Decimal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from mcp_servers._common.clock import utcnow
from mcp_servers._common.identity import Email, IdentityError, check_customer

from .models import (
    Amount,
    Currency,
    IdempotencyKey,
    OrderId,
    RefundEligibility,
    RefundOffer,
    RefundReason,
    RefundResult,
)
from .policy import Payment, format_money
from .store import RefundRefusedError, RefundRequest, RefundsStore

__all__ = ["create_server"]

NOT_FOUND = (
    "No order matches that order number for this customer. Verify the customer's identity first with lookup_order "
    "(the order number and the email on the order), then retry with that order number and customer_email."
)

_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
_REFUND = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)


def _instructions(store: RefundsStore) -> str:
    policy = store.policy
    return (
        "ShopExpress refunds. This server decides every refund by its own rules: refunds within "
        f"{policy.window_days} days of delivery; change-of-mind only for unused items; not_received only for orders "
        "not delivered yet; refunds above "
        f"{format_money(policy.approval_threshold_cents, 'USD')} wait for a human's approval. Verify the customer "
        "with lookup_order first. Use check_refund_eligibility to explain the options, and call process_refund only "
        "once the customer has confirmed. Never promise a refund that process_refund has not confirmed."
    )


def _cents(amount: Decimal | None) -> int | None:
    # Validation already guarantees > 0 with at most 2 decimals, so this is exact.
    return None if amount is None else int((amount * 100).to_integral_exact())


def create_server(store: RefundsStore) -> MCPServer:
    """Build the refunds server on a prepared store; the refund policy is the store's (`store.policy`)."""
    server = MCPServer("refunds", version="0.1.0", instructions=_instructions(store), log_level="WARNING")

    def owned(ctx: Context, order_id: str, customer_email: str | None) -> Payment:
        payment = store.get_payment(order_id)
        check_customer(ctx, customer_email, payment.customer_email if payment else None, not_found=NOT_FOUND)
        assert payment is not None  # check_customer refuses a missing record
        return payment

    @server.tool(title="Check refund eligibility", annotations=_READ)
    def check_refund_eligibility(
        order_id: OrderId,
        reason: RefundReason,
        ctx: Context,
        amount: Amount | None = None,
        customer_email: Email | None = None,
    ) -> RefundEligibility:
        """Check whether an order can be refunded, how much, and what the customer would get. Changes nothing.

        Use it to answer "can I get a refund?" before offering one. The result names the rule that decides.

        Args:
            order_id: The order number, e.g. ORD-78432.
            reason: Why the customer wants a refund: defective, wrong_item, not_received (never arrived),
                changed_mind (no longer wanted; the item must be unused) or other.
            amount: A partial amount to check, e.g. 25.50; omit for everything still refundable.
            customer_email: The email on the order; required unless the customer is already verified.
        """
        payment = owned(ctx, order_id, customer_email)
        decision = store.check(order_id, reason=reason, amount_cents=_cents(amount), now=utcnow())
        assert decision is not None  # the payment exists: owned() found it
        offer = None
        if decision.eligible:
            offer = RefundOffer(
                amount=decision.amount_cents / 100,
                currency=payment.currency,
                method=payment.refund_method,
                timing=store.policy.timing,
                needs_human_approval=decision.rule == "needs_approval",
            )
        return RefundEligibility(
            order_id=order_id,
            reason=reason,
            eligible=decision.eligible,
            rule=decision.rule,
            explanation=decision.explanation,
            order_total=payment.total_cents / 100,
            refundable_remaining=decision.remaining_cents / 100,
            currency=payment.currency,
            window_ends_on=decision.window_ends_on.isoformat() if decision.window_ends_on else None,
            customer_gets=offer,
        )

    @server.tool(title="Process a refund", annotations=_REFUND)
    def process_refund(
        order_id: OrderId,
        reason: RefundReason,
        ctx: Context,
        amount: Amount | None = None,
        customer_email: Email | None = None,
        idempotency_key: IdempotencyKey | None = None,
        currency: Currency = "USD",
    ) -> RefundResult:
        """Refund an order to its original payment method, if the refund rules allow it.

        Call it only after the customer confirmed the refund. The server decides eligibility and refuses with the
        reason otherwise. Large refunds come back as pending_approval: tell the customer a human will review it and
        that no money has moved yet. Retrying the same request returns the original result (replayed=true) and
        never refunds twice; to make two separate identical partial refunds, pass a different idempotency_key.

        Args:
            order_id: The order number, e.g. ORD-78432.
            reason: defective, wrong_item, not_received (never arrived), changed_mind (item must be unused) or other.
            amount: Amount to refund, e.g. 25.50; omit to refund everything still refundable.
            customer_email: The email on the order; required unless the customer is already verified.
            idempotency_key: Optional key for this request; reuse it only when retrying the same request.
            currency: The order's currency (default USD); a different currency is refused.
        """
        amount_cents = _cents(amount)
        try:
            owned(ctx, order_id, customer_email)
        except IdentityError:
            store.record_refusal(
                order_id,
                reason=reason,
                amount_cents=amount_cents,
                rule="identity",
                detail="the caller was not matched to the order's customer",
            )
            raise
        request = RefundRequest(
            order_id=order_id,
            reason=reason,
            amount_cents=amount_cents,
            currency=currency,
            idempotency_key=idempotency_key,
        )
        try:
            return store.process(request, now=utcnow())
        except RefundRefusedError as exc:
            raise ToolError(exc.message) from exc

    return server
