"""Masks PII in messages before they are stored: the transcript keeps the conversation readable, not the data."""

from collections.abc import Sequence
from typing import Any, cast

from anthropic.types import MessageParam

from .policy.pii import mask

__all__ = ["mask_message", "mask_value"]


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
        return cast(MessageParam, {"role": message["role"], "content": mask(content)})
    blocks: list[dict[str, Any]] = []
    for block in cast(Sequence[dict[str, Any]], content):
        masked = dict(block)
        for key in ("text", "input", "content"):
            if key in masked:
                masked[key] = mask_value(masked[key])
        blocks.append(masked)
    return cast(MessageParam, {"role": message["role"], "content": blocks})
