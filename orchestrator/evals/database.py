"""Fresh copies of a suite's data for every trial, and the domain tables read back for scoring.

SQLite (the default): the first copy is built by the servers themselves (migrate, seed), then every trial gets a
file copy of it. PostgreSQL (`--postgres URL`): every trial gets its own schema, seeded by the servers, dropped at
the end. Domain tables are the tables named after a configured server (`orders_*`, `retail_*`, ...).
"""

import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from sqlalchemy import MetaData, Table, and_, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from switchboard_common.storage import Database, DatabaseError

from .cases import RowChange, RowUpdate

__all__ = [
    "Change",
    "EvalSetupError",
    "Rows",
    "ScratchDatabases",
    "Snapshot",
    "apply_setup",
    "diff",
    "first_difference",
    "snapshot",
    "unmatched",
]

Row = dict[str, object]


@dataclass(frozen=True)
class Rows:
    """One table's rows as the driver returns them, keyed by primary key (plain tuples compare fast)."""

    columns: tuple[str, ...]
    rows: dict[object, tuple[object, ...]]

    def row(self, key: object) -> Row:
        """One row as a column -> value mapping."""
        return dict(zip(self.columns, self.rows[key], strict=True))


Snapshot = dict[str, Rows]
"""Table name -> its rows."""


class EvalSetupError(Exception):
    """A scenario fixture or a scratch database could not be prepared."""


@dataclass(frozen=True)
class Change:
    """One row that differs between two snapshots."""

    table: str
    op: Literal["insert", "update", "delete"]
    before: Row | None
    after: Row | None

    def describe(self) -> str:
        """A short account for a failure reason."""
        row = self.after if self.after is not None else self.before or {}
        shown = ", ".join(f"{k}={v!r}" for k, v in list(row.items())[:3])
        return f"{self.op} in {self.table} ({shown})"


