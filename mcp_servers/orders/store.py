"""OrdersStore: the customers, products, orders and order_items tables and their queries."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    select,
)

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

from .demo import rebase_demo, seed_demo
from .schema import MIGRATIONS, customers, order_items, orders, products

__all__ = ["MIGRATIONS", "ItemRecord", "OrderRecord", "OrdersStore", "customers", "order_items", "orders", "products"]


@dataclass(frozen=True)
class ItemRecord:
    """One stored order line."""

    sku: str
    name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class OrderRecord:
    """One stored order with its owner and lines."""

    order_id: str
    customer_email: str
    customer_name: str
    status: str
    subtotal_cents: int
    shipping_cents: int
    total_cents: int
    currency: str
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None
    carrier: str | None
    tracking_number: str | None
    shipping_address: str
    payment_method: str
    notes: str | None
    items: tuple[ItemRecord, ...]


class OrdersStore:
    """The orders domain's tables. Read-only for tools; written by migrations and the demo seed."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once before serving."""
        self.db = db

    def prepare(self, *, seed: bool = False, now: datetime | None = None) -> None:
        """Migrate the schema and keep any demo data current; with `seed` (the demo), seed an empty store."""
        self.db.migrate("orders", MIGRATIONS)
        now = now or utcnow()
        rebase_demo(self.db, now)
        if seed:
            seed_demo(self.db, now)

    def seed_demo(self, now: datetime) -> bool:
        """Insert the demo store unless customers already exist. Returns whether it seeded."""
        return seed_demo(self.db, now)

    def get_order(self, order_id: str) -> OrderRecord | None:
        """The order with its lines and owner, or None."""
        with self.db.read() as conn:
            row = (
                conn.execute(
                    select(orders, customers.c.email, customers.c.name)
                    .join(customers, customers.c.customer_id == orders.c.customer_id)
                    .where(orders.c.order_id == order_id)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            lines = conn.execute(
                select(order_items.c.sku, order_items.c.name, order_items.c.quantity, order_items.c.unit_price_cents)
                .where(order_items.c.order_id == order_id)
                .order_by(order_items.c.line)
            ).all()
        return OrderRecord(
            order_id=row["order_id"],
            customer_email=row["email"],
            customer_name=row["name"],
            status=row["status"],
            subtotal_cents=row["subtotal_cents"],
            shipping_cents=row["shipping_cents"],
            total_cents=row["total_cents"],
            currency=row["currency"],
            placed_at=row["placed_at"],
            shipped_at=row["shipped_at"],
            delivered_at=row["delivered_at"],
            cancelled_at=row["cancelled_at"],
            returned_at=row["returned_at"],
            carrier=row["carrier"],
            tracking_number=row["tracking_number"],
            shipping_address=row["shipping_address"],
            payment_method=row["payment_method"],
            notes=row["notes"],
            items=tuple(ItemRecord(*line) for line in lines),
        )

    def list_orders(self, email: str, *, status: str | None = None, limit: int = 10) -> list[OrderRecord]:
        """A customer's orders, newest first."""
        with self.db.read() as conn:
            query = (
                select(orders.c.order_id)
                .join(customers, customers.c.customer_id == orders.c.customer_id)
                .where(customers.c.email == email)
                .order_by(orders.c.placed_at.desc())
                .limit(limit)
            )
            if status is not None:
                query = query.where(orders.c.status == status)
            ids = list(conn.execute(query).scalars())
        return [order for order_id in ids if (order := self.get_order(order_id)) is not None]

    def set_notes(self, order_id: str, notes: str | None) -> None:
        """Replace an order's free-text notes (used by operators and tests; not exposed as a tool)."""
        with self.db.write() as conn:
            conn.execute(orders.update().where(orders.c.order_id == order_id).values(notes=notes))
