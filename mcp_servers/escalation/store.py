"""EscalationStore: the escalation_handoffs and escalation_messages tables, the queue order and its state machine.

A handoff moves queued -> claimed -> resolved and never back. The queue is served by priority (urgent, high,
normal), then oldest first.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

from .models import PRIORITY_RANK, AuthorKind, HandoffStatus, Outcome, Priority

__all__ = [
    "ConversationConflictError",
    "EscalationStore",
    "HandoffNotFoundError",
    "HandoffRecord",
    "HandoffStateError",
    "MessageRecord",
]

OPEN_STATUSES = ("queued", "claimed")

metadata = MetaData()
handoffs = Table(
    "escalation_handoffs",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("reason", String(500), nullable=False),
    Column("priority", String(8), nullable=False),
    Column("priority_rank", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("customer_email", String(254)),
    Column("customer_verified", Boolean, nullable=False, default=False),
    Column("conversation_id", String(64)),
    Column("sentiment_trend", String(20)),
    Column("context_json", Text, nullable=False),
    Column("status", String(8), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_at", UTCDateTime()),
    Column("resolved_at", UTCDateTime()),
    Column("outcome", String(16)),
    Column("resolution_note", Text),
)
# Serves the queue order (and the position count) straight from the index.
Index(
    "ix_escalation_handoffs_queue",
    handoffs.c.status,
    handoffs.c.priority_rank.desc(),
    handoffs.c.created_at,
    handoffs.c.seq,
)
# At most one open handoff per conversation, even if two escalations race past the application check.
_open = handoffs.c.status.in_(OPEN_STATUSES)
Index(
    "ux_escalation_handoffs_open_conversation",
    handoffs.c.conversation_id,
    unique=True,
    sqlite_where=_open,
    postgresql_where=_open,
)
messages = Table(
    "escalation_messages",
    metadata,
    Column("handoff_id", String(16), ForeignKey("escalation_handoffs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("author_kind", String(8), nullable=False),
    Column("author", String(64), nullable=False),
    Column("body", Text, nullable=False),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS = (_create_v1,)

SYSTEM_AUTHOR = "switchboard"


class HandoffNotFoundError(LookupError):
    """No handoff has that id."""


class HandoffStateError(Exception):
    """The handoff's status or owner does not allow the requested step; `record` is its current state."""

    def __init__(self, record: "HandoffRecord") -> None:
        """Carry the handoff as it is now."""
        super().__init__(f"{record.handoff_id} is {record.status}")
        self.record = record


class ConversationConflictError(Exception):
    """The conversation already has an open handoff for a different customer."""


@dataclass(frozen=True)
class MessageRecord:
    """One stored entry of a handoff's log."""

    seq: int
    at: datetime
    author_kind: AuthorKind
    author: str
    body: str


@dataclass(frozen=True)
class HandoffRecord:
    """One stored handoff, its queue position (when queued) and, when loaded, its log."""

    handoff_id: str
    seq: int
    reason: str
    priority: Priority
    summary: str
    customer_email: str | None
    customer_verified: bool
    conversation_id: str | None
    sentiment_trend: str | None
    context: Mapping[str, str]
    status: HandoffStatus
    created_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    outcome: Outcome | None
    resolution_note: str | None
    position: int | None
    messages: tuple[MessageRecord, ...] = field(default=())


def handoff_id_for(seq: int) -> str:
    """The public id of the `seq`-th handoff, e.g. HO-000042."""
    return f"HO-{seq:06d}"


