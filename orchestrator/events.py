"""Events a turn emits to its caller (CLI, web) and to metrics sinks. Frozen, free of message text by default."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ConversationClosed",
    "CustomerBound",
    "Escalated",
    "GuardrailTripped",
    "Outcome",
    "Priority",
    "Event",
    "EventSink",
    "ModelCalled",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "TurnCompleted",
    "Usage",
    "discard",
]


@dataclass(frozen=True)
class Usage:
    """Token usage of one model call (cache fields are 0 when the API omits them)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_creation_1h_input_tokens: int = 0
    """The part of `cache_creation_input_tokens` written with the 1-hour TTL (priced apart)."""

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_creation_1h_input_tokens + other.cache_creation_1h_input_tokens,
        )


@dataclass(frozen=True)
class TextDelta:
    """A piece of the assistant's reply, streamed as it is produced."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """The loop is about to run a tool (arguments are for the caller's UI, never for metrics)."""

    tool_use_id: str
    name: str
    server: str | None
    arguments: dict[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True)
class ToolCallFinished:
    """A tool call ended (or was refused before running)."""

    tool_use_id: str
    name: str
    server: str | None
    is_error: bool
    duration_s: float
    refused: bool = False
    """True when an orchestrator check refused the call before it reached a server."""


@dataclass(frozen=True)
class ModelCalled:
    """One model request finished."""

    model: str
    stop_reason: str | None
    usage: Usage
    cost_usd: float
    duration_s: float
    offline: bool


@dataclass(frozen=True)
class CustomerBound:
    """The conversation now has a verified customer (the email itself is not carried)."""

    via_tool: str


@dataclass(frozen=True)
class TurnCompleted:
    """A customer turn finished."""

    conversation_id: str
    model_calls: int
    tool_calls: int
    stop_reason: str
    duration_s: float


Priority = Literal["low", "normal", "high", "urgent"]
Outcome = Literal["resolved_by_bot", "escalated", "abandoned"]
"""How a conversation ended, for the KPIs."""


@dataclass(frozen=True)
class GuardrailTripped:
    """A guardrail acted on a message or a tool call (masked, refused, warned, blocked).

    `kind` is a short snake_case name chosen by policy code (`pii`, `topic`, `injection`, `abuse`,
    `confirmation`), never customer text: it ends up as a metric label.
    """

    kind: str


@dataclass(frozen=True)
class Escalated:
    """The conversation was handed to a human (`reason`: `explicit_human_request`, `threat`, `abuse`, ...)."""

    reason: str
    priority: Priority = "normal"
    handoff_id: str | None = None


@dataclass(frozen=True)
class ConversationClosed:
    """A conversation ended with a KPI outcome."""

    conversation_id: str
    outcome: Outcome
    confirmed: bool = False
    """The customer confirmed the resolution (only meaningful for `resolved_by_bot`)."""


Event = (
    TextDelta
    | ToolCallStarted
    | ToolCallFinished
    | ModelCalled
    | CustomerBound
    | TurnCompleted
    | GuardrailTripped
    | Escalated
    | ConversationClosed
)
EventSink = Callable[[Event], Awaitable[None]]


async def discard(_event: Event) -> None:
    """An event sink that drops everything."""
