"""Abuse benchmark: HateCheck by functionality, Davidson tweets, and false positives on profane-but-legitimate text.

    .venv/bin/python benchmarks/policy_abuse.py [--data ../shared/data]

Reports on held-out TEST splits only (`training/train_abuse.py` trains on the train splits and tunes on val):
- HateCheck is a test suite without splits: its cases are split by root template (`ref_templ_id`, else
  `templ_id`; seeded hash, 70/30 train/test; the training script cross-validates on the 70% in folds of
  templates), so a case, its identity variants, its spelling variants
  and its contrastive non-hateful twins always land in the same split.
- Labels follow the product definition (abuse = insults, hate or threats aimed at a person or group): HateCheck
  `hateful` cases, plus `target_indiv_nh` ("I am going to shoot you") and `target_group_nh` ("Death to all
  capitalists"), which HateCheck calls non-hateful only because the target is not a protected group. Accuracy
  against HateCheck's own gold labels is reported too.
- Davidson: seeded 80/10/10 split by tweet. `hate` = abusive, `neither` = not; `offensive` tweets (mostly
  "bitch"/"hoe" aimed at women and people) are scored as abusive-or-profane: the row reports how many the check
  flags as either, since their label does not say whether the offence is aimed at someone.
- Bitext rows tagged `W` (profane but legitimate support requests): seeded 50/10/40 split of Bitext by text for
  this check (more held-out W rows than the topic check's 80/10/10), false-positive rate on the test part.
"""

import argparse
import csv
import hashlib
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import TypedDict, cast

HATECHECK_DIR = "hatecheck"
DAVIDSON_DIR = "davidson-hate-offensive"
BITEXT_DIR = "bitext-customer-support"
BITEXT_FILE = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
SPLIT_SEED = 20240501
TARGETED_NH = frozenset({"target_indiv_nh", "target_group_nh"})


class Row(TypedDict):
    check: str
    data: str
    metric: str
    value: str
    goal: str
    met: bool | None
    notes: str


class Example(TypedDict):
    text: str
    abusive: bool | None
    """Our label; None for Davidson `offensive` (scored as abusive-or-profane, never trained as either)."""
    source: str
    """`hatecheck:<functionality>`, `davidson:<hate|offensive|neither>`, `bitext:W` or `bitext`."""
    gold: bool
    """The dataset's own label: HateCheck hateful, Davidson hate or offensive, Bitext never."""
    group: str
    """What keeps related cases together in splits and cross-validation folds (HateCheck: the root template)."""


def hash_bucket(text: str, buckets: int, seed: int = SPLIT_SEED) -> int:
    """A stable bucket for a text (seeded SHA-256), so splits never depend on row order."""
    return int(hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()[:12], 16) % buckets


def _split(bucket: int, train: int, val: int) -> str:
    return "train" if bucket < train else ("val" if bucket < train + val else "test")


