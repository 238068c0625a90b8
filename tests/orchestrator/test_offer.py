"""The customer-facing catalog: compact, strict where accepted, deferred tools on request, context filled in."""

import json
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from anthropic.types import ToolParam
from mcp.server import MCPServer

from orchestrator import Orchestrator, load_settings
from orchestrator.hooks import TurnContext
from orchestrator.llm.api_rules import check_strict_schema, validate_request
from orchestrator.registry.catalog import compact_tool, offered_tools
from orchestrator.registry.offer import LOAD_TOOLS, ToolOffer
from orchestrator.registry.registry import ServerRegistry
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use

from .support import ROOT, in_memory, real_targets, settings_for

pytestmark = pytest.mark.anyio

JORDAN = "jordan.lee@example.com"
BUDGET_CHARS = 9000
"""The goal for the tools array the customer-facing model is sent on every call (it was 19,530)."""


def _shipped(tmp_path: Path) -> Any:
    environ = {"SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'orchestrator.db'}"}
    return load_settings(ROOT / "config" / "switchboard.toml", environ)


async def _offered(tmp_path: Path, ctx: TurnContext) -> list[ToolParam]:
    settings = _shipped(tmp_path)
    async with ServerRegistry(settings.enabled_servers, targets=real_targets(tmp_path)) as registry:
        return ToolOffer(registry, settings.enabled_servers).definitions(ctx)


async def test_the_shipped_catalog_is_lean_strict_and_free_of_agent_tools(tmp_path: Path) -> None:
    tools = await _offered(tmp_path, TurnContext("c1"))
    names = [t["name"] for t in tools]
    assert len(json.dumps(tools)) <= BUDGET_CHARS
    assert {"lookup_order", "create_ticket", "search_faq", "process_refund", "escalate_to_human"} <= set(names)
    assert not {"claim_handoff", "list_handoff_queue", "resolve_handoff"} & set(names)  # human-agent tools
    assert names[-1] == LOAD_TOOLS and "list_tickets" not in names  # deferred until loaded
    assert '"title"' not in json.dumps(tools) and "Args:" not in json.dumps(tools)
    strict = [t for t in tools if t.get("strict")]
    assert len(strict) >= len(tools) - 1  # all but escalate_to_human, whose `context` is a free-form map
    for tool in strict:
        check_strict_schema(dict(tool["input_schema"]), tool["name"])
    escalate = next(t for t in tools if t["name"] == "escalate_to_human")
    properties = cast(dict[str, Any], cast(dict[str, Any], escalate["input_schema"])["properties"])
    assert "conversation_id" not in properties and "sentiment_trend" not in properties


def test_a_docstring_tool_is_compacted_with_each_argument_described_once() -> None:
    tool: ToolParam = {
        "name": "lookup_order",
        "description": (
            "Look up an order.\n\n        Use it whenever the customer asks about an order.\n\n"
            "        Args:\n            order_id: The order number, e.g. ORD-78432.\n"
            "            customer_email: The email address on the order,\n"
            "                as the customer typed it.\n        "
        ),
        "input_schema": {
            "type": "object",
            "title": "lookup_orderArguments",
            "properties": {
                "order_id": {"type": "string", "title": "Order Id", "pattern": "^ORD-\\d{5}$", "description": "Id."},
                "customer_email": {
                    "anyOf": [{"type": "string", "maxLength": 254}, {"type": "null"}],
                    "default": None,
                    "title": "Customer Email",
                },
                "status": {"type": "string", "enum": ["open", "closed"], "title": "Status"},
            },
            "required": ["order_id"],
        },
    }
    compact = compact_tool(tool)
    assert compact == {
        "name": "lookup_order",
        "description": "Look up an order.\n\nUse it whenever the customer asks about an order.",
        "input_schema": {
            "type": "object",
            "properties": {
                "order_id": {
                    "type": "string",
                    "pattern": "^ORD-\\d{5}$",
                    "description": "The order number, e.g. ORD-78432.",
                },
                "customer_email": {
                    "type": "string",
                    "description": "The email address on the order, as the customer typed it.",
                },
                "status": {"enum": ["open", "closed"]},
            },
            "required": ["order_id"],
        },
    }
    [strict] = offered_tools([tool])
    assert strict.get("strict") is True
    assert strict["input_schema"].get("additionalProperties") is False
    assert cast(dict[str, Any], tool["input_schema"])["title"] == "lookup_orderArguments"  # input not modified


def test_strict_stops_at_the_per_request_limits() -> None:
    many = [
        cast(
            ToolParam,
            {
                "name": f"tool_{i}",
                "description": "A tool.",
                "input_schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
            },
        )
        for i in range(15)
    ]
    offered = offered_tools(many)
    assert sum(1 for t in offered if t.get("strict")) == 12  # 24 optional parameters at most, two per tool


