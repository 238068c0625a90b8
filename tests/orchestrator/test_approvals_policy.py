"""The policy hands a refund awaiting approval to the human queue once, even when its first turn failed."""

import sqlite3
from pathlib import Path

import anyio
import pytest

from orchestrator import Orchestrator
from orchestrator.errors import ModelError
from orchestrator.events import Escalated, Event
from orchestrator.policy.approvals import ApprovalStore
from orchestrator.testing.scripted import ScriptedModel, Step, text_reply, tool_use

from .support import SERVERS, in_memory, real_targets, settings_for

pytestmark = pytest.mark.anyio

MORGAN = "morgan.moreau@example.com"
REFUND: tuple[str, dict[str, object]] = (
    "process_refund",
    {"order_id": "ORD-93514", "reason": "changed_mind", "customer_email": MORGAN},
)


def _handoffs(tmp_path: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(tmp_path / "servers.db")
    rows = db.execute("SELECT priority, reason, conversation_id FROM escalation_handoffs").fetchall()
    db.close()
    return rows


async def test_a_pending_refund_whose_turn_failed_is_handed_over_when_the_retry_replays_it(tmp_path: Path) -> None:
    steps: list[Step] = [
        tool_use(("lookup_order", {"order_id": "ORD-93514", "customer_email": MORGAN})),
        text_reply("I can refund $732.97 to your PayPal after a team member approves it. Shall I go ahead?"),
        tool_use(REFUND),
        ModelError("overloaded"),  # the refund is reserved, but the turn fails before any reply
        tool_use(REFUND),  # the retry: the refunds server replays the pending result
        text_reply("Your refund request is registered; a team member will review it."),
    ]
    model = ScriptedModel(steps)
    events: list[Event] = []

    async def collect(event: Event) -> None:
        events.append(event)

    settings = settings_for(tmp_path, [in_memory(name) for name in SERVERS])
    with anyio.fail_after(60):
        async with Orchestrator.open(settings, model=model, targets=real_targets(tmp_path), policies=True) as orch:
            cid = orch.start()
            await orch.respond(cid, "I want a refund for ORD-93514, I changed my mind. morgan.moreau@example.com")
            with pytest.raises(ModelError):  # itself, not wrapped by the observer's task group
                await orch.respond(cid, "Yes, please go ahead.")
            failed_handoffs = _handoffs(tmp_path)
            retried = await orch.respond(cid, "Yes, please go ahead.", emit=collect)
            stats = ApprovalStore(orch.store.db).stats()
            conversation = orch.store.get(cid)

    model.assert_complete()
    assert failed_handoffs == []
    [(priority, reason, conversation_id)] = _handoffs(tmp_path)
    assert (priority, conversation_id) == ("high", cid)
    assert reason.startswith("Refund RF-") and "of $732.97 for order ORD-93514 (change of mind)" in reason
    assert "to our team for approval (hand-off HO-000001). No money has moved yet" in retried.text
    assert [(e.reason, e.priority, e.handoff_id) for e in events if isinstance(e, Escalated)] == [
        ("refund_approval", "high", "HO-000001")
    ]
    assert (stats.pending, stats.pending_cents) == (1, 73297)
    assert conversation is not None and conversation.status == "escalated"
