"""Money columns hold amounts past 32 bits on both databases: the orders and retail tables, like the refunds ledger.

A PostgreSQL INTEGER stops at 2,147,483,647 cents ($21,474,836.47); the refunds ledger was widened to BIGINT for
issue 11, and these are the other servers' money columns, widened by their version 2 migrations.
"""

from collections.abc import Sequence

import pytest
from mcp import Client
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from mcp_servers.orders import create_server
from mcp_servers.orders import schema as orders_schema
from mcp_servers.orders.store import OrdersStore
from mcp_servers.retail import _schema as retail_schema
from switchboard_common.storage import Database, Migration

pytestmark = pytest.mark.anyio

PAST_32_BITS = 2**31 + 49  # $21,474,836.97
SCHEMAS: dict[str, tuple[Sequence[Migration], Sequence[tuple[str, str]]]] = {
    "orders": (orders_schema.MIGRATIONS, orders_schema._MONEY),  # pyright: ignore[reportPrivateUsage]
    "retail": (retail_schema.MIGRATIONS, retail_schema._MONEY),  # pyright: ignore[reportPrivateUsage]
}


def _types(conn: Connection, columns: Sequence[tuple[str, str]]) -> set[str]:
    found: set[str] = set()
    for table, column in columns:
        [described] = [c for c in inspect(conn).get_columns(table) if c["name"] == column]
        found.add(str(described["type"]))
    return found


@pytest.mark.parametrize("component", sorted(SCHEMAS))
def test_a_version_1_database_is_migrated_to_bigint_money(database_url: str, component: str) -> None:
    migrations, money = SCHEMAS[component]
    db = Database(database_url)
    try:
        _migrate_from_version_1(db, component, migrations, money)
    finally:
        db.dispose()


def _migrate_from_version_1(
    db: Database, component: str, migrations: Sequence[Migration], money: Sequence[tuple[str, str]]
) -> None:
    assert db.migrate(component, migrations[:1]) == 1
    if not db.is_sqlite:  # as version 1 shipped: 32-bit money columns
        with db.write() as conn:
            for table, column in money:
                conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER"))
        with db.read() as conn:
            assert _types(conn, money) == {"INTEGER"}
    assert db.migrate(component, migrations) == 2
    with db.read() as conn:
        assert _types(conn, money) == {"BIGINT"}  # (an older SQLite file keeps INTEGER, which is 64-bit there)


async def test_an_order_total_past_32_bits_is_stored_and_shown(database_url: str) -> None:
    store = OrdersStore(Database(database_url))
    store.prepare(seed=True)
    with store.db.write() as conn:
        conn.execute(
            text("UPDATE orders_orders SET total_cents = :cents WHERE order_id = 'ORD-78432'"), {"cents": PAST_32_BITS}
        )
    try:
        async with Client(create_server(store), mode="legacy") as client:
            result = await client.call_tool(
                "lookup_order", {"order_id": "ORD-78432", "customer_email": "jordan.lee@example.com"}
            )
    finally:
        store.db.dispose()
    assert result.structured_content is not None and result.structured_content["total"] == 21474836.97
