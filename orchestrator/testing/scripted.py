"""Test doubles for the model seam: `ScriptedModel` and builders of `wire.Message` replies (the API's shape).

Importable by our tests and by anyone writing a server or a policy who wants to drive the loop without a key.
"""

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ..llm.model import ModelRequest, TextCallback
from ..wire import Message, TextBlock, ToolUseBlock, Usage

__all__ = ["ScriptedModel", "Step", "UnexpectedModelCall", "text_reply", "tool_use"]

_ids = itertools.count(1)


class UnexpectedModelCall(AssertionError):
    """The loop called the model more times than the script has steps."""


def _usage(input_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> Usage:
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_input_tokens=cache_read,
        cache_creation_input_tokens=cache_write,
    )


def text_reply(
    text: str,
    *,
    stop_reason: str = "end_turn",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_read: int = 0,
    cache_write: int = 0,
    model: str = "scripted",
) -> Message:
    """A final assistant message with one text block."""
    return Message(
        id=f"msg_{next(_ids)}",
        type="message",
        role="assistant",
        model=model,
        content=[TextBlock(type="text", text=text)],
        stop_reason=stop_reason,
        stop_sequence=None,
        usage=_usage(input_tokens, output_tokens, cache_read, cache_write),
    )


def tool_use(
    *calls: tuple[str, dict[str, object]],
    text: str = "",
    input_tokens: int = 10,
    output_tokens: int = 5,
    model: str = "scripted",
) -> Message:
    """An assistant message asking for one or more tool calls (ids `toolu_N`)."""
    blocks: list[TextBlock | ToolUseBlock] = [TextBlock(type="text", text=text)] if text else []
    blocks += [ToolUseBlock(type="tool_use", id=f"toolu_{next(_ids)}", name=name, input=args) for name, args in calls]
    return Message(
        id=f"msg_{next(_ids)}",
        type="message",
        role="assistant",
        model=model,
        content=blocks,  # pyright: ignore[reportArgumentType]
        stop_reason="tool_use",
        stop_sequence=None,
        usage=_usage(input_tokens, output_tokens, 0, 0),
    )


Step = Message | Exception | Callable[[ModelRequest], Message]
"""A scripted reply, an exception to raise, or a function of the request (to reply based on what was sent)."""


@dataclass
class ScriptedModel:
    """A `ModelClient` that replays a script and records deep copies of every request."""

    steps: list[Step]
    calls: list[ModelRequest] = field(default_factory=list[ModelRequest])
    label: str = "scripted model"
    offline: bool = True

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """Return the next step (streaming its text to `on_text`)."""
        self.calls.append(copy.deepcopy(request))
        if not self.steps:
            raise UnexpectedModelCall(f"model called {len(self.calls)} times; the script had fewer steps")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        message = step(request) if callable(step) else step
        if on_text is not None:
            for block in message.content:
                if isinstance(block, TextBlock) and block.text:
                    await on_text(block.text)
        return message

    def assert_complete(self) -> None:
        """Fail when script steps were left unused."""
        if self.steps:
            raise AssertionError(f"{len(self.steps)} scripted model steps were never used")
