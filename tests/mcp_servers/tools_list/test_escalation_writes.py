"""The `escalation` server's `tools/list` contract: any change to a tool shows here.

The tools that change state (the names and read-only tools are in `test_escalation.py`).

Regenerate after an intended change with `pytest --inline-snapshot=fix` and review the diff; never hand-edit.
"""

from pathlib import Path

import pytest
from inline_snapshot import snapshot

from .support import tools_list

pytestmark = pytest.mark.anyio


async def test_escalation_write_tools_match_the_reviewed_contract(tmp_path: Path) -> None:
    assert await tools_list(
        "escalation", tmp_path, only=("escalate_to_human", "claim_handoff", "add_handoff_reply", "resolve_handoff")
    ) == snapshot(
        [
            {
                "name": "escalate_to_human",
                "title": "Escalate to a human agent",
                "description": """\
Hand the conversation to a human support agent and get the customer's place in the queue.

        Use it when the customer asks for a person, when the request is outside what the tools allow, or when
        the customer is very upset. Calling it again for the same conversation returns the same handoff. Tell
        the customer the estimated wait; do not promise a time.

        Args:
            reason: Why a human is needed, in one or two sentences.
            priority: 'urgent' (safety, legal, payment fraud, very upset customer), 'high' (money at stake or
                repeated failures), otherwise 'normal'.
            conversation_summary: What happened so far, so the agent need not ask again: the problem, what was
                checked (order ids), what was tried.
            customer_email: The customer's email, if known. Leave it out in a verified conversation.
            conversation_id: This conversation's id, so that repeated escalations are not duplicated.
            sentiment_trend: How the customer's mood is moving, e.g. 'deteriorating', 'stable', 'improving'.
            context: Short verified facts for the agent, e.g. {"order_id": "ORD-78432"}.
        \
""",
                "inputSchema": {
                    "properties": {
                        "reason": {
                            "description": "Why a human is needed, in one or two sentences.",
                            "maxLength": 500,
                            "minLength": 1,
                            "pattern": "\\S",
                            "title": "Reason",
                            "type": "string",
                        },
                        "priority": {"enum": ["normal", "high", "urgent"], "title": "Priority", "type": "string"},
                        "conversation_summary": {
                            "description": "What happened so far: the customer's problem, what was checked, what was tried.",
                            "maxLength": 4000,
                            "minLength": 1,
                            "pattern": "\\S",
                            "title": "Conversation Summary",
                            "type": "string",
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
                        "conversation_id": {
                            "anyOf": [
                                {
                                    "description": "The id of this support conversation (letters, digits, '_' and '-').",
                                    "maxLength": 64,
                                    "minLength": 1,
                                    "pattern": "^[A-Za-z0-9_-]+$",
                                    "type": "string",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Conversation Id",
                        },
                        "sentiment_trend": {
                            "anyOf": [
                                {
                                    "description": "How the customer's mood is moving, e.g. 'deteriorating'.",
                                    "maxLength": 20,
                                    "minLength": 1,
                                    "type": "string",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Sentiment Trend",
                        },
                        "context": {
                            "anyOf": [
                                {
                                    "description": "Up to 12 short facts for the human agent, e.g. {'order_id': 'ORD-78432', 'customer_name': 'Jordan Lee'}. Only facts verified in this conversation.",
                                    "maxProperties": 12,
                                    "patternProperties": {
                                        "^[A-Za-z0-9_.-]{1,40}$": {"maxLength": 300, "type": "string"}
                                    },
                                    "type": "object",
                                },
                                {"type": "null"},
                            ],
                            "default": None,
                            "title": "Context",
                        },
                    },
                    "required": ["reason", "priority", "conversation_summary"],
                    "type": "object",
                    "title": "escalate_to_humanArguments",
                },
                "outputSchema": {
                    "properties": {
                        "handoff_id": {"title": "Handoff Id", "type": "string"},
                        "status": {"enum": ["queued", "claimed", "resolved"], "title": "Status", "type": "string"},
                        "priority": {"enum": ["normal", "high", "urgent"], "title": "Priority", "type": "string"},
                        "queue_position": {
                            "anyOf": [{"type": "integer"}, {"type": "null"}],
                            "description": "1 = next to be picked up; None once an agent has it",
                            "title": "Queue Position",
                        },
                        "estimated_wait": {
                            "description": "A wait estimate that may be told to the customer",
                            "title": "Estimated Wait",
                            "type": "string",
                        },
                        "already_open": {
                            "description": "True when this conversation already had an open handoff (no new one)",
                            "title": "Already Open",
                            "type": "boolean",
                        },
                    },
                    "required": [
                        "handoff_id",
                        "status",
                        "priority",
                        "queue_position",
                        "estimated_wait",
                        "already_open",
                    ],
                    "type": "object",
                    "description": "The customer's place in the human-agent queue.",
                    "title": "Escalation",
                },
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": False,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
            {
                "name": "claim_handoff",
                "title": "Claim a handoff",
                "description": """\
For human agents: take a queued handoff, so that only you reply to and resolve it.

        Claiming a handoff you already hold changes nothing. Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, spelled the same way on every call.
        \
""",
                "inputSchema": {
                    "properties": {
                        "handoff_id": {
                            "description": "The handoff id returned by escalate_to_human, e.g. HO-000042.",
                            "pattern": "^HO-\\d{6,}$",
                            "title": "Handoff Id",
                            "type": "string",
                        },
                        "agent": {
                            "description": "The human agent's name or id, e.g. 'sam.rivera'; always the same spelling.",
                            "maxLength": 64,
                            "minLength": 1,
                            "pattern": "^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
                            "title": "Agent",
                            "type": "string",
                        },
                    },
                    "required": ["handoff_id", "agent"],
                    "type": "object",
                    "title": "claim_handoffArguments",
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
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": False,
                    "idempotentHint": True,
                    "openWorldHint": False,
                },
            },
            {
                "name": "add_handoff_reply",
                "title": "Reply on a handoff",
                "description": """\
For human agents: add your message for the customer to a handoff you have claimed.

        Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, as used in claim_handoff.
            message: The message to the customer, up to 4000 characters.
        \
""",
                "inputSchema": {
                    "properties": {
                        "handoff_id": {
                            "description": "The handoff id returned by escalate_to_human, e.g. HO-000042.",
                            "pattern": "^HO-\\d{6,}$",
                            "title": "Handoff Id",
                            "type": "string",
                        },
                        "agent": {
                            "description": "The human agent's name or id, e.g. 'sam.rivera'; always the same spelling.",
                            "maxLength": 64,
                            "minLength": 1,
                            "pattern": "^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
                            "title": "Agent",
                            "type": "string",
                        },
                        "message": {
                            "description": "The message to the customer, as shown.",
                            "maxLength": 4000,
                            "minLength": 1,
                            "pattern": "\\S",
                            "title": "Message",
                            "type": "string",
                        },
                    },
                    "required": ["handoff_id", "agent", "message"],
                    "type": "object",
                    "title": "add_handoff_replyArguments",
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
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": False,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
            {
                "name": "resolve_handoff",
                "title": "Resolve a handoff",
                "description": """\
For human agents: end a handoff you have claimed. This cannot be undone.

        Use outcome 'resolved' when you settled the issue, or 'returned_to_bot' to hand the conversation back to
        the assistant. Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, as used in claim_handoff.
            resolution_note: What was done, for the record (up to 2000 characters).
            outcome: 'resolved' or 'returned_to_bot'.
        \
""",
                "inputSchema": {
                    "properties": {
                        "handoff_id": {
                            "description": "The handoff id returned by escalate_to_human, e.g. HO-000042.",
                            "pattern": "^HO-\\d{6,}$",
                            "title": "Handoff Id",
                            "type": "string",
                        },
                        "agent": {
                            "description": "The human agent's name or id, e.g. 'sam.rivera'; always the same spelling.",
                            "maxLength": 64,
                            "minLength": 1,
                            "pattern": "^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
                            "title": "Agent",
                            "type": "string",
                        },
                        "resolution_note": {
                            "description": "How the handoff ended, for the record.",
                            "maxLength": 2000,
                            "minLength": 1,
                            "pattern": "\\S",
                            "title": "Resolution Note",
                            "type": "string",
                        },
                        "outcome": {"enum": ["resolved", "returned_to_bot"], "title": "Outcome", "type": "string"},
                    },
                    "required": ["handoff_id", "agent", "resolution_note", "outcome"],
                    "type": "object",
                    "title": "resolve_handoffArguments",
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
                "annotations": {
                    "readOnlyHint": False,
                    "destructiveHint": True,
                    "idempotentHint": False,
                    "openWorldHint": False,
                },
            },
        ]
    )