async def test_deferred_tools_are_offered_from_the_call_after_load_tools_and_stay(tmp_path: Path) -> None:
    model = ScriptedModel(
        [
            tool_use((LOAD_TOOLS, {"names": ["list_tickets", "nonexistent"]})),
            text_reply("I can now look at your tickets."),
            text_reply("Anything else?"),
        ]
    )
    async with Orchestrator.open(_shipped(tmp_path), model=model, targets=real_targets(tmp_path)) as orch:
        cid = orch.start()
        with anyio.fail_after(20):
            await orch.respond(cid, "What tickets do I have?")
            await orch.respond(cid, "ok")
    offered = [[t["name"] for t in call.tools] for call in model.calls]
    assert "list_tickets" not in offered[0]
    assert "list_tickets" in offered[1] and "list_tickets" in offered[2]  # kept for the rest of the conversation
    assert "get_ticket" not in offered[2]
    result = cast(list[dict[str, Any]], model.calls[1].messages[-1]["content"])[0]
    assert result["is_error"] is False and "list_tickets" in result["content"]
    model.assert_complete()


async def test_the_orchestrator_fills_the_conversation_id_the_model_cannot_know(tmp_path: Path) -> None:
    escalate: dict[str, object] = {
        "reason": "Customer asked for a person.",
        "priority": "normal",
        "conversation_summary": "Wants a human.",
    }
    model = ScriptedModel(
        [
            tool_use(("escalate_to_human", {**escalate, "conversation_id": "forged-by-the-model"})),
            text_reply("A colleague will join."),
            tool_use(("escalate_to_human", escalate)),
            text_reply("You are still in the queue."),
        ]
    )
    async with Orchestrator.open(_shipped(tmp_path), model=model, targets=real_targets(tmp_path)) as orch:
        cid = orch.start()
        with anyio.fail_after(20):
            await orch.respond(cid, "I want a human")
            await orch.respond(cid, "Still waiting")
        handoffs = await orch.registry.call_hidden("escalation", "list_handoff_queue", {})
    second = cast(list[dict[str, Any]], model.calls[3].messages[-1]["content"])[0]
    assert json.loads(str(second["content"]))["already_open"] is True  # same conversation id: same handoff
    queued = cast(dict[str, Any], handoffs.structured_content)["items"]
    assert [h["conversation_id"] for h in queued] == [cid]  # the real id, not the model's
    model.assert_complete()


async def test_a_server_tool_named_load_tools_is_renamed_so_the_built_in_one_still_works(tmp_path: Path) -> None:
    vendor = MCPServer("vendor")

    @vendor.tool()
    def load_tools(pallets: int) -> str:
        """Load pallets onto the next truck."""
        return f"{pallets} pallets loaded"

    settings = settings_for(tmp_path, [in_memory("tickets", deferred_tools=["list_tickets"]), in_memory("vendor")])
    targets = {**real_targets(tmp_path, ["tickets"]), "vendor": lambda: vendor}
    model = ScriptedModel(
        [
            tool_use((LOAD_TOOLS, {"names": ["list_tickets"]}), ("vendor__load_tools", {"pallets": 2})),
            text_reply("Done."),
        ]
    )
    async with Orchestrator.open(settings, model=model, targets=targets) as orch:
        with anyio.fail_after(20):
            await orch.respond(orch.start(), "What tickets do I have?")
    tools = list(model.calls[0].tools)
    validate_request(  # the API refuses a tools array with a repeated name: every call would fail
        {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    )
    assert [t["name"] for t in tools].count(LOAD_TOOLS) == 1
    results = cast(list[dict[str, Any]], model.calls[1].messages[-1]["content"])
    assert [(r["is_error"], r["content"]) for r in results] == [
        (False, "Loaded: list_tickets. They are available from your next step."),
        (False, json.dumps({"result": "2 pallets loaded"})),
    ]
    assert "list_tickets" in [t["name"] for t in model.calls[1].tools]
    model.assert_complete()


async def test_the_orchestrator_fills_the_sentiment_trend_whatever_the_model_sends(tmp_path: Path) -> None:
    forged: dict[str, object] = {
        "reason": "Broken headphones.",
        "priority": "normal",
        "conversation_summary": "ORD-78432 stopped working.",
        "sentiment_trend": "improving",
    }
    model = ScriptedModel(
        [
            text_reply("Great to hear!"),
            text_reply("I'm sorry. Let me see."),
            tool_use(("escalate_to_human", forged)),
            text_reply("A colleague will join."),
        ]
    )
    async with Orchestrator.open(
        _shipped(tmp_path), model=model, targets=real_targets(tmp_path), policies=True
    ) as orch:
        cid = orch.start()
        with anyio.fail_after(30):
            await orch.respond(cid, "My ORD-78432 headphones arrived and they are wonderful, thank you so much!")
            await orch.respond(cid, "Now ORD-78432 stopped working, this is terrible and I am furious")
            await orch.respond(cid, "ORD-78432 is still broken, this is awful")
        queue = await orch.registry.call_hidden("escalation", "list_handoff_queue", {})
        (item,) = cast(dict[str, Any], queue.structured_content)["items"]
        handoff = await orch.registry.call_hidden("escalation", "get_handoff", {"handoff_id": item["handoff_id"]})
    model.assert_complete()
    trend = cast(dict[str, Any], handoff.structured_content)["sentiment_trend"]
    assert trend == "deteriorating"  # the trend of the scored messages, not the model's word
