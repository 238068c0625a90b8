# scikit-learn and scipy ship no type information: their call results are untyped here.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""Small, fast text classifiers: hashed word and character n-grams into a linear model.

Training happens offline (scripts in `training/`, on the train splits of public datasets); only the
weights ship, as a `.npz` file next to this module. Inference is stateless hashing (scikit-learn's
`HashingVectorizer`, which has no fitted state) plus one sparse dot product, so a check costs well under a
millisecond and the weights do not depend on a pickle format.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix, hstack

__all__ = ["HashedLinearModel", "featurize"]

N_FEATURES = 2**18


def _vectorizers() -> tuple[Any, Any]:
    # Imported on first use: scikit-learn costs about a second of start-up and most runs never classify.
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


def featurize(texts: Sequence[str]) -> csr_matrix:
    """The feature matrix shared by training and inference (2 x 2^18 hashed columns)."""
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

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """P(positive class) for each text."""
        if not texts:
            return np.zeros(0)
        logits = featurize(texts) @ self.coef.astype(np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64).ravel()))

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
