"""Redaction: what the model may see (masked once, before sending), masked views for people, checked streamed text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from .events import Event, EventSink, ModelCalled, TextDelta
from .hooks import OutputCheck, TurnContext
from .policy.pii import PiiKind, mask

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = ["MODEL_MASKED_KINDS", "StreamRedactor", "mask_for_model", "mask_message", "mask_value"]

MODEL_MASKED_KINDS: frozenset[PiiKind] = frozenset({"card", "iban", "ssn", "phone", "address"})
"""PII the model never needs: masked in customer messages and tool results before the first send. Email addresses
stay, because verifying a customer means passing the email they typed to the orders service."""


def mask_for_model(text: str) -> str:
    """`text` as the model may see it: every PII kind but email addresses masked (idempotent)."""
    return mask(text, kinds=MODEL_MASKED_KINDS)


def mask_value(value: object) -> object:
    """Mask every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in cast(dict[str, object], value).items()}
    if isinstance(value, list):
        return [mask_value(v) for v in cast(list[object], value)]
    return value


def mask_message(message: MessageParam) -> MessageParam:
    """The message with PII masked in its text, tool inputs and tool results (ids and types untouched)."""
    content = message["content"]
    if isinstance(content, str):
        return cast("MessageParam", {"role": message["role"], "content": mask(content)})
    blocks: list[dict[str, Any]] = []
    for block in cast(Sequence[dict[str, Any]], content):
        masked = dict(block)
        for key in ("text", "input", "content"):
            if key in masked:
                masked[key] = mask_value(masked[key])
        blocks.append(masked)
    return cast("MessageParam", {"role": message["role"], "content": blocks})


class StreamRedactor:
    """An event sink that runs the output checks on streamed text before it reaches the customer.

    Text deltas are held back until a sentence or line ends (a card number or email is never split across two
    emitted pieces), then passed through the output checks and sent. Any other event first flushes the held
    text, so the order of text and tool events is kept. Call `flush()` when the turn's text is complete.
    """

    def __init__(self, emit: EventSink, checks: Sequence[OutputCheck], ctx: TurnContext) -> None:
        """Redact for `ctx` with `checks`, sending to `emit`."""
        self.emit = emit
        self.checks = list(checks)
        self.ctx = ctx
        self.buffer = ""

    async def __call__(self, event: Event) -> None:
        """Hold, redact and forward text; forward other events after flushing."""
        if isinstance(event, ModelCalled) and event.stop_reason == "refusal":
            self.buffer = ""  # the unfinished sentence of a refused reply never reaches the customer
        if not isinstance(event, TextDelta) or not self.checks:
            await self.flush()
            await self.emit(event)
            return
        self.buffer += event.text
        cut = max(self.buffer.rfind(mark) for mark in (". ", "? ", "! ", "\n"))
        if cut >= 0:
            ready, self.buffer = self.buffer[: cut + 1], self.buffer[cut + 1 :]
            await self._send(ready)

    async def flush(self) -> None:
        """Send whatever text is held."""
        if self.buffer:
            ready, self.buffer = self.buffer, ""
            await self._send(ready)

    async def _send(self, text: str) -> None:
        for check in self.checks:
            text = await check.check_output(text, self.ctx)
        await self.emit(TextDelta(text))
