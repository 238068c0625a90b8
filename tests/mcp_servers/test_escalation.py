"""Contract tests of the escalation server (in-memory client) and its store's SQL behaviour (SQLite + PostgreSQL)."""

import argparse
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import pytest
from mcp import Client
from mcp.types import CallToolResult, RequestParamsMeta, TextContent

from mcp_servers._common.clock import utcnow
from mcp_servers._common.storage import Database
from mcp_servers.escalation import create_server
from mcp_servers.escalation.__main__ import build
from mcp_servers.escalation.server import CONSOLE_ONLY, NOT_ALLOWED
from mcp_servers.escalation.store import EscalationStore, HandoffRecord, HandoffStateError

pytestmark = pytest.mark.anyio

T = TypeVar("T")

JORDAN = "jordan.lee@example.com"
AVERY = "avery.martin@example.com"


def bound_to(email: str) -> RequestParamsMeta:
    """The request `_meta` the orchestrator sends for a conversation with a verified customer."""
    return {"switchboard/customer": email}


AS_JORDAN = bound_to(JORDAN)
AS_AVERY = bound_to(AVERY)


@pytest.fixture
def store(sqlite_url: str) -> EscalationStore:
    store = EscalationStore(Database(sqlite_url))
    store.prepare()
    return store


@pytest.fixture
def any_store(database_url: str) -> Iterator[EscalationStore]:
    """A prepared store on SQLite and on PostgreSQL, for behaviour that depends on the SQL engine."""
    store = EscalationStore(Database(database_url))
    store.prepare()
    yield store
    store.db.dispose()


def escalation(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "reason": "Customer wants a person about a refund.",
        "priority": "normal",
        "conversation_summary": "Headphones ORD-78432 arrived broken; refund refused by policy; customer upset.",
    }
    args.update(overrides)
    return args


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    first = result.content[0]
    assert isinstance(first, TextContent)
    return first.text


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def state(store: EscalationStore) -> list[tuple[str, str, str | None, int]]:
    """Every handoff's id, status, owner and log length: what a failed call must leave untouched."""
    out: list[tuple[str, str, str | None, int]] = []
    for status in ("queued", "claimed", "resolved"):
        for record in store.list_handoffs(status, limit=100)[1]:
            full = store.get(record.handoff_id)
            assert full is not None
            out.append((full.handoff_id, full.status, full.claimed_by, len(full.messages)))
    return sorted(out)


# --- the contract the model sees ---------------------------------------------------------------------------------


async def test_tools_list_is_the_published_contract(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}

    assert list(tools) == [
        "escalate_to_human",
        "list_handoff_queue",
        "get_handoff",
        "claim_handoff",
        "add_handoff_reply",
        "resolve_handoff",
    ]
    required = {name: t.input_schema.get("required", []) for name, t in tools.items()}
    assert required == {
        "escalate_to_human": ["reason", "priority", "conversation_summary"],
        "list_handoff_queue": [],
        "get_handoff": ["handoff_id"],
        "claim_handoff": ["handoff_id", "agent"],
        "add_handoff_reply": ["handoff_id", "agent", "message"],
        "resolve_handoff": ["handoff_id", "agent", "resolution_note", "outcome"],
    }
    escalate = tools["escalate_to_human"].input_schema["properties"]
    assert list(escalate) == [
        "reason",
        "priority",
        "conversation_summary",
        "customer_email",
        "conversation_id",
        "sentiment_trend",
        "context",
    ]
    assert escalate["priority"]["enum"] == ["normal", "high", "urgent"]
    assert escalate["reason"]["maxLength"] == 500
    assert escalate["conversation_summary"]["maxLength"] == 4000
    assert escalate["conversation_id"]["anyOf"][0]["maxLength"] == 64
    assert escalate["conversation_id"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]+$"
    assert escalate["sentiment_trend"]["anyOf"][0]["maxLength"] == 20
    assert escalate["context"]["anyOf"][0]["maxProperties"] == 12
    queue = tools["list_handoff_queue"].input_schema["properties"]
    assert (queue["status"]["enum"], queue["status"]["default"]) == (["queued", "claimed", "resolved"], "queued")
    assert (queue["limit"]["minimum"], queue["limit"]["maximum"], queue["limit"]["default"]) == (1, 100, 20)
    assert tools["claim_handoff"].input_schema["properties"]["agent"]["maxLength"] == 64
    assert tools["add_handoff_reply"].input_schema["properties"]["message"]["maxLength"] == 4000
    resolve = tools["resolve_handoff"].input_schema["properties"]
    assert resolve["outcome"]["enum"] == ["resolved", "returned_to_bot"]
    hints = {
        name: (
            t.annotations.read_only_hint,
            t.annotations.destructive_hint,
            t.annotations.idempotent_hint,
            t.annotations.open_world_hint,
        )
        for name, t in tools.items()
        if t.annotations is not None
    }
    assert hints == {
        "escalate_to_human": (False, False, False, False),
        "list_handoff_queue": (True, None, True, False),
        "get_handoff": (True, None, True, False),
        "claim_handoff": (False, False, True, False),
        "add_handoff_reply": (False, False, False, False),
        "resolve_handoff": (False, True, False, False),
    }
    assert all(t.description and t.output_schema for t in tools.values())


