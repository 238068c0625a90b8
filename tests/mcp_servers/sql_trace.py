"""Record the SQL statements a `Database` sends, to assert what a code path does (and does not) execute."""

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from switchboard_common.storage import Database

__all__ = ["statements", "writes"]

_WRITES = ("BEGIN IMMEDIATE", "CREATE", "ALTER", "INSERT", "UPDATE", "DELETE", "DROP", "SELECT PG_ADVISORY_XACT_LOCK")


@contextmanager
def statements(db: Database) -> Generator[list[str]]:
    """Every statement `db`'s engine executes inside the block, in order (transaction control included)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def writes(seen: list[str]) -> list[str]:
    """The statements that write or take the write lock (DDL, DML, `BEGIN IMMEDIATE`, advisory locks)."""
    return [s for s in seen if s.upper().startswith(_WRITES)]
