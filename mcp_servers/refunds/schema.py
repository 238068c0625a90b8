"""The refunds server's tables and their migrations (run by `Database.migrate("refunds", MIGRATIONS)`).

Version 1 is frozen as it first shipped. Version 2 widens every money column to BIGINT cents (a 32-bit column
overflowed at $21,474,836.47 on PostgreSQL), adds the human decision on refunds that waited for approval
(`rejected`, who decided, when, why) and lets the audit trail record every refusal, approvals and rejections.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection

from switchboard_common.storage import Migration, UTCDateTime

__all__ = ["MIGRATIONS", "audit", "payments", "refunds"]

AUDIT_ACTIONS = ("check", "process", "approve", "reject", "list")
AUDIT_DECISIONS = ("refunded", "pending_approval", "refused", "replayed", "approved", "rejected", "failed")
REFUND_STATUSES = ("refunded", "pending_approval", "rejected")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


metadata = MetaData()
payments = Table(
    "refunds_payments",
    metadata,
    Column("order_id", String(16), primary_key=True),
    Column("customer_email", String(254), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(60), nullable=False),
    Column("order_status", String(16), nullable=False),
    Column("delivered_at", UTCDateTime()),
    Column("item_used", Boolean, nullable=False, default=False),
    Column("captured_at", UTCDateTime(), nullable=False),
    CheckConstraint("total_cents >= 0", name="ck_refunds_payments_total"),
)
refunds = Table(
    "refunds_refunds",
    metadata,
    Column("refund_id", String(20), primary_key=True),
    Column("order_id", String(16), ForeignKey("refunds_payments.order_id"), nullable=False),
    Column("customer_email", String(254), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("status", String(20), nullable=False),
    Column("method", String(100), nullable=False),
    Column("idempotency_key", String(140), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("result_json", Text, nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", UTCDateTime()),
    Column("decision_note", Text),
    CheckConstraint("amount_cents > 0", name="ck_refunds_refunds_amount"),
    CheckConstraint(f"status IN ({_in(REFUND_STATUSES)})", name="ck_refunds_refunds_status"),
    Index("ix_refunds_refunds_order", "order_id"),
    Index("ix_refunds_refunds_status", "status", "created_at"),
)
audit = Table(
    "refunds_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("order_id", String(16)),
    Column("refund_id", String(20)),
    Column("action", String(16), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", String(16)),
    Column("rule", String(32), nullable=False),
    Column("amount_cents", BigInteger),
    Column("actor", String(64)),
    Column("detail", Text, nullable=False),
    CheckConstraint(f"action IN ({_in(AUDIT_ACTIONS)})", name="ck_refunds_audit_action"),
    CheckConstraint(f"decision IN ({_in(AUDIT_DECISIONS)})", name="ck_refunds_audit_decision"),
    Index("ix_refunds_audit_order", "order_id", "at"),
)

# --- version 1, frozen -------------------------------------------------------------------------------------------

_v1 = MetaData()
Table(
    "refunds_payments",
    _v1,
    Column("order_id", String(16), primary_key=True),
    Column("customer_email", String(254), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(60), nullable=False),
    Column("order_status", String(16), nullable=False),
    Column("delivered_at", UTCDateTime()),
    Column("item_used", Boolean, nullable=False, default=False),
    Column("captured_at", UTCDateTime(), nullable=False),
    CheckConstraint("total_cents >= 0", name="ck_refunds_payments_total"),
)
Table(
    "refunds_refunds",
    _v1,
    Column("refund_id", String(20), primary_key=True),
    Column("order_id", String(16), ForeignKey("refunds_payments.order_id"), nullable=False),
    Column("customer_email", String(254), nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("status", String(20), nullable=False),
    Column("method", String(100), nullable=False),
    Column("idempotency_key", String(140), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("result_json", Text, nullable=False),
    CheckConstraint("amount_cents > 0", name="ck_refunds_refunds_amount"),
    CheckConstraint("status IN ('refunded', 'pending_approval')", name="ck_refunds_refunds_status"),
    Index("ix_refunds_refunds_order", "order_id"),
)
Table(
    "refunds_audit",
    _v1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("order_id", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("amount_cents", Integer),
    Column("detail", Text, nullable=False),
    CheckConstraint("action IN ('check', 'process')", name="ck_refunds_audit_action"),
    CheckConstraint(
        "decision IN ('refunded', 'pending_approval', 'refused', 'replayed')", name="ck_refunds_audit_decision"
    ),
    Index("ix_refunds_audit_order", "order_id", "at"),
)


def _create_v1(conn: Connection) -> None:
    _v1.create_all(conn)


# --- version 2 ---------------------------------------------------------------------------------------------------

_V1_REFUND_COLUMNS = (
    "refund_id, order_id, customer_email, amount_cents, currency, reason, status, method, idempotency_key, "
    "request_hash, created_at, result_json"
)
_V1_AUDIT_COLUMNS = "id, at, order_id, action, decision, reason, rule, amount_cents, detail"


def _widen_v2(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        _rebuild_sqlite(conn)
        return
    # PostgreSQL alters in place; SQLite's INTEGER is already 64-bit, only its CHECKs need the rebuild.
    for table, column in (("refunds_payments", "total_cents"), ("refunds_refunds", "amount_cents")):
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT"))
    conn.execute(text("ALTER TABLE refunds_audit ALTER COLUMN amount_cents TYPE BIGINT"))
    conn.execute(
        text(
            "ALTER TABLE refunds_refunds ADD COLUMN decided_by VARCHAR(64), ADD COLUMN decided_at TIMESTAMPTZ, "
            "ADD COLUMN decision_note TEXT, DROP CONSTRAINT ck_refunds_refunds_status, "
            f"ADD CONSTRAINT ck_refunds_refunds_status CHECK (status IN ({_in(REFUND_STATUSES)}))"
        )
    )
    conn.execute(
        text(
            "ALTER TABLE refunds_audit ALTER COLUMN order_id DROP NOT NULL, ALTER COLUMN reason DROP NOT NULL, "
            "ADD COLUMN refund_id VARCHAR(20), ADD COLUMN actor VARCHAR(64), "
            "DROP CONSTRAINT ck_refunds_audit_action, DROP CONSTRAINT ck_refunds_audit_decision, "
            f"ADD CONSTRAINT ck_refunds_audit_action CHECK (action IN ({_in(AUDIT_ACTIONS)})), "
            f"ADD CONSTRAINT ck_refunds_audit_decision CHECK (decision IN ({_in(AUDIT_DECISIONS)}))"
        )
    )
    conn.execute(text("CREATE INDEX ix_refunds_refunds_status ON refunds_refunds (status, created_at)"))


def _rebuild_sqlite(conn: Connection) -> None:
    """SQLite cannot alter a CHECK constraint: rename, create the new table, copy, drop the old one."""
    for table, columns in ((refunds, _V1_REFUND_COLUMNS), (audit, _V1_AUDIT_COLUMNS)):
        old = f"{table.name}_v1"
        conn.execute(text(f"ALTER TABLE {table.name} RENAME TO {old}"))
        for index in table.indexes:
            conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
        table.create(conn)
        conn.execute(text(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {old}"))
        conn.execute(text(f"DROP TABLE {old}"))


MIGRATIONS: tuple[Migration, ...] = (_create_v1, _widen_v2)
