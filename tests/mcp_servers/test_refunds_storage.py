"""Storage limits of the refunds server on SQLite and PostgreSQL: wide money columns, bounded amounts, safe text,
the v1 -> v2 migration, and an audit row for every refusal."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent
from sqlalchemy import insert, select, update

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID
from mcp_servers._common.text import UnsafeTextError, check_text
from mcp_servers.refunds import create_server
from mcp_servers.refunds.schema import MIGRATIONS, audit, payments, refunds
from mcp_servers.refunds.store import RefundsStore
from switchboard_common.storage import Database

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> RefundsStore:
    store = RefundsStore(db)
    store.prepare(seed=True)
    return store


def _text(result: CallToolResult) -> str:
    assert isinstance(block := result.content[0], TextContent)
    return block.text


async def _call(store: RefundsStore, tool: str, args: dict[str, Any]) -> CallToolResult:
    async with Client(create_server(store), mode="legacy") as client:
        return await client.call_tool(tool, args)


def _flagship(**extra: Any) -> dict[str, Any]:
    return {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective", "customer_email": FLAGSHIP_EMAIL, **extra}


@pytest.mark.parametrize("amount", ["21474836.48", "99999999.99", 1_000_000.01])
async def test_an_amount_above_the_bound_is_refused_clearly_audited_and_stores_nothing(
    store: RefundsStore, amount: str | float
) -> None:
    result = await _call(store, "process_refund", _flagship(amount=amount))

    assert result.is_error
    assert "amount\n  Input should be less than or equal to 1000000" in _text(result)
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    [row] = store.audit_for(FLAGSHIP_ORDER_ID)
    assert (row.decision, row.rule, row.amount_cents) == ("refused", "invalid_arguments", round(float(amount) * 100))
    assert row.detail == "invalid arguments: amount: Input should be less than or equal to 1000000"


async def test_money_columns_hold_amounts_past_32_bits(store: RefundsStore) -> None:
    big = 3_000_000_000_00  # $3 billion in cents, far past a 32-bit column
    with store.db.write() as conn:
        conn.execute(update(payments).where(payments.c.order_id == FLAGSHIP_ORDER_ID).values(total_cents=big))
    order = store.get_payment(FLAGSHIP_ORDER_ID)

    requested = await _call(store, "process_refund", _flagship(amount=1_000_000))
    store.record_refusal(FLAGSHIP_ORDER_ID, reason="other", amount_cents=big, rule="probe", detail="a wide amount")

    assert order is not None and order.total_cents == big
    assert not requested.is_error, _text(requested)
    assert [r.amount_cents for r in store.refunds_for(FLAGSHIP_ORDER_ID)] == [100_000_000]
    assert [a.amount_cents for a in store.audit_for(FLAGSHIP_ORDER_ID)] == [100_000_000, big]


@pytest.mark.parametrize(
    ("tool", "bad"),
    [
        ("process_refund", "jordan.lee\x00@example.com"),
        ("process_refund", "jordan.lee\ud83d@example.com"),
        ("check_refund_eligibility", "jordan.lee@exam\x00ple.com"),
        ("check_refund_eligibility", "\udc00jordan.lee@example.com"),
    ],
)
async def test_nul_bytes_and_lone_surrogates_in_an_email_are_refused_clearly_and_audited(
    store: RefundsStore, tool: str, bad: str
) -> None:
    result = await _call(store, tool, _flagship(customer_email=bad))

    assert result.is_error
    problem = "NUL byte" if "\x00" in bad else "unpaired UTF-16 surrogate"
    assert "customer_email\n  Value error, the text contains a" in _text(result) and problem in _text(result)
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []
    [row] = store.audit_for(FLAGSHIP_ORDER_ID)
    assert (row.action, row.decision, row.rule) == (tool.split("_")[0], "refused", "invalid_arguments")
    assert problem in row.detail


def test_the_text_check_passes_ordinary_text_and_names_the_problem() -> None:
    assert check_text("Zoë 🎧 — ok\ttab") == "Zoë 🎧 — ok\ttab"
    with pytest.raises(UnsafeTextError, match="NUL byte"):
        check_text("a\x00b")
    with pytest.raises(UnsafeTextError, match="unpaired UTF-16 surrogate"):
        check_text("a\ud800b")


async def test_every_refusal_of_a_refund_call_leaves_an_audit_row(store: RefundsStore) -> None:
    attempts: list[tuple[str, dict[str, Any], str]] = [
        ("process_refund", _flagship(customer_email="someone@example.com"), "identity"),
        ("process_refund", _flagship(reason="changed_mind"), "item_used"),
        ("process_refund", _flagship(amount=500), "exceeds_remaining"),
        ("process_refund", _flagship(currency="EUR"), "currency_mismatch"),
        ("process_refund", _flagship(amount=0), "invalid_arguments"),
        ("check_refund_eligibility", _flagship(customer_email="someone@example.com"), "identity"),
        ("approve_refund", {"refund_id": "RF-FFFFFFFFFFFF", "agent": "sam"}, "unknown_refund"),
    ]
    for tool, args, _ in attempts:
        assert (await _call(store, tool, args)).is_error

    rules = [a.rule for a in store.audit_for(FLAGSHIP_ORDER_ID)] + [a.rule for a in store.audit_for(None)]
    assert rules == [rule for _, _, rule in attempts]
    assert store.refunds_for(FLAGSHIP_ORDER_ID) == []


def test_a_version_1_ledger_migrates_to_version_2_keeping_its_rows(db: Database) -> None:
    db.migrate("refunds", MIGRATIONS[:1])
    with db.write() as conn:
        conn.execute(
            insert(payments).values(
                order_id="ORD-10001",
                customer_email="a@example.com",
                total_cents=90_000,
                currency="USD",
                method="Visa ending 1111",
                order_status="delivered",
                delivered_at=NOW - timedelta(days=3),
                item_used=False,
                captured_at=NOW - timedelta(days=6),
            )
        )
        conn.execute(
            insert(refunds).values(
                refund_id="RF-AAAAAAAAAAAA",
                order_id="ORD-10001",
                customer_email="a@example.com",
                amount_cents=90_000,
                currency="USD",
                reason="defective",
                status="pending_approval",
                method="original payment method: Visa ending 1111",
                idempotency_key="ORD-10001/k",
                request_hash="h" * 64,
                created_at=NOW - timedelta(days=1),
                result_json="{}",
            )
        )
        conn.execute(
            insert(audit).values(
                at=NOW,
                order_id="ORD-10001",
                action="process",
                decision="pending_approval",
                reason="defective",
                rule="needs_approval",
                amount_cents=90_000,
                detail="v1 row",
            )
        )

    assert db.migrate("refunds", MIGRATIONS) == 2
    store = RefundsStore(db)
    store.prepare(seed=False)

    [refund] = store.refunds_for("ORD-10001")
    assert (refund.status, refund.amount_cents, refund.decided_by) == ("pending_approval", 90_000, None)
    [row] = store.audit_for("ORD-10001")
    assert (row.detail, row.actor, row.refund_id) == ("v1 row", None, None)
    total, [pending] = store.pending(limit=10, now=NOW)
    assert (total, pending.refund_id, pending.waiting_minutes) == (1, "RF-AAAAAAAAAAAA", 24 * 60)
    with db.write() as conn:
        conn.execute(update(refunds).values(status="rejected", amount_cents=2**40))
        assert conn.execute(select(refunds.c.amount_cents)).scalar_one() == 2**40
