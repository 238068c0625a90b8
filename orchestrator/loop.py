"""`run_turn`: the Claude tool-use loop for one customer turn, and nothing else."""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast

import anyio
from anthropic.types import Message, MessageParam, TextBlock, ToolParam, ToolResultBlockParam, ToolUseBlock

from .errors import ToolLoopLimitExceeded
from .events import EventSink, ModelCalled, TextDelta, Usage
from .model import ModelClient, ModelRequest

__all__ = ["ToolExecutor", "TurnResult", "run_turn"]

logger = logging.getLogger(__name__)


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
    new_messages: list[MessageParam] = field(default_factory=list[MessageParam])
    """Assistant and tool-result messages appended during the turn, in order."""
    model_calls: int = 0
    tool_calls: int = 0
    usage: Usage = field(default_factory=Usage)


async def _run_all(tools: ToolExecutor, uses: list[ToolUseBlock]) -> list[ToolResultBlockParam]:
    """Run every tool_use block concurrently; results come back in the blocks' order, ids preserved."""
    results: list[ToolResultBlockParam | None] = [None] * len(uses)

    async def run_one(index: int, use: ToolUseBlock) -> None:
        results[index] = await tools.run(use)

    async with anyio.create_task_group() as tg:
        for index, use in enumerate(uses):
            tg.start_soon(run_one, index, use)
    return [r for r in results if r is not None]


def _text_of(message: Message) -> str:
    return "".join(block.text for block in message.content if isinstance(block, TextBlock))


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
    max_iterations: int = 8,
    max_tokens: int = 1024,
    metadata: Callable[[], dict[str, str]] | None = None,
) -> TurnResult:
    """Call the model until it answers without tools; run every tool_use block of a response concurrently.

    Stops without running tools on `refusal`, returns the partial text on `max_tokens`, sends the conversation
    back on `pause_turn`, and raises `ToolLoopLimitExceeded` after `max_iterations` model calls that all asked
    for tools.
    """
    messages: list[MessageParam] = list(history)
    result = TurnResult(text="", stop_reason="end_turn")

    async def on_text(delta: str) -> None:
        await emit(TextDelta(delta))

    for _ in range(max_iterations):
        request = ModelRequest(
            model=model_id,
            system=system,
            messages=list(messages),
            tools=tools.definitions(),
            max_tokens=max_tokens,
            metadata=metadata() if metadata else {},
        )
        started = time.perf_counter()
        response = await model.create(request, on_text=on_text)
        usage = usage_of(response)
        cost = cost_of(response.model, usage)
        result.model_calls += 1
        result.usage = result.usage + usage
        await emit(
            ModelCalled(
                model=response.model,
                stop_reason=response.stop_reason,
                usage=usage,
                cost_usd=cost or 0.0,
                duration_s=time.perf_counter() - started,
                offline=model.offline,
            )
        )
        assistant = cast(
            MessageParam,
            {
                "role": "assistant",
                "content": [block.to_dict(mode="json", exclude_none=True) for block in response.content],
            },
        )  # plain JSON dicts: stored as is and sent back unchanged
        messages.append(assistant)
        result.new_messages.append(assistant)
        result.stop_reason = response.stop_reason or "end_turn"
        uses = [b for b in response.content if isinstance(b, ToolUseBlock)]
        if response.stop_reason == "pause_turn":
            continue
        if response.stop_reason != "tool_use" or not uses:
            result.text = _text_of(response)
            return result
        tool_results = await _run_all(tools, uses)
        result.tool_calls += len(uses)
        results_message: MessageParam = {"role": "user", "content": tool_results}
        messages.append(results_message)
        result.new_messages.append(results_message)
    raise ToolLoopLimitExceeded(max_iterations, partial_messages=result.new_messages)