def load_hatecheck(data_dir: Path) -> dict[str, list[Example]] | None:
    """HateCheck cases by split (70/30 train/test by root template); None when the folder is absent."""
    path = data_dir / HATECHECK_DIR / "test_suite_cases.csv"
    if not path.exists():
        return None
    splits: dict[str, list[Example]] = {"train": [], "test": []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            root = row["ref_templ_id"] or row["templ_id"]
            hateful = row["label_gold"] == "hateful"
            abusive = hateful or row["functionality"] in TARGETED_NH
            example = Example(
                text=row["test_case"].strip(),
                abusive=abusive,
                source=f"hatecheck:{row['functionality']}",
                gold=hateful,
                group=f"template:{root}",
            )
            splits["train" if hash_bucket(example["group"], 10) < 7 else "test"].append(example)
    return splits


def load_davidson(data_dir: Path) -> dict[str, list[Example]] | None:
    """Davidson tweets by split (80/10/10 by text); None when the folder is absent."""
    path = data_dir / DAVIDSON_DIR / "labeled_data.csv"
    if not path.exists():
        return None
    names = {"0": "hate", "1": "offensive", "2": "neither"}
    splits: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            label = names[row["class"]]
            abusive = {"hate": True, "offensive": None, "neither": False}[label]
            example = Example(
                text=row["tweet"],
                abusive=abusive,
                source=f"davidson:{label}",
                gold=label != "neither",
                group=row["tweet"],
            )
            splits[_split(hash_bucket(row["tweet"], 10), 8, 1)].append(example)
    return splits


def load_bitext(data_dir: Path) -> dict[str, list[Example]] | None:
    """Bitext requests (never abusive) by split (50/10/40 by text); `W`-tagged rows marked; None when absent."""
    path = data_dir / BITEXT_DIR / BITEXT_FILE
    if not path.exists():
        return None
    splits: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            source = "bitext:W" if "W" in row["tags"] else "bitext"
            example = Example(
                text=row["instruction"], abusive=False, source=source, gold=False, group=row["instruction"]
            )
            splits[_split(hash_bucket(row["instruction"], 10), 5, 1)].append(example)
    return splits


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _absent(data: str) -> Row:
    return Row(
        check="abuse",
        data=data,
        metric="-",
        value="absent",
        goal="-",
        met=None,
        notes=f"dataset folder not found under the data dir: {data}",
    )


def _verdicts(texts: list[str]) -> list[tuple[bool, bool]]:
    """(abusive, profane) from `classify_abuse` for each text, the model scored in one batch (same decisions)."""
    from orchestrator.policy.abuse import MODEL_PATH, decide_abuse, model_text
    from orchestrator.policy.textclf import HashedLinearModel

    model = HashedLinearModel.load(MODEL_PATH)
    probabilities = model.probabilities([model_text(t) for t in texts])
    verdicts = [decide_abuse(t, float(p), model.threshold) for t, p in zip(texts, probabilities, strict=True)]
    return [(v.abusive, v.profane) for v in verdicts]


def _rate_row(data: str, metric: str, hits: int, n: int, goal: str, met: bool | None, notes: str = "") -> Row:
    low, high = wilson(hits, n)
    share = hits / n if n else 0.0
    extra = f"n={n}, 95% CI {low:.2f}-{high:.2f}" + (f"; {notes}" if notes else "")
    return Row(check="abuse", data=data, metric=metric, value=f"{share:.3f}", goal=goal, met=met, notes=extra)


def _hatecheck_rows(test: list[Example]) -> list[Row]:
    verdicts = _verdicts([e["text"] for e in test])
    correct = sum(v[0] == e["abusive"] for v, e in zip(verdicts, test, strict=True))
    gold = sum(v[0] == e["gold"] for v, e in zip(verdicts, test, strict=True))
    accuracy = correct / len(test)
    rows = [
        _rate_row(
            "HateCheck held-out (30% of templates)",
            "accuracy",
            correct,
            len(test),
            ">= 0.85",
            accuracy >= 0.85,
            "labels: hateful + target_indiv_nh + target_group_nh = abusive",
        ),
        _rate_row(
            "HateCheck held-out",
            "accuracy vs HateCheck gold labels",
            gold,
            len(test),
            "-",
            None,
            "target_indiv_nh/target_group_nh counted non-hateful, as HateCheck does",
        ),
    ]
    by_function: dict[str, list[bool]] = defaultdict(list)
    for v, e in zip(verdicts, test, strict=True):
        by_function[e["source"].split(":", 1)[1]].append(v[0] == e["abusive"])
    for name, hits in sorted(by_function.items()):
        is_profanity_nh = name == "profanity_nh"
        false_positives = len(hits) - sum(hits)
        if is_profanity_nh:
            rows.append(
                _rate_row(
                    f"HateCheck held-out {name}",
                    "false positives",
                    false_positives,
                    len(hits),
                    "<= 0.10",
                    false_positives / len(hits) <= 0.10,
                )
            )
        rows.append(_rate_row(f"HateCheck held-out {name}", "accuracy", sum(hits), len(hits), "-", None))
    return rows


def _davidson_rows(test: list[Example]) -> list[Row]:
    verdicts = _verdicts([e["text"] for e in test])
    labelled = [(v, e) for v, e in zip(verdicts, test, strict=True) if e["abusive"] is not None]
    correct = sum(v[0] == e["abusive"] for v, e in labelled)
    rows = [
        _rate_row(
            "Davidson test (hate vs neither)",
            "accuracy",
            correct,
            len(labelled),
            ">= 0.85",
            correct / len(labelled) >= 0.85,
            "hate = abusive, neither = not",
        )
    ]
    for label in ("hate", "neither"):
        part = [v for v, e in labelled if e["source"] == f"davidson:{label}"]
        rows.append(
            _rate_row(f"Davidson test {label}", "flagged abusive", sum(a for a, _ in part), len(part), "-", None)
        )
    offensive = [v for v, e in zip(verdicts, test, strict=True) if e["abusive"] is None]
    rows.append(
        _rate_row("Davidson test offensive", "flagged abusive", sum(a for a, _ in offensive), len(offensive), "-", None)
    )
    rows.append(
        _rate_row(
            "Davidson test offensive",
            "flagged abusive or profane",
            sum(a or p for a, p in offensive),
            len(offensive),
            "-",
            None,
        )
    )
    everything = sum((a or p) == e["gold"] for (a, p), e in zip(verdicts, test, strict=True))
    rows.append(
        _rate_row(
            "Davidson test (all classes)",
            "accuracy, (hate or offensive) vs abusive-or-profane",
            everything,
            len(test),
            "-",
            None,
        )
    )
    return rows


def _bitext_rows(test: list[Example]) -> list[Row]:
    rows: list[Row] = []
    for source, data in (
        ("bitext:W", "Bitext test rows tagged W (profane, legitimate)"),
        ("bitext", "Bitext test rows without W"),
    ):
        part = [e["text"] for e in test if e["source"] == source]
        verdicts = _verdicts(part)
        false_positives = sum(a for a, _ in verdicts)
        goal_met = false_positives / len(part) <= 0.10 if source == "bitext:W" else None
        rows.append(
            _rate_row(
                data,
                "false positives",
                false_positives,
                len(part),
                "<= 0.10" if source == "bitext:W" else "-",
                goal_met,
            )
        )
        if source == "bitext:W":
            rows.append(_rate_row(data, "flagged profane", sum(p for _, p in verdicts), len(part), "-", None))
    return rows


def run(data_dir: Path) -> list[Row]:
    """Benchmark `classify_abuse` (rules + model) on the held-out splits; one row per metric."""
    rows: list[Row] = []
    hatecheck, davidson, bitext = load_hatecheck(data_dir), load_davidson(data_dir), load_bitext(data_dir)
    rows.extend(_hatecheck_rows(hatecheck["test"]) if hatecheck else [_absent(HATECHECK_DIR)])
    rows.extend(_davidson_rows(davidson["test"]) if davidson else [_absent(DAVIDSON_DIR)])
    rows.extend(_bitext_rows(bitext["test"]) if bitext else [_absent(BITEXT_DIR)])
    if hatecheck:
        from benchmarks._latency import latency_row
        from orchestrator.policy.abuse import classify_abuse

        texts = [e["text"] for e in hatecheck["test"]]
        rows.append(cast(Row, latency_row("abuse", "HateCheck held-out texts", classify_abuse, texts)))
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
