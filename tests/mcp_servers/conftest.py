"""Fixtures shared by the FAQ server's test files: a SQLite database and a small knowledge base folder."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_servers.faq.store import FaqStore
from switchboard_common.storage import Database
from tests.mcp_servers.faq_kb import COPIED, KNOWLEDGE_BASE


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small knowledge base folder the test may edit: a few copies of shipped articles."""
    folder = tmp_path / "kb"
    folder.mkdir()
    for slug in COPIED:
        shutil.copy(KNOWLEDGE_BASE / f"{slug}.md", folder / f"{slug}.md")
    return folder


@pytest.fixture
def small_store(database: Database, kb: Path) -> FaqStore:
    faq = FaqStore(database, kb, reindex_interval=0)
    faq.prepare()
    return faq
