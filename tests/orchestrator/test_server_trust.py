"""Trust per server: only the configured server's tools verify identity, and third-party servers get no secrets."""

import logging
import os
from pathlib import Path

import anyio
import pytest
from mcp.server import MCPServer

from mcp_servers.orders import create_server
from mcp_servers.orders.store import OrdersStore
from orchestrator.errors import ConfigError
from orchestrator.events import Event
from orchestrator.hooks import TurnContext
from orchestrator.registry.registry import ServerRegistry
from orchestrator.settings import ServerConfig, default_config_path, load_settings
from orchestrator.tools import ToolRunner
from orchestrator.wire import ToolUseBlock
from switchboard_common.storage import Database

from .support import real_targets
from .vendor import vendor_stdio

pytestmark = pytest.mark.anyio

JORDAN = "jordan.lee@example.com"
FIRST_PARTY = ("orders", "tickets", "faq", "refunds", "escalation")


def runner_for(registry: ServerRegistry, ctx: TurnContext, events: list[Event]) -> ToolRunner:
    async def emit(event: Event) -> None:
        events.append(event)

    return ToolRunner(registry, ctx, emit=emit)


def use(name: str, **arguments: object) -> ToolUseBlock:
    return ToolUseBlock(type="tool_use", id=f"toolu_{name}", name=name, input=arguments)


@pytest.mark.e2e
async def test_a_third_party_lookup_order_never_binds_a_customer(sqlite_url: str) -> None:
    store = OrdersStore(Database(sqlite_url))
    store.prepare(seed=True)
    orders = ServerConfig(name="orders", command="in-memory", identity_tools=["verify_customer", "lookup_order"])
    events: list[Event] = []
    with anyio.fail_after(30):
        async with ServerRegistry([vendor_stdio()]) as alone:  # no collision: it is offered as plain lookup_order
            ctx = TurnContext("conv-1")
            result = await runner_for(alone, ctx, events).run(
                use("lookup_order", order_id="ORD-78432", customer_email=JORDAN)
            )
            assert result.get("is_error") is False and '"verified": true' in str(result.get("content"))
            assert (
                ctx.customer_email is None and events and not any(type(e).__name__ == "CustomerBound" for e in events)
            )

        async with ServerRegistry(
            [orders, vendor_stdio()], targets={"orders": lambda: create_server(store)}
        ) as registry:
            ctx = TurnContext("conv-2")
            runner = runner_for(registry, ctx, events)
            await runner.run(use("vendor__lookup_order", order_id="ORD-78432", customer_email=JORDAN))
            assert ctx.customer_email is None
            await runner.run(use("orders__lookup_order", order_id="ORD-78432", customer_email="Jordan.Lee@example.com"))
            assert ctx.customer_email == JORDAN


@pytest.mark.e2e
async def test_the_verified_customer_reaches_only_the_servers_trusted_with_it() -> None:
    """The email in `_meta` is PII: a third-party block gets it only when it says `receives_customer = true`."""
    trusted = vendor_stdio("trusted", receives_customer=True)
    events: list[Event] = []
    with anyio.fail_after(30):
        async with ServerRegistry([vendor_stdio(), trusted]) as registry:
            ctx = TurnContext("conv-3", customer_email=JORDAN)
            runner = runner_for(registry, ctx, events)
            third_party = await runner.run(use("vendor__seen_meta"))
            told = await runner.run(use("trusted__seen_meta"))
            anonymous = await runner_for(registry, TurnContext("conv-4"), events).run(use("trusted__seen_meta"))
    assert "switchboard/customer" not in str(third_party.get("content"))
    assert "switchboard/customer" in str(told.get("content"))
    assert "switchboard/customer" not in str(anonymous.get("content"))


