"""Invariants of the refunds ledger: never more than the order total, replays identical, safe under concurrency."""

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from mcp import Client
from mcp.types import CallToolResult

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID, build_demo_store
from mcp_servers.refunds import create_server
from mcp_servers.refunds.models import RefundResult
from mcp_servers.refunds.policy import RefundPolicy
from mcp_servers.refunds.store import RefundRefusedError, RefundRequest, RefundsStore
from switchboard_common.storage import Database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
_DEMO = build_demo_store(NOW).orders
_BIG = next(
    o
    for o in _DEMO
    if o.status == "delivered" and o.delivered_at and (NOW - o.delivered_at).days <= 25 and o.total_cents > 20_000
)
_SHIPPED = next(o for o in _DEMO if o.status == "shipped")
_CANCELLED = next(o for o in _DEMO if o.status == "cancelled")
ORDERS = (FLAGSHIP_ORDER_ID, _BIG.order_id, _SHIPPED.order_id, _CANCELLED.order_id)
REASONS = ("defective", "wrong_item", "not_received", "changed_mind", "other")


class RefundLedgerMachine(RuleBasedStateMachine):
    """Random refund requests against a fresh SQLite ledger, compared with a model of what must be stored."""

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self.db = Database(f"sqlite:///{self._tmp.name}/ledger.db")
        # A low threshold so that both refunded and pending_approval refunds happen.
        self.store = RefundsStore(self.db, policy=RefundPolicy(approval_threshold_cents=5_000))
        self.store.prepare(seed=True, now=NOW)
        # An idle connection held open: otherwise every close is the last one and checkpoints the WAL (slow only).
        self._idle = self.db.engine.connect()
        self.totals = {order: self._total(order) for order in ORDERS}
        self.first: dict[str, tuple[str, RefundResult]] = {}
        self.reserved: defaultdict[str, int] = defaultdict(int)

    def _total(self, order_id: str) -> int:
        payment = self.store.get_payment(order_id)
        assert payment is not None
        return payment.total_cents

    @rule(
        order=st.sampled_from(ORDERS),
        reason=st.sampled_from(REASONS),
        amount=st.none() | st.integers(min_value=1, max_value=30_000),
        key=st.none() | st.sampled_from(("k1", "k2", "k3")),
    )
    def request_refund(self, order: str, reason: str, amount: int | None, key: str | None) -> None:
        request = RefundRequest(order, reason, amount, "USD", key)
        earlier = self.first.get(request.stored_key)
        try:
            result = self.store.process(request, now=NOW)
        except RefundRefusedError:
            assert earlier is None or earlier[0] != request.fingerprint, "an identical retry must replay"
            return
        if earlier is not None:
            assert earlier[0] == request.fingerprint
            assert result == earlier[1].model_copy(update={"replayed": True})
            return
        assert not result.replayed
        assert result.status == ("pending_approval" if round(result.amount * 100) > 5_000 else "refunded")
        self.first[request.stored_key] = (request.fingerprint, result)
        self.reserved[order] += round(result.amount * 100)

    @invariant()
    def refunds_never_exceed_the_order_total_and_match_the_model(self) -> None:
        for order in ORDERS:
            stored = sum(r.amount_cents for r in self.store.refunds_for(order))
            assert stored == self.reserved[order]
            assert stored <= self.totals[order]

    def teardown(self) -> None:
        self._idle.close()
        self.db.dispose()
        self._tmp.cleanup()


RefundLedgerMachine.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_refund_ledger_never_exceeds_totals_and_replays_identically = RefundLedgerMachine.TestCase


@pytest.fixture
def store(database_url: str) -> Iterator[RefundsStore]:
    db = Database(database_url)
    store = RefundsStore(db)
    store.prepare(seed=True)
    yield store
    db.dispose()


async def _race(store: RefundsStore, calls: list[dict[str, Any]]) -> list[CallToolResult]:
    results: list[CallToolResult] = []
    async with Client(create_server(store), mode="legacy") as client:

        async def one(args: dict[str, Any]) -> None:
            results.append(await client.call_tool("process_refund", args))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for args in calls:
                    tg.start_soon(one, args)
    return results


def _args(**extra: Any) -> dict[str, Any]:
    return {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective", "customer_email": FLAGSHIP_EMAIL, **extra}


@pytest.mark.anyio
async def test_fifty_concurrent_identical_refunds_make_exactly_one_refund(store: RefundsStore) -> None:
    results = await _race(store, [_args()] * 50)

    assert not [r for r in results if r.is_error]
    data = [r.structured_content for r in results if r.structured_content is not None]
    assert len(data) == 50
    originals = [d for d in data if not d["replayed"]]
    assert len(originals) == 1
    assert all(d == {**originals[0], "replayed": d["replayed"]} for d in data)
    [row] = store.refunds_for(FLAGSHIP_ORDER_ID)
    assert (row.refund_id, row.amount_cents) == (originals[0]["refund_id"], 8999)
    decisions = sorted(a.decision for a in store.audit_for(FLAGSHIP_ORDER_ID))
    assert decisions == ["refunded"] + ["replayed"] * 49


@pytest.mark.anyio
async def test_fifty_concurrent_distinct_partial_refunds_never_exceed_the_order_total(store: RefundsStore) -> None:
    results = await _race(store, [_args(amount=10, idempotency_key=f"turn-{n}") for n in range(50)])

    assert sum(not r.is_error for r in results) == 8
    assert [r.amount_cents for r in store.refunds_for(FLAGSHIP_ORDER_ID)] == [1000] * 8
    audit = store.audit_for(FLAGSHIP_ORDER_ID)
    assert sorted(a.decision for a in audit) == ["refunded"] * 8 + ["refused"] * 42
    assert {a.rule for a in audit if a.decision == "refused"} == {"exceeds_remaining"}
