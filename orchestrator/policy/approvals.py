"""Refunds awaiting a human's approval, as the orchestrator follows them.

The refunds server decides and holds the money; the orchestrator keeps what it needs around that: which
conversation and hand-off a pending refund belongs to (so the decision can be posted to the customer), and the
decision's time and amount (for the KPIs). A pending refund is noticed in the `process_refund` result, handed to
the human queue as a high-priority hand-off, and closed when an agent decides in the console.
"""

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import BigInteger, Column, Index, MetaData, String, Table, Text, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.storage import Database, UTCDateTime

from ..hooks import TurnContext

__all__ = [
    "REFUND_TOOL",
    "ApprovalLink",
    "ApprovalStats",
    "ApprovalStore",
    "PendingApproval",
    "escalation_arguments",
    "handoff_notice",
    "note_pending",
    "take_pending",
]

REFUND_TOOL = "process_refund"
"""The refunds server's tool whose `pending_approval` results start an approval."""
_FLAG = "approvals_new"
_REFUND_ID = re.compile(r"^RF-[0-9A-F]{12}$")
_ORDER_ID = re.compile(r"^ORD-\d{5}$")
Decision = Literal["approved", "rejected"]

metadata = MetaData()
approvals = Table(
    "orchestrator_refund_approvals",
    metadata,
    Column("refund_id", String(20), primary_key=True),
    Column("conversation_id", String(40)),
    Column("handoff_id", String(20)),
    Column("order_id", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(16)),
    Column("requested_at", UTCDateTime(), nullable=False),
    Column("decision", String(10)),
    Column("decided_by", String(64)),
    Column("decided_at", UTCDateTime()),
    Column("note", Text),
    Index("ix_orchestrator_refund_approvals_decided", "decision", "decided_at"),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)


@dataclass(frozen=True)
class PendingApproval:
    """A refund the refunds server reserved for a human's approval (from a `process_refund` result)."""

    refund_id: str
    order_id: str
    amount_cents: int
    currency: str
    reason: str | None

    @property
    def amount(self) -> str:
        """e.g. `$732.97` or `12.50 EUR`."""
        whole = f"{self.amount_cents // 100:,}.{self.amount_cents % 100:02d}"
        return f"${whole}" if self.currency == "USD" else f"{whole} {self.currency}"

    @classmethod
    def from_result(cls, content: str) -> "PendingApproval | None":
        """The pending refund in a `process_refund` result's JSON (a replay too: its first turn may have failed)."""
        try:
            parsed: object = json.loads(content)
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
        data = cast(dict[str, Any], parsed)
        refund_id, order_id, amount = data.get("refund_id"), data.get("order_id"), data.get("amount")
        if data.get("status") != "pending_approval":
            return None
        if not (isinstance(refund_id, str) and _REFUND_ID.match(refund_id)):
            return None
        if not (isinstance(order_id, str) and _ORDER_ID.match(order_id)) or not isinstance(amount, int | float):
            return None
        currency, reason = data.get("currency"), data.get("reason")
        return cls(
            refund_id,
            order_id,
            round(amount * 100),
            currency if isinstance(currency, str) and len(currency) == 3 else "USD",
            reason if isinstance(reason, str) and len(reason) <= 16 else None,
        )


def note_pending(content: str, ctx: TurnContext) -> None:
    """Remember a pending refund seen in this turn's `process_refund` result, for `take_pending`."""
    found = PendingApproval.from_result(content)
    if found is not None:
        seen = cast(list[object], ctx.flags.setdefault(_FLAG, []))
        seen.append(found.__dict__.copy())


def take_pending(ctx: TurnContext) -> list[PendingApproval]:
    """The pending refunds noted this turn (each once), oldest first."""
    raw = ctx.flags.pop(_FLAG, None)
    items = cast(list[object], raw) if isinstance(raw, list) else []
    found: dict[str, PendingApproval] = {}
    for item in items:
        if isinstance(item, dict):
            approval = PendingApproval(**cast(dict[str, Any], item))
            found.setdefault(approval.refund_id, approval)
    return list(found.values())


_REASONS = {
    "defective": "defective item",
    "wrong_item": "wrong item received",
    "not_received": "not received",
    "changed_mind": "change of mind",
    "other": "other",
}


def escalation_arguments(
    approval: PendingApproval, *, conversation_id: str, summary: str, sentiment_trend: str | None
) -> dict[str, object]:
    """Arguments for `escalate_to_human`: a high-priority hand-off carrying the refund to decide."""
    reason = _REASONS.get(approval.reason or "", approval.reason or "not given")
    context = {
        "approval": "refund awaiting approval",
        "refund_id": approval.refund_id,
        "order_id": approval.order_id,
        "amount": f"{approval.amount_cents / 100:.2f} {approval.currency}",
        "refund_reason": reason,
    }
    arguments: dict[str, object] = {
        "reason": f"Refund {approval.refund_id} of {approval.amount} for order {approval.order_id} ({reason}) is above "
        "the automatic limit and needs a human's approval. Approve or reject it in the console.",
        "priority": "high",
        "conversation_summary": summary,
        "conversation_id": conversation_id,
        "context": context,
    }
    if sentiment_trend:
        arguments["sentiment_trend"] = sentiment_trend
    return arguments


def handoff_notice(approval: PendingApproval, handoff_id: str | None, *, french: bool = False) -> str:
    """What the customer is told happens next; it promises no money."""
    if french:
        where = f" (transfert {handoff_id})" if handoff_id else ""
        return (
            f"Votre demande de remboursement {approval.refund_id} ({approval.amount}) est transmise à notre équipe "
            f"pour validation{where}. Aucun argent n'a encore bougé : un membre de l'équipe va l'accepter ou la "
            "refuser, et vous verrez sa décision ici, dans cette conversation."
        )
    where = f" (hand-off {handoff_id})" if handoff_id else ""
    return (
        f"I've passed your refund request {approval.refund_id} ({approval.amount}) to our team for approval{where}. "
        "No money has moved yet: a team member will approve or decline it, and you'll see their decision right here "
        "in this conversation."
    )


