"""OrdersStore: the customers, products, orders and order_items tables and their queries."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from mcp_servers._common.demo import build_demo_store
from mcp_servers._common.democlock import lock_demo, rebase_demo, record_demo_seed
from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

__all__ = ["ItemRecord", "OrderRecord", "OrdersStore"]

metadata = MetaData()
customers = Table(
    "orders_customers",
    metadata,
    Column("customer_id", String(16), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("address", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
products = Table(
    "orders_products",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("category", String(40), nullable=False),
    Column("price_cents", Integer, nullable=False),
)
orders = Table(
    "orders_orders",
    metadata,
    Column("order_id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("orders_customers.customer_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("subtotal_cents", Integer, nullable=False),
    Column("shipping_cents", Integer, nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("placed_at", UTCDateTime(), nullable=False),
    Column("shipped_at", UTCDateTime()),
    Column("delivered_at", UTCDateTime()),
    Column("cancelled_at", UTCDateTime()),
    Column("returned_at", UTCDateTime()),
    Column("carrier", String(16)),
    Column("tracking_number", String(40)),
    Column("shipping_address", String(300), nullable=False),
    Column("payment_method", String(40), nullable=False),
    Column("item_used", Boolean, nullable=False, default=False),
    Column("notes", Text),
    Index("ix_orders_orders_customer", "customer_id", "placed_at"),
)
order_items = Table(
    "orders_order_items",
    metadata,
    Column("order_id", String(16), ForeignKey("orders_orders.order_id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("sku", String(32), ForeignKey("orders_products.sku"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)


_DEMO_DATES = (
    (customers, ("created_at",)),
    (orders, ("placed_at", "shipped_at", "delivered_at", "cancelled_at", "returned_at")),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS = (_create_v1,)


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

    def prepare(self, *, seed: bool = True, now: datetime | None = None) -> None:
        """Migrate the schema and, on an empty store, seed the ShopExpress demo data (one transaction)."""
        self.db.migrate("orders", MIGRATIONS)
        now = now or utcnow()
        rebase_demo(self.db, "orders", _DEMO_DATES, now)
        if seed:
            self.seed_demo(now)

    def seed_demo(self, now: datetime) -> bool:
        """Insert the demo store unless customers already exist. Returns whether it seeded."""
        demo = build_demo_store(now)
        with self.db.write() as conn:
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
