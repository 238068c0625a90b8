"""A confirmed refund whose server is unavailable: a plain "Shall I try again?", one retry, money moved once."""

import json
import sqlite3
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
from mcp.server import MCPServer

from orchestrator import Orchestrator
from orchestrator.errors import ServerUnavailableError
from orchestrator.llm.model import ModelClient
from orchestrator.offline import OfflineModel
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use

from .support import SERVERS, in_memory, real_server_factory, real_targets, settings_for

pytestmark = pytest.mark.anyio

ASK = (
    "Hi, the headphones from my order ORD-78432 arrived broken and I want a refund. My email is jordan.lee@example.com."
)
INTERNALS = ("MCP", "tool_output", "unavailable:", "server", "connection", "nothing was sent", "Traceback")


class Switch:
    """A refunds target that can be taken down: while down, every (re)connect fails."""

    def __init__(self, url: str) -> None:
        self.server = real_server_factory("refunds", url)
        self.down = False

    def __call__(self) -> MCPServer:
        if self.down:
            raise OSError("refunds backend unreachable")
        return self.server()


def refunds_of(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "servers.db") as db:
        return db.execute("SELECT count(*) FROM refunds_refunds WHERE order_id = 'ORD-78432'").fetchone()[0]


async def take_down(orch: Orchestrator, switch: Switch) -> None:
    switch.down = True
    with pytest.raises(ServerUnavailableError):
        await orch.registry.reconnect("refunds")


async def bring_up(orch: Orchestrator, switch: Switch) -> None:
    switch.down = False
    with anyio.fail_after(10):
        await orch.registry.wait_for("refunds", "connected")


def assert_plain(text: str) -> None:
    assert not [word for word in INTERNALS if word in text], text


@asynccontextmanager
async def support(tmp_path: Path, model: ModelClient | None = None) -> AsyncGenerator[tuple[Orchestrator, Switch]]:
    servers = [in_memory(n, reconnect_wait_s=0.2, reconnect_backoff_s=0.01) for n in SERVERS]
    targets = real_targets(tmp_path)
    switch = Switch(f"sqlite:///{tmp_path / 'servers.db'}")
    targets["refunds"] = switch
    async with Orchestrator.open(
        settings_for(tmp_path, servers), model=model or OfflineModel(), targets=targets, policies=True
    ) as orch:
        yield orch, switch


async def test_a_refund_whose_server_is_down_is_offered_again_and_moves_money_once(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with support(tmp_path) as (orch, switch):
            first = orch.start()
            assert (await orch.respond(first, ASK)).text.endswith("Shall I go ahead with the refund?")
            await take_down(orch, switch)
            failed = await orch.respond(first, "Yes, please go ahead.")
            assert failed.text.startswith("I'm sorry, our refunds system isn't responding right now")
            assert failed.text.endswith("Shall I try again?")
            assert_plain(failed.text)
            note = failed.tool_calls[0].content
            assert failed.tool_calls[0].is_error and "nothing was changed" in note and "<tool_output" not in note
            assert refunds_of(tmp_path) == 0
            await bring_up(orch, switch)
            done = await orch.respond(first, "yes")
            assert done.text.startswith("Done: $89.99 has been refunded") and refunds_of(tmp_path) == 1
            assert [(c.name, c.is_error, c.refused) for c in done.tool_calls] == [("process_refund", False, False)]
            stored = json.dumps([m.param for m in orch.store.messages(first)])
            assert "MCP server" not in stored


async def test_a_retry_that_fails_too_is_not_offered_a_third_time(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with support(tmp_path) as (orch, switch):
            conversation = orch.start()
            await orch.respond(conversation, ASK)
            await take_down(orch, switch)
            await orch.respond(conversation, "Yes, please go ahead.")
            again = await orch.respond(conversation, "yes")
            assert [(c.name, c.is_error, c.refused) for c in again.tool_calls] == [("process_refund", True, False)]
            assert again.text.startswith("I'm sorry, our refunds system still isn't responding")
            assert_plain(again.text)
            await bring_up(orch, switch)
            last = await orch.respond(conversation, "yes")
            assert not [c for c in last.tool_calls if c.name == "process_refund" and not c.refused]
            assert refunds_of(tmp_path) == 0


async def test_with_claude_the_kept_confirmation_allows_the_same_call_once_and_nothing_else(tmp_path: Path) -> None:
    refund: dict[str, object] = {
        "order_id": "ORD-78432",
        "reason": "defective",
        "customer_email": "jordan.lee@example.com",
    }
    model = ScriptedModel(
        [
            tool_use(("lookup_order", {"order_id": "ORD-78432", "customer_email": "jordan.lee@example.com"})),
            text_reply("I can refund $89.99 to your Visa ending 4242. Shall I go ahead with the refund?"),
            tool_use(("process_refund", refund)),  # the refunds server is down: nothing is sent
            text_reply("Sorry, our refunds system is not responding. Shall I try again?"),
            tool_use(("process_refund", {**refund, "reason": "other"})),  # not the same call: refused
            tool_use(("process_refund", refund)),  # the same call: allowed once
            text_reply("Done: $89.99 refunded."),
        ]
    )
    with anyio.fail_after(60):
        async with support(tmp_path, model) as (orch, switch):
            conversation = orch.start()
            await orch.respond(conversation, ASK)
            await take_down(orch, switch)
            failed = await orch.respond(conversation, "Yes, please go ahead.")
            assert_plain(failed.text)
            await bring_up(orch, switch)
            done = await orch.respond(conversation, "yes")
    assert [(c.is_error, c.refused) for c in done.tool_calls] == [(True, True), (False, False)]
    assert "exactly as before" in done.tool_calls[0].content
    assert done.text == "Done: $89.99 refunded." and refunds_of(tmp_path) == 1
    model.assert_complete()
