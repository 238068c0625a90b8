"""Contract tests of the refunds server's agent tools (list, approve, reject), on SQLite and PostgreSQL."""

from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent
from sqlalchemy import update

from mcp_servers.refunds import create_server
from mcp_servers.refunds.schema import payments
from mcp_servers.refunds.store import RefundsStore
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

MORGAN = {"order_id": "ORD-93514", "reason": "changed_mind", "customer_email": "morgan.moreau@example.com"}
YAEL = {"order_id": "ORD-39558", "reason": "defective", "customer_email": "yael.jensen@example.com"}
CONSOLE_ONLY = (
    "Error executing tool {tool}: This tool is for human support agents deciding refund approvals and is not "
    "available in a customer conversation. Tell the customer their refund is waiting for a human's review and that "
    "no money has moved yet."
)


@pytest.fixture
def store(database_url: str) -> Iterator[RefundsStore]:
    db = Database(database_url)
    store = RefundsStore(db)
    store.prepare(seed=True)
    yield store
    db.dispose()


def _text(result: CallToolResult) -> str:
    assert isinstance(block := result.content[0], TextContent)
    return block.text


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    return result.structured_content


async def _call(store: RefundsStore, tool: str, args: dict[str, Any], bound: str | None = None) -> CallToolResult:
    async with Client(create_server(store), mode="legacy") as client:
        return await client.call_tool(tool, args, meta={"switchboard/customer": bound} if bound else None)


async def _pending(store: RefundsStore, args: dict[str, Any] = MORGAN) -> str:
    requested = _data(await _call(store, "process_refund", args))
    assert (requested["status"], requested["needs_human_approval"]) == ("pending_approval", True)
    return requested["refund_id"]


def _trail(store: RefundsStore, order_id: str) -> list[tuple[str, str, str, str | None]]:
    return [(a.action, a.decision, a.rule, a.actor) for a in store.audit_for(order_id)]


async def test_a_pending_refund_is_listed_with_its_order_context(store: RefundsStore) -> None:
    refund_id = await _pending(store)

    listed = _data(await _call(store, "list_pending_refunds", {}))

    assert listed["total"] == 1
    [item] = listed["items"]
    assert item["refund_id"] == refund_id
    assert {k: item[k] for k in ("order_id", "customer_email", "amount", "currency", "reason")} == {
        "order_id": "ORD-93514",
        "customer_email": "morgan.moreau@example.com",
        "amount": 732.97,
        "currency": "USD",
        "reason": "changed_mind",
    }
    assert (item["order_total"], item["order_status"], item["item_used"], item["already_refunded"]) == (
        732.97,
        "delivered",
        False,
        0.0,
    )
    assert item["method"] == "original payment method: PayPal"
    assert item["waiting_minutes"] == 0


async def test_approving_moves_the_money_once_records_who_and_a_repeat_replays(store: RefundsStore) -> None:
    refund_id = await _pending(store)

    first = _data(await _call(store, "approve_refund", {"refund_id": refund_id, "agent": "sam.rivera"}))
    again = _data(await _call(store, "approve_refund", {"refund_id": refund_id, "agent": "alex.kim"}))
    listed = _data(await _call(store, "list_pending_refunds", {}))
    retried = _data(await _call(store, "process_refund", MORGAN))

    assert (first["decision"], first["status"], first["decided_by"], first["replayed"]) == (
        "approved",
        "refunded",
        "sam.rivera",
        False,
    )
    assert first["amount"] == 732.97 and first["rejection_reason"] is None
    assert first["message"].startswith("Good news: your refund of $732.97 for order ORD-93514")
    assert again == {**first, "replayed": True}
    assert listed == {"total": 0, "items": []}
    [refund] = store.refunds_for("ORD-93514")
    assert (refund.status, refund.decided_by, refund.amount_cents) == ("refunded", "sam.rivera", 73297)
    assert (retried["status"], retried["replayed"], retried["refund_id"]) == ("refunded", True, refund_id)
    assert _trail(store, "ORD-93514") == [
        ("process", "pending_approval", "needs_approval", None),
        ("approve", "approved", "approved", "sam.rivera"),
        ("approve", "replayed", "replay", "alex.kim"),
        ("process", "replayed", "replay", None),
    ]


