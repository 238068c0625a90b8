"""The in-memory search index over FAQ articles (bm25s + Snowball English stemming) and snippet selection.

Ranking: BM25 over each article's title, tags, example questions and body picks the candidates (articles
sharing at least one stemmed query term). When at least two articles have example questions (the `questions:`
front matter list, see `store`), a classifier trained on them (`_questions`) scores every candidate, and the
rank is `margin + BM25_WEIGHT * bm25 / best_bm25_of_the_query`; candidates without questions count a margin of
0 (undecided). Without example questions the rank is BM25 alone. The classifier is fitted when the index is
built (the first search, then each re-index: instant for dozens of articles, seconds for ~10k questions), never
per search.
"""

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_FRENCH

from ._questions import QuestionModel, questions_key

__all__ = ["SNIPPET_MAX_CHARS", "Document", "Match", "SearchIndex", "best_passage", "passages", "stems"]

logger = logging.getLogger(__name__)

SNIPPET_MAX_CHARS = 400
TITLE_WEIGHT = 3
"""The title is indexed this many times: a word in the title counts like several in the body."""
TAGS_WEIGHT = 2
STOPWORDS = "en_plus"
"""bm25s's larger English list (NLTK's): support questions are conversational ("how do I ...", "why won't my ...")."""
STEMMERS = {"en": "english", "fr": "french"}
"""The Snowball stemmer of each article language."""
BM25_WEIGHT = 0.25
"""Weight of the query-normalised BM25 score added to the question classifier's margin (tuned on BANKING77
validation data: `benchmarks/policy_faq.py --tune`)."""
WINDOW_MAX_UNITS = 12
"""A snippet's core run spans at most this many passages (it is also capped by `SNIPPET_MAX_CHARS`)."""

_local = threading.local()
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:([-*+])|(\d{1,3}[.)]))\s+(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<![ap]\.m\.)(?<!e\.g\.)(?<!i\.e\.)\s+(?=[\"'(\[]?[A-Z0-9])")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


class Document(Protocol):
    """What the index needs from an article."""

    @property
    def title(self) -> str:
        """The article title."""
        ...

    @property
    def category(self) -> str:
        """The article category."""
        ...

    @property
    def tags(self) -> tuple[str, ...]:
        """Search keywords."""
        ...

    @property
    def body(self) -> str:
        """The Markdown body."""
        ...

    @property
    def questions(self) -> tuple[str, ...]:
        """Example customer questions the article answers (may be empty)."""
        ...

    @property
    def content_hash(self) -> str:
        """Changes whenever the title, tags, questions or body change (it keys the token and passage caches)."""
        ...


@dataclass(frozen=True)
class Match:
    """One ranked hit: the document's position in the indexed sequence, its score and best passage.

    The score is BM25, or with example questions the blended rank score (it may then be negative).
    """

    position: int
    score: float
    snippet: str


class _Stemmer(Protocol):
    def stemWords(self, words: list[str]) -> list[str]: ...  # PyStemmer's camelCase name


def _stemmer(language: str) -> _Stemmer:
    # PyStemmer objects are not thread-safe and sync tools run in worker threads: one stemmer per thread.
    stemmers = cast(dict[str, _Stemmer] | None, getattr(_local, "stemmers", None))
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if (stemmer := stemmers.get(language)) is None:
        algorithm = STEMMERS[language]
        stemmer = stemmers[language] = cast(_Stemmer, Stemmer.Stemmer(algorithm))  # pyright: ignore[reportUnknownMemberType]
    return stemmer


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_FRENCH_STOPWORDS = sorted(
    {_unaccented(w) for w in STOPWORDS_FRENCH}
    | {"bonjour", "comment", "faire", "faut", "merci", "peux", "plus", "puis", "salut"}
)
"""French articles and queries are matched without accents (customers often type none), stopwords too."""


def _tokenize(texts: list[str], *, return_ids: bool, language: str) -> object:
    if language == "fr":
        texts = [_unaccented(t) for t in texts]
    return bm25s.tokenize(  # pyright: ignore[reportUnknownMemberType] - bm25s is untyped
        texts,
        stopwords=_FRENCH_STOPWORDS if language == "fr" else STOPWORDS,
        stemmer=_stemmer(language).stemWords,
        return_ids=return_ids,
        show_progress=False,
    )


def stems(texts: list[str], language: str = "en") -> list[list[str]]:
    """Tokenise like the index does (lowercase words of 2+ characters, stopwords out, Snowball stems).

    English by default; French (`fr`) also ignores accents.
    """
    if not texts:
        return []
    return cast(list[list[str]], _tokenize(texts, return_ids=False, language=language))


def _clean(text: str) -> str:
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text)).strip()


