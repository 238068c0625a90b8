"""Contract tests of the tickets server through the in-memory client, plus store tests on SQLite and PostgreSQL."""

import argparse
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import anyio.to_thread
import pytest
from mcp import Client
from mcp.types import CallToolResult, RequestParamsMeta, TextContent
from sqlalchemy import func, select

from mcp_servers._common.demo import FLAGSHIP_EMAIL, build_demo_store
from mcp_servers._common.identity import CUSTOMER_META_KEY
from mcp_servers.tickets import create_server
from mcp_servers.tickets import store as store_module
from mcp_servers.tickets.__main__ import build
from mcp_servers.tickets.models import TicketStatus
from mcp_servers.tickets.server import NOT_FOUND, NOT_VERIFIED, OTHER_CUSTOMER
from mcp_servers.tickets.store import TicketsStore, TransitionError
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
BOB = "bob@example.com"
TICKET: dict[str, Any] = {
    "subject": "Headphones stopped charging",
    "category": "technical",
    "priority": "high",
    "description": "My ProMax headphones no longer charge since Monday.",
    "customer_email": ALICE,
}


@pytest.fixture
def store(sqlite_url: str) -> Iterator[TicketsStore]:
    db = Database(sqlite_url)
    tickets = TicketsStore(db)
    tickets.prepare(seed=False)
    yield tickets
    db.dispose()


@pytest.fixture
def any_store(database_url: str) -> Iterator[TicketsStore]:
    db = Database(database_url)
    tickets = TicketsStore(db)
    tickets.prepare(seed=False)
    yield tickets
    db.dispose()


def as_customer(email: str) -> RequestParamsMeta:
    return {CUSTOMER_META_KEY: email}


def error_text(result: CallToolResult) -> str:
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def open_ticket(store: TicketsStore, email: str = ALICE, **changes: Any) -> str:
    fields: dict[str, Any] = {**TICKET, "customer_email": email, **changes}
    return store.create_ticket(**fields).ticket_id


def ticket_count(store: TicketsStore) -> int:
    with store.db.read() as conn:
        return conn.execute(select(func.count()).select_from(store_module.tickets)).scalar_one()


def move(store: TicketsStore, ticket_id: str, *statuses: TicketStatus) -> None:
    for status in statuses:
        store.change_status(ticket_id, to_status=status)


# --- the contract the model sees ---------------------------------------------------------------------------------


async def test_tools_list_exposes_the_ticket_contract(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

    assert sorted(tools) == ["add_ticket_note", "create_ticket", "get_ticket", "list_tickets", "update_ticket_status"]
    required = {name: tool.input_schema["required"] for name, tool in tools.items()}
    assert required == {
        "create_ticket": ["subject", "category", "priority", "description", "customer_email"],
        "get_ticket": ["ticket_id", "customer_email"],
        "list_tickets": ["customer_email"],
        "add_ticket_note": ["ticket_id", "customer_email", "note"],
        "update_ticket_status": ["ticket_id", "customer_email", "status"],
    }
    create = tools["create_ticket"].input_schema["properties"]
    assert list(create) == ["subject", "category", "priority", "description", "customer_email", "order_id"]
    assert create["category"]["enum"] == ["billing", "technical", "shipping", "refund", "other"]
    assert create["priority"]["enum"] == ["low", "medium", "high", "urgent"]
    assert create["subject"]["maxLength"] == 200
    assert create["description"]["maxLength"] == 5000
    assert create["order_id"]["anyOf"][0]["pattern"] == r"^ORD-\d{5}$"
    assert create["order_id"]["default"] is None
    note = tools["add_ticket_note"].input_schema["properties"]
    assert note["note"]["maxLength"] == 2000
    assert note["author"] == {
        "default": "customer",
        "enum": ["customer", "agent", "bot"],
        "title": "Author",
        "type": "string",
    }
    status = tools["update_ticket_status"].input_schema["properties"]
    assert status["status"]["enum"] == ["open", "pending", "resolved", "closed"]
    assert status["ticket_id"]["pattern"] == r"^TCK-\d{6}$"
    assert tools["list_tickets"].input_schema["properties"]["status"]["anyOf"][0]["enum"] == [
        "open",
        "pending",
        "resolved",
        "closed",
    ]
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
        "create_ticket": (False, False, False, False),
        "get_ticket": (True, None, True, False),
        "list_tickets": (True, None, True, False),
        "add_ticket_note": (False, False, False, False),
        "update_ticket_status": (False, True, True, False),
    }
    assert all(tool.description and "Args:" in tool.description for tool in tools.values())
    assert all(tool.output_schema is not None for tool in tools.values())


