"""The refunds server's share of the ShopExpress demo: one captured payment per demo order, seeded only when asked.

`python -m mcp_servers.refunds --demo` (or `SWITCHBOARD_DEMO=1`) seeds an empty ledger; seeded dates follow the
calendar (`democlock`), so the demo's refund windows stay open or closed as the story says.
"""

from datetime import datetime

from sqlalchemy import func, insert, select

from mcp_servers._common import democlock
from mcp_servers._common.demo import build_demo_store
from mcp_servers._common.democlock import lock_demo, record_demo_seed
from switchboard_common.storage import Database

from .schema import payments

__all__ = ["rebase_demo", "seed_demo"]


def rebase_demo(db: Database, now: datetime) -> int:
    """Move seeded demo dates forward to `now` (nothing when the demo was never seeded). Returns the days moved."""
    return democlock.rebase_demo(db, "refunds", ((payments, ("delivered_at", "captured_at")),), now)


def seed_demo(db: Database, now: datetime) -> bool:
    """Insert one payment per demo order unless the ledger has rows (one transaction). Returns whether it seeded."""
    if db.has_rows(payments):
        return False  # seeded already: a read, without building the demo or taking the write lock
    demo = build_demo_store(now)
    with db.write() as conn:
        lock_demo(conn, "refunds")
        if conn.execute(select(func.count()).select_from(payments)).scalar_one():
            return False
        conn.execute(
            insert(payments),
            [
                {
                    "order_id": o.order_id,
                    "customer_email": o.customer_email,
                    "total_cents": o.total_cents,
                    "currency": o.currency,
                    "method": o.payment_method,
                    "order_status": o.status,
                    "delivered_at": o.delivered_at,
                    "item_used": o.item_used,
                    "captured_at": o.placed_at,
                }
                for o in demo.orders
            ],
        )
        record_demo_seed(conn, "refunds", now)
        return True
