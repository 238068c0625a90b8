"""Topic-boundary benchmark: CLINC150 out-of-scope recall vs the share of Bitext support requests blocked.

    .venv/bin/python benchmarks/policy_topic.py [--data ../shared/data]

Reports on TEST splits only (the threshold was tuned by `training/train_topic.py` on validation data):
CLINC150 `oos_test` (1,000 queries no e-commerce bot covers), the CLINC in-scope test utterances of intents
we label off-topic, the CLINC test utterances we label as support (shopping and conversational intents), and
the Bitext test split (a deterministic 80/10/10 split by a seeded hash of the text, since Bitext has none).
The data loading and splits live here and are imported by the training script, so both use the same rows.
"""

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict, cast

from orchestrator.policy.topic import mentions_competitor

CLINC_DIR = "clinc150"
BANKING_DIR = "banking77"
NOTINJECT_DIR = "notinject"
BITEXT_DIR = "bitext-customer-support"
BITEXT_FILE = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
SPLIT_SEED = 20240501

# CLINC intents a ShopExpress support assistant must handle (negatives for the out-of-scope model):
# shopping itself, and the conversational turns every support chat has ("yes", "thanks", "are you a bot?").
CLINC_SUPPORT = frozenset(
    {
        "order_status",
        "order",
        "card_declined",
        "greeting",
        "goodbye",
        "thank_you",
        "are_you_a_bot",
        "what_is_your_name",
        "what_can_i_ask_you",
        "who_do_you_work_for",
        "who_made_you",
        "yes",
        "no",
        "maybe",
        "cancel",
        "repeat",
        "change_language",
        "user_name",
        "change_user_name",
    }
)
# Ambiguous between a bank and a shop ("what was the last thing I purchased", "a charge I didn't make",
# "why is there a hold on my account"): left out of training and of every metric.
CLINC_EXCLUDED = frozenset({"transactions", "report_fraud", "account_blocked", "freeze_account"})
# BANKING77 intents that a shop's support desk meets in the same words (refunds, declined or duplicate card
# payments, account details): realistic customer phrasing that Bitext's templates lack. Support (negatives).
BANKING_SUPPORT = frozenset(
    {
        "request_refund",
        "Refund_not_showing_up",
        "declined_card_payment",
        "transaction_charged_twice",
        "card_payment_not_recognised",
        "pending_card_payment",
        "reverted_card_payment?",
        "card_payment_fee_charged",
        "extra_charge_on_statement",
        "edit_personal_details",
        "passcode_forgotten",
        "terminate_account",
    }
)


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
    out_of_scope: bool
    source: str
    """`clinc:oos`, `clinc:<intent>` or `bitext:<intent>`."""


def hash_bucket(text: str, buckets: int, seed: int = SPLIT_SEED) -> int:
    """A stable bucket for a text (seeded SHA-256), so splits never depend on row order."""
    digest = hashlib.sha256(f"{seed}:{text}".encode()).hexdigest()
    return int(digest[:12], 16) % buckets


def bitext_split(text: str) -> str:
    """Deterministic 80/10/10 train/val/test split of Bitext by its instruction text."""
    bucket = hash_bucket(text, 10)
    return "train" if bucket < 8 else ("val" if bucket == 8 else "test")


def load_bitext(data_dir: Path) -> dict[str, list[Example]] | None:
    """Bitext requests by split (all negatives); None when the folder is absent."""
    path = data_dir / BITEXT_DIR / BITEXT_FILE
    if not path.exists():
        return None
    splits: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = row["instruction"]
            splits[bitext_split(text)].append(Example(text=text, out_of_scope=False, source=f"bitext:{row['intent']}"))
    return splits


def load_banking(data_dir: Path) -> dict[str, list[Example]] | None:
    """BANKING77 rows of `BANKING_SUPPORT` intents: `train`/`val` (seeded 90/10 of train.csv) and `test`."""
    folder = data_dir / BANKING_DIR
    if not (folder / "train.csv").exists():
        return None
    splits: dict[str, list[Example]] = {"train": [], "val": [], "test": []}
    for name in ("train", "test"):
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["category"] not in BANKING_SUPPORT:
                    continue
                split = name if name == "test" else ("val" if hash_bucket(row["text"], 10) == 0 else "train")
                splits[split].append(
                    Example(text=row["text"], out_of_scope=False, source=f"banking77:{row['category']}")
                )
    return splits


def load_notinject(data_dir: Path) -> dict[str, list[Example]] | None:
    """NotInject's English general-assistant prompts ("write a short story...") as out-of-scope examples.

    Categories `Common Queries` and `Virtual Creation` only; seeded 80/20 train/val split by text. Training
    material for the steer-back (CLINC has few "write me a poem" requests); not reported as a test metric.
    """
    folder = data_dir / NOTINJECT_DIR
    if not folder.exists():
        return None
    splits: dict[str, list[Example]] = {"train": [], "val": []}
    for name in ("one", "two", "three"):
        rows: list[dict[str, str]] = json.loads((folder / f"NotInject_{name}.json").read_text(encoding="utf-8"))
        for row in rows:
            if row["category"] not in ("Common Queries", "Virtual Creation"):
                continue
            split = "val" if hash_bucket(row["prompt"], 10) >= 8 else "train"
            splits[split].append(Example(text=row["prompt"], out_of_scope=True, source="notinject"))
    return splits


