"""The orders server's share of the ShopExpress demo: customers, products and orders, seeded only when asked.

`python -m mcp_servers.orders --demo` (or `SWITCHBOARD_DEMO=1`) seeds an empty store; without it the tables stay
as they are. Seeded dates follow the calendar (`democlock`), so ORD-78432 stays "delivered 14 days ago".
"""

from datetime import datetime

from sqlalchemy import func, insert, select

from mcp_servers._common import democlock
from mcp_servers._common.demo import build_demo_store
from mcp_servers._common.democlock import lock_demo, record_demo_seed
from switchboard_common.storage import Database

from .schema import customers, order_items, orders, products

__all__ = ["rebase_demo", "seed_demo"]

_DEMO_DATES = (
    (customers, ("created_at",)),
    (orders, ("placed_at", "shipped_at", "delivered_at", "cancelled_at", "returned_at")),
)


def rebase_demo(db: Database, now: datetime) -> int:
    """Move seeded demo dates forward to `now` (nothing when the demo was never seeded). Returns the days moved."""
    return democlock.rebase_demo(db, "orders", _DEMO_DATES, now)


def seed_demo(db: Database, now: datetime) -> bool:
    """Insert the demo store unless customers already exist (one transaction). Returns whether it seeded."""
    if db.has_rows(customers):
        return False  # seeded already: a read, without building the demo or taking the write lock
    demo = build_demo_store(now)
    with db.write() as conn:
        lock_demo(conn, "orders")
        if conn.execute(select(func.count()).select_from(customers)).scalar_one():
            return False
        conn.execute(insert(products), [p.__dict__ for p in demo.products])
        conn.execute(insert(customers), [c.__dict__ for c in demo.customers])
        conn.execute(
            insert(orders),
            [
                {
                    "order_id": o.order_id,
                    "customer_id": o.customer_id,
                    "status": o.status,
                    "subtotal_cents": o.subtotal_cents,
                    "shipping_cents": o.shipping_cents,
                    "total_cents": o.total_cents,
                    "currency": o.currency,
                    "placed_at": o.placed_at,
                    "shipped_at": o.shipped_at,
                    "delivered_at": o.delivered_at,
                    "cancelled_at": o.cancelled_at,
                    "returned_at": o.returned_at,
                    "carrier": o.carrier,
                    "tracking_number": o.tracking_number,
                    "shipping_address": o.shipping_address,
                    "payment_method": o.payment_method,
                    "item_used": o.item_used,
                    "notes": None,
                }
                for o in demo.orders
            ],
        )
        conn.execute(
            insert(order_items),
            [
                {
                    "order_id": o.order_id,
                    "line": n,
                    "sku": i.sku,
                    "name": i.name,
                    "quantity": i.quantity,
                    "unit_price_cents": i.unit_price_cents,
                }
                for o in demo.orders
                for n, i in enumerate(o.items, start=1)
            ],
        )
        record_demo_seed(conn, "orders", now)
        return True
