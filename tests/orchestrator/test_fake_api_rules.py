"""The fake Messages API refuses what the real one refuses, and bills the prompt cache as Claude does."""

from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from orchestrator.llm.api_rules import InvalidRequest, validate_request
from orchestrator.testing.fake_api import CacheAccounting, FakeMessagesAPI, JSONObject, text_message

pytestmark = pytest.mark.anyio

USE = {"type": "tool_use", "id": "toolu_1", "name": "lookup_order", "input": {"order_id": "ORD-78432"}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "{}"}
SCHEMA: dict[str, Any] = {"type": "object", "properties": {"order_id": {"type": "string"}}}
TOOL: dict[str, Any] = {"name": "lookup_order", "input_schema": SCHEMA}


def _body(messages: list[Any], **extra: Any) -> JSONObject:
    return {"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": messages, **extra}


@dataclass(frozen=True)
class Case:
    id: str
    body: JSONObject
    error: str


INVALID = [
    Case("assistant first", _body([{"role": "assistant", "content": "Hi"}]), "first message"),
    Case("two user turns", _body([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]), "alternate"),
    Case(
        "orphan tool_use",
        _body(
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": [USE]},
                {"role": "user", "content": "b"},
            ]
        ),
        "without `tool_result`",
    ),
    Case(
        "orphan tool_use at the end",
        _body([{"role": "user", "content": "a"}, {"role": "assistant", "content": [USE]}]),
        "without",
    ),
    Case(
        "tool_result for nothing",
        _body(
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "user", "content": [RESULT]},
            ]
        ),
        "unexpected `tool_use_id`",
    ),
    Case(
        "text before the tool_result",
        _body(
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": [USE]},
                {"role": "user", "content": [{"type": "text", "text": "b"}, RESULT]},
            ]
        ),
        "must come before",
    ),
    Case("empty text block", _body([{"role": "user", "content": [{"type": "text", "text": " "}]}]), "non-whitespace"),
    Case(
        "trailing whitespace in a prefill",
        _body([{"role": "user", "content": "a"}, {"role": "assistant", "content": "Sure "}]),
        "trailing whitespace",
    ),
    Case("temperature", _body([{"role": "user", "content": "a"}], temperature=0.2), "Extra inputs"),
    Case(
        "five breakpoints",
        _body(
            [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": t, "cache_control": {"type": "ephemeral"}} for t in "abcde"],
                }
            ]
        ),
        "maximum of 4",
    ),
    Case(
        "1h after 5m",
        _body(
            [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                }
            ],
            system=[{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
        ),
        "1h cache breakpoint",
    ),
    Case(
        "bad tool name", _body([{"role": "user", "content": "a"}], tools=[{**TOOL, "name": "orders.lookup"}]), "pattern"
    ),
    Case("repeated tool", _body([{"role": "user", "content": "a"}], tools=[TOOL, TOOL]), "unique"),
    Case(
        "strict without additionalProperties",
        _body([{"role": "user", "content": "a"}], tools=[{**TOOL, "strict": True}]),
        "additionalProperties",
    ),
    Case(
        "strict with maxLength",
        _body(
            [{"role": "user", "content": "a"}],
            tools=[
                {
                    **TOOL,
                    "strict": True,
                    "input_schema": {
                        "type": "object",
                        "properties": {"q": {"type": "string", "maxLength": 5}},
                        "additionalProperties": False,
                    },
                }
            ],
        ),
        "maxLength",
    ),
    Case(
        "forced unknown tool",
        _body([{"role": "user", "content": "a"}], tools=[TOOL], tool_choice={"type": "tool", "name": "x"}),
        "no tool named",
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in INVALID])
def test_requests_the_real_api_refuses_are_refused(case: Case) -> None:
    with pytest.raises(InvalidRequest, match=None) as refused:
        validate_request(case.body)
    assert case.error in str(refused.value)


def test_a_valid_tool_round_trip_with_a_prefill_passes() -> None:
    validate_request(
        _body(
            [
                {"role": "user", "content": "Where is ORD-78432?"},
                {"role": "assistant", "content": [{"type": "text", "text": "Checking."}, USE]},
                {"role": "user", "content": [RESULT, {"type": "text", "text": "and quickly"}]},
                {"role": "assistant", "content": "It was"},
            ],
            tools=[{**TOOL, "strict": True, "input_schema": {**SCHEMA, "additionalProperties": False}}],
        )
    )


async def test_an_invalid_request_is_a_400_that_consumes_no_step_and_fails_assert_complete() -> None:
    fake = FakeMessagesAPI(text_message("Hi"))
    client = AsyncAnthropic(
        api_key="k",
        base_url="http://fake",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
    )
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.create(
            model="claude-sonnet-4-6", max_tokens=10, messages=[{"role": "assistant", "content": "x"}]
        )
    await client.close()
    assert fake.remaining == 1
    assert len(fake.rejected) == 1
    with pytest.raises(AssertionError, match="rejected an invalid request"):
        fake.assert_complete()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _cached(text: str, *more: JSONObject) -> JSONObject:
    return _body(
        [{"role": "user", "content": "Hi"}, *more],
        system=[{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}],
    )


def test_a_prefix_below_the_minimum_is_never_cached() -> None:
    cache = CacheAccounting(min_tokens={"claude-sonnet-4-6": 2048})
    short = _cached("x" * 4000)  # about 1,000 tokens
    assert cache.usage(short)["cache_creation_input_tokens"] == 0
    assert cache.usage(short)["cache_read_input_tokens"] == 0


def test_a_long_prefix_is_written_then_read_until_it_expires() -> None:
    clock = Clock()
    cache = CacheAccounting(min_tokens={"claude-sonnet-4-6": 1024}, clock=clock)
    body = _cached("x" * 8000)
    first: dict[str, Any] = cache.usage(body)
    clock.now += 240
    second = cache.usage(body)
    clock.now += 299  # read at 240 refreshed the 5-minute lifetime
    third = cache.usage(body)
    clock.now += 301
    expired: dict[str, Any] = cache.usage(body)
    assert first["cache_creation_input_tokens"] > 2000 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert third["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert expired["cache_read_input_tokens"] == 0 and expired["cache_creation_input_tokens"] > 0


def test_a_one_hour_breakpoint_is_reported_apart() -> None:
    cache = CacheAccounting(min_tokens={"claude-sonnet-4-6": 1024})
    body = _body(
        [{"role": "user", "content": "Hi"}],
        system=[{"type": "text", "text": "x" * 8000, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
    )
    usage = cache.usage(body)
    assert usage["cache_creation"] == {
        "ephemeral_5m_input_tokens": 0,
        "ephemeral_1h_input_tokens": usage["cache_creation_input_tokens"],
    }


def test_a_hit_must_end_within_twenty_blocks_of_a_breakpoint() -> None:
    cache = CacheAccounting(min_tokens={"claude-sonnet-4-6": 1024})
    cache.usage(_cached("x" * 8000))
    turns: list[dict[str, Any]] = []
    for n in range(11):  # 22 more blocks, none marked
        turns += [{"role": "assistant", "content": f"a{n}"}, {"role": "user", "content": f"u{n}"}]
    tail = turns[-1]
    marked = {
        "role": "user",
        "content": [{"type": "text", "text": str(tail["content"]), "cache_control": {"type": "ephemeral"}}],
    }
    body = _body([{"role": "user", "content": "Hi"}, *turns[:-1], marked])  # breakpoint only on the tail
    body["system"] = [{"type": "text", "text": "x" * 8000}]
    assert cache.usage(body)["cache_read_input_tokens"] == 0  # the system prefix ends 23 blocks before it
