"""WebStore on SQLite and PostgreSQL: secrets, guarded state changes, and an event log readers can follow by id."""

import hashlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from orchestrator.web.instances import Instance
from orchestrator.web.store import (
    EVENTS_LOCK_KEY,
    StateConflictError,
    TurnOwner,
    TurnSlot,
    WebStore,
    web_conversations,
    web_events,
    web_instances,
)
from switchboard_common.storage import Database, UTCDateTime


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def store(db: Database) -> WebStore:
    web = WebStore(db)
    web.prepare()
    return web


def test_secret_is_checked_and_not_stored(store: WebStore, db: Database) -> None:
    secret = store.register("conv-1")
    assert store.authenticate("conv-1", secret) is not None
    assert store.authenticate("conv-1", secret + "x") is None
    assert store.authenticate("conv-2", secret) is None
    with db.read() as conn:
        stored = conn.execute(text("SELECT secret_sha256 FROM web_conversations")).scalar_one()
    assert secret not in stored


def test_update_with_wrong_state_changes_nothing(store: WebStore) -> None:
    store.register("conv-1")
    before = store.last_event_id()
    with pytest.raises(StateConflictError):
        store.update("conv-1", state="ended", events=[("ended", None, None, {})], expect=("with_human",))
    conv = store.get("conv-1")
    assert conv is not None and conv.state == "active"
    assert store.last_event_id() == before


def test_events_follow_by_id(store: WebStore) -> None:
    store.register("conv-1")
    store.register("conv-2")
    a = store.append("conv-1", "customer_message", body="one")
    b = store.append("conv-2", "customer_message", body="two")
    _, [c] = store.update("conv-1", events=[("agent_message", "Sam", "three", {})])
    assert a < b < c
    assert [e.body for e in store.events(None, after=a)] == ["two", "three"]
    assert [e.body for e in store.events("conv-1", after=0)] == ["one", "three"]


def test_one_turn_at_a_time_per_conversation_with_a_lease(store: WebStore) -> None:
    store.register("conv-1")
    store.register("conv-2")
    first = store.begin_turn("conv-1", timedelta(minutes=10))
    assert first is not None
    assert store.begin_turn("conv-1", timedelta(minutes=10)) is None
    assert store.begin_turn("conv-2", timedelta(minutes=10)) is not None  # per conversation
    store.end_turn("conv-1", first)
    assert store.begin_turn("conv-1", timedelta(seconds=-1)) is not None  # a lease that has already run out...
    assert store.begin_turn("conv-1", timedelta(minutes=10)) is not None  # ...frees the slot (its holder died)
    assert store.begin_turn("unknown", timedelta(minutes=10)) is None


def test_without_a_lease_the_slot_is_checked_not_taken(store: WebStore) -> None:
    store.register("conv-1")
    taken = store.begin_turn("conv-1", timedelta(minutes=10))
    refused = store.begin_turn("conv-1", None)
    assert taken is not None
    store.end_turn("conv-1", taken)
    relayed = store.begin_turn("conv-1", None)
    after_relay = store.begin_turn("conv-1", timedelta(minutes=10))  # a relay does not hold the slot
    assert (refused, relayed) == (None, TurnSlot(None, None))
    assert after_relay is not None


def test_of_takers_racing_for_a_free_slot_exactly_one_wins(store: WebStore, db: Database) -> None:
    owners = [_instance(db).owner for _ in range(6)]
    store.register("conv-1")
    start = threading.Barrier(len(owners))
    won: list[TurnSlot | None] = []

    def take(owner: TurnOwner) -> None:
        start.wait(timeout=10)
        won.append(store.begin_turn("conv-1", timedelta(minutes=10), owner=owner))

    threads = [threading.Thread(target=take, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    [winner] = [slot for slot in won if slot is not None]
    assert len(won) == len(owners)
    assert _slot(db, "conv-1") == winner


def _instance(db: Database) -> Instance:
    instance = Instance(db, heartbeat_s=1, takeover_s=20)
    instance.register()
    return instance


def _silence(db: Database, instance: Instance, seconds: float) -> None:
    """Make `instance` look silent for `seconds` (its last heartbeat moved back), as if its process had died."""
    with db.write() as conn:
        conn.execute(
            web_instances.update()
            .where(web_instances.c.instance_id == instance.instance_id)
            .values(heartbeat_at=datetime.now(UTC) - timedelta(seconds=seconds))
        )


def test_a_turn_of_a_live_process_holds_and_a_dead_ones_is_taken_over(store: WebStore, db: Database) -> None:
    a, b = _instance(db), _instance(db)
    store.register("conv-1")
    taken = store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner)
    assert taken is not None
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=b.owner) is None
    wait = store.turn_free_in("conv-1", b.owner)
    assert wait is not None and 0 < wait <= 20  # bounded by the takeover time, not the 10-minute lease

    _silence(db, a, 30)
    a.beat()  # ...but a process that is still alive beats again and keeps its turn
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=b.owner) is None

    _silence(db, a, 21)  # a's process died: no heartbeat for longer than the takeover time
    assert store.turn_free_in("conv-1", b.owner) == 0.0
    taken_over = store.begin_turn("conv-1", timedelta(minutes=10), owner=b.owner)
    assert taken_over is not None

    store.end_turn("conv-1", taken)  # a stale owner waking up frees nothing...
    store.update("conv-1", release=taken, events=[("assistant_message", None, "late", {})])
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner) is None
    store.update("conv-1", release=taken_over)  # ...the current owner's last write does
    assert store.turn_free_in("conv-1", a.owner) is None
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner) is not None


