"""RefundsStore: the refunds server's own payment ledger, its refunds and its audit trail.

The ledger (`refunds_payments`) is the refunds domain's copy of what was charged for each order; this server never
reads another server's tables. Here it is seeded from the ShopExpress demo data on first run; in production it is
fed by the payment provider's webhooks and the order events (shipped, delivered, cancelled, returned).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
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
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mcp_servers._common.clock import utcnow
from mcp_servers._common.demo import build_demo_store
from mcp_servers._common.democlock import lock_demo, rebase_demo, record_demo_seed
from mcp_servers._common.storage import Database, UTCDateTime

from .models import RefundResult
from .policy import Decision, Payment, RefundPolicy, decide, refund_result

__all__ = ["AuditRecord", "RefundRecord", "RefundRefusedError", "RefundRequest", "RefundsStore"]

metadata = MetaData()
payments = Table(
    "refunds_payments",
    metadata,
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
refunds = Table(
    "refunds_refunds",
    metadata,
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
audit = Table(
    "refunds_audit",
    metadata,
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
    metadata.create_all(conn)


MIGRATIONS = (_create_v1,)

NOT_FOUND = "No refundable order matches that order number for this customer."


class RefundRefusedError(Exception):
    """The rules refused a refund request; the refusal is already audited and committed."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class RefundRequest:
    """One refund request, after argument validation and identity checks."""

    order_id: str
    reason: str
    amount_cents: int | None = None
    """None refunds everything still refundable."""
    currency: str = "USD"
    idempotency_key: str | None = None
    """None derives the key from (order_id, amount, reason), so identical retries replay."""

    @property
    def fingerprint(self) -> str:
        """sha256 of (order_id, amount in cents or "full", reason): what makes two requests the same."""
        amount = "full" if self.amount_cents is None else str(self.amount_cents)
        return hashlib.sha256(f"{self.order_id}\x1f{amount}\x1f{self.reason}".encode()).hexdigest()

    @property
    def stored_key(self) -> str:
        """The unique key, scoped to the order so that keys chosen by different callers never collide."""
        return f"{self.order_id}/{self.idempotency_key or 'auto-' + self.fingerprint}"


@dataclass(frozen=True)
class RefundRecord:
    """One stored refund."""

    refund_id: str
    order_id: str
    customer_email: str
    amount_cents: int
    currency: str
    reason: str
    status: str
    method: str
    idempotency_key: str
    request_hash: str
    created_at: datetime
    result_json: str


@dataclass(frozen=True)
class AuditRecord:
    """One audit row."""

    id: int
    at: datetime
    order_id: str
    action: str
    decision: str
    reason: str
    rule: str
    amount_cents: int | None
    detail: str


