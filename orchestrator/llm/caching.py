"""Where the prompt-cache breakpoints go: the static prefix and the conversation's tail, never below the minimum.

Claude caches a prefix (tools, then system, then messages) at each `cache_control` breakpoint, but only when the
prefix reaches the model's minimum cacheable length; a smaller one is billed as plain input and wastes one of the
four breakpoints. Lengths are estimated from characters (about four per token of compact JSON), the same rule the
cost benchmark states.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from .history import content_blocks, jsonable

if TYPE_CHECKING:
    from anthropic.types import CacheControlEphemeralParam, MessageParam, TextBlockParam, ToolParam

__all__ = ["TOOL_SYSTEM_PROMPT_TOKENS", "CachePlan", "CacheTTL", "estimate_tokens", "plan_cache"]

CacheTTL = Literal["5m", "1h"]
_CHARS_PER_TOKEN = 4
TOOL_SYSTEM_PROMPT_TOKENS = 346
"""Tokens the API adds for the tool-use system prompt (Claude 4 models, `auto` tool choice): part of the prefix."""


def estimate_tokens(value: object) -> int:
    """Estimated tokens of a JSON value (compact JSON characters / 4, rounded up)."""
    if isinstance(value, str):
        return math.ceil(len(value) / _CHARS_PER_TOKEN)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=jsonable)
    return math.ceil(len(text) / _CHARS_PER_TOKEN)


@dataclass(frozen=True)
class CachePlan:
    """The request's tools, system blocks and messages, with breakpoints placed (inputs are left untouched)."""

    tools: list[ToolParam]
    system: list[TextBlockParam]
    messages: list[MessageParam]
    breakpoints: int


def _marked_message(message: MessageParam, marker: CacheControlEphemeralParam) -> MessageParam:
    blocks = [dict(b) for b in content_blocks(message)]
    blocks[-1]["cache_control"] = marker
    return cast("MessageParam", {"role": message["role"], "content": blocks})


def plan_cache(
    *,
    tools: Sequence[ToolParam],
    system: str,
    context: str,
    messages: Sequence[MessageParam],
    min_tokens: int,
    ttl: CacheTTL = "5m",
) -> CachePlan:
    """Mark the end of the static prefix (tools + system prompt) and the last message block, when long enough.

    Args:
        tools: The tool definitions, sent first.
        system: The cached system prompt.
        context: The per-conversation system block sent after it (never marked: it changes).
        messages: The conversation, ending with the newest message.
        min_tokens: The model's minimum cacheable prefix.
        ttl: The breakpoints' time to live.

    Returns:
        Copies with at most two breakpoints.
    """
    marker: CacheControlEphemeralParam = {"type": "ephemeral"} if ttl == "5m" else {"type": "ephemeral", "ttl": ttl}
    out_tools = [cast("ToolParam", dict(t)) for t in tools]
    out_system: list[TextBlockParam] = [{"type": "text", "text": system}] if system else []
    if context:
        out_system.append({"type": "text", "text": context})
    out_messages = list(messages)
    static = estimate_tokens(list(tools)) + estimate_tokens(system) + (TOOL_SYSTEM_PROMPT_TOKENS if tools else 0)
    total = static + estimate_tokens(context) + estimate_tokens(list(messages))
    breakpoints = 0
    if static >= min_tokens and (system or out_tools):
        if system:
            out_system[0] = {**out_system[0], "cache_control": marker}
        else:
            out_tools[-1] = cast("ToolParam", {**out_tools[-1], "cache_control": marker})
        breakpoints += 1
    if total >= min_tokens and out_messages:
        out_messages[-1] = _marked_message(out_messages[-1], marker)
        breakpoints += 1
    return CachePlan(out_tools, out_system, out_messages, breakpoints)