async def test_rejecting_releases_the_amount_with_the_reason_and_cannot_be_approved_later(
    store: RefundsStore,
) -> None:
    refund_id = await _pending(store)
    reject = {"refund_id": refund_id, "agent": "sam.rivera", "reason": "The machine was bought with a gift card."}

    rejected = _data(await _call(store, "reject_refund", reject))
    again = _data(await _call(store, "reject_refund", {**reject, "agent": "alex.kim"}))
    late = await _call(store, "approve_refund", {"refund_id": refund_id, "agent": "alex.kim"})
    check = _data(await _call(store, "check_refund_eligibility", MORGAN))

    assert (rejected["decision"], rejected["status"], rejected["replayed"]) == ("rejected", "rejected", False)
    assert rejected["rejection_reason"] == "The machine was bought with a gift card."
    assert (
        "could not approve it. Reason: The machine was bought with a gift card. No money has moved"
        in (rejected["message"])
    )
    assert again == {**rejected, "replayed": True}
    assert late.is_error
    assert _text(late).startswith(
        f"Error executing tool approve_refund: {refund_id} was already rejected by sam.rivera"
    )
    assert check["refundable_remaining"] == 732.97  # the reservation is released
    assert [(r.status, r.decision_note) for r in store.refunds_for("ORD-93514")] == [
        ("rejected", "The machine was bought with a gift card.")
    ]
    assert _trail(store, "ORD-93514")[1:] == [
        ("reject", "rejected", "rejected", "sam.rivera"),
        ("reject", "replayed", "replay", "alex.kim"),
        ("approve", "refused", "already_rejected", "alex.kim"),
    ]


async def test_get_refund_follows_a_refund_decided_by_any_client(store: RefundsStore) -> None:
    morgan, yael = await _pending(store), await _pending(store, YAEL)
    small = _data(
        await _call(
            store,
            "process_refund",
            {"order_id": "ORD-78432", "reason": "defective", "customer_email": "jordan.lee@example.com"},
        )
    )
    waiting = _data(await _call(store, "get_refund", {"refund_id": morgan}))
    approved = _data(await _call(store, "approve_refund", {"refund_id": morgan, "agent": "sam.rivera"}))
    rejected = _data(
        await _call(store, "reject_refund", {"refund_id": yael, "agent": "alex.kim", "reason": "Damaged in use."})
    )

    after_approval = _data(await _call(store, "get_refund", {"refund_id": morgan}))
    after_rejection = _data(await _call(store, "get_refund", {"refund_id": yael}))
    automatic = _data(await _call(store, "get_refund", {"refund_id": small["refund_id"]}))
    unknown = await _call(store, "get_refund", {"refund_id": "RF-0123456789AB"})

    assert (waiting["status"], waiting["amount"], waiting["order_id"], waiting["decision"]) == (
        "pending_approval",
        732.97,
        "ORD-93514",
        None,
    )
    assert after_approval["status"] == "refunded"
    assert after_approval["decision"] == {**approved, "replayed": True}
    assert after_rejection["status"] == "rejected"
    assert after_rejection["decision"] == {**rejected, "replayed": True}
    assert (automatic["status"], automatic["decision"]) == ("refunded", None)
    assert _text(unknown) == (
        "Error executing tool get_refund: No refund RF-0123456789AB. Call list_pending_refunds to see the refunds "
        "awaiting approval."
    )
    [row] = store.audit_for(None)
    assert (row.action, row.decision, row.rule, row.refund_id) == (
        "list",
        "refused",
        "unknown_refund",
        "RF-0123456789AB",
    )


