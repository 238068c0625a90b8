"""Replicas of one server starting together on an empty PostgreSQL database seed the demo data once."""

from collections.abc import Callable, Generator
from functools import partial

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import Engine, Table, create_engine, func, select, text

from mcp_servers._common.demo import build_demo_store
from mcp_servers.orders.store import OrdersStore, orders
from mcp_servers.refunds.store import RefundsStore, payments
from switchboard_common.clock import utcnow
from switchboard_common.storage import Database
from tests.deploy.cluster import POLL_S

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def engine(postgres_url: str) -> Generator[Engine]:
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


async def _waiting_on(engine: Engine, pid: int, count: int, *, seconds: float = 20) -> None:
    """Until `count` backends wait for a lock that backend `pid` holds."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))")
    with anyio.fail_after(seconds):
        while True:
            with engine.connect() as conn:
                if conn.execute(query, {"pid": pid}).scalar_one() == count:
                    return
            await anyio.sleep(POLL_S)


@pytest.mark.parametrize(
    ("component", "store", "table"),
    [("refunds", RefundsStore, payments), ("orders", OrdersStore, orders)],
)
async def test_two_replicas_starting_at_once_seed_the_demo_data_once(
    postgres_url: str,
    engine: Engine,
    component: str,
    store: Callable[[Database], RefundsStore | OrdersStore],
    table: Table,
) -> None:
    databases = [Database(postgres_url), Database(postgres_url)]  # two processes: two pools
    try:
        with engine.connect() as hold:
            blocker = hold.execute(text("SELECT pg_backend_pid()")).scalar_one()
            key = f"switchboard-demo-{component}"
            hold.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
            async with anyio.create_task_group() as tg:
                for db in databases:
                    tg.start_soon(anyio.to_thread.run_sync, partial(store(db).prepare, seed=True))
                await _waiting_on(engine, blocker, 2)  # both replicas reached the seed and wait in line
                hold.rollback()
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        for db in databases:
            db.dispose()
    assert rows == len(build_demo_store(utcnow()).orders)