# --- escalate_to_human -------------------------------------------------------------------------------------------


async def test_escalate_to_human_queues_a_handoff_and_reports_id_position_and_wait(store: EscalationStore) -> None:
    args = escalation(
        priority="high",
        customer_email="Jordan.Lee@Example.com",
        conversation_id="conv_1",
        sentiment_trend="deteriorating",
        context={"order_id": "ORD-78432"},
    )
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("escalate_to_human", args)
        handoff = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))

    assert data(result) == {
        "handoff_id": "HO-000001",
        "status": "queued",
        "priority": "high",
        "queue_position": 1,
        "estimated_wait": "Next in line: usually under 5 minutes.",
        "already_open": False,
    }
    assert handoff["reason"] == args["reason"]
    assert handoff["summary"] == args["conversation_summary"]
    assert (handoff["customer_email"], handoff["customer_verified"]) == (JORDAN, False)
    assert (handoff["conversation_id"], handoff["sentiment_trend"]) == ("conv_1", "deteriorating")
    assert handoff["context"] == {"order_id": "ORD-78432"}
    assert (handoff["claimed_by"], handoff["outcome"], handoff["position"]) == (None, None, 1)
    assert [(m["author_kind"], m["body"]) for m in handoff["messages"]] == [
        ("system", "Handoff opened with high priority.")
    ]


async def test_escalate_with_a_bound_customer_records_the_verified_customer(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(), meta=bound_to(" Jordan.Lee@example.com"))
        same_email = await client.call_tool(
            "escalate_to_human", escalation(customer_email="JORDAN.LEE@example.com"), meta=AS_JORDAN
        )
        first = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))
        second = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000002"}))

    assert data(same_email)["handoff_id"] == "HO-000002"
    assert (first["customer_email"], first["customer_verified"]) == (JORDAN, True)
    assert (second["customer_email"], second["customer_verified"]) == (JORDAN, True)


async def test_escalate_without_any_email_opens_an_anonymous_handoff(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        handoff = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))

    assert (handoff["customer_email"], handoff["customer_verified"], handoff["context"]) == (None, False, {})


