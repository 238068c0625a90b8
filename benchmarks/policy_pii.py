"""PII benchmark: `orchestrator.policy.pii` against presidio-research's synthetic PII dataset (labelled spans).

    .venv/bin/python benchmarks/policy_pii.py [--data ../shared/data] [--split test|dev|all]

The dataset has no splits, so its samples are split by TEMPLATE (a seeded SHA-256 of `template_id`, half and
half): the detectors were tuned on the `dev` half only, and the reported numbers are on the `test` half, whose
sentence templates were never looked at. Per kind: recall (a gold span counts as found when a detected span of
the same kind overlaps it), precision (detected spans of that kind overlapping a gold span of that kind, over
all detected spans of that kind) and leak rate (gold values still present verbatim after `mask`). The Bitext
support requests (test half of a seeded hash split) measure false alarms on in-domain text without PII.
"""

import argparse
import csv
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from orchestrator.policy.pii import PiiKind, find_pii, luhn_valid, mask

PRESIDIO_DIR = "presidio-synth-pii"
PRESIDIO_FILE = "synth_dataset_v2.json"
BITEXT_DIR = "bitext-customer-support"
BITEXT_FILE = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
SPLIT_SEED = 20240501

LABELS: dict[str, PiiKind] = {
    "CREDIT_CARD": "card",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "STREET_ADDRESS": "address",
}
KINDS: tuple[PiiKind, ...] = ("card", "email", "phone", "iban", "ssn", "address")
RECALL_GOAL: dict[PiiKind, float] = {"card": 0.98, "email": 0.98, "phone": 0.98, "iban": 0.98, "ssn": 0.98}
CHECK = "PII"


class Row(TypedDict):
    check: str
    data: str
    metric: str
    value: str
    goal: str
    met: bool | None
    notes: str


@dataclass(frozen=True)
class Gold:
    kind: PiiKind
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Sample:
    text: str
    gold: tuple[Gold, ...]
    template: str


def _bucket(key: str) -> int:
    return int(hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest()[:12], 16) % 2


def split_of_template(template_id: object) -> str:
    """`dev` (tuning) or `test` (reporting): half of the templates each, by a seeded hash."""
    return "dev" if _bucket(f"template:{template_id}") == 0 else "test"


def load_presidio(data_dir: Path, split: str) -> list[Sample] | None:
    """The samples of one split (`dev`, `test` or `all`); None when the dataset folder is absent."""
    path = data_dir / PRESIDIO_DIR / PRESIDIO_FILE
    if not path.exists():
        return None
    samples: list[Sample] = []
    for raw in json.loads(path.read_text(encoding="utf-8")):
        template = str(raw.get("template_id"))
        if split != "all" and split_of_template(template) != split:
            continue
        gold = tuple(
            Gold(LABELS[s["entity_type"]], s["start_position"], s["end_position"], s["entity_value"])
            for s in raw["spans"]
            if s["entity_type"] in LABELS
        )
        samples.append(Sample(raw["full_text"], gold, template))
    return samples


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass
class Tally:
    gold: int = 0
    found: int = 0
    detected: int = 0
    correct: int = 0
    leaked: int = 0


def evaluate(samples: Iterable[Sample]) -> tuple[dict[PiiKind, Tally], list[str]]:
    """Per-kind tallies, and a description of every miss and false alarm (for tuning on the dev split)."""
    tallies: dict[PiiKind, Tally] = {k: Tally() for k in KINDS}
    problems: list[str] = []
    for sample in samples:
        spans = find_pii(sample.text)
        masked = mask(sample.text)
        for g in sample.gold:
            t = tallies[g.kind]
            t.gold += 1
            if any(s.kind == g.kind and _overlaps(s.start, s.end, g.start, g.end) for s in spans):
                t.found += 1
            else:
                problems.append(f"MISS {g.kind} {g.value!r} in {sample.text[:120]!r}")
            if g.value in masked:
                t.leaked += 1
        for s in spans:
            t = tallies[s.kind]
            t.detected += 1
            if any(g.kind == s.kind and _overlaps(s.start, s.end, g.start, g.end) for g in sample.gold):
                t.correct += 1
            else:
                problems.append(f"FALSE {s.kind} {s.text!r} in {sample.text[:120]!r}")
    return tallies, problems


def _only_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f} ({num}/{den})" if den else "n/a (0)"


