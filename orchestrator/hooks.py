"""The policy seams the loop calls: input checks before the model, output checks after it, tool-call checks."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .events import EventSink

__all__ = [
    "ExtraUsage",
    "FailedCall",
    "InputCheck",
    "InputVerdict",
    "OutputCheck",
    "ToolCall",
    "ToolCaller",
    "ToolCheck",
    "TurnContext",
    "TurnOutcome",
    "TurnPolicy",
]


@dataclass(frozen=True)
class FailedCall:
    """A tool call that failed outside the tool: its server was down or stopped answering, or the link dropped."""

    tool: str
    """The server-side tool name."""
    arguments: dict[str, object]
    may_have_run: bool
    """False when the request provably never reached the server (nothing changed)."""


@dataclass
class TurnContext:
    """What the checks may know about the conversation. Mutable: checks may record state for later turns."""

    conversation_id: str
    customer_email: str | None = None
    """The verified customer bound to the conversation, if any."""
    latest_customer_text: str = ""
    flags: dict[str, object] = field(default_factory=dict[str, object])
    """Free-form per-conversation state kept by policies (e.g. abuse warnings, injection detected)."""
    turn_tools: list[tuple[str, bool]] = field(default_factory=list[tuple[str, bool]])
    """This turn's tool calls so far: (server-side tool name, is_error). Not persisted."""
    failed_calls: list[FailedCall] = field(default_factory=list[FailedCall])
    """This turn's calls that failed outside the tool (see `FailedCall`). Not persisted."""


@dataclass(frozen=True)
class InputVerdict:
    """The outcome of an input check."""

    allow: bool = True
    text: str | None = None
    """A rewritten customer message (e.g. with PII masked) to use instead of the original."""
    reply: str | None = None
    """When `allow` is False: the reply to send instead of calling the model."""
    reason: str = ""


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for, before it runs."""

    tool_use_id: str
    name: str
    server: str | None
    tool: str | None
    arguments: dict[str, object]
    read_only: bool


class InputCheck(Protocol):
    """Runs on each customer message before the model sees it."""

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        """Allow, rewrite or block the message."""
        ...


class OutputCheck(Protocol):
    """Runs on the assistant's final text before it reaches the customer."""

    async def check_output(self, text: str, ctx: TurnContext) -> str:
        """Return the text to send (possibly redacted)."""
        ...


class ToolCheck(Protocol):
    """Runs before every tool call; returning a message refuses the call (the model receives it as is_error)."""

    async def check_tool_call(self, call: ToolCall, ctx: TurnContext) -> str | None:
        """None to allow; otherwise the refusal message for the model."""
        ...


@dataclass(frozen=True)
class ExtraUsage:
    """A model call a policy made (e.g. sentiment scoring on the fast model), for the usage ledger."""

    purpose: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


@dataclass(frozen=True)
class TurnOutcome:
    """What a turn policy decided after the model answered."""

    text: str
    """The reply to send (the model's, possibly with a warning or a hand-off notice added)."""
    status: str | None = None
    """A new conversation status (e.g. `escalated`), or None to keep it."""
    usage: tuple[ExtraUsage, ...] = ()
    save: Callable[[], None] | None = None
    """Blocking bookkeeping (e.g. KPI rows) to write in the transaction that stores the turn, on a worker thread."""


class ToolCaller(Protocol):
    """Lets a policy call a tool itself (e.g. `escalate_to_human`), with the conversation's bound customer."""

    async def __call__(self, name: str, arguments: dict[str, object]) -> tuple[str, bool]:
        """Return (result text, is_error)."""
        ...


class TurnPolicy(Protocol):
    """Conversation-level policy around a turn: observes the message, then may adjust the reply or escalate."""

    async def observe(self, text: str, ctx: TurnContext) -> None:
        """Runs concurrently with the model call (e.g. sentiment scoring); keeps its findings in `ctx.flags`."""
        ...

    def inspect_tool_result(self, content: str, ctx: TurnContext) -> str:
        """Transform a tool result before the model reads it (e.g. mark it as data)."""
        ...

    async def after_turn(self, reply: str, ctx: TurnContext, call_tool: ToolCaller, emit: EventSink) -> TurnOutcome:
        """Decide on warnings, offers of a human and escalation once the reply is known."""
        ...