class ScratchDatabases:
    """Hands out a fresh database URL per trial: SQLite file copies, or PostgreSQL schemas."""

    def __init__(self, workdir: Path, *, postgres: str | None = None) -> None:
        """Keep SQLite copies under `workdir`; with `postgres`, create schemas in that database instead."""
        self._workdir = workdir
        self._postgres = postgres
        self._template: Path | None = None
        self._schemas: list[str] = []

    def check(self) -> None:
        """PostgreSQL only: fail early, with a readable reason, when the database cannot hold scratch schemas.

        Raises:
            EvalSetupError: not a PostgreSQL URL, or the database cannot be reached (the password is not shown).
        """
        if self._postgres is None:
            return
        try:
            url = make_url(self._postgres)
        except ArgumentError as exc:
            raise EvalSetupError("--postgres: not a database URL (postgresql://user@host:port/db)") from exc
        shown = url.render_as_string(hide_password=True)
        if url.get_backend_name() != "postgresql":
            raise EvalSetupError(f"--postgres: {shown} is not a PostgreSQL URL (postgresql://user@host:port/db)")
        try:
            admin = Database(self._postgres)
            try:
                with admin.read() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                admin.dispose()
        except (DatabaseError, SQLAlchemyError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise EvalSetupError(f"--postgres: cannot open {shown}: {reason}") from exc

    @property
    def is_sqlite(self) -> bool:
        """Whether trials run on SQLite file copies."""
        return self._postgres is None

    def make_template(self, prepare: Callable[[str], None]) -> None:
        """SQLite only: let `prepare(url)` build the first copy (servers migrate and seed); later copies clone it."""
        if self._postgres is not None:
            return
        path = self._workdir / "template.db"
        prepare(f"sqlite:///{path}")
        # No in-process server, no template: each copy starts empty and the servers seed it as they start.
        self._template = path if path.exists() else None

    def fresh(self) -> str:
        """A new, private database URL holding a fresh copy (or nothing yet, for the servers to seed)."""
        name = f"eval_{uuid.uuid4().hex[:12]}"
        if self._postgres is None:
            path = self._workdir / f"{name}.db"
            if self._template is not None:
                shutil.copyfile(self._template, path)
            return f"sqlite:///{path}"
        admin = Database(self._postgres)
        try:
            with admin.write() as conn:
                conn.execute(text(f'CREATE SCHEMA "{name}"'))
        finally:
            admin.dispose()
        self._schemas.append(name)
        url = make_url(self._postgres).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    def discard(self, url: str) -> None:
        """Delete one copy (a SQLite file and its WAL, or a schema)."""
        if self._postgres is None:
            path = Path(make_url(url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        schema = str(make_url(url).query.get("options", "")).removeprefix("-csearch_path=")
        if schema in self._schemas:
            self._schemas.remove(schema)
            admin = Database(self._postgres)
            try:
                with admin.write() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            finally:
                admin.dispose()

    def close(self) -> None:
        """Drop every schema still present (SQLite files go with the work folder)."""
        for schema in list(self._schemas):
            url = make_url(self._postgres or "").update_query_dict({"options": f"-csearch_path={schema}"})
            self.discard(url.render_as_string(hide_password=False))


def _tables(db: Database, prefixes: Sequence[str]) -> list[Table]:
    meta = MetaData()
    wanted = tuple(f"{p}_" for p in prefixes)
    with db.read() as conn:
        meta.reflect(conn, only=lambda name, _meta: name.startswith(wanted))
    return sorted(meta.tables.values(), key=lambda t: t.name)


def snapshot(url: str, servers: Sequence[str]) -> Snapshot:
    """Every row of the domain tables of `servers`, keyed by primary key, as the driver returns them.

    Values are not converted (JSON stays text on SQLite, booleans are 0/1): two snapshots of the same backend
    compare exactly, and reading stays cheap enough to do after every trial.
    """
    db = Database(url)
    try:
        tables = _tables(db, servers)
        result: Snapshot = {}
        with db.read() as conn:
            for table in tables:
                columns = tuple(c.name for c in table.columns)
                keys = [columns.index(c.name) for c in table.primary_key.columns] or list(range(len(columns)))
                rows = conn.exec_driver_sql(f'SELECT * FROM "{table.name}"').all()  # names come from reflection
                if len(keys) == 1:
                    index = keys[0]
                    keyed: dict[object, tuple[object, ...]] = {row[index]: tuple(row) for row in rows}
                else:
                    keyed = {tuple(row[i] for i in keys): tuple(row) for row in rows}
                result[table.name] = Rows(columns, keyed)
        return result
    finally:
        db.dispose()


def apply_setup(url: str, updates: Iterable[RowUpdate], servers: Sequence[str]) -> None:
    """Apply a scenario's fixtures to a fresh copy, in one transaction.

    Raises:
        EvalSetupError: an unknown table or column, or a fixture that matches no row.
    """
    updates = list(updates)
    if not updates:
        return
    db = Database(url)
    try:
        tables = {t.name: t for t in _tables(db, servers)}
        with db.write() as conn:
            for fixture in updates:
                table = tables.get(fixture.table)
                if table is None:
                    raise EvalSetupError(f"setup: no domain table {fixture.table!r}")
                unknown = sorted((set(fixture.where) | set(fixture.values)) - set(table.c.keys()))
                if unknown:
                    raise EvalSetupError(f"setup: {fixture.table} has no column {', '.join(unknown)}")
                condition = and_(*(table.c[k] == v for k, v in fixture.where.items()))
                done = conn.execute(update(table).where(condition).values(**fixture.values))
                if not done.rowcount:
                    raise EvalSetupError(f"setup: no row of {fixture.table} matches {dict(fixture.where)}")
    finally:
        db.dispose()


def diff(before: Snapshot, after: Snapshot) -> list[Change]:
    """The rows inserted, updated or deleted between two snapshots, table by table."""
    changes: list[Change] = []
    for table in sorted(set(before) | set(after)):
        present = cast(Rows, before.get(table) or after.get(table))
        old = before.get(table) or Rows(present.columns, {})
        new = after.get(table) or Rows(present.columns, {})
        if old.rows == new.rows:
            continue
        changes += [Change(table, "delete", old.row(k), None) for k in old.rows.keys() - new.rows.keys()]
        changes += [Change(table, "insert", None, new.row(k)) for k in new.rows.keys() - old.rows.keys()]
        changes += [
            Change(table, "update", old.row(k), new.row(k))
            for k in old.rows.keys() & new.rows.keys()
            if old.rows[k] != new.rows[k]
        ]
    return changes


def _same(expected: object, actual: object) -> bool:
    if expected == actual:
        return True
    return not isinstance(expected, bool) and str(expected) == str(actual)


def _matches(change: Change, wanted: RowChange) -> bool:
    if change.table != wanted.table or change.op != wanted.op:
        return False
    row = change.before if change.op == "delete" else change.after
    return row is not None and all(k in row and _same(v, row[k]) for k, v in wanted.where.items())


def unmatched(
    changes: Sequence[Change], expected: Sequence[RowChange], *, tolerated: Iterable[str] = ()
) -> tuple[list[RowChange], list[Change]]:
    """Pair expected changes with actual ones; returns (expected but missing, unexpected).

    Changes in `tolerated` tables (audit logs, event histories) are never unexpected, but can still be expected.
    """
    free = list(changes)
    missing: list[RowChange] = []
    for wanted in expected:
        for _ in range(wanted.count):
            hit = next((c for c in free if _matches(c, wanted)), None)
            if hit is None:
                missing.append(wanted)
                break
            free.remove(hit)
    skip = set(tolerated)
    return missing, [c for c in free if c.table not in skip]


def first_difference(actual: Snapshot, expected: Snapshot) -> str | None:
    """The first row where two snapshots disagree, described for a failure reason; None when equal."""
    for change in diff(expected, actual):
        if change.op != "update" or change.before is None or change.after is None:
            return f"{'missing row' if change.op == 'delete' else 'unexpected row'}: {change.describe()}"
        before, after = change.before, change.after
        column = next(k for k in after if before.get(k) != after[k])
        key = next(iter(after.values()))
        return f"{change.table} {key}: {column} is {after[column]!r}, expected {before[column]!r}"
    return None
