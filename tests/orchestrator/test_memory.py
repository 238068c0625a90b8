"""Conversation memory: condensing past the budget, keeping originals, and what the model is sent."""

from pathlib import Path
from typing import Any, cast

import pytest

from orchestrator import Orchestrator
from orchestrator.llm.model import ModelRequest
from orchestrator.memory import extractive_summary, split_for_condensing
from orchestrator.settings import ConversationConfig
from orchestrator.storage.store import StoredMessage
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use

from .support import in_memory, real_targets, settings_for

pytestmark = pytest.mark.anyio

BUDGET = ConversationConfig(max_turns=2, max_tokens=100_000, keep_recent_turns=1)


def _first_text(request: ModelRequest) -> str:
    first = request.messages[0]["content"]
    if isinstance(first, str):
        return first
    return str(cast(dict[str, Any], next(iter(first)))["text"])


async def test_older_turns_are_condensed_into_an_extractive_summary_offline(tmp_path: Path) -> None:
    model = ScriptedModel(
        [
            tool_use(("lookup_order", {"order_id": "ORD-78432", "customer_email": "jordan.lee@example.com"})),
            text_reply("Your order was delivered."),
            text_reply("Happy to help with the Bluetooth."),
            text_reply("Anything else?"),
            text_reply("Goodbye."),
        ]
    )
    settings = settings_for(tmp_path, [in_memory("orders")], conversation=BUDGET)
    async with Orchestrator.open(settings, model=model, targets=real_targets(tmp_path, ["orders"])) as orch:
        cid = orch.start()
        await orch.respond(cid, "My headphones ORD-78432 don't work, jordan.lee@example.com")
        await orch.respond(cid, "Bluetooth won't pair")
        await orch.respond(cid, "thanks")
        conversation = orch.store.get(cid)
        await orch.respond(cid, "bye")
        all_messages = orch.store.messages(cid)
    assert conversation is not None and conversation.summary is not None
    assert "Problem: My headphones ORD-78432 don't work" in conversation.summary
    assert "lookup_order(order_id=ORD-78432) -> ok" in conversation.summary
    sent_last = model.calls[-1]
    assert "<conversation_summary>" in _first_text(sent_last)
    assert len(sent_last.messages) < len(all_messages)  # the model sees the summary, not every message
    assert all_messages[0].param["content"] == "My headphones ORD-78432 don't work, jordan.lee@example.com"  # as sent
    model.assert_complete()


async def test_a_claude_conversation_is_condensed_by_the_fast_model_and_billed(tmp_path: Path) -> None:
    model = ScriptedModel(
        [
            text_reply("One."),
            text_reply("Two."),
            text_reply("Three."),
            text_reply("Customer asked three things; all answered.", model="claude-haiku-4-5"),
        ],
        offline=False,
    )
    settings = settings_for(tmp_path, [in_memory("orders")], conversation=BUDGET)
    async with Orchestrator.open(settings, model=model, targets=real_targets(tmp_path, ["orders"])) as orch:
        cid = orch.start()
        for text in ("first", "second", "third"):
            await orch.respond(cid, text)
        conversation = orch.store.get(cid)
        ledger = orch.store.ledger(cid)
    summary_call = model.calls[-1]
    assert summary_call.model == settings.model.fast
    assert summary_call.cache is False  # asked once: a breakpoint would only pay for a cache write
    assert "Customer: first" in _first_text(summary_call)
    assert conversation is not None
    assert conversation.summary == "Customer asked three things; all answered."
    assert [e.purpose for e in ledger] == ["reply", "reply", "reply", "summary"]


def test_split_keeps_whole_recent_turns() -> None:
    stored = [StoredMessage(i, turn, {"role": "user", "content": f"t{turn}"}) for i, turn in enumerate([1, 1, 2, 3, 3])]
    old, recent = split_for_condensing(stored, keep_recent_turns=2)
    assert [m.turn for m in old] == [1, 1]
    assert [m.turn for m in recent] == [2, 3, 3]
    assert split_for_condensing(stored, keep_recent_turns=5) == ([], stored)


def test_extractive_summary_keeps_the_previous_summary_and_the_status() -> None:
    stored = [
        StoredMessage(1, 1, {"role": "user", "content": "I want a refund"}),
        StoredMessage(2, 1, {"role": "assistant", "content": [{"type": "text", "text": "Refund of $89.99 done."}]}),
    ]
    summary = extractive_summary(stored, "Customer verified.")
    assert summary.splitlines() == [
        "Earlier: Customer verified.",
        "Problem: I want a refund",
        "Status: Refund of $89.99 done.",
    ]