async def test_escalate_for_another_customers_email_is_refused_neutrally_and_changes_nothing(
    store: EscalationStore,
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("escalate_to_human", escalation(customer_email=AVERY), meta=AS_JORDAN)

    assert error_text(result) == f"Error executing tool escalate_to_human: {NOT_ALLOWED}"
    assert state(store) == []


async def test_handoff_ids_are_sequential(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        ids = [data(await client.call_tool("escalate_to_human", escalation()))["handoff_id"] for _ in range(3)]

    assert ids == ["HO-000001", "HO-000002", "HO-000003"]


async def test_queue_is_ordered_by_priority_then_age_with_positions(store: EscalationStore) -> None:
    priorities = ["normal", "high", "normal", "urgent", "high"]
    async with Client(create_server(store), mode="legacy") as client:
        positions = [
            data(await client.call_tool("escalate_to_human", escalation(priority=p)))["queue_position"]
            for p in priorities
        ]
        queue = data(await client.call_tool("list_handoff_queue", {}))
        first = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))

    # At arrival: A first; B (high) jumps ahead; C behind B and A; D (urgent) first; E behind D and B.
    assert positions == [1, 1, 3, 1, 3]
    assert [(i["handoff_id"], i["priority"], i["position"]) for i in queue["items"]] == [
        ("HO-000004", "urgent", 1),
        ("HO-000002", "high", 2),
        ("HO-000005", "high", 3),
        ("HO-000001", "normal", 4),
        ("HO-000003", "normal", 5),
    ]
    assert (queue["status"], queue["total"]) == ("queued", 5)
    assert first["position"] == 4


async def test_within_a_priority_the_oldest_handoff_comes_first_regardless_of_id(store: EscalationStore) -> None:
    now = utcnow()
    store.escalate(reason="later", priority="high", summary="s", now=now)
    store.escalate(reason="earlier", priority="high", summary="s", now=now - timedelta(minutes=3, seconds=5))
    async with Client(create_server(store), mode="legacy") as client:
        queue = data(await client.call_tool("list_handoff_queue", {}))
        later = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))

    assert [(i["handoff_id"], i["position"]) for i in queue["items"]] == [("HO-000002", 1), ("HO-000001", 2)]
    assert later["position"] == 2
    earlier = queue["items"][0]
    assert earlier["age_minutes"] == 3
    assert earlier["age_seconds"] >= 185


async def test_position_moves_up_when_a_handoff_ahead_is_claimed(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(priority="urgent"))
        await client.call_tool("escalate_to_human", escalation(priority="high"))
        mine = data(await client.call_tool("escalate_to_human", escalation(conversation_id="c-3")))
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        again = data(await client.call_tool("escalate_to_human", escalation(conversation_id="c-3")))

    assert (mine["queue_position"], mine["estimated_wait"]) == (3, "About 15 minutes (2 customers ahead).")
    assert (again["queue_position"], again["estimated_wait"]) == (2, "About 10 minutes (1 customer ahead).")


