"""Keeps seeded demo data dated relative to today.

A demo store seeded weeks ago would otherwise drift: ORD-78432 would no longer be "delivered 14 days ago" and
the refund window rules would stop matching the story. Each seeding records its anchor time; on start-up the
seeded tables' datetime columns are moved forward by the whole days elapsed, in one transaction. Only
tables that hold pure seed data are rebased (rows customers created later keep their real dates).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, MetaData, String, Table, and_, bindparam, insert, inspect, select, text
from sqlalchemy.engine import Connection

from switchboard_common.storage import Database, UTCDateTime

__all__ = ["lock_demo", "rebase_demo", "record_demo_seed"]

_meta = MetaData()
_clock = Table(
    "demo_clock",
    _meta,
    Column("component", String(64), primary_key=True),
    Column("anchor", UTCDateTime(), nullable=False),
)


def lock_demo(conn: Connection, component: str) -> None:
    """Serialise `component`'s demo seeding and rebasing across processes, until the transaction ends.

    Replicas of one server that start together on an empty database would otherwise both see no rows and both
    seed (one then fails on a duplicate key), or both move the dates forward. SQLite's single writer (the
    transaction began with `BEGIN IMMEDIATE`) already serialises them.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"switchboard-demo-{component}"})


def record_demo_seed(conn: Connection, component: str, now: datetime) -> None:
    """Record that `component` seeded its demo data at `now` (inside the seeding transaction)."""
    _meta.create_all(conn, checkfirst=True)
    conn.execute(_clock.delete().where(_clock.c.component == component))
    conn.execute(insert(_clock).values(component=component, anchor=now))


def rebase_demo(db: Database, component: str, tables: Sequence[tuple[Table, Sequence[str]]], now: datetime) -> int:
    """Shift the listed datetime columns forward by the whole days since the last seed or rebase.

    Returns the number of days shifted (0 when nothing was seeded or less than a day has passed). Those two
    cases are found by a read: the write lock is taken only when there is something to move.
    """
    with db.read() as conn:
        if _due(conn, component, now) is None:
            return 0
    with db.write() as conn:
        lock_demo(conn, component)
        _meta.create_all(conn, checkfirst=True)
        anchor = _due(conn, component, now)  # again, under the lock: another start may have rebased
        if anchor is None:
            return 0
        delta = timedelta(days=(now - anchor).days)
        for table, columns in tables:
            _shift(conn, table, columns, delta)
        conn.execute(_clock.update().where(_clock.c.component == component).values(anchor=anchor + delta))
        return delta.days


def _due(conn: Connection, component: str, now: datetime) -> datetime | None:
    """The component's anchor when a whole day or more has passed since it, else None (or nothing seeded)."""
    if not inspect(conn).has_table(_clock.name):
        return None
    anchor = conn.execute(select(_clock.c.anchor).where(_clock.c.component == component)).scalar_one_or_none()
    return anchor if anchor is not None and (now - anchor).days >= 1 else None


def _shift(conn: Connection, table: Table, columns: Sequence[str], delta: timedelta) -> None:
    keys = list(table.primary_key.columns)
    rows = conn.execute(select(*keys, *(table.c[c] for c in columns))).all()
    if not rows:
        return
    params: list[dict[str, Any]] = []
    for row in rows:
        values = dict(zip([f"k_{k.name}" for k in keys], row[: len(keys)], strict=True))
        for name, value in zip(columns, row[len(keys) :], strict=True):
            values[f"v_{name}"] = value + delta if value is not None else None
        params.append(values)
    statement = (
        table.update()
        .where(and_(*(k == bindparam(f"k_{k.name}") for k in keys)))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )
    conn.execute(statement, params)