@dataclass(frozen=True)
class ApprovalLink:
    """A refund awaiting (or past) approval, with its conversation and hand-off."""

    refund_id: str
    conversation_id: str | None
    handoff_id: str | None
    order_id: str
    amount_cents: int
    currency: str
    reason: str | None
    requested_at: datetime
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class ApprovalStats:
    """The approval KPIs: what waits now, and what was decided in a period."""

    pending: int
    """Refunds awaiting a decision now."""
    pending_cents: int
    approved: int
    approved_cents: int
    rejected: int
    rejected_cents: int
    mean_decision_s: float | None
    """Mean time from the customer's request to the decision, over the period's decisions."""
    max_decision_s: float | None


class ApprovalStore:
    """The orchestrator's table of refunds awaiting approval (`orchestrator_refund_approvals`)."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once."""
        self.db = db

    def prepare(self) -> None:
        """Create or migrate the table."""
        self.db.migrate("orchestrator_approvals", (_v1,))

    def record_request(
        self, approval: PendingApproval, *, conversation_id: str | None, handoff_id: str | None, at: datetime
    ) -> None:
        """Remember a pending refund (once: a later call only fills a missing conversation or hand-off)."""
        with self.db.write() as conn:
            query = select(approvals.c.conversation_id, approvals.c.handoff_id)
            row = conn.execute(query.where(approvals.c.refund_id == approval.refund_id)).first()
            if row is None:
                conn.execute(
                    insert(approvals).values(
                        refund_id=approval.refund_id,
                        conversation_id=conversation_id,
                        handoff_id=handoff_id,
                        order_id=approval.order_id,
                        amount_cents=approval.amount_cents,
                        currency=approval.currency,
                        reason=approval.reason,
                        requested_at=at,
                    )
                )
            else:
                missing = {"conversation_id": conversation_id, "handoff_id": handoff_id}
                values = {k: v for k, v in missing.items() if v is not None and getattr(row, k) is None}
                if values:
                    conn.execute(update(approvals).where(approvals.c.refund_id == approval.refund_id).values(**values))

    def record_decision(
        self,
        approval: PendingApproval,
        *,
        requested_at: datetime,
        decision: Decision,
        agent: str,
        at: datetime,
        note: str | None,
    ) -> ApprovalLink | None:
        """Record the decision once; returns the record when this call recorded it, None when it already was."""
        self.record_request(approval, conversation_id=None, handoff_id=None, at=requested_at)
        with self.db.write() as conn:
            changed = conn.execute(
                update(approvals)
                .where(approvals.c.refund_id == approval.refund_id, approvals.c.decision.is_(None))
                .values(decision=decision, decided_by=agent, decided_at=at, note=note)
            ).rowcount
            if not changed:
                return None
            row = conn.execute(select(approvals).where(approvals.c.refund_id == approval.refund_id)).mappings().one()
            return _link(row)

    def undecided(self, *, besides: Collection[str] = (), limit: int = 50) -> list[str]:
        """Refunds followed here with no decision recorded yet, oldest first, except those in `besides`."""
        c = approvals.c
        query = select(c.refund_id).where(c.decision.is_(None)).order_by(c.requested_at, c.refund_id)
        if besides:
            query = query.where(c.refund_id.not_in(list(besides)))
        with self.db.read() as conn:
            return [str(r) for r in conn.execute(query.limit(limit)).scalars()]

    def handed_over(self, refund_ids: Collection[str]) -> set[str]:
        """Those of `refund_ids` already linked to a conversation (their hand-off was made)."""
        return {r for r, link in self.get_many(refund_ids).items() if link.conversation_id is not None}

    def get_many(self, refund_ids: Collection[str]) -> dict[str, ApprovalLink]:
        """The records of these refunds that exist, by refund id."""
        if not refund_ids:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(select(approvals).where(approvals.c.refund_id.in_(list(refund_ids)))).mappings().all()
        return {row["refund_id"]: _link(row) for row in rows}

    def stats(self, *, since: datetime | None = None, until: datetime | None = None) -> ApprovalStats:
        """Pending now; approved and rejected (count, amount, time to decision) decided in [since, until)."""
        c = approvals.c
        with self.db.read() as conn:
            pending, pending_cents = conn.execute(
                select(func.count(), func.coalesce(func.sum(c.amount_cents), 0)).where(c.decision.is_(None))
            ).one()
            query = select(c.decision, c.amount_cents, c.requested_at, c.decided_at).where(c.decision.is_not(None))
            if since is not None:
                query = query.where(c.decided_at >= since)
            if until is not None:
                query = query.where(c.decided_at < until)
            rows = conn.execute(query).all()
        waits = [max(0.0, (decided - requested).total_seconds()) for _, _, requested, decided in rows]
        return ApprovalStats(
            pending=int(pending),
            pending_cents=int(pending_cents),
            approved=sum(1 for d, *_ in rows if d == "approved"),
            approved_cents=sum(int(a) for d, a, *_ in rows if d == "approved"),
            rejected=sum(1 for d, *_ in rows if d == "rejected"),
            rejected_cents=sum(int(a) for d, a, *_ in rows if d == "rejected"),
            mean_decision_s=sum(waits) / len(waits) if waits else None,
            max_decision_s=max(waits) if waits else None,
        )


def _link(row: RowMapping) -> ApprovalLink:
    return ApprovalLink(**row)