# --- create_ticket -------------------------------------------------------------------------------------------------


async def test_create_ticket_returns_sequential_ids_with_open_status(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        first = data(await client.call_tool("create_ticket", TICKET))
        second = data(
            await client.call_tool("create_ticket", {**TICKET, "category": "billing", "order_id": "ORD-78432"})
        )

    created_at = first.pop("created_at")
    assert first == {
        "ticket_id": "TCK-000001",
        "status": "open",
        "customer_email": ALICE,
        "subject": "Headphones stopped charging",
        "category": "technical",
        "priority": "high",
        "order_id": None,
    }
    assert datetime.fromisoformat(created_at).tzinfo is not None
    assert (second["ticket_id"], second["category"], second["order_id"]) == ("TCK-000002", "billing", "ORD-78432")


async def test_create_ticket_stores_the_email_normalised_with_a_created_event(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        data(await client.call_tool("create_ticket", {**TICKET, "customer_email": "Alice@Example.COM"}))
        ticket = data(await client.call_tool("get_ticket", {"ticket_id": "TCK-000001", "customer_email": ALICE}))

    assert ticket["customer_email"] == ALICE
    assert ticket["description"] == TICKET["description"]
    assert ticket["reopen_count"] == 0
    assert ticket["resolved_at"] is None
    assert ticket["next_statuses"] == ["pending", "resolved"]
    assert [(e["seq"], e["kind"], e["from_status"], e["to_status"], e["author"]) for e in ticket["events"]] == [
        (1, "created", None, "open", "customer")
    ]


async def test_create_ticket_for_the_bound_customer_succeeds(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        receipt = data(
            await client.call_tool(
                "create_ticket", {**TICKET, "customer_email": "ALICE@example.com"}, meta=as_customer(ALICE)
            )
        )

    assert (receipt["ticket_id"], receipt["customer_email"]) == ("TCK-000001", ALICE)


async def test_create_ticket_for_another_customer_than_the_bound_one_is_refused_and_creates_nothing(
    store: TicketsStore,
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("create_ticket", {**TICKET, "customer_email": BOB}, meta=as_customer(ALICE))

    assert error_text(result) == f"Error executing tool create_ticket: {OTHER_CUSTOMER}"
    assert ticket_count(store) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"category": "sales"}, "category", id="unknown-category"),
        pytest.param({"priority": "critical"}, "priority", id="unknown-priority"),
        pytest.param({"subject": "x" * 201}, "subject", id="subject-too-long"),
        pytest.param({"subject": "   "}, "subject", id="blank-subject"),
        pytest.param({"description": "x" * 5001}, "description", id="description-too-long"),
        pytest.param({"customer_email": "alice at example"}, "customer_email", id="bad-email"),
        pytest.param({"order_id": "78432"}, "order_id", id="bad-order-id"),
        pytest.param({"customer_email": None}, "customer_email", id="missing-email"),
    ],
)
async def test_create_ticket_with_invalid_arguments_is_refused_and_creates_nothing(
    store: TicketsStore, changes: dict[str, Any], field: str
) -> None:
    args = {k: v for k, v in {**TICKET, **changes}.items() if v is not None}
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("create_ticket", args)

    text = error_text(result)
    assert text.startswith("Error executing tool create_ticket: 1 validation error")
    assert f"\n{field}\n" in text
    assert ticket_count(store) == 0


