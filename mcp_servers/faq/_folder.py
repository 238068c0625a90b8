"""The knowledge base folder: its signature, and its `*.md` files parsed into articles (see `store`).

Files are re-read only when their mtime or size changed since the last load; a file that cannot be read or
parsed, or whose slug another file already has, is skipped with a warning.
"""

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ._parse import FrontMatterError, parse_article_file
from .models import (
    DEFAULT_LANGUAGE,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    TRANSLATION_FOLDERS,
    Category,
    Language,
    language_of,
)

__all__ = ["FILE_MAX_BYTES", "FileArticle", "KnowledgeBaseFolder", "Signature"]

logger = logging.getLogger(__name__)

FILE_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class FileArticle:
    """One article as parsed from its file, before it is stored."""

    slug: str
    title: str
    category: Category
    tags: tuple[str, ...]
    body: str
    content_hash: str
    source_path: str
    questions: tuple[str, ...] = ()
    """Example customer questions from the front matter (searched, not shown)."""
    language: Language = DEFAULT_LANGUAGE
    """`en` for the folder's own articles, else the translation sub-folder it came from (slug `<file>-<lang>`)."""


@dataclass(frozen=True)
class _Source:
    mtime_ns: int
    size: int
    article: FileArticle | None


Signature = tuple[tuple[str, int, int], ...]
"""The folder's `(file name, mtime_ns, size)` of every `*.md` file, sorted: it changes when any article does."""


class KnowledgeBaseFolder:
    """The `*.md` files of a folder and of its translation sub-folders, parsed with a cache by mtime and size.

    Not thread-safe: its one user (`FaqStore`) calls it under its re-index lock.
    """

    def __init__(self, path: Path) -> None:
        """Read articles from `path` (each file `<slug>.md` is one article)."""
        self.path = path
        self._sources: dict[str, _Source] = {}

    def scan(self) -> Signature | None:
        """The folder's articles and those of its translation sub-folders (named `fr/<file>.md`)."""
        entries: list[tuple[str, int, int]] = []
        for folder in ("", *TRANSLATION_FOLDERS):
            try:
                with os.scandir(self.path / folder) as found:
                    for entry in found:
                        if entry.name.startswith(".") or not entry.name.endswith(".md") or not entry.is_file():
                            continue
                        stat = entry.stat()
                        entries.append((f"{folder}/{entry.name}".lstrip("/"), stat.st_mtime_ns, stat.st_size))
            except OSError:
                if not folder:
                    return None  # a missing translation folder only means no translations
        return tuple(sorted(entries))

    def load(self, signature: Signature) -> dict[str, FileArticle]:
        """Parse the files of `signature`, re-reading only those whose mtime or size changed."""
        sources: dict[str, _Source] = {}
        for name, mtime_ns, size in signature:
            source = self._sources.get(name)
            if source is None or (source.mtime_ns, source.size) != (mtime_ns, size):
                source = _Source(mtime_ns, size, self._read(name, size))
            sources[name] = source
        self._sources = sources
        articles: dict[str, FileArticle] = {}
        for name, source in sources.items():
            if source.article is not None and articles.setdefault(source.article.slug, source.article) is not (
                source.article
            ):
                logger.warning(
                    "Skipping FAQ article %s: another file already has the slug %s", name, source.article.slug
                )
        return articles

    def _read(self, name: str, size: int) -> FileArticle | None:
        path = self.path / name
        folder, _, file = name.rpartition("/")
        language = language_of(folder)
        slug = file.removesuffix(".md")
        problem: str | None = None
        if len(slug) > SLUG_MAX_LENGTH or not re.fullmatch(SLUG_PATTERN, slug):
            problem = "the file name must be '<slug>.md' with a lowercase slug of letters, digits and hyphens"
        elif size > FILE_MAX_BYTES:
            problem = f"the file is larger than {FILE_MAX_BYTES} bytes"
        else:
            try:
                raw = path.read_bytes()
                parsed = parse_article_file(raw.decode("utf-8"))
            except OSError as exc:
                problem = f"cannot read it ({exc.strerror})"
            except UnicodeDecodeError:
                problem = "it is not UTF-8 text"
            except FrontMatterError as exc:
                problem = str(exc)
            else:
                return FileArticle(
                    slug=f"{slug}-{language}" if folder else slug,
                    title=parsed.title,
                    category=parsed.category,
                    tags=parsed.tags,
                    body=parsed.body,
                    content_hash=hashlib.sha256(raw).hexdigest(),
                    source_path=str(path),
                    questions=parsed.questions,
                    language=language,
                )
        logger.warning("Skipping FAQ article %s: %s", path, problem)
        return None
