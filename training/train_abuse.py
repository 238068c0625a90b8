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
- about 800 synthetic sentences from the templates below (identity mentions that are neutral, positive or
  counter-speech; profane support complaints; abuse aimed at the agent).

Texts go through `orchestrator.policy.abuse.model_text` (as at inference). C and the threshold maximise the mean
of out-of-fold HateCheck accuracy and Davidson val accuracy (hate vs neither) among thresholds whose whole check
(rules + model, `decide_abuse`) flags at most `MAX_PROFANE_FP_VAL` of the profane-but-benign validation texts
(out-of-fold HateCheck profanity_nh, Bitext val W rows); the saved model is then fitted on all training data.
Deterministic: liblinear logistic regression and seeded synthetic slots.
"""

import argparse
import random
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
from training.provenance import stamp

DATASETS = ("bitext-customer-support", "davidson-hate-offensive", "hatecheck")
"""The `training/data_manifest.toml` entries this trainer reads."""

MAX_PROFANE_FP_VAL = 0.05
FOLDS = 5
FOLD_SEED = 99
SYNTH_SEED = 11

# Synthetic training sentences, written for this script (not taken from HateCheck): identity mentions that are
# neutral, positive or counter-speech (without them the model learns "mentions a group" = hate), profane
# support complaints (swearing at things, not people), and abuse aimed at the agent or at groups.
_GROUPS = (
    "women|men|Muslims|Jews|Christians|immigrants|refugees|gay people|lesbians|trans people|black people|white "
    "people|Asian people|Mexicans|disabled people|old people|Hindus|Catholics|Arabs|Latinos|Africans|Chinese people|"
    "Indians|foreigners|bisexual people|deaf people|blind people|atheists|Sikhs|Roma"
).split("|")
_PERSONS = (
    "a woman|a Muslim|a Jew|an immigrant|a gay man|a trans woman|a black man|a disabled person|an Asian woman|a "
    "refugee|a lesbian|an old man|a Hindu|a Mexican guy|a deaf person|a wheelchair user|a Catholic priest|an Arab"
).split("|")
_BENIGN_GROUP = (
    "{G} are beautiful|{G} are welcome here|I love working with {G}|many of my friends are {G}|{G} deserve "
    "respect|{G} have the same rights as everyone else|we should support {G}|{G} make our community stronger|I met "
    "some {G} at the conference|there are {G} in my class|{G} are people like everyone else|our team hired two {G} "
    "last month|{G} have contributed so much to this country|the documentary was about {G} in the 1950s|I read a "
    "book about {G} and their history|{G} still face a lot of discrimination|hate against {G} has to stop|I stand "
    "with {G}|the festival celebrates {G} and their culture|{G} are often treated unfairly|most {G} I know are "
    "kind|the survey asked {G} about their jobs|my city has many {G}|{G} are amazing|what do {G} eat for "
    "breakfast?|are there {G} in your team?|{G} are just as smart as anyone"
).split("|")
_BENIGN_PERSON = (
    "my neighbour is {g}|the new manager is {g}|I am {g} and I need help with my order|my wife is {g}|the "
    "delivery driver was {g} and very kind|my best friend is {g}|the author of this book is {g}|our doctor is {g}|"
    "as {g}, I found your shop easy to use|my daughter married {g}"
).split("|")
_NEGATIVE = "disgusting|vermin|stupid|criminals|animals|a plague|worthless|filthy|subhuman|parasites".split("|")
_COUNTER = (
    "calling {G} {N} is wrong|people who say {G} are {N} are bigots|it is hateful to say that {G} are {N}|I "
    "reported the post saying {G} are {N}|stop spreading lies about {G}|nobody should call {G} {N}|my uncle "
    "thinks {G} are {N} and it makes me sad|saying {G} are {N} is racist nonsense"
).split("|")
_NEGATED = (
    "I don't hate {G}|I do not think {G} are {N}|{G} are not {N}|{G} are never {N}|nobody should hate {G}|there is "
    "nothing wrong with {G}|I would never say that {G} are {N}|it is not true that {G} are {N}|I have nothing against "
    "{G}|{G} are no threat to anyone"
).split("|")
_COUNTER_REF = (
    "we need to stand up against hatred of {G}|attacks on {G} have to stop|the abuse {G} receive online is "
    "shocking|I am tired of seeing {G} insulted|violence against {G} is never acceptable|our school teaches kids to "
    "reject hate against {G}|reporting threats against {G} matters|the insults thrown at {G} online are disgraceful"
).split("|")
_HATE = (
    "{G} are {N}|all {G} should die|I hate {G}|{G} should be kicked out of this country|I will hurt the next one "
    "of those {G} I see|{G} are {N} and always will be|get rid of all {G}|{G} do not deserve to live|never trust "
    "{G}, they are {N}"
).split("|")
_SWEAR = "fucking|f***ing|fuckin|damn|goddamn|bloody|shitty|freaking|crappy|effing".split("|")
_THINGS = (
    "charger|order|package|app|website|headphones|laptop|delivery|refund|phone|printer|tracking page|checkout|"
    "coupon code|account"
).split("|")
_PROFANE_COMPLAINTS = (
    "this {S} {T} won't work|{S} {T} is broken again|where the fuck is my {T}?|what the hell is wrong with my "
    "{T}|damn it, the {T} is late again|this is shit service|your {S} {T} keeps crashing|I'm so pissed off, my "
    "{T} still hasn't arrived|fuck, I forgot my password|the {S} {T} arrived broken, I want a refund|holy shit "
    "the delivery was fast|{S} finally, the {T} arrived|this {T} is a piece of shit|why the fuck was I charged "
    "twice|the {T} is crap, I want my money back|sh!t, wrong address on my {T}|I'm sick of this {S} {T}|this "
    "is bullshit, my {T} is three weeks late|fix your {S} {T}|the {T} is total garbage"
).split("|")
_INSULTS = "idiot|moron|useless idiot|clown|piece of shit|incompetent fool|stupid bitch|worthless loser|asshole".split(
    "|"
)
_AGENT_ABUSE = (
    "you are a {I}|you're such a {I}|you stupid {I}|listen here you {I}|are you a {I} or what?|your agents are "
    "{I}s|fuck you and your {T}|I'll find you and make you pay|I know where your office is, watch out|you people are "
    "{I}s|shut up you {I}|go to hell, {I}|you deserve to be fired, you {I}|I hope you lose your job, {I}"
).split("|")

# Second batch (issue 16): the stances a bag of n-grams confuses, each written in several ways. Hostility that is
# negated, reported, condemned or questioned is not abuse; good things denied to a group, hate phrased as a
# question and hate against any group of people (not only protected ones: the product warns on both) are.
_OCCUPATIONS = (
    "plumbers|accountants|cyclists|landlords|bankers|lawyers|tourists|commuters|estate agents|referees|journalists|"
    "bus drivers|dentists|farmers|influencers|cops|politicians|tax inspectors|salesmen|hipsters|joggers|"
    "football fans|vegans|boomers|programmers|nurses|waiters|neighbours from upstairs|sales reps|surfers"
).split("|")
_SLURS = "faggot|dyke|tranny|retard|bitch|whore|slut|nigger|paki|spastic".split("|")
_NEGATED_HOSTILITY = (
    "I would never hurt {G}|no one should ever attack {G}|{G} should not be harmed in any way|we will not let "
    "anyone threaten {G}|there is no place for violence against {G}|I have never felt any hatred towards {G}|{G} "
    "must never be mistreated|I refuse to insult {G}|nobody deserves to be beaten for being one of the {G}|not "
    "a single one of the {G} I know deserves abuse|we should not allow {G} to be bullied|I don't wish any harm on "
    "{G}|none of us want {G} to suffer|I am not someone who despises {G}|no {G} should ever have to fear for their "
    "lives|you will never hear me say anything hateful about {G}"
).split("|")
_NEGATED_GOOD = (
    "{G} have no right to exist|{G} are not real people|{G} do not deserve any rights|I would never help any of "
    "those {G}|{G} are not worth saving|no {G} should be allowed to vote|{G} will never be equal to us|there is no "
    "room for {G} in this city|{G} are not welcome anywhere near here|I have no respect for {G} at all|{G} do not "
    "deserve to breathe the same air as us|nobody should trust {G}|{G} should never be allowed near children|the "
    "world would not miss {G}|{G} lives do not matter|{G} aren't even human"
).split("|")
_CONDEMNING = (
    "why do you keep calling {G} {N}?|you need to stop saying that {G} are {N}|your hatred of {G} is "
    "embarrassing|comments calling {G} {N} should be taken down|wishing death on {G} is disgusting behaviour|people "
    "who threaten {G} should face consequences|it's not okay to call me a {S}|I'm tired of hearing people say {G} "
    "are {N}|nobody deserves to be called a {S}|how can you say {G} are {N} and still call yourself a good "
    "person?|the way you talk about {G} as if they were {N} is shameful|posting that {G} should be killed got him "
    "arrested|my cousin calls {G} {N} and I always call him out|jokes about murdering {G} are not funny|if you "
    "threaten {G} online you should be banned|telling {G} they are {N} is a form of bullying|people calling me a {S} "
    "at school made me miserable|the hatred you show towards {G} says more about you than about them"
).split("|")
_QUOTING = (
    'he wrote "{G} are {N}" and got banned for it|statements like "{G} are {N}" are plain bigotry|my teacher said '
    '"{G} are {N}" and the whole class reported him|comments such as "I hate {G}" have no place here|someone '
    'sprayed "death to {G}" on the wall and the police are looking for them|she tweeted "{G} should all die", '
    'which is vile|what kind of person writes "kill all {G}"?|the sign said "no {G} allowed", which is illegal '
    'now|"{G} are {N}" is the kind of thing my racist uncle says|they chanted "{G} out" and the club banned them '
    "for life|calling someone a '{S}' is hate speech"
).split("|")
_GROUP_HATE = (
    "{P} are {N}|I hate {P}|death to all {P}|{P} should be locked up|I can't stand {P}, they are {N}|all {P} "
    "deserve to suffer|someone should shoot the next one of those {P}|{P} are the scum of the earth|I despise "
    "{P} with all my heart|{P} make me sick|I will beat up the next of those {P} I see|{P} are less than human"
).split("|")
_PERSON_HATE = (
    "I have nothing but hatred for you|you make me sick|she is disgusting|he deserves to suffer|I'd love to see you "
    "in pain|you are vile|he is a waste of space|I want to see her suffer|you are the worst person alive|she should "
    "be locked up and forgotten|I despise you more than anyone|you are nothing but filth|he is a pathetic excuse for "
    "a man|I will make you regret this|nobody will miss you when you're gone"
).split("|")
_QUESTION_HATE = (
    "why are {G} so {N}?|isn't it obvious that {G} are {N}?|who else thinks {G} should be deported?|don't you "
    "agree that {G} are {N}?|how can anyone stand {G}?|can we finally admit that {G} are {N}?|when will we get rid "
    "of {G} for good?|what is the point of {G} anyway?|why do we let {G} live here at all?|am I the only one who "
    "wants {G} gone?"
).split("|")
_EMOTION_HATE = (
    "I can't bear {G}|{G} fill me with disgust|{G} make me sick|I feel nothing but contempt for {G}|nothing is "
    "worse than {G}|I am repulsed by {G}|being near {G} makes my skin crawl|my blood boils when I see {G}|I feel "
    "pure rage whenever {G} are around|{G} are the lowest of the low"
).split("|")
_PRAISE = (
    "I'm proud of my friends who are {G}|{G} deserve all the best|we honour {G} for what they have given us|{G} "
    "are such caring people|I admire {G} so much|{G} have always been good neighbours|thank goodness for {G}|the "
    "world is better with {G} in it|{G} are brilliant at what they do|I'd love to get to know more {G}"
).split("|")
_RECLAIMED = (
    "I'm a proud dyke and I don't care who knows|we queers look after each other|me and my bitches had the best "
    "night|my nigga just got a new job, so proud of him|that's my nigga right there, love him|I'm queer and happy "
    "about it|we call ourselves queer because we own the word|I'm a bad bitch and I know it|I love my bitches, "
    "they always have my back|us dykes are having a picnic on Saturday|yeah I'm a fag, and I'm fabulous|my "
    "friends and I call each other bitch all the time, it's affectionate"
).split("|")


def _stance_examples(rng: random.Random) -> list[tuple[str, int]]:
    """The second batch above, filled in with a seeded choice of slots."""
    rows: list[tuple[str, int]] = []

    def fill(template: str, **slots: str) -> str:
        return template.format(N=rng.choice(_NEGATIVE), S=rng.choice(_SLURS), **slots)

    for template in (*_NEGATED_HOSTILITY, *_CONDEMNING, *_QUOTING, *_PRAISE):
        rows += [(fill(template, G=g), 0) for g in rng.sample(_GROUPS, 5)]
    for template in (*_NEGATED_GOOD, *_QUESTION_HATE, *_EMOTION_HATE):
        rows += [(fill(template, G=g), 1) for g in rng.sample(_GROUPS, 5)]
    for template in _GROUP_HATE:
        rows += [(fill(template, P=p), 1) for p in rng.sample(_OCCUPATIONS, 5)]
    rows += [(text, 0) for text in _RECLAIMED] + [(text, 1) for text in _PERSON_HATE]
    return rows


def synthetic_examples(seed: int = SYNTH_SEED) -> list[tuple[str, int]]:
    """The synthetic sentences above, filled in with a seeded choice of slots: (text, label) pairs."""
    rng = random.Random(seed)
    rows: list[tuple[str, int]] = []
    for template in _BENIGN_GROUP:
        rows += [(template.format(G=g), 0) for g in rng.sample(_GROUPS, 16)]
    for template in _BENIGN_PERSON:
        rows += [(template.format(g=g), 0) for g in rng.sample(_PERSONS, 12)]
    for template in _COUNTER:
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 0) for g in rng.sample(_GROUPS, 6)]
    for template in (*_NEGATED, *_COUNTER_REF):
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 0) for g in rng.sample(_GROUPS, 6)]
    for template in _HATE:
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 1) for g in rng.sample(_GROUPS, 6)]
    for template in _PROFANE_COMPLAINTS:
        rows += [(template.format(S=rng.choice(_SWEAR), T=rng.choice(_THINGS)), 0) for _ in range(6)]
    for template in _AGENT_ABUSE:
        rows += [(template.format(I=rng.choice(_INSULTS), T=rng.choice(_THINGS)), 1) for _ in range(5)]
    rows += _stance_examples(rng)
    return sorted(set(rows))


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
