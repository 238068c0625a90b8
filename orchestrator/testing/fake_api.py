"""A scripted fake of the Anthropic Messages API that speaks the real HTTP/JSON and SSE formats.

It lets the real `anthropic` SDK (retries, streaming accumulation, error classes) run in tests with no
network and no key. Three ways to plug it in:

- no socket: `AsyncAnthropic(api_key="test", base_url="http://fake-api",
  http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)))`;
- ASGI, no socket: `httpx2.AsyncClient(transport=httpx2.ASGITransport(fake.asgi_app()))`;
- a real socket: serve `fake.asgi_app()` with uvicorn on `127.0.0.1` and set `base_url` (or
  `ANTHROPIC_BASE_URL`) to `http://127.0.0.1:<port>`.

Each `POST /v1/messages` consumes one scripted step, in order:

- a Message dict (see the builders `text_message`, `tool_use_message`, ...): sent as JSON, or as the full
  `text/event-stream` event sequence when the request has `"stream": true`. A missing `model` is filled in
  with the requested one, so prices and labels line up;
- `(status, error_body)` or `(status, error_body, headers)`: an HTTP error (e.g. `(529,
  error_body("overloaded_error", "busy"))`); add `{"retry-after-ms": "1"}` to keep SDK retries fast;
- an error body alone (`error_body(...)`): with streaming, a 200 stream that fails after `message_start`
  with an `error` event (not retried by the SDK); without streaming, the status matching the error type;
- an `Exception` (e.g. `httpx2.ConnectError("down")`): raised by `handle`, which the SDK sees as a network
  failure (only meaningful through `MockTransport`);
- a callable taking the request body and returning one of the above, to reply based on what was sent.

A request past the last step gets an HTTP 500 (with `x-should-retry: false`) and is recorded, so
`assert_complete()` fails with a message naming it. `POST /v1/messages/count_tokens` answers an estimate and
consumes no step.

The fake is strict: a request the real API would refuse (roles out of order, a `tool_use` without its
`tool_result`, a `tool_result` for no `tool_use`, more than four cache breakpoints, an unsupported strict schema,
unknown fields; see `api_rules`) gets the API's 400 `invalid_request_error`, consumes no step, and is
recorded in `rejected`, so `assert_complete()` fails on it too. With `cache=CacheAccounting(...)` the usage of
every reply is computed from the request as Claude would bill it (prompt-cache reads and writes with each model's
minimum cacheable length, tokens estimated from characters) instead of taken from the script.

Example:
    fake = FakeMessagesAPI(tool_use_message(("lookup_order", {"order_id": "A1"})), text_message("Shipped."))
    ...  # run the code under test against it
    headers, body = fake.requests[0]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    fake.assert_complete()
"""

import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import cast

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..llm.api_rules import InvalidRequest, validate_request
from ._fake_cache import CacheAccounting, estimate_tokens

__all__ = [
    "CacheAccounting",
    "FakeMessagesAPI",
    "JSONObject",
    "Reply",
    "Step",
    "cut_tool_use_message",
    "error_body",
    "interrupted_stream",
    "max_tokens_message",
    "message",
    "refusal_message",
    "sse_stream",
    "text_message",
    "tool_use_message",
]

JSONObject = dict[str, object]
Reply = JSONObject | tuple[int, JSONObject] | tuple[int, JSONObject, Mapping[str, str]] | Exception
"""What the fake answers to one request (see the module docstring)."""
Step = Reply | Callable[[JSONObject], Reply]
"""One scripted step: a reply, or a function of the request body returning one."""

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}
_SSE = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
_PARTIAL = "_fake_partial"
"""Marks the truncated part of a cut `tool_use` or of an interrupted stream (never sent as a field)."""


def _new_id(prefix: str) -> str:
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
    return _message(list(blocks), stop_reason, stop_details, usage)


def _message(
    blocks: list[JSONObject], stop_reason: str, stop_details: JSONObject | None, usage: Mapping[str, int]
) -> JSONObject:
    result: JSONObject = {
        "id": _new_id("msg"),
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
    return _message([{"type": "text", "text": text}], "end_turn", None, usage)


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
        {"type": "tool_use", "id": _new_id("toolu"), "name": name, "input": args} for name, args in calls
    ]
    return _message(blocks + uses, "tool_use", None, usage)


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
    return _message(blocks, "refusal", details, usage)


def max_tokens_message(text: str, **usage: int) -> JSONObject:
    """A text answer cut off by `max_tokens`.

    Args:
        text: The partial answer.
        **usage: Usage fields (see `message`).

    Returns:
        The Message dict.
    """
    return _message([{"type": "text", "text": text}], "max_tokens", None, usage)


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
    blocks.append({"type": "tool_use", "id": _new_id("toolu"), "name": name, "input": {}, _PARTIAL: partial_json})
    return _message(blocks, "max_tokens", None, usage)


