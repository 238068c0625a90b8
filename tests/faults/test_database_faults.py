"""The PostgreSQL connections of the servers and the orchestrator dropped (pg_terminate_backend) under a turn."""

import uuid
from pathlib import Path

import anyio
import pytest
from sqlalchemy import create_engine, text

from .harness import OFFER, ORDERS, RETRY, ask, assert_plain, at_tool, mesh, record, refunds_of

pytestmark = [pytest.mark.anyio, pytest.mark.faults, pytest.mark.e2e, pytest.mark.postgres]


def terminate(admin_url: str, tag: str) -> int:
    """Drop every backend connection opened under application_name `tag`; returns how many."""
    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            dropped = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :tag AND pid <> pg_backend_pid()"
                ),
                {"tag": tag},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(dropped)


async def test_a_refund_turn_survives_its_database_connections_being_dropped(tmp_path: Path, postgres_url: str) -> None:
    tag = f"sbfault_{uuid.uuid4().hex[:10]}"
    url = f"{postgres_url}&application_name={tag}"
    admin = postgres_url.split("?", 1)[0]
    order, email, cents = ORDERS[0]
    dropped: list[int] = []

    async def drop() -> None:
        dropped.append(terminate(admin, tag))

    with anyio.fail_after(120):
        async with mesh(tmp_path, "stdio", url, orchestrator_db=url) as m:
            cid = m.orch.start()
            await drop()  # between turns: every pooled connection is dead
            first = await m.orch.respond(cid, ask(order, email))
            assert_plain(first)
            assert first.text.endswith(OFFER), first.text
            reply = await m.orch.respond(cid, "Yes, please go ahead.", emit=at_tool("process_refund", drop))
            turns = 2
            while RETRY in reply.text and turns < 4:
                reply = await m.orch.respond(cid, "yes")
                turns += 1
            assert_plain(reply)
            assert reply.text.startswith(f"Done: ${cents / 100:.2f} has been refunded"), reply.text
            stored = [s.param for s in m.orch.store.messages(cid) if s.param["role"] == "user"]
            assert len([p for p in stored if isinstance(p["content"], str)]) == turns
    assert dropped[0] > 0 and dropped[1] > 0  # the servers' and the orchestrator's connections were really cut
    assert refunds_of(url) == [(order, cents)]
    record({"fault": "pg_terminate_backend", "connections_dropped": sum(dropped), "turns_answered": turns})
