# scikit-learn and scipy ship no type information: their call results are untyped here.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""Small, fast text classifiers: hashed word and character n-grams into a linear model.

Training happens offline (scripts in `training/`, on the train splits of public datasets, with scikit-learn's
`HashingVectorizer`: `featurize`); only the weights ship, as a `.npz` file next to this module. Inference hashes the
same n-grams without scikit-learn (`hashing.py`) and takes one sparse dot product, so a check costs well under a
millisecond, a serving process never imports scikit-learn or scipy, and the weights do not depend on a pickle format.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .hashing import N_FEATURES, hashed
from .memo import TextMemo

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["HashedLinearModel", "TextMemo", "featurize"]

MEMO_SIZE = 1024
"""Texts whose probability each model remembers: one turn asks the same model about the same text several times."""


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
    """The training feature matrix (2 x 2^18 hashed columns): `hashing.hashed` gives each row's non-zeros."""
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
        logits = np.array([hashed(text).dot(self.coef) for text in texts], dtype=np.float64) + self.intercept
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
