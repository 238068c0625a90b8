"""ConversationStore: conversations, their messages, tool calls and usage ledger, in the shared SQL storage."""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

from ..events import Usage

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = [
    "ConversationStatus",
    "ConversationStore",
    "LedgerEntry",
    "StoredConversation",
    "StoredMessage",
    "new_conversation_id",
]

ConversationStatus = Literal["active", "escalated", "resolved", "closed"]

metadata = MetaData()
conversations = Table(
    "orchestrator_conversations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("model", String(80), nullable=False),
    Column("customer_email", String(254)),
    Column("summary", Text),
    Column("condensed_through", Integer, nullable=False, default=0),
    Column("state_json", Text, nullable=False, default="{}"),
)
messages = Table(
    "orchestrator_messages",
    metadata,
    Column("conversation_id", String(40), ForeignKey("orchestrator_conversations.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("turn", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # text | tool_use | tool_result
    Column("content_json", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
tool_calls = Table(
    "orchestrator_tool_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("orchestrator_conversations.id"), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("tool_use_id", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("server", String(32)),
    Column("arguments_json", Text, nullable=False),
    Column("is_error", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_orchestrator_tool_calls_conversation", "conversation_id"),
)
ledger = Table(
    "orchestrator_usage_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("orchestrator_conversations.id"), nullable=False),
    Column("turn", Integer, nullable=False),
    Column("purpose", String(16), nullable=False),  # reply | summary | sentiment
    Column("model", String(80), nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cache_read_tokens", Integer, nullable=False),
    Column("cache_write_tokens", Integer, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("priced", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_orchestrator_usage_ledger_conversation", "conversation_id"),
)


# The statements of a turn, built once: building one costs more CPU than SQLite takes to run it, and a built
# statement's cache key is computed once (SQLAlchemy then finds its compiled form at once).
_HEADER = select(conversations).where(conversations.c.id == bindparam("cid"))
_HEADERS = select(conversations).where(conversations.c.id.in_(bindparam("ids", expanding=True)))
_MESSAGES = (
    select(messages.c.seq, messages.c.turn, messages.c.content_json)
    .where(messages.c.conversation_id == bindparam("cid"), messages.c.seq > bindparam("after"))
    .order_by(messages.c.seq)
)
_LAST_TURN = select(func.max(messages.c.turn)).where(messages.c.conversation_id == bindparam("cid"))
_LAST_SEQ = select(func.coalesce(func.max(messages.c.seq), 0)).where(messages.c.conversation_id == bindparam("cid"))
_UPDATE_HEADER = conversations.update().where(conversations.c.id == bindparam("b_id"))
"""Sets the columns named by the parameters (besides `b_id`, the conversation)."""
_INSERT_MESSAGES = insert(messages)
_INSERT_TOOL_CALLS = insert(tool_calls)
_INSERT_LEDGER = insert(ledger)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS = (_v1,)


@dataclass(frozen=True)
class StoredMessage:
    """One stored message."""

    seq: int
    turn: int
    param: MessageParam


@dataclass(frozen=True)
class StoredConversation:
    """A conversation header."""

    id: str
    created_at: datetime
    updated_at: datetime
    status: ConversationStatus
    channel: str
    model: str
    customer_email: str | None
    summary: str | None
    condensed_through: int
    state: dict[str, Any]


@dataclass(frozen=True)
class LedgerEntry:
    """One model call's usage and cost."""

    turn: int
    purpose: str
    model: str
    usage: Usage
    cost_usd: float
    priced: bool


def _kind(param: MessageParam) -> str:
    content = param["content"]
    if isinstance(content, str):
        return "text"
    kinds = {cast(dict[str, Any], block).get("type") for block in content}
    if "tool_result" in kinds:
        return "tool_result"
    return "tool_use" if "tool_use" in kinds else "text"


def _conversation(row: RowMapping) -> StoredConversation:
    return StoredConversation(
        id=row["id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        channel=row["channel"],
        model=row["model"],
        customer_email=row["customer_email"],
        summary=row["summary"],
        condensed_through=row["condensed_through"],
        state=json.loads(row["state_json"] or "{}"),
    )


def as_stored(turn: int, params: Sequence[MessageParam]) -> list[StoredMessage]:
    """Messages as `append` stores them and a later read decodes them (not numbered yet: seq 0)."""
    return [StoredMessage(0, turn, json.loads(_encode(m))) for m in params]


def _encode(param: MessageParam) -> str:
    return json.dumps(param, default=str)


def new_conversation_id() -> str:
    """128 random bits, URL-safe, never starting with "-": a command line would read that id as an option."""
    while (conversation_id := secrets.token_urlsafe(16)).startswith("-"):
        continue
    return conversation_id


class ConversationStore:
    """Persistence of conversations. Every method is one transaction."""

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once."""
        self.db = db

    def prepare(self) -> None:
        """Create or migrate the tables."""
        self.db.migrate("orchestrator", MIGRATIONS)

    def create(self, *, channel: str, model: str) -> str:
        """Start a conversation; return its unguessable id (see `new_conversation_id`)."""
        conversation_id = new_conversation_id()
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(
                insert(conversations).values(
                    id=conversation_id,
                    created_at=now,
                    updated_at=now,
                    status="active",
                    channel=channel,
                    model=model,
                    customer_email=None,
                    summary=None,
                    condensed_through=0,
                    state_json="{}",
                )
            )
        return conversation_id

    def get(self, conversation_id: str) -> StoredConversation | None:
        """The conversation header, or None."""
        with self.db.read() as conn:
            row = conn.execute(_HEADER, {"cid": conversation_id}).mappings().first()
        return None if row is None else _conversation(row)

    def get_many(self, conversation_ids: Collection[str]) -> dict[str, StoredConversation]:
        """The headers of those conversations that exist, by id, in one query."""
        if not conversation_ids:
            return {}
        with self.db.read() as conn:
            rows = conn.execute(_HEADERS, {"ids": list(conversation_ids)}).mappings().all()
        return {row["id"]: _conversation(row) for row in rows}

    def recent(self, *, limit: int = 20) -> list[StoredConversation]:
        """Most recently updated conversations first."""
        query = select(conversations).order_by(conversations.c.updated_at.desc(), conversations.c.id).limit(limit)
        with self.db.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [_conversation(row) for row in rows]

    def messages(self, conversation_id: str, *, after_seq: int = 0) -> list[StoredMessage]:
        """Stored messages in order (all of them by default, including condensed ones)."""
        with self.db.read() as conn:
            rows = conn.execute(_MESSAGES, {"cid": conversation_id, "after": after_seq}).all()
        return [StoredMessage(seq, turn, json.loads(content)) for seq, turn, content in rows]

    def next_turn(self, conversation_id: str) -> int:
        """The number of the next customer turn (1-based)."""
        with self.db.read() as conn:
            last = conn.execute(_LAST_TURN, {"cid": conversation_id}).scalar_one()
        return (last or 0) + 1

    def append(
        self,
        conversation_id: str,
        turn: int,
        new_messages: Sequence[MessageParam],
        *,
        records: Sequence[Any] = (),
        usage: Sequence[LedgerEntry] = (),
        customer_email: str | None = None,
        state: dict[str, Any] | None = None,
        status: ConversationStatus | None = None,
    ) -> list[StoredMessage]:
        """Append a turn's messages, tool calls and usage, and update the header, in one transaction.

        Returns the messages as stored (numbered, and as a later read decodes them).
        """
        now = utcnow()
        values: dict[str, Any] = {"updated_at": now}
        if customer_email is not None:
            values["customer_email"] = customer_email
        if state is not None:
            values["state_json"] = json.dumps(state, default=str)
        if status is not None:
            values["status"] = status
        with self.db.write() as conn:
            # The header first: it locks the row (appends to one conversation queue here) and proves it exists.
            if conn.execute(_UPDATE_HEADER, {"b_id": conversation_id, **values}).rowcount == 0:
                raise KeyError(conversation_id)
            seq = conn.execute(_LAST_SEQ, {"cid": conversation_id}).scalar_one()
            rows: list[dict[str, Any]] = [
                {
                    "conversation_id": conversation_id,
                    "seq": seq + i,
                    "turn": turn,
                    "role": m["role"],
                    "kind": _kind(m),
                    "content_json": _encode(m),
                    "created_at": now,
                }
                for i, m in enumerate(new_messages, start=1)
            ]
            if rows:
                conn.execute(_INSERT_MESSAGES, rows)
            if records:
                conn.execute(
                    _INSERT_TOOL_CALLS,
                    [
                        {
                            "conversation_id": conversation_id,
                            "turn": turn,
                            "tool_use_id": r.tool_use_id,
                            "name": r.name,
                            "server": r.server,
                            "arguments_json": json.dumps(r.arguments, default=str),
                            "is_error": int(r.is_error),
                            "refused": int(r.refused),
                            "duration_ms": r.duration_ms,
                            "created_at": now,
                        }
                        for r in records
                    ],
                )
            if usage:
                conn.execute(
                    _INSERT_LEDGER,
                    [
                        {
                            "conversation_id": conversation_id,
                            "turn": e.turn,
                            "purpose": e.purpose,
                            "model": e.model,
                            "input_tokens": e.usage.input_tokens,
                            "output_tokens": e.usage.output_tokens,
                            "cache_read_tokens": e.usage.cache_read_input_tokens,
                            "cache_write_tokens": e.usage.cache_creation_input_tokens,
                            "cost_usd": e.cost_usd,
                            "priced": int(e.priced),
                            "created_at": now,
                        }
                        for e in usage
                    ],
                )
        return [StoredMessage(r["seq"], turn, json.loads(r["content_json"])) for r in rows]

    def set_summary(self, conversation_id: str, summary: str, condensed_through: int) -> None:
        """Record a condensation: messages up to `condensed_through` are now represented by `summary`."""
        with self.db.write() as conn:
            conn.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id)
                .values(summary=summary, condensed_through=condensed_through, updated_at=utcnow())
            )

    def set_status(self, conversation_id: str, status: ConversationStatus) -> None:
        """Change the conversation's status."""
        with self.db.write() as conn:
            conn.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id)
                .values(status=status, updated_at=utcnow())
            )

    def ledger(self, conversation_id: str) -> list[LedgerEntry]:
        """The usage ledger, in order."""
        with self.db.read() as conn:
            rows = (
                conn.execute(select(ledger).where(ledger.c.conversation_id == conversation_id).order_by(ledger.c.id))
                .mappings()
                .all()
            )
        return [
            LedgerEntry(
                r["turn"],
                r["purpose"],
                r["model"],
                Usage(r["input_tokens"], r["output_tokens"], r["cache_read_tokens"], r["cache_write_tokens"]),
                r["cost_usd"],
                bool(r["priced"]),
            )
            for r in rows
        ]

    def tool_calls(self, conversation_id: str) -> list[dict[str, Any]]:
        """Tool calls made in the conversation, in order."""
        with self.db.read() as conn:
            rows = (
                conn.execute(
                    select(
                        tool_calls.c.turn,
                        tool_calls.c.name,
                        tool_calls.c.server,
                        tool_calls.c.arguments_json,
                        tool_calls.c.is_error,
                        tool_calls.c.refused,
                        tool_calls.c.duration_ms,
                    )
                    .where(tool_calls.c.conversation_id == conversation_id)
                    .order_by(tool_calls.c.id)
                )
                .mappings()
                .all()
            )
        return [
            {
                "turn": r["turn"],
                "name": r["name"],
                "server": r["server"],
                "arguments": json.loads(r["arguments_json"]),
                "is_error": bool(r["is_error"]),
                "refused": bool(r["refused"]),
                "duration_ms": r["duration_ms"],
            }
            for r in rows
        ]
