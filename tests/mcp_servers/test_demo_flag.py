"""The demo is off the production path: servers seed it only when asked, and share one return window."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult
from sqlalchemy import func, select

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID
from mcp_servers._common.runner import parse_args
from mcp_servers.orders.__main__ import open_in_process as open_orders
from mcp_servers.orders.schema import customers
from mcp_servers.refunds.__main__ import add_arguments
from mcp_servers.refunds.__main__ import open_in_process as open_refunds
from mcp_servers.tickets.__main__ import open_in_process as open_tickets
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

FLAGSHIP = {"order_id": FLAGSHIP_ORDER_ID, "customer_email": FLAGSHIP_EMAIL}
TICKET = {
    "customer_email": FLAGSHIP_EMAIL,
    "subject": "Headphones will not pair",
    "category": "technical",
    "priority": "medium",
    "description": "They do not show up in the Bluetooth list.",
}


async def _call(server: Any, tool: str, arguments: Mapping[str, object]) -> CallToolResult:
    async with Client(server, mode="legacy") as client:
        return await client.call_tool(tool, dict(arguments))


async def _lookup(db_url: str, argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> CallToolResult:
    with open_orders(["--db", db_url, *argv], environ or {}) as server:
        return await _call(server, "lookup_order", FLAGSHIP)


async def _eligibility(db_url: str, argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> Any:
    arguments = {**FLAGSHIP, "reason": "defective"}
    with open_refunds(["--db", db_url, *argv], environ or {}) as server:
        return (await _call(server, "check_refund_eligibility", arguments)).structured_content


async def test_without_the_flag_the_orders_tables_are_created_and_stay_empty(database_url: str) -> None:
    result = await _lookup(database_url)

    assert result.is_error is True
    assert "No order matches" in str(result.content)
    db = Database(database_url)
    try:
        with db.read() as conn:  # the schema exists: the server migrated, it only did not seed
            assert conn.execute(select(func.count()).select_from(customers)).scalar_one() == 0
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("argv", "environ"),
    [(["--demo"], {}), ([], {"SWITCHBOARD_DEMO": "1"}), ([], {"SWITCHBOARD_DEMO": "true"})],
    ids=["flag", "env-1", "env-true"],
)
async def test_the_flag_or_the_environment_seeds_the_demo_orders(
    sqlite_url: str, argv: list[str], environ: dict[str, str]
) -> None:
    result = await _lookup(sqlite_url, argv, environ)

    assert result.is_error is False
    assert result.structured_content is not None
    assert result.structured_content["order_id"] == FLAGSHIP_ORDER_ID


async def test_seeding_twice_adds_nothing(database_url: str) -> None:
    await _lookup(database_url, ["--demo"])
    db = Database(database_url)
    try:
        with db.read() as conn:
            first = conn.execute(select(func.count()).select_from(customers)).scalar_one()
        await _lookup(database_url, ["--demo"])
        with db.read() as conn:
            again = conn.execute(select(func.count()).select_from(customers)).scalar_one()
    finally:
        db.dispose()
    assert first > 0
    assert again == first


async def test_the_tickets_server_numbers_from_one_without_the_demo_and_after_it_with_it(tmp_path: Path) -> None:
    numbers: list[str] = []
    for name, argv in (("empty", []), ("demo", ["--demo"]), ("demo", ["--demo"])):  # the second start: no reseed
        with open_tickets(["--db", f"sqlite:///{tmp_path / f'{name}.db'}", *argv], {}) as server:
            created = await _call(server, "create_ticket", TICKET)
        assert created.structured_content is not None, created.content
        numbers.append(created.structured_content["ticket_id"])

    assert numbers == ["TCK-000001", "TCK-000011", "TCK-000012"]


async def test_the_refunds_ledger_is_seeded_only_with_the_demo(sqlite_url: str) -> None:
    with open_refunds(["--db", sqlite_url], {}) as server:
        empty = await _call(server, "check_refund_eligibility", {**FLAGSHIP, "reason": "defective"})
    seeded = await _eligibility(sqlite_url, ["--demo"])

    assert empty.is_error is True
    assert seeded["eligible"] is True


def test_an_unclear_demo_setting_is_refused_at_startup(sqlite_url: str) -> None:
    with pytest.raises(SystemExit), open_orders(["--db", sqlite_url], {"SWITCHBOARD_DEMO": "maybe"}):
        pass


@pytest.mark.parametrize(
    ("environ", "within"),
    [({}, True), ({"SWITCHBOARD_RETURN_WINDOW_DAYS": "10"}, False), ({"SWITCHBOARD_RETURN_WINDOW_DAYS": "45"}, True)],
    ids=["default-30", "10-days", "45-days"],
)
async def test_one_return_window_setting_moves_both_servers_answers(
    sqlite_url: str, environ: dict[str, str], within: bool
) -> None:
    # The flagship order was delivered 14 days ago: inside a 30- or 45-day window, outside a 10-day one.
    order = (await _lookup(sqlite_url, ["--demo"], environ)).structured_content
    eligibility = await _eligibility(sqlite_url, ["--demo"], environ)

    assert order is not None
    assert order["within_return_window"] is within
    assert eligibility["eligible"] is within
    assert eligibility["window_ends_on"] == order["return_window_ends_on"]
    assert (eligibility["rule"] == "outside_window") is not within


def test_the_refunds_servers_old_window_flag_sets_the_same_setting() -> None:
    args = parse_args("refunds", ["--window-days", "12"], {}, lambda p: add_arguments(p, {}))
    env = parse_args(
        "refunds",
        [],
        {"SWITCHBOARD_RETURN_WINDOW_DAYS": "12"},
        lambda p: add_arguments(p, {"SWITCHBOARD_RETURN_WINDOW_DAYS": "12"}),
    )

    assert args.return_window_days == env.return_window_days == 12


def test_an_invalid_return_window_variable_is_refused_at_startup(sqlite_url: str) -> None:
    with pytest.raises(SystemExit), open_orders(["--db", sqlite_url], {"SWITCHBOARD_RETURN_WINDOW_DAYS": "-1"}):
        pass
