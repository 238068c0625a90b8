"""The refunds MCP server: eligibility and refunds decided by its own rules, on its own payment ledger.

In production the ledger (`store.py`) is fed by the payment provider and the order events, never by another server.
"""

from decimal import Decimal
from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_servers._common.identity import IdentityError, bound_customer, check_customer
from switchboard_common.clock import utcnow

from .audit import refusal_auditor
from .models import (
    AgentName,
    Amount,
    Currency,
    CustomerEmail,
    IdempotencyKey,
    OrderId,
    PendingRefunds,
    RefundDecision,
    RefundEligibility,
    RefundId,
    RefundOffer,
    RefundReason,
    RefundResult,
    RefundState,
    RejectionReason,
)
from .policy import Payment, format_money
from .store import DecisionRefusedError, RefundRefusedError, RefundRequest, RefundsStore

__all__ = ["create_server"]

NOT_FOUND = (
    "No order matches that order number for this customer. Verify the customer's identity first with lookup_order "
    "(the order number and the email on the order), then retry with that order number and customer_email."
)

CONSOLE_ONLY = (
    "This tool is for human support agents deciding refund approvals and is not available in a customer "
    "conversation. Tell the customer their refund is waiting for a human's review and that no money has moved yet."
)
ACTIONS = {
    "check_refund_eligibility": "check",
    "process_refund": "process",
    "list_pending_refunds": "list",
    "get_refund": "list",
    "approve_refund": "approve",
    "reject_refund": "reject",
}
"""Each tool's action in the audit trail (every refused call of these tools is audited); reads of the approval
queue (`list_pending_refunds`, `get_refund`) share the `list` action."""

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
        "once the customer has confirmed. Never promise a refund that process_refund has not confirmed. "
        "list_pending_refunds, get_refund, approve_refund and reject_refund are for human agents only."
    )


def _cents(amount: Decimal | None) -> int | None:
    # Validation already guarantees > 0 with at most 2 decimals, so this is exact.
    return None if amount is None else int((amount * 100).to_integral_exact())


def _state(store: RefundsStore, refund_id: str) -> RefundState:
    found = store.state(refund_id)
    if found is None:
        store.record_refusal(
            None,
            action="list",
            reason=None,
            amount_cents=None,
            rule="unknown_refund",
            detail=f"no refund {refund_id}",
            refund_id=refund_id,
        )
        raise ToolError(f"No refund {refund_id}. Call list_pending_refunds to see the refunds awaiting approval.")
    return found


