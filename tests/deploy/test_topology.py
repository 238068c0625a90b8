"""The cluster topology on this machine: HAProxy in front of two serve replicas and two refunds replicas.

One customer conversation goes through the balancer from start to end while replicas die under it:
a refunds replica is killed in the middle of the confirmed refund (the refund then happens exactly once), an
agent on the other serve replica claims and replies live, and the serve replica holding the customer's event
stream is killed between two turns (the customer reconnects through the balancer and carries on).
A serve replica is killed between turns, not during one: a turn in flight holds the conversation's turn slot
(a lease in SQL) until it expires.
"""

import os
from collections.abc import AsyncGenerator, Generator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import pytest
from sqlalchemy import Engine, create_engine, select, text

from mcp_servers.refunds.store import payments, refunds
from tests.deploy.cluster import POLL_S, Cluster, cluster, haproxy_path
from tests.web.support import FLAGSHIP, Customer, LiveStream, kinds

pytestmark = [pytest.mark.anyio, pytest.mark.e2e, pytest.mark.postgres]

ORDER = "ORD-78432"
REPLICA_HEADER = "X-Switchboard-Replica"


@pytest.fixture
def engine(postgres_url: str) -> Generator[Engine]:
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _haproxy() -> None:
    if haproxy_path() is None:
        if os.environ.get("CI"):
            pytest.fail("the topology test needs haproxy (.ci/run installs Debian's package)")
        pytest.skip("the topology test needs haproxy: apt-get install haproxy")


@asynccontextmanager
async def events(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> AsyncGenerator[tuple[LiveStream, str]]:
    """An open event stream, and the name of the serve replica that holds it (set by HAProxy)."""
    async with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(30, read=60)) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield LiveStream(response.aiter_lines()), response.headers.get(REPLICA_HEADER, "")


async def test_a_conversation_through_the_balancer_survives_a_refunds_and_a_serve_replica_dying(
    tmp_path: Path, postgres_url: str, engine: Engine
) -> None:
    async with (
        cluster(tmp_path, postgres_url) as c,
        httpx.AsyncClient(base_url=c.web_url, timeout=30) as lb,
        AsyncExitStack() as stack,
    ):
        customer = Customer(lb)
        await customer.start()
        first_stream = AsyncExitStack()
        to_customer, near = await first_stream.enter_async_context(
            events(lb, f"{customer.path}/events", customer.headers)
        )
        assert near in c.serve
        far = next(name for name in c.serve if name != near)
        # The agent's console runs on the other replica: everything it does reaches the customer via PostgreSQL.
        agent = await stack.enter_async_context(
            httpx.AsyncClient(base_url=c.serve[far].url, headers=c.agent_headers, timeout=30)
        )
        to_agent, _ = await stack.enter_async_context(events(agent, "/api/agent/events", {}))

        for message in FLAGSHIP[:4]:
            await customer.say(message)
        cut = await _confirm_while_the_refunds_replica_dies(c, customer, engine)
        assert ("tool_finished", {"name": "process_refund", "ok": False}) in _tools(cut)
        assert _refunds(engine) == []  # the replica died before its transaction committed

        assert "try again" in cut[-1][1]["text"]  # the confirmation stays valid for one retry; no internals shown
        done = await customer.say("Yes, please try again.")  # the balancer sends the call to the surviving replica
        refunds = _refunds(engine)
        assert ("tool_finished", {"name": "process_refund", "ok": True}) in _tools(done)
        assert len(refunds) == 1 and refunds[0]["status"] == "refunded" and refunds[0]["amount_cents"] == 8999
        assert refunds[0]["refund_id"] in done[-1][1]["text"]

        await customer.say("I'd like to talk to a human agent, please.")
        await to_agent.wait_for("queue_changed")
        queue = (await agent.get("/api/agent/queue")).json()
        hid = queue["queued"][0]["handoff_id"]
        assert (await agent.post(f"/api/agent/handoffs/{hid}/claim", json={})).status_code == 200
        joined = await to_customer.wait_for("agent_joined")  # live, through HAProxy: nothing buffers the stream
        reply = {"text": "Hi, Sam here. Your refund went through; anything else?"}
        assert (await agent.post(f"/api/agent/handoffs/{hid}/reply", json=reply)).status_code == 200
        message = await to_customer.wait_for("agent_message")
        assert joined[1] == {"agent": "sam.rivera"} and message[1]["text"] == reply["text"]

        c.serve[near].kill()  # between turns: the replica holding the customer's stream dies
        await _until_cut(to_customer)
        await first_stream.aclose()
        resume = customer.headers | {"Last-Event-ID": str(message[2])}
        to_customer, now = await stack.enter_async_context(events(lb, f"{customer.path}/events", resume))
        assert now == far

        relayed = await customer.say("Thanks Sam! Will I get an email about it?")
        from_customer = await to_agent.wait_for("customer_message")
        assert kinds(relayed)[0] == "relayed" and from_customer[1]["text"].startswith("Thanks Sam!")
        back = {"outcome": "returned_to_bot", "note": "refund done"}
        assert (await agent.post(f"/api/agent/handoffs/{hid}/resolve", json=back)).status_code == 200
        handed_back = await to_customer.wait_for("handed_back")
        answer = await customer.say("How long does shipping take?")
        assert handed_back[1] == {"agent": "sam.rivera"} and kinds(answer)[-1] == "done" and answer[-1][1]["text"]
        ended = await lb.post(f"{customer.path}/end", json={}, headers=customer.headers)
        rated = await lb.post(f"{customer.path}/csat", json={"score": 5}, headers=customer.headers)
        transcript = await customer.transcript()
        health = (await lb.get("/healthz")).json()

    assert ended.status_code == 200 and rated.json() == {"csat": 5}
    assert transcript["status"] == "ended" and transcript["csat"] == 5
    assert [m["text"] for m in transcript["messages"] if m["role"] == "agent"] == [reply["text"]]
    assert health["status"] == "ok"
    assert len(_refunds(engine)) == 1


