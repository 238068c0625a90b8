"""The `refunds` server's `tools/list` contract: any change to a tool shows here.

The tools that change state (the names and read-only tools are in `test_refunds.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_refunds_write_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "refunds", tmp_path, only=("process_refund", "approve_refund", "reject_refund")
    ) == snapshot(
        [
            {
                "name": "process_refund",
                "title": "Process a refund",
                "description": """\
Refund an order to its original payment method, if the refund rules allow it.

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
        \
""",
                "inputSchema": {
                    "properties": {
                        "order_id": {
                            "description": "The order number from the confirmation email, e.g. ORD-78432.",
                            "pattern": "^ORD-\\d{5}$",
                            "title": "Order Id",
                            "type": "string",
                        },
                        "reason": {
                            "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                            "title": "Reason",
                            "type": "string",
                        },
                        "amount": {
                            "anyOf": [
                                {
                                    "anyOf": [
                                        {"exclusiveMinimum": 0.0, "maximum": 1000000.0, "type": "number"},
                                        {"type": "string"},
                                    ],
                                    "description": "Amount to refund in the order's currency, e.g. 25.50 (at most 2 decimals, at most 1000000). Omit it to refund everything still refundable on the order.",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Amount",
                        },
                        "customer_email": {
                            "anyOf": [
                                {
                                    "description": "The customer's email address, exactly as given by the customer.",
                                    "maxLength": 254,
                                    "minLength": 3,
                                    "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
                                    "type": "string",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Customer Email",
                        },
                        "idempotency_key": {
                            "anyOf": [
                                {
                                    "description": "A key you choose for this refund request (printable ASCII, no spaces). Retrying with the same key returns the original result instead of refunding twice.",
                                    "maxLength": 100,
                                    "minLength": 1,
                                    "pattern": "^[!-~]+$",
                                    "type": "string",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Idempotency Key",
                        },
                        "currency": {
                            "default": "USD",
                            "description": "ISO 4217 code; must be the order's currency.",
                            "pattern": "^[A-Z]{3}$",
                            "title": "Currency",
                            "type": "string",
                        },
                    },
                    "required": ["order_id", "reason"],
                    "type": "object",
                    "title": "process_refundArguments",
                },
                "outputSchema": {
                    "properties": {
                        "refund_id": {
                            "description": "The refund reference, e.g. RF-1A2B3C4D5E6F; quote it to the customer.",
                            "title": "Refund Id",
                            "type": "string",
                        },
                        "order_id": {"title": "Order Id", "type": "string"},
                        "reason": {
                            "anyOf": [
                                {
                                    "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                                    "type": "string",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "description": "The customer's reason, as requested",
                            "title": "Reason",
                        },
                        "status": {
                            "description": "refunded: money is on its way. pending_approval: no money moved yet, a human will review it (refund_id is what the human approves or rejects). rejected: a human declined it, no money moves.",
                            "enum": ["refunded", "pending_approval", "rejected"],
                            "title": "Status",
                            "type": "string",
                        },
                        "needs_human_approval": {"title": "Needs Human Approval", "type": "boolean"},
                        "amount": {
                            "description": "Amount refunded (or awaiting approval) in the order's currency",
                            "title": "Amount",
                            "type": "number",
                        },
                        "currency": {"title": "Currency", "type": "string"},
                        "method": {
                            "description": "Where the money goes, e.g. 'original payment method: Visa ending 4242'",
                            "title": "Method",
                            "type": "string",
                        },
                        "expected": {
                            "description": "When the customer should see the money",
                            "title": "Expected",
                            "type": "string",
                        },
                        "message": {"description": "What to tell the customer", "title": "Message", "type": "string"},
                        "replayed": {
                            "description": "True when this repeats the result of an earlier identical request",
                            "title": "Replayed",
                            "type": "boolean",
                        },
                    },
                    "required": [
                        "refund_id",
                        "order_id",
                        "status",
                        "needs_human_approval",
                        "amount",
                        "currency",
                        "method",
                        "expected",
                        "message",
                        "replayed",
                    ],
                    "type": "object",
                    "description": "The outcome of a refund request the server accepted.",
                    "title": "RefundResult",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": True,
                    "openWorldHint": False,
                },
            },
            {
                "name": "approve_refund",
                "title": "Approve a refund",
                "description": """\
For human agents: approve a refund awaiting approval; the money goes back to the customer now.

        Approving again returns the same decision (replayed=true) and never refunds twice. Not available in
        customer conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from list_pending_refunds.
            agent: Your agent name or id, recorded with the decision.
        \
