# scikit-learn and scipy ship no type information: their call results are untyped here.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""A linear classifier over the articles' example questions, used by `_index` to re-rank BM25 results.

Each article with `questions:` in its front matter is one class; its questions are the training examples.
Features are TF-IDF word 1-2-grams plus character 2-5-grams (within word boundaries), each L2-normalised
together; the model is a one-vs-rest LinearSVC (C=1, seed 0). For a query, the margin of each class says how
much the query reads like that article's questions (> 0: more like them than like the others').

Fitting runs when the index is built (by the first search after a start, then by each re-index after the
folder changed), never per search: it is instant on a few dozen articles and takes seconds on ~10k questions
(BANKING77: 77 articles, ~10k questions, 5-15 s on a busy 2-core machine). The first search waits for it; after
that, the thread that re-indexes pays for it and other searches keep using the previous index.
An index whose questions are unchanged reuses the previous model (see `QuestionModel.key`).
"""

import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["MAX_WEIGHTS", "QuestionModel", "questions_key"]

logger = logging.getLogger(__name__)

C = 1.0
SEED = 0
MAX_WEIGHTS = 50_000_000
"""The model keeps a dense (features x articles) float32 matrix: above this many entries (200 MB) it is not fitted
and search falls back to BM25 alone."""
_CHAR_MIN_DF_FROM = 200
"""With at least this many questions, character n-grams seen in only one question are dropped (noise)."""


def questions_key(questions: Sequence[Sequence[str]]) -> str:
    """A digest of every document's questions, in order: equal keys give equal models."""
    digest = hashlib.sha256()
    for document in questions:
        for question in document:
            digest.update(question.encode("utf-8"))
            digest.update(b"\n")
        digest.update(b"\x00")
    return digest.hexdigest()


class QuestionModel:
    """The fitted vectorisers and per-article weights; immutable and safe to use from many threads."""

    def __init__(
        self,
        key: str,
        size: int,
        words: "TfidfVectorizer",
        chars: "TfidfVectorizer",
        weights: npt.NDArray[np.float32],
        intercepts: npt.NDArray[np.float32],
        positions: npt.NDArray[np.int64],
    ) -> None:
        """Use `fit`."""
        self.key = key
        self._size = size
        self._words = words
        self._chars = chars
        self._weights = weights
        self._intercepts = intercepts
        self._positions = positions

    @classmethod
    def fit(cls, questions: Sequence[Sequence[str]], *, key: str | None = None) -> "QuestionModel | None":
        """Train on the example questions of each document (position n: `questions[n]`).

        Returns None when fewer than two documents have questions, the model would exceed `MAX_WEIGHTS`, or
        the questions yield no features.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        texts = [q for document in questions for q in document]
        labels = [n for n, document in enumerate(questions) for _ in document]
        classes = sorted(set(labels))
        if len(classes) < 2:
            return None
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=2 if len(texts) >= _CHAR_MIN_DF_FROM else 1,
        )
        try:
            x = _stack(words.fit_transform(texts), chars.fit_transform(texts))
        except ValueError:  # no words at all (e.g. only one-character questions)
            logger.warning("FAQ example questions give no features; ranking by BM25 only")
            return None
        features = len(words.vocabulary_) + len(chars.vocabulary_)
        if features * len(classes) > MAX_WEIGHTS:
            logger.warning(
                "FAQ example-question model too large (%d features x %d articles); ranking by BM25 only",
                features,
                len(classes),
            )
            return None
        model = LinearSVC(C=C, random_state=SEED).fit(x, labels)
        coef = np.asarray(model.coef_)
        intercept = np.asarray(model.intercept_)
        if len(classes) == 2:  # binary: one hyperplane, positive for classes_[1]
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        return cls(
            key=key if key is not None else questions_key(questions),
            size=len(questions),
            words=words,
            chars=chars,
            weights=np.ascontiguousarray(coef.T),
            intercepts=intercept,
            positions=np.asarray(model.classes_, dtype=np.int64),
        )

    def margins(self, query: str) -> npt.NDArray[np.float64]:
        """The margin of every document for `query`, by position; NaN for documents without questions."""
        q = _stack(self._words.transform([query]), self._chars.transform([query]))
        scores = np.asarray(q @ self._weights, dtype=np.float64).ravel() + self._intercepts
        margins = np.full(self._size, np.nan)
        margins[self._positions] = scores
        return margins


def _stack(words: Any, chars: Any) -> "csr_matrix":  # scikit-learn results are untyped
    from scipy.sparse import csr_matrix, hstack
    from sklearn.preprocessing import normalize

    return csr_matrix(normalize(hstack([words, chars]).tocsr()))
