"""AnthropicModel drives the real anthropic SDK against FakeMessagesAPI (MockTransport, ASGI, and one real socket)."""
# pyright: reportPrivateUsage=false

import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import cast

import anthropic
import anyio
import httpx2
import pytest
import uvicorn
from anthropic import AsyncAnthropic
from anthropic.types import MessageParam, ToolParam
from anthropic.types import TextBlock as SdkTextBlock
from pydantic import SecretStr

from orchestrator.errors import ModelError, ModelStreamInterrupted
from orchestrator.events import Usage
from orchestrator.llm.anthropic_model import AnthropicModel
from orchestrator.llm.caching import estimate_tokens
from orchestrator.llm.model import ModelClient, ModelRequest
from orchestrator.settings import ModelConfig, Price, load_settings
from orchestrator.storage.ledger import cost_usd, usage_of
from orchestrator.testing.fake_api import (
    CacheAccounting,
    FakeMessagesAPI,
    JSONObject,
    Reply,
    error_body,
    interrupted_stream,
    max_tokens_message,
    refusal_message,
    sse_stream,
    text_message,
    tool_use_message,
)
from orchestrator.wire import TextBlock, ToolUseBlock

from .support import ROOT

pytestmark = pytest.mark.anyio

KEY = "sk-ant-test-0123456789-not-a-real-key"
CONFIG = ModelConfig(main="claude-sonnet-4-6", max_retries=0, request_timeout_s=5)
USER: list[MessageParam] = [{"role": "user", "content": "Where is order A1?"}]
LOOKUP: ToolParam = {
    "name": "lookup_order",
    "description": "Look up an order by id.",
    "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
}
SEARCH: ToolParam = {
    "name": "search_faq",
    "description": "Search the help articles.",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}

ModelFactory = Callable[..., AnthropicModel]


@pytest.fixture
async def model_for() -> AsyncIterator[ModelFactory]:
    """Builds an AnthropicModel whose SDK client talks to a fake through MockTransport (no socket)."""
    clients: list[AsyncAnthropic] = []

    def build(fake: FakeMessagesAPI, *, max_retries: int = 0, config: ModelConfig = CONFIG) -> AnthropicModel:
        client = AsyncAnthropic(
            api_key=KEY,
            base_url="http://fake-api",
            max_retries=max_retries,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
        )
        clients.append(client)
        return AnthropicModel(config, client=client)

    yield build
    for client in clients:
        await client.close()


def _request(messages: list[MessageParam] = USER) -> ModelRequest:
    return ModelRequest(
        model="claude-sonnet-4-6", system="You are Switchboard.", messages=messages, tools=(LOOKUP, SEARCH)
    )


