# scikit-learn and scipy ship no type information: their call results are untyped here.
# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""Sentiment of each customer message: a local scorer (VADER plus a trained correction, plus rules) and Claude.

`score_local` is pure and always available: VADER's compound score and hashed n-grams feed a ridge regressor
trained on the train splits of the VADER human-rated ground truth (`training/train_sentiment.py`), and
regular expressions flag explicit requests for a human and threats. `ClaudeSentimentScorer` (in
`sentiment_claude.py`) asks the fast model for the same `{score, escalation_trigger, reason}` through a strict
tool schema and falls back to the local scorer on any failure.
"""

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .hashing import N_FEATURES, hashed
from .textclf import featurize
from .weights import MODELS_DIR, existing

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "LABEL_THRESHOLD",
    "Label",
    "LocalSentimentModel",
    "MODEL_PATH",
    "Reason",
    "Sentiment",
    "Source",
    "Trend",
    "design_matrix",
    "label_for",
    "prepare_text",
    "score_local",
    "sentiment_of",
    "trend",
    "trigger_reason",
]

logger = logging.getLogger(__name__)

Label = Literal["negative", "neutral", "positive"]
Source = Literal["local", "claude"]
Trend = Literal["stable", "improving", "deteriorating"]
Reason = Literal["none", "explicit_human_request", "threat"]
"""Why a message triggers an escalation on its own (`none`: it does not)."""

MODEL_PATH = MODELS_DIR / "sentiment.npz"
LABEL_THRESHOLD = 0.15
"""Scores within ±0.15 (about ±0.6 on the human -4..4 scale) are `neutral`."""
KNOTS = np.array([-0.9, -0.7, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.7, 0.9])
"""Hinge knots on VADER's compound score: the correction learns a piecewise-linear recalibration of it."""


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one customer message."""

    score: float
    """-1 (very negative) .. 1 (very positive); roughly the human -4..4 rating divided by 4."""
    escalation_trigger: bool = False
    """True when this message alone calls for a human (explicit request, threat)."""
    reason: str = "none"
    label: Label = "neutral"
    source: Source = "local"

    def __post_init__(self) -> None:
        if not -1.0 <= self.score <= 1.0:
            raise ValueError(f"sentiment score {self.score} is outside [-1, 1]")


def label_for(score: float) -> Label:
    """`negative` below -LABEL_THRESHOLD, `positive` above +LABEL_THRESHOLD, else `neutral`."""
    if score < -LABEL_THRESHOLD:
        return "negative"
    if score > LABEL_THRESHOLD:
        return "positive"
    return "neutral"


def sentiment_of(score: float, reason: Reason, source: Source) -> Sentiment:
    """A `Sentiment` for `score` (clamped to [-1, 1], rounded) and the trigger `reason`."""
    score = round(min(1.0, max(-1.0, score)), 4)
    return Sentiment(score, reason != "none", reason, label_for(score), source)


# --- rules: explicit requests for a human, threats -------------------------------------------------------------

_WHO = (
    r"(?:(?:a|an|the|some|your|one\s+of\s+your)\s+)?(?:(?:real|live|actual|human)\s+)?"
    r"(?:human(?:\s+being)?|person|agent|representative|rep|manager|supervisor|someone|somebody|operator"
    r"|customer\s+service\s+(?:rep|agent|representative))\b"
)
_WHO_STRICT = (
    r"(?:(?:a|an|the|your)\s+)?(?:(?:real|live|actual)\s+)?"
    r"(?:human(?:\s+being)?|real\s+person|live\s+person|agent|representative|manager|supervisor|operator)\b"
)
_QUI = (
    r"(?:(?:un|une|le|la|l'|votre|un\s+vrai|une\s+vraie|vrai|vraie|quelqu'un|être)\s*)*"
    r"(?:humain|personne|conseill(?:er|ère)|agent|responsable|superviseur|manager|opérat(?:eur|rice))\b"
)
_HUMAN_REQUEST = [
    re.compile(p)
    for p in (
        r"\b(?:speak|talk|chat)(?:ing)?\s+(?:to|with)\s+" + _WHO,
        r"\b(?:get|give|put|transfer|connect|pass|escalate)\s+me\s+(?:to|with|through\s+to|over\s+to)\s+" + _WHO,
        r"\b(?:get|find|bring|fetch)\s+me\s+" + _WHO_STRICT + r"(?!'s)",  # "get me a manager right now"
        r"\b(?:i\s+(?:want|need|demand|would\s+like)|i'd\s+like|can\s+i\s+(?:have|get)|let\s+me\s+have)\s+"
        + _WHO_STRICT,
        r"\b(?:human|real\s+person|live\s+agent|agent|representative|operator)\s*,?\s*(?:please|pls|now)\b",
        r"^\W*(?:human|agent|representative|operator|real\s+person|live\s+agent|humain|conseiller)\W*$",
        r"\bescalate\s+(?:this|my\s+(?:case|issue|complaint|ticket))\b",
        r"\bparler\s+(?:à|a|avec)\s+" + _QUI,
        r"\b(?:je\s+(?:veux|voudrais|souhaite|demande|exige)|passez[- ]moi|mettez[- ]moi\s+en\s+relation\s+avec)\s+"
        + _QUI,
    )
]
_REQUEST_NEGATED = re.compile(r"\b(?:don't|do\s+not|doesn't|no\s+need|not|never|without|pas\s+besoin|pas|sans)\b")

_I_WILL = r"(?:i'll|i\s+will|i'm\s+(?:going\s+to|gonna)|i\s+am\s+(?:going\s+to|gonna)|i\s+shall|gonna|going\s+to)"
_THREAT = [
    re.compile(p)
    for p in (
        # legal action
        _I_WILL
        + r"\s+(?:\w+\s+){0,2}(?:sue|take\s+(?:legal\s+action|(?:you|you\s+guys|this|shopexpress)\s+to\s+court))",
        r"\b(?:sue|suing)\s+(?:you|your|shopexpress|the\s+company|this\s+company)\b",
        r"\b(?:lawsuit|legal\s+action|see\s+you\s+in\s+court|small\s+claims|class\s+action)\b",
        r"\b(?:my|our)\s+(?:lawyer|attorney|solicitor|legal\s+team)\b",
        r"\b(?:i'll|i\s+will|i'm|i\s+am|going\s+to|gonna)\s+(?:\w+\s+){0,2}(?:contact|call|get|involve|hire|consult"
        r"|speak\s+(?:to|with)|talk\s+(?:to|with))(?:ing)?\s+(?:a|an|my)\s+(?:lawyer|attorney|solicitor)\b",
        # regulators and consumer bodies
        r"\breport(?:ing)?\s+(?:you|this|it|your\s+(?:company|store|shop)|shopexpress|the\s+company)\s+to\s+(?:the\s+)?"
        r"(?:bbb|better\s+business\s+bureau|consumer\s+(?:protection|affairs|rights)|ftc|attorney\s+general"
        r"|trading\s+standards|authorities|police|regulators?)\b",
        r"\b(?:file|lodge|make|submit)\s+(?:a\s+)?(?:formal\s+)?complaint\s+(?:with|to)\s+(?:the\s+)?"
        r"(?:bbb|better\s+business\s+bureau|consumer|ftc|attorney\s+general|trading\s+standards|police)",
        # chargebacks
        r"\b(?:file|do|issue|initiate|request|open|start|filing|doing)\s+(?:a\s+)?charge\s*-?\s*back\b",
        _I_WILL + r"\s+(?:\w+\s+){0,4}charge\s*-?\s*back\b",
        r"\b(?:dispute|reverse)\s+(?:the|this|my|that)\s+(?:charge|payment|transaction)\s+(?:with|through)\s+"
        r"(?:my|the)\s+(?:bank|card|credit\s+card|card\s+issuer)\b",
        # harm
        _I_WILL + r"\s+(?:\w+\s+){0,2}(?:kill|hurt|beat\s+up|stab|shoot|punch|attack|come\s+after|burn\s+down"
        r"|blow\s+up)\s+(?:you|u|ya|your|them|him|her|everyone|the\s+(?:staff|driver|courier|agent|store|office))\b",
        r"\b(?:i'll|i\s+will)\s+find\s+you\b",
        r"\bi\s+know\s+where\s+you\s+(?:live|work)\b",
        r"\bwatch\s+your\s+back\b",
        r"\byou(?:'ll|\s+will)\s+(?:regret\s+(?:this|it)|pay\s+for\s+this)\b",
        # French
        r"\b(?:porter|déposer)\s+plainte\b",
        r"\bmon\s+avocat\b",
        r"\b(?:poursuivre|attaquer)\s+en\s+justice\b",
        r"\bje\s+vais\s+vous\s+(?:poursuivre|attaquer|tuer|frapper|retrouver)\b",
        r"\b(?:association\s+de\s+consommateurs|ufc[- ]que\s+choisir|dgccrf|rétrofacturation)\b",
        r"\bfaire\s+opposition\s+(?:sur|à)\s+(?:le|la|ce|cette|mon|ma)\s+(?:paiement|prélèvement|carte)",
    )
]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'").replace("`", "'")).strip()


def trigger_reason(text: str) -> Reason:
    """Whether the message alone calls for a human: a threat (legal, chargeback, harm) or an explicit request.

    A request preceded by a negation in the same clause ("I don't need to speak to a human") is not one;
    "I'll report the bug" is not a threat (reporting is a threat only to a regulator or the police).
    """
    norm = _normalise(text)
    if any(p.search(norm) for p in _THREAT):
        return "threat"
    for pattern in _HUMAN_REQUEST:
        for match in pattern.finditer(norm):
            clause = re.split(r"[.!?;,]", norm[max(0, match.start() - 30) : match.start()])[-1]
            if not _REQUEST_NEGATED.search(clause):
                return "explicit_human_request"
    return "none"


# --- French: a gloss into English words VADER knows ----------------------------------------------------------

_FRENCH_MARKERS = frozenset(
    "le la les un une des je j vous est et pas mon ma mes ne n ce ça c pour avec très merci bonjour depuis toujours "
    "suis avez commande colis reçu rien jamais votre mais aussi".split()
)
_GLOSS_PAIRS = (
    "pas=not jamais=never ne= n= rien=nothing aucun=no aucune=no sans=without mais=but très=very vraiment=really "
    "trop=too absolument=absolutely extrêmement=extremely merci=thanks génial=great géniale=great super=great "
    "parfait=perfect parfaite=perfect bien=good bon=good bonne=good content=happy contente=happy ravi=delighted "
    "ravie=delighted satisfait=satisfied satisfaite=satisfied top=great adore=love aime=like formidable=wonderful "
    "magnifique=beautiful efficace=efficient sympa=nice gentil=kind gentille=kind heureux=happy heureuse=happy "
    "impeccable=perfect nul=terrible nulle=terrible mauvais=bad mauvaise=bad horrible=horrible déçu=disappointed "
    "déçue=disappointed déception=disappointment inadmissible=unacceptable inacceptable=unacceptable "
    "scandale=outrageous scandaleux=outrageous honte=shameful honteux=shameful furieux=furious furieuse=furious "
    "énervé=annoyed énervée=annoyed fâché=angry fâchée=angry colère=angry marre=annoyed cassé=broken cassée=broken "
    "abîmé=damaged abîmée=damaged endommagé=damaged problème=problem retard=delay lent=slow pire=worst "
    "catastrophe=disaster catastrophique=disaster arnaque=scam escroquerie=scam escrocs=crooks voleurs=thieves "
    "inutile=useless incompétent=incompetent incompétents=incompetent ridicule=ridiculous triste=sad "
    "malheureusement=unfortunately merde=shit putain=damn bordel=damn connard=asshole idiot=idiot idiots=idiots "
    "aide=help urgent=urgent excellent=excellent "
)
"""French word=English gloss (an empty gloss drops the word, as for the `ne` of `ne ... pas`)."""
_GLOSS: dict[str, str] = {word: gloss for word, _, gloss in (pair.partition("=") for pair in _GLOSS_PAIRS.split())}
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")


def prepare_text(text: str) -> str:
    """The text VADER and the correction see: French messages glossed word by word into English."""
    tokens: list[str] = _TOKEN.findall(text)
    words = [t.lower() for t in tokens if t[0].isalnum()]
    hits = sum(w in _FRENCH_MARKERS for w in words)
    if not words or hits < min(2, len(words)):
        return text
    return "".join(_GLOSS.get(t.lower(), t) if t[0].isalnum() else t.replace("'", " ") for t in tokens)


# --- the local model -----------------------------------------------------------------------------------------


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BREAK = " XSEP XSEP XSEP "
"""VADER's negation looks three words back even across sentences ("Still nothing. This is unacceptable!" scored
positive); three neutral all-caps fillers after each sentence stop that without changing VADER's caps emphasis."""