def interrupted_stream(text: str, error_type: str = "overloaded_error", message: str = "Overloaded") -> JSONObject:
    """A 200 stream that sends `text` as deltas, then fails with an `error` event (without streaming: the error).

    Args:
        text: What reaches the client before the error (may be empty: the error is then the first event).
        error_type: The API error type of the `error` event.
        message: Its message.

    Returns:
        An error body carrying the text sent before it.
    """
    return {**error_body(error_type, message), _PARTIAL: text}


def _object(value: object, what: str) -> JSONObject:
    if not isinstance(value, dict):
        raise TypeError(f"FakeMessagesAPI: {what} must be a JSON object, got {type(value).__name__}")
    return cast(JSONObject, value)


def _objects(value: object, what: str) -> list[JSONObject]:
    if not isinstance(value, list):
        raise TypeError(f"FakeMessagesAPI: {what} must be a list, got {type(value).__name__}")
    return [_object(item, what) for item in cast(list[object], value)]


def _event(name: str, data: JSONObject) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"


def _text_chunks(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


def _json_chunks(value: object) -> list[str]:
    """The tool input as JSON in three pieces, so the SDK has to accumulate partial JSON."""
    raw = json.dumps(value, ensure_ascii=False)
    cut1, cut2 = len(raw) // 3, 2 * len(raw) // 3
    return [piece for piece in (raw[:cut1], raw[cut1:cut2], raw[cut2:]) if piece]


def _block_events(index: int, block: JSONObject) -> list[str]:
    kind = block.get("type")
    if kind == "text":
        start: JSONObject = {**block, "text": ""}
        deltas: list[JSONObject] = [{"type": "text_delta", "text": t} for t in _text_chunks(str(block["text"]))]
    elif kind == "tool_use":
        start = {k: v for k, v in block.items() if k != _PARTIAL}
        start["input"] = {}
        if _PARTIAL in block:
            deltas = [{"type": "input_json_delta", "partial_json": str(block[_PARTIAL])}]
        else:
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _json_chunks(block.get("input", {}))]
    else:  # other block types arrive whole in content_block_start
        start, deltas = block, []
    return [
        _event("content_block_start", {"index": index, "content_block": start}),
        *(_event("content_block_delta", {"index": index, "delta": delta}) for delta in deltas),
        _event("content_block_stop", {"index": index}),
    ]


