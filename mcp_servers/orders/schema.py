"""The orders domain's tables and migrations: customers, products, orders and their lines."""

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

from switchboard_common.storage import UTCDateTime, widen_to_bigint

__all__ = ["MIGRATIONS", "customers", "metadata", "order_items", "orders", "products"]

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
    Column("price_cents", BigInteger, nullable=False),
)
orders = Table(
    "orders_orders",
    metadata,
    Column("order_id", String(16), primary_key=True),
    Column("customer_id", String(16), ForeignKey("orders_customers.customer_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("subtotal_cents", BigInteger, nullable=False),
    Column("shipping_cents", BigInteger, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
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
    Column("unit_price_cents", BigInteger, nullable=False),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)


_MONEY = (
    ("orders_products", "price_cents"),
    ("orders_orders", "subtotal_cents"),
    ("orders_orders", "shipping_cents"),
    ("orders_orders", "total_cents"),
    ("orders_order_items", "unit_price_cents"),
)


def _widen_v2(conn: Connection) -> None:
    """Money in BIGINT cents, as in the refunds ledger (a PostgreSQL INTEGER stops at $21,474,836.47)."""
    widen_to_bigint(conn, _MONEY)


MIGRATIONS = (_create_v1, _widen_v2)
