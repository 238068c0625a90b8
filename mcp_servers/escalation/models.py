"""Pydantic I/O models of the escalation server."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

Priority = Literal["normal", "high", "urgent"]
HandoffStatus = Literal["queued", "claimed", "resolved"]
Outcome = Literal["resolved", "returned_to_bot"]
AuthorKind = Literal["agent", "system"]

PRIORITY_RANK: dict[str, int] = {"normal": 1, "high": 2, "urgent": 3}
"""Higher ranks are served first."""

HandoffId = Annotated[
    str,
    Field(pattern=r"^HO-\d{6,}$", description="The handoff id returned by escalate_to_human, e.g. HO-000042."),
]
AgentName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._@+-]+( [A-Za-z0-9._@+-]+)*$",
        description="The human agent's name or id, e.g. 'sam.rivera'; always the same spelling.",
    ),
]
ConversationId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The id of this support conversation (letters, digits, '_' and '-').",
    ),
]
ContextKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
ContextValue = Annotated[str, Field(max_length=300)]
HandoffContext = Annotated[
    dict[ContextKey, ContextValue],
    Field(
        max_length=12,
        description="Up to 12 short facts for the human agent, e.g. {'order_id': 'ORD-78432', 'customer_name': "
        "'Jordan Lee'}. Only facts verified in this conversation.",
    ),
]


_NOT_BLANK = r"\S"

Reason = Annotated[
    str,
    Field(
        min_length=1, max_length=500, pattern=_NOT_BLANK, description="Why a human is needed, in one or two sentences."
    ),
]
Summary = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4000,
        pattern=_NOT_BLANK,
        description="What happened so far: the customer's problem, what was checked, what was tried.",
    ),
]
MessageBody = Annotated[
    str,
    Field(min_length=1, max_length=4000, pattern=_NOT_BLANK, description="The message to the customer, as shown."),
]
ResolutionNote = Annotated[
    str,
    Field(min_length=1, max_length=2000, pattern=_NOT_BLANK, description="How the handoff ended, for the record."),
]
SentimentTrend = Annotated[
    str, Field(min_length=1, max_length=20, description="How the customer's mood is moving, e.g. 'deteriorating'.")
]


class Escalation(BaseModel):
    """The customer's place in the human-agent queue."""

    handoff_id: str
    status: HandoffStatus
    priority: Priority
    queue_position: int | None = Field(description="1 = next to be picked up; None once an agent has it")
    estimated_wait: str = Field(description="A wait estimate that may be told to the customer")
    already_open: bool = Field(description="True when this conversation already had an open handoff (no new one)")


class HandoffMessage(BaseModel):
    """One entry of a handoff's log: an agent's reply or a system event."""

    seq: int
    at: datetime = Field(description="When, in UTC")
    author_kind: AuthorKind
    author: str
    body: str


class QueueItem(BaseModel):
    """One handoff as listed in the agents' queue."""

    handoff_id: str
    status: HandoffStatus
    priority: Priority
    position: int | None = Field(description="Rank among queued handoffs (1 = take next); None unless queued")
    age_seconds: int
    age_minutes: int
    reason: str
    summary: str
    customer_email: str | None
    customer_verified: bool = Field(description="Whether the email was verified by the bot, not just typed")
    conversation_id: str | None
    claimed_by: str | None


class HandoffQueue(BaseModel):
    """A page of the agents' queue."""

    status: HandoffStatus
    total: int = Field(description="How many handoffs are in this status overall")
    items: list[QueueItem]


class Handoff(BaseModel):
    """A handoff with everything the human agent needs, and its message log."""

    handoff_id: str
    status: HandoffStatus
    priority: Priority
    position: int | None
    reason: str
    summary: str
    customer_email: str | None
    customer_verified: bool
    conversation_id: str | None
    sentiment_trend: str | None
    context: dict[str, str]
    created_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    outcome: Outcome | None
    resolution_note: str | None
    messages: list[HandoffMessage]