class EscalationStore:
    """The escalation domain's tables. Every method that writes runs in one transaction."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once before serving."""
        self.db = db

    def prepare(self) -> None:
        """Migrate the schema. There is no demo seed: the queue starts empty."""
        self.db.migrate("escalation", MIGRATIONS)

    def escalate(
        self,
        *,
        reason: str,
        priority: Priority,
        summary: str,
        customer_email: str | None = None,
        customer_verified: bool = False,
        conversation_id: str | None = None,
        sentiment_trend: str | None = None,
        context: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> tuple[HandoffRecord, bool]:
        """Queue a new handoff, or return the conversation's open one. Returns (handoff, created).

        Raises:
            ConversationConflictError: The conversation's open handoff names a different customer.
        """
        now = now or utcnow()
        with self.db.write() as conn:
            if not self.db.is_sqlite:
                # Nothing exists yet to lock FOR UPDATE: serialise escalations (the duplicate check and the
                # next seq) with a transaction-scoped advisory lock. SQLite's BEGIN IMMEDIATE already does.
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('escalation-handoffs'))"))
            if conversation_id is not None:
                row = (
                    conn.execute(
                        select(handoffs).where(
                            handoffs.c.conversation_id == conversation_id, handoffs.c.status.in_(OPEN_STATUSES)
                        )
                    )
                    .mappings()
                    .first()
                )
                if row is not None:
                    if row["customer_email"] is not None and row["customer_email"] != customer_email:
                        raise ConversationConflictError(conversation_id)
                    return _load(conn, row["id"]), False
            seq = conn.execute(select(func.coalesce(func.max(handoffs.c.seq), 0))).scalar_one() + 1
            handoff_id = handoff_id_for(seq)
            conn.execute(
                insert(handoffs).values(
                    id=handoff_id,
                    seq=seq,
                    reason=reason,
                    priority=priority,
                    priority_rank=PRIORITY_RANK[priority],
                    summary=summary,
                    customer_email=customer_email,
                    customer_verified=customer_verified,
                    conversation_id=conversation_id,
                    sentiment_trend=sentiment_trend,
                    context_json=json.dumps(dict(context or {}), sort_keys=True),
                    status="queued",
                    created_at=now,
                )
            )
            _log(conn, handoff_id, now, "system", SYSTEM_AUTHOR, f"Handoff opened with {priority} priority.")
            return _load(conn, handoff_id), True

    def get(self, handoff_id: str) -> HandoffRecord | None:
        """The handoff with its position and log, or None."""
        with self.db.read() as conn:
            row = conn.execute(select(handoffs.c.id).where(handoffs.c.id == handoff_id)).first()
            return _load(conn, handoff_id) if row else None

    def list_handoffs(self, status: HandoffStatus, *, limit: int = 20) -> tuple[int, list[HandoffRecord]]:
        """The total in `status` and the first `limit` handoffs in queue order (newest first when resolved)."""
        with self.db.read() as conn:
            total = conn.execute(
                select(func.count()).select_from(handoffs).where(handoffs.c.status == status)
            ).scalar_one()
            query = select(handoffs).where(handoffs.c.status == status).limit(limit)
            if status == "resolved":
                query = query.order_by(handoffs.c.resolved_at.desc(), handoffs.c.seq.desc())
            else:
                query = query.order_by(handoffs.c.priority_rank.desc(), handoffs.c.created_at, handoffs.c.seq)
            rows = conn.execute(query).mappings().all()
        return total, [_record(row, position=n if status == "queued" else None) for n, row in enumerate(rows, start=1)]

    def claim(self, handoff_id: str, agent: str, *, now: datetime | None = None) -> HandoffRecord:
        """Give a queued handoff to `agent`; claiming one's own claimed handoff again changes nothing.

        The conditional UPDATE is the race guard: of concurrent claims, exactly one sees a queued row.

        Raises:
            HandoffNotFoundError: No such handoff.
            HandoffStateError: Claimed by another agent, or resolved.
        """
        now = now or utcnow()
        with self.db.write() as conn:
            claimed = conn.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id, handoffs.c.status == "queued")
                .values(status="claimed", claimed_by=agent, claimed_at=now)
            )
            if claimed.rowcount == 1:
                _log(conn, handoff_id, now, "system", SYSTEM_AUTHOR, f"Claimed by {agent}.")
                return _load(conn, handoff_id)
            record = _load_or_raise(conn, handoff_id)
            if record.status == "claimed" and record.claimed_by == agent:
                return record
            raise HandoffStateError(record)

    def add_reply(self, handoff_id: str, agent: str, body: str, *, now: datetime | None = None) -> HandoffRecord:
        """Append `agent`'s message to a handoff that `agent` has claimed.

        Raises:
            HandoffNotFoundError: No such handoff.
            HandoffStateError: Not claimed by `agent` (queued, someone else's, or resolved).
        """
        now = now or utcnow()
        with self.db.write() as conn:
            _lock_owned(conn, handoff_id, agent)
            _log(conn, handoff_id, now, "agent", agent, body)
            return _load(conn, handoff_id)

    def resolve(
        self, handoff_id: str, agent: str, *, outcome: Outcome, note: str, now: datetime | None = None
    ) -> HandoffRecord:
        """End a handoff that `agent` has claimed, either resolved or returned to the bot.

        Raises:
            HandoffNotFoundError: No such handoff.
            HandoffStateError: Not claimed by `agent` (queued, someone else's, or already resolved).
        """
        now = now or utcnow()
        with self.db.write() as conn:
            _lock_owned(conn, handoff_id, agent)
            conn.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .values(status="resolved", resolved_at=now, outcome=outcome, resolution_note=note)
            )
            label = "Resolved" if outcome == "resolved" else "Returned to the bot"
            _log(conn, handoff_id, now, "system", SYSTEM_AUTHOR, f"{label} by {agent}: {note}")
            return _load(conn, handoff_id)


