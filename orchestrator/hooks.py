"""The policy seams the loop calls: input checks before the model, output checks after it, tool-call checks."""

from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "InputCheck",
    "InputVerdict",
    "OutputCheck",
    "ToolCall",
    "ToolCheck",
    "TurnContext",
]


@dataclass
class TurnContext:
    """What the checks may know about the conversation. Mutable: checks may record state for later turns."""

    conversation_id: str
    customer_email: str | None = None
    """The verified customer bound to the conversation, if any."""
    latest_customer_text: str = ""
    flags: dict[str, object] = field(default_factory=dict[str, object])
    """Free-form per-conversation state kept by policies (e.g. abuse warnings, injection detected)."""


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
