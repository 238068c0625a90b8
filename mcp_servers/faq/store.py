"""FaqStore: the faq_articles table, kept in sync with the Markdown knowledge base folder, and its BM25 index.

The folder is the source of truth that editors change (read by `_folder`); `faq_articles` is the durable copy
of what is indexed; the search index (BM25, plus a model of the articles' example questions when there are any:
see `_index`) lives in memory, is built by the first search and rebuilt from the table after every change.

Article file format (`<slug>.md`)::

    ---
    title: How long does a refund take?
    category: returns
    tags: refund, money back
    questions:
      - When will I get my money back?
      - "My refund still hasn't arrived, why?"
    ---
    Markdown body...

`questions` is optional: a block list (one `- question` per line, quotes optional) of ways customers phrase
what the article answers. They are not part of the article text shown to the model; they are searched with
BM25 like the body, and when at least two articles have some, a classifier trained on them re-ranks results.
"""

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, Text, bindparam, delete, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database, UTCDateTime

from ._folder import FileArticle, KnowledgeBaseFolder, Signature
from ._parse import TITLE_MAX_LENGTH, FrontMatterError, ParsedArticle, category_of, parse_article, parse_article_file
from .models import DEFAULT_LANGUAGE, SLUG_MAX_LENGTH, Language, language_of

if TYPE_CHECKING:  # the index pulls in numpy, bm25s and the stemmers: loaded by the first search (`_indexed`)
    from ._languages import LanguageIndexes

__all__ = [
    "ArticleRecord",
    "FaqStore",
    "FrontMatterError",
    "KnowledgeBaseError",
    "ParsedArticle",
    "SearchHit",
    "faq_articles",
    "parse_article",
    "parse_article_file",
]

logger = logging.getLogger(__name__)

_CHUNK = 500

