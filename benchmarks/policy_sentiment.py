"""Benchmark the local sentiment scorer on the VADER human-rated ground truth (Hutto & Gilbert 2014).

    .venv/bin/python benchmarks/policy_sentiment.py [--data ../shared/data]

Split: each corpus (tweets, Amazon review snippets, movie review snippets, NYT editorial snippets) is split
70/30 into train and test by a seeded permutation (`SPLIT_SEED`); the correction model is trained on the train
parts only (`training/train_sentiment.py`), and every number here is on the test parts. The metric is Pearson r
between `score_local(text).score` and the mean human rating (-4..4), next to VADER's compound score alone on the
same test texts. Latency is the wall time of one `score_local` call (weights already loaded).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple, Protocol, TypedDict

import numpy as np

DATA_DIR = "vader-ground-truth"
SPLIT_SEED = 20140601
TEST_FRACTION = 0.3
CORPORA = {
    "tweets": "tweets_GroundTruth.txt",
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "nyt": "nytEditorialSnippets_GroundTruth.txt",
}
GOALS = {"tweets": 0.88, "amazon": 0.70}
LATENCY_GOAL_MS = 1.0
LATENCY_SAMPLE = 500


class Row(TypedDict):
    check: str
    data: str
    metric: str
    value: str
    goal: str
    met: bool | None
    notes: str


class Corpus(NamedTuple):
    texts: list[str]
    ratings: np.ndarray
    """Mean human rating, -4..4."""
    train: np.ndarray
    """Boolean mask of the train part (the rest is test)."""


def load_corpus(data_dir: Path, name: str) -> Corpus | None:
    """One corpus with its seeded 70/30 split, or None when the file is absent."""
    path = data_dir / DATA_DIR / CORPORA[name]
    if not path.exists():
        return None
    texts: list[str] = []
    ratings: list[float] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            ratings.append(float(parts[1]))
            texts.append(parts[2])
    order = np.random.default_rng(SPLIT_SEED).permutation(len(texts))
    train = np.zeros(len(texts), dtype=bool)
    train[order[: round(len(texts) * (1 - TEST_FRACTION))]] = True
    return Corpus(texts, np.array(ratings), train)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def _latency_row(texts: list[str]) -> Row:
    """Time one `score_local` call per text, before anything else scored these texts (cold n-gram cache)."""
    from orchestrator.policy.sentiment import score_local

    score_local("warm-up: load the weights")
    times: list[float] = []
    for text in texts:
        start = time.perf_counter()
        score_local(text)
        times.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    return Row(
        check="sentiment",
        data="VADER ground truth test texts",
        metric="score_local latency",
        value=f"p50 {p50:.2f} ms / p95 {p95:.2f} ms",
        goal=f"< {LATENCY_GOAL_MS:g} ms (p50)",
        met=p50 < LATENCY_GOAL_MS,
        notes=f"n={len(times)} calls (test texts of every corpus), one text per call, weights loaded",
    )


class _Vader(Protocol):
    """What this benchmark uses of VADER's analyzer (the package has no type hints)."""

    def polarity_scores(self, text: str) -> dict[str, float]: ...


def _vader() -> _Vader:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def run(data_dir: Path) -> list[Row]:
    """Pearson r per corpus on the test split, VADER alone for comparison, and the latency of one call."""
    from orchestrator.policy.sentiment import MODEL_PATH, score_local

    vader = _vader()
    rows: list[Row] = []
    tests: dict[str, tuple[list[str], np.ndarray]] = {}
    for name in CORPORA:
        corpus = load_corpus(data_dir, name)
        if corpus is None:
            rows.append(
                Row(
                    check="sentiment",
                    data=f"{DATA_DIR}/{CORPORA[name]}",
                    metric="-",
                    value="absent",
                    goal="-",
                    met=None,
                    notes="dataset file not found under the data dir",
                )
            )
            continue
        test = np.flatnonzero(~corpus.train)
        tests[name] = ([corpus.texts[i] for i in test], corpus.ratings[test])
    if not tests:
        return rows
    latency = _latency_row([t for texts, _ in tests.values() for t in texts[: LATENCY_SAMPLE // len(tests)]])
    for name, (texts, truth) in tests.items():
        ours = np.array([score_local(t).score for t in texts])
        alone = np.array([vader.polarity_scores(t)["compound"] for t in texts])
        r, r_vader = _pearson(ours, truth), _pearson(alone, truth)
        goal = GOALS.get(name)
        notes = f"n={len(texts)}; VADER alone r={r_vader:.3f} on the same texts"
        if not MODEL_PATH.exists():
            notes += "; no trained correction (sentiment.npz absent): VADER alone"
        rows.append(
            Row(
                check="sentiment",
                data=f"VADER ground truth: {name} (test 30%)",
                metric="Pearson r",
                value=f"{r:.3f}",
                goal=f">= {goal:.2f}" if goal else "-",
                met=(r >= goal) if goal else None,
                notes=notes,
            )
        )
    rows.append(latency)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    for row in run(args.data):
        print(" | ".join(str(v) for v in row.values()))
    sys.exit(0)


if __name__ == "__main__":
    main()