def _vader(text: str) -> dict[str, float]:
    return _analyzer().polarity_scores(_SENTENCE_END.sub(_BREAK, text))


def _dense(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    rows: list[list[float]] = []
    for text in texts:
        scores = _vader(text)
        compound = scores["compound"]
        hinges = np.maximum(compound - KNOTS, 0.0).tolist()
        rows.append([compound, scores["pos"], scores["neg"], scores["neu"], *hinges])
    return np.array(rows, dtype=np.float64).reshape(len(texts), 4 + len(KNOTS))


def design_matrix(texts: Sequence[str]) -> "csr_matrix":
    """The features of the local model: `textclf.featurize` columns, then VADER's scores and compound hinges.

    Texts are used as given; `score_local` first glosses French messages (training data is English).
    """
    from scipy.sparse import csr_matrix, hstack  # on first use: scipy costs most of a second to import

    return csr_matrix(hstack([featurize(texts), csr_matrix(_dense(texts))]).tocsr())


@dataclass(frozen=True)
class LocalSentimentModel:
    """Ridge regression of the human rating / 4 on `design_matrix` features."""

    coef: npt.NDArray[np.float64]
    intercept: float
    center: float = 0.0
    gain: float = 1.0
    """Predictions are stretched around `center` by `gain` (chosen on validation so that their spread matches the
    human ratings': ridge regression shrinks towards the mean, and a furious message should reach -0.5)."""
    info: str = ""
    """How the weights were trained (data, split, hyper-parameters)."""

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores clipped to [-1, 1]."""
        if not texts:
            return np.zeros(0)
        raw = np.asarray(design_matrix(texts) @ self.coef + self.intercept, dtype=np.float64).ravel()
        return np.clip(self.center + self.gain * (raw - self.center), -1.0, 1.0)

    def predict_one(self, text: str) -> float:
        """The same score as `predict([text])`, without scikit-learn or scipy (`hashing.py`), about ten times faster."""
        raw = hashed(text).dot(self.coef) + float(_dense([text])[0] @ self.coef[2 * N_FEATURES :]) + self.intercept
        return min(1.0, max(-1.0, self.center + self.gain * (raw - self.center)))

    def save(self, path: Path) -> None:
        """Write the weights as a compressed `.npz` (n-gram weights as float16, VADER weights as float64)."""
        n_dense = 4 + len(KNOTS)
        np.savez_compressed(
            path,
            coef=self.coef[:-n_dense].astype(np.float16),
            dense_coef=self.coef[-n_dense:],
            knots=KNOTS,
            intercept=np.array([self.intercept]),
            calibration=np.array([self.center, self.gain]),
            info=np.array([self.info]),
        )

    @classmethod
    def load(cls, path: Path) -> "LocalSentimentModel":
        """Read weights written by `save`.

        Raises:
            ValueError: the file was trained with other VADER features than this code computes.
        """
        with np.load(path) as data:
            if not np.array_equal(data["knots"], KNOTS):
                raise ValueError(f"{path.name}: trained with other compound knots; retrain it")
            coef = np.concatenate([data["coef"].astype(np.float64), data["dense_coef"].astype(np.float64)])
            center, gain = (float(v) for v in data["calibration"])
            return cls(coef, float(data["intercept"][0]), center, gain, str(data["info"][0]))


@functools.cache
def _local_model() -> LocalSentimentModel:
    return LocalSentimentModel.load(existing(MODEL_PATH))


def score_local(text: str) -> Sentiment:
    """Score one customer message offline (about a millisecond; weights load once, on first use)."""
    reason = trigger_reason(text)
    if not text.strip():
        return sentiment_of(0.0, reason, "local")
    prepared = prepare_text(text)
    return sentiment_of(_local_model().predict_one(prepared), reason, "local")


def trend(scores: Sequence[float], *, threshold: float, window: int = 3) -> Trend | None:
    """How the customer's mood is moving over the last `window` messages (None with fewer than two scores).

    The product's one trend rule (hand-offs, tool fill, console); `threshold` is the policy's configured one.

    Rule: fit a least-squares line through the last `window` scores (all of them when fewer; at least two are
    needed) and take the change it predicts across those messages, slope x (n - 1). A change of at least
    +`threshold` is `improving`, at most -`threshold` is `deteriorating`, anything else `stable`.
    With three scores this is simply last - first.
    """
    recent = np.asarray(list(scores)[-max(window, 2) :], dtype=np.float64)
    if recent.size < 2:
        return None
    x = np.arange(recent.size, dtype=np.float64)
    slope = float(np.polyfit(x, recent, 1)[0])
    change = slope * (recent.size - 1)
    if change >= threshold - 1e-9:
        return "improving"
    if change <= -threshold + 1e-9:
        return "deteriorating"
    return "stable"


# --- Claude ---------------------------------------------------------------------------------------------------
