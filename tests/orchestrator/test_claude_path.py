"""The real Claude path: the orchestrator with `AnthropicModel` and the SDK against a fake Messages API."""

import json
from pathlib import Path
from typing import Any, cast

import anyio
import httpx2
import pytest
from anthropic import AsyncAnthropic

from orchestrator import Orchestrator
from orchestrator.errors import ModelError
from orchestrator.events import Event, TextDelta
from orchestrator.llm.anthropic_model import AnthropicModel
from orchestrator.settings import ModelConfig, Price
from orchestrator.testing.fake_api import FakeMessagesAPI, error_body, text_message, tool_use_message

from .support import in_memory, real_targets, settings_for

pytestmark = pytest.mark.anyio

JORDAN = "jordan.lee@example.com"
PRICES = {"claude-sonnet-4-6": Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)}


def _model(fake: FakeMessagesAPI, config: ModelConfig) -> AnthropicModel:
    client = AsyncAnthropic(
        api_key="sk-test",
        base_url="http://fake-api",
        max_retries=1,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
    )
    return AnthropicModel(config, client=client)


async def test_parallel_tool_round_trip_streams_and_fills_the_ledger(tmp_path: Path) -> None:
    fake = FakeMessagesAPI(
        tool_use_message(
            ("lookup_order", {"order_id": "ORD-78432", "customer_email": JORDAN}),
            ("search_faq", {"query": "bluetooth headphones won't connect"}),
            cache_creation_input_tokens=1200,
        ),
        text_message(
            "Your ProMax headphones were delivered; here is how to reset Bluetooth.",
            cache_read_input_tokens=1200,
            input_tokens=400,
            output_tokens=60,
        ),
    )
    config = ModelConfig(prices=PRICES)
    settings = settings_for(tmp_path, [in_memory("orders"), in_memory("faq")], model=config)
    deltas: list[str] = []

    async def collect(event: Event) -> None:
        if isinstance(event, TextDelta):
            deltas.append(event.text)

    with anyio.fail_after(20):
        async with Orchestrator.open(
            settings, model=_model(fake, config), targets=real_targets(tmp_path, ["orders", "faq"])
        ) as orch:
            cid = orch.start()
            reply = await orch.respond(cid, "ORD-78432 jordan.lee@example.com my headphones won't pair", emit=collect)
            ledger = orch.store.ledger(cid)
    fake.assert_complete()
    assert "".join(deltas) == reply.text
    _, first = fake.requests[0]
    assert cast(list[dict[str, Any]], first["system"])[0]["cache_control"] == {"type": "ephemeral"}
    assert all("cache_control" not in t for t in cast(list[dict[str, Any]], first["tools"]))  # system covers them
    tail = cast(list[dict[str, Any]], cast(list[dict[str, Any]], first["messages"])[-1]["content"])[-1]
    assert tail["cache_control"] == {"type": "ephemeral"}
    assert first["model"] == "claude-sonnet-4-6"
    _, second = fake.requests[1]
    sent = cast(list[dict[str, Any]], second["messages"])
    results = cast(list[dict[str, Any]], sent[-1]["content"])
    uses = [b for b in cast(list[dict[str, Any]], sent[-2]["content"]) if b["type"] == "tool_use"]
    assert [r["tool_use_id"] for r in results] == [u["id"] for u in uses]
    assert [r["is_error"] for r in results] == [False, False]
    assert json.loads(results[0]["content"])["status"] == "delivered"
    assert json.loads(results[1]["content"])["results"][0]["slug"] == "promax-headphones-bluetooth-reset"
    assert [(e.usage.cache_creation_input_tokens, e.usage.cache_read_input_tokens) for e in ledger] == [
        (1200, 0),
        (0, 1200),
    ]
    assert ledger[1].cost_usd == pytest.approx((400 * 3.0 + 60 * 15.0 + 1200 * 0.3) / 1_000_000)


async def test_an_overloaded_api_is_retried_by_the_sdk(tmp_path: Path) -> None:
    fake = FakeMessagesAPI(
        (529, error_body("overloaded_error", "busy"), {"retry-after-ms": "1"}), text_message("Hello!")
    )
    config = ModelConfig()
    settings = settings_for(tmp_path, [in_memory("orders")], model=config)
    async with Orchestrator.open(
        settings, model=_model(fake, config), targets=real_targets(tmp_path, ["orders"])
    ) as orch:
        reply = await orch.respond(orch.start(), "hi")
    assert reply.text == "Hello!"
    assert len(fake.requests) == 2


async def test_a_rejected_key_is_a_clear_error_and_stores_nothing(tmp_path: Path) -> None:
    fake = FakeMessagesAPI((401, error_body("authentication_error", "invalid x-api-key")))
    config = ModelConfig()
    settings = settings_for(tmp_path, [in_memory("orders")], model=config)
    async with Orchestrator.open(
        settings, model=_model(fake, config), targets=real_targets(tmp_path, ["orders"])
    ) as orch:
        cid = orch.start()
        with pytest.raises(ModelError, match="key") as caught:
            await orch.respond(cid, "hi")
        assert orch.store.messages(cid) == []
    assert caught.value.status_code == 401
    assert "sk-test" not in str(caught.value)
