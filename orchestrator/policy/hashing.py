r"""The classifiers' hashed n-gram features, computed at inference without scikit-learn or scipy.

Training builds its matrices with scikit-learn's `HashingVectorizer` (`textclf.featurize`); a serving process needs
only each text's non-zero columns, and importing scikit-learn for them loaded about 600 scikit-learn and scipy
modules (scipy.stats, optimize, ndimage...) into every `serve` process. This module applies the same rules:

- word 1-2-grams of the lower-cased text, tokens by `(?u)\b\w+\b`, a bigram being two tokens joined by a space;
- `char_wb` 2-5-grams: runs of whitespace made one space, each whitespace-separated word padded with a space on
  both sides, and a word shorter than n counted once, as it is;
- a feature's column is |murmurhash3_32(utf-8 bytes, seed 0)| mod 2^18 (`mmh3`, the same MurmurHash3 x86 32-bit);
- counts, then each block scaled to unit l2 norm (`alternate_sign=False`, `norm="l2"`).

`tests/orchestrator/test_hashing.py` checks the columns and values against scikit-learn's on public datasets.
"""

import re
from dataclasses import dataclass

import mmh3
import numpy as np
import numpy.typing as npt

from .memo import TextMemo

__all__ = ["N_FEATURES", "Block", "HashedText", "hashed", "ngrams"]

N_FEATURES = 2**18
"""Columns per block (word n-grams, then character n-grams)."""
_MEMO_SIZE = 256
"""Texts whose features are kept: one turn's checks (abuse, injection, topic, sentiment) hash the same messages."""

_WORD = re.compile(r"(?u)\b\w+\b")
_RUNS_OF_SPACE = re.compile(r"\s\s+")
_MIN_INT32 = -(2**31)


def ngrams(text: str) -> tuple[list[str], list[str]]:
    """The word 1-2-grams and the char_wb 2-5-grams of `text`, in scikit-learn's order."""
    lowered = text.lower()
    tokens: list[str] = _WORD.findall(lowered)
    words = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    chars: list[str] = []
    for word in _RUNS_OF_SPACE.sub(" ", lowered).split():
        padded = f" {word} "
        for n in range(2, 6):
            chars += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
            if len(padded) <= n:
                break
    return words, chars


@dataclass(frozen=True)
class Block:
    """One block's non-zero columns (sorted) and their l2-normalised counts."""

    columns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]

    def dot(self, coef: npt.NDArray[np.floating], offset: int = 0) -> float:
        """The block's dot product with `coef[offset : offset + N_FEATURES]`."""
        if not len(self.columns):
            return 0.0
        return float(self.values @ coef[offset + self.columns].astype(np.float64))


@dataclass(frozen=True)
class HashedText:
    """A text's two feature blocks."""

    words: Block
    chars: Block

    def dot(self, coef: npt.NDArray[np.floating]) -> float:
        """The dot product with the first 2 x N_FEATURES weights of `coef` (words, then characters)."""
        return self.words.dot(coef) + self.chars.dot(coef, N_FEATURES)


def _block(features: list[str]) -> Block:
    if not features:
        return Block(np.zeros(0, np.int64), np.zeros(0, np.float64))
    # surrogatepass: a lone surrogate (JSON allows one) hashes instead of failing the check
    hashes = np.fromiter(
        (mmh3.hash(f.encode("utf-8", "surrogatepass"), 0, True) for f in features), np.int64, len(features)
    )
    columns = np.abs(hashes) % N_FEATURES
    columns[hashes == _MIN_INT32] = (2**31 - 1 - (N_FEATURES - 1)) % N_FEATURES  # scikit-learn's rule for |-2^31|
    unique, counts = np.unique(columns, return_counts=True)
    values = counts.astype(np.float64)
    return Block(unique, values / np.sqrt(values @ values))


_memo: TextMemo[HashedText] = TextMemo(_MEMO_SIZE)


def hashed(text: str) -> HashedText:
    """The features of `text` (remembered for the last few hundred texts, by digest)."""
    found = _memo.get(text)
    if found is None:
        words, chars = ngrams(text)
        found = HashedText(_block(words), _block(chars))
        _memo.put(text, found)
    return found