def _message_start(msg: JSONObject) -> str:
    usage = _object(msg.get("usage", {}), "usage")
    output_tokens = usage.get("output_tokens", 0)
    start_usage = {**usage, "output_tokens": min(1, output_tokens) if isinstance(output_tokens, int) else 0}
    start: JSONObject = {**msg, "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}
    start.pop("stop_details", None)
    return _event("message_start", {"message": start}) + _event("ping", {})


def sse_stream(msg: JSONObject) -> str:
    """The `text/event-stream` body the API sends for a finished message.

    message_start (usage with cache fields), ping, then per block content_block_start / _delta (text split by
    word, tool input JSON in three pieces) / _stop, message_delta (stop reason, output tokens), message_stop.
    """
    delta: JSONObject = {"stop_reason": msg.get("stop_reason"), "stop_sequence": msg.get("stop_sequence")}
    if "stop_details" in msg:
        delta["stop_details"] = msg["stop_details"]
    usage = _object(msg.get("usage", {}), "usage")
    events = [_message_start(msg)]
    for index, block in enumerate(_objects(msg.get("content", []), "content")):
        events += _block_events(index, block)
    events.append(_event("message_delta", {"delta": delta, "usage": {"output_tokens": usage.get("output_tokens", 0)}}))
    events.append(_event("message_stop", {}))
    return "".join(events)


class FakeMessagesAPI:
    """A scripted Messages API; see the module docstring for the step kinds.

    Attributes:
        requests: `(headers, body)` of every `POST /v1/messages`, in order (header names lower-case).
        count_requests: `(headers, body)` of every `POST /v1/messages/count_tokens`.
        unexpected: One message per request that arrived after the script ran out.
        rejected: The 400 message of every request refused as invalid (it consumed no step).
        cache: The prompt-cache accounting, when usage is computed rather than scripted.
    """

    def __init__(self, *steps: Step, cache: CacheAccounting | None = None) -> None:
        self._steps: list[Step] = list(steps)
        self._scripted = len(steps)
        self.requests: list[tuple[dict[str, str], JSONObject]] = []
        self.count_requests: list[tuple[dict[str, str], JSONObject]] = []
        self.unexpected: list[str] = []
        self.rejected: list[str] = []
        self.cache = cache

    @property
    def remaining(self) -> int:
        """Steps not consumed yet."""
        return len(self._steps)

    def add(self, *steps: Step) -> None:
        """Append steps to the script."""
        self._steps.extend(steps)
        self._scripted += len(steps)

    def assert_complete(self) -> None:
        """Fail when steps were never requested, requests came after the script ran out, or any was invalid.

        Raises:
            AssertionError: naming what is left over, unexpected or rejected.
        """
        problems = [f"FakeMessagesAPI: rejected an invalid request: {r}" for r in self.rejected]
        problems += self.unexpected
        if self._steps:
            problems.append(f"FakeMessagesAPI: {len(self._steps)} of {self._scripted} scripted steps never requested")
        if problems:
            raise AssertionError("; ".join(problems))

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one HTTP request (the handler for `httpx2.MockTransport`).

        Args:
            request: The request the SDK sent.

        Returns:
            The scripted response: JSON, an SSE stream, or an error.

        Raises:
            Exception: the scripted exception, when the step is one.
        """
        path = request.url.path
        if request.method != "POST" or not path.endswith((MESSAGES_PATH, COUNT_TOKENS_PATH)):
            return self._error(404, error_body("not_found_error", f"FakeMessagesAPI: no route {request.method} {path}"))
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            body = _object(json.loads(request.content or b"{}"), "request body")
        except (ValueError, TypeError) as exc:
            return self._error(400, error_body("invalid_request_error", f"FakeMessagesAPI: bad JSON: {exc}"))
        if path.endswith(COUNT_TOKENS_PATH):
            self.count_requests.append((headers, body))
            counted = self.cache.input_tokens(body) if self.cache else max(1, len(json.dumps(body)) // 4)
            return httpx2.Response(200, json={"input_tokens": counted})
        self.requests.append((headers, body))
        try:
            validate_request(body)
        except InvalidRequest as exc:
            self.rejected.append(str(exc))
            return self._error(400, error_body("invalid_request_error", str(exc)))
        if not self._steps:
            note = (
                f"FakeMessagesAPI: unexpected request #{len(self.requests)}: "
                f"all {self._scripted} scripted steps were already used"
            )
            self.unexpected.append(note)
            return self._error(500, error_body("api_error", note), {"x-should-retry": "false"})
        step = self._steps.pop(0)
        reply = step(body) if callable(step) else step
        return self._reply(reply, body)

    def _reply(self, reply: Reply, body: JSONObject) -> httpx2.Response:
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, tuple):
            return self._error(reply[0], reply[1], reply[2] if len(reply) == 3 else None)
        streaming = body.get("stream") is True
        if reply.get("type") == "error":
            error_type = _object(reply.get("error", {}), "error").get("type")
            if not streaming:
                return self._error(
                    _ERROR_STATUS.get(str(error_type), 500), {k: v for k, v in reply.items() if k != _PARTIAL}
                )
            opening = _message_start(
                {**_message([], "end_turn", None, {"output_tokens": 0}), "model": body.get("model")}
            )
            sent = str(reply.get(_PARTIAL) or "")
            if sent:  # the text block starts and streams, then the error cuts it off
                block = _block_events(0, {"type": "text", "text": sent})
                opening += "".join(block[:-1])
            return self._response(200, content=opening + _event("error", {"error": reply["error"]}), headers=_SSE)
        msg = dict(reply)
        if msg.get("model") is None:
            msg["model"] = body.get("model")
        if self.cache is not None:
            output = estimate_tokens(
                [{k: v for k, v in b.items() if k != _PARTIAL} for b in _objects(msg.get("content", []), "content")]
            )
            msg["usage"] = {**self.cache.usage(body), "output_tokens": output}
        if not streaming:
            msg["content"] = [
                {k: v for k, v in b.items() if k != _PARTIAL} for b in _objects(msg.get("content", []), "content")
            ]
        if streaming:
            return self._response(200, content=sse_stream(msg), headers=_SSE)
        return self._response(200, content=json.dumps(msg), headers={"content-type": "application/json"})

    def _response(self, status: int, *, content: str, headers: Mapping[str, str]) -> httpx2.Response:
        return httpx2.Response(status, content=content.encode(), headers={**headers, "request-id": _new_id("req")})

    def _error(self, status: int, body: JSONObject, headers: Mapping[str, str] | None = None) -> httpx2.Response:
        return self._response(
            status, content=json.dumps(body), headers={"content-type": "application/json", **(headers or {})}
        )

    def asgi_app(self) -> Starlette:
        """A Starlette app serving the same endpoints, for uvicorn or `httpx2.ASGITransport`.

        Returns:
            The app; every path goes to `handle`, which answers 404 for unknown routes.
        """

        async def endpoint(request: Request) -> Response:
            forwarded = httpx2.Request(
                request.method, str(request.url), headers=request.headers.raw, content=await request.body()
            )
            reply = self.handle(forwarded)
            headers = {name: value for name, value in reply.headers.items() if name.lower() != "content-length"}
            return Response(reply.content, status_code=reply.status_code, headers=headers)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])])
