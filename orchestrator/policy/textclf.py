# scikit-learn and scipy ship no type information: their call results are untyped here.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""Small, fast text classifiers: hashed word and character n-grams into a linear model.

Training happens offline (scripts in `training/`, on the train splits of public datasets); only the
weights ship, as a `.npz` file next to this module. Inference is stateless hashing (scikit-learn's
`HashingVectorizer`, which has no fitted state) plus one sparse dot product, so a check costs well under a
millisecond and the weights do not depend on a pickle format.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["HashedLinearModel", "TextMemo", "featurize"]

N_FEATURES = 2**18
MEMO_SIZE = 1024
"""Texts whose probability each model remembers: one turn asks the same model about the same text several times."""


V = TypeVar("V")


class TextMemo(Generic[V]):
    """A bounded, thread-safe LRU map from text to a value (a probability, a verdict).

    Keyed by a digest of the text, not the text: customer messages are not kept in memory for the memo's sake.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, text: str) -> V | None:
        """The value remembered for `text` (now the most recent), or None."""
        key = self._key(text)
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, text: str, value: V) -> None:
        """Remember `value` for `text`, forgetting the least recent beyond the size."""
        key = self._key(text)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@cache
def _vectorizers() -> tuple[Any, Any]:
    # Imported and built on first use (then kept: the vectorizers are stateless): scikit-learn costs about a
    # second of start-up and most runs never classify.
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(
        n_features=N_FEATURES,
        analyzer="word",
        ngram_range=(1, 2),
        lowercase=True,
        alternate_sign=False,
        norm="l2",
        token_pattern=r"(?u)\b\w+\b",
    )
    chars = HashingVectorizer(
        n_features=N_FEATURES,
        analyzer="char_wb",
        ngram_range=(2, 5),
        lowercase=True,
        alternate_sign=False,
        norm="l2",
    )
    return words, chars


def featurize(texts: Sequence[str]) -> "csr_matrix":
    """The feature matrix shared by training and inference (2 x 2^18 hashed columns)."""
    from scipy.sparse import csr_matrix, hstack  # on first use: scipy costs most of a second to import

    words, chars = _vectorizers()
    return csr_matrix(hstack([words.transform(texts), chars.transform(texts)]).tocsr())


@dataclass(frozen=True)
class HashedLinearModel:
    """A binary logistic model over `featurize` features."""

    name: str
    coef: npt.NDArray[np.float32]
    intercept: float
    threshold: float
    """Decision threshold on the probability, chosen on validation data."""
    _memo: TextMemo[float] = field(
        default_factory=lambda: TextMemo[float](MEMO_SIZE), init=False, repr=False, compare=False
    )

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """P(positive class) for each text (remembered for the last `MEMO_SIZE` distinct texts)."""
        known = {text: self._memo.get(text) for text in texts}
        missing = [text for text, value in known.items() if value is None]
        if missing:
            for text, value in zip(missing, self._compute(missing), strict=True):
                known[text] = value
                self._memo.put(text, value)
        return np.array([known[text] for text in texts], dtype=np.float64)

    def _compute(self, texts: Sequence[str]) -> list[float]:
        # The sparse dot product over the non-zero features only: no dense float64 copy of the 2^19 weights.
        features = featurize(texts)
        rows = np.repeat(np.arange(len(texts)), np.diff(features.indptr))
        weights = features.data * self.coef[features.indices].astype(np.float64)
        logits = np.bincount(rows, weights=weights, minlength=len(texts)) + self.intercept
        return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]

    def probability(self, text: str) -> float:
        """P(positive class) for one text."""
        return float(self.probabilities([text])[0])

    def predict(self, text: str) -> bool:
        """Whether `text` is in the positive class at the tuned threshold."""
        return self.probability(text) >= self.threshold

    def save(self, path: Path) -> None:
        """Write the weights (float16 is plenty for a linear model) as a compressed `.npz`."""
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float16),
            intercept=np.array([self.intercept]),
            threshold=np.array([self.threshold]),
            name=np.array([self.name]),
        )

    @classmethod
    def load(cls, path: Path) -> "HashedLinearModel":
        """Read weights written by `save`."""
        with np.load(path) as data:
            return cls(
                name=str(data["name"][0]),
                coef=data["coef"].astype(np.float32),
                intercept=float(data["intercept"][0]),
                threshold=float(data["threshold"][0]),
            )
