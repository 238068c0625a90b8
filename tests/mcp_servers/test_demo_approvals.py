"""The demo store keeps two orders that exercise the human approval of large refunds, whatever the date."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client

from mcp_servers._common.demo import build_demo_store
from mcp_servers.orders import create_server as orders_server
from mcp_servers.orders.store import OrdersStore
from mcp_servers.refunds import create_server as refunds_server
from mcp_servers.refunds.policy import RefundPolicy
from mcp_servers.refunds.store import RefundsStore
from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

APPROVAL_ORDERS = {
    "ORD-93514": ("morgan.moreau@example.com", 73297),
    "ORD-39558": ("yael.jensen@example.com", 77596),
}
DATES = [utcnow(), datetime(2026, 3, 2, 12, tzinfo=UTC), datetime(2027, 12, 31, 23, 59, tzinfo=UTC)]


@pytest.mark.parametrize("now", DATES, ids=lambda d: d.date().isoformat())
def test_the_approval_demo_orders_are_delivered_unused_in_the_window_and_above_the_threshold(now: datetime) -> None:
    orders = {o.order_id: o for o in build_demo_store(now).orders}
    policy = RefundPolicy()

    for order_id, (email, total) in APPROVAL_ORDERS.items():
        order = orders[order_id]
        assert (order.customer_email, order.total_cents, order.currency) == (email, total, "USD")
        assert (order.status, order.item_used) == ("delivered", False)
        assert order.delivered_at is not None
        assert timedelta(0) <= now - order.delivered_at <= timedelta(days=policy.window_days - 3)
        assert order.total_cents > policy.approval_threshold_cents


async def test_the_seeded_servers_offer_both_orders_for_approval_after_days_of_rebasing(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    seeded, later = utcnow() - timedelta(days=40), utcnow()
    RefundsStore(db).prepare(seed=True, now=seeded)
    OrdersStore(db).prepare(seed=True, now=seeded)
    refunds, orders = RefundsStore(db), OrdersStore(db)
    refunds.prepare(seed=True, now=later)  # 40 days later: the demo clock moves the seeded dates forward
    orders.prepare(seed=True, now=later)

    async with Client(refunds_server(refunds), mode="legacy") as client:
        for order_id, (email, total) in APPROVAL_ORDERS.items():
            args = {"order_id": order_id, "reason": "changed_mind", "customer_email": email}
            check = (await client.call_tool("check_refund_eligibility", args)).structured_content
            assert check is not None
            assert (check["eligible"], check["rule"], check["order_total"]) == (True, "needs_approval", total / 100)
    async with Client(orders_server(orders), mode="legacy") as client:
        for order_id, (email, _) in APPROVAL_ORDERS.items():
            found = await client.call_tool("lookup_order", {"order_id": order_id, "customer_email": email})
            assert found.structured_content is not None and found.structured_content["status"] == "delivered"
    db.dispose()
