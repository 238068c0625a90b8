"""Inference's hashed features equal training's (scikit-learn's `HashingVectorizer`), column for column."""
# scikit-learn and scipy ship no type information: the reference matrix's intermediate results are untyped.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.policy.hashing import N_FEATURES, hashed
from orchestrator.policy.textclf import featurize

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_BASE = sorted((ROOT / "config" / "knowledge_base").rglob("*.md"))


def _assert_same_row(text: str) -> None:
    row = featurize([text])
    mine = hashed(text)
    columns = np.concatenate([mine.words.columns, mine.chars.columns + N_FEATURES])
    values = np.concatenate([mine.words.values, mine.chars.values])
    assert np.array_equal(np.sort(row.indices), columns), text
    assert np.allclose(row.toarray().ravel()[columns], values, rtol=0, atol=1e-12), text
    assert row.nnz == len(columns), text


def test_the_knowledge_base_and_support_messages_hash_as_in_training() -> None:
    texts = [
        "Where is my order ORD-78432?",
        "  Hi,\tI ordered   headphones\n\nthey DON'T work!!  ",
        "Je voudrais être remboursé, s'il vous plaît — commande ORD-10001",
        "I  a   b",
        "",
        "   ",
        "x",
        "😡😡 worst service ever 😡",
        "İstanbul ǅemal ΣΊΣΥΦΟΣ straße",
    ]
    texts += [line for path in KNOWLEDGE_BASE for line in path.read_text().splitlines() if line.strip()]
    assert len(texts) > 100
    for text in texts:
        _assert_same_row(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80))
def test_any_text_hashes_as_in_training(text: str) -> None:
    _assert_same_row(text)


def test_a_lone_surrogate_is_hashed_rather_than_failing_the_check() -> None:
    assert hashed("bad \ud800 text").words.values.size == 3
