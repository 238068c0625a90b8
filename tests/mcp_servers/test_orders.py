"""Contract tests of the orders server, through the in-memory MCP client with real JSON-RPC framing."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client
from mcp.types import CallToolResult, RequestParamsMeta, TextContent
from sqlalchemy import select

from mcp_servers.orders import create_server
from mcp_servers.orders.store import OrderRecord, OrdersStore, customers
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

JORDAN = "jordan.lee@example.com"
NEUTRAL = (
    "Error executing tool {tool}: No order matches that order number and email. Ask the customer to check both "
    "exactly as they appear on the order confirmation email."
)


@pytest.fixture
def store(sqlite_url: str) -> OrdersStore:
    store = OrdersStore(Database(sqlite_url))
    store.prepare(seed=True)
    return store


@pytest.fixture
async def client(store: OrdersStore) -> AsyncIterator[Client]:
    async with Client(create_server(store), mode="legacy") as client:
        yield client


def _text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def test_tools_list_is_the_published_contract(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(tools) == ["list_customer_orders", "lookup_order", "verify_customer"]
    lookup = tools["lookup_order"]
    assert lookup.input_schema["required"] == ["order_id"]  # the seed's contract: the email is optional
    email = lookup.input_schema["properties"]["customer_email"]
    assert email["default"] is None and {"type": "null"} in email["anyOf"]
    assert email["anyOf"][0]["pattern"] == r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    assert lookup.input_schema["properties"]["order_id"]["pattern"] == r"^ORD-\d{5}$"
    assert tools["verify_customer"].input_schema["required"] == ["order_id", "customer_email"]
    assert tools["list_customer_orders"].input_schema["required"] == ["customer_email"]
    status = tools["list_customer_orders"].input_schema["properties"]["status"]
    assert status["anyOf"][0]["enum"] == ["pending", "processing", "shipped", "delivered", "cancelled", "returned"]
    for tool in tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.description and tool.output_schema is not None


async def test_lookup_order_returns_the_flagship_order(client: Client) -> None:
    result = await client.call_tool("lookup_order", {"order_id": "ORD-78432", "customer_email": JORDAN})
    assert not result.is_error
    order = result.structured_content
    assert order is not None
    assert order["status"] == "delivered"
    assert order["days_since_delivery"] == 14
    assert order["within_return_window"] is True
    assert order["total"] == 89.99
    assert order["items"] == [
        {
            "sku": "PMX-AUD-01",
            "name": "ProMax Audio Headphones",
            "quantity": 1,
            "unit_price": 89.99,
            "line_total": 89.99,
        }
    ]
    assert order["payment_method"] == "Visa ending 4242"
    assert order["tracking_number"] == "1Z999AA10123456784"


async def test_lookup_order_email_is_case_insensitive(client: Client) -> None:
    result = await client.call_tool(
        "lookup_order", {"order_id": "ORD-78432", "customer_email": "Jordan.LEE@example.com"}
    )
    assert not result.is_error


@pytest.mark.parametrize(
    ("order_id", "email"),
    [("ORD-78432", "someone.else@example.com"), ("ORD-00001", JORDAN), ("ORD-00001", "someone.else@example.com")],
    ids=["wrong-email", "unknown-order", "both-wrong"],
)
async def test_lookup_order_refuses_with_one_neutral_message(client: Client, order_id: str, email: str) -> None:
    result = await client.call_tool("lookup_order", {"order_id": order_id, "customer_email": email})
    assert result.is_error
    assert _text(result) == NEUTRAL.format(tool="lookup_order")


async def test_another_customers_order_with_its_email_is_refused_when_a_customer_is_bound(
    client: Client, store: OrdersStore
) -> None:
    victim = _someone_else_order(store)
    result = await client.call_tool(
        "lookup_order",
        {"order_id": victim.order_id, "customer_email": victim.customer_email},
        meta={"switchboard/customer": JORDAN},
    )
    assert result.is_error
    assert _text(result) == NEUTRAL.format(tool="lookup_order")
    own = await client.call_tool(
        "lookup_order", {"order_id": "ORD-78432", "customer_email": JORDAN}, meta={"switchboard/customer": JORDAN}
    )
    assert not own.is_error


@pytest.mark.parametrize("order_id", ["ORD-78432", "ORD-00001"], ids=["existing", "unknown"])
@pytest.mark.parametrize("arguments", [{}, {"customer_email": None}], ids=["left-out", "null"])
async def test_lookup_order_without_email_or_bound_customer_gets_the_neutral_refusal(
    client: Client, order_id: str, arguments: dict[str, object]
) -> None:
    result = await client.call_tool("lookup_order", {"order_id": order_id, **arguments})
    assert result.is_error
    assert _text(result) == NEUTRAL.format(tool="lookup_order")  # the same whether the order exists or not


async def test_lookup_order_without_email_answers_for_the_bound_customer_only(
    client: Client, store: OrdersStore
) -> None:
    bound: RequestParamsMeta = {"switchboard/customer": JORDAN}
    own = await client.call_tool("lookup_order", {"order_id": "ORD-78432"}, meta=bound)
    victim = await client.call_tool("lookup_order", {"order_id": _someone_else_order(store).order_id}, meta=bound)
    unknown = await client.call_tool("lookup_order", {"order_id": "ORD-00001"}, meta=bound)

    assert not own.is_error and own.structured_content is not None
    assert own.structured_content["order_id"] == "ORD-78432"
    assert victim.is_error and unknown.is_error
    assert _text(victim) == _text(unknown) == NEUTRAL.format(tool="lookup_order")


def _someone_else_order(store: OrdersStore) -> OrderRecord:
    for n in range(10000, 100000):
        record = store.get_order(f"ORD-{n}")
        if record is not None and record.customer_email != JORDAN:
            return record
    raise AssertionError("demo data has no other customer's order")


@pytest.mark.parametrize(
    "arguments",
    [
        {"order_id": "78432", "customer_email": JORDAN},
        {"customer_email": JORDAN},
        {"order_id": "ORD-78432", "customer_email": "not-an-email"},
        {"order_id": "ORD-78432", "customer_email": "a@b.c" + "x" * 300},
    ],
    ids=["no-prefix", "missing-order-id", "bad-email", "too-long"],
)
async def test_lookup_order_rejects_schema_invalid_arguments(client: Client, arguments: dict[str, object]) -> None:
    result = await client.call_tool("lookup_order", arguments)
    assert result.is_error
    assert "validation error" in _text(result)


async def test_verify_customer_confirms_identity_without_leaking_on_mismatch(client: Client) -> None:
    ok = await client.call_tool("verify_customer", {"order_id": "ORD-78432", "customer_email": JORDAN})
    assert ok.structured_content == {
        "verified": True,
        "customer_email": JORDAN,
        "customer_name": "Jordan Lee",
        "order_id": "ORD-78432",
    }
    bad = await client.call_tool("verify_customer", {"order_id": "ORD-78432", "customer_email": "x@example.com"})
    assert bad.is_error
    assert _text(bad) == NEUTRAL.format(tool="verify_customer")


async def test_list_customer_orders_needs_the_bound_customer(client: Client) -> None:
    unbound = await client.call_tool("list_customer_orders", {"customer_email": JORDAN})
    assert unbound.is_error
    assert "not verified" in _text(unbound)
    other = await client.call_tool(
        "list_customer_orders", {"customer_email": JORDAN}, meta={"switchboard/customer": "x@example.com"}
    )
    assert other.is_error
    bound = await client.call_tool(
        "list_customer_orders", {"customer_email": JORDAN, "limit": 5}, meta={"switchboard/customer": JORDAN}
    )
    assert not bound.is_error
    assert bound.structured_content is not None
    orders = bound.structured_content["orders"]
    assert 1 <= len(orders) <= 5
    assert "ORD-78432" in [o["order_id"] for o in orders]
    placed = [o["placed_on"] for o in orders]
    assert placed == sorted(placed, reverse=True)


async def test_list_customer_orders_filters_by_status(client: Client) -> None:
    result = await client.call_tool(
        "list_customer_orders",
        {"customer_email": JORDAN, "status": "cancelled"},
        meta={"switchboard/customer": JORDAN},
    )
    assert result.structured_content is not None
    assert all(o["status"] == "cancelled" for o in result.structured_content["orders"])
    assert "ORD-78432" not in [o["order_id"] for o in result.structured_content["orders"]]


async def test_order_notes_are_returned_as_data(client: Client, store: OrdersStore) -> None:
    store.set_notes("ORD-78432", "Leave at the back door.")
    result = await client.call_tool("lookup_order", {"order_id": "ORD-78432", "customer_email": JORDAN})
    assert result.structured_content is not None
    assert result.structured_content["notes"] == "Leave at the back door."


def test_demo_seed_runs_once_and_covers_every_status(database_url: str) -> None:
    store = OrdersStore(Database(database_url))
    store.prepare(seed=True)
    assert store.seed_demo(datetime.now(UTC)) is False  # already seeded: a restart adds nothing
    statuses = {"pending", "processing", "shipped", "delivered", "cancelled", "returned"}
    seen = {o.status for email in _emails(store) for o in store.list_orders(email, limit=50)}
    assert seen == statuses
    flagship = store.get_order("ORD-78432")
    assert flagship is not None
    assert flagship.delivered_at is not None
    assert (datetime.now(UTC) - flagship.delivered_at) // timedelta(days=1) == 14
    store.db.dispose()


def _emails(store: OrdersStore) -> list[str]:
    with store.db.read() as conn:
        return list(conn.execute(select(customers.c.email)).scalars())


def test_a_demo_seeded_days_ago_is_moved_forward_so_the_story_still_holds(database_url: str) -> None:
    store = OrdersStore(Database(database_url))
    now = datetime.now(UTC)
    store.prepare(seed=True, now=now - timedelta(days=10, hours=1))  # seeded ten days ago
    aged = store.get_order("ORD-78432")
    assert aged is not None and aged.delivered_at is not None
    assert (now - aged.delivered_at) // timedelta(days=1) == 24
    store.prepare(seed=True, now=now)  # restart today
    rebased = store.get_order("ORD-78432")
    assert rebased is not None and rebased.delivered_at is not None
    assert (now - rebased.delivered_at) // timedelta(days=1) == 14
    assert rebased.placed_at - aged.placed_at == timedelta(days=10)
    store.prepare(seed=True, now=now)  # a second restart the same day changes nothing
    again = store.get_order("ORD-78432")
    assert again == rebased
    store.db.dispose()
