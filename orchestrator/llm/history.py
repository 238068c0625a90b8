"""What a conversation may hold: messages in a shape the Messages API accepts, text a database can store."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from .api_rules import InvalidRequest, validate_request

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = ["content_blocks", "history_problems", "jsonable", "unstorable"]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What in `text` no database can store: "a NUL character", "an unpaired surrogate", or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "an unpaired surrogate (invalid Unicode)"


def jsonable(value: object) -> object:
    """`json.dumps` default: SDK models (a response's blocks sent back as they are) in their JSON form."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return str(value)


def content_blocks(message: MessageParam) -> list[dict[str, Any]]:
    """A message's content as a list of blocks (a plain string is one text block)."""
    content = message["content"]
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [cast(dict[str, Any], block) for block in content]


def history_problems(messages: Sequence[MessageParam]) -> list[str]:
    """What the API would refuse in `messages` sent as the next request (empty when it is a valid history).

    Checked: the first message is the customer's, roles alternate, every `tool_use` has its `tool_result` in the
    next message and every `tool_result` answers a `tool_use` of the previous one, no empty text.
    """
    plain = cast(list[object], json.loads(json.dumps(list(messages), default=jsonable)))
    try:
        validate_request({"model": "history-check", "max_tokens": 1, "messages": plain})
    except InvalidRequest as exc:
        return [str(exc)]
    return []
