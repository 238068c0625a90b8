"""The orchestrator's side of refund approvals: noticing a pending refund, the hand-off, the record and the KPIs."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from mcp_servers._common.storage import Database
from orchestrator.hooks import TurnContext
from orchestrator.policy.approvals import (
    ApprovalStore,
    PendingApproval,
    escalation_arguments,
    handoff_notice,
    note_pending,
    take_pending,
)
from orchestrator.telemetry.kpi_report import metrics_command, render_approvals

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PENDING = {
    "refund_id": "RF-00EDB6BEA0D6",
    "order_id": "ORD-93514",
    "reason": "changed_mind",
    "status": "pending_approval",
    "amount": 732.97,
    "currency": "USD",
    "replayed": False,
}
MORGAN = PendingApproval("RF-00EDB6BEA0D6", "ORD-93514", 73297, "USD", "changed_mind")
YAEL = PendingApproval("RF-1111111111AA", "ORD-39558", 77596, "USD", "defective")


@pytest.fixture
def store(database_url: str) -> Iterator[ApprovalStore]:
    db = Database(database_url)
    store = ApprovalStore(db)
    store.prepare()
    yield store
    db.dispose()


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({**PENDING, "status": "refunded"}),
        json.dumps({**PENDING, "refund_id": "RF-1"}),
        json.dumps({**PENDING, "order_id": "<b>ORD-93514</b>"}),
        json.dumps({**PENDING, "amount": "lots"}),
        json.dumps([PENDING]),
        "Refund not possible: the window has closed.",
    ],
)
def test_only_a_fresh_well_formed_pending_refund_starts_an_approval(content: str) -> None:
    assert PendingApproval.from_result(content) is None


def test_a_pending_refund_noted_in_a_turn_is_taken_once() -> None:
    ctx = TurnContext("conv-1")
    note_pending(json.dumps(PENDING), ctx)
    note_pending(json.dumps(PENDING), ctx)

    assert take_pending(ctx) == [MORGAN]
    assert take_pending(ctx) == []


def test_the_hand_off_carries_the_refund_and_the_customer_is_promised_no_money() -> None:
    arguments = escalation_arguments(MORGAN, conversation_id="conv-1", summary="Reason: ...", sentiment_trend="stable")
    english = handoff_notice(MORGAN, "HO-000007")
    french = handoff_notice(MORGAN, None, french=True)

    assert arguments["priority"] == "high" and arguments["conversation_id"] == "conv-1"
    assert arguments["context"] == {
        "approval": "refund awaiting approval",
        "refund_id": "RF-00EDB6BEA0D6",
        "order_id": "ORD-93514",
        "amount": "732.97 USD",
        "refund_reason": "change of mind",
    }
    assert "Refund RF-00EDB6BEA0D6 of $732.97 for order ORD-93514 (change of mind)" in str(arguments["reason"])
    assert english == (
        "I've passed your refund request RF-00EDB6BEA0D6 ($732.97) to our team for approval (hand-off HO-000007). "
        "No money has moved yet: a team member will approve or decline it, and you'll see their decision right here "
        "in this conversation."
    )
    assert "Aucun argent n'a encore bougé" in french and "HO-" not in french


def test_requests_and_decisions_are_recorded_once_and_counted(store: ApprovalStore) -> None:
    store.record_request(MORGAN, conversation_id=None, handoff_id=None, at=T0)  # seen first in the console
    store.record_request(MORGAN, conversation_id="conv-1", handoff_id=None, at=T0 + timedelta(hours=1))
    store.record_request(MORGAN, conversation_id="other", handoff_id="HO-000001", at=T0 + timedelta(hours=2))
    linked = store.handed_over([MORGAN.refund_id, YAEL.refund_id])
    store.record_request(YAEL, conversation_id="conv-2", handoff_id="HO-000002", at=T0)
    before = store.stats()

    first = store.record_decision(
        MORGAN, requested_at=T0, decision="approved", agent="sam", at=T0 + timedelta(minutes=30), note=None
    )
    again = store.record_decision(
        MORGAN, requested_at=T0, decision="approved", agent="alex", at=T0 + timedelta(hours=2), note=None
    )
    store.record_decision(
        YAEL, requested_at=T0, decision="rejected", agent="sam", at=T0 + timedelta(minutes=90), note="Used."
    )
    unseen = PendingApproval("RF-2222222222BB", "ORD-10001", 60000, "USD", None)
    store.record_decision(
        unseen, requested_at=T0, decision="approved", agent="kim", at=T0 + timedelta(hours=1), note=None
    )
    after = store.stats()
    window = store.stats(since=T0 + timedelta(minutes=45), until=T0 + timedelta(minutes=95))

    assert linked == {MORGAN.refund_id}
    assert (before.pending, before.pending_cents, before.approved) == (2, 150893, 0)
    assert first is not None and (first.conversation_id, first.handoff_id, first.decided_by) == (
        "conv-1",
        "HO-000001",
        "sam",
    )
    assert again is None  # decided already: nothing is posted twice
    assert (after.pending, after.approved, after.approved_cents, after.rejected, after.rejected_cents) == (
        0,
        2,
        133297,
        1,
        77596,
    )
    assert after.mean_decision_s == pytest.approx((30 + 90 + 60) * 60 / 3)
    assert after.max_decision_s == 90 * 60
    assert (window.approved, window.rejected) == (1, 1)
    assert render_approvals(after).splitlines() == [
        "Refund approvals (amounts in the orders' currency)",
        "pending now                      0          $0.00",
        "approved                         2      $1,332.97",
        "rejected                         1        $775.96",
        "time to decision           60m 00s  (mean; longest 90m 00s)",
    ]


def test_switchboard_metrics_reports_the_approvals(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    store = ApprovalStore(db)
    store.prepare()
    store.record_request(MORGAN, conversation_id="conv-1", handoff_id="HO-000001", at=T0)
    db.dispose()

    result = CliRunner().invoke(metrics_command, ["--db", sqlite_url], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "Refund approvals (amounts in the orders' currency)" in result.output
    assert "pending now                      1        $732.97" in result.output
