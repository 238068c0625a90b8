"""RefundsStore: the refunds server's own payment ledger, its refunds and its audit trail.

The ledger (`refunds_payments`) is the refunds domain's copy of what was charged for each order; this server never
reads another server's tables. With `--demo` it is seeded from the ShopExpress demo data (`demo.py`); in production it
is fed by the payment provider's webhooks and the order events (shipped, delivered, cancelled, returned).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

from . import approvals
from .approvals import DecisionRefusedError
from .audit import mark_audited
from .demo import rebase_demo, seed_demo
from .models import PendingRefund, RefundDecision, RefundResult, RefundState
from .policy import Decision, Payment, RefundPolicy, decide, refund_result
from .schema import MIGRATIONS, audit, payments, refunds

__all__ = [
    "AuditRecord",
    "DecisionRefusedError",
    "RefundRecord",
    "RefundRefusedError",
    "RefundRequest",
    "RefundsStore",
]

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
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True)
class AuditRecord:
    """One audit row."""

    id: int
    at: datetime
    order_id: str | None
    refund_id: str | None
    action: str
    decision: str
    reason: str | None
    rule: str
    amount_cents: int | None
    actor: str | None
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

    def prepare(self, *, seed: bool = False, now: datetime | None = None) -> None:
        """Migrate the schema and keep any demo data current; with `seed` (the demo), seed an empty ledger."""
        self.db.migrate("refunds", MIGRATIONS)
        now = now or utcnow()
        rebase_demo(self.db, now)
        if seed:
            seed_demo(self.db, now)

    def seed_demo(self, now: datetime) -> bool:
        """Insert one payment per demo order unless the ledger has rows. Returns whether it seeded."""
        return seed_demo(self.db, now)

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

    def record_refusal(
        self,
        order_id: str | None,
        *,
        action: str = "process",
        reason: str | None,
        amount_cents: int | None,
        rule: str,
        detail: str,
        decision: str = "refused",
        refund_id: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Audit a refusal decided outside the store (identity, schema) in its own committed transaction."""
        with self.db.write() as conn:
            _audit(
                conn,
                order_id,
                decision,
                action=action,
                reason=reason,
                rule=rule,
                amount_cents=amount_cents,
                detail=detail,
                refund_id=refund_id,
                actor=actor,
            )

    def pending(self, *, limit: int, now: datetime) -> tuple[int, list[PendingRefund]]:
        """How many refunds wait for a human's approval, and the oldest `limit` with their order's context."""
        with self.db.read() as conn:
            return approvals.pending(conn, limit=limit, now=now)

    def decide(
        self, refund_id: str, *, approve: bool, agent: str, note: str | None = None, now: datetime
    ) -> RefundDecision:
        """Approve (the money moves) or reject (the reservation is released) a pending refund, exactly once.

        The same decision again returns it with `replayed=True` and changes nothing. The decision and its audit
        row commit together; a refusal is audited in its own transaction before `DecisionRefusedError` is raised.
        """
        action = "approve" if approve else "reject"
        try:
            with self.db.write() as conn:
                outcome = approvals.decide(
                    conn, refund_id, approve=approve, agent=agent, note=note, now=now, policy=self.policy
                )
                result = outcome.decision
                _audit(
                    conn,
                    result.order_id,
                    result.decision if outcome.changed else "replayed",
                    action=action,
                    reason=result.reason,
                    rule=result.decision if outcome.changed else "replay",
                    amount_cents=outcome.amount_cents,
                    detail=f"{refund_id} {result.decision} by {agent}" + (f": {note}" if note else ""),
                    refund_id=refund_id,
                    actor=agent,
                )
                return result
        except DecisionRefusedError as exc:
            self.record_refusal(
                exc.order_id,
                action=action,
                reason=None,
                amount_cents=exc.amount_cents,
                rule=exc.rule,
                detail=exc.message,
                refund_id=refund_id,
                actor=agent,
            )
            raise

    def state(self, refund_id: str) -> RefundState | None:
        """One refund as it stands (with the human's decision once made), or None for an unknown id."""
        with self.db.read() as conn:
            return approvals.state(conn, refund_id, policy=self.policy)

    def get_refund(self, refund_id: str) -> RefundRecord | None:
        """One stored refund, or None."""
        with self.db.read() as conn:
            row = conn.execute(select(refunds).where(refunds.c.refund_id == refund_id)).mappings().first()
        return RefundRecord(**row) if row is not None else None

    def refunds_for(self, order_id: str) -> list[RefundRecord]:
        """The order's refunds, oldest first."""
        with self.db.read() as conn:
            query = select(refunds).where(refunds.c.order_id == order_id)
            rows = conn.execute(query.order_by(refunds.c.created_at, refunds.c.refund_id)).mappings().all()
        return [RefundRecord(**row) for row in rows]

    def audit_for(self, order_id: str | None) -> list[AuditRecord]:
        """The order's audit trail, oldest first (None: the rows that name no valid order)."""
        match = audit.c.order_id.is_(None) if order_id is None else audit.c.order_id == order_id
        with self.db.read() as conn:
            rows = conn.execute(select(audit).where(match).order_by(audit.c.id)).mappings().all()
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
            result = refund_result(
                payment, decision, self.policy, refund_id=f"RF-{uuid.uuid4().hex[:12].upper()}", reason=reason
            )
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
    conn: Connection,
    order_id: str | None,
    decision: str,
    *,
    action: str = "process",
    reason: str | None,
    rule: str,
    amount_cents: int | None,
    detail: str,
    refund_id: str | None = None,
    actor: str | None = None,
) -> None:
    conn.execute(
        insert(audit).values(
            at=utcnow(),
            order_id=order_id,
            refund_id=refund_id,
            action=action,
            decision=decision,
            reason=reason,
            rule=rule,
            amount_cents=amount_cents,
            actor=actor,
            detail=detail,
        )
    )
    mark_audited()