def create_server(store: RefundsStore) -> MCPServer:
    """Build the refunds server on a prepared store; the refund policy is the store's (`store.policy`)."""
    server = MCPServer(
        "refunds",
        version="0.1.0",
        instructions=_instructions(store),
        log_level="WARNING",
        middleware=[refusal_auditor(store.record_refusal, ACTIONS)],
    )

    def owned(
        ctx: Context, order_id: str, customer_email: str | None, *, action: str, reason: str, amount_cents: int | None
    ) -> Payment:
        payment = store.get_payment(order_id)
        try:
            check_customer(ctx, customer_email, payment.customer_email if payment else None, not_found=NOT_FOUND)
        except IdentityError:
            store.record_refusal(
                order_id,
                action=action,
                reason=reason,
                amount_cents=amount_cents,
                rule="identity",
                detail="the caller was not matched to the order's customer",
            )
            raise
        assert payment is not None  # check_customer refuses a missing record
        return payment

    def console_only(ctx: Context, action: str, refund_id: str | None = None, agent: str | None = None) -> None:
        if bound_customer(ctx) is not None:
            store.record_refusal(
                None,
                action=action,
                reason=None,
                amount_cents=None,
                rule="console_only",
                detail="an agent tool was called from a customer conversation",
                refund_id=refund_id,
                actor=agent,
            )
            raise ToolError(CONSOLE_ONLY)

    @server.tool(title="Check refund eligibility", annotations=_READ)
    def check_refund_eligibility(
        order_id: OrderId,
        reason: RefundReason,
        ctx: Context,
        amount: Amount | None = None,
        customer_email: CustomerEmail | None = None,
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
        amount_cents = _cents(amount)
        payment = owned(ctx, order_id, customer_email, action="check", reason=reason, amount_cents=amount_cents)
        decision = store.check(order_id, reason=reason, amount_cents=amount_cents, now=utcnow())
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
        customer_email: CustomerEmail | None = None,
        idempotency_key: IdempotencyKey | None = None,
        currency: Currency = "USD",
    ) -> RefundResult:
        """Refund an order to its original payment method, if the refund rules allow it.

        Call it only after the customer confirmed the refund. The server decides eligibility and refuses with the
        reason otherwise. Large refunds come back as pending_approval (refund_id): no money moves until a human
        agent approves; never promise it. Retrying the same request returns the original result (replayed=true),
        never a second refund.

        Args:
            order_id: The order number, e.g. ORD-78432.
            reason: defective, wrong_item, not_received (never arrived), changed_mind (item must be unused) or other.
            amount: Amount to refund, e.g. 25.50; omit to refund everything still refundable.
            customer_email: The email on the order; required unless the customer is already verified.
            idempotency_key: Optional key for this request; reuse it only when retrying the same request.
            currency: The order's currency (default USD); a different currency is refused.
        """
        amount_cents = _cents(amount)
        owned(ctx, order_id, customer_email, action="process", reason=reason, amount_cents=amount_cents)
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

    @server.tool(title="List refunds awaiting approval", annotations=_READ)
    def list_pending_refunds(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=100, description="How many refunds to list (1-100)")] = 50,
    ) -> PendingRefunds:
        """For human agents: the refunds waiting for approval, oldest first, with their order's context.

        Not available in customer conversations.

        Args:
            limit: How many refunds to list (1-100).
        """
        console_only(ctx, "list")
        total, items = store.pending(limit=limit, now=utcnow())
        return PendingRefunds(total=total, items=items)

    @server.tool(title="Get a refund", annotations=_READ)
    def get_refund(refund_id: RefundId, ctx: Context) -> RefundState:
        """For human agents and consoles: one refund as it stands now, with who decided it, when and why.

        Use it to follow a refund that waited for approval, whichever client decided it. Not available in customer
        conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from process_refund or list_pending_refunds.
        """
        console_only(ctx, "list", refund_id)
        return _state(store, refund_id)

    @server.tool(title="Approve a refund", annotations=_REFUND)
    def approve_refund(refund_id: RefundId, agent: AgentName, ctx: Context) -> RefundDecision:
        """For human agents: approve a refund awaiting approval; the money goes back to the customer now.

        Approving again returns the same decision (replayed=true) and never refunds twice. Not available in
        customer conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from list_pending_refunds.
            agent: Your agent name or id, recorded with the decision.
        """
        console_only(ctx, "approve", refund_id, agent)
        try:
            return store.decide(refund_id, approve=True, agent=agent, now=utcnow())
        except DecisionRefusedError as exc:
            raise ToolError(exc.message) from exc

    @server.tool(title="Reject a refund", annotations=_REFUND)
    def reject_refund(refund_id: RefundId, agent: AgentName, reason: RejectionReason, ctx: Context) -> RefundDecision:
        """For human agents: reject a refund awaiting approval; its amount is released and no money moves.

        The reason is recorded and shown to the customer. Rejecting again returns the same decision
        (replayed=true). Not available in customer conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from list_pending_refunds.
            agent: Your agent name or id, recorded with the decision.
            reason: Why, in words the customer may read, e.g. "the item was bought with a voucher".
        """
        console_only(ctx, "reject", refund_id, agent)
        try:
            return store.decide(refund_id, approve=False, agent=agent, note=reason.strip(), now=utcnow())
        except DecisionRefusedError as exc:
            raise ToolError(exc.message) from exc

    return server
