"""The retail domain's tables. Money is stored in integer cents; option maps and id lists as JSON."""

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table
from sqlalchemy.engine import Connection

from switchboard_common.storage import widen_to_bigint

__all__ = [
    "MIGRATIONS",
    "fulfillments",
    "order_items",
    "orders",
    "payment_methods",
    "products",
    "transactions",
    "users",
    "variants",
]

metadata = MetaData()
users = Table(
    "retail_users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("first_name", String(80), nullable=False),
    Column("last_name", String(80), nullable=False),
    Column("email", String(254), nullable=False),
    Column("address", JSON, nullable=False),
    Column("order_ids", JSON, nullable=False),
    Index("ix_retail_users_email", "email"),
)
payment_methods = Table(
    "retail_payment_methods",
    metadata,
    Column("payment_method_id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("retail_users.user_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("source", String(16), nullable=False),
    Column("brand", String(32)),
    Column("last_four", String(4)),
    Column("balance_cents", BigInteger),
    Index("ix_retail_payment_methods_user", "user_id", "position"),
)
products = Table(
    "retail_products",
    metadata,
    Column("product_id", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
)
variants = Table(
    "retail_variants",
    metadata,
    Column("item_id", String(32), primary_key=True),
    Column("product_id", String(32), ForeignKey("retail_products.product_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("options", JSON, nullable=False),
    Column("available", Boolean, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Index("ix_retail_variants_product", "product_id", "position"),
)
orders = Table(
    "retail_orders",
    metadata,
    Column("order_id", String(32), primary_key=True),
    Column("user_id", String(64), ForeignKey("retail_users.user_id"), nullable=False),
    Column("address", JSON, nullable=False),
    Column("status", String(40), nullable=False),
    Column("cancel_reason", String(40)),
    Column("return_items", JSON),
    Column("return_payment_method_id", String(64)),
    Column("exchange_items", JSON),
    Column("exchange_new_items", JSON),
    Column("exchange_payment_method_id", String(64)),
    Column("exchange_price_difference_cents", BigInteger),
)
order_items = Table(
    "retail_order_items",
    metadata,
    Column("order_id", String(32), ForeignKey("retail_orders.order_id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("item_id", String(32), nullable=False),
    Column("product_id", String(32), nullable=False),
    Column("name", String(120), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("options", JSON, nullable=False),
)
fulfillments = Table(
    "retail_fulfillments",
    metadata,
    Column("order_id", String(32), ForeignKey("retail_orders.order_id"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("tracking_ids", JSON, nullable=False),
    Column("item_ids", JSON, nullable=False),
)
transactions = Table(
    "retail_transactions",
    metadata,
    Column("order_id", String(32), ForeignKey("retail_orders.order_id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("transaction_type", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("payment_method_id", String(64), nullable=False),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)


_MONEY = (
    ("retail_payment_methods", "balance_cents"),
    ("retail_variants", "price_cents"),
    ("retail_orders", "exchange_price_difference_cents"),
    ("retail_order_items", "price_cents"),
    ("retail_transactions", "amount_cents"),
)


def _widen_v2(conn: Connection) -> None:
    """Money in BIGINT cents, as in the refunds ledger (a PostgreSQL INTEGER stops at $21,474,836.47)."""
    widen_to_bigint(conn, _MONEY)


MIGRATIONS = (_create_v1, _widen_v2)
