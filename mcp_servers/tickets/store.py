"""TicketsStore: the tickets and ticket-events tables, the status machine and sequential ticket numbers."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

from .demo import DemoTicket, Note, demo_tickets
from .models import EventKind, NoteAuthor, TicketCategory, TicketPriority, TicketStatus

__all__ = [
    "TRANSITIONS",
    "EventRecord",
    "TicketNotFoundError",
    "TicketRecord",
    "TicketsStore",
    "TransitionError",
]

TRANSITIONS: dict[TicketStatus, tuple[TicketStatus, ...]] = {
    "open": ("pending", "resolved"),
    "pending": ("open", "resolved"),
    "resolved": ("open", "closed"),
    "closed": ("open",),
}
"""Allowed next statuses. Moving back to open from resolved or closed is a reopen and is counted."""

_REOPENABLE: tuple[TicketStatus, ...] = ("resolved", "closed")
_ID_PREFIX = "TCK-"


def _in(column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})")


metadata = MetaData()
tickets = Table(
    "tickets_tickets",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("customer_email", String(254), nullable=False),
    Column("order_id", String(16)),
    Column("subject", String(200), nullable=False),
    Column("category", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("reopen_count", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    _in("category", ("billing", "technical", "shipping", "refund", "other")),
    _in("priority", ("low", "medium", "high", "urgent")),
    _in("status", tuple(TRANSITIONS)),
    Index("ix_tickets_tickets_customer", "customer_email", "updated_at"),
)
events = Table(
    "tickets_events",
    metadata,
    Column("ticket_id", String(16), ForeignKey("tickets_tickets.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16)),
    Column("author", String(16), nullable=False),
    Column("body", Text),
    _in("kind", ("created", "note", "status", "reopened")),
    _in("author", ("customer", "agent", "bot")),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS = (_create_v1,)


class TicketNotFoundError(LookupError):
    """No ticket has this id."""


class TransitionError(ValueError):
    """The ticket cannot move from its current status to the requested one."""

    def __init__(self, ticket_id: str, current: TicketStatus, target: TicketStatus) -> None:
        """Describe the refused move; `allowed` lists the statuses reachable from `current`."""
        self.ticket_id = ticket_id
        self.current = current
        self.target = target
        self.allowed = TRANSITIONS[current]
        super().__init__(f"{ticket_id}: {current} -> {target} not allowed (allowed: {', '.join(self.allowed)})")


@dataclass(frozen=True)
class EventRecord:
    """One stored history entry of a ticket."""

    seq: int
    at: datetime
    kind: EventKind
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    author: NoteAuthor
    body: str | None


@dataclass(frozen=True)
class TicketRecord:
    """One stored ticket; `events` is filled by `get_ticket` and by writes, and empty in lists."""

    ticket_id: str
    customer_email: str
    order_id: str | None
    subject: str
    category: TicketCategory
    priority: TicketPriority
    status: TicketStatus
    description: str
    reopen_count: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    events: tuple[EventRecord, ...] = ()


class TicketsStore:
    """The tickets domain's tables. Every write (the ticket row plus its event) is one transaction."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once before serving."""
        self.db = db

    def prepare(self, *, seed: bool = False, now: datetime | None = None) -> None:
        """Migrate the schema; with `seed` (the demo), seed the demo tickets into an empty store (one transaction)."""
        self.db.migrate("tickets", MIGRATIONS)
        if seed:
            self.seed_demo(now or utcnow())

    def seed_demo(self, now: datetime) -> bool:
        """Insert the demo tickets unless tickets already exist. Returns whether it seeded."""
        if self.db.has_rows(tickets):
            return False  # a read: an already seeded store takes no write lock
        with self.db.write() as conn:
            self._lock_numbering(conn)
            if conn.execute(select(func.count()).select_from(tickets)).scalar_one():
                return False
            for ticket in demo_tickets(now):
                _play(conn, ticket)
            return True

    def create_ticket(
        self,
        *,
        customer_email: str,
        subject: str,
        category: TicketCategory,
        priority: TicketPriority,
        description: str,
        order_id: str | None = None,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Open a ticket with the next sequential number and its `created` event."""
        at = now or utcnow()
        with self.db.write() as conn:
            self._lock_numbering(conn)
            ticket_id = _insert_ticket(
                conn,
                customer_email=customer_email,
                subject=subject,
                category=category,
                priority=priority,
                description=description,
                order_id=order_id,
                at=at,
            )
            return _load(conn, ticket_id)

    def get_ticket(self, ticket_id: str) -> TicketRecord | None:
        """The ticket with its history, or None."""
        with self.db.read() as conn:
            if conn.execute(select(tickets.c.id).where(tickets.c.id == ticket_id)).first() is None:
                return None
            return _load(conn, ticket_id)

    def ticket_owner(self, ticket_id: str) -> str | None:
        """The email on the ticket, or None when there is no such ticket (the owner never changes)."""
        with self.db.read() as conn:
            return conn.execute(select(tickets.c.customer_email).where(tickets.c.id == ticket_id)).scalar()

    def list_tickets(self, email: str, *, status: TicketStatus | None = None, limit: int = 20) -> list[TicketRecord]:
        """A customer's tickets, most recently updated first, without their histories."""
        query = (
            select(tickets)
            .where(tickets.c.customer_email == email)
            .order_by(tickets.c.updated_at.desc(), tickets.c.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(tickets.c.status == status)
        with self.db.read() as conn:
            return [_record(row) for row in conn.execute(query).mappings()]

    def add_note(self, ticket_id: str, *, body: str, author: NoteAuthor, now: datetime | None = None) -> TicketRecord:
        """Append a note to the ticket's history."""
        at = now or utcnow()
        with self.db.write() as conn:
            _lock_ticket(conn, ticket_id)
            _note(conn, ticket_id, at=at, author=author, body=body)
            return _load(conn, ticket_id)

    def change_status(
        self,
        ticket_id: str,
        *,
        to_status: TicketStatus,
        note: str | None = None,
        author: NoteAuthor = "bot",
        now: datetime | None = None,
    ) -> TicketRecord:
        """Move the ticket along the status machine; raise `TransitionError` (changing nothing) if not allowed."""
        at = now or utcnow()
        with self.db.write() as conn:
            current = _lock_ticket(conn, ticket_id)
            _transition(conn, ticket_id, current, to_status, at=at, author=author, note=note)
            return _load(conn, ticket_id)

    def _lock_numbering(self, conn: Connection) -> None:
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock so that two
        # transactions never compute the same next number.
        if not self.db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('tickets_tickets.id'))"))


def _next_ticket_id(conn: Connection) -> str:
    last = conn.execute(select(func.max(tickets.c.id))).scalar()
    number = int(last.removeprefix(_ID_PREFIX)) + 1 if last else 1
    return f"{_ID_PREFIX}{number:06d}"


def _insert_ticket(
    conn: Connection,
    *,
    customer_email: str,
    subject: str,
    category: TicketCategory,
    priority: TicketPriority,
    description: str,
    order_id: str | None,
    at: datetime,
) -> str:
    ticket_id = _next_ticket_id(conn)
    conn.execute(
        insert(tickets).values(
            id=ticket_id,
            customer_email=customer_email,
            order_id=order_id,
            subject=subject,
            category=category,
            priority=priority,
            status="open",
            description=description,
            reopen_count=0,
            created_at=at,
            updated_at=at,
            resolved_at=None,
        )
    )
    _append_event(conn, ticket_id, at=at, kind="created", author="customer", to_status="open")
    return ticket_id


def _lock_ticket(conn: Connection, ticket_id: str) -> TicketStatus:
    """Lock the ticket row until commit (PostgreSQL; SQLite holds the write lock already); return its status."""
    status = conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id).with_for_update()).scalar()
    if status is None:
        raise TicketNotFoundError(ticket_id)
    return status


