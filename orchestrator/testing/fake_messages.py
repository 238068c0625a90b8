"""The Message bodies the fake Messages API answers with: builders for a script's steps (see `fake_api`)."""

import uuid
from collections.abc import Mapping

__all__ = [
    "JSONObject",
    "PARTIAL_KEY",
    "build_message",
    "cut_tool_use_message",
    "error_body",
    "fake_id",
    "interrupted_stream",
    "max_tokens_message",
    "message",
    "refusal_message",
    "text_message",
    "tool_use_message",
]

JSONObject = dict[str, object]
PARTIAL_KEY = "_fake_partial"
"""Marks the truncated part of a cut `tool_use` or of an interrupted stream (never sent as a field)."""


def fake_id(prefix: str) -> str:
    """A fresh id with the API's prefix (`msg`, `toolu`, `req`), marked as the fake's."""
    return f"{prefix}_fake{uuid.uuid4().hex[:20]}"


def error_body(error_type: str, message: str) -> JSONObject:
    """The API's error body, e.g. `error_body("rate_limit_error", "slow down")`.

    Args:
        error_type: The API error type (`overloaded_error`, `rate_limit_error`, `authentication_error`, ...).
        message: The human-readable message.

    Returns:
        `{"type": "error", "error": {"type": error_type, "message": message}}`.
    """
    return {"type": "error", "error": {"type": error_type, "message": message}}


def message(
    *blocks: JSONObject,
    stop_reason: str = "end_turn",
    stop_details: JSONObject | None = None,
    **usage: int,
) -> JSONObject:
    """A Message dict with the given content blocks (the model is filled in from the request).

    Args:
        *blocks: Content blocks as the API sends them (`{"type": "text", "text": ...}`, ...).
        stop_reason: Why the model stopped.
        stop_details: Structured stop information (e.g. the refusal category).
        **usage: Usage fields; `input_tokens` defaults to 10 and `output_tokens` to 5. Cache fields are
            absent unless given, as when the API omits them.

    Returns:
        The Message as a JSON-ready dict.
    """
    return build_message(list(blocks), stop_reason, stop_details, usage)


def build_message(
    blocks: list[JSONObject], stop_reason: str, stop_details: JSONObject | None, usage: Mapping[str, int]
) -> JSONObject:
    """A Message dict of `blocks` (usage defaults filled in)."""
    result: JSONObject = {
        "id": fake_id("msg"),
        "type": "message",
        "role": "assistant",
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5, **usage},
    }
    if stop_details is not None:
        result["stop_details"] = stop_details
    return result


def text_message(text: str, **usage: int) -> JSONObject:
    """A plain text answer (`stop_reason` `end_turn`).

    Args:
        text: The answer.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict.
    """
    return build_message([{"type": "text", "text": text}], "end_turn", None, usage)


def tool_use_message(*calls: tuple[str, JSONObject], text: str | None = None, **usage: int) -> JSONObject:
    """A response asking for one or more tool calls (ids `toolu_...`), optionally after some text.

    Args:
        *calls: `(tool name, input)` pairs, one `tool_use` block each, in order.
        text: Text the model says before calling the tools.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict (`stop_reason` `tool_use`).
    """
    blocks: list[JSONObject] = [{"type": "text", "text": text}] if text else []
    uses: list[JSONObject] = [
        {"type": "tool_use", "id": fake_id("toolu"), "name": name, "input": args} for name, args in calls
    ]
    return build_message(blocks + uses, "tool_use", None, usage)


def refusal_message(
    text: str = "", *, category: str | None = None, explanation: str | None = None, **usage: int
) -> JSONObject:
    """A response the model stopped with `stop_reason` `refusal`.

    Args:
        text: Any text produced before the refusal (no text block when empty).
        category: The refusal category in `stop_details` (`cyber`, `bio`, ...), or None.
        explanation: The explanation in `stop_details`, or None.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict.
    """
    blocks: list[JSONObject] = [{"type": "text", "text": text}] if text else []
    details: JSONObject = {"type": "refusal", "category": category, "explanation": explanation}
    return build_message(blocks, "refusal", details, usage)


def max_tokens_message(text: str, **usage: int) -> JSONObject:
    """A text answer cut off by `max_tokens`.

    Args:
        text: The partial answer.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict.
    """
    return build_message([{"type": "text", "text": text}], "max_tokens", None, usage)


def cut_tool_use_message(name: str, partial_json: str, *, text: str | None = None, **usage: int) -> JSONObject:
    """A response cut off by `max_tokens` in the middle of a `tool_use` block's input.

    Streamed, the input arrives as the truncated JSON `partial_json` (which the SDK parses as far as it can);
    as plain JSON the block's input is empty.

    Args:
        name: The tool the model was calling.
        partial_json: The start of the input JSON, e.g. `'{"order_id": "ORD-7'`.
        text: Text the model said before the call.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict (`stop_reason` `max_tokens`).
    """
    blocks: list[JSONObject] = [{"type": "text", "text": text}] if text else []
    blocks.append({"type": "tool_use", "id": fake_id("toolu"), "name": name, "input": {}, PARTIAL_KEY: partial_json})
    return build_message(blocks, "max_tokens", None, usage)


def interrupted_stream(text: str, error_type: str = "overloaded_error", message: str = "Overloaded") -> JSONObject:
    """A 200 stream that sends `text` as deltas, then fails with an `error` event (without streaming: the error).

    Args:
        text: What reaches the client before the error (may be empty: the error is then the first event).
        error_type: The API error type of the `error` event.
        message: Its message.

    Returns:
        An error body carrying the text sent before it.
    """
    return {**error_body(error_type, message), PARTIAL_KEY: text}