async def test_two_agents_approving_at_once_make_one_refund(store: RefundsStore) -> None:
    refund_id = await _pending(store)
    results: list[CallToolResult] = []
    async with Client(create_server(store), mode="legacy") as client:

        async def approve(agent: str) -> None:
            results.append(await client.call_tool("approve_refund", {"refund_id": refund_id, "agent": agent}))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for n in range(20):
                    tg.start_soon(approve, ("sam.rivera", "alex.kim")[n % 2])

    decisions = [_data(r) for r in results]
    assert sum(not d["replayed"] for d in decisions) == 1
    assert len({d["decided_by"] for d in decisions}) == 1
    assert [(r.status, r.amount_cents) for r in store.refunds_for("ORD-93514")] == [("refunded", 73297)]
    assert [a.decision for a in store.audit_for("ORD-93514")].count("approved") == 1


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("list_pending_refunds", {}),
        ("get_refund", {"refund_id": "RF-000000000000"}),
        ("approve_refund", {"refund_id": "RF-000000000000", "agent": "sam.rivera"}),
        ("reject_refund", {"refund_id": "RF-000000000000", "agent": "sam.rivera", "reason": "no"}),
    ],
)
async def test_the_agent_tools_are_refused_in_a_customer_conversation_and_audited(
    store: RefundsStore, tool: str, args: dict[str, Any]
) -> None:
    refund_id = await _pending(store)
    args = {**args, "refund_id": refund_id} if "refund_id" in args else args

    result = await _call(store, tool, args, bound="morgan.moreau@example.com")

    assert result.is_error
    assert _text(result) == CONSOLE_ONLY.format(tool=tool)
    assert [r.status for r in store.refunds_for("ORD-93514")] == ["pending_approval"]
    [row] = store.audit_for(None)
    action = "list" if tool == "get_refund" else tool.split("_")[0]
    assert (row.action, row.decision, row.rule) == (action, "refused", "console_only")
    assert row.refund_id == args.get("refund_id")


async def test_unknown_and_never_pending_refunds_are_refused_with_what_to_do(store: RefundsStore) -> None:
    small = _data(
        await _call(
            store,
            "process_refund",
            {"order_id": "ORD-78432", "reason": "defective", "customer_email": "jordan.lee@example.com"},
        )
    )

    unknown = await _call(store, "approve_refund", {"refund_id": "RF-0123456789AB", "agent": "sam.rivera"})
    automatic = await _call(store, "reject_refund", {"refund_id": small["refund_id"], "agent": "sam", "reason": "x"})

    assert _text(unknown) == (
        "Error executing tool approve_refund: No refund RF-0123456789AB. Call list_pending_refunds to see the refunds "
        "awaiting approval."
    )
    assert _text(automatic) == (
        f"Error executing tool reject_refund: {small['refund_id']} did not need approval: it was refunded "
        "automatically when it was requested."
    )
    assert [(a.action, a.rule) for a in store.audit_for(None)] == [("approve", "unknown_refund")]
    assert _trail(store, "ORD-78432")[-1] == ("reject", "refused", "never_pending", "sam")


async def test_an_order_cancelled_since_the_request_cannot_be_approved_only_rejected(store: RefundsStore) -> None:
    refund_id = await _pending(store, YAEL)
    with store.db.write() as conn:
        conn.execute(update(payments).where(payments.c.order_id == "ORD-39558").values(order_status="returned"))

    refused = await _call(store, "approve_refund", {"refund_id": refund_id, "agent": "sam.rivera"})
    rejected = await _call(
        store, "reject_refund", {"refund_id": refund_id, "agent": "sam.rivera", "reason": "Returned."}
    )

    assert _text(refused) == (
        "Error executing tool approve_refund: ORD-39558 was returned since, and the return refunds the returned "
        f"items, so approving would pay twice. Reject {refund_id} with that reason instead."
    )
    assert _data(rejected)["status"] == "rejected"
    assert [r.status for r in store.refunds_for("ORD-39558")] == ["rejected"]


@pytest.mark.parametrize(
    ("args", "field", "problem"),
    [
        ({"agent": "sam\x00rivera"}, "agent", "NUL byte"),
        ({"agent": "sam\ud800"}, "agent", "unpaired UTF-16 surrogate"),
        ({"reason": "bad\x00reason"}, "reason", "NUL byte"),
        ({"reason": "bad \udfff reason"}, "reason", "unpaired UTF-16 surrogate"),
        ({"reason": "   "}, "reason", "String should match pattern"),
        ({"agent": "a" * 65}, "agent", "at most 64 characters"),
    ],
)
async def test_unsafe_or_invalid_decision_text_is_refused_clearly_and_audited(
    store: RefundsStore, args: dict[str, Any], field: str, problem: str
) -> None:
    refund_id = await _pending(store)

    result = await _call(store, "reject_refund", {"refund_id": refund_id, "agent": "sam", "reason": "No.", **args})

    assert result.is_error
    assert f"\n{field}\n" in _text(result) and problem in _text(result)
    assert [r.status for r in store.refunds_for("ORD-93514")] == ["pending_approval"]
    [row] = store.audit_for(None)
    assert (row.action, row.decision, row.rule, row.refund_id) == ("reject", "refused", "invalid_arguments", refund_id)
    assert row.detail.startswith(f"invalid arguments: {field}: ") and problem in row.detail
