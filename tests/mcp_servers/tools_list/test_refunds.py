"""The `refunds` server's `tools/list` contract: any change to a tool shows here.

All tool names, and the read-only tools (the others are in `test_refunds_writes.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_refunds_tool_names(tmp_path: Path) -> None:
    assert [tool["name"] for tool in await tools_list("refunds", tmp_path)] == snapshot(
        [
            "check_refund_eligibility",
            "process_refund",
            "list_pending_refunds",
            "get_refund",
            "approve_refund",
            "reject_refund",
        ]
    )


async def test_refunds_read_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "refunds", tmp_path, only=("check_refund_eligibility", "list_pending_refunds", "get_refund")
    ) == snapshot(
        [
            {
                "name": "check_refund_eligibility",
                "title": "Check refund eligibility",
                "description": """\
Check whether an order can be refunded, how much, and what the customer would get. Changes nothing.

        Use it to answer "can I get a refund?" before offering one. The result names the rule that decides.

        Args:
            order_id: The order number, e.g. ORD-78432.
            reason: Why the customer wants a refund: defective, wrong_item, not_received (never arrived),
                changed_mind (no longer wanted; the item must be unused) or other.
            amount: A partial amount to check, e.g. 25.50; omit for everything still refundable.
            customer_email: The email on the order; required unless the customer is already verified.
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
                    },
                    "required": ["order_id", "reason"],
                    "type": "object",
                    "title": "check_refund_eligibilityArguments",
                },
                "outputSchema": {
                    "properties": {
                        "order_id": {"title": "Order Id", "type": "string"},
                        "reason": {
                            "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                            "title": "Reason",
                            "type": "string",
                        },
                        "eligible": {"title": "Eligible", "type": "boolean"},
                        "rule": {
                            "enum": [
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
                            ],
                            "title": "Rule",
                            "type": "string",
                        },
                        "explanation": {
                            "description": "Why, in words you can relay to the customer",
                            "title": "Explanation",
                            "type": "string",
                        },
                        "order_total": {"title": "Order Total", "type": "number"},
                        "refundable_remaining": {
                            "description": "Not yet refunded or reserved by a refund awaiting approval",
                            "title": "Refundable Remaining",
                            "type": "number",
                        },
                        "currency": {"title": "Currency", "type": "string"},
                        "window_ends_on": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                            "description": "Last day of the refund window (ISO date), if delivered",
                            "title": "Window Ends On",
                        },
                        "customer_gets": {
                            "anyOf": [{"$ref": "#/$defs/RefundOffer"}, {"type": "null"}],
                            "default": None,
                            "description": "Present only when eligible",
                        },
                    },
                    "required": [
                        "order_id",
                        "reason",
                        "eligible",
                        "rule",
                        "explanation",
                        "order_total",
                        "refundable_remaining",
                        "currency",
                    ],
                    "type": "object",
                    "$defs": {
                        "RefundOffer": {
                            "description": "What the customer would receive if the refund were processed now.",
                            "properties": {
                                "amount": {"title": "Amount", "type": "number"},
                                "currency": {"title": "Currency", "type": "string"},
                                "method": {"title": "Method", "type": "string"},
                                "timing": {"title": "Timing", "type": "string"},
                                "needs_human_approval": {"title": "Needs Human Approval", "type": "boolean"},
                            },
                            "required": ["amount", "currency", "method", "timing", "needs_human_approval"],
                            "title": "RefundOffer",
                            "type": "object",
                        }
                    },
                    "description": "Whether a refund is possible, the rule that decides, and what the customer would get.",
                    "title": "RefundEligibility",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "list_pending_refunds",
                "title": "List refunds awaiting approval",
                "description": """\
For human agents: the refunds waiting for approval, oldest first, with their order's context.

        Not available in customer conversations.

        Args:
            limit: How many refunds to list (1-100).
        \
""",
                "inputSchema": {
                    "properties": {
                        "limit": {
                            "default": 50,
                            "description": "How many refunds to list (1-100)",
                            "maximum": 100,
                            "minimum": 1,
                            "title": "Limit",
                            "type": "integer",
                        }
                    },
                    "type": "object",
                    "title": "list_pending_refundsArguments",
                },
                "outputSchema": {
                    "properties": {
                        "total": {
                            "description": "How many refunds are waiting overall",
                            "title": "Total",
                            "type": "integer",
                        },
                        "items": {"items": {"$ref": "#/$defs/PendingRefund"}, "title": "Items", "type": "array"},
                    },
                    "required": ["total", "items"],
                    "type": "object",
                    "$defs": {
                        "PendingRefund": {
                            "description": "A refund waiting for a human's approval, with what the agent needs to decide.",
                            "properties": {
                                "refund_id": {"title": "Refund Id", "type": "string"},
                                "order_id": {"title": "Order Id", "type": "string"},
                                "customer_email": {"title": "Customer Email", "type": "string"},
                                "amount": {"title": "Amount", "type": "number"},
                                "currency": {"title": "Currency", "type": "string"},
                                "method": {"title": "Method", "type": "string"},
                                "reason": {
                                    "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                                    "title": "Reason",
                                    "type": "string",
                                },
                                "requested_at": {
                                    "description": "ISO 8601 UTC",
                                    "title": "Requested At",
                                    "type": "string",
                                },
                                "waiting_minutes": {"title": "Waiting Minutes", "type": "integer"},
                                "order_total": {"title": "Order Total", "type": "number"},
                                "order_status": {"title": "Order Status", "type": "string"},
                                "delivered_on": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "description": "ISO date, if delivered",
                                    "title": "Delivered On",
                                },
                                "item_used": {"title": "Item Used", "type": "boolean"},
                                "already_refunded": {
                                    "description": "Refunded on this order before, not counting this request",
                                    "title": "Already Refunded",
                                    "type": "number",
                                },
                            },
                            "required": [
                                "refund_id",
                                "order_id",
                                "customer_email",
                                "amount",
                                "currency",
                                "method",
                                "reason",
                                "requested_at",
                                "waiting_minutes",
                                "order_total",
                                "order_status",
                                "delivered_on",
                                "item_used",
                                "already_refunded",
                            ],
                            "title": "PendingRefund",
                            "type": "object",
                        }
                    },
                    "description": "The refunds awaiting approval, oldest first.",
                    "title": "PendingRefunds",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_refund",
                "title": "Get a refund",
                "description": """\
For human agents and consoles: one refund as it stands now, with who decided it, when and why.

        Use it to follow a refund that waited for approval, whichever client decided it. Not available in customer
        conversations.

        Args:
            refund_id: The refund reference, e.g. RF-1A2B3C4D5E6F, from process_refund or list_pending_refunds.
        \
""",
                "inputSchema": {
                    "properties": {
                        "refund_id": {
                            "description": "The refund reference from process_refund, e.g. RF-1A2B3C4D5E6F.",
                            "pattern": "^RF-[0-9A-F]{12}$",
                            "title": "Refund Id",
                            "type": "string",
                        }
                    },
                    "required": ["refund_id"],
                    "type": "object",
                    "title": "get_refundArguments",
                },
                "outputSchema": {
                    "properties": {
                        "refund_id": {"title": "Refund Id", "type": "string"},
                        "order_id": {"title": "Order Id", "type": "string"},
                        "status": {
                            "description": "pending_approval (no decision yet), refunded (paid) or rejected (a human declined it)",
                            "enum": ["refunded", "pending_approval", "rejected"],
                            "title": "Status",
                            "type": "string",
                        },
                        "amount": {"title": "Amount", "type": "number"},
                        "currency": {"title": "Currency", "type": "string"},
                        "reason": {
                            "enum": ["defective", "wrong_item", "not_received", "changed_mind", "other"],
                            "title": "Reason",
                            "type": "string",
                        },
                        "requested_at": {"description": "ISO 8601 UTC", "title": "Requested At", "type": "string"},
                        "decision": {
                            "anyOf": [{"$ref": "#/$defs/RefundDecision"}, {"type": "null"}],
                            "description": "The human agent's decision; None while pending, or for a refund paid without needing approval",
                        },
                    },
                    "required": [
                        "refund_id",
                        "order_id",
                        "status",
                        "amount",
                        "currency",
                        "reason",
                        "requested_at",
                        "decision",
                    ],
                    "type": "object",
                    "$defs": {
                        "RefundDecision": {
                            "description": "A human agent's decision on a refund that waited for approval.",
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
                                "decided_by": {
                                    "description": "The agent who decided",
                                    "title": "Decided By",
                                    "type": "string",
                                },
                                "decided_at": {
                                    "description": "When, ISO 8601 UTC",
                                    "title": "Decided At",
                                    "type": "string",
                                },
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
                                "message": {
                                    "description": "What to tell the customer",
                                    "title": "Message",
                                    "type": "string",
                                },
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
                            "title": "RefundDecision",
                            "type": "object",
                        }
                    },
                    "description": "One refund as it stands now: awaiting approval, refunded or rejected, and the human's decision if any.",
                    "title": "RefundState",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
        ]
    )
