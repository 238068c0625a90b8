"""Contract tests of the refunds server, through the in-memory MCP client with real JSON-RPC framing."""

import argparse
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent
from sqlalchemy import text

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID, DemoOrder, build_demo_store
from mcp_servers._common.runner import parse_args
from mcp_servers.refunds import create_server
from mcp_servers.refunds.__main__ import add_arguments, build
from mcp_servers.refunds.policy import RefundPolicy
from mcp_servers.refunds.store import RefundsStore
from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

REASONS = ["defective", "wrong_item", "not_received", "changed_mind", "other"]
META_KEY = "switchboard/customer"
NEUTRAL = (
    "Error executing tool {tool}: No order matches that order number for this customer. Verify the customer's "
    "identity first with lookup_order (the order number and the email on the order), then retry with that order "
    "number and customer_email."
)
FLAGSHIP_REFUND = {
    "order_id": FLAGSHIP_ORDER_ID,
    "reason": "defective",
    "status": "refunded",
    "needs_human_approval": False,
    "amount": 89.99,
    "currency": "USD",
    "method": "original payment method: Visa ending 4242",
    "expected": "5-7 business days",
    "replayed": False,
}


@pytest.fixture
def now() -> datetime:
    return utcnow()


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database, now: datetime) -> RefundsStore:
    return _store(db, now)


def _store(db: Database, now: datetime, policy: RefundPolicy | None = None) -> RefundsStore:
    store = RefundsStore(db, policy=policy)
    store.prepare(seed=True, now=now)
    return store


def _pick(now: datetime, predicate: Callable[[DemoOrder], bool]) -> DemoOrder:
    return next(o for o in build_demo_store(now).orders if predicate(o) and o.order_id != FLAGSHIP_ORDER_ID)


def _days_delivered(now: datetime, order: DemoOrder) -> int:
    assert order.delivered_at is not None
    return (now.date() - order.delivered_at.date()).days


def _text(result: CallToolResult) -> str:
    assert isinstance(block := result.content[0], TextContent)
    return block.text


def _data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    return result.structured_content


def _without_id(data: dict[str, Any]) -> dict[str, Any]:
    assert re.fullmatch(r"RF-[0-9A-F]{12}", data["refund_id"])
    return {k: v for k, v in data.items() if k not in ("refund_id", "message")}


async def _call(store: RefundsStore, tool: str, args: dict[str, Any], bound: str | None = None) -> CallToolResult:
    async with Client(create_server(store), mode="legacy") as client:
        return await client.call_tool(tool, args, meta={META_KEY: bound} if bound else None)