async def test_second_escalation_of_an_open_conversation_returns_the_same_handoff(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        first = data(await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1"), meta=AS_JORDAN))
        await client.call_tool("escalate_to_human", escalation(priority="urgent"))
        second = data(
            await client.call_tool(
                "escalate_to_human", escalation(conversation_id="conv-1", priority="high"), meta=AS_JORDAN
            )
        )

    assert first["handoff_id"] == second["handoff_id"] == "HO-000001"
    assert (second["already_open"], second["priority"], second["queue_position"]) == (True, "normal", 2)
    assert [h[0] for h in state(store)] == ["HO-000001", "HO-000002"]


async def test_escalation_of_a_claimed_conversation_returns_it_with_no_position(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1"))
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        again = data(await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1")))

    assert again == {
        "handoff_id": "HO-000001",
        "status": "claimed",
        "priority": "normal",
        "queue_position": None,
        "estimated_wait": "A human agent is already handling this conversation.",
        "already_open": True,
    }


async def test_escalation_after_the_conversations_handoff_ended_opens_a_new_one(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1"))
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        await client.call_tool(
            "resolve_handoff",
            {
                "handoff_id": "HO-000001",
                "agent": "sam",
                "resolution_note": "Back to bot.",
                "outcome": "returned_to_bot",
            },
        )
        again = data(await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1")))

    assert (again["handoff_id"], again["already_open"], again["status"]) == ("HO-000002", False, "queued")


@pytest.mark.parametrize(
    ("first_meta", "first_email", "second_meta", "second_email"),
    [
        pytest.param(AS_AVERY, None, AS_JORDAN, None, id="bound-customers-differ"),
        pytest.param(None, AVERY, None, JORDAN, id="unbound-emails-differ"),
        pytest.param(None, AVERY, None, None, id="unbound-second-without-email"),
    ],
)
async def test_another_customers_open_conversation_is_refused_neutrally(
    store: EscalationStore,
    first_meta: RequestParamsMeta | None,
    first_email: str | None,
    second_meta: RequestParamsMeta | None,
    second_email: str | None,
) -> None:
    first_args = escalation(conversation_id="conv-1") | ({"customer_email": first_email} if first_email else {})
    second_args = escalation(conversation_id="conv-1") | ({"customer_email": second_email} if second_email else {})
    async with Client(create_server(store), mode="legacy") as client:
        data(await client.call_tool("escalate_to_human", first_args, meta=first_meta))
        before = state(store)
        result = await client.call_tool("escalate_to_human", second_args, meta=second_meta)

    assert error_text(result) == f"Error executing tool escalate_to_human: {NOT_ALLOWED}"
    assert state(store) == before


# --- the human-agent console ---------------------------------------------------------------------------------------

CONSOLE_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list_handoff_queue", {}),
    ("get_handoff", {"handoff_id": "HO-000001"}),
    ("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"}),
    ("add_handoff_reply", {"handoff_id": "HO-000001", "agent": "sam", "message": "Hello, Sam here."}),
    (
        "resolve_handoff",
        {"handoff_id": "HO-000001", "agent": "sam", "resolution_note": "Refunded.", "outcome": "resolved"},
    ),
]


@pytest.mark.parametrize(("tool", "args"), CONSOLE_CALLS, ids=[c[0] for c in CONSOLE_CALLS])
async def test_console_tools_are_refused_in_a_customer_conversation(
    store: EscalationStore, tool: str, args: dict[str, Any]
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(), meta=AS_JORDAN)
        if tool in ("add_handoff_reply", "resolve_handoff"):
            await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        before = state(store)
        result = await client.call_tool(tool, args, meta=AS_JORDAN)

    assert error_text(result) == f"Error executing tool {tool}: {CONSOLE_ONLY}"
    assert state(store) == before


@pytest.mark.parametrize(("tool", "args"), CONSOLE_CALLS[1:], ids=[c[0] for c in CONSOLE_CALLS[1:]])
async def test_console_tools_on_an_unknown_handoff_say_it_does_not_exist(
    store: EscalationStore, tool: str, args: dict[str, Any]
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        result = await client.call_tool(tool, args | {"handoff_id": "HO-000999"})

    assert error_text(result) == (
        f"Error executing tool {tool}: No handoff HO-000999. Call list_handoff_queue to see the current handoff ids."
    )
    assert state(store) == [("HO-000001", "queued", None, 1)]


async def test_list_handoff_queue_on_an_empty_queue_lists_nothing(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        queue = data(await client.call_tool("list_handoff_queue", {}))

    assert queue == {"status": "queued", "total": 0, "items": []}


async def test_list_handoff_queue_limit_caps_the_items_but_not_the_total(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        for _ in range(3):
            await client.call_tool("escalate_to_human", escalation(customer_email=JORDAN))
        queue = data(await client.call_tool("list_handoff_queue", {"limit": 2}))

    assert queue["total"] == 3
    item = queue["items"][0]
    assert [i["handoff_id"] for i in queue["items"]] == ["HO-000001", "HO-000002"]
    assert {k: item[k] for k in ("customer_email", "customer_verified", "conversation_id", "claimed_by")} == {
        "customer_email": JORDAN,
        "customer_verified": False,
        "conversation_id": None,
        "claimed_by": None,
    }


async def test_claim_handoff_gives_a_queued_handoff_to_the_agent(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(priority="urgent"))
        claimed = data(await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "Sam Rivera"}))
        queued = data(await client.call_tool("list_handoff_queue", {}))
        in_progress = data(await client.call_tool("list_handoff_queue", {"status": "claimed"}))

    assert (claimed["status"], claimed["claimed_by"], claimed["position"]) == ("claimed", "Sam Rivera", None)
    assert claimed["claimed_at"] is not None
    assert [m["body"] for m in claimed["messages"]] == [
        "Handoff opened with urgent priority.",
        "Claimed by Sam Rivera.",
    ]
    assert queued["items"] == []
    assert [(i["handoff_id"], i["claimed_by"], i["position"]) for i in in_progress["items"]] == [
        ("HO-000001", "Sam Rivera", None)
    ]


async def test_claiming_a_handoff_held_by_another_agent_names_who_has_it(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        result = await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "alex"})

    assert error_text(result) == (
        "Error executing tool claim_handoff: HO-000001 is already claimed by sam; "
        "pick another one from list_handoff_queue."
    )
    assert state(store) == [("HO-000001", "claimed", "sam", 2)]


async def test_claiming_your_own_claimed_handoff_again_changes_nothing(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        first = data(await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"}))
        second = data(await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"}))

    assert second == first


async def test_claiming_a_resolved_handoff_is_refused(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        await client.call_tool("resolve_handoff", CONSOLE_CALLS[4][1])
        result = await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})

    assert error_text(result) == (
        "Error executing tool claim_handoff: HO-000001 is already resolved (resolved) and cannot be claimed."
    )


async def test_add_handoff_reply_stores_the_agents_message(store: EscalationStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        await client.call_tool("add_handoff_reply", CONSOLE_CALLS[3][1])
        reply = {"handoff_id": "HO-000001", "agent": "sam", "message": "I have issued the refund."}
        replied = data(await client.call_tool("add_handoff_reply", reply))
        fetched = data(await client.call_tool("get_handoff", {"handoff_id": "HO-000001"}))

    assert replied == fetched
    assert [(m["seq"], m["author_kind"], m["author"], m["body"]) for m in fetched["messages"]] == [
        (1, "system", "switchboard", "Handoff opened with normal priority."),
        (2, "system", "switchboard", "Claimed by sam."),
        (3, "agent", "sam", "Hello, Sam here."),
        (4, "agent", "sam", "I have issued the refund."),
    ]
    assert fetched["status"] == "claimed"


@pytest.mark.parametrize(
    ("setup", "agent", "expected"),
    [
        pytest.param(
            [], "sam", "HO-000001 is not claimed yet; call claim_handoff with agent 'sam' first.", id="queued"
        ),
        pytest.param(
            [CONSOLE_CALLS[2]],
            "alex",
            "HO-000001 is claimed by sam; only that agent can reply to or resolve it.",
            id="someone-elses",
        ),
        pytest.param(
            [CONSOLE_CALLS[2], CONSOLE_CALLS[4]],
            "sam",
            "HO-000001 is already resolved (resolved) and cannot take replies.",
            id="resolved",
        ),
    ],
)
async def test_reply_is_refused_unless_the_agent_holds_the_handoff(
    store: EscalationStore, setup: list[tuple[str, dict[str, Any]]], agent: str, expected: str
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        for tool, args in setup:
            data(await client.call_tool(tool, args))
        before = state(store)
        result = await client.call_tool(
            "add_handoff_reply", {"handoff_id": "HO-000001", "agent": agent, "message": "Hi."}
        )

    assert error_text(result) == f"Error executing tool add_handoff_reply: {expected}"
    assert state(store) == before


@pytest.mark.parametrize(
    ("outcome", "event"),
    [("resolved", "Resolved by sam: Done."), ("returned_to_bot", "Returned to the bot by sam: Done.")],
)
async def test_resolve_handoff_ends_it_with_the_outcome(store: EscalationStore, outcome: str, event: str) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation(conversation_id="conv-1"))
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        resolved = data(
            await client.call_tool(
                "resolve_handoff",
                {"handoff_id": "HO-000001", "agent": "sam", "resolution_note": "Done.", "outcome": outcome},
            )
        )
        listed = data(await client.call_tool("list_handoff_queue", {"status": "resolved"}))
        claimed = data(await client.call_tool("list_handoff_queue", {"status": "claimed"}))

    assert (resolved["status"], resolved["outcome"], resolved["resolution_note"]) == ("resolved", outcome, "Done.")
    assert resolved["resolved_at"] is not None
    assert resolved["messages"][-1]["body"] == event
    assert [i["handoff_id"] for i in listed["items"]] == ["HO-000001"]
    assert claimed["total"] == 0


async def test_resolved_handoffs_are_listed_newest_first(store: EscalationStore) -> None:
    now = utcnow()
    for minutes_ago in (10, 5, 20):
        record, _ = store.escalate(reason="r", priority="normal", summary="s", now=now - timedelta(hours=1))
        store.claim(record.handoff_id, "sam", now=now - timedelta(hours=1))
        store.resolve(record.handoff_id, "sam", outcome="resolved", note="n", now=now - timedelta(minutes=minutes_ago))
    async with Client(create_server(store), mode="legacy") as client:
        listed = data(await client.call_tool("list_handoff_queue", {"status": "resolved"}))

    assert [i["handoff_id"] for i in listed["items"]] == ["HO-000002", "HO-000001", "HO-000003"]


@pytest.mark.parametrize(
    ("setup", "agent", "expected"),
    [
        pytest.param(
            [], "sam", "HO-000001 is not claimed yet; call claim_handoff with agent 'sam' first.", id="queued"
        ),
        pytest.param(
            [CONSOLE_CALLS[2]],
            "alex",
            "HO-000001 is claimed by sam; only that agent can reply to or resolve it.",
            id="someone-elses",
        ),
        pytest.param(
            [CONSOLE_CALLS[2], CONSOLE_CALLS[4]],
            "sam",
            "HO-000001 is already resolved (resolved) and cannot be resolved again.",
            id="twice",
        ),
    ],
)
async def test_resolve_is_refused_unless_the_agent_holds_the_handoff(
    store: EscalationStore, setup: list[tuple[str, dict[str, Any]]], agent: str, expected: str
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        for tool, args in setup:
            data(await client.call_tool(tool, args))
        before = state(store)
        result = await client.call_tool(
            "resolve_handoff",
            {"handoff_id": "HO-000001", "agent": agent, "resolution_note": "x", "outcome": "returned_to_bot"},
        )

    assert error_text(result) == f"Error executing tool resolve_handoff: {expected}"
    assert state(store) == before


# --- schema refusals -----------------------------------------------------------------------------------------------

BAD_ARGUMENTS: list[tuple[str, str, dict[str, Any]]] = [
    ("escalate_to_human", "priority", escalation(priority="critical")),
    ("escalate_to_human", "reason", {k: v for k, v in escalation().items() if k != "reason"}),
    ("escalate_to_human", "reason", escalation(reason="x" * 501)),
    ("escalate_to_human", "reason", escalation(reason="   ")),
    ("escalate_to_human", "conversation_summary", escalation(conversation_summary="x" * 4001)),
    ("escalate_to_human", "customer_email", escalation(customer_email="not-an-email")),
    ("escalate_to_human", "conversation_id", escalation(conversation_id="has space")),
    ("escalate_to_human", "conversation_id", escalation(conversation_id="c" * 65)),
    ("escalate_to_human", "sentiment_trend", escalation(sentiment_trend="x" * 21)),
    ("escalate_to_human", "context", escalation(context={f"k{i}": "v" for i in range(13)})),
    ("escalate_to_human", "context", escalation(context={"bad key": "v"})),
    ("escalate_to_human", "context", escalation(context={"note": "x" * 301})),
    ("escalate_to_human", "context", escalation(context={"order_ids": ["ORD-1"]})),
    ("list_handoff_queue", "limit", {"limit": 0}),
    ("list_handoff_queue", "limit", {"limit": 101}),
    ("list_handoff_queue", "status", {"status": "open"}),
    ("get_handoff", "handoff_id", {"handoff_id": "42"}),
    ("claim_handoff", "agent", {"handoff_id": "HO-000001", "agent": "a" * 65}),
    ("claim_handoff", "agent", {"handoff_id": "HO-000001", "agent": " sam"}),
    ("add_handoff_reply", "message", {"handoff_id": "HO-000001", "agent": "sam", "message": ""}),
    ("add_handoff_reply", "message", {"handoff_id": "HO-000001", "agent": "sam", "message": "x" * 4001}),
    ("resolve_handoff", "outcome", CONSOLE_CALLS[4][1] | {"outcome": "closed"}),
    ("resolve_handoff", "resolution_note", CONSOLE_CALLS[4][1] | {"resolution_note": "x" * 2001}),
]


@pytest.mark.parametrize(
    ("tool", "field", "args"), BAD_ARGUMENTS, ids=[f"{t}-{f}-{n}" for n, (t, f, _) in enumerate(BAD_ARGUMENTS)]
)
async def test_schema_invalid_arguments_are_refused_and_change_nothing(
    store: EscalationStore, tool: str, field: str, args: dict[str, Any]
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        await client.call_tool("escalate_to_human", escalation())
        await client.call_tool("claim_handoff", {"handoff_id": "HO-000001", "agent": "sam"})
        before = state(store)
        result = await client.call_tool(tool, args)

    assert field in error_text(result)
    assert state(store) == before


# --- store: SQL behaviour on SQLite and PostgreSQL ---------------------------------------------------------------


async def _all_at_once(count: int, work: Callable[[int], T]) -> list[T | Exception]:
    """Run `work(i)` for i in range(count) on `count` threads released together; collect results or errors."""
    barrier = threading.Barrier(count)
    results: list[T | Exception] = [RuntimeError("did not run")] * count

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for i in range(count):
                tg.start_soon(anyio.to_thread.run_sync, run, i)
    return results


async def test_ten_concurrent_claims_have_exactly_one_winner(any_store: EscalationStore) -> None:
    store = any_store
    handoff, _ = store.escalate(reason="r", priority="urgent", summary="s")

    results = await _all_at_once(10, lambda i: store.claim(handoff.handoff_id, f"agent-{i}"))

    winners = [r for r in results if isinstance(r, HandoffRecord)]
    losers = [r for r in results if isinstance(r, HandoffStateError)]
    assert (len(winners), len(losers)) == (1, 9)
    final = store.get(handoff.handoff_id)
    assert final is not None
    assert final.claimed_by == winners[0].claimed_by
    assert {loser.record.claimed_by for loser in losers} == {final.claimed_by}
    assert [m.body for m in final.messages if m.body.startswith("Claimed")] == [f"Claimed by {final.claimed_by}."]


async def test_concurrent_escalations_get_distinct_sequential_ids(any_store: EscalationStore) -> None:
    store = any_store

    results = await _all_at_once(
        10, lambda i: store.escalate(reason="r", priority="normal", summary="s", conversation_id=f"c{i}")
    )

    ids = sorted(r[0].handoff_id for r in results if isinstance(r, tuple))
    assert ids == [f"HO-{n:06d}" for n in range(1, 11)]


async def test_concurrent_escalations_of_one_conversation_open_one_handoff(any_store: EscalationStore) -> None:
    store = any_store

    results = await _all_at_once(
        10, lambda _: store.escalate(reason="r", priority="high", summary="s", conversation_id="conv-1")
    )

    pairs = [r for r in results if isinstance(r, tuple)]
    assert len(pairs) == 10
    assert {record.handoff_id for record, _ in pairs} == {"HO-000001"}
    assert sorted(created for _, created in pairs) == [False] * 9 + [True]
    assert store.list_handoffs("queued")[0] == 1


async def test_prepare_starts_an_empty_queue_and_can_run_again(any_store: EscalationStore) -> None:
    server = build(any_store.db, argparse.Namespace())  # prepares a second time on the same database

    assert server.name == "escalation"
    assert any_store.list_handoffs("queued") == (0, [])