def _slot(db: Database, cid: str) -> TurnSlot:
    """The take the conversation's slot holds now, as stored."""
    with db.read() as conn:
        row = conn.execute(
            select(web_conversations.c.turn_until, web_conversations.c.turn_owner).where(
                web_conversations.c.conversation_id == cid
            )
        ).one()
    return TurnSlot(row.turn_until, row.turn_owner)


def test_a_stale_turn_frees_only_the_slot_it_took(store: WebStore, db: Database) -> None:
    a = _instance(db)
    store.register("conv-1")
    stale = store.begin_turn("conv-1", timedelta(seconds=-1), owner=a.owner)  # a turn that outlived its lease...
    current = store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner)  # ...and the same process's next
    assert stale is not None and current is not None
    assert _slot(db, "conv-1") == current  # the take round-trips exactly (microseconds and zone)

    store.update("conv-1", release=stale, events=[("assistant_message", None, "late", {})])  # the stale turn's save
    store.end_turn("conv-1", stale)  # (or its failure)
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner) is None  # the current turn holds it
    assert _slot(db, "conv-1") == current
    store.update("conv-1", release=current)
    assert _slot(db, "conv-1") == TurnSlot(None, None)


def test_a_process_stopping_cleanly_frees_its_turns_at_once(store: WebStore, db: Database) -> None:
    a, b = _instance(db), _instance(db)
    for cid in ("conv-1", "conv-2"):
        store.register(cid)
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=a.owner) is not None
    assert store.begin_turn("conv-2", timedelta(minutes=10), owner=b.owner) is not None
    a.retire()
    assert store.begin_turn("conv-1", timedelta(minutes=10), owner=b.owner) is not None
    assert store.begin_turn("conv-2", timedelta(minutes=10), owner=a.owner) is None  # b's turn is untouched
    a.beat()  # a heartbeat after its row was removed registers the instance again
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM web_instances")).scalar_one() == 2


def test_a_database_from_before_the_turn_lease_is_migrated(db: Database) -> None:
    old = MetaData()
    Table(  # web_conversations as version 1 created it
        "web_conversations",
        old,
        Column("conversation_id", String(40), primary_key=True),
        Column("secret_sha256", String(64), nullable=False),
        Column("state", String(20), nullable=False),
        Column("handoff_id", String(16)),
        Column("agent", String(64)),
        Column("csat", Integer),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("ended_at", UTCDateTime()),
    )
    web_events.to_metadata(old)
    db.migrate("web", (old.create_all,))
    with db.write() as conn:
        conn.execute(
            old.tables["web_conversations"]
            .insert()
            .values(
                conversation_id="conv-old",
                secret_sha256=hashlib.sha256(b"s3cret").hexdigest(),
                state="active",
                created_at=datetime.now(UTC),
            )
        )
    store = WebStore(db)
    store.prepare()
    assert store.authenticate("conv-old", "s3cret") is not None  # the old rows are kept
    a, b = _instance(db), _instance(db)  # the turn owners' table and column were added too
    assert store.begin_turn("conv-old", timedelta(minutes=1), owner=a.owner) is not None
    assert store.begin_turn("conv-old", timedelta(minutes=1), owner=b.owner) is None


@pytest.mark.postgres
def test_event_ids_become_visible_in_order(postgres_url: str) -> None:
    """An append waits for the one in flight, so a reader at id N never misses a smaller id committed later."""
    db = Database(postgres_url)
    store = WebStore(db)
    store.prepare()
    store.register("conv-1")
    later: list[int] = []
    writer = threading.Thread(target=lambda: later.append(store.append("conv-1", "agent_message", body="second")))
    try:
        with db.write() as conn:  # an appender in flight: holds the lock, has its id, has not committed
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
            first = conn.execute(
                insert(web_events)
                .values(conversation_id="conv-1", kind="customer_message", body="first", data_json="{}")
                .values(created_at=datetime.now(UTC))
                .returning(web_events.c.id)
            ).scalar_one()
            writer.start()
            _wait_for_lock_waiter(db)
            assert store.events("conv-1") == []  # the second append has not slipped in ahead of the first
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert later[0] > first
        assert [e.body for e in store.events("conv-1")] == ["first", "second"]
    finally:
        writer.join(timeout=10)
        db.dispose()


@pytest.mark.postgres
def test_an_append_takes_its_id_only_once_it_holds_the_events_lock(postgres_url: str) -> None:
    """The lock comes before the id: an id handed out before the wait could commit after a larger one."""
    db = Database(postgres_url)
    store = WebStore(db)
    store.prepare()
    store.register("conv-1")
    store.append("conv-1", "customer_message", body="zero")  # the sequence has been used
    sequence = text("SELECT last_value FROM web_events_id_seq")
    with db.read() as conn:
        before = conn.execute(sequence).scalar_one()
    writer = threading.Thread(target=lambda: store.append("conv-1", "agent_message", body="one"))
    try:
        with db.write() as conn:  # another appender holds the lock
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENTS_LOCK_KEY})
            writer.start()
            _wait_for_lock_waiter(db)
            with db.read() as other:  # sequences are not transactional: a nextval would show at once
                assert other.execute(sequence).scalar_one() == before
        writer.join(timeout=10)
        assert not writer.is_alive()
        assert [e.body for e in store.events("conv-1")] == ["zero", "one"]
    finally:
        writer.join(timeout=10)
        db.dispose()


def _wait_for_lock_waiter(db: Database, *, within_s: float = 10.0) -> None:
    """Poll pg_locks (bounded) until some session waits for an advisory lock."""
    deadline = time.monotonic() + within_s
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    while time.monotonic() < deadline:
        with db.read() as conn:
            if conn.execute(query).scalar_one():
                return
    pytest.fail("the second append never waited for the advisory lock")