class Deltas:
    """An on_text callback that records what it receives."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def __call__(self, text: str) -> None:
        self.received.append(text)


async def test_text_reply_streams_deltas_in_order_and_returns_the_final_message(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(text_message("Your order A1 shipped on Monday.", input_tokens=42, output_tokens=9))
    deltas = Deltas()

    reply = await model_for(fake).create(_request(), on_text=deltas)

    assert deltas.received == ["Your ", "order ", "A1 ", "shipped ", "on ", "Monday."]
    assert reply.stop_reason == "end_turn"
    assert reply.model == "claude-sonnet-4-6"
    assert [(b.type, b.text) for b in reply.content if isinstance(b, TextBlock)] == [
        ("text", "Your order A1 shipped on Monday.")
    ]
    assert usage_of(reply) == Usage(input_tokens=42, output_tokens=9)
    fake.assert_complete()


async def test_a_short_prefix_gets_no_cache_breakpoint_and_no_metadata_or_temperature_is_sent(
    model_for: ModelFactory,
) -> None:
    fake = FakeMessagesAPI(text_message("Hello."))
    request = ModelRequest(
        model="claude-haiku-4-5",
        system="You are Switchboard.",
        messages=USER,
        tools=(LOOKUP, SEARCH),
        max_tokens=300,
        metadata={"customer_email": "ada@example.com"},
    )

    await model_for(fake).create(request)

    [(headers, body)] = fake.requests
    assert body == {  # far below any model's minimum cacheable length: a breakpoint would do nothing
        "model": "claude-haiku-4-5",
        "max_tokens": 300,
        "stream": True,
        "system": [{"type": "text", "text": "You are Switchboard."}],
        "tools": [LOOKUP, SEARCH],
        "messages": [{"role": "user", "content": "Where is order A1?"}],
    }
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["anthropic-version"]
    assert "x-api-key" not in headers
    assert "ada@example.com" not in str(body)


async def test_a_long_prefix_is_cached_at_the_system_prompt_and_the_conversation_tail(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(text_message("Hello."))
    history: list[MessageParam] = [
        {"role": "user", "content": "Where is order A1?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Which email is on the order?"}]},
        {"role": "user", "content": "ada@example.com"},
    ]
    request = ModelRequest(
        model="claude-sonnet-4-6",
        system="You are Switchboard. " * 500,
        context="Verified customer: ada@example.com",
        messages=history,
        tools=(LOOKUP, SEARCH),
    )

    await model_for(fake).create(request)

    [(_, body)] = fake.requests
    marker = {"type": "ephemeral"}
    assert body["system"] == [
        {"type": "text", "text": "You are Switchboard. " * 500, "cache_control": marker},
        {"type": "text", "text": "Verified customer: ada@example.com"},  # after the cached block, never marked
    ]
    assert body["tools"] == [LOOKUP, SEARCH]
    assert body["messages"] == [
        *history[:2],
        {"role": "user", "content": [{"type": "text", "text": "ada@example.com", "cache_control": marker}]},
    ]
    assert "cache_control" not in SEARCH and history[2]["content"] == "ada@example.com"  # inputs not mutated
    fake.assert_complete()


async def test_the_shipped_config_places_no_breakpoint_below_each_model_s_minimum(
    model_for: ModelFactory,
) -> None:
    shipped = load_settings(ROOT / "config" / "switchboard.toml", {"SWITCHBOARD_DATABASE_URL": "sqlite://"}).model
    prices = shipped.prices
    assert (prices["claude-sonnet-4-6"].min_cache_tokens, prices["claude-haiku-4-5"].min_cache_tokens) == (2048, 4096)
    assert all(p.cache_write_1h == 2 * p.input for p in prices.values())  # the 1-hour TTL is priced
    system = "You rate and summarise support conversations. " * 260  # about 3,000 estimated tokens
    fake = FakeMessagesAPI(text_message("a"), text_message("b"), text_message("c"))
    model = model_for(fake, config=shipped)
    for model_id, cache in (("claude-haiku-4-5", True), ("claude-sonnet-4-6", True), ("claude-sonnet-4-6", False)):
        await model.create(ModelRequest(model=model_id, system=system, messages=USER, cache=cache))
    haiku, sonnet, one_off = (body for _, body in fake.requests)
    assert "cache_control" not in json.dumps(haiku)  # below Haiku 4.5's 4,096: a breakpoint would do nothing
    assert "cache_control" in json.dumps(sonnet)  # above Sonnet 4.6's 2,048
    assert "cache_control" not in json.dumps(one_off)  # a one-off call never pays for a cache write
    fake.assert_complete()


async def test_the_tool_use_system_prompt_counts_towards_the_minimum(model_for: ModelFactory) -> None:
    shipped = load_settings(ROOT / "config" / "switchboard.toml", {"SWITCHBOARD_DATABASE_URL": "sqlite://"}).model
    tools = [LOOKUP, SEARCH]
    system = "a" * 4 * (4000 - estimate_tokens(tools))  # 4,000 estimated tokens with the tools: below 4,096 alone
    fake = FakeMessagesAPI(text_message("Hello."), cache=CacheAccounting())
    reply = await model_for(fake, config=shipped).create(
        ModelRequest(model="claude-haiku-4-5", system=system, messages=USER, tools=tools)
    )
    [(_, body)] = fake.requests
    assert "cache_control" in json.dumps(body["system"])  # 4,000 + the API's 346 tool-use tokens reach 4,096
    assert usage_of(reply).cache_creation_input_tokens > 0  # and Claude would really write it


async def test_a_one_hour_ttl_marks_the_breakpoints_and_its_writes_are_priced_apart(model_for: ModelFactory) -> None:
    shipped = load_settings(ROOT / "config" / "switchboard.toml", {"SWITCHBOARD_DATABASE_URL": "sqlite://"}).model
    config = shipped.model_copy(update={"cache_ttl": "1h"})
    fake = FakeMessagesAPI(text_message("Hello."), cache=CacheAccounting())
    system = "You are Switchboard. " * 600  # about 3,150 estimated tokens: above Sonnet 4.6's 2,048
    reply = await model_for(fake, config=config).create(
        ModelRequest(model="claude-sonnet-4-6", system=system, messages=USER)
    )
    [(_, body)] = fake.requests
    assert cast(list[JSONObject], body["system"])[0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    usage = usage_of(reply)
    assert usage.cache_creation_1h_input_tokens == usage.cache_creation_input_tokens > 0
    price = config.prices["claude-sonnet-4-6"]
    expected = (usage.input_tokens * price.input + usage.output_tokens * price.output) / 1e6
    expected += usage.cache_creation_input_tokens * 6.0 / 1e6  # the 1-hour write price, not the 5-minute 3.75
    assert cost_usd("claude-sonnet-4-6", usage, config.prices) == pytest.approx(expected)


async def test_tool_choice_is_sent_when_forced(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(tool_use_message(("search_faq", {"query": "returns"})))
    request = ModelRequest(
        model="claude-haiku-4-5",
        system="Rate it.",
        messages=USER,
        tools=(SEARCH,),
        tool_choice={"type": "tool", "name": "search_faq"},
    )

    await model_for(fake).create(request)

    assert fake.requests[0][1]["tool_choice"] == {"type": "tool", "name": "search_faq"}
    fake.assert_complete()


async def test_empty_system_prompt_and_no_tools_are_left_out(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(text_message("Hi."))

    await model_for(fake).create(ModelRequest(model="claude-sonnet-4-6", system="", messages=USER))

    [(_, body)] = fake.requests
    assert "system" not in body
    assert "tools" not in body


async def test_tool_use_input_is_rebuilt_from_chunked_json_and_round_trips(model_for: ModelFactory) -> None:
    arguments: JSONObject = {"order_id": "A1", "note": 'café "rush", 2×', "items": [1, {"sku": "X-9"}]}
    first = tool_use_message(("lookup_order", arguments), cache_creation_input_tokens=1200)
    assert sse_stream(first).count('"input_json_delta"') >= 2  # the SDK must accumulate partial JSON
    fake = FakeMessagesAPI(first, text_message("A1 is on its way."))
    model = model_for(fake)

    reply = await model.create(_request())

    [use] = reply.content
    assert isinstance(use, ToolUseBlock)
    assert (use.name, use.input, reply.stop_reason) == ("lookup_order", arguments, "tool_use")
    assert use.id.startswith("toolu_")
    history: list[MessageParam] = [
        *USER,
        reply.to_param(),
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": '{"status": "ok"}'}]},
    ]
    final = await model.create(_request(history))

    assert final.stop_reason == "end_turn"
    sent = fake.requests[1][1]["messages"]
    assert isinstance(sent, list)
    assert sent[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": use.id, "name": "lookup_order", "input": arguments}],
    }
    fake.assert_complete()


async def test_parallel_tool_use_blocks_come_back_in_order_after_the_text(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(
        tool_use_message(
            ("lookup_order", {"order_id": "A1"}), ("search_faq", {"query": "returns"}), text="Checking both."
        )
    )
    deltas = Deltas()

    reply = await model_for(fake).create(_request(), on_text=deltas)

    assert deltas.received == ["Checking ", "both."]
    assert [b.type for b in reply.content] == ["text", "tool_use", "tool_use"]
    uses = [(b.name, b.input) for b in reply.content if isinstance(b, ToolUseBlock)]
    assert uses == [("lookup_order", {"order_id": "A1"}), ("search_faq", {"query": "returns"})]
    assert len({b.id for b in reply.content if isinstance(b, ToolUseBlock)}) == 2


async def test_cache_usage_fields_map_to_usage(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(
        text_message("Shipped.", input_tokens=15, output_tokens=4, cache_read_input_tokens=900),
        text_message("Shipped.", input_tokens=15, output_tokens=4, cache_creation_input_tokens=1100),
    )
    model = model_for(fake)

    read = usage_of(await model.create(_request()))
    written = usage_of(await model.create(_request()))

    assert read == Usage(input_tokens=15, output_tokens=4, cache_read_input_tokens=900)
    assert written == Usage(input_tokens=15, output_tokens=4, cache_creation_input_tokens=1100)


async def test_overloaded_then_success_is_retried_by_the_sdk(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(
        (529, error_body("overloaded_error", "Overloaded"), {"retry-after-ms": "1"}), text_message("Back.")
    )

    reply = await model_for(fake, max_retries=1).create(_request())

    assert reply.stop_reason == "end_turn"
    assert [headers["x-stainless-retry-count"] for headers, _ in fake.requests] == ["0", "1"]
    fake.assert_complete()


@pytest.mark.parametrize(
    ("status", "error_type", "hint"),
    [
        (401, "authentication_error", "API key was rejected"),
        (403, "permission_error", "may not use model 'claude-sonnet-4-6'"),
        (404, "not_found_error", "does not know model 'claude-sonnet-4-6'"),
        (429, "rate_limit_error", "rate limit"),
        (500, "api_error", "failed (500)"),
        (529, "overloaded_error", "overloaded"),
        (400, "invalid_request_error", "rejected the request"),
    ],
)
async def test_http_errors_become_model_errors_with_status(
    model_for: ModelFactory, status: int, error_type: str, hint: str
) -> None:
    fake = FakeMessagesAPI((status, error_body(error_type, "nope")))

    with pytest.raises(ModelError) as caught:
        await model_for(fake, max_retries=0).create(_request())

    assert caught.value.status_code == status
    assert hint in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(fake.requests) == 1


async def test_rejected_key_error_tells_the_user_what_to_check(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI((401, error_body("authentication_error", "invalid x-api-key")))

    with pytest.raises(ModelError) as caught:
        await model_for(fake, max_retries=2).create(_request())

    assert caught.value.status_code == 401
    assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert len(fake.requests) == 1  # 401 is not retried


async def test_error_event_inside_a_stream_becomes_a_model_error_when_retries_run_out(
    model_for: ModelFactory,
) -> None:
    fake = FakeMessagesAPI(error_body("overloaded_error", "Overloaded"))

    with pytest.raises(ModelError) as caught:
        await model_for(fake).create(_request(), on_text=Deltas())

    assert caught.value.status_code == 529
    assert "mid-response" in str(caught.value)
    assert not isinstance(caught.value, ModelStreamInterrupted)


async def test_an_error_event_before_any_text_is_retried_with_backoff() -> None:
    fake = FakeMessagesAPI(
        interrupted_stream("", "overloaded_error"),
        interrupted_stream("", "api_error", "Internal"),
        text_message("Shipped."),
    )
    client = AsyncAnthropic(
        api_key=KEY, base_url="http://fake-api", max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
    )  # fmt: skip
    config = ModelConfig(max_retries=2, retry_backoff_s=0)
    deltas = Deltas()

    reply = await AnthropicModel(config, client=client).create(_request(), on_text=deltas)

    assert deltas.received == ["Shipped."]
    assert reply.stop_reason == "end_turn"
    assert len(fake.requests) == 3
    fake.assert_complete()
    await client.close()


async def test_an_error_after_text_was_streamed_is_not_retried_and_carries_the_shown_text(
    model_for: ModelFactory,
) -> None:
    fake = FakeMessagesAPI(interrupted_stream("Your order A1 has ", "overloaded_error"))
    deltas = Deltas()

    with pytest.raises(ModelStreamInterrupted) as caught:
        await model_for(fake, max_retries=2).create(_request(), on_text=deltas)

    assert caught.value.partial_text == "Your order A1 has " == "".join(deltas.received)
    assert caught.value.status_code == 529
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("failure", "hint"),
    [(httpx2.ConnectError("connection refused"), "could not reach"), (httpx2.ReadTimeout("slow"), "within 5s")],
)
async def test_network_failures_become_model_errors_without_status(
    model_for: ModelFactory, failure: Exception, hint: str
) -> None:
    fake = FakeMessagesAPI(failure)

    with pytest.raises(ModelError) as caught:
        await model_for(fake).create(_request())

    assert caught.value.status_code is None
    assert hint in str(caught.value)


async def test_refusal_and_max_tokens_are_returned_as_they_are(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI(refusal_message(category="cyber"), max_tokens_message("Your order A1 has"))
    model = model_for(fake)

    refused = await model.create(_request())
    cut = await model.create(_request())

    assert (refused.stop_reason, refused.content) == ("refusal", [])
    assert refused.stop_details is not None
    assert refused.stop_details.category == "cyber"
    assert cut.stop_reason == "max_tokens"
    assert [b.text for b in cut.content if isinstance(b, TextBlock)] == ["Your order A1 has"]


async def test_a_step_can_reply_based_on_the_request(model_for: ModelFactory) -> None:
    def echo_tool_count(body: JSONObject) -> Reply:
        tools = body.get("tools")
        return text_message(f"{len(cast(list[object], tools)) if isinstance(tools, list) else 0} tools")

    fake = FakeMessagesAPI(echo_tool_count)

    reply = await model_for(fake).create(_request())

    assert [b.text for b in reply.content if isinstance(b, TextBlock)] == ["2 tools"]


async def test_running_out_of_steps_fails_the_call_and_assert_complete(model_for: ModelFactory) -> None:
    fake = FakeMessagesAPI()

    with pytest.raises(ModelError) as caught:
        await model_for(fake, max_retries=2).create(_request())

    assert caught.value.status_code == 500
    assert len(fake.requests) == 1  # x-should-retry: false stops the SDK retrying
    with pytest.raises(AssertionError, match="unexpected request #1"):
        fake.assert_complete()


def test_unconsumed_steps_fail_assert_complete() -> None:
    fake = FakeMessagesAPI(text_message("never asked"))

    with pytest.raises(AssertionError, match="1 of 1 scripted steps never requested"):
        fake.assert_complete()


async def test_fake_serves_plain_json_and_count_tokens_over_asgi() -> None:
    fake = FakeMessagesAPI(text_message("Plain."))
    transport = httpx2.ASGITransport(fake.asgi_app())
    async with AsyncAnthropic(
        api_key=KEY, base_url="http://fake-api", max_retries=0, http_client=httpx2.AsyncClient(transport=transport)
    ) as client:
        reply = await client.messages.create(model="claude-sonnet-4-6", max_tokens=64, messages=USER)
        counted = await client.messages.count_tokens(model="claude-sonnet-4-6", messages=USER)

    assert [b.text for b in reply.content if isinstance(b, SdkTextBlock)] == ["Plain."]
    assert counted.input_tokens > 0
    assert (len(fake.requests), len(fake.count_requests)) == (1, 1)
    assert "stream" not in fake.requests[0][1]


@pytest.mark.e2e
async def test_model_built_from_a_key_streams_from_the_fake_over_a_real_socket() -> None:
    fake = FakeMessagesAPI(tool_use_message(("lookup_order", {"order_id": "A1"})), text_message("On its way."))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections queue here until uvicorn accepts them: no start-up wait needed
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.asgi_app(), log_level="warning"))
    deltas = Deltas()
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                async with AnthropicModel(CONFIG, api_key=SecretStr(KEY), base_url=f"http://127.0.0.1:{port}") as model:
                    first = await model.create(_request())
                    second = await model.create(_request(), on_text=deltas)
                assert [(b.name, b.input) for b in first.content if isinstance(b, ToolUseBlock)] == [
                    ("lookup_order", {"order_id": "A1"})
                ]
                assert deltas.received == ["On ", "its ", "way."]
                assert second.stop_reason == "end_turn"
            finally:
                server.should_exit = True

    assert fake.requests[0][0]["authorization"] == f"Bearer {KEY}"
    fake.assert_complete()


async def test_building_without_a_key_or_client_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")  # never picked up implicitly

    with pytest.raises(ModelError, match="no Anthropic API key"):
        AnthropicModel(CONFIG)
    with pytest.raises(ModelError, match="no Anthropic API key"):
        AnthropicModel(CONFIG, api_key=SecretStr(""))
    async with AsyncAnthropic(api_key=KEY, base_url="http://fake-api") as client:
        with pytest.raises(ValueError, match="either"):
            AnthropicModel(CONFIG, api_key=SecretStr(KEY), client=client)


async def test_client_is_built_from_config_and_repr_hides_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/proxy")
    config = ModelConfig(main="claude-opus-4-8", max_retries=3, request_timeout_s=12.5)

    async with AnthropicModel(config, api_key=SecretStr(KEY)) as model:
        seam: ModelClient = model  # structurally a ModelClient
        client = model._client
        assert client.max_retries == 3
        assert client.timeout == anthropic.Timeout(12.5, connect=5)
        assert str(client.base_url) == "http://127.0.0.1:9/proxy/"  # base_url=None honours ANTHROPIC_BASE_URL
        assert (seam.label, seam.offline) == ("claude-opus-4-8", False)
        assert KEY not in repr(model)
        assert KEY not in str(model)
        assert repr(model) == "AnthropicModel(model='claude-opus-4-8', base_url='http://127.0.0.1:9/proxy/')"


SONNET = Price(input=3, output=15, cache_read=0.3, cache_write=3.75)
HAIKU = Price(input=1, output=5, cache_read=0.1, cache_write=1.25)
PRICES = {"claude-sonnet-4-6": SONNET, "claude-haiku-4-5": HAIKU, "claude": Price(input=100, output=100)}


@pytest.mark.parametrize(
    ("model", "usage", "expected"),
    [
        pytest.param("claude-sonnet-4-6", Usage(1_000_000, 0), 3.0, id="input"),
        pytest.param("claude-sonnet-4-6", Usage(0, 1_000_000), 15.0, id="output"),
        pytest.param("claude-sonnet-4-6", Usage(1000, 500, 2000, 4000), 0.0261, id="cache-read-and-write"),
        pytest.param("claude-haiku-4-5-20251001", Usage(0, 0, 1_000_000, 0), 0.1, id="dated-snapshot-uses-its-alias"),
        pytest.param("claude-sonnet-4-6", Usage(), 0.0, id="nothing"),
    ],
)
def test_cost_usd_prices_each_token_kind_per_million(model: str, usage: Usage, expected: float) -> None:
    assert cost_usd(model, usage, PRICES) == pytest.approx(expected)


def test_cost_usd_of_an_unpriced_model_is_none() -> None:
    assert cost_usd("claude-mystery-9", Usage(10, 10), PRICES) is None  # "claude" prices only "claude-YYYYMMDD"
    assert cost_usd("claude-sonnet-4-6-fast", Usage(10, 10), PRICES) is None
    assert cost_usd("claude-sonnet-4-6", Usage(10, 10), {}) is None
