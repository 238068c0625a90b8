"""The storage layer's usage reads (what the dashboard shows about cost and tool latency), and its ids."""

from datetime import timedelta
from pathlib import Path

import pytest

import orchestrator.storage.store as store_module
from orchestrator.events import Usage
from orchestrator.storage.store import ConversationStore, LedgerEntry, new_conversation_id
from orchestrator.storage.usage import ModelUsage, ToolTiming, UsageSince, tool_calls_since, usage_since
from orchestrator.tools import ToolRecord
from switchboard_common.clock import utcnow
from switchboard_common.storage import Database


def _store(tmp_path: Path) -> ConversationStore:
    store = ConversationStore(Database(f"sqlite:///{tmp_path / 'usage.db'}"))
    store.prepare()
    return store


def _call(name: str, duration_ms: int, *, is_error: bool = False, refused: bool = False) -> ToolRecord:
    return ToolRecord(f"toolu_{name}_{duration_ms}", name, "orders", {}, is_error, refused, duration_ms, "")


def test_usage_is_summed_per_model_and_an_unpriced_call_marks_its_model_unpriced(tmp_path: Path) -> None:
    store = _store(tmp_path)
    first, second = store.create(channel="cli", model="m"), store.create(channel="cli", model="m")
    sonnet, haiku = "claude-sonnet-4-6", "claude-haiku-4-5"
    store.append(first, 1, [], usage=[LedgerEntry(1, "reply", sonnet, Usage(100, 20), 0.5, True)])
    store.append(first, 2, [], usage=[LedgerEntry(2, "reply", sonnet, Usage(50, 10), 0.25, True)])
    store.append(second, 1, [], usage=[LedgerEntry(1, "summary", haiku, Usage(7, 3), 0.0, False)])

    report = usage_since(store, utcnow() - timedelta(hours=1))

    assert report == UsageSince(
        [ModelUsage(haiku, 1, 0.0, 7, 3, False), ModelUsage(sonnet, 2, 0.75, 150, 30, True)], conversations=2
    )
    assert usage_since(store, utcnow() + timedelta(hours=1)) == UsageSince([], conversations=0)


def test_tool_calls_are_the_newest_that_ran_up_to_the_limit(tmp_path: Path) -> None:
    store = _store(tmp_path)
    cid = store.create(channel="cli", model="m")
    records = [
        _call("lookup_order", 10),
        _call("process_refund", 0, refused=True),
        _call("search_faq", 30, is_error=True),
    ]
    store.append(cid, 1, [], records=records)
    since = utcnow() - timedelta(hours=1)

    assert tool_calls_since(store, since, limit=10) == [
        ToolTiming("search_faq", "orders", 30, True),
        ToolTiming("lookup_order", "orders", 10, False),
    ]
    assert tool_calls_since(store, since, limit=1) == [ToolTiming("search_faq", "orders", 30, True)]


def test_a_conversation_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """`switchboard conversations show -Yx...` would read the id as an option (seen once in 64 ids)."""
    drawn = iter(["-Yq3", "-_x", "Kq-3"])

    def token_urlsafe(_nbytes: int) -> str:
        return next(drawn)

    monkeypatch.setattr(store_module.secrets, "token_urlsafe", token_urlsafe)
    assert new_conversation_id() == "Kq-3"