def _note(conn: Connection, ticket_id: str, *, at: datetime, author: NoteAuthor, body: str) -> None:
    _append_event(conn, ticket_id, at=at, kind="note", author=author, body=body)
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(updated_at=at))


def _transition(
    conn: Connection,
    ticket_id: str,
    current: TicketStatus,
    target: TicketStatus,
    *,
    at: datetime,
    author: NoteAuthor,
    note: str | None,
) -> None:
    if target not in TRANSITIONS[current]:
        raise TransitionError(ticket_id, current, target)
    reopen = target == "open" and current in _REOPENABLE
    values: dict[str, object] = {"status": target, "updated_at": at}
    if target == "resolved":
        values["resolved_at"] = at
    if reopen:
        values["resolved_at"] = None
        values["reopen_count"] = tickets.c.reopen_count + 1
    conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(values))
    _append_event(
        conn,
        ticket_id,
        at=at,
        kind="reopened" if reopen else "status",
        author=author,
        from_status=current,
        to_status=target,
        body=note,
    )


def _append_event(
    conn: Connection,
    ticket_id: str,
    *,
    at: datetime,
    kind: EventKind,
    author: NoteAuthor,
    from_status: TicketStatus | None = None,
    to_status: TicketStatus | None = None,
    body: str | None = None,
) -> None:
    # The caller holds the ticket's row lock (or SQLite's write lock), so max(seq) + 1 cannot collide.
    seq = conn.execute(select(func.coalesce(func.max(events.c.seq), 0)).where(events.c.ticket_id == ticket_id))
    conn.execute(
        insert(events).values(
            ticket_id=ticket_id,
            seq=seq.scalar_one() + 1,
            at=at,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            author=author,
            body=body,
        )
    )


def _record(m: RowMapping, history: tuple[EventRecord, ...] = ()) -> TicketRecord:
    return TicketRecord(
        ticket_id=m["id"],
        customer_email=m["customer_email"],
        order_id=m["order_id"],
        subject=m["subject"],
        category=m["category"],
        priority=m["priority"],
        status=m["status"],
        description=m["description"],
        reopen_count=m["reopen_count"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        resolved_at=m["resolved_at"],
        events=history,
    )


def _load(conn: Connection, ticket_id: str) -> TicketRecord:
    row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).mappings().one()
    history = conn.execute(
        select(
            events.c.seq,
            events.c.at,
            events.c.kind,
            events.c.from_status,
            events.c.to_status,
            events.c.author,
            events.c.body,
        )
        .where(events.c.ticket_id == ticket_id)
        .order_by(events.c.seq)
    ).all()
    return _record(row, tuple(EventRecord(*event) for event in history))


def _play(conn: Connection, ticket: DemoTicket) -> None:
    ticket_id = _insert_ticket(
        conn,
        customer_email=ticket.customer_email,
        subject=ticket.subject,
        category=ticket.category,
        priority=ticket.priority,
        description=ticket.description,
        order_id=ticket.order_id,
        at=ticket.opened_at,
    )
    for at, step in ticket.steps:
        if isinstance(step, Note):
            _note(conn, ticket_id, at=at, author=step.author, body=step.body)
        else:
            author: NoteAuthor = "customer" if step.to == "open" else "agent"  # customers reopen
            _transition(conn, ticket_id, _lock_ticket(conn, ticket_id), step.to, at=at, author=author, note=step.note)
