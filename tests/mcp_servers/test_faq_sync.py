"""Store tests of the sync of the knowledge base folder into `faq_articles` (SQLite and PostgreSQL)."""
# pyright: reportPrivateUsage=false

import logging
import shutil
import threading
from datetime import datetime
from pathlib import Path

import anyio
import pytest

import mcp_servers.faq.store as store_module
from mcp_servers.faq._folder import FileArticle
from mcp_servers.faq.store import FaqStore, KnowledgeBaseError
from switchboard_common.storage import Database
from tests.mcp_servers.faq_kb import COPIED, article, rows

pytestmark = pytest.mark.anyio


def test_sync_upserts_and_deletes_rows_to_match_the_folder(database_url: str, kb: Path) -> None:
    db = Database(database_url)
    try:
        faq = FaqStore(db, kb, reindex_interval=0)
        faq.prepare()
        first = rows(db)
        assert sorted(first) == sorted(COPIED)
        (kb / "kayak.md").write_text(article("Storing a kayak", "products", "Keep it dry.", tags="kayak, storage"))
        (kb / "track-order.md").write_text(article("Tracking, rewritten", "shipping", "Use the tracking link."))
        (kb / "reset-password.md").unlink()
        assert faq.refresh() is True
        second = rows(db)
        assert sorted(second) == sorted({*COPIED, "kayak"} - {"reset-password"})
        assert second["track-order"][0] == "Tracking, rewritten"
        assert second["track-order"][1] != first["track-order"][1]
        assert second["refund-timing"] == first["refund-timing"]  # untouched rows keep their updated_at
        kayak = faq.get("kayak")
        assert kayak is not None
        assert (kayak.title, kayak.category, kayak.tags, kayak.body) == (
            "Storing a kayak",
            "products",
            ("kayak", "storage"),
            "Keep it dry.",
        )
        assert kayak.source_path == str(kb / "kayak.md")
    finally:
        db.dispose()


def test_a_failing_sync_changes_no_row_and_keeps_serving_the_old_index(
    database_url: str, kb: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(database_url)
    try:
        faq = FaqStore(db, kb, reindex_interval=0)
        faq.prepare()
        before = rows(db)
        (kb / "kayak.md").write_text(article("Storing a kayak", "products", "Keep it dry."))
        (kb / "track-order.md").write_text(article("Tracking, rewritten", "shipping", "Use the tracking link."))
        (kb / "reset-password.md").unlink()
        real_row = store_module._row

        def failing_row(parsed: FileArticle, now: datetime) -> dict[str, object]:
            if parsed.slug == "track-order":
                raise RuntimeError("disk full")
            return real_row(parsed, now)

        monkeypatch.setattr(store_module, "_row", failing_row)
        with caplog.at_level(logging.ERROR, logger="mcp_servers.faq.store"):
            assert faq.refresh() is False
        assert "re-index" in caplog.text and "disk full" in caplog.text
        assert rows(db) == before  # the insert of kayak was rolled back with the failed update
        assert faq.get("kayak") is None and faq.get("reset-password") is not None
        with pytest.raises(RuntimeError, match="disk full"):
            faq.refresh(force=True)
        monkeypatch.undo()
        assert faq.refresh() is True
        assert sorted(rows(db)) == sorted({*COPIED, "kayak"} - {"reset-password"})
    finally:
        db.dispose()


def test_replicas_preparing_at_once_on_one_database_both_succeed(database_url: str, kb: Path) -> None:
    db = Database(database_url)
    try:
        replicas = [FaqStore(db, kb) for _ in range(2)]
        barrier = threading.Barrier(2, timeout=10)
        errors: list[BaseException] = []

        def prepare(faq: FaqStore) -> None:
            try:
                barrier.wait()
                faq.prepare()
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=prepare, args=(r,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert errors == []
        assert sorted(rows(db)) == sorted(COPIED)
        assert all(r.get("refund-timing") is not None for r in replicas)
    finally:
        db.dispose()


async def test_concurrent_searches_during_a_reindex_all_answer(small_store: FaqStore, kb: Path) -> None:
    (kb / "kayak.md").write_text(article("Storing a kayak", "products", "Keep the kayak dry."))
    answers: list[list[str]] = []

    async def ask() -> None:
        hits = await anyio.to_thread.run_sync(lambda: small_store.search("password reset"))
        answers.append([h.article.slug for h in hits])

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(ask)
    assert len(answers) == 8 and all(a == answers[0] for a in answers)
    assert answers[0][0] == "reset-password"
    assert [h.article.slug for h in small_store.search("kayak")] == ["kayak"]


def test_prepare_on_a_missing_folder_raises_knowledge_base_error(database: Database, tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="not found"):
        FaqStore(database, tmp_path / "missing").prepare()


def test_a_vanished_folder_keeps_the_current_index(small_store: FaqStore, kb: Path) -> None:
    shutil.rmtree(kb)
    assert small_store.refresh() is False
    assert small_store.get("refund-timing") is not None
    assert sorted(rows(small_store.db)) == sorted(COPIED)
