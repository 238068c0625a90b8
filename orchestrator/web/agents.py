"""AgentDirectory: personal sign-in tokens of human agents, kept in SQL as SHA-256 hashes."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

__all__ = ["AGENT_NAME", "AgentAccount", "AgentDirectory"]

AGENT_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
"""An agent's name: what customers see next to the agent's messages."""
TOKEN_PREFIX = "sbagent_"
"""Marks personal tokens, so a leaked one is recognisable (e.g. by secret scanners)."""

metadata = MetaData()
web_agents = Table(
    "web_agents",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn)


MIGRATIONS = (_v1,)


@dataclass(frozen=True)
class AgentAccount:
    """One agent's sign-in (never the token itself)."""

    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """The token is accepted."""
        return self.revoked_at is None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentDirectory:
    """Who may use the agent console, each with a personal token.

    Tokens are 256-bit random strings; only their SHA-256 is stored (a fast hash suffices for random tokens of
    this length, unlike passwords). Every method is one transaction.
    """

    def __init__(self, db: Database) -> None:
        """Use `db`; call `prepare()` once."""
        self.db = db

    def prepare(self) -> None:
        """Create or migrate the table."""
        self.db.migrate("web_agents", MIGRATIONS)

    def add(self, name: str) -> str:
        """Create an agent, or give a revoked one a new token; returns the token (shown once, never stored).

        Raises:
            ValueError: a malformed name, or an agent of that name who is already active.
        """
        if not AGENT_NAME.match(name):
            raise ValueError("agent names are 1-64 letters, digits and . _ @ + -")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        values = {"token_sha256": _hash(token), "created_at": utcnow(), "revoked_at": None}
        with self.db.write() as conn:
            row = conn.execute(select(web_agents.c.revoked_at).where(web_agents.c.name == name)).first()
            if row is None:
                conn.execute(insert(web_agents).values(name=name, **values))
            elif row.revoked_at is None:
                raise ValueError(f"agent {name!r} already has an active token; revoke it first to issue a new one")
            else:
                conn.execute(update(web_agents).where(web_agents.c.name == name).values(**values))
        return token

    def revoke(self, name: str) -> bool:
        """Stop accepting the agent's token; False when there is no such active agent."""
        with self.db.write() as conn:
            result = conn.execute(
                update(web_agents)
                .where(web_agents.c.name == name, web_agents.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return result.rowcount == 1

    def accounts(self) -> list[AgentAccount]:
        """Every agent, active or revoked, by name."""
        query = select(web_agents.c.name, web_agents.c.created_at, web_agents.c.revoked_at).order_by(web_agents.c.name)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [AgentAccount(r.name, r.created_at, r.revoked_at) for r in rows]

    def find(self, token: str) -> str | None:
        """The active agent whose token this is, else None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        query = select(web_agents.c.name).where(
            web_agents.c.token_sha256 == _hash(token), web_agents.c.revoked_at.is_(None)
        )
        with self.db.read() as conn:
            return conn.execute(query).scalar()

    def any_active(self) -> bool:
        """At least one agent can sign in."""
        query = select(web_agents.c.name).where(web_agents.c.revoked_at.is_(None)).limit(1)
        with self.db.read() as conn:
            return conn.execute(query).first() is not None