""",
                "inputSchema": {
                    "properties": {
                        "refund_id": {
                            "description": "The refund reference from process_refund, e.g. RF-1A2B3C4D5E6F.",
                            "pattern": "^RF-[0-9A-F]{12}$",
                            "title": "Refund Id",
                            "type": "string",
                        },
                        "agent": {
                            "description": "The human agent deciding, e.g. 'sam.rivera'; recorded with the decision.",
                            "maxLength": 64,
                            "minLength": 1,
                            "pattern": "^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
                            "title": "Agent",
                            "type": "string",
                        },
                    },
                    "required": ["refund_id", "agent"],
                    "type": "object",
                    "title": "approve_refundArguments",
                },
                "outputSchema": {
                    "properties": {
                        "refund_id": {"title": "Refund Id", "type": "string"},
                        "order_id": {"title": "Order Id", "type": "string"},
                        "decision": {"enum": ["approved", "rejected"], "title": "Decision", "type": "string"},
                        "status": {
                            "description": "refunded (approved: the money moves now) or rejected (nothing moves)",
                            "enum": ["refunded", "pending_approval", "rejected"],
                            "title": "Status",
                            "type": "string",
                        },
                        "amount": {
                            "description": "The amount approved, or released by the rejection, in the order's currency",
                            "title": "Amount",
                            "type": "number",
                        },
                        "currency": {"title": "Currency", "type": "string"},
                        "method": {"title": "Method", "type": "string"},
                        "reason": {
                            "description": "The customer's reason for the refund",
                            "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                            "title": "Reason",
                            "type": "string",
                        },
                        "decided_by": {"description": "The agent who decided", "title": "Decided By", "type": "string"},
                        "decided_at": {"description": "When, ISO 8601 UTC", "title": "Decided At", "type": "string"},
                        "rejection_reason": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "description": "Why it was rejected; None when approved",
                            "title": "Rejection Reason",
                        },
                        "requested_at": {
                            "description": "When the customer asked, ISO 8601 UTC",
                            "title": "Requested At",
                            "type": "string",
                        },
                        "message": {"description": "What to tell the customer", "title": "Message", "type": "string"},
                        "replayed": {
                            "description": "True when the refund was already decided this way (nothing changed now)",
                            "title": "Replayed",
                            "type": "boolean",
                        },
                    },
                    "required": [
                        "refund_id",
                        "order_id",
                        "decision",
                        "status",
                        "amount",
                        "currency",
                        "method",
                        "reason",
                        "decided_by",
                        "decided_at",
                        "rejection_reason",
                        "requested_at",
                        "message",
                        "replayed",
                    ],
                    "type": "object",
                    "description": "A human agent's decision on a refund that waited for approval.",
                    "title": "RefundDecision",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": True,
                    "openWorldHint": False,
                },
            },
            {
                "name": "reject_refund",
                "title": "Reject a refund",
                "description": """\
For human agents: reject a refund awaiting approval; its amount is released and no money moves.

        The reason is recorded and shown to the customer. Rejecting again returns the same decision
        (replayed=true). Not available in customer conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from list_pending_refunds.
            agent: Your agent name or id, recorded with the decision.
            reason: Why, in words the customer may read, e.g. "the item was bought with a voucher".
        \
""",
                "inputSchema": {
                    "properties": {
                        "refund_id": {
                            "description": "The refund reference from process_refund, e.g. RF-1A2B3C4D5E6F.",
                            "pattern": "^RF-[0-9A-F]{12}$",
                            "title": "Refund Id",
                            "type": "string",
                        },
                        "agent": {
                            "description": "The human agent deciding, e.g. 'sam.rivera'; recorded with the decision.",
                            "maxLength": 64,
                            "minLength": 1,
                            "pattern": "^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
                            "title": "Agent",
                            "type": "string",
                        },
                        "reason": {
                            "description": "Why the refund is rejected, in words the customer may read (up to 500 characters).",
                            "maxLength": 500,
                            "minLength": 1,
                            "pattern": "\\S",
                            "title": "Reason",
                            "type": "string",
                        },
                    },
                    "required": ["refund_id", "agent", "reason"],
                    "type": "object",
                    "title": "reject_refundArguments",
                },
                "outputSchema": {
                    "properties": {
                        "refund_id": {"title": "Refund Id", "type": "string"},
                        "order_id": {"title": "Order Id", "type": "string"},
                        "decision": {"enum": ["approved", "rejected"], "title": "Decision", "type": "string"},
                        "status": {
                            "description": "refunded (approved: the money moves now) or rejected (nothing moves)",
                            "enum": ["refunded", "pending_approval", "rejected"],
                            "title": "Status",
                            "type": "string",
                        },
                        "amount": {
                            "description": "The amount approved, or released by the rejection, in the order's currency",
                            "title": "Amount",
                            "type": "number",
                        },
                        "currency": {"title": "Currency", "type": "string"},
                        "method": {"title": "Method", "type": "string"},
                        "reason": {
                            "description": "The customer's reason for the refund",
                            "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                            "title": "Reason",
                            "type": "string",
                        },
                        "decided_by": {"description": "The agent who decided", "title": "Decided By", "type": "string"},
                        "decided_at": {"description": "When, ISO 8601 UTC", "title": "Decided At", "type": "string"},
                        "rejection_reason": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "description": "Why it was rejected; None when approved",
                            "title": "Rejection Reason",
                        },
                        "requested_at": {
                            "description": "When the customer asked, ISO 8601 UTC",
                            "title": "Requested At",
                            "type": "string",
                        },
                        "message": {"description": "What to tell the customer", "title": "Message", "type": "string"},
                        "replayed": {
                            "description": "True when the refund was already decided this way (nothing changed now)",
                            "title": "Replayed",
                            "type": "boolean",
                        },
                    },
                    "required": [
                        "refund_id",
                        "order_id",
                        "decision",
                        "status",
                        "amount",
                        "currency",
                        "method",
                        "reason",
                        "decided_by",
                        "decided_at",
                        "rejection_reason",
                        "requested_at",
                        "message",
                        "replayed",
                    ],
                    "type": "object",
                    "description": "A human agent's decision on a refund that waited for approval.",
                    "title": "RefundDecision",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": True,
                    "openWorldHint": False,
                },
            },
        ]
    )