async def test_create_ticket_accepts_text_at_the_maximum_lengths(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        data(await client.call_tool("create_ticket", {**TICKET, "subject": "s" * 200, "description": "d" * 5000}))
        ticket = data(
            await client.call_tool(
                "add_ticket_note", {"ticket_id": "TCK-000001", "customer_email": ALICE, "note": "n" * 2000}
            )
        )

    assert (len(ticket["subject"]), len(ticket["description"]), len(ticket["events"][1]["body"])) == (200, 5000, 2000)


# --- get_ticket and identity ---------------------------------------------------------------------------------------


async def test_get_ticket_returns_details_and_full_history(store: TicketsStore) -> None:
    ticket_id = open_ticket(store, order_id="ORD-78432")
    store.add_note(ticket_id, body="Tried another cable.", author="customer")
    store.change_status(ticket_id, to_status="pending", note="Asked for the serial number.", author="agent")

    async with Client(create_server(store), mode="legacy") as client:
        ticket = data(await client.call_tool("get_ticket", {"ticket_id": ticket_id, "customer_email": ALICE}))

    assert {k: ticket[k] for k in ("ticket_id", "order_id", "status", "category", "priority", "next_statuses")} == {
        "ticket_id": "TCK-000001",
        "order_id": "ORD-78432",
        "status": "pending",
        "category": "technical",
        "priority": "high",
        "next_statuses": ["open", "resolved"],
    }
    assert [
        (e["seq"], e["kind"], e["from_status"], e["to_status"], e["author"], e["body"]) for e in ticket["events"]
    ] == [
        (1, "created", None, "open", "customer", None),
        (2, "note", None, None, "customer", "Tried another cable."),
        (3, "status", "open", "pending", "agent", "Asked for the serial number."),
    ]
    assert ticket["updated_at"] == ticket["events"][-1]["at"]


async def test_get_ticket_with_a_wrong_email_or_unknown_id_gives_the_same_neutral_refusal(
    store: TicketsStore,
) -> None:
    ticket_id = open_ticket(store)
    async with Client(create_server(store), mode="legacy") as client:
        wrong_email = await client.call_tool("get_ticket", {"ticket_id": ticket_id, "customer_email": BOB})
        unknown = await client.call_tool("get_ticket", {"ticket_id": "TCK-999999", "customer_email": ALICE})

    assert error_text(wrong_email) == error_text(unknown) == f"Error executing tool get_ticket: {NOT_FOUND}"


async def test_get_ticket_of_another_customer_than_the_bound_one_is_refused_neutrally(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    async with Client(create_server(store), mode="legacy") as client:
        own_email = await client.call_tool(
            "get_ticket", {"ticket_id": ticket_id, "customer_email": ALICE}, meta=as_customer(BOB)
        )
        bound_email = await client.call_tool(
            "get_ticket", {"ticket_id": ticket_id, "customer_email": BOB}, meta=as_customer(BOB)
        )
        allowed = await client.call_tool(
            "get_ticket", {"ticket_id": ticket_id, "customer_email": ALICE}, meta=as_customer("Alice@Example.com")
        )

    assert error_text(own_email) == error_text(bound_email) == f"Error executing tool get_ticket: {NOT_FOUND}"
    assert data(allowed)["ticket_id"] == ticket_id


async def test_get_ticket_with_a_malformed_ticket_id_is_refused_by_the_schema(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("get_ticket", {"ticket_id": "TCK-12", "customer_email": ALICE})

    assert "\nticket_id\n" in error_text(result)


# --- list_tickets --------------------------------------------------------------------------------------------------


async def test_list_tickets_shows_only_the_bound_customers_tickets_most_recently_updated_first(
    store: TicketsStore,
) -> None:
    first = open_ticket(store, subject="First")
    open_ticket(store, BOB, subject="Bob's")
    second = open_ticket(store, subject="Second")
    store.add_note(first, body="Any news?", author="customer")
    move(store, second, "resolved")

    async with Client(create_server(store), mode="legacy") as client:
        everything = data(await client.call_tool("list_tickets", {"customer_email": ALICE}, meta=as_customer(ALICE)))
        resolved = data(
            await client.call_tool(
                "list_tickets", {"customer_email": ALICE, "status": "resolved"}, meta=as_customer(ALICE)
            )
        )
        one = data(
            await client.call_tool("list_tickets", {"customer_email": ALICE, "limit": 1}, meta=as_customer(ALICE))
        )

    assert everything["customer_email"] == ALICE
    assert [(t["ticket_id"], t["subject"], t["status"]) for t in everything["tickets"]] == [
        (second, "Second", "resolved"),
        (first, "First", "open"),
    ]
    assert [t["ticket_id"] for t in resolved["tickets"]] == [second]
    assert [t["ticket_id"] for t in one["tickets"]] == [second]


@pytest.mark.parametrize("bound", [None, BOB], ids=["unbound", "other-customer"])
async def test_list_tickets_without_the_matching_bound_customer_is_refused(
    store: TicketsStore, bound: str | None
) -> None:
    open_ticket(store)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "list_tickets", {"customer_email": ALICE}, meta=as_customer(bound) if bound else None
        )

    assert error_text(result) == f"Error executing tool list_tickets: {NOT_VERIFIED}"


async def test_list_tickets_with_a_limit_out_of_range_is_refused_by_the_schema(store: TicketsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool("list_tickets", {"customer_email": ALICE, "limit": 51}, meta=as_customer(ALICE))

    assert "\nlimit\n" in error_text(result)


# --- add_ticket_note -----------------------------------------------------------------------------------------------


async def test_add_ticket_note_appends_to_the_history_without_changing_the_status(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    async with Client(create_server(store), mode="legacy") as client:
        by_customer = data(
            await client.call_tool(
                "add_ticket_note", {"ticket_id": ticket_id, "customer_email": ALICE, "note": "It is the left cup."}
            )
        )
        by_bot = data(
            await client.call_tool(
                "add_ticket_note",
                {"ticket_id": ticket_id, "customer_email": ALICE, "note": "Customer tried a reset.", "author": "bot"},
                meta=as_customer(ALICE),
            )
        )

    assert by_customer["events"][-1]["author"] == "customer"
    assert by_bot["status"] == "open"
    assert [(e["seq"], e["kind"], e["author"], e["body"]) for e in by_bot["events"][1:]] == [
        (2, "note", "customer", "It is the left cup."),
        (3, "note", "bot", "Customer tried a reset."),
    ]
    assert by_bot["updated_at"] == by_bot["events"][-1]["at"] > by_bot["created_at"]


@pytest.mark.parametrize(
    ("email", "bound"),
    [(BOB, None), (ALICE, BOB), (BOB, BOB)],
    ids=["wrong-email", "bound-other-customer", "bound-other-customer-own-email"],
)
async def test_add_ticket_note_for_someone_elses_ticket_is_refused_and_changes_nothing(
    store: TicketsStore, email: str, bound: str | None
) -> None:
    ticket_id = open_ticket(store)
    before = store.get_ticket(ticket_id)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "add_ticket_note",
            {"ticket_id": ticket_id, "customer_email": email, "note": "Hi"},
            meta=as_customer(bound) if bound else None,
        )

    assert error_text(result) == f"Error executing tool add_ticket_note: {NOT_FOUND}"
    assert store.get_ticket(ticket_id) == before


@pytest.mark.parametrize(
    "changes",
    [{"note": "n" * 2001}, {"note": ""}, {"author": "manager"}, {"ticket_id": "TCK-1"}],
    ids=["note-too-long", "empty-note", "unknown-author", "malformed-id"],
)
async def test_add_ticket_note_with_invalid_arguments_changes_nothing(
    store: TicketsStore, changes: dict[str, Any]
) -> None:
    ticket_id = open_ticket(store)
    before = store.get_ticket(ticket_id)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "add_ticket_note", {"ticket_id": ticket_id, "customer_email": ALICE, "note": "ok", **changes}
        )

    assert "validation error" in error_text(result)
    assert store.get_ticket(ticket_id) == before


# --- update_ticket_status ------------------------------------------------------------------------------------------


async def test_update_ticket_status_walks_open_pending_resolved_closed(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    args = {"ticket_id": ticket_id, "customer_email": ALICE}
    async with Client(create_server(store), mode="legacy") as client:
        pending = data(await client.call_tool("update_ticket_status", {**args, "status": "pending"}))
        resolved = data(
            await client.call_tool(
                "update_ticket_status",
                {**args, "status": "resolved", "note": "Replacement arrived."},
                meta=as_customer(ALICE),
            )
        )
        closed = data(await client.call_tool("update_ticket_status", {**args, "status": "closed"}))

    assert (pending["status"], pending["resolved_at"], pending["next_statuses"]) == (
        "pending",
        None,
        ["open", "resolved"],
    )
    assert resolved["resolved_at"] == resolved["updated_at"]
    assert (closed["status"], closed["next_statuses"], closed["reopen_count"]) == ("closed", ["open"], 0)
    assert closed["resolved_at"] == resolved["resolved_at"]
    assert [(e["kind"], e["from_status"], e["to_status"], e["author"], e["body"]) for e in closed["events"][1:]] == [
        ("status", "open", "pending", "bot", None),
        ("status", "pending", "resolved", "bot", "Replacement arrived."),
        ("status", "resolved", "closed", "bot", None),
    ]


async def test_reopening_a_resolved_or_closed_ticket_is_counted_and_recorded(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    args = {"ticket_id": ticket_id, "customer_email": ALICE}
    async with Client(create_server(store), mode="legacy") as client:
        data(await client.call_tool("update_ticket_status", {**args, "status": "resolved"}))
        first = data(
            await client.call_tool("update_ticket_status", {**args, "status": "open", "note": "Still broken."})
        )
        data(await client.call_tool("update_ticket_status", {**args, "status": "resolved"}))
        data(await client.call_tool("update_ticket_status", {**args, "status": "closed"}))
        second = data(await client.call_tool("update_ticket_status", {**args, "status": "open"}))

    assert (first["reopen_count"], first["resolved_at"]) == (1, None)
    assert (second["status"], second["reopen_count"], second["resolved_at"]) == ("open", 2, None)
    reopens = [(e["from_status"], e["body"]) for e in second["events"] if e["kind"] == "reopened"]
    assert reopens == [("resolved", "Still broken."), ("closed", None)]


async def test_pending_back_to_open_is_not_a_reopen(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    move(store, ticket_id, "pending")
    async with Client(create_server(store), mode="legacy") as client:
        ticket = data(
            await client.call_tool(
                "update_ticket_status", {"ticket_id": ticket_id, "customer_email": ALICE, "status": "open"}
            )
        )

    assert (ticket["status"], ticket["reopen_count"], ticket["events"][-1]["kind"]) == ("open", 0, "status")


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        (
            (),
            "closed",
            "Ticket TCK-000001 is open and cannot move to closed. Allowed next statuses: pending, resolved.",
        ),
        (("pending",), "pending", "Ticket TCK-000001 is already pending. Allowed next statuses: open, resolved."),
        (
            ("resolved", "closed"),
            "resolved",
            "Ticket TCK-000001 is closed and cannot move to resolved. Allowed next statuses: open.",
        ),
    ],
    ids=["open-to-closed", "same-status", "closed-to-resolved"],
)
async def test_update_ticket_status_refuses_a_disallowed_move_naming_the_allowed_ones_and_changes_nothing(
    store: TicketsStore, path: tuple[TicketStatus, ...], target: TicketStatus, message: str
) -> None:
    ticket_id = open_ticket(store)
    move(store, ticket_id, *path)
    before = store.get_ticket(ticket_id)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "update_ticket_status",
            {"ticket_id": ticket_id, "customer_email": ALICE, "status": target, "note": "please"},
        )

    assert error_text(result) == f"Error executing tool update_ticket_status: {message}"
    assert store.get_ticket(ticket_id) == before


@pytest.mark.parametrize(
    ("email", "bound", "ticket_id"),
    [(BOB, None, "TCK-000001"), (ALICE, BOB, "TCK-000001"), (ALICE, None, "TCK-000404")],
    ids=["wrong-email", "bound-other-customer", "unknown-ticket"],
)
async def test_update_ticket_status_for_someone_elses_or_unknown_ticket_is_refused_and_changes_nothing(
    store: TicketsStore, email: str, bound: str | None, ticket_id: str
) -> None:
    open_ticket(store)
    before = store.get_ticket("TCK-000001")
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "update_ticket_status",
            {"ticket_id": ticket_id, "customer_email": email, "status": "resolved"},
            meta=as_customer(bound) if bound else None,
        )

    assert error_text(result) == f"Error executing tool update_ticket_status: {NOT_FOUND}"
    assert store.get_ticket("TCK-000001") == before


async def test_update_ticket_status_with_an_unknown_status_is_refused_by_the_schema(store: TicketsStore) -> None:
    ticket_id = open_ticket(store)
    before = store.get_ticket(ticket_id)
    async with Client(create_server(store), mode="legacy") as client:
        result = await client.call_tool(
            "update_ticket_status", {"ticket_id": ticket_id, "customer_email": ALICE, "status": "escalated"}
        )

    assert "\nstatus\n" in error_text(result)
    assert store.get_ticket(ticket_id) == before


ALLOWED_MOVES: set[tuple[TicketStatus, TicketStatus]] = {
    ("open", "pending"),
    ("open", "resolved"),
    ("pending", "open"),
    ("pending", "resolved"),
    ("resolved", "closed"),
    ("resolved", "open"),
    ("closed", "open"),
}
REACH: dict[TicketStatus, tuple[TicketStatus, ...]] = {
    "open": (),
    "pending": ("pending",),
    "resolved": ("resolved",),
    "closed": ("resolved", "closed"),
}


@pytest.mark.parametrize("source", list(REACH))
@pytest.mark.parametrize("target", list(REACH))
def test_status_machine_allows_exactly_the_specified_moves(
    store: TicketsStore, source: TicketStatus, target: TicketStatus
) -> None:
    ticket_id = open_ticket(store)
    move(store, ticket_id, *REACH[source])
    if (source, target) in ALLOWED_MOVES:
        ticket = store.change_status(ticket_id, to_status=target)
        assert ticket.status == target
        assert ticket.reopen_count == (1 if target == "open" and source in ("resolved", "closed") else 0)
    else:
        with pytest.raises(TransitionError):
            store.change_status(ticket_id, to_status=target)
        unchanged = store.get_ticket(ticket_id)
        assert unchanged is not None
        assert unchanged.status == source


# --- storage: concurrency and transactions (SQLite and PostgreSQL) -------------------------------------------------


async def run_in_threads(count: int, action: Callable[[int], object]) -> list[object | BaseException]:
    """Run `action(i)` in `count` threads released together; collect results or exceptions."""
    gate = threading.Barrier(count)
    results: list[object | BaseException] = [None] * count

    def worker(i: int) -> None:
        gate.wait(timeout=10)
        try:
            results[i] = action(i)
        except Exception as exc:  # collected for the assertions
            results[i] = exc

    limiter = anyio.CapacityLimiter(count)
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for i in range(count):
                tg.start_soon(lambda i=i: anyio.to_thread.run_sync(worker, i, limiter=limiter))
    return results


async def test_concurrent_create_ticket_calls_get_distinct_sequential_ids(any_store: TicketsStore) -> None:
    results = await run_in_threads(20, lambda i: open_ticket(any_store, subject=f"Ticket {i}"))

    assert sorted(map(str, results)) == [f"TCK-{n:06d}" for n in range(1, 21)]
    assert ticket_count(any_store) == 20


async def test_concurrent_notes_on_one_ticket_get_distinct_sequence_numbers(any_store: TicketsStore) -> None:
    ticket_id = open_ticket(any_store)
    await run_in_threads(10, lambda i: any_store.add_note(ticket_id, body=f"note {i}", author="customer"))

    ticket = any_store.get_ticket(ticket_id)
    assert ticket is not None
    assert [e.seq for e in ticket.events] == list(range(1, 12))
    assert sorted(e.body or "" for e in ticket.events if e.kind == "note") == sorted(f"note {i}" for i in range(10))


async def test_concurrent_reopens_of_one_ticket_succeed_exactly_once(any_store: TicketsStore) -> None:
    ticket_id = open_ticket(any_store)
    move(any_store, ticket_id, "resolved")
    results = await run_in_threads(8, lambda i: any_store.change_status(ticket_id, to_status="open"))

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, TransitionError) for r in results if isinstance(r, BaseException))
    ticket = any_store.get_ticket(ticket_id)
    assert ticket is not None
    assert (ticket.status, ticket.reopen_count, [e.kind for e in ticket.events].count("reopened")) == ("open", 1, 1)


