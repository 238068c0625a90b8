"""The text classifiers' shared model: the remembered probabilities equal computed ones, and the memory is bounded."""
# scikit-learn and scipy ship no type information: the reference formula's intermediate results are untyped.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false

import numpy as np

from orchestrator.policy import textclf
from orchestrator.policy.textclf import HashedLinearModel, featurize
from orchestrator.policy.weights import MODELS_DIR


def _reference(model: HashedLinearModel, texts: list[str]) -> np.ndarray:
    """The plain formula: the full feature matrix times the weights, then the logistic."""
    logits = np.asarray(featurize(texts) @ model.coef.astype(np.float64)).ravel() + model.intercept
    return 1.0 / (1.0 + np.exp(-logits))


def test_probabilities_match_the_plain_formula_first_and_remembered() -> None:
    model = HashedLinearModel.load(MODELS_DIR / "abuse.npz")
    texts = [
        "Where is my order ORD-78432?",
        "you are all useless idiots",
        "",
        "Merci beaucoup",
        "Where is my order ORD-78432?",
    ]
    expected = _reference(model, texts)
    first = model.probabilities(texts)
    again = model.probabilities(list(reversed(texts)))
    assert np.allclose(first, expected, rtol=0, atol=1e-12)
    assert np.allclose(again, expected[::-1], rtol=0, atol=1e-12)
    assert model.probabilities([]).shape == (0,)


def test_the_memory_keeps_only_the_latest_texts() -> None:
    model = HashedLinearModel.load(MODELS_DIR / "abuse.npz")
    for i in range(textclf.MEMO_SIZE + 50):
        model.probability(f"message number {i}")
    memo = model._memo  # pyright: ignore[reportPrivateUsage]
    assert len(memo) == textclf.MEMO_SIZE
    assert memo.get("message number 0") is None
    latest = f"message number {textclf.MEMO_SIZE + 49}"
    assert memo.get(latest) == model.probability(latest)
    assert "message number" not in repr(memo._items)  # pyright: ignore[reportPrivateUsage]  # digests, not texts
