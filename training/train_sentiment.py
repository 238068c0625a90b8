"""Train the local sentiment correction: ridge regression of the human rating / 4 on n-grams and VADER scores.

    .venv/bin/python -m training.train_sentiment [--data ../shared/data] [--out PATH]

writes `orchestrator/policy/models/sentiment.npz` by default.

Data: the VADER human-rated ground truth, train parts only (each corpus split 70/30 by `policy_sentiment`'s
seeded permutation; the 30% test parts are never read here). The train parts are split again 80/20 (`VAL_SEED`)
to choose the ridge penalty and the per-corpus weights on validation (criterion: mean Pearson r on the tweets and
Amazon validation parts, the two corpora with goals) and a spread calibration (mean and standard deviation of the
predictions matched to the ratings' on those validation parts: ridge shrinks towards the mean); the chosen setting
is then refitted on the whole train parts.
Features: `orchestrator.policy.sentiment.design_matrix` of `prepare_text(text)`, as at inference. Deterministic:
`Ridge(solver="sparse_cg")` has no random state.
"""

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import Ridge

from benchmarks.policy_sentiment import CORPORA, GOALS, Corpus, load_corpus
from orchestrator.policy.sentiment import MODEL_PATH, LocalSentimentModel, design_matrix, prepare_text
from training.provenance import stamp

DATASETS = ("vader-ground-truth",)
"""The `training/data_manifest.toml` entries this trainer reads."""

VAL_SEED = 7
VAL_FRACTION = 0.2
ALPHAS = (1.0, 2.0, 4.0)
CORPUS_WEIGHTS = (
    {"tweets": 3.0, "amazon": 2.0, "movies": 1.0, "nyt": 1.0},
    {"tweets": 3.0, "amazon": 3.0, "movies": 1.0, "nyt": 1.0},
)
"""Each corpus's total sample weight (rows weigh weight / rows): the large movie corpus must not drown tweets."""


def _fit(parts: dict[str, tuple[csr_matrix, np.ndarray]], alpha: float, weights: dict[str, float]) -> Ridge:
    xs = [x for x, _ in parts.values()]
    ys = [y for _, y in parts.values()]
    ws = [np.full(len(y), weights[name] * 1000.0 / len(y)) for name, (_, y) in parts.items()]
    model = Ridge(alpha=alpha, solver="sparse_cg", tol=1e-4, max_iter=2000)
    return model.fit(vstack(xs).tocsr(), np.concatenate(ys), sample_weight=np.concatenate(ws))


def _pearson(model: Ridge, x: csr_matrix, y: np.ndarray) -> float:
    return float(np.corrcoef(np.clip(model.predict(x), -1, 1), y)[0, 1])


def _calibration(model: Ridge, parts: list[tuple[csr_matrix, np.ndarray]]) -> tuple[float, float]:
    """Center and gain that give the validation predictions the mean and spread of the human ratings."""
    predicted = np.concatenate([model.predict(x) for x, _ in parts])
    truth = np.concatenate([y for _, y in parts])
    return float(truth.mean()), float(truth.std() / predicted.std())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    started = time.perf_counter()
    corpora: dict[str, Corpus] = {}
    for name in CORPORA:
        corpus = load_corpus(args.data, name)
        if corpus is None:
            sys.exit(f"missing corpus {name} under {args.data}")
        corpora[name] = corpus
    fit_parts: dict[str, tuple[csr_matrix, np.ndarray]] = {}
    val_parts: dict[str, tuple[csr_matrix, np.ndarray]] = {}
    train_parts: dict[str, tuple[csr_matrix, np.ndarray]] = {}
    for name, corpus in corpora.items():
        train = np.flatnonzero(corpus.train)
        x = design_matrix([prepare_text(corpus.texts[i]) for i in train])
        y = corpus.ratings[train] / 4.0
        order = np.random.default_rng(VAL_SEED).permutation(len(train))
        n_val = round(len(train) * VAL_FRACTION)
        val, fit = np.sort(order[:n_val]), np.sort(order[n_val:])
        fit_parts[name], val_parts[name], train_parts[name] = (x[fit], y[fit]), (x[val], y[val]), (x, y)
        print(f"{name}: {len(train)} train rows ({len(fit)} fit / {len(val)} validation)", flush=True)
    print(f"features built in {time.perf_counter() - started:.0f} s", flush=True)

    best: tuple[float, float, dict[str, float], float, float] | None = None
    for alpha, weights in itertools.product(ALPHAS, CORPUS_WEIGHTS):
        model = _fit(fit_parts, alpha, weights)
        rs = {name: _pearson(model, x, y) for name, (x, y) in val_parts.items()}
        criterion = float(np.mean([rs[name] for name in GOALS]))
        shown = " ".join(f"{name}={r:.3f}" for name, r in rs.items())
        print(f"alpha={alpha:g} weights={list(weights.values())}: validation r {shown} -> {criterion:.4f}", flush=True)
        if best is None or criterion > best[0]:
            best = (criterion, alpha, weights, *_calibration(model, [val_parts[name] for name in GOALS]))
    assert best is not None
    _, alpha, weights, center, gain = best
    model = _fit(train_parts, alpha, weights)
    info = (
        f"ridge alpha={alpha:g}, corpus weights {weights}, trained on the 70% train parts of the VADER ground truth "
        f"(seeded split, policy_sentiment.SPLIT_SEED); chosen on an 80/20 validation split of them (seed {VAL_SEED})"
    )
    coef = np.asarray(model.coef_, dtype=np.float64).ravel()
    info += f"; spread calibration center={center:.4f} gain={gain:.4f} (validation, tweets and Amazon)"
    LocalSentimentModel(coef, float(model.intercept_), center, gain, info).save(args.out)
    stamp(args.out, "training/train_sentiment.py", DATASETS, args.data)
    print(f"chose alpha={alpha:g}, weights={weights}, center={center:.4f}, gain={gain:.4f}; refitted on all train rows")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
