"""Train the abuse model: insults, hate or threats aimed at a person or group (1) vs not (0).

    .venv/bin/python -m training.train_abuse [--data ../shared/data] [--out orchestrator/policy/models/abuse.npz]

Data (the train parts of `policy_abuse`'s seeded splits; nothing from the test parts):
- HateCheck's 70% training templates, labelled as in `policy_abuse` (hateful + target_indiv_nh + target_group_nh
  = 1), cross-validated in 5 folds of whole templates (out-of-fold scores stand in for unseen templates);
- Davidson train tweets: `hate` = 1, `neither` = 0; `offensive` per `--offensive` (default: left out, because its
  label does not say whether the offence is aimed at someone; as positives it teaches that swearing is abuse:
  in an early comparison run (before the marker tokens) HateCheck validation accuracy fell from 0.81 to 0.63
  with `--offensive abusive`);
- Bitext train rows (seeded 50/10/40) = 0, the `W`-tagged profane requests included;
- synthetic sentences from `training/abuse_synthetic.py` (identity mentions that are neutral, positive or
  counter-speech; negated, reported and condemned hostility; profane support complaints; abuse aimed at the agent).

Texts go through `orchestrator.policy.abuse.model_text` (as at inference). C and the threshold maximise the mean
of out-of-fold HateCheck accuracy and Davidson val accuracy (hate vs neither) among thresholds whose whole check
(rules + model, `decide_abuse`) flags at most `MAX_PROFANE_FP_VAL` of the profane-but-benign validation texts
(out-of-fold HateCheck profanity_nh, Bitext val W rows); the saved model is then fitted on all training data.
Deterministic: liblinear logistic regression and seeded synthetic slots.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression

from benchmarks.policy_abuse import Example, hash_bucket, load_bitext, load_davidson, load_hatecheck
from orchestrator.policy.abuse import decide_abuse, model_text
from orchestrator.policy.textclf import HashedLinearModel, featurize
from orchestrator.policy.weights import MODELS_DIR
from training.abuse_synthetic import synthetic_examples
from training.provenance import stamp

DATASETS = ("bitext-customer-support", "davidson-hate-offensive", "hatecheck")
"""The `training/data_manifest.toml` entries this trainer reads."""

MAX_PROFANE_FP_VAL = 0.05
FOLDS = 5
FOLD_SEED = 99


def _labelled(examples: list[Example], offensive: str) -> tuple[list[str], list[int]]:
    """Texts (as the model sees them) and labels; Davidson `offensive` per `offensive` (or left out)."""
    texts: list[str] = []
    labels: list[int] = []
    for e in examples:
        if e["abusive"] is None and offensive == "exclude":
            continue
        label = (1 if offensive == "abusive" else 0) if e["abusive"] is None else int(e["abusive"])
        texts.append(model_text(e["text"]))
        labels.append(label)
    return texts, labels


def _scores(examples: list[Example], p: np.ndarray, threshold: float) -> dict[str, float]:
    """Validation numbers of the whole check (rules + model) at `threshold`."""
    groups: dict[str, list[bool]] = {"hatecheck": [], "davidson": [], "profane benign": [], "bitext": []}
    for e, prob in zip(examples, p, strict=True):
        if e["abusive"] is None:
            continue
        abusive = decide_abuse(e["text"], float(prob), threshold).abusive
        source = e["source"]
        if source in ("hatecheck:profanity_nh", "bitext:W"):
            groups["profane benign"].append(abusive)
        if source.startswith("hatecheck:"):
            groups["hatecheck"].append(abusive == e["abusive"])
        elif source.startswith("davidson:"):
            groups["davidson"].append(abusive == e["abusive"])
        elif source == "bitext":
            groups["bitext"].append(abusive)
    return {name: sum(v) / len(v) for name, v in groups.items() if v}


def _tune(examples: list[Example], p: np.ndarray) -> tuple[float, dict[str, float]]:
    """Best mean accuracy (HateCheck, Davidson) with at most `MAX_PROFANE_FP_VAL` profane-benign flagged."""
    best: tuple[float, float, dict[str, float]] | None = None
    for threshold in np.round(np.arange(0.10, 0.96, 0.02), 2):
        scores = _scores(examples, p, float(threshold))
        if scores["profane benign"] > MAX_PROFANE_FP_VAL:
            continue
        objective = (scores["hatecheck"] + scores["davidson"]) / 2
        if best is None or objective > best[1]:
            best = (float(threshold), objective, scores)
    if best is None:
        return 0.96, _scores(examples, p, 0.96)
    return best[0], best[2]


def _by_function(cases: list[Example], p: np.ndarray, threshold: float) -> dict[str, tuple[float, int]]:
    hits: dict[str, list[bool]] = {}
    for e, prob in zip(cases, p, strict=True):
        hits.setdefault(e["source"].split(":", 1)[1], []).append(
            decide_abuse(e["text"], float(prob), threshold).abusive == e["abusive"]
        )
    return {name: (sum(v) / len(v), len(v)) for name, v in sorted(hits.items())}


def _fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
    return clf.fit(x, y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / "abuse.npz")
    parser.add_argument("--c", type=float, nargs="*", default=[4.0, 16.0])
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--davidson-share", type=int, default=100, help="percent of Davidson train tweets to use")
    parser.add_argument("--offensive", choices=["exclude", "abusive", "benign"], default="exclude")
    parser.add_argument("--no-synthetic", dest="synthetic", action="store_false")
    parser.add_argument("--dump", type=Path, help="write the out-of-fold HateCheck scores here (TSV)")
    args = parser.parse_args()
    hatecheck, davidson, bitext = load_hatecheck(args.data), load_davidson(args.data), load_bitext(args.data)
    if hatecheck is None or davidson is None or bitext is None:
        sys.exit(f"HateCheck, Davidson or Bitext missing under {args.data}")
    cases = hatecheck["train"]
    folds = np.array([hash_bucket(e["group"], args.folds, seed=FOLD_SEED) for e in cases])
    hc_texts, hc_labels = _labelled(cases, args.offensive)
    davidson_train = [
        e for e in davidson["train"] if hash_bucket(e["group"], 100, seed=FOLD_SEED) < args.davidson_share
    ]
    other_texts, other_labels = _labelled(davidson_train + bitext["train"], args.offensive)
    synthetic = synthetic_examples() if args.synthetic else []
    other_texts += [model_text(t) for t, _ in synthetic]
    other_labels += [label for _, label in synthetic]
    val_other = davidson["val"] + bitext["val"]
    print(
        f"HateCheck: {len(cases)} cases in {args.folds} template folds; other training texts: "
        f"{len(other_texts)} (Davidson + Bitext train, {len(synthetic)} synthetic); Davidson offensive: "
        f"{args.offensive}; validation: out-of-fold HateCheck + {len(val_other)} Davidson/Bitext val"
    )
    x_hc, x_other = featurize(hc_texts), featurize(other_texts)
    x_val = featurize([model_text(e["text"]) for e in val_other])
    y_hc, y_other = np.array(hc_labels), np.array(other_labels)
    best: tuple[float, float, float] | None = None
    by_function: dict[str, tuple[float, int]] = {}
    for c in args.c:
        start = time.perf_counter()
        oof = np.zeros(len(cases))
        p_val = np.zeros(len(val_other))
        for k in range(args.folds):
            inside = folds != k
            clf = _fit(vstack([x_hc[inside], x_other]).tocsr(), np.concatenate([y_hc[inside], y_other]), c)
            oof[~inside] = clf.predict_proba(x_hc[~inside])[:, 1]
            p_val += clf.predict_proba(x_val)[:, 1] / args.folds
        threshold, scores = _tune(cases + val_other, np.concatenate([oof, p_val]))
        shown = "  ".join(f"{name} {value:.3f}" for name, value in scores.items())
        print(f"C={c:g}: threshold {threshold:.2f}; validation: {shown}  ({time.perf_counter() - start:.0f}s)")
        objective = (scores["hatecheck"] + scores["davidson"]) / 2
        if best is None or objective > best[1]:
            best = (c, objective, threshold)
            by_function = _by_function(cases, oof, threshold)
            if args.dump:
                with args.dump.open("w", encoding="utf-8") as f:
                    for e, prob in zip(cases, oof, strict=True):
                        f.write(f"{e['source']}\t{int(bool(e['abusive']))}\t{prob:.3f}\t{model_text(e['text'])}\n")
    print("out-of-fold HateCheck accuracy by functionality at the chosen C and threshold:")
    for name, (accuracy, n) in by_function.items():
        print(f"  {name:22s} {accuracy:.2f}  (n={n})")
    assert best is not None
    c, _, threshold = best
    clf = _fit(vstack([x_hc, x_other]).tocsr(), np.concatenate([y_hc, y_other]), c)
    model = HashedLinearModel(
        name=f"abuse-{args.offensive}-C{c:g}",
        coef=clf.coef_.ravel().astype(np.float32),
        intercept=float(clf.intercept_[0]),
        threshold=threshold,
    )
    model.save(args.out)
    stamp(args.out, "training/train_abuse.py", DATASETS, args.data)
    print(
        f"saved {args.out} (all HateCheck train templates, C={c:g}, threshold {threshold:.2f}, "
        f"{args.out.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