def _lock_owned(conn: Connection, handoff_id: str, agent: str) -> None:
    """Lock the handoff row (PostgreSQL; SQLite holds the database lock) and check `agent` holds it."""
    row = conn.execute(
        select(handoffs.c.status, handoffs.c.claimed_by).where(handoffs.c.id == handoff_id).with_for_update()
    ).first()
    if row is None:
        raise HandoffNotFoundError(handoff_id)
    if row.status != "claimed" or row.claimed_by != agent:
        raise HandoffStateError(_load(conn, handoff_id))


def _log(conn: Connection, handoff_id: str, at: datetime, author_kind: AuthorKind, author: str, body: str) -> None:
    # Callers hold the handoff row (or, for a new handoff, the escalation lock), so max + 1 cannot collide.
    seq = (
        conn.execute(
            select(func.coalesce(func.max(messages.c.seq), 0)).where(messages.c.handoff_id == handoff_id)
        ).scalar_one()
        + 1
    )
    conn.execute(
        insert(messages).values(
            handoff_id=handoff_id, seq=seq, at=at, author_kind=author_kind, author=author, body=body
        )
    )


def _ahead_of(row: RowMapping) -> ColumnElement[bool]:
    rank, created, seq = row["priority_rank"], row["created_at"], row["seq"]
    return or_(
        handoffs.c.priority_rank > rank,
        and_(
            handoffs.c.priority_rank == rank,
            or_(handoffs.c.created_at < created, and_(handoffs.c.created_at == created, handoffs.c.seq < seq)),
        ),
    )


def _load_or_raise(conn: Connection, handoff_id: str) -> HandoffRecord:
    if conn.execute(select(handoffs.c.id).where(handoffs.c.id == handoff_id)).first() is None:
        raise HandoffNotFoundError(handoff_id)
    return _load(conn, handoff_id)


def _load(conn: Connection, handoff_id: str) -> HandoffRecord:
    """The handoff (which must exist) with its position and its log."""
    row = conn.execute(select(handoffs).where(handoffs.c.id == handoff_id)).mappings().one()
    position = None
    if row["status"] == "queued":
        ahead = conn.execute(
            select(func.count()).select_from(handoffs).where(handoffs.c.status == "queued", _ahead_of(row))
        ).scalar_one()
        position = ahead + 1
    log = conn.execute(
        select(messages.c.seq, messages.c.at, messages.c.author_kind, messages.c.author, messages.c.body)
        .where(messages.c.handoff_id == handoff_id)
        .order_by(messages.c.seq)
    ).all()
    return _record(row, position=position, log=tuple(MessageRecord(*entry) for entry in log))


def _record(row: RowMapping, *, position: int | None, log: tuple[MessageRecord, ...] = ()) -> HandoffRecord:
    return HandoffRecord(
        handoff_id=row["id"],
        seq=row["seq"],
        reason=row["reason"],
        priority=row["priority"],
        summary=row["summary"],
        customer_email=row["customer_email"],
        customer_verified=row["customer_verified"],
        conversation_id=row["conversation_id"],
        sentiment_trend=row["sentiment_trend"],
        context=json.loads(row["context_json"]),
        status=row["status"],
        created_at=row["created_at"],
        claimed_by=row["claimed_by"],
        claimed_at=row["claimed_at"],
        resolved_at=row["resolved_at"],
        outcome=row["outcome"],
        resolution_note=row["resolution_note"],
        position=position,
        messages=log,
    )