def _presidio_rows(samples: list[Sample], split: str) -> list[Row]:
    data = f"presidio synthetic ({split} half by template, {len(samples)} samples)"
    tallies, _ = evaluate(samples)
    rows: list[Row] = []
    for kind in KINDS:
        t = tallies[kind]
        goal = RECALL_GOAL.get(kind)
        recall = t.found / t.gold if t.gold else None
        rows.append(
            Row(
                check=CHECK,
                data=data,
                metric=f"{kind} recall",
                value=_ratio(t.found, t.gold),
                goal=f">= {goal:.2f}" if goal else "where feasible",
                met=(recall >= goal) if (goal is not None and recall is not None) else None,
                notes="overlap match"
                if kind != "address"
                else "gold STREET_ADDRESS is fragmented (zip, 'Apt. 5', street as separate spans); no gazetteer",
            )
        )
        rows.append(
            Row(
                check=CHECK,
                data=data,
                metric=f"{kind} precision",
                value=_ratio(t.correct, t.detected),
                goal="report",
                met=None,
                notes="a detection overlapping no gold span of its kind is a false alarm",
            )
        )
        if kind != "address":
            rows.append(
                Row(
                    check=CHECK,
                    data=data,
                    metric=f"{kind} leak rate",
                    value=_ratio(t.leaked, t.gold),
                    goal="0",
                    met=t.leaked == 0,
                    notes="gold value still verbatim in mask(text)",
                )
            )
    cards = [g for s in samples for g in s.gold if g.kind == "card"]
    long_cards = [(s, g) for s in samples for g in s.gold if g.kind == "card" and len(_only_digits(g.value)) >= 13]
    long_found = sum(
        any(d.kind == "card" and _overlaps(d.start, d.end, g.start, g.end) for d in find_pii(s.text))
        for s, g in long_cards
    )
    rows.append(
        Row(
            check=CHECK,
            data=data,
            metric="card recall, 13-19 digits",
            value=_ratio(long_found, len(long_cards)),
            goal=">= 0.98",
            met=bool(long_cards) and long_found / len(long_cards) >= 0.98,
            notes="the issue's card definition; 12-digit gold numbers left out",
        )
    )
    luhn_ok = [g for g in cards if luhn_valid(_only_digits(g.value))]
    short = [g for g in cards if len(_only_digits(g.value)) < 13]
    rows.append(
        Row(
            check=CHECK,
            data=data,
            metric="gold cards Luhn-valid",
            value=_ratio(len(luhn_ok), len(cards)),
            goal="report",
            met=None,
            notes=f"{len(short)} gold cards have 12 digits (Maestro length; masked only with a Maestro prefix 50, "
            "56-58, 6); Luhn-invalid numbers are deliberately not masked, so recall with and without them is equal",
        )
    )
    return rows


DENSE_MESSAGE = (
    "Hi, I'm Jordan (jordan.lee@example.com). My order ORD-78432 from 2026-11-25 was charged twice, $89.99 "
    "each, on card 4242 4242 4242 4242. Please call me at +1 312 555 0148 before 5 pm. Thanks a lot!"
)
PLAIN_MESSAGE = (
    "Hi, my Sony WH-1000XM4 headphones from order ORD-78432 stopped charging after 3 days. I've tried 2 cables "
    "already. Can I get a replacement or a refund of $89.99? Thanks for your help, Jordan"
)


def _cpu_ms_per_call(text: str, calls: int = 300, repeats: int = 5) -> float:
    """Best-of-`repeats` CPU time (time.process_time) of one `mask` call: on a shared machine, wall time mostly
    measures waiting for a core, not the work."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(calls):
            mask(text)
        best = min(best, (time.process_time() - t0) / calls)
    return best * 1000


def _latency_rows(samples: list[Sample]) -> list[Row]:
    rows: list[Row] = []
    for label, message in (("PII-dense", DENSE_MESSAGE), ("typical", PLAIN_MESSAGE)):
        ms = _cpu_ms_per_call(message)
        rows.append(
            Row(
                check=CHECK,
                data=f"{label} {len(message)}-char support message",
                metric="mask() CPU time",
                value=f"{ms:.3f} ms",
                goal="< 0.2 ms",
                met=ms < 0.2,
                notes="best of 5 x 300 calls, time.process_time, this (shared) machine",
            )
        )
    if samples:
        timings: list[float] = []
        for sample in samples:
            t0 = time.process_time()
            mask(sample.text)
            timings.append(time.process_time() - t0)
        rows.append(
            Row(
                check=CHECK,
                data=f"presidio texts ({len(samples)})",
                metric="mask() CPU time",
                value=f"mean {statistics.mean(timings) * 1000:.3f} ms",
                goal="report",
                met=None,
                notes=f"max {max(timings) * 1000:.3f} ms (single calls, coarse clock)",
            )
        )
    return rows


def _bitext_rows(data_dir: Path) -> list[Row]:
    path = data_dir / BITEXT_DIR / BITEXT_FILE
    if not path.exists():
        return [Row(check=CHECK, data="Bitext requests", metric="false alarm rate", value="absent", goal="report",
                    met=None, notes=f"{path} not found")]  # fmt: skip
    texts: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if _bucket(f"bitext:{row['instruction']}") == 1:  # the test half; the other half was used for tuning
                texts.append(row["instruction"])
    flagged = [t for t in texts if find_pii(t)]
    return [
        Row(
            check=CHECK,
            data=f"Bitext support requests (test half, {len(texts)})",
            metric="messages with PII flagged",
            value=_ratio(len(flagged), len(texts)),
            goal="report",
            met=None,
            notes="Bitext requests use {{Order Number}}-style placeholders: nothing there is PII",
        )
    ]


def run(data_dir: Path, split: str = "test") -> list[Row]:
    """The PII rows of the policy benchmark table (on the held-out `test` half unless told otherwise)."""
    samples = load_presidio(data_dir, split)
    if samples is None:
        rows = [Row(check=CHECK, data="presidio synthetic", metric="recall", value="absent", goal=">= 0.98",
                    met=None, notes=f"{data_dir / PRESIDIO_DIR / PRESIDIO_FILE} not found")]  # fmt: skip
    else:
        rows = _presidio_rows(samples, split)
    rows.extend(_latency_rows(samples or []))
    rows.extend(_bitext_rows(data_dir))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--split", choices=["test", "dev", "all"], default="test")
    parser.add_argument("--problems", action="store_true", help="list misses and false alarms (use on dev only)")
    args = parser.parse_args(argv)
    for row in run(args.data, args.split):
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(f"{row['metric']:<28} {row['value']:<22} {row['goal']:<14} {met:<4} {row['data']} | {row['notes']}")
    if args.problems:
        samples = load_presidio(args.data, args.split) or []
        for problem in evaluate(samples)[1]:
            print(problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
