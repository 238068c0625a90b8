"""Train the topic-boundary model: out of scope for e-commerce support (1) vs support request (0).

    .venv/bin/python -m training.train_topic [--data ../shared/data] [--out orchestrator/policy/models/topic.npz]

Data (train splits only; the threshold and C are chosen on validation):
- positives (out of scope): CLINC150 `oos_train` (weighted x10: few, but the kind we must generalise to), the CLINC
  `train` utterances of every intent outside e-commerce support (travel, cooking, cars, work, small talk such as
  jokes, bank operations such as transfers; support intents naming a competitor count here), and NotInject's
  English general-assistant prompts (seeded 80/20 train/val);
- negatives (support): the Bitext train split (seeded 80/10/10 by text hash, `policy_topic.bitext_split`), CLINC
  `train` of the support intents (`policy_topic.CLINC_SUPPORT`: orders, card declined, greetings, yes/no...),
  BANKING77 train rows of refund/payment/account intents (`BANKING_SUPPORT`, seeded 90/10 train/val), and 3,000
  synthetic support messages from the templates below (Bitext's own templates are too uniform: without these the
  model calls any unseen phrasing such as "what's your return policy?" out of scope);
- bank/shop-ambiguous CLINC intents (`CLINC_EXCLUDED`) are left out everywhere;
- validation: CLINC `oos_val` + `val`, Bitext val, BANKING77 val, NotInject val. The threshold is the lowest at
  which the whole check (rules + model, `decide_topic`) blocks at most 3% of the validation support messages.

Texts go through `orchestrator.policy.topic.normalize_text` first (as at inference). Deterministic: liblinear
logistic regression, no random state involved.
"""

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from benchmarks.policy_topic import Example, load_banking, load_bitext, load_clinc, load_notinject
from orchestrator.policy.textclf import HashedLinearModel, featurize
from orchestrator.policy.topic import decide_topic, normalize_text
from orchestrator.policy.weights import MODELS_DIR
from training.provenance import stamp

DATASETS = ("banking77", "bitext-customer-support", "clinc150", "notinject")
"""The `training/data_manifest.toml` entries this trainer reads."""

OOS_WEIGHT = 10.0
"""CLINC's generic out-of-scope queries are few (100) but the kind we must generalise to: weighted up."""
MAX_SUPPORT_BLOCKED_VAL = 0.03
"""Threshold rule: the lowest threshold at which the whole check (rules + model) blocks at most this share of the
validation support requests (Bitext, BANKING77 and CLINC support intents together)."""
SYNTHETIC = 3000