def load_clinc(data_dir: Path) -> dict[str, list[Example]] | None:
    """CLINC150 by split (`train`, `val`, `test`) with our scope label; None when the folder is absent."""
    path = data_dir / CLINC_DIR / "data_full.json"
    if not path.exists():
        return None
    raw: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    splits: dict[str, list[Example]] = {}
    for split in ("train", "val", "test"):
        examples = [Example(text=t, out_of_scope=True, source="clinc:oos") for t, _ in raw[f"oos_{split}"]]
        for text, intent in raw[split]:
            if intent in CLINC_EXCLUDED:
                continue
            if intent in CLINC_SUPPORT and mentions_competitor(text):
                # "order dog food from walmart", "my card was declined at target": about another shop.
                examples.append(Example(text=text, out_of_scope=True, source=f"clinc:{intent}+competitor"))
                continue
            examples.append(Example(text=text, out_of_scope=intent not in CLINC_SUPPORT, source=f"clinc:{intent}"))
        splits[split] = examples
    return splits


def _share(flags: Iterable[bool]) -> tuple[float, int]:
    values = list(flags)
    return (sum(values) / len(values) if values else 0.0), len(values)


def _absent(data: str) -> Row:
    return Row(
        check="topic boundary",
        data=data,
        metric="-",
        value="absent",
        goal="-",
        met=None,
        notes=f"dataset folder not found under the data dir: {data}",
    )


def _blocked(texts: list[str]) -> list[bool]:
    """`classify_topic` on each text, with the model scored in one batch (same decisions, much faster)."""
    from orchestrator.policy.textclf import HashedLinearModel
    from orchestrator.policy.topic import MODEL_PATH, decide_topic, normalize_text

    model = HashedLinearModel.load(MODEL_PATH)
    probabilities = model.probabilities([normalize_text(t) for t in texts])
    return [not decide_topic(t, float(p), model.threshold).in_scope for t, p in zip(texts, probabilities, strict=True)]


def run(data_dir: Path) -> list[Row]:
    """Benchmark the topic check (`classify_topic`: rules + model) on the test splits; one row per metric."""
    clinc = load_clinc(data_dir)
    bitext = load_bitext(data_dir)
    banking = load_banking(data_dir)
    rows: list[Row] = []
    oos_recall = support_blocked = None
    if clinc is None:
        rows.append(_absent(CLINC_DIR))
    else:
        test = clinc["test"]
        oos_recall, n = _share(_blocked([e["text"] for e in test if e["source"] == "clinc:oos"]))
        rows.append(
            Row(
                check="topic boundary",
                data="CLINC150 oos_test",
                metric="out-of-scope recall",
                value=f"{oos_recall:.3f}",
                goal=">= 0.90",
                met=oos_recall >= 0.90,
                notes=f"n={n}",
            )
        )
        off, n_off = _share(_blocked([e["text"] for e in test if e["out_of_scope"] and e["source"] != "clinc:oos"]))
        rows.append(
            Row(
                check="topic boundary",
                data="CLINC150 test, off-topic intents",
                metric="recall",
                value=f"{off:.3f}",
                goal="-",
                met=None,
                notes=f"n={n_off}; CLINC in-scope intents outside shop support (travel, cooking, banking "
                "operations, ...) and shop intents naming a competitor",
            )
        )
        ins, n_ins = _share(_blocked([e["text"] for e in test if not e["out_of_scope"]]))
        rows.append(
            Row(
                check="topic boundary",
                data="CLINC150 test, support intents",
                metric="blocked",
                value=f"{ins:.3f}",
                goal="-",
                met=None,
                notes=f"n={n_ins}; order, order_status, card_declined, greetings, yes/no, are you a bot, ...",
            )
        )
    if bitext is None:
        rows.append(_absent(BITEXT_DIR))
    else:
        support_blocked, n = _share(_blocked([e["text"] for e in bitext["test"]]))
        rows.append(
            Row(
                check="topic boundary",
                data="Bitext test split (seeded 80/10/10)",
                metric="support requests blocked",
                value=f"{support_blocked:.3f}",
                goal="<= 0.05",
                met=support_blocked <= 0.05,
                notes=f"n={n}",
            )
        )
        from benchmarks._latency import latency_row
        from orchestrator.policy.topic import classify_topic

        texts = [e["text"] for e in bitext["test"]]
        rows.append(cast(Row, latency_row("topic boundary", "Bitext test texts", classify_topic, texts)))
    if banking is None:
        rows.append(_absent(BANKING_DIR))
    else:
        bank_blocked, n = _share(_blocked([e["text"] for e in banking["test"]]))
        rows.append(
            Row(
                check="topic boundary",
                data="BANKING77 test, refund/payment/account intents",
                metric="support requests blocked",
                value=f"{bank_blocked:.3f}",
                goal="-",
                met=None,
                notes=f"n={n}; real customer phrasing of shop-relevant intents",
            )
        )
    if oos_recall is not None and support_blocked is not None:
        met = oos_recall >= 0.90 and support_blocked <= 0.05
        rows.append(
            Row(
                check="topic boundary",
                data="CLINC150 oos_test vs Bitext test",
                metric="goal",
                value=f"recall {oos_recall:.3f} / blocked {support_blocked:.3f}",
                goal="recall >= 0.90 with <= 5% blocked",
                met=met,
                notes="",
            )
        )
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
