"""`run_turn`: the Claude tool-use loop for one customer turn, and nothing else.

Every stop reason leaves a history the API accepts: a reply cut by `max_tokens` (or by the context window) in the
middle of a `tool_use` is never stored or sent; it is retried once with a larger budget (after condensing, for the
context window), else answered with the text there is. A context window exceeded before any text (or inside a
`tool_use`) condenses the earlier turns and asks again. A refusal stops without running tools and hands back its
`stop_details`; `pause_turn` is continued and merged into one assistant message; an empty `end_turn` is asked
again once. Text already streamed to the customer is not streamed twice when a call is retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

import anyio

from .errors import ToolLoopLimitExceeded
from .events import EventSink, ModelCalled, TextDelta, Usage
from .llm.history import content_blocks
from .llm.model import ModelClient, ModelRequest
from .wire import Message, ToolUseBlock

if TYPE_CHECKING:
    from anthropic.types import MessageParam, ToolParam, ToolResultBlockParam

__all__ = ["EMPTY_REPLY", "Compactor", "ToolExecutor", "TurnResult", "run_turn"]

logger = logging.getLogger(__name__)

EMPTY_REPLY = "I'm sorry, I lost my train of thought there. Could you say that again?"
"""The reply when the model answers nothing twice, or is cut off before saying anything."""

Compactor = Callable[[], Awaitable["Sequence[MessageParam] | None"]]
"""Condenses the conversation before this turn; returns its new, shorter context, or None if it cannot."""

_CUT = frozenset({"max_tokens", "model_context_window_exceeded"})


class ToolExecutor(Protocol):
    """Runs one `tool_use` block and always returns a `tool_result` (errors become `is_error` results)."""

    def definitions(self) -> list[ToolParam]:
        """The tools offered to the model."""
        ...

    async def run(self, use: ToolUseBlock) -> ToolResultBlockParam:
        """Execute (or refuse) the call."""
        ...


@dataclass
class TurnResult:
    """What one turn produced."""

    text: str
    stop_reason: str
    new_messages: list[MessageParam] = field(default_factory=list["MessageParam"])
    """Assistant and tool-result messages appended during the turn, in order; always a valid continuation."""
    model_calls: int = 0
    tool_calls: int = 0
    usage: Usage = field(default_factory=Usage)
    refusal_category: str | None = None
    """`stop_details.category` of a refusal (None when uncategorised or not a refusal)."""
    compacted: Sequence[MessageParam] | None = None
    """The condensed context that replaced the earlier history during the turn, if it had to be condensed."""


async def _run_all(tools: ToolExecutor, uses: list[ToolUseBlock]) -> list[ToolResultBlockParam]:
    """Run every tool_use block concurrently; results come back in the blocks' order, ids preserved."""
    results: list[ToolResultBlockParam | None] = [None] * len(uses)

    async def run_one(index: int, use: ToolUseBlock) -> None:
        results[index] = await tools.run(use)

    async with anyio.create_task_group() as tg:
        for index, use in enumerate(uses):
            tg.start_soon(run_one, index, use)
    return [r for r in results if r is not None]


def _blocks_of(message: Message) -> list[dict[str, Any]]:
    """The response's content as plain JSON dicts, without the empty text blocks the API would refuse."""
    blocks = cast(list[dict[str, Any]], message.to_param()["content"])
    return [b for b in blocks if b.get("type") != "text" or str(b.get("text", "")).strip()]


def _text(blocks: Sequence[dict[str, Any]]) -> str:
    return "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")


def _assistant(blocks: Sequence[dict[str, Any]]) -> MessageParam:
    return cast("MessageParam", {"role": "assistant", "content": list(blocks)})


def _joined(earlier: Sequence[MessageParam], current: Sequence[MessageParam]) -> list[MessageParam]:
    """`earlier + current`, with a condensed context's trailing summary note merged into the customer's message."""
    if earlier and current and earlier[-1]["role"] == current[0]["role"] == "user":
        merged = cast(
            "MessageParam", {"role": "user", "content": [*content_blocks(earlier[-1]), *content_blocks(current[0])]}
        )
        return [*earlier[:-1], merged, *current[1:]]
    return [*earlier, *current]


def _continuation(blocks: Sequence[dict[str, Any]]) -> MessageParam:
    """A paused assistant message sent back as the last message: no trailing whitespace, as the API requires."""
    trimmed = [dict(b) for b in blocks]
    if trimmed and trimmed[-1].get("type") == "text":
        trimmed[-1]["text"] = str(trimmed[-1]["text"]).rstrip()
    return _assistant(trimmed)


class _Stream:
    """Forwards text deltas; when a call is retried, the text the customer has already seen is not sent again."""

    def __init__(self, emit: EventSink) -> None:
        self.emit = emit
        self.shown = ""
        """Text of the current model call already sent to the customer."""
        self.attempt = ""
        """Text of the attempt in progress."""

    def retry(self) -> None:
        """The same call is about to be made again: replay silently up to what was shown."""
        self.attempt = ""

    def next_call(self) -> None:
        """A new model call (after tool results or a pause) streams new text."""
        self.shown = self.attempt = ""

    async def __call__(self, delta: str) -> None:
        before = len(self.attempt)
        self.attempt += delta
        if self.shown.startswith(self.attempt):
            return
        fresh = self.attempt[max(before, len(self.shown)) :] if self.attempt.startswith(self.shown) else delta
        self.shown = self.attempt
        await self.emit(TextDelta(fresh))