SYNTH_SEED = 7
_PRODUCTS = (
    "headphones earbuds charger phone case laptop blender coffee maker shoes sneakers jacket t-shirt dress backpack "
    "watch smartwatch tablet keyboard mouse monitor tv speaker vacuum lamp mattress kettle toaster jeans sunglasses "
    "camera printer router toy drill hair dryer phone bike helmet suitcase sofa rug"
).split(" ")
_PROBLEMS = (
    "is broken|arrived damaged|doesn't work|won't turn on|stopped working after two days|won't charge|is the wrong "
    "size|is the wrong colour|is missing a part|hurts my ears|hurts my feet|is too small|overheats|got really hot and "
    "burned my hand|smells like burning|is scratched|has a cracked screen|leaks|keeps disconnecting|is not what I "
    "ordered|never arrived|was stolen from my porch|is defective|gave me a rash|is making a weird noise|fell apart|"
    "came without the charger|was opened before|has a dead pixel|shocked me when I plugged it in"
).split("|")
_REQUESTS = (
    "|I want a refund|can I return it?|can you replace it?|what can I do?|I want to exchange it|is it covered by "
    "the warranty?|please help|how do I send it back?|I want my money back|this is unacceptable|what are my options?"
).split("|")
_FRAMES = (
    "my {p} {x}. {r}",
    "the {p} I ordered {x}, {r}",
    "I bought a {p} from you and it {x}. {r}",
    "hi, the {p} {x}",
    "{p} {x} {r}",
    "your {p} {x}!! {r}",
    "the new {p} {x}",
    "so my {p} {x}, {r}",
)
_QUESTIONS = (
    "what's your return policy?|what is your warranty on {p}s?|how long is the warranty for the {p}?|do you ship to "
    "{c}?|how long does delivery to {c} take?|how much is shipping to {c}?|can I pay with {m}?|do you accept {m}?|is "
    "VAT included in the price?|are taxes included?|can I pay in installments?|do you offer financing on {p}s?|what "
    "are your terms and conditions?|what are my consumer rights if the {p} is faulty?|do I have a right to return "
    "the {p} within 14 days?|is the {p} in stock?|when will the {p} be back in stock?|does the {p} come with a "
    "charger?|what size {p} should I order?|is there a discount code?|my discount code doesn't work|how do I use my "
    "gift card?|I was charged twice for my order|why was I charged {a}?|my payment failed at checkout|my card was "
    "declined at checkout|where is my refund?|it's been two weeks and no refund|I forgot my password|I can't log in "
    "to my account|how do I change my email address?|please delete my account|unsubscribe me from your emails|where "
    "is my order?|where is my package?|when will my {p} arrive?|the tracking number doesn't work|the courier left "
    "my parcel at the wrong address|can I change the delivery address?|cancel my order please|I need to cancel the "
    "{p} I ordered yesterday|can I add a {p} to my order?|do you have a store in {c}?|can I speak to a human?|I want "
    "to talk to a manager|can you send me the invoice for the {p}?|I need a receipt for my {p}|is the price match "
    "guarantee still on?|the price dropped after I bought the {p}, can I get the difference?|what time do you close?"
    "|is it safe to use the {p} in the bathroom?|can kids use this {p}?|what's the voltage of the {p}?|will the "
    "{p} work in {c}?|is the {p} waterproof?|does the {p} fit a {p}?"
).split("|")
_COUNTRIES = "Canada|France|Germany|the UK|Spain|Italy|Japan|Australia|Mexico|Belgium|Brazil|India".split("|")
_METHODS = "PayPal|Apple Pay|Google Pay|a gift card|Klarna|bank transfer|Amex|a debit card|cash on delivery".split("|")
_AMOUNTS = "$12|$49.99|20 euros|a fee|shipping|twice|for something I didn't buy|after I cancelled".split("|")


def synthetic_support(n: int, seed: int = SYNTH_SEED) -> list[Example]:
    """Hand-written templates of realistic support messages (products x problems, policy questions).

    Bitext's requests come from a few dozen templates per intent; without this the model learns that any
    phrasing it has not seen ("what's your return policy?") is out of scope. Training only, never reported.
    """
    rng = random.Random(seed)
    out: list[Example] = []
    for i in range(n):
        if i % 2 == 0:
            frame = rng.choice(_FRAMES)
            text = frame.format(p=rng.choice(_PRODUCTS), x=rng.choice(_PROBLEMS), r=rng.choice(_REQUESTS))
        else:
            text = rng.choice(_QUESTIONS).format(
                p=rng.choice(_PRODUCTS), c=rng.choice(_COUNTRIES), m=rng.choice(_METHODS), a=rng.choice(_AMOUNTS)
            )
        out.append(Example(text=text.strip(" ,."), out_of_scope=False, source="synthetic"))
    return out


