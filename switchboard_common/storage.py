"""One SQL code path for SQLite (embedded default) and PostgreSQL (by URL), with per-component migrations."""

import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.types import TypeDecorator

from .clock import utcnow
from .database_url import DATABASE_URL_ENV, default_database_url

__all__ = [
    "DATABASE_URL_ENV",
    "Database",
    "DatabaseError",
    "Migration",
    "UTCDateTime",
    "default_database_url",
    "widen_to_bigint",
]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no zone, so it is stored naive in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Migration = Callable[[Connection], None]
"""One schema step; it runs inside the migration transaction."""

_meta = MetaData()
_migrations_table = Table(
    "schema_migrations",
    _meta,
    Column("component", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("applied_at", UTCDateTime(), nullable=False),
)


class DatabaseError(Exception):
    """The database URL is unusable or the database cannot be opened."""


def _normalise_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.drivername not in ("sqlite", "postgresql+psycopg"):
        raise DatabaseError(f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://")
    return url


class Database:
    """A SQLAlchemy engine plus the transaction discipline every store follows.

    Writes go through `write()`: one transaction that holds the write lock from its first statement
    (`BEGIN IMMEDIATE` on SQLite), so check-then-insert logic cannot interleave with another writer.
    """

    def __init__(self, url: str) -> None:
        """Open (and for SQLite, create the folder of) the database at `url`."""
        self.url = _normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._write_lock = threading.RLock()
        self._joined = threading.local()  # the write transaction open on this thread, if any (see `write`)
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = _sqlite_engine(self.url)
        else:
            self.engine = _postgres_engine(self.url)

    @contextmanager
    def write(self) -> Generator[Connection]:
        """One write transaction; committed on success, rolled back on any exception.

        A `write()` opened on a thread that already has a write transaction of this database open joins it
        instead of opening another: several stores' writes made inside one `write()` block commit together,
        with one commit (an exception raised through the outer block rolls all of them back). A `read()` inside
        it still reads its own snapshot of what is committed, as before.

        On SQLite, writers of this process queue on a lock first: SQLite takes one writer at a time anyway, and
        its own wait for the write lock sleeps and retries with growing pauses (up to 100 ms), which under
        concurrent threads costs far more than waiting in line. Other processes still meet `busy_timeout`.
        """
        joined: Connection | None = getattr(self._joined, "conn", None)
        if joined is not None:
            yield joined
            return
        with self._write_lock if self.is_sqlite else nullcontext(), self.engine.connect() as conn:
            conn = conn.execution_options(switchboard_write=True)
            with conn.begin():
                self._joined.conn = conn
                try:
                    yield conn
                finally:
                    self._joined.conn = None

    @contextmanager
    def transaction(self) -> Generator[Connection]:
        """A `write()` block that the `read()` blocks of this thread join too (they see its writes).

        For a sequence of reads and writes that belong together: one transaction, one commit.
        """
        with self.write() as conn:
            outer: Connection | None = getattr(self._joined, "reading", None)
            self._joined.reading = conn
            try:
                yield conn
            finally:
                self._joined.reading = outer

    @contextmanager
    def read(self) -> Generator[Connection]:
        """A read-only transaction (a consistent snapshot on PostgreSQL and in SQLite WAL mode).

        Inside a `read()` block on the same thread it reads through that block's transaction (one snapshot for
        several stores' reads); a `write()` inside a `read()` block opens its own transaction.
        """
        joined: Connection | None = getattr(self._joined, "reading", None)
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn, conn.begin():
            self._joined.reading = conn
            try:
                yield conn
            finally:
                self._joined.reading = None

    def migrate(self, component: str, steps: Sequence[Migration]) -> int:
        """Apply the steps of `component` not applied yet; return the schema version reached.

        Each component (a server) owns its rows in `schema_migrations`, so servers sharing one database
        migrate independently. A current schema is only read (no write lock); otherwise concurrent starts are
        serialised by the write lock (SQLite) or an advisory lock (PostgreSQL), and the version is read again
        under it.

        Raises:
            DatabaseError: the database cannot be reached (every component migrates first when it starts, so
                this is where an unreachable database is reported, in one line and without the password).
        """
        try:
            first = self.engine.connect()
        except OperationalError as exc:
            raise DatabaseError(f"cannot reach the database {self._where()}: {_first_line(exc.orig)}") from exc
        with first, first.begin():
            stored = _stored_version(first, component)
        if stored == len(steps):
            return stored  # current: a read, no write lock (servers starting together would queue for it)
        with self.write() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('switchboard-migrations'))"))
            _meta.create_all(conn, checkfirst=True)
            version = _stored_version(conn, component)  # again, under the lock: another start may have migrated
            for step in steps[version:]:
                step(conn)
            if len(steps) != version:
                values: dict[str, Any] = {"version": len(steps), "applied_at": utcnow()}
                if version:  # a component's row is written with the version its steps reached, never 0
                    conn.execute(
                        _migrations_table.update().where(_migrations_table.c.component == component).values(**values)
                    )
                else:
                    conn.execute(_migrations_table.insert().values(component=component, **values))
            return len(steps)

    def has_rows(self, table: Table) -> bool:
        """Whether `table` holds any row (a read: e.g. a demo seed that is already there skips its write lock)."""
        with self.read() as conn:
            return conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None

    def _where(self) -> str:
        parsed = make_url(self.url)
        if self.is_sqlite:
            return repr(parsed.database or ":memory:")
        return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _stored_version(conn: Connection, component: str) -> int:
    """The schema version `component` reached (0: none, or no migrations table yet)."""
    if not inspect(conn).has_table(_migrations_table.name):
        return 0
    row = conn.execute(select(_migrations_table.c.version).where(_migrations_table.c.component == component)).first()
    return row[0] if row else 0


def _first_line(error: BaseException | None) -> str:
    lines = str(error).strip().splitlines() if error is not None else []
    return lines[0] if lines else "connection failed"


_WAL_SWITCH_WAIT_S = 30.0


def _switch_to_wal(cursor: Any) -> None:
    """`PRAGMA journal_mode=WAL`, retried while another process holds the file.

    SQLite answers "database is locked" at once, without its busy handler, when the switch meets another
    connection's lock: two components starting together on a fresh file (`serve --workers 2`, a server and
    `serve`) would otherwise fail at their first connection.
    """
    deadline = time.monotonic() + _WAL_SWITCH_WAIT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_engine(url: str) -> Engine:
    # A pool keeps connections open: closing the last SQLite connection checkpoints the WAL into the file,
    # which would happen on almost every statement otherwise. Tools run in worker threads, hence
    # check_same_thread=False (SQLAlchemy hands a connection to one thread at a time).
    engine = _create(
        url, pool_size=8, max_overflow=64, pool_timeout=60, connect_args={"check_same_thread": False, "timeout": 30}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own BEGIN is deferred)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("switchboard_write", False)
        # On the driver's connection: a statement through SQLAlchemy's execution machinery costs several times
        # what SQLite takes to run BEGIN, and every transaction starts with one.
        driver: Any = conn.connection.dbapi_connection
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url: str) -> Engine:
    # `pool_pre_ping`: a round trip before each transaction, so a connection that PostgreSQL dropped (a restart,
    # pg_terminate_backend) is replaced before use instead of failing the customer's turn. Pinging only connections
    # idle for a second was tried: the fault suite's turn after a drop then failed (tests/faults).
    return _create(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _create(url: str, **kwargs: Any) -> Engine:
    return create_engine(url, **kwargs)


def widen_to_bigint(conn: Connection, columns: Sequence[tuple[str, str]]) -> None:
    """A migration step's body: make each (table, column) BIGINT, e.g. money in cents past $21,474,836.47.

    PostgreSQL's INTEGER is 32-bit and is altered in place; SQLite's INTEGER is already 64-bit, so nothing is done.
    """
    if conn.dialect.name == "sqlite":
        return
    for table, column in columns:
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT"))
