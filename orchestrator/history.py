"""The history invariant: a conversation is stored only in a shape the Messages API accepts."""

import json
from collections.abc import Sequence
from typing import cast

from anthropic.types import MessageParam
from pydantic import BaseModel

from .api_rules import InvalidRequest, validate_request

__all__ = ["history_problems"]


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"not JSON: {type(value).__name__}")


def history_problems(messages: Sequence[MessageParam]) -> list[str]:
    """What the API would refuse in `messages` sent as the next request (empty when it is a valid history).

    Checked: the first message is the customer's, roles alternate, every `tool_use` has its `tool_result` in the
    next message and every `tool_result` answers a `tool_use` of the previous one, no empty text.
    """
    plain = cast(list[object], json.loads(json.dumps(list(messages), default=_plain)))
    try:
        validate_request({"model": "history-check", "max_tokens": 1, "messages": plain})
    except InvalidRequest as exc:
        return [str(exc)]
    return []
