"""The `escalation` server's `tools/list` contract: any change to a tool shows here.

All tool names, and the read-only tools (the others are in `test_escalation_writes.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_escalation_tool_names(tmp_path: Path) -> None:
    assert [tool["name"] for tool in await tools_list("escalation", tmp_path)] == snapshot(
        [
            "escalate_to_human",
            "list_handoff_queue",
            "get_handoff",
            "claim_handoff",
            "add_handoff_reply",
            "resolve_handoff",
        ]
    )


async def test_escalation_read_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list("escalation", tmp_path, only=("list_handoff_queue", "get_handoff")) == snapshot(
        [
            {
                "name": "list_handoff_queue",
                "title": "List the handoff queue",
                "description": """\
For human agents: list handoffs, queued ones in the order they should be taken (position 1 first).

        Queued and claimed handoffs are ordered by priority (urgent, high, normal), then oldest first; resolved
        ones newest first. Not available in customer conversations.

        Args:
            status: Which handoffs: 'queued' (waiting), 'claimed' (being handled) or 'resolved' (ended).
            limit: How many handoffs to list (1-100).
        \
""",
                "inputSchema": {
                    "properties": {
                        "status": {
                            "default": "queued",
                            "enum": ["queued", "claimed", "resolved"],
                            "title": "Status",
                            "type": "string",
                        },
                        "limit": {
                            "default": 20,
                            "description": "How many handoffs to list (1-100)",
                            "maximum": 100,
                            "minimum": 1,
                            "title": "Limit",
                            "type": "integer",
                        },
                    },
                    "type": "object",
                    "title": "list_handoff_queueArguments",
                },
                "outputSchema": {
                    "properties": {
                        "status": {"enum": ["queued", "claimed", "resolved"], "title": "Status", "type": "string"},
                        "total": {
                            "description": "How many handoffs are in this status overall",
                            "title": "Total",
                            "type": "integer",
                        },
                        "items": {"items": {"$ref": "#/$defs/QueueItem"}, "title": "Items", "type": "array"},
                    },
                    "required": ["status", "total", "items"],
                    "type": "object",
                    "$defs": {
                        "QueueItem": {
                            "description": "One handoff as listed in the agents' queue.",
                            "properties": {
                                "handoff_id": {"title": "Handoff Id", "type": "string"},
                                "status": {
                                    "enum": ["queued", "claimed", "resolved"],
                                    "title": "Status",
                                    "type": "string",
                                },
                                "priority": {
                                    "enum": ["normal", "high", "urgent"],
                                    "title": "Priority",
                                    "type": "string",
                                },
                                "position": {
                                    "anyOf": [{"type": "integer"}, {"type": "null"}],
                                    "description": "Rank among queued handoffs (1 = take next); None unless queued",
                                    "title": "Position",
                                },
                                "age_seconds": {"title": "Age Seconds", "type": "integer"},
                                "age_minutes": {"title": "Age Minutes", "type": "integer"},
                                "reason": {"title": "Reason", "type": "string"},
                                "summary": {"title": "Summary", "type": "string"},
                                "customer_email": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "title": "Customer Email",
                                },
                                "customer_verified": {
                                    "description": "Whether the email was verified by the bot, not just typed",
                                    "title": "Customer Verified",
                                    "type": "boolean",
                                },
                                "conversation_id": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "title": "Conversation Id",
                                },
                                "claimed_by": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Claimed By"},
                            },
                            "required": [
                                "handoff_id",
                                "status",
                                "priority",
                                "position",
                                "age_seconds",
                                "age_minutes",
                                "reason",
                                "summary",
                                "customer_email",
                                "customer_verified",
                                "conversation_id",
                                "claimed_by",
                            ],
                            "title": "QueueItem",
                            "type": "object",
                        }
                    },
                    "description": "A page of the agents' queue.",
                    "title": "HandoffQueue",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
            {
                "name": "get_handoff",
                "title": "Get a handoff",
                "description": """\
For human agents: read one handoff in full, with its context and message log.

        Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
        \
""",
                "inputSchema": {
                    "properties": {
                        "handoff_id": {
                            "description": "The handoff id returned by escalate_to_human, e.g. HO-000042.",
                            "pattern": "^HO-\\d{6,}$",
                            "title": "Handoff Id",
                            "type": "string",
                        }
                    },
                    "required": ["handoff_id"],
                    "type": "object",
                    "title": "get_handoffArguments",
                },
                "outputSchema": {
                    "properties": {
                        "handoff_id": {"title": "Handoff Id", "type": "string"},
                        "status": {"enum": ["queued", "claimed", "resolved"], "title": "Status", "type": "string"},
                        "priority": {"enum": ["normal", "high", "urgent"], "title": "Priority", "type": "string"},
                        "position": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Position"},
                        "reason": {"title": "Reason", "type": "string"},
                        "summary": {"title": "Summary", "type": "string"},
                        "customer_email": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Customer Email"},
                        "customer_verified": {"title": "Customer Verified", "type": "boolean"},
                        "conversation_id": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "title": "Conversation Id",
                        },
                        "sentiment_trend": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "title": "Sentiment Trend",
                        },
                        "context": {"additionalProperties": {"type": "string"}, "title": "Context", "type": "object"},
                        "created_at": {"format": "date-time", "title": "Created At", "type": "string"},
                        "claimed_by": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Claimed By"},
                        "claimed_at": {
                            "anyOf": [{"format": "date-time", "type": "string"}, {"type": "null"}],
                            "title": "Claimed At",
                        },
                        "resolved_at": {
                            "anyOf": [{"format": "date-time", "type": "string"}, {"type": "null"}],
                            "title": "Resolved At",
                        },
                        "outcome": {
                            "anyOf": [{"enum": ["resolved", "returned_to_bot"], "type": "string"}, {"type": "null"}],
                            "title": "Outcome",
                        },
                        "resolution_note": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "title": "Resolution Note",
                        },
                        "messages": {"items": {"$ref": "#/$defs/HandoffMessage"}, "title": "Messages", "type": "array"},
                    },
                    "required": [
                        "handoff_id",
                        "status",
                        "priority",
                        "position",
                        "reason",
                        "summary",
                        "customer_email",
                        "customer_verified",
                        "conversation_id",
                        "sentiment_trend",
                        "context",
                        "created_at",
                        "claimed_by",
                        "claimed_at",
                        "resolved_at",
                        "outcome",
                        "resolution_note",
                        "messages",
                    ],
                    "type": "object",
                    "$defs": {
                        "HandoffMessage": {
                            "description": "One entry of a handoff's log: an agent's reply or a system event.",
                            "properties": {
                                "seq": {"title": "Seq", "type": "integer"},
                                "at": {
                                    "description": "When, in UTC",
                                    "format": "date-time",
                                    "title": "At",
                                    "type": "string",
                                },
                                "author_kind": {"enum": ["agent", "system"], "title": "Author Kind", "type": "string"},
                                "author": {"title": "Author", "type": "string"},
                                "body": {"title": "Body", "type": "string"},
                            },
                            "required": ["seq", "at", "author_kind", "author", "body"],
                            "title": "HandoffMessage",
                            "type": "object",
                        }
                    },
                    "description": "A handoff with everything the human agent needs, and its message log.",
                    "title": "Handoff",
                },
                "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False},
            },
        ]
    )
