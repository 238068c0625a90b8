"""The shared SQL layer: URLs, migrations, transactions and time zones, on SQLite and PostgreSQL."""

import socket
import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select, text
from sqlalchemy.engine import Connection

from switchboard_common.storage import Database, DatabaseError, UTCDateTime, default_database_url
from tests.mcp_servers.sql_trace import statements, writes

_meta = MetaData()
_things = Table(
    "storage_test_things",
    _meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("at", UTCDateTime()),
)


def _v1(conn: Connection) -> None:
    _meta.create_all(conn)


def test_default_url_is_a_per_user_sqlite_file() -> None:
    assert default_database_url({"HOME": "/home/ann"}) == "sqlite:////home/ann/.local/share/switchboard/switchboard.db"
    assert default_database_url({"XDG_DATA_HOME": "/data"}) == "sqlite:////data/switchboard/switchboard.db"
    assert default_database_url({"SWITCHBOARD_DATABASE_URL": "postgresql://db/x"}) == "postgresql://db/x"


@pytest.mark.parametrize("url", ["not a url", "mysql://localhost/x"])
def test_unusable_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(DatabaseError):
        Database(url)


def test_an_unreachable_database_is_reported_in_one_line_without_its_password() -> None:
    with socket.socket() as sock:  # a port nothing listens on: the connection is refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = Database(f"postgresql://shop:s3cret-pw@127.0.0.1:{port}/switchboard")
    try:
        with pytest.raises(DatabaseError) as raised:
            db.migrate("storage-test", [_v1])
    finally:
        db.dispose()
    message = str(raised.value)
    assert message.startswith(f"cannot reach the database 127.0.0.1:{port}/switchboard: ")
    assert "refused" in message and "\n" not in message and "s3cret" not in message


def test_migrations_apply_once_and_record_the_version(database_url: str) -> None:
    db = Database(database_url)
    calls: list[int] = []

    def step2(conn: Connection) -> None:
        calls.append(2)

    assert db.migrate("storage-test", [_v1]) == 1
    assert db.migrate("storage-test", [_v1, step2]) == 2
    assert db.migrate("storage-test", [_v1, step2]) == 2
    assert calls == [2]
    db.dispose()


def test_a_current_schema_is_only_read_no_migration_statement_or_write_lock(database_url: str) -> None:
    db = Database(database_url)
    calls: list[int] = []

    def step2(conn: Connection) -> None:
        calls.append(2)

    try:
        with statements(db) as first:
            assert db.migrate("storage-test", [_v1, step2]) == 2
        assert calls == [2] and writes(first)  # the first start creates and records
        with statements(db) as again:
            assert db.migrate("storage-test", [_v1, step2]) == 2
        assert calls == [2]
        assert again and writes(again) == [], again
        with statements(db) as newer:
            assert db.migrate("storage-test", [_v1, step2, step2]) == 3  # one step more: it runs, under the lock
        assert calls == [2, 2] and writes(newer)
    finally:
        db.dispose()


def test_a_failed_write_leaves_nothing_behind(database_url: str) -> None:
    db = Database(database_url)
    db.migrate("storage-test", [_v1])
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute(insert(_things).values(id=1, name="half"))
        raise RuntimeError("boom")
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(_things)).scalar_one() == 0
    db.dispose()


def test_writes_nested_in_a_write_join_its_transaction(database_url: str) -> None:
    db = Database(database_url)
    db.migrate("storage-test", [_v1])
    begins: list[object] = []
    event.listen(db.engine, "begin", begins.append)
    with db.write() as outer:
        outer.execute(insert(_things).values(id=1, name="outer"))
        with db.write() as inner:
            assert inner is outer
            inner.execute(insert(_things).values(id=2, name="inner"))
        with db.read() as reading:  # a read keeps its own snapshot of what is committed
            assert reading is not outer
            assert reading.execute(select(func.count()).select_from(_things)).scalar_one() == 0
    assert len(begins) == 2
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute(insert(_things).values(id=3, name="outer"))
        with db.write() as inner:
            inner.execute(insert(_things).values(id=4, name="inner"))
        raise RuntimeError("boom")
    with db.read() as conn:  # the failed block rolled back the nested write too; the next write opens its own
        assert conn.execute(select(_things.c.id).order_by(_things.c.id)).scalars().all() == [1, 2]
    with db.write() as conn:
        conn.execute(insert(_things).values(id=5, name="after"))
    assert len(begins) == 5
    with db.read() as outer_read, db.read() as inner_read:  # reads in a read share its snapshot
        assert inner_read is outer_read
    assert len(begins) == 6
    db.dispose()


def test_reads_and_writes_in_a_transaction_share_it(database_url: str) -> None:
    db = Database(database_url)
    db.migrate("storage-test", [_v1])
    begins: list[object] = []
    event.listen(db.engine, "begin", begins.append)
    with db.transaction() as conn:
        conn.execute(insert(_things).values(id=1, name="written"))
        with db.read() as reading, db.write() as writing:
            assert reading is conn and writing is conn
            assert reading.execute(select(_things.c.name)).scalars().all() == ["written"]
    assert len(begins) == 1
    with db.read() as reading:  # after it, reads open their own again
        assert reading is not conn
    assert len(begins) == 2
    db.dispose()


def test_a_write_on_another_thread_does_not_join(database_url: str) -> None:
    db = Database(database_url)
    db.migrate("storage-test", [_v1])
    seen: list[int] = []

    def elsewhere() -> None:
        with db.read() as conn:  # its own snapshot: the other thread's write is not committed yet
            seen.append(conn.execute(select(func.count()).select_from(_things)).scalar_one())

    with db.write() as conn:
        conn.execute(insert(_things).values(id=1, name="uncommitted"))
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert seen == [0]
    db.dispose()


@pytest.mark.postgres
def test_a_postgres_connection_dropped_in_the_pool_is_replaced_before_use(postgres_url: str) -> None:
    db, other = Database(postgres_url), Database(postgres_url)
    try:
        with db.read() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with other.write() as conn:  # the server drops it while it sits in the pool
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        with db.read() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        db.dispose()
        other.dispose()


def test_datetimes_come_back_aware_in_utc_and_naive_ones_are_refused(database_url: str) -> None:
    db = Database(database_url)
    db.migrate("storage-test", [_v1])
    moment = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    with db.write() as conn:
        conn.execute(insert(_things).values(id=1, name="a", at=moment))
    with db.read() as conn:
        assert conn.execute(select(_things.c.at)).scalar_one() == moment
    with pytest.raises(Exception, match="naive datetime"), db.write() as conn:
        conn.execute(insert(_things).values(id=2, name="b", at=datetime(2026, 1, 1)))
    db.dispose()


def test_a_component_starting_while_another_holds_a_fresh_sqlite_file_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes on one new file: the switch to WAL meets the other's lock and must wait, not fail."""
    path = tmp_path / "shared.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE first (x)")
    holder.execute("BEGIN IMMEDIATE")  # another process writing: it holds the RESERVED lock for a moment
    holder.execute("INSERT INTO first VALUES (1)")
    waiting, errors = threading.Event(), list[BaseException]()
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        waiting.set()  # the connection met the lock and is retrying
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)

    def start() -> None:
        try:
            Database(f"sqlite:///{path}").migrate("late", [_v1])
        except BaseException as exc:
            errors.append(exc)
            waiting.set()

    starter = threading.Thread(target=start)
    starter.start()
    assert waiting.wait(30)
    holder.execute("COMMIT")
    holder.close()
    starter.join(60)
    assert errors == [] and not starter.is_alive()