async def run_turn(
    history: Sequence[MessageParam],
    *,
    model: ModelClient,
    tools: ToolExecutor,
    model_id: str,
    system: str,
    emit: EventSink,
    usage_of: Callable[[Message], Usage],
    cost_of: Callable[[str, Usage], float | None],
    context: str = "",
    max_iterations: int = 8,
    max_tokens: int = 1024,
    retry_max_tokens: int | None = None,
    metadata: Callable[[], dict[str, str]] | None = None,
    compact: Compactor | None = None,
) -> TurnResult:
    """Call the model until it answers without tools; run every tool_use block of a response concurrently.

    Args:
        history: The conversation so far, ending with the customer's new message.
        model: The model client.
        tools: Runs the tool calls.
        model_id: The model to ask.
        system: The cached system prompt.
        emit: Receives text deltas and `ModelCalled` events.
        usage_of: Reads a response's usage.
        cost_of: Prices a usage (None when unpriced).
        context: A second system block after the cached prompt (e.g. the verified customer).
        max_iterations: Model calls allowed before `ToolLoopLimitExceeded`.
        max_tokens: The output budget of each call.
        retry_max_tokens: The budget of the one retry after a cut `tool_use` (default: twice `max_tokens`).
        metadata: Conversation facts for local models (never sent to the API).
        compact: Condenses earlier turns when the context window is exceeded.

    Returns:
        The turn's text, stop reason and the messages to append to the history.

    Raises:
        ToolLoopLimitExceeded: `max_iterations` calls all asked for tools; carries the valid partial messages.
    """
    earlier, current = list(history[:-1]), list(history[-1:])
    result = TurnResult(text="", stop_reason="end_turn")
    stream = _Stream(emit)
    budget, retried_cut, retried_empty = max_tokens, False, False
    paused: list[dict[str, Any]] = []
    for _ in range(max_iterations):
        request = ModelRequest(
            model=model_id,
            system=system,
            context=context,
            messages=[*_joined(earlier, current), *([_continuation(paused)] if paused else [])],
            tools=tools.definitions(),
            max_tokens=budget,
            metadata=metadata() if metadata else {},
        )
        response = await _call(model, request, stream, emit, result, usage_of, cost_of)
        stop = response.stop_reason or "end_turn"
        blocks = paused + _blocks_of(response)
        result.stop_reason = stop
        if stop == "refusal":  # nothing of the refused reply is kept or run
            result.text = _text(blocks)
            details = response.stop_details
            result.refusal_category = details.category if details is not None else None
            return result
        uses = [b for b in blocks if b.get("type") == "tool_use"]
        if stop == "model_context_window_exceeded" and (uses or not _text(blocks)) and result.compacted is None:
            # Out of room before saying anything usable: condense the earlier turns now and ask again.
            if compact is not None and (shorter := await compact()) is not None:
                earlier, result.compacted = list(shorter), shorter
                stream.retry()
                continue
        if stop in _CUT and uses:  # a tool_use cut mid-input: never stored, never sent
            if not retried_cut:
                retried_cut, budget = True, retry_max_tokens or 2 * max_tokens
                logger.warning("reply cut by %s inside a tool call; retrying with max_tokens=%d", stop, budget)
                stream.retry()
                paused = []
                continue
            blocks = [b for b in blocks if b.get("type") != "tool_use"]
            uses = []
        if stop == "pause_turn":
            paused = blocks
            stream.next_call()
            continue
        paused = []
        if not uses:
            if not blocks and not retried_empty:
                retried_empty = True
                continue
            if not blocks:
                await emit(TextDelta(EMPTY_REPLY))
                blocks = [{"type": "text", "text": EMPTY_REPLY}]
            result.text = _text(blocks)
            result.new_messages.append(_assistant(blocks))
            return result
        assistant = _assistant(blocks)
        current.append(assistant)
        result.new_messages.append(assistant)
        tool_results = await _run_all(tools, [ToolUseBlock.model_validate(u) for u in uses])
        result.tool_calls += len(uses)
        results_message: MessageParam = {"role": "user", "content": tool_results}
        current.append(results_message)
        result.new_messages.append(results_message)
        budget, retried_cut, retried_empty = max_tokens, False, False
        stream.next_call()
    raise ToolLoopLimitExceeded(max_iterations, partial_messages=result.new_messages)


async def _call(
    model: ModelClient,
    request: ModelRequest,
    stream: _Stream,
    emit: EventSink,
    result: TurnResult,
    usage_of: Callable[[Message], Usage],
    cost_of: Callable[[str, Usage], float | None],
) -> Message:
    started = time.perf_counter()
    response = await model.create(request, on_text=stream)
    usage = usage_of(response)
    result.model_calls += 1
    result.usage = result.usage + usage
    await emit(
        ModelCalled(
            model=response.model,
            stop_reason=response.stop_reason,
            usage=usage,
            cost_usd=cost_of(response.model, usage) or 0.0,
            duration_s=time.perf_counter() - started,
            offline=model.offline,
        )
    )
    return response