def _flagship(**extra: Any) -> dict[str, Any]:
    return {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective", "customer_email": FLAGSHIP_EMAIL, **extra}


async def test_tools_list_is_the_published_contract(store: RefundsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(tools) == [
        "approve_refund",
        "check_refund_eligibility",
        "get_refund",
        "list_pending_refunds",
        "process_refund",
        "reject_refund",
    ]
    check, process = tools["check_refund_eligibility"], tools["process_refund"]
    assert check.input_schema["required"] == ["order_id", "reason"]
    assert process.input_schema["required"] == ["order_id", "reason"]
    assert list(check.input_schema["properties"]) == ["order_id", "reason", "amount", "customer_email"]
    assert list(process.input_schema["properties"]) == [
        "order_id",
        "reason",
        "amount",
        "customer_email",
        "idempotency_key",
        "currency",
    ]
    for tool in (check, process):
        assert tool.input_schema["properties"]["reason"]["enum"] == REASONS
        assert tool.input_schema["properties"]["order_id"]["pattern"] == r"^ORD-\d{5}$"
        assert tool.output_schema is not None
        assert tool.description
    assert process.input_schema["properties"]["idempotency_key"]["anyOf"][0]["maxLength"] == 100
    assert process.input_schema["properties"]["currency"]["default"] == "USD"
    assert check.annotations is not None and process.annotations is not None
    assert (check.annotations.read_only_hint, check.annotations.idempotent_hint) == (True, True)
    assert (
        process.annotations.read_only_hint,
        process.annotations.destructive_hint,
        process.annotations.idempotent_hint,
    ) == (False, True, True)
    assert process.output_schema is not None
    assert set(process.output_schema["properties"]) == {
        "refund_id",
        "order_id",
        "reason",
        "status",
        "needs_human_approval",
        "amount",
        "currency",
        "method",
        "expected",
        "message",
        "replayed",
    }


async def test_flagship_defective_headphones_are_refunded_to_the_visa_in_5_to_7_days(store: RefundsStore) -> None:
    data = _data(await _call(store, "process_refund", _flagship()))

    assert _without_id(data) == FLAGSHIP_REFUND
    assert data["message"] == (
        f"Your refund of $89.99 for order ORD-78432 has been issued to your Visa ending 4242 "
        f"(reference {data['refund_id']}). It should appear within 5-7 business days."
    )
    [row] = store.refunds_for(FLAGSHIP_ORDER_ID)
    assert (row.refund_id, row.amount_cents, row.status, row.reason) == (
        data["refund_id"],
        8999,
        "refunded",
        "defective",
    )
    assert [(a.action, a.decision, a.rule, a.amount_cents) for a in store.audit_for(FLAGSHIP_ORDER_ID)] == [
        ("process", "refunded", "eligible", 8999)
    ]


async def test_flagship_change_of_mind_is_refused_because_the_headphones_were_used(store: RefundsStore) -> None:
    result = await _call(store, "process_refund", _flagship(reason="changed_mind"))

    assert result.is_error
    assert _text(result) == (
        "Error executing tool process_refund: Refund not possible: A change-of-mind refund needs an unused item, "
        "and the item of ORD-78432 has been used. A refund is only possible if the item is faulty or not what was "
        "ordered; ask the customer what is wrong with it."
    )
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    [audit] = store.audit_for(FLAGSHIP_ORDER_ID)
    assert (audit.decision, audit.reason, audit.rule, audit.amount_cents) == (
        "refused",
        "changed_mind",
        "item_used",
        None,
    )


async def test_check_eligibility_for_the_flagship_says_what_the_customer_gets_and_writes_nothing(
    store: RefundsStore, now: datetime
) -> None:
    data = _data(await _call(store, "check_refund_eligibility", _flagship()))

    assert data == {
        "order_id": FLAGSHIP_ORDER_ID,
        "reason": "defective",
        "eligible": True,
        "rule": "eligible",
        "explanation": "Eligible: $89.99 back to the original payment method (Visa ending 4242) within "
        "5-7 business days.",
        "order_total": 89.99,
        "refundable_remaining": 89.99,
        "currency": "USD",
        "window_ends_on": (now.date() - timedelta(days=14) + timedelta(days=30)).isoformat(),
        "customer_gets": {
            "amount": 89.99,
            "currency": "USD",
            "method": "original payment method: Visa ending 4242",
            "timing": "5-7 business days",
            "needs_human_approval": False,
        },
    }
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    assert store.audit_for(FLAGSHIP_ORDER_ID) == []


async def test_check_eligibility_names_the_rule_that_refuses(store: RefundsStore) -> None:
    data = _data(await _call(store, "check_refund_eligibility", _flagship(reason="changed_mind")))

    assert (data["eligible"], data["rule"], data["customer_gets"]) == (False, "item_used", None)
    assert store.audit_for(FLAGSHIP_ORDER_ID) == []


async def test_partial_refunds_add_up_to_the_total_and_then_nothing_is_left(store: RefundsStore) -> None:
    first = _data(await _call(store, "process_refund", _flagship(amount="20.50")))
    rest = _data(await _call(store, "process_refund", _flagship(reason="wrong_item")))
    again = await _call(store, "process_refund", _flagship(reason="other", amount=1))

    assert (first["amount"], rest["amount"]) == (20.5, 69.49)
    assert again.is_error
    assert _text(again) == (
        "Error executing tool process_refund: Refund not possible: Nothing is left to refund on ORD-78432: its "
        "full $89.99 has already been refunded or is awaiting approval."
    )
    assert [r.amount_cents for r in store.refunds_for(FLAGSHIP_ORDER_ID)] == [2050, 6949]


async def test_an_amount_above_what_remains_is_refused_with_the_remaining_amount(store: RefundsStore) -> None:
    await _call(store, "process_refund", _flagship(amount=80))
    result = await _call(store, "process_refund", _flagship(amount="10.00"))

    assert result.is_error
    assert _text(result).endswith(
        "Refund not possible: The requested $10.00 is more than the $9.99 still refundable on ORD-78432; "
        "offer at most $9.99."
    )
    assert [r.amount_cents for r in store.refunds_for(FLAGSHIP_ORDER_ID)] == [8000]
    assert [a.decision for a in store.audit_for(FLAGSHIP_ORDER_ID)] == ["refunded", "refused"]


async def test_a_refund_after_the_window_is_refused_and_the_window_is_configurable(db: Database, now: datetime) -> None:
    old = _pick(
        now, lambda o: o.status == "delivered" and 40 <= _days_delivered(now, o) <= 50 and o.total_cents <= 50_000
    )
    args = {"order_id": old.order_id, "reason": "defective", "customer_email": old.customer_email}

    refused = await _call(_store(db, now), "process_refund", args)
    assert refused.is_error
    assert "refunds are possible within 30 days of delivery" in _text(refused)
    assert "that window has closed" in _text(refused)

    data = _data(await _call(_store(db, now, RefundPolicy(window_days=60)), "process_refund", args))
    assert (data["status"], data["amount"]) == ("refunded", old.total_cents / 100)


async def test_a_refund_above_the_threshold_waits_for_a_human_and_moves_no_money(
    store: RefundsStore, now: datetime
) -> None:
    big = _pick(now, lambda o: o.status == "delivered" and _days_delivered(now, o) <= 25 and o.total_cents > 50_000)
    args = {"order_id": big.order_id, "reason": "defective", "customer_email": big.customer_email}

    data = _data(await _call(store, "process_refund", args))
    later = await _call(store, "process_refund", {**args, "amount": 1})

    assert (data["status"], data["needs_human_approval"], data["amount"]) == (
        "pending_approval",
        True,
        big.total_cents / 100,
    )
    assert data["expected"] == "5-7 business days after approval"
    assert "a member of our team will review it" in data["message"]
    assert "no money has moved yet" in data["message"]
    assert [(r.status, r.amount_cents) for r in store.refunds_for(big.order_id)] == [
        ("pending_approval", big.total_cents)
    ]
    assert later.is_error and "awaiting approval" in _text(later)


async def test_the_approval_threshold_is_configurable(db: Database, now: datetime) -> None:
    store = _store(db, now, RefundPolicy(approval_threshold_cents=5_000))
    other = _pick(now, lambda o: o.status == "delivered" and _days_delivered(now, o) <= 25 and o.total_cents > 5_000)
    args = {"order_id": other.order_id, "reason": "defective", "customer_email": other.customer_email}

    at_limit = _data(await _call(store, "process_refund", _flagship(amount=50)))
    above = _data(await _call(store, "process_refund", args))

    assert (at_limit["status"], at_limit["amount"]) == ("refunded", 50.0)
    assert (above["status"], above["amount"]) == ("pending_approval", other.total_cents / 100)


async def test_not_received_refunds_an_order_still_in_transit(store: RefundsStore, now: datetime) -> None:
    shipped = _pick(now, lambda o: o.status == "shipped" and o.total_cents <= 50_000)
    args = {"order_id": shipped.order_id, "reason": "not_received", "customer_email": shipped.customer_email}

    data = _data(await _call(store, "process_refund", args))

    assert (data["status"], data["amount"], data["method"]) == (
        "refunded",
        shipped.total_cents / 100,
        f"original payment method: {shipped.payment_method}",
    )


async def test_not_received_is_refused_for_a_delivered_order(store: RefundsStore) -> None:
    result = await _call(store, "process_refund", _flagship(reason="not_received"))

    assert result.is_error
    assert "cannot be refunded as not received" in _text(result)
    assert "carrier investigation" in _text(result)
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []


async def test_a_defect_refund_waits_until_the_order_is_delivered(store: RefundsStore, now: datetime) -> None:
    shipped = _pick(now, lambda o: o.status == "shipped")
    args = {"order_id": shipped.order_id, "reason": "defective", "customer_email": shipped.customer_email}

    result = await _call(store, "process_refund", args)

    assert result.is_error
    assert "has not been delivered yet (status: shipped)" in _text(result)
    assert store.refunds_for(shipped.order_id) == []


@pytest.mark.parametrize(
    ("status", "rule", "why"),
    [
        ("pending", "order_pending", "should be cancelled instead"),
        ("cancelled", "order_cancelled", "a cancellation releases the whole payment"),
        ("returned", "order_returned", "the return itself refunds the returned items"),
    ],
)
async def test_pending_cancelled_and_returned_orders_are_refused_with_the_reason(
    store: RefundsStore, now: datetime, status: str, rule: str, why: str
) -> None:
    order = _pick(now, lambda o: o.status == status)
    args = {"order_id": order.order_id, "reason": "not_received", "customer_email": order.customer_email}

    check = _data(await _call(store, "check_refund_eligibility", args))
    result = await _call(store, "process_refund", args)

    assert (check["eligible"], check["rule"]) == (False, rule)
    assert result.is_error and why in _text(result)
    assert store.refunds_for(order.order_id) == []
    assert [(a.decision, a.rule) for a in store.audit_for(order.order_id)] == [("refused", rule)]


async def test_a_currency_other_than_the_orders_is_refused(store: RefundsStore) -> None:
    result = await _call(store, "process_refund", _flagship(currency="EUR"))

    assert result.is_error
    assert _text(result) == (
        "Error executing tool process_refund: ORD-78432 was paid in USD, and refunds go back in the order's "
        "currency only. Retry with currency 'USD' (or leave currency out)."
    )
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    assert [a.rule for a in store.audit_for(FLAGSHIP_ORDER_ID)] == ["currency_mismatch"]


_BAD_ARGUMENTS: list[dict[str, Any]] = [
    {"amount": 0},
    {"amount": -5},
    {"amount": "NaN"},
    {"amount": "Infinity"},
    {"amount": 1.234},
    {"amount": "ten dollars"},
    {"reason": "broken"},
    {"order_id": "78432"},
    {"customer_email": "jordan"},
]
_BAD_PROCESS_ONLY: list[dict[str, Any]] = [
    {"idempotency_key": "k" * 101},
    {"idempotency_key": "has space"},
    {"currency": "usd"},
]


@pytest.mark.parametrize(
    ("tool", "bad"),
    [
        *[pytest.param("check_refund_eligibility", bad, id=f"check-{bad}"[:40]) for bad in _BAD_ARGUMENTS],
        *[pytest.param("process_refund", bad, id=f"process-{bad}"[:40]) for bad in _BAD_ARGUMENTS + _BAD_PROCESS_ONLY],
    ],
)
async def test_schema_invalid_arguments_are_refused_and_change_nothing(
    store: RefundsStore, tool: str, bad: dict[str, Any]
) -> None:
    result = await _call(store, tool, _flagship(**bad))

    assert result.is_error
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    [row] = store.audit_for(FLAGSHIP_ORDER_ID if "order_id" not in bad else None)
    assert (row.action, row.decision, row.rule) == (tool.split("_")[0], "refused", "invalid_arguments")
    assert row.detail.startswith("invalid arguments: " + next(iter(bad)) + ": ")
    assert "input_value" not in row.detail  # the submitted values are not copied into the audit trail


async def test_a_missing_reason_is_refused(store: RefundsStore) -> None:
    result = await _call(store, "process_refund", {"order_id": FLAGSHIP_ORDER_ID, "customer_email": FLAGSHIP_EMAIL})

    assert result.is_error
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []


@pytest.mark.parametrize("tool", ["process_refund", "check_refund_eligibility"])
async def test_without_a_bound_customer_the_email_must_match_and_every_refusal_reads_the_same(
    store: RefundsStore, now: datetime, tool: str
) -> None:
    other = _pick(now, lambda o: o.customer_email != FLAGSHIP_EMAIL)
    attempts = [
        _flagship(customer_email=other.customer_email),  # someone else's order
        {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective"},  # no proof at all
        _flagship(order_id="ORD-00000"),  # no such order
    ]
    texts = [_text(await _call(store, tool, args)) for args in attempts]

    assert texts == [NEUTRAL.format(tool=tool)] * 3
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    refusals = [(a.decision, a.rule) for a in store.audit_for(FLAGSHIP_ORDER_ID)]
    assert refusals == [("refused", "identity")] * 2
    assert [a.action for a in store.audit_for(FLAGSHIP_ORDER_ID)] == [tool.split("_")[0]] * 2


async def test_a_bound_customer_needs_no_email_for_their_own_order(store: RefundsStore) -> None:
    args = {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective"}

    data = _data(await _call(store, "process_refund", args, bound="Jordan.Lee@Example.com"))

    assert _without_id(data) == FLAGSHIP_REFUND


@pytest.mark.parametrize("tool", ["process_refund", "check_refund_eligibility"])
async def test_a_bound_customer_cannot_touch_another_customers_order(
    store: RefundsStore, now: datetime, tool: str
) -> None:
    other = _pick(now, lambda o: o.customer_email != FLAGSHIP_EMAIL)
    attempts = [
        ({"order_id": FLAGSHIP_ORDER_ID, "reason": "defective"}, other.customer_email),
        (_flagship(), other.customer_email),  # naming the real owner does not help
        (_flagship(customer_email=other.customer_email), FLAGSHIP_EMAIL),  # nor does naming someone else
        ({"order_id": "ORD-00000", "reason": "defective"}, FLAGSHIP_EMAIL),
    ]
    texts = [_text(await _call(store, tool, args, bound=bound)) for args, bound in attempts]

    assert texts == [NEUTRAL.format(tool=tool)] * 4
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []


async def test_a_retried_refund_replays_the_first_result_and_refunds_once(store: RefundsStore) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        first = _data(await client.call_tool("process_refund", _flagship()))
        second = _data(await client.call_tool("process_refund", _flagship()))

    assert first["replayed"] is False
    assert second == {**first, "replayed": True}
    assert len(store.refunds_for(FLAGSHIP_ORDER_ID)) == 1
    assert [a.decision for a in store.audit_for(FLAGSHIP_ORDER_ID)] == ["refunded", "replayed"]


async def test_distinct_idempotency_keys_make_distinct_refunds_and_a_reused_key_must_match(
    store: RefundsStore,
) -> None:
    async with Client(create_server(store), mode="legacy") as client:
        a = _data(await client.call_tool("process_refund", _flagship(amount=10, idempotency_key="turn-1")))
        b = _data(await client.call_tool("process_refund", _flagship(amount=10, idempotency_key="turn-2")))
        again = _data(await client.call_tool("process_refund", _flagship(amount=10, idempotency_key="turn-1")))
        reused = await client.call_tool("process_refund", _flagship(amount=20, idempotency_key="turn-1"))

    assert a["refund_id"] != b["refund_id"]
    assert again == {**a, "replayed": True}
    assert reused.is_error
    assert "idempotency_key was already used for a different refund" in _text(reused)
    assert [r.amount_cents for r in store.refunds_for(FLAGSHIP_ORDER_ID)] == [1000, 1000]


async def test_a_refund_whose_audit_row_cannot_be_written_leaves_no_refund_behind(store: RefundsStore) -> None:
    with store.db.write() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER refunds_audit_down BEFORE INSERT ON refunds_audit WHEN NEW.decision = 'refunded' "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            )
        )

    result = await _call(store, "process_refund", _flagship())

    assert result.is_error
    assert _text(result) == "Error executing tool process_refund"
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    assert [(a.decision, a.rule) for a in store.audit_for(FLAGSHIP_ORDER_ID)] == [("failed", "internal_error")]


def _args(argv: list[str]) -> argparse.Namespace:
    return parse_args("refunds", ["--db", "sqlite://", *argv], {}, extra=add_arguments)


def test_command_line_flags_set_the_refund_policy(db: Database) -> None:
    server = build(db, _args(["--approval-threshold", "100.50", "--window-days", "45"]))

    assert server.instructions is not None
    assert "within 45 days of delivery" in server.instructions
    assert "refunds above $100.50 wait for a human's approval" in server.instructions


@pytest.mark.parametrize(
    "argv",
    [
        ["--approval-threshold", "1.234"],
        ["--approval-threshold", "-1"],
        ["--approval-threshold", "lots"],
        ["--window-days", "-3"],
    ],
)
def test_invalid_policy_flags_are_rejected(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        _args(argv)


def test_the_demo_ledger_is_rebased_so_the_flagship_stays_refundable(sqlite_url: str) -> None:
    store = RefundsStore(Database(sqlite_url))
    now = datetime.now(UTC)
    store.prepare(seed=True, now=now - timedelta(days=40))  # seeded 40 days ago: the window would have closed
    store.prepare(seed=True, now=now)
    payment = store.get_payment("ORD-78432")
    assert payment is not None and payment.delivered_at is not None
    assert (now - payment.delivered_at) // timedelta(days=1) == 14
    store.db.dispose()