async def _confirm_while_the_refunds_replica_dies(
    c: Cluster, customer: Customer, engine: Engine
) -> list[tuple[str, dict[str, Any]]]:
    """Confirm the offered refund; kill the refunds replica that is inside `process_refund`; return the turn.

    The test holds the payment's row lock, so the replica that took the call waits inside its refund
    transaction; PostgreSQL says which one (`pg_blocking_pids`), and that one is killed.
    """
    turn: list[tuple[str, dict[str, Any]]] = []

    async def confirm() -> None:
        turn.extend(await customer.say(FLAGSHIP[4]))

    with engine.connect() as hold:
        blocker = hold.execute(text("SELECT pg_backend_pid()")).scalar_one()
        hold.execute(select(payments.c.order_id).where(payments.c.order_id == ORDER).with_for_update())
        async with anyio.create_task_group() as tg:
            tg.start_soon(confirm)
            victim = await _replica_blocked_by(engine, blocker)
            c.servers[victim].kill()
            hold.rollback()
    return turn


async def _replica_blocked_by(engine: Engine, pid: int, *, seconds: float = 20) -> str:
    """The application name of the backend waiting for a lock `pid` holds, as soon as there is one.

    Each probe is its own transaction: PostgreSQL shows a transaction one snapshot of the backends' states.
    """
    query = text(
        "SELECT application_name FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
    )
    with anyio.fail_after(seconds):
        while True:
            with engine.connect() as conn:
                names = list(conn.execute(query, {"pid": pid}).scalars())
            if names:
                assert len(names) == 1 and names[0] in ("refunds-1", "refunds-2"), names
                return str(names[0])
            await anyio.sleep(POLL_S)


async def _until_cut(stream: LiveStream) -> None:
    """Read a stream until its replica's death ends it (cleanly or not), within a bound."""
    with anyio.fail_after(15):
        try:
            async for _ in stream.lines:
                pass
        except httpx.TransportError:
            pass


def _tools(turn: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [(k, {"name": d["name"], "ok": d["ok"]}) for k, d in turn if k == "tool_finished"]


def _refunds(engine: Engine) -> list[dict[str, Any]]:
    query = select(refunds.c.refund_id, refunds.c.status, refunds.c.amount_cents).where(refunds.c.order_id == ORDER)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query.order_by(refunds.c.created_at)).mappings()]
