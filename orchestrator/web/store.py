"""WebStore: the web channel's state in SQL: customer secrets, who holds each conversation, and its event log."""

import hashlib
import hmac
import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

__all__ = [
    "AGENT_KEY",
    "NOTIFY_CHANNEL",
    "ChannelState",
    "StoredEvent",
    "TurnOwner",
    "TurnSlot",
    "WebConversation",
    "WebStore",
    "web_conversations",
    "web_instances",
]

ChannelState = Literal["active", "waiting_for_human", "with_human", "ended"]
NOTIFY_CHANNEL = "switchboard_web"
"""The PostgreSQL NOTIFY channel; the payload is the conversation id."""
AGENT_KEY = "*agents"
"""The subscription key of the agents' console (woken by every event)."""

metadata = MetaData()
web_conversations = Table(
    "web_conversations",
    metadata,
    Column("conversation_id", String(40), primary_key=True),  # orchestrator_conversations.id
    Column("secret_sha256", String(64), nullable=False),
    Column("state", String(20), nullable=False),
    Column("handoff_id", String(16)),
    Column("agent", String(64)),
    Column("csat", Integer),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("turn_until", UTCDateTime()),  # a customer turn runs (on some process) until then, unless released
    Column("turn_owner", String(40)),  # the web_instances row of the process running it
    Index("ix_web_conversations_handoff", "handoff_id"),
)
web_instances = Table(  # one row per running `serve` process, kept fresh by its heartbeat
    "web_instances",
    metadata,
    Column("instance_id", String(40), primary_key=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("heartbeat_at", UTCDateTime(), nullable=False),
)
web_events = Table(
    "web_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("author", String(64)),
    Column("body", Text),
    Column("data_json", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_web_events_conversation", "conversation_id", "id"),
)

EVENTS_LOCK_KEY = 0x5357_4542_4556
"""PostgreSQL advisory lock held by every transaction that appends events (see `WebStore._append`)."""

MESSAGE_KINDS = ("customer_message", "assistant_message", "agent_message", "system_message")
"""Events that are lines of the visible transcript."""


_w = web_conversations.c
# The statements of a turn, built once (see `storage/store.py`).
_BY_ID = select(web_conversations).where(_w.conversation_id == bindparam("cid"))
_LOCK = _BY_ID.with_for_update()
_LOCK_SLOT = select(_w.turn_until, _w.turn_owner).where(_w.conversation_id == bindparam("cid")).with_for_update()
_SET = update(web_conversations).where(_w.conversation_id == bindparam("b_id"))
"""Sets the columns named by the parameters (besides `b_id`, the conversation)."""
_TAKE_FREE = _SET.where(or_(_w.turn_until.is_(None), _w.turn_until < bindparam("b_now"))).returning(_w.conversation_id)
"""Takes the turn slot (`turn_until`, `turn_owner`) if it is free or its lease ran out before `b_now`."""
_RELEASE = _SET.where(
    _w.turn_until == bindparam("b_until"), _w.turn_owner.is_not_distinct_from(bindparam("b_owner"))
).values(turn_until=None, turn_owner=None)
"""Frees the slot only if it is still the take `b_until`/`b_owner` (never a later turn's take)."""
_RELEASE_RETURNING = _RELEASE.returning(*web_conversations.c)
_HEARTBEAT = select(web_instances.c.heartbeat_at).where(web_instances.c.instance_id == bindparam("holder"))
_INSERT_EVENT = insert(web_events).returning(web_events.c.id)
# PostgreSQL: the events lock, the NOTIFY and the row in one statement. The MATERIALIZED CTE is read before the
# row it feeds is formed, so the lock is held before the id's `nextval` runs (see `WebStore._append`).
_APPEND_EVENT_PG = text(
    "WITH announce AS MATERIALIZED (SELECT pg_advisory_xact_lock(:key), pg_notify(:channel, :payload)) "
    "INSERT INTO web_events (conversation_id, kind, author, body, data_json, created_at) "
    "SELECT CAST(:conversation_id AS VARCHAR), CAST(:kind AS VARCHAR), CAST(:author AS VARCHAR), CAST(:body AS TEXT), "
    "CAST(:data_json AS TEXT), CAST(:created_at AS TIMESTAMP WITH TIME ZONE) FROM announce RETURNING id"
).bindparams(bindparam("created_at", type_=UTCDateTime()))


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)


def _v2(conn: Connection) -> None:
    """The turn lease column (databases created by `_v1` before it existed)."""
    if "turn_until" not in {c["name"] for c in inspect(conn).get_columns("web_conversations")}:
        column_type = UTCDateTime().compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE web_conversations ADD COLUMN turn_until {column_type}"))


def _v3(conn: Connection) -> None:
    """Turns owned by a process instance with a heartbeat (`turn_owner`, `web_instances`)."""
    if "turn_owner" not in {c["name"] for c in inspect(conn).get_columns("web_conversations")}:
        conn.execute(text("ALTER TABLE web_conversations ADD COLUMN turn_owner VARCHAR(40)"))
    web_instances.create(conn, checkfirst=True)


MIGRATIONS = (_v1, _v2, _v3)


@dataclass(frozen=True)
class TurnOwner:
    """Who takes a turn slot: this process's instance, and how long a silent instance still counts as alive."""

    instance_id: str
    expiry: timedelta
    """An owner whose last heartbeat is older than this is presumed dead, and its turns are free to take."""


@dataclass(frozen=True)
class TurnSlot:
    """One take of a conversation's turn slot, as `begin_turn` wrote it: what that turn's end may free.

    A turn presumed over (its lease ran out, or its owner looked dead) may still end later; by then another turn,
    perhaps of the same process, may hold the slot, and only the exact take identifies whose it is.
    """

    until: datetime | None
    """The `turn_until` written (None: nothing was taken, e.g. a message relayed to a human agent)."""
    owner: str | None
    """The `turn_owner` written."""


@dataclass(frozen=True)
class WebConversation:
    """The web channel's view of one conversation."""

    conversation_id: str
    state: ChannelState
    handoff_id: str | None
    agent: str | None
    csat: int | None
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class StoredEvent:
    """One row of the event log."""

    id: int
    conversation_id: str
    kind: str
    author: str | None
    body: str | None
    data: dict[str, Any]
    created_at: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class WebStore:
    """The `web_*` tables. Every method is one transaction; events are announced with NOTIFY on PostgreSQL."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once."""
        self.db = db

    def prepare(self) -> None:
        """Create or migrate the tables."""
        self.db.migrate("web", MIGRATIONS)

    def register(self, conversation_id: str) -> str:
        """Record a new web conversation and return its secret (only the hash is stored)."""
        secret = secrets.token_urlsafe(32)
        with self.db.write() as conn:
            conn.execute(
                insert(web_conversations).values(
                    conversation_id=conversation_id,
                    secret_sha256=_hash(secret),
                    state="active",
                    created_at=utcnow(),
                )
            )
        return secret

    def authenticate(self, conversation_id: str, secret: str) -> WebConversation | None:
        """The conversation when `secret` is its secret (constant-time compare), else None."""
        with self.db.read() as conn:
            row = conn.execute(_BY_ID, {"cid": conversation_id}).mappings().first()
        if row is None or not hmac.compare_digest(row["secret_sha256"], _hash(secret)):
            return None
        return _conversation(row)

    def get(self, conversation_id: str) -> WebConversation | None:
        """The conversation, without checking any secret (agents' side)."""
        with self.db.read() as conn:
            row = conn.execute(_BY_ID, {"cid": conversation_id}).mappings().first()
        return None if row is None else _conversation(row)

    def get_many(self, conversation_ids: Collection[str]) -> dict[str, WebConversation]:
        """The web conversations among those ids, by id, in one query."""
        if not conversation_ids:
            return {}
        query = select(web_conversations).where(web_conversations.c.conversation_id.in_(list(conversation_ids)))
        with self.db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return {row["conversation_id"]: _conversation(row) for row in rows}

    def by_handoff(self, handoff_id: str) -> WebConversation | None:
        """The web conversation linked to a handoff, if any."""
        with self.db.read() as conn:
            row = (
                conn.execute(select(web_conversations).where(web_conversations.c.handoff_id == handoff_id))
                .mappings()
                .first()
            )
        return None if row is None else _conversation(row)

    def update(
        self,
        conversation_id: str,
        *,
        events: Collection[tuple[str, str | None, str | None, dict[str, Any]]] = (),
        expect: Collection[ChannelState] | None = None,
        release: TurnSlot | None = None,
        **values: Any,
    ) -> tuple[WebConversation, list[int]]:
        """Change the conversation's columns and append events (kind, author, body, data) in one transaction.

        With `release`, also free the turn slot if it is still that take (a turn presumed over and taken over,
        by another process or by a later turn of this one, must not free its successor's slot).

        Raises:
            KeyError: unknown conversation.
            StateConflictError: its state is not one of `expect`.
        """
        with self.db.write() as conn:
            row, released = None, False
            if release is not None and expect is None and not values:  # a turn's end: free the slot and read the row
                slot = {"b_id": conversation_id, "b_until": release.until, "b_owner": release.owner}
                row, released = conn.execute(_RELEASE_RETURNING, slot).mappings().first(), True
            if row is None:  # (or the slot is another take now: nothing to free)
                row = conn.execute(_LOCK, {"cid": conversation_id}).mappings().first()
            if row is None:
                raise KeyError(conversation_id)
            if expect is not None and row["state"] not in expect:
                raise StateConflictError(cast(ChannelState, row["state"]))
            if values:
                conn.execute(_SET, {"b_id": conversation_id, **values})
            if release is not None and not released:
                conn.execute(_RELEASE, {"b_id": conversation_id, "b_until": release.until, "b_owner": release.owner})
            ids = [self._append(conn, conversation_id, *event) for event in events]
            after = conn.execute(_BY_ID, {"cid": conversation_id}).mappings().one() if values else row
        return _conversation(after), ids

    def begin_turn(
        self, conversation_id: str, lease: timedelta | None, *, owner: TurnOwner | None = None
    ) -> TurnSlot | None:
        """Take the conversation's turn slot for `lease` (None: only check that no turn holds it); None if held.

        A turn holds the slot until its lease ends, and, when it has an owner, only while that owner's heartbeat
        is fresher than the taker's `owner.expiry` (a crashed process frees its turns within that time). The
        returned take is what the turn's end releases (`update(release=...)`, `end_turn`).

        One transaction, so two processes cannot both win: a free slot is taken by one conditional UPDATE
        (PostgreSQL re-checks its condition on the row's latest version; SQLite has a single writer); only a held
        one has its row locked while the holder's liveness is judged.
        """
        now = utcnow()
        holder = owner.instance_id if owner else None
        slot = TurnSlot(now + lease if lease is not None else None, holder)
        with self.db.write() as conn:
            if lease is not None:  # the common case, in one statement: the slot is free or its lease ran out
                take = {"b_id": conversation_id, "b_now": now, "turn_until": slot.until, "turn_owner": holder}
                if conn.execute(_TAKE_FREE, take).first() is not None:
                    return slot
            row = conn.execute(_LOCK_SLOT, {"cid": conversation_id}).first()
            if row is None or self._held(conn, row.turn_until, row.turn_owner, now, owner):
                return None
            if lease is not None:  # held by a turn whose owner is presumed dead: take it over
                conn.execute(_SET, {"b_id": conversation_id, "turn_until": slot.until, "turn_owner": holder})
        return slot

    def turn_free_in(self, conversation_id: str, owner: TurnOwner | None = None) -> float | None:
        """Seconds until the conversation's turn slot frees itself if its holder stops (None: it is free now)."""
        now = utcnow()
        with self.db.read() as conn:
            row = conn.execute(
                select(web_conversations.c.turn_until, web_conversations.c.turn_owner, web_instances.c.heartbeat_at)
                .select_from(
                    web_conversations.outerjoin(
                        web_instances, web_instances.c.instance_id == web_conversations.c.turn_owner
                    )
                )
                .where(web_conversations.c.conversation_id == conversation_id)
            ).first()
        if row is None or row.turn_until is None or row.turn_until < now:
            return None
        ends = row.turn_until
        if row.turn_owner is not None and owner is not None:
            if row.heartbeat_at is None:
                return None
            ends = min(ends, row.heartbeat_at + owner.expiry)
        return max((ends - now).total_seconds(), 0.0)

    @staticmethod
    def _held(
        conn: Connection, until: datetime | None, holder: str | None, now: datetime, owner: TurnOwner | None
    ) -> bool:
        if until is None or until < now:
            return False
        if holder is None or owner is None:  # a turn from before owners, or a caller that cannot judge liveness
            return True
        beat = conn.execute(_HEARTBEAT, {"holder": holder}).scalar_one_or_none()
        return beat is not None and beat >= now - owner.expiry

    def end_turn(self, conversation_id: str, slot: TurnSlot) -> None:
        """Free the conversation's turn slot if it is still the take `slot` (a turn that failed)."""
        with self.db.write() as conn:
            conn.execute(_RELEASE, {"b_id": conversation_id, "b_until": slot.until, "b_owner": slot.owner})

    def append(
        self, conversation_id: str, kind: str, *, author: str | None = None, body: str | None = None, **data: Any
    ) -> int:
        """Append one event; return its id."""
        with self.db.write() as conn:
            return self._append(conn, conversation_id, kind, author, body, data)

    def events(
        self, conversation_id: str | None, *, after: int = 0, kinds: Collection[str] | None = None, limit: int = 500
    ) -> list[StoredEvent]:
        """Events after id `after`, oldest first (of every conversation when `conversation_id` is None)."""
        query = select(web_events).where(web_events.c.id > after)
        if conversation_id is not None:
            query = query.where(web_events.c.conversation_id == conversation_id)
        if kinds is not None:
            query = query.where(web_events.c.kind.in_(list(kinds)))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(web_events.c.id).limit(limit)).mappings().all()
        return [_event(r) for r in rows]

    def transcript(self, conversation_id: str) -> list[StoredEvent]:
        """The visible messages of a conversation, oldest first."""
        return self.events(conversation_id, kinds=MESSAGE_KINDS, limit=10_000)

    def last_event_id(self, conversation_id: str | None = None) -> int:
        """The newest event id (of one conversation, or overall)."""
        query = select(web_events.c.id).order_by(web_events.c.id.desc()).limit(1)
        if conversation_id is not None:
            query = query.where(web_events.c.conversation_id == conversation_id)
        with self.db.read() as conn:
            found = conn.execute(query).scalar()
        return found or 0

    def _append(
        self, conn: Connection, conversation_id: str, kind: str, author: str | None, body: str | None, data: Any
    ) -> int:
        row = {
            "conversation_id": conversation_id,
            "kind": kind,
            "author": author,
            "body": body,
            "data_json": json.dumps(data, default=str),
            "created_at": utcnow(),
        }
        if self.db.is_sqlite:  # a single writer: ids become visible in order
            return int(conn.execute(_INSERT_EVENT, row).scalar_one())
        # Event ids are read as a cursor ("everything after id N"), so they must become visible in id order. A
        # sequence hands out ids before commit: without the lock (held to the commit) a later id can commit first and
        # a reader moves past an earlier one still in flight. The NOTIFY is delivered to every listener at commit.
        announce = {"key": EVENTS_LOCK_KEY, "channel": NOTIFY_CHANNEL, "payload": conversation_id}
        return int(conn.execute(_APPEND_EVENT_PG, {**announce, **row}).scalar_one())


class StateConflictError(Exception):
    """The conversation is not in a state that allows the action."""

    def __init__(self, state: ChannelState) -> None:
        super().__init__(state)
        self.state = state


def _conversation(row: RowMapping) -> WebConversation:
    return WebConversation(
        conversation_id=row["conversation_id"],
        state=row["state"],
        handoff_id=row["handoff_id"],
        agent=row["agent"],
        csat=row["csat"],
        created_at=row["created_at"],
        ended_at=row["ended_at"],
    )


def _event(row: RowMapping) -> StoredEvent:
    return StoredEvent(
        id=row["id"],
        conversation_id=row["conversation_id"],
        kind=row["kind"],
        author=row["author"],
        body=row["body"],
        data=json.loads(row["data_json"]),
        created_at=row["created_at"],
    )