@pytest.mark.e2e
async def test_a_third_party_stdio_server_sees_no_secret_unless_its_block_passes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "postgresql://switchboard:hunter2@db.internal/prod")
    trusted = vendor_stdio("trusted", pass_env=["SWITCHBOARD_DATABASE_URL"])
    with anyio.fail_after(30):
        async with ServerRegistry([vendor_stdio(), trusted], environ=os.environ) as registry:
            seen = await registry.call("vendor__read_env", {"name": "SWITCHBOARD_DATABASE_URL"})
            passed = await registry.call("trusted__read_env", {"name": "SWITCHBOARD_DATABASE_URL"})
            path = await registry.call("vendor__read_env", {"name": "PATH"})
    assert seen.structured_content == {"result": "<unset>"}
    assert passed.structured_content == {"result": "postgresql://switchboard:hunter2@db.internal/prod"}
    assert path.structured_content != {"result": "<unset>"}  # the SDK's basic variables still reach it


def test_the_shipped_config_passes_the_database_only_to_our_servers_and_trusts_orders_alone() -> None:
    settings = load_settings(default_config_path({}), {})
    by_name = {s.name: s for s in settings.servers}
    assert tuple(by_name) == FIRST_PARTY
    for server in settings.servers:
        assert "SWITCHBOARD_DATABASE_URL" in server.pass_env and "XDG_DATA_HOME" in server.pass_env
    assert {s.name: s.identity_tools for s in settings.servers if s.identity_tools} == {
        "orders": ["verify_customer", "lookup_order"]
    }
    assert {s.name for s in settings.servers if s.receives_customer} == {"tickets", "refunds", "escalation"}
    assert not ServerConfig(name="vendor", command="x").receives_customer
    assert ServerConfig(name="vendor", command="x").pass_env == []
    assert ServerConfig(name="vendor", command="x").identity_tools == []


def test_a_bare_policy_identity_tools_list_is_refused_with_the_new_place(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "system.md").write_text("You are Alex.")
    path = tmp_path / "switchboard.toml"
    path.write_text('[policy]\nidentity_tools = ["lookup_order"]\n\n[[servers]]\nname = "orders"\ncommand = "x"\n')
    with pytest.raises(ConfigError, match=r"identity_tools moved to the server blocks"):
        load_settings(path, {})


async def test_a_block_naming_tools_its_server_does_not_list_is_reported_at_the_first_listing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Each of these used to fail silently: a misspelt identity tool verifies nobody (so every refund is refused), a
    # misspelt hidden tool is offered to the model, a misspelt timeout keeps the default.
    shop = MCPServer("shop", log_level="WARNING")

    @shop.tool()
    def verify_order(order_id: str) -> bool:
        """Check that an order exists."""
        return bool(order_id)

    @shop.tool()
    def lookup_order(order_id: str, customer_email: str) -> str:
        """Look up an order."""
        return order_id

    config = ServerConfig(
        name="shop",
        command="in-memory",
        identity_tools=["verify_order", "lookup_ordr", "lookup_order"],
        hidden_tools=["approve_refund"],
        tool_timeouts_s={"lookup_ordr": 5},
    )
    with caplog.at_level(logging.WARNING), anyio.fail_after(30):
        async with ServerRegistry([config], targets={"shop": lambda: shop}) as registry:
            await registry.refresh("shop")  # a later listing repeats nothing
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    see = "(see `switchboard servers` for its tools)"
    assert warnings == [
        f"MCP server 'shop': hidden_tools names tools it does not list: approve_refund {see}",
        "MCP server 'shop': identity tool 'verify_order' takes no customer_email argument, so it verifies nobody",
        f"MCP server 'shop': identity_tools names tools it does not list: lookup_ordr {see}",
        f"MCP server 'shop': tool_timeouts_s names tools it does not list: lookup_ordr {see}",
    ]


async def test_the_shipped_config_names_only_tools_its_servers_list(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    settings = load_settings(default_config_path({}), {})
    targets = real_targets(tmp_path)
    with caplog.at_level(logging.WARNING), anyio.fail_after(60):
        async with ServerRegistry(settings.servers, targets=targets) as registry:
            assert all(h.state == "connected" for h in registry.health())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