class RefundsStore:
    """The refunds domain's tables, and the one transaction that turns a request into a refund.

    The refund policy (window, approval threshold) lives on the store, because the store applies it inside the
    write transaction, under the lock that also guards the remaining amount.
    """

    def __init__(self, db: Database, *, policy: RefundPolicy | None = None) -> None:
        """Use `db` and `policy` (defaults: 30-day window, $500 approval threshold); call `prepare()` once."""
        self.db = db
        self.policy = policy or RefundPolicy()

    def prepare(self, *, seed: bool = True, now: datetime | None = None) -> None:
        """Migrate the schema and, on an empty ledger, seed the demo payments (one transaction)."""
        self.db.migrate("refunds", MIGRATIONS)
        now = now or utcnow()
        rebase_demo(self.db, "refunds", ((payments, ("delivered_at", "captured_at")),), now)
        if seed:
            self.seed_demo(now)

    def seed_demo(self, now: datetime) -> bool:
        """Insert one payment per demo order unless the ledger has rows. Returns whether it seeded."""
        demo = build_demo_store(now)
        with self.db.write() as conn:
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

    def get_payment(self, order_id: str) -> Payment | None:
        """The order's payment, or None."""
        with self.db.read() as conn:
            return _payment(conn, order_id)

    def check(self, order_id: str, *, reason: str, amount_cents: int | None, now: datetime) -> Decision | None:
        """Apply the rules without changing anything; None when the order is unknown."""
        with self.db.read() as conn:
            payment = _payment(conn, order_id)
            if payment is None:
                return None
            already = _reserved_cents(conn, order_id)
        return decide(
            payment,
            reason=reason,
            amount_cents=amount_cents,
            already_cents=already,
            today=now.date(),
            policy=self.policy,
        )

    def process(self, request: RefundRequest, *, now: datetime) -> RefundResult:
        """Refund, reserve for approval, replay an earlier identical request, or raise `RefundRefusedError`.

        Every outcome writes an audit row. A refund and its audit row commit together; a refusal's audit row
        commits on its own before the error is raised.
        """
        try:
            outcome = self._process_once(request, now)
        except IntegrityError:
            # Another writer inserted the same key between our check and our insert: replay its result.
            outcome = self._process_once(request, now)
        if isinstance(outcome, RefundRefusedError):
            raise outcome
        return outcome

    def record_refusal(self, order_id: str, *, reason: str, amount_cents: int | None, rule: str, detail: str) -> None:
        """Audit a refusal decided outside the store (identity) in its own committed transaction."""
        with self.db.write() as conn:
            _audit(conn, order_id, "refused", reason=reason, rule=rule, amount_cents=amount_cents, detail=detail)

    def refunds_for(self, order_id: str) -> list[RefundRecord]:
        """The order's refunds, oldest first."""
        with self.db.read() as conn:
            query = select(refunds).where(refunds.c.order_id == order_id)
            rows = conn.execute(query.order_by(refunds.c.created_at, refunds.c.refund_id)).mappings().all()
        return [RefundRecord(**row) for row in rows]

    def audit_for(self, order_id: str) -> list[AuditRecord]:
        """The order's audit trail, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(select(audit).where(audit.c.order_id == order_id).order_by(audit.c.id)).mappings().all()
        return [AuditRecord(**row) for row in rows]

    def _process_once(self, request: RefundRequest, now: datetime) -> RefundResult | RefundRefusedError:
        order_id, reason, key = request.order_id, request.reason, request.stored_key
        with self.db.write() as conn:

            def refused(rule: str, message: str, amount_cents: int | None = request.amount_cents) -> RefundRefusedError:
                _audit(conn, order_id, "refused", reason=reason, rule=rule, amount_cents=amount_cents, detail=message)
                return RefundRefusedError(rule, message)

            # The row lock serialises refunds of one order on PostgreSQL (SQLite: BEGIN IMMEDIATE already did).
            payment = _payment(conn, order_id, for_update=True)
            if payment is None:
                return refused("unknown_order", NOT_FOUND)
            if request.currency != payment.currency:
                return refused(
                    "currency_mismatch",
                    f"{order_id} was paid in {payment.currency}, and refunds go back in the order's currency only. "
                    f"Retry with currency '{payment.currency}' (or leave currency out).",
                )
            prior = conn.execute(
                select(refunds.c.result_json, refunds.c.request_hash, refunds.c.amount_cents).where(
                    refunds.c.idempotency_key == key
                )
            ).first()
            if prior is not None:
                if prior.request_hash != request.fingerprint:
                    return refused(
                        "idempotency_key_reused",
                        "This idempotency_key was already used for a different refund of this order. Repeat the "
                        "original arguments to get its result, or use a new key for a new refund.",
                    )
                replay = RefundResult.model_validate_json(prior.result_json).model_copy(update={"replayed": True})
                _audit(
                    conn,
                    order_id,
                    "replayed",
                    reason=reason,
                    rule="replay",
                    amount_cents=prior.amount_cents,
                    detail=f"replayed {replay.refund_id}",
                )
                return replay
            decision = decide(
                payment,
                reason=reason,
                amount_cents=request.amount_cents,
                already_cents=_reserved_cents(conn, order_id),
                today=now.date(),
                policy=self.policy,
            )
            if not decision.eligible:
                return refused(decision.rule, f"Refund not possible: {decision.explanation}")
            result = refund_result(payment, decision, self.policy, refund_id=f"RF-{uuid.uuid4().hex[:12].upper()}")
            conn.execute(
                insert(refunds).values(
                    refund_id=result.refund_id,
                    order_id=order_id,
                    customer_email=payment.customer_email,
                    amount_cents=decision.amount_cents,
                    currency=payment.currency,
                    reason=reason,
                    status=result.status,
                    method=result.method,
                    idempotency_key=key,
                    request_hash=request.fingerprint,
                    created_at=now,
                    result_json=result.model_dump_json(),
                )
            )
            _audit(
                conn,
                order_id,
                result.status,
                reason=reason,
                rule=decision.rule,
                amount_cents=decision.amount_cents,
                detail=f"{result.refund_id}: {decision.explanation}",
            )
            return result


def _payment(conn: Connection, order_id: str, *, for_update: bool = False) -> Payment | None:
    query = select(payments).where(payments.c.order_id == order_id)
    row = conn.execute(query.with_for_update() if for_update else query).mappings().first()
    return Payment(**row) if row is not None else None


def _reserved_cents(conn: Connection, order_id: str) -> int:
    """Refunded plus awaiting approval: the amount no later refund may use again."""
    return int(
        conn.execute(
            select(func.coalesce(func.sum(refunds.c.amount_cents), 0)).where(
                refunds.c.order_id == order_id, refunds.c.status.in_(("refunded", "pending_approval"))
            )
        ).scalar_one()
    )


def _audit(
    conn: Connection, order_id: str, decision: str, *, reason: str, rule: str, amount_cents: int | None, detail: str
) -> None:
    conn.execute(
        insert(audit).values(
            at=utcnow(),
            order_id=order_id,
            action="process",
            decision=decision,
            reason=reason,
            rule=rule,
            amount_cents=amount_cents,
            detail=detail,
        )
    )