def passages(body: str) -> list[str]:
    """Split a Markdown body into snippet units: whole sentences, and list items (steps) kept whole."""
    units: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            text = _clean(" ".join(paragraph))
            units.extend(s for s in _SENTENCE_END.split(text) if s)
            paragraph.clear()

    item: list[str] | None = None
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped or _HEADING.match(line):
            flush()
            if item is not None:
                units.append(_clean(" ".join(item)))
                item = None
            continue
        if found := _LIST_ITEM.match(line):
            flush()
            if item is not None:
                units.append(_clean(" ".join(item)))
            number = found.group(2)
            item = [f"{number} {found.group(3)}" if number else found.group(3)]
        elif item is not None:
            item.append(stripped)
        else:
            paragraph.append(stripped)
    flush()
    if item is not None:
        units.append(_clean(" ".join(item)))
    return [u for u in units if u]


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


@dataclass(frozen=True)
class _Passages:
    """A body's snippet units and their stems (cached per content hash by `SearchIndex`)."""

    units: list[str]
    stems: list[list[str]]


def _prepare(body: str, language: str) -> _Passages:
    units = passages(body)
    return _Passages(units, stems(units, language))


def best_passage(body: str, weights: Mapping[str, float], *, prepared: _Passages | None = None) -> str:
    """The most relevant run of consecutive units of `body`, at most `SNIPPET_MAX_CHARS` long.

    The core is the shortest run covering the most query weight (ties: more matched words, then earlier),
    of at most `WINDOW_MAX_UNITS` units; it is then widened with the following units (the next steps), then
    the preceding ones, while it fits. Without any matching unit (the hit came from the title, tags or example
    questions), the article's opening is used. `prepared` is `body`'s split and stems, when already known.
    """
    units, unit_stems = (prepared.units, prepared.stems) if prepared is not None else (passages(body), [])
    if not units:
        return ""
    if prepared is None:
        unit_stems = stems(units)
    covered = [{s for s in unit if s in weights} for unit in unit_stems]
    hits = [sum(1 for s in unit if s in weights) for unit in unit_stems]
    best: tuple[float, int, int, int] | None = None
    first, last, length = 0, 0, len(units[0])
    # A best run starts with a matching unit (dropping a leading unit that matches nothing only shortens it).
    for start in (n for n, c in enumerate(covered) if c):
        size, seen, count, weight = -1, set[str](), 0, 0.0
        for end in range(start, min(len(units), start + WINDOW_MAX_UNITS)):
            size += len(units[end]) + 1
            if size > SNIPPET_MAX_CHARS and end > start:
                break
            for stem in covered[end] - seen:
                weight += weights[stem]
            seen |= covered[end]
            count += hits[end]
            key = (round(weight, 6), -size, count, -start)
            if best is None or key > best:
                best, first, last, length = key, start, end, size
    while last + 1 < len(units) and length + len(units[last + 1]) + 1 <= SNIPPET_MAX_CHARS:
        last += 1
        length += len(units[last]) + 1
    while first > 0 and length + len(units[first - 1]) + 1 <= SNIPPET_MAX_CHARS:
        first -= 1
        length += len(units[first]) + 1
    return _shorten(" ".join(units[first : last + 1]), SNIPPET_MAX_CHARS)


def _corpus_tokens(
    documents: Sequence[Document], known: Mapping[str, list[str]], language: str
) -> dict[str, list[str]]:
    """Stems of every document by content hash, reusing `known` ones and tokenising the rest in one batch."""
    tokens = {d.content_hash: known[d.content_hash] for d in documents if d.content_hash in known}
    todo = {d.content_hash: d for d in documents if d.content_hash not in tokens}
    texts = [
        "\n".join([d.title] * TITLE_WEIGHT + [" ".join(d.tags)] * TAGS_WEIGHT + list(d.questions) + [d.body])
        for d in todo.values()
    ]
    tokens.update(zip(todo, stems(texts, language), strict=True))
    return tokens


