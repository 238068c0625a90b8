"""State lives in SQL: a restarted server loses nothing, and two servers on one PostgreSQL work as one."""

import importlib
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest
from mcp.server import MCPServer

from mcp_servers._common.runner import parse_args
from orchestrator.registry.registry import TargetFactory
from orchestrator.settings import WebConfig
from switchboard_common.storage import Database
from tests.orchestrator.support import SERVERS
from tests.web.support import AGENT, FLAGSHIP, Customer, Served, live, serve, targets_for, web_settings
from tests.web.test_chat_api import GatedModel

pytestmark = pytest.mark.anyio


async def test_a_restarted_server_keeps_conversations_handoffs_and_streams(tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    async with serve(settings, targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        await customer.say(FLAGSHIP[0])
        await customer.say("I'd like to talk to a human agent, please.")
        hid = (await served.client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]["handoff_id"]
        await served.client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
        before = await customer.transcript()

    async with serve(settings, targets_for(tmp_path)) as served:
        customer.client = served.client
        after = await customer.transcript()
        async with live(served.client, f"{customer.path}/events", customer.headers) as stream:
            joined = await stream.wait_for("agent_joined")
            await served.client.post(
                f"/api/agent/handoffs/{hid}/reply", json={"text": "Still here after the restart."}, headers=AGENT
            )
            message = await stream.wait_for("agent_message")
        queue = (await served.client.get("/api/agent/queue", headers=AGENT)).json()

    assert after == before
    assert after["status"] == "with_human" and after["agent"] == "sam.rivera"
    assert joined[1] == {"agent": "sam.rivera"}
    assert message[1]["text"] == "Still here after the restart."
    assert [h["handoff_id"] for h in queue["claimed"]] == [hid]


@contextmanager
def _pg_targets(url: str) -> Generator[dict[str, TargetFactory]]:
    """The five servers on PostgreSQL, their connection pools closed afterwards."""
    databases: list[Database] = []
    targets: dict[str, TargetFactory] = {}
    for name in SERVERS:
        main = importlib.import_module(f"mcp_servers.{name}.__main__")
        db = Database(url)
        databases.append(db)
        server: MCPServer = main.build(db, parse_args(name, ["--demo"], {}, getattr(main, "add_arguments", None)))
        targets[name] = lambda server=server: server
    try:
        yield targets
    finally:
        for db in databases:
            db.dispose()


@pytest.mark.postgres
async def test_two_servers_on_one_postgres_deliver_an_agent_reply_across_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    # A keepalive far beyond the test's bounds: only LISTEN/NOTIFY can deliver the events in time.
    web = WebConfig(keepalive_s=300)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    settings_a = web_settings(tmp_path / "a", database_url=postgres_url, web=web)
    settings_b = web_settings(tmp_path / "b", database_url=postgres_url, web=web)
    with _pg_targets(postgres_url) as targets_a, _pg_targets(postgres_url) as targets_b:
        async with serve(settings_a, targets_a) as server_a, serve(settings_b, targets_b) as server_b:
            await _across(server_a, server_b)


@pytest.mark.postgres
async def test_a_turn_running_on_one_server_blocks_a_second_message_on_the_other(
    tmp_path: Path, postgres_url: str
) -> None:
    model = GatedModel()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    settings_a = web_settings(tmp_path / "a", database_url=postgres_url)
    settings_b = web_settings(tmp_path / "b", database_url=postgres_url)
    with _pg_targets(postgres_url) as targets_a, _pg_targets(postgres_url) as targets_b:
        async with serve(settings_a, targets_a, model=model) as server_a, serve(settings_b, targets_b) as server_b:
            customer = Customer(server_a.client)
            await customer.start()
            path = f"{customer.path}/messages"
            headers = customer.headers
            async with server_a.client.stream("POST", path, json={"text": FLAGSHIP[0]}, headers=headers) as first:
                with anyio.fail_after(10):
                    await model.entered.wait()
                on_b = await server_b.client.post(path, json={"text": "hello?"}, headers=headers)
                model.gate.set()
                await first.aread()
            customer.client = server_b.client
            after = await customer.say(FLAGSHIP[1])  # the slot is free again, for either server
    assert on_b.status_code == 409 and on_b.json()["error"]["code"] == "conflict"
    assert after[-1][0] == "done"


async def _across(server_a: Served, server_b: Served) -> None:
    with anyio.fail_after(10):
        await server_a.hub.listening.wait()
        await server_b.hub.listening.wait()
    customer = Customer(server_b.client)  # the customer is connected to B
    await customer.start()
    await customer.say(FLAGSHIP[0])
    await customer.say("I'd like to talk to a human agent, please.")
    agent = server_a.client  # the agent works on A
    async with (
        live(server_b.client, f"{customer.path}/events", customer.headers) as to_customer,
        live(agent, "/api/agent/events", AGENT) as to_agent,
    ):
        hid = (await agent.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]["handoff_id"]
        await agent.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
        joined = await to_customer.wait_for("agent_joined")
        await agent.post(f"/api/agent/handoffs/{hid}/reply", json={"text": "Hello from A."}, headers=AGENT)
        message = await to_customer.wait_for("agent_message")
        relayed = await customer.say("Hi A, this is B.")
        from_customer = await to_agent.wait_for("customer_message")
    assert joined[1] == {"agent": "sam.rivera"}
    assert message[1]["text"] == "Hello from A."
    assert relayed[0][0] == "relayed"
    assert (
        from_customer[1]["text"] == "Hi A, this is B."
        and from_customer[1]["conversation_id"] == customer.conversation_id
    )