async def test_a_failing_event_write_rolls_back_the_whole_change(
    any_store: TicketsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = open_ticket(any_store)
    before = any_store.get_ticket(ticket_id)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "_append_event", broken)
        with pytest.raises(RuntimeError):
            open_ticket(any_store, BOB)
        with pytest.raises(RuntimeError):
            any_store.change_status(ticket_id, to_status="resolved")
        with pytest.raises(RuntimeError):
            any_store.add_note(ticket_id, body="lost", author="customer")

    assert any_store.get_ticket(ticket_id) == before
    assert ticket_count(any_store) == 1
    assert open_ticket(any_store, BOB) == "TCK-000002"


# --- demo seed and entry point -------------------------------------------------------------------------------------


def test_demo_seed_opens_ten_tickets_for_demo_customers_once(database_url: str) -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    db = Database(database_url)
    try:
        store = TicketsStore(db)
        store.prepare(seed=True, now=now)
        store.prepare(seed=True, now=now)  # already seeded: adds nothing
        tickets = [store.get_ticket(f"TCK-{n:06d}") for n in range(1, 12)]
    finally:
        db.dispose()

    seeded = [t for t in tickets if t is not None]
    assert len(seeded) == 10
    demo_orders = {o.order_id: o for o in build_demo_store(now).orders}
    emails = [t.customer_email for t in seeded]
    assert FLAGSHIP_EMAIL not in emails
    assert len(set(emails)) == 10
    for ticket in seeded:
        assert ticket.order_id is None or demo_orders[ticket.order_id].customer_email == ticket.customer_email
        assert ticket.created_at <= ticket.updated_at <= now
        assert [e.seq for e in ticket.events] == list(range(1, len(ticket.events) + 1))
        assert ticket.reopen_count == sum(e.kind == "reopened" for e in ticket.events)
    assert {t.status for t in seeded} == {"open", "pending", "resolved", "closed"}
    assert sum(t.reopen_count for t in seeded) == 2


async def test_module_entry_builds_a_seeded_tickets_server(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        server = build(db, argparse.Namespace(demo=True))
        store = TicketsStore(db)
        ticket = store.get_ticket("TCK-000001")
        assert ticket is not None
        async with Client(server, mode="legacy") as client:
            shown = data(
                await client.call_tool(
                    "get_ticket", {"ticket_id": "TCK-000001", "customer_email": ticket.customer_email}
                )
            )
            created = data(await client.call_tool("create_ticket", TICKET))
    finally:
        db.dispose()

    assert server.name == "tickets"
    assert shown["subject"] == ticket.subject
    assert created["ticket_id"] == "TCK-000011"