metadata = MetaData()
faq_articles = Table(
    "faq_articles",
    metadata,
    Column("slug", String(SLUG_MAX_LENGTH), primary_key=True),
    Column("title", String(TITLE_MAX_LENGTH), nullable=False),
    Column("category", String(16), nullable=False),
    Column("tags", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("questions", Text, nullable=False, server_default=""),
    Column("language", String(8), nullable=False, server_default=DEFAULT_LANGUAGE),
    Column("content_hash", String(64), nullable=False),
    Column("source_path", String(1000), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


def _create_v1(conn: Connection) -> None:
    metadata.create_all(conn)  # the current table: step 2 then finds its column already there


def _add_questions_v2(conn: Connection) -> None:
    if "questions" not in {c["name"] for c in inspect(conn).get_columns("faq_articles")}:
        conn.execute(text("ALTER TABLE faq_articles ADD COLUMN questions TEXT NOT NULL DEFAULT ''"))


def _add_language_v3(conn: Connection) -> None:
    if "language" not in {c["name"] for c in inspect(conn).get_columns("faq_articles")}:
        conn.execute(text("ALTER TABLE faq_articles ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT 'en'"))


MIGRATIONS = (_create_v1, _add_questions_v2, _add_language_v3)
"""Rows written before step 2 have no questions, which is right: a file with `questions:` was rejected then."""


class KnowledgeBaseError(Exception):
    """The knowledge base folder is missing or unreadable."""


@dataclass(frozen=True)
class ArticleRecord(FileArticle):
    """One indexed article, as stored in `faq_articles`: the parsed file and when its row last changed."""

    updated_at: datetime = field(kw_only=True)


@dataclass(frozen=True)
class SearchHit:
    """One ranked article with its BM25 score and most relevant passage."""

    article: ArticleRecord
    score: float
    snippet: str


@dataclass(frozen=True)
class _Snapshot:
    records: tuple[ArticleRecord, ...]
    positions: Mapping[str, int]
    indexes: "LanguageIndexes | None"
    """None until a search needs it (see `FaqStore._indexed`)."""


class FaqStore:
    """The FAQ articles: synced from a folder of Markdown files into `faq_articles`, searched with BM25.

    Every search or lookup first checks, at most every `reindex_interval` seconds, whether the folder's
    signature changed; if so it upserts and deletes rows in one transaction and rebuilds the index.
    Safe to use from many threads: queries read an immutable snapshot, and one thread at a time re-indexes.
    """

    def __init__(
        self,
        db: Database,
        knowledge_base: Path,
        *,
        reindex_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Use `db` and the `*.md` files in `knowledge_base`; call `prepare()` once before serving.

        Args:
            db: The database holding `faq_articles`.
            knowledge_base: The folder of articles; each file `<slug>.md` is one article.
            reindex_interval: Minimum seconds between two checks of the folder (0: check on every call).
            clock: A monotonic clock in seconds (tests inject one).
        """
        self.db = db
        self.knowledge_base = knowledge_base
        self.reindex_interval = reindex_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._signature: Signature | None = None
        self._folder = KnowledgeBaseFolder(knowledge_base)
        self._snapshot: _Snapshot | None = None

    def prepare(self) -> None:
        """Migrate the schema, then sync the table from the folder (the first search builds the index).

        Raises:
            KnowledgeBaseError: The folder does not exist or cannot be read.
        """
        self.db.migrate("faq", MIGRATIONS)
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> bool:
        """Re-index if the folder changed since the last check; returns whether it re-indexed.

        Without `force`, the folder is looked at no more often than every `reindex_interval` seconds, and a
        call arriving while another thread re-indexes keeps using the current index instead of waiting.
        With `force`, the table is synced and the index rebuilt even when the folder looks unchanged.

        Raises:
            KnowledgeBaseError: With `force`, when the folder is missing or unreadable.
            Exception: With `force`, whatever made the sync fail. Without `force`, failures are logged and the
                current index is kept until the next check.
        """
        if not force and self._clock() - self._checked_at < self.reindex_interval:
            return False
        if not self._lock.acquire(blocking=force):
            return False
        try:
            self._checked_at = self._clock()
            signature = self._folder.scan()
            if signature is None:
                if force or self._snapshot is None:
                    raise KnowledgeBaseError(f"knowledge base folder not found or unreadable: {self.knowledge_base}")
                logger.warning("FAQ knowledge base %s is unreadable; keeping the current index", self.knowledge_base)
                return False
            if not force and signature == self._signature and self._snapshot is not None:
                return False
            started = time.perf_counter()
            try:
                records = self._write(self._folder.load(signature))
                previous = self._snapshot.indexes if self._snapshot else None
                snapshot = _Snapshot(
                    records=records,
                    positions={r.slug: n for n, r in enumerate(records)},
                    # Once a search has needed an index, a re-index rebuilds it here, in the thread that
                    # re-indexes, while the others keep searching the previous one; until then the new snapshot
                    # stays unindexed too (the next search builds it).
                    indexes=_index(records, previous) if previous is not None else None,
                )
            except Exception:
                if force:
                    raise
                # A database hiccup must not take search down: keep answering from memory, retry next check.
                logger.exception("FAQ re-index of %s failed; keeping the current index", self.knowledge_base)
                return False
            self._snapshot = snapshot
            self._signature = signature
            logger.info("Indexed %d FAQ articles in %.2fs", len(records), time.perf_counter() - started)
            return True
        finally:
            self._lock.release()

    def search(
        self, query: str, *, category: str | None = None, limit: int = 3, language: Language = DEFAULT_LANGUAGE
    ) -> list[SearchHit]:
        """The best `limit` articles for `query`, optionally in one category, most relevant first.

        Articles in `language` are searched; when none of them matches, the English ones are.
        """
        self.refresh()
        snapshot, indexes = self._indexed()
        ranked = indexes.search(query, language=language, category=category, limit=limit)
        return [
            SearchHit(article=snapshot.records[r.position], score=r.match.score, snippet=r.match.snippet)
            for r in ranked
        ]

    def get(self, slug: str) -> ArticleRecord | None:
        """The article with this slug, or None."""
        self.refresh()
        snapshot = self._current()
        position = snapshot.positions.get(slug)
        return None if position is None else snapshot.records[position]

    def articles(self) -> tuple[ArticleRecord, ...]:
        """Every indexed article, by slug."""
        self.refresh()
        return self._current().records

    def _current(self) -> _Snapshot:
        if self._snapshot is None:
            raise RuntimeError("FaqStore.prepare() must be called before use")
        return self._snapshot

    def _indexed(self) -> "tuple[_Snapshot, LanguageIndexes]":
        """The current snapshot and its search index, built now if no search has needed one yet.

        The index (and the example-question model) is built on the first search, not in `prepare()`: a server
        answers `initialize` and `tools/list` without importing numpy, bm25s or scikit-learn, and a process that
        never searches (e.g. `switchboard servers`) never pays for them. Concurrent first searches build it once.
        """
        snapshot = self._current()
        if snapshot.indexes is not None:
            return snapshot, snapshot.indexes
        with self._lock:  # the re-index lock: a snapshot swapped by a re-index meanwhile is indexed, not lost
            snapshot = self._current()
            if snapshot.indexes is not None:
                return snapshot, snapshot.indexes
            started = time.perf_counter()
            indexes = _index(snapshot.records, None)
            self._snapshot = replace(snapshot, indexes=indexes)
            logger.info("Built the FAQ search index in %.2fs", time.perf_counter() - started)
            return self._snapshot, indexes

    def _write(self, found: Mapping[str, FileArticle]) -> tuple[ArticleRecord, ...]:
        """Make `faq_articles` match `found` in one transaction; return every row, by slug.

        A table already in step with the folder (every start but the first, or a change another replica synced)
        is only read: the write lock is taken when there is something to write. Rows that neither this sync nor
        anyone else changed since the last one are taken from the current snapshot (which was read from the
        table); only the others are read back.
        """
        known = {r.slug: r for r in self._snapshot.records} if self._snapshot else {}
        with self.db.read() as conn:
            stored = _stored(conn)
            if all(stored.get(slug) == _key(a) for slug, a in found.items()) and set(stored) <= set(found):
                return _records(conn, found, stored, known)
        now = utcnow()
        with self.db.write() as conn:
            if not self.db.is_sqlite:
                # Replicas sharing the database sync one at a time (SQLite: BEGIN IMMEDIATE already does).
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('faq_articles'))"))
            stored = _stored(conn)
            added = [a for slug, a in found.items() if slug not in stored]
            changed = [a for slug, a in found.items() if slug in stored and stored[slug] != _key(a)]
            removed = sorted(set(stored) - set(found))
            if added:
                conn.execute(insert(faq_articles), [_row(a, now) for a in added])
            if changed:
                conn.execute(
                    update(faq_articles).where(faq_articles.c.slug == bindparam("key")),
                    [{"key": a.slug, **_row(a, now)} for a in changed],
                )
            for start in range(0, len(removed), _CHUNK):
                conn.execute(delete(faq_articles).where(faq_articles.c.slug.in_(removed[start : start + _CHUNK])))
            records = _records(conn, found, stored, known)
        if added or changed or removed:
            logger.info("FAQ articles synced: %d added, %d changed, %d removed", len(added), len(changed), len(removed))
        return records


def _stored(conn: Connection) -> dict[str, tuple[str, str]]:
    """Each stored slug's `(content_hash, source_path)`."""
    query = select(faq_articles.c.slug, faq_articles.c.content_hash, faq_articles.c.source_path)
    return {row.slug: (row.content_hash, row.source_path) for row in conn.execute(query)}


def _records(
    conn: Connection,
    found: Mapping[str, FileArticle],
    stored: Mapping[str, tuple[str, str]],
    known: Mapping[str, ArticleRecord],
) -> tuple[ArticleRecord, ...]:
    """The rows of `found`, by slug, once the table matches it: `known` ones that did not change, the rest read."""
    unchanged = {
        slug: record
        for slug, record in known.items()
        if slug in found and stored.get(slug) == (record.content_hash, record.source_path) == _key(found[slug])
    }
    missing = sorted(set(found) - set(unchanged))
    records = dict(unchanged)
    for start in range(0, len(missing), _CHUNK):
        query = select(faq_articles).where(faq_articles.c.slug.in_(missing[start : start + _CHUNK]))
        records.update((row["slug"], _record(row)) for row in conn.execute(query).mappings())
    return tuple(records[slug] for slug in sorted(records))


def _index(records: tuple[ArticleRecord, ...], previous: "LanguageIndexes | None") -> "LanguageIndexes":
    from ._languages import LanguageIndexes

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG when imported
    return LanguageIndexes(records, previous=previous)


def _key(article: FileArticle) -> tuple[str, str]:
    return article.content_hash, article.source_path


def _record(row: RowMapping) -> ArticleRecord:
    return ArticleRecord(
        slug=row["slug"],
        title=row["title"],
        category=category_of(row["category"]),
        tags=tuple(t for t in row["tags"].split(",") if t),
        body=row["body"],
        content_hash=row["content_hash"],
        source_path=row["source_path"],
        updated_at=row["updated_at"],
        questions=tuple(q for q in (row["questions"] or "").split("\n") if q),
        language=language_of(row["language"]),
    )


def _row(article: FileArticle, now: datetime) -> dict[str, object]:
    return {
        "slug": article.slug,
        "title": article.title,
        "category": article.category,
        "tags": ",".join(article.tags),
        "body": article.body,
        "questions": "\n".join(article.questions),
        "language": article.language,
        "content_hash": article.content_hash,
        "source_path": article.source_path,
        "updated_at": now,
    }