def _xy(examples: list[Example], oos_weight: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = [normalize_text(e["text"]) for e in examples]
    y = np.array([1 if e["out_of_scope"] else 0 for e in examples])
    w = np.array([oos_weight if e["source"] == "clinc:oos" else 1.0 for e in examples])
    return texts, y, w


def _group(example: Example) -> str:
    if example["source"] == "clinc:oos":
        return "oos_val"
    if example["source"] == "notinject":
        return "NotInject"
    if example["out_of_scope"]:
        return "CLINC off-topic"
    return {"bitext": "Bitext", "banking77": "BANKING77"}.get(example["source"].split(":")[0], "CLINC support")


def _pipeline_blocked(val: list[Example], p: np.ndarray, threshold: float) -> dict[str, float]:
    """Share blocked per group by the whole `decide_topic` (rules + model) at `threshold`."""
    hits: dict[str, list[bool]] = {}
    for example, prob in zip(val, p, strict=True):
        verdict = decide_topic(example["text"], float(prob), threshold)
        hits.setdefault(_group(example), []).append(not verdict.in_scope)
    return {name: sum(v) / len(v) for name, v in sorted(hits.items())}


def _tune_threshold(val: list[Example], p: np.ndarray) -> float:
    """The lowest threshold whose pipeline blocks at most `MAX_SUPPORT_BLOCKED_VAL` of validation support."""
    support = [(e, float(prob)) for e, prob in zip(val, p, strict=True) if not e["out_of_scope"]]
    for threshold in np.round(np.arange(0.05, 0.96, 0.01), 2):
        blocked = sum(not decide_topic(e["text"], prob, float(threshold)).in_scope for e, prob in support)
        if blocked / len(support) <= MAX_SUPPORT_BLOCKED_VAL:
            return float(threshold)
    return 0.96


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / "topic.npz")
    parser.add_argument("--c", type=float, nargs="*", default=[4.0, 16.0, 64.0])
    parser.add_argument("--oos-weight", type=float, default=OOS_WEIGHT)
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC, help="synthetic support messages to add")
    args = parser.parse_args()
    clinc, bitext, banking = load_clinc(args.data), load_bitext(args.data), load_banking(args.data)
    notinject = load_notinject(args.data)
    if clinc is None or bitext is None or banking is None or notinject is None:
        sys.exit(f"CLINC150, Bitext, BANKING77 or NotInject missing under {args.data}")
    train = clinc["train"] + bitext["train"] + banking["train"] + notinject["train"] + synthetic_support(args.synthetic)
    val = clinc["val"] + bitext["val"] + banking["val"] + notinject["val"]
    x_texts, y, w = _xy(train, args.oos_weight)
    v_texts, vy, _ = _xy(val, args.oos_weight)
    print(
        f"train: {len(train)} texts ({int(y.sum())} out of scope, {int((1 - y).sum())} support, "
        f"{args.synthetic} synthetic)"
    )
    print(f"val:   {len(val)} texts ({int(vy.sum())} out of scope, {int((1 - vy).sum())} support)")
    x, xv = featurize(x_texts), featurize(v_texts)
    best: tuple[float, float, float, LogisticRegression] | None = None
    for c in args.c:
        start = time.perf_counter()
        clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
        clf.fit(x, y, sample_weight=w)
        p = clf.predict_proba(xv)[:, 1]
        threshold = _tune_threshold(val, p)
        blocked = _pipeline_blocked(val, p, threshold)
        shown = "  ".join(f"{name} {share:.3f}" for name, share in blocked.items())
        print(f"C={c:g}: threshold {threshold:.2f}; val blocked: {shown}  ({time.perf_counter() - start:.0f}s)")
        if best is None or blocked["oos_val"] > best[1]:
            best = (c, blocked["oos_val"], threshold, clf)
    assert best is not None
    c, _, threshold, clf = best
    model = HashedLinearModel(
        name=f"topic-oos-vs-support-C{c:g}",
        coef=clf.coef_.ravel().astype(np.float32),
        intercept=float(clf.intercept_[0]),
        threshold=threshold,
    )
    model.save(args.out)
    stamp(args.out, "training/train_topic.py", DATASETS, args.data)
    print(f"saved {args.out} (C={c:g}, threshold {threshold:.2f}, {args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