class SearchIndex:
    """An immutable BM25 index over a sequence of documents; safe to query from many threads at once.

    Each document is indexed as its title (repeated `TITLE_WEIGHT` times), its tags (`TAGS_WEIGHT` times), its
    example questions and its body. Building is O(corpus) plus, with example questions, fitting their
    classifier; a query touches only the posting lists of its own terms (and one sparse product with the
    classifier's weights).
    """

    def __init__(
        self, documents: Sequence[Document], *, previous: "SearchIndex | None" = None, language: str = "en"
    ) -> None:
        """Tokenise and index `documents`; positions in results refer to this sequence.

        Args:
            documents: The corpus.
            previous: The index this one replaces: documents whose `content_hash` it already tokenised are not
                tokenised again, so a re-index after a few edits costs little more than the BM25 build; its
                question classifier is reused when no example question changed, and its snippet cache kept.
            language: The documents' language (`en` or `fr`): it picks the stemmer and stopwords.
        """
        self._documents = tuple(documents)
        self.language = language
        previous = previous if previous is not None and previous.language == language else None
        categories = sorted({d.category for d in self._documents})
        self._category_codes = {c: n for n, c in enumerate(categories)}
        self._categories: npt.NDArray[np.int16] = np.array(
            [self._category_codes[d.category] for d in self._documents], dtype=np.int16
        )
        self._tokens = _corpus_tokens(self._documents, previous._tokens if previous else {}, language)
        hashes = {d.content_hash for d in self._documents}
        self._passages: dict[str, _Passages] = (
            {h: p for h, p in previous._passages.items() if h in hashes} if previous else {}
        )
        self._model = self._question_model(previous._model if previous else None)
        self._vocab: dict[str, int] = {}
        self._idf: npt.NDArray[np.float64] = np.zeros(0)
        self._retriever: bm25s.BM25 | None = None
        if not any(self._tokens.values()):
            return
        retriever = bm25s.BM25()
        retriever.index(  # pyright: ignore[reportUnknownMemberType]
            [self._tokens[d.content_hash] for d in self._documents], show_progress=False
        )
        self._retriever = retriever
        self._vocab = cast(dict[str, int], retriever.vocab_dict)  # pyright: ignore[reportUnknownMemberType]
        indptr = cast(npt.NDArray[np.int64], retriever.scores["indptr"])  # pyright: ignore[reportUnknownMemberType]
        doc_freq = np.diff(indptr).astype(np.float64)
        total = len(self._documents)
        self._idf = np.log(1.0 + (total - doc_freq + 0.5) / (doc_freq + 0.5))

    def _question_model(self, previous: QuestionModel | None) -> QuestionModel | None:
        questions = [d.questions for d in self._documents]
        if sum(1 for q in questions if q) < 2:
            return None
        key = questions_key(questions)
        if previous is not None and previous.key == key:
            return previous
        started = time.perf_counter()
        model = QuestionModel.fit(questions, key=key)
        logger.info(
            "Fitted the FAQ example-question model on %d questions in %.2fs",
            sum(len(q) for q in questions),
            time.perf_counter() - started,
        )
        return model

    @property
    def uses_questions(self) -> bool:
        """Whether results are re-ranked by the example-question classifier."""
        return self._model is not None

    def _snippet(self, position: int, weights: Mapping[str, float]) -> str:
        document = self._documents[position]
        prepared = self._passages.get(document.content_hash)
        if prepared is None:
            prepared = self._passages[document.content_hash] = _prepare(
                document.body, self.language
            )  # races only redo work
        return best_passage(document.body, weights, prepared=prepared) or document.title

    def __len__(self) -> int:
        """The number of indexed documents."""
        return len(self._documents)

    def search(self, query: str, *, category: str | None = None, limit: int = 3) -> list[Match]:
        """The best `limit` documents for `query` (optionally only in `category`), best first.

        Only documents sharing at least one stemmed term with the query are returned, so a query of
        stopwords or unknown words gives an empty list.
        """
        retriever = self._retriever
        if retriever is None or limit < 1:
            return []
        query_stems = list(dict.fromkeys(stems([query], self.language)[0]))
        weights = {s: float(self._idf[self._vocab[s]]) for s in query_stems if s in self._vocab}
        if not weights:
            return []
        ids = [self._vocab[s] for s in weights]
        scores = cast(
            npt.NDArray[np.float32],
            retriever.get_scores_from_ids(ids),  # pyright: ignore[reportUnknownMemberType]
        )
        if category is not None:
            code = self._category_codes.get(category)
            if code is None:
                return []
            scores = np.where(self._categories == code, scores, np.float32(0.0))
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        ranking = scores.astype(np.float64)
        if self._model is not None:
            margins = self._model.margins(query)[candidates]
            bm25 = ranking[candidates]
            ranking = np.zeros(len(self._documents))
            ranking[candidates] = np.nan_to_num(margins, nan=0.0) + BM25_WEIGHT * bm25 / bm25.max()
        if candidates.size > limit:
            candidates = candidates[np.argpartition(-ranking[candidates], limit - 1)[:limit]]
        ranked = sorted((int(i) for i in candidates), key=lambda i: (-float(ranking[i]), -float(scores[i]), i))
        return [Match(position=i, score=round(float(ranking[i]), 4), snippet=self._snippet(i, weights)) for i in ranked]
