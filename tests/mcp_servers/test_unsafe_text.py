"""NUL characters and lone surrogates: refused with a clear tool error by every server but refunds, nothing written."""

import importlib
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, MCPError
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from sqlalchemy import text

from mcp_servers._common.runner import parse_args
from mcp_servers._common.text import find_unsafe_text, reject_unsafe_text
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

GUARDED = ["orders", "tickets", "faq", "escalation"]
NUL = "a\x00b"
SURROGATE = "a\ud800b"
NUL_MESSAGE = "the text contains a NUL character (\\u0000); remove it and send the text again."
SURROGATE_MESSAGE = "the text contains an unpaired surrogate (invalid Unicode); remove it and send the text again."


@pytest.mark.parametrize(
    "value", ["plain", "", "émoji 🎧 ok", "tab\tand\nnewline", "\ufffd replacement char", "\U0001f600"]
)
def test_ordinary_text_passes_unchanged(value: str) -> None:
    assert reject_unsafe_text(value, "note") is value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (NUL, NUL_MESSAGE),
        ("\x00", NUL_MESSAGE),
        (SURROGATE, SURROGATE_MESSAGE),
        ("low \udfff", SURROGATE_MESSAGE),
    ],
)
def test_nul_and_lone_surrogates_are_refused_by_name_without_echoing_the_value(value: str, message: str) -> None:
    with pytest.raises(ToolError) as caught:
        reject_unsafe_text(value, "note")
    assert str(caught.value) == f"note: {message}"


def test_nested_values_are_named_by_their_path() -> None:
    with pytest.raises(ToolError, match=r"^context\.items\[1\]: the text contains a NUL"):
        find_unsafe_text({"items": ["ok", NUL]}, "context")
    with pytest.raises(ToolError, match=r"^context \(a key\): the text contains an unpaired"):
        find_unsafe_text({SURROGATE: "ok"}, "context")
    find_unsafe_text({"a": [1, 2.5, None, True, {"b": "fine"}]}, "context")  # no error


@asynccontextmanager
async def _server(name: str, database_url: str) -> AsyncGenerator[tuple[Client, Database]]:
    main = importlib.import_module(f"mcp_servers.{name}.__main__")
    db = Database(database_url)
    try:
        server: MCPServer = main.build(db, parse_args(name, ["--demo"], {}, getattr(main, "add_arguments", None)))
        async with Client(server, mode="legacy") as client:
            yield client, db
    finally:
        db.dispose()


def _text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


def _takes_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "string" or o.get("type") == "object" for o in options)


@pytest.mark.parametrize("name", GUARDED)
async def test_every_text_argument_of_every_tool_refuses_nul_and_surrogates(name: str, database_url: str) -> None:
    checked = 0
    async with _server(name, database_url) as (client, _db):
        for tool in (await client.list_tools()).tools:
            for field, schema in tool.input_schema["properties"].items():
                if not _takes_text(schema):
                    continue
                for bad, message in ((NUL, NUL_MESSAGE), (SURROGATE, SURROGATE_MESSAGE)):
                    value: object = {"note": bad} if schema.get("type") == "object" else bad
                    result = await client.call_tool(tool.name, {field: value})
                    assert result.is_error, (tool.name, field)
                    where = f"{field}.note" if isinstance(value, dict) else field
                    assert _text(result) == f"Error executing tool {tool.name}: {where}: {message}"
                    checked += 1
    assert checked >= 4


async def test_a_refused_ticket_writes_nothing(database_url: str) -> None:
    arguments = {
        "subject": "Headphones stopped charging",
        "category": "technical",
        "priority": "medium",
        "description": "It stopped charging on day two.",
        "customer_email": "jordan.lee@example.com",
    }
    async with _server("tickets", database_url) as (client, db):
        before = _count(db, "tickets_tickets")
        refused = await client.call_tool("create_ticket", {**arguments, "description": "It stopped \x00 charging."})
        surrogate = await client.call_tool("create_ticket", {**arguments, "subject": "Broken \udc00"})
        after_refusals = _count(db, "tickets_tickets")
        accepted = await client.call_tool("create_ticket", arguments)

    assert refused.is_error and surrogate.is_error
    assert after_refusals == before
    assert not accepted.is_error and _count_after(database_url, "tickets_tickets") == before + 1


async def test_a_refused_escalation_writes_nothing(database_url: str) -> None:
    arguments = {"reason": "Wants a person", "priority": "normal", "conversation_summary": "Asked for a human."}
    async with _server("escalation", database_url) as (client, db):
        refused = await client.call_tool("escalate_to_human", {**arguments, "context": {"order_id": "ORD-\x0078432"}})
        count = _count(db, "escalation_handoffs")

    assert refused.is_error
    assert _text(refused) == f"Error executing tool escalate_to_human: context.order_id: {NUL_MESSAGE}"
    assert count == 0


async def test_a_resource_read_with_a_nul_is_refused_as_invalid_params(tmp_path: Path) -> None:
    async with _server("faq", f"sqlite:///{tmp_path / 'faq.db'}") as (client, _db):
        with pytest.raises(MCPError) as caught:
            await client.read_resource("faq://articles/refund\x00-timing")
    assert "uri: the text contains a NUL character" in str(caught.value)


def _count(db: Database, table: str) -> int:
    with db.read() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _count_after(database_url: str, table: str) -> int:
    db = Database(database_url)
    try:
        return _count(db, table)
    finally:
        db.dispose()
