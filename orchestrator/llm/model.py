"""The model seam: `ModelClient` protocol, the request it takes, and `AnthropicModel` (the only SDK client user)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..wire import Message

if TYPE_CHECKING:
    from anthropic.types import MessageParam, ToolChoiceParam, ToolParam

__all__ = ["ModelClient", "ModelRequest", "TextCallback"]

TextCallback = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class ModelRequest:
    """Everything one model call needs. `system` and `tools` form the stable, cacheable prefix."""

    model: str
    system: str
    messages: Sequence[MessageParam]
    context: str = ""
    """A second system block after the cached prompt: per-conversation facts such as the verified customer."""
    tools: Sequence[ToolParam] = ()
    max_tokens: int = 1024
    tool_choice: ToolChoiceParam | None = None
    """Force a tool (e.g. the sentiment report), or None for the API default (`auto`)."""
    metadata: dict[str, str] = field(default_factory=dict[str, str])
    """Conversation facts a local model may use (e.g. the bound customer); never sent to the API."""
    cache: bool = True
    """Place prompt-cache breakpoints (when long enough). False for one-off calls (a sentiment rating, a summary):
    no later request reads their prefix, and a cache write costs 1.25x plain input."""


class ModelClient(Protocol):
    """Anything that turns a request into a `wire.Message`: Claude, the offline model, a scripted fake."""

    @property
    def label(self) -> str:
        """How the model is named to users (e.g. `claude-sonnet-4-6` or `offline rule-based model`)."""
        ...

    @property
    def offline(self) -> bool:
        """True for local models that are not AI; the UI says so."""
        ...

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """Run one model call; stream text deltas to `on_text` when given."""
        ...
