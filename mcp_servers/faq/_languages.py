"""One search index per article language, and the search that prefers the customer's language.

Articles in the knowledge base folder are English; translations live in a sub-folder named after their language
(`fr/<slug>.md`, indexed as `<slug>-fr`). Each language has its own BM25 index (its own stemmer and stopwords),
so a French question is matched against French words. A search in a language with no matching article falls back
to the English articles, whose results say they are in English.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ._index import Document, Match, SearchIndex
from .models import DEFAULT_LANGUAGE, Language

__all__ = ["LanguageIndexes", "Ranked", "Translated"]


class Translated(Document, Protocol):
    """An article with its language."""

    @property
    def language(self) -> Language:
        """The article's language."""
        ...


@dataclass(frozen=True)
class Ranked:
    """One hit: the article's position in the full sequence given to `LanguageIndexes`, and its match."""

    position: int
    match: Match


class LanguageIndexes:
    """A `SearchIndex` per language present in a sequence of articles (immutable, thread-safe)."""

    def __init__(self, documents: Sequence[Translated], *, previous: "LanguageIndexes | None" = None) -> None:
        """Index each language's articles; `previous` lends its per-language caches (see `SearchIndex`)."""
        self._positions: dict[Language, list[int]] = {DEFAULT_LANGUAGE: []}
        for position, document in enumerate(documents):
            self._positions.setdefault(document.language, []).append(position)
        self._indexes = {
            language: SearchIndex(
                [documents[p] for p in positions],
                previous=previous._indexes.get(language) if previous is not None else None,
                language=language,
            )
            for language, positions in self._positions.items()
        }

    def search(
        self, query: str, *, language: Language = DEFAULT_LANGUAGE, category: str | None = None, limit: int = 3
    ) -> list[Ranked]:
        """The best `limit` articles in `language`; when none matches, the best English ones."""
        for lang in dict.fromkeys((language, DEFAULT_LANGUAGE)):
            index = self._indexes.get(lang)
            if index is None:
                continue
            found = index.search(query, category=category, limit=limit)
            if found:
                return [Ranked(self._positions[lang][m.position], m) for m in found]
        return []

    @property
    def default(self) -> SearchIndex:
        """The index of the English articles (there is one even when there are none)."""
        return self._indexes[DEFAULT_LANGUAGE]
