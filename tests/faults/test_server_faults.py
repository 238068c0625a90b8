"""Kill -9 and SIGSTOP of the orders (read) and refunds (write) servers, over stdio and HTTP, between and during calls.

Each conversation asks for a refund with one fault on orders (turn 1: lookup_order) and one on refunds (turn 2:
process_refund), and asserts: every turn answers in plain words, the reads recover without the customer noticing,
the refund happens exactly once (at most one follow-up "yes" after "Shall I try again?"), and every turn is stored.
"""

from pathlib import Path

import anyio
import pytest

from orchestrator.events import EventSink, discard

from .harness import (
    OFFER,
    ORDERS,
    RETRY,
    Fault,
    Mesh,
    Transport,
    ask,
    assert_plain,
    at_tool,
    mesh,
    record,
    refunds_of,
)

pytestmark = [pytest.mark.anyio, pytest.mark.faults, pytest.mark.e2e]

FAULTS: tuple[tuple[Fault, str], ...] = (
    ("kill", "between"),
    ("kill", "during"),
    ("stop", "between"),
    ("stop", "during"),
)


async def refund_conversation(m: Mesh, order: tuple[str, str, int], fault: Fault, when: str) -> None:
    """One refund conversation with a fault on each server; every wait is bounded by the caller."""
    turns = 0
    async with anyio.create_task_group() as tg:

        def hook(tool: str, server: str) -> EventSink:
            async def inject() -> None:
                await m.inject(fault, server, tg, when)

            return at_tool(tool, inject) if when == "during" else discard

        cid = m.orch.start()
        if when == "between":
            await m.inject(fault, "orders", tg, when)
        first = await m.orch.respond(cid, ask(order[0], order[1]), emit=hook("lookup_order", "orders"))
        assert_plain(first)
        assert first.text.endswith(OFFER), first.text  # a read recovers without the customer noticing
        if when == "between":
            await m.inject(fault, "refunds", tg, when)
        reply = await m.orch.respond(cid, "Yes, please go ahead.", emit=hook("process_refund", "refunds"))
        turns = 2
        while RETRY in reply.text and turns < 4:
            assert_plain(reply)
            reply = await m.orch.respond(cid, "yes")
            turns += 1
        assert_plain(reply)
        assert reply.text.startswith(f"Done: ${order[2] / 100:.2f} has been refunded"), reply.text
        stored = [s.param for s in m.orch.store.messages(cid) if s.param["role"] == "user"]
        assert len([p for p in stored if isinstance(p["content"], str)]) == turns  # every customer message kept
    record({"conversation": f"{m.transport}-{fault}-{when}", "turns_answered": turns, "retry_asked": turns > 2})


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_refund_conversations_survive_kills_and_freezes_of_both_servers(
    tmp_path: Path, transport: Transport
) -> None:
    db_url = f"sqlite:///{tmp_path / 'servers.db'}"
    with anyio.fail_after(170):
        async with mesh(tmp_path, transport, db_url) as m:
            for order, (fault, when) in zip(ORDERS, FAULTS, strict=True):
                await refund_conversation(m, order, fault, when)
    assert refunds_of(db_url) == sorted((o, cents) for o, _, cents in ORDERS)  # each moved exactly once
