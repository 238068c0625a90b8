"""The cluster topology on this machine: HAProxy in front of two serve replicas and two refunds replicas.

One customer conversation goes through the balancer from start to end while replicas die under it:
a refunds replica is killed in the middle of the confirmed refund (the refund then happens exactly once), an
agent on the other serve replica claims and replies live, and the serve replica holding the customer's event
stream is killed between two turns (the customer reconnects through the balancer and carries on). The killed
replica is then started again (as Kubernetes restarts a pod), and the replica running the customer's next turn
is killed in the middle of it: the turn is lost, and once the dead replica's heartbeat has been silent for
`web.turn_takeover_s` the customer's message, sent again through the balancer, is answered by the other one.
"""

import os
from collections.abc import AsyncGenerator, Generator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy import text as text_sql

from mcp_servers.refunds.store import payments, refunds
from orchestrator.storage.store import conversations
from tests.deploy.cluster import POLL_S, Cluster, cluster, haproxy_path, wait_healthy, wait_in_rotation
from tests.web.support import FLAGSHIP, Customer, LiveStream, kinds, parse_sse

pytestmark = [pytest.mark.anyio, pytest.mark.e2e, pytest.mark.postgres]

ORDER = "ORD-78432"
REPLICA_HEADER = "X-Switchboard-Replica"
TAKEOVER_S = 3
"""`web.turn_takeover_s` for this test (shipped: 20 s): how long a dead replica's turn keeps the slot."""


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
        cluster(tmp_path, postgres_url, takeover_s=TAKEOVER_S) as c,
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
        second_stream = AsyncExitStack()
        to_customer, now = await second_stream.enter_async_context(events(lb, f"{customer.path}/events", resume))
        stack.push_async_callback(second_stream.aclose)
        assert now == far

        relayed = await customer.say("Thanks Sam! Will I get an email about it?")
        from_customer = await to_agent.wait_for("customer_message")
        assert kinds(relayed)[0] == "relayed" and from_customer[1]["text"].startswith("Thanks Sam!")
        back = {"outcome": "returned_to_bot", "note": "refund done"}
        assert (await agent.post(f"/api/agent/handoffs/{hid}/resolve", json=back)).status_code == 200
        handed_back = await to_customer.wait_for("handed_back")
        answer = await customer.say("How long does shipping take?")
        assert handed_back[1] == {"agent": "sam.rivera"} and kinds(answer)[-1] == "done" and answer[-1][1]["text"]

        c.serve[near].restart()  # the pod comes back; then the replica running the next turn dies inside it
        await wait_healthy(lb, [c.serve[near]])
        await wait_in_rotation(lb, c.stats_url, "serve", near)
        question = "Do you ship internationally?"
        victim, cut_turn = await _kill_the_replica_inside_a_turn(c, customer, engine, question)
        survivor = next(name for name in c.serve if name != victim)
        assert cut_turn != [200]  # the balancer does not replay a request that reached a replica
        if victim == now:  # it also held the customer's event stream: reconnect where the last event left off
            await _until_cut(to_customer)
            await second_stream.aclose()
            resume = customer.headers | {"Last-Event-ID": str(to_customer.seen[-1][2])}
            to_customer, now = await stack.enter_async_context(events(lb, f"{customer.path}/events", resume))
            assert now == survivor
        waits, retried = await _say_until_accepted(customer, question)
        assert all(1 <= wait <= TAKEOVER_S + 1 for wait in waits), waits
        assert kinds(retried)[-1] == "done" and retried[-1][1]["text"]
        ended = await lb.post(f"{customer.path}/end", json={}, headers=customer.headers)
        rated = await lb.post(f"{customer.path}/csat", json={"score": 5}, headers=customer.headers)
        transcript = await customer.transcript()
        health = (await lb.get("/healthz")).json()

    assert ended.status_code == 200 and rated.json() == {"csat": 5}
    assert transcript["status"] == "ended" and transcript["csat"] == 5
    assert [m["text"] for m in transcript["messages"] if m["role"] == "agent"] == [reply["text"]]
    # The turn that died left only the customer's message; the one answer to that question is the retried turn's.
    last = [(m["role"], m["text"]) for m in transcript["messages"][-3:]]
    assert last[:2] == [("customer", question), ("customer", question)] and last[2][0] == "assistant"
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
        blocker = hold.execute(text_sql("SELECT pg_backend_pid()")).scalar_one()
        hold.execute(select(payments.c.order_id).where(payments.c.order_id == ORDER).with_for_update())
        async with anyio.create_task_group() as tg:
            tg.start_soon(confirm)
            victim = await _replica_blocked_by(engine, blocker)
            c.servers[victim].kill()
            hold.rollback()
    return turn


async def _kill_the_replica_inside_a_turn(
    c: Cluster, customer: Customer, engine: Engine, text: str
) -> tuple[str, list[int | str]]:
    """Send `text` through the balancer; kill the serve replica running that turn before the turn is stored.

    The test holds the conversation's row in the orchestrator's table, so the turn's last write (its
    messages) waits; PostgreSQL names the replica waiting (`pg_blocking_pids`), and that one is killed.
    Returns the replica killed and what the customer's request got (a status, or the transport error's name).
    """
    got: list[int | str] = []

    async def ask() -> None:
        path, headers = f"{customer.path}/messages", customer.headers
        try:
            got.append((await customer.client.post(path, json={"text": text}, headers=headers)).status_code)
        except httpx.TransportError as exc:
            got.append(type(exc).__name__)

    victim = ""
    with engine.connect() as hold:
        blocker = hold.execute(text_sql("SELECT pg_backend_pid()")).scalar_one()
        row = conversations.c.id == customer.conversation_id
        hold.execute(select(conversations.c.id).where(row).with_for_update())
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask)
            victim = await _replica_blocked_by(engine, blocker, among=tuple(c.serve))
            c.serve[victim].kill()
            hold.rollback()
    return victim, got


async def _say_until_accepted(customer: Customer, text: str) -> tuple[list[int], list[tuple[str, dict[str, Any]]]]:
    """Send `text`, honouring `409` and its `Retry-After` as a client should; the waits met, then the turn."""
    waits: list[int] = []
    with anyio.fail_after(4 * TAKEOVER_S + 30):
        while True:
            response = await customer.client.post(
                f"{customer.path}/messages", json={"text": text}, headers=customer.headers
            )
            if response.status_code != 409:
                break
            assert response.json()["error"]["code"] == "conflict"
            waits.append(int(response.headers["retry-after"]))
            await anyio.sleep(waits[-1])  # the server's own Retry-After: the dead replica's silence is awaited
    assert response.status_code == 200, response.text
    return waits, parse_sse(response.text)


async def _replica_blocked_by(
    engine: Engine, pid: int, *, among: tuple[str, ...] = ("refunds-1", "refunds-2"), seconds: float = 20
) -> str:
    """The application name of the backend waiting for a lock `pid` holds, as soon as there is one.

    Each probe is its own transaction: PostgreSQL shows a transaction one snapshot of the backends' states.
    """
    query = text_sql(
        "SELECT application_name FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
    )
    with anyio.fail_after(seconds):
        while True:
            with engine.connect() as conn:
                names = list(conn.execute(query, {"pid": pid}).scalars())
            if names:
                assert len(names) == 1 and names[0] in among, names
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
