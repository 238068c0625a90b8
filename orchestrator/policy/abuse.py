"""Abuse detection: insults, hate and threats aimed at a person or group, told apart from mere profanity.

"This f***ing thing won't charge" is profane, not abusive; "you're a useless idiot" and "I'll find you" are
abusive. Rules catch abuse aimed at the agent (second-person insults, "fuck you", threats) in English and
French; a trained hashed-n-gram model (`models/abuse.npz`, see `training/train_abuse.py`) catches hate
against groups, reading the text `abuse_text.model_text` builds. `AbuseCheck` never blocks: it records the
count that the escalation flow turns into warnings.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache

from ..hooks import InputVerdict, TurnContext
from .abuse_text import model_text, normalize_abuse_text
from .textclf import HashedLinearModel
from .topic import is_french
from .weights import MODELS_DIR, existing

__all__ = [
    "ABUSE_WARNING_1",
    "ABUSE_WARNING_2",
    "AbuseCheck",
    "AbuseVerdict",
    "MODEL_PATH",
    "abuse_response",
    "classify_abuse",
    "decide_abuse",
    "model_text",
    "normalize_abuse_text",
]

logger = logging.getLogger(__name__)

MODEL_PATH = MODELS_DIR / "abuse.npz"

ABUSE_WARNING_1 = "I understand your frustration. I'm here to help, but I ask that you remain respectful."
ABUSE_WARNING_2 = (
    "I want to help you, but I need our conversation to stay respectful. "
    "Would you like me to connect you with a supervisor?"
)
_FRENCH_WARNINGS = (
    "Je comprends votre frustration. Je suis là pour vous aider, mais je vous demande de rester respectueux.",
    "Je veux vous aider, mais notre conversation doit rester respectueuse. "
    "Souhaitez-vous que je vous mette en relation avec un responsable ?",
)


@dataclass(frozen=True)
class AbuseVerdict:
    """Whether a message attacks someone, and whether it swears."""

    abusive: bool
    """Insults, hate or threats aimed at a person or group (the agent included)."""
    profane: bool
    """Contains swear words (censored forms included), whether or not aimed at anyone."""
    score: float
    """0..1: the model's abuse probability, or the rule's confidence when a rule decided."""
    reason: str
    """A short machine-readable explanation (rule or model name); never the message text."""


def abuse_response(count: int, french: bool = False) -> str | None:
    """The reply to the `count`-th abusive message of a conversation.

    Returns:
        Warning 1 for the first, warning 2 (with a supervisor offer) for the second, None from the third on
        (automatic escalation takes over) and for counts below 1.
    """
    if count < 1 or count > 2:
        return None
    if french:
        return _FRENCH_WARNINGS[count - 1]
    return ABUSE_WARNING_1 if count == 1 else ABUSE_WARNING_2


# --- rules ------------------------------------------------------------------------------------------------------


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_PROFANITY = _rx(
    r"\b(?:motherfuck\w*|fuck\w*|f\*+\w*|wtf|stfu|fml|shit\w*|bullshit|goddamn\w*|damn\w*|dammit|bloody|crap\w*|"
    r"piss\w*|ass|asses|asshole\w*|arsehole\w*|bastard\w*|bitch\w*|dick|dicks|dickhead\w*|cunt\w*|twat\w*|"
    r"wanker\w*|bollocks|bugger|prick\w*|slut\w*|whore\w*|jackass|dumbass|the hell|bloody hell|hell no|go to hell|"
    r"putain|merde\w*|bordel|chier|foutu\w*|connard\w*|connasse|salaud|salope|enculé\w*|ta gueule)\b"
)
_INSULT = (
    r"(?:idiot|idiots|moron|morons|imbecile|imbeciles|retard|retards|retarded|loser|losers|clown|clowns|fool|fools|"
    r"jerk|jerks|scum|scumbag|scumbags|trash|garbage|asshole|assholes|arsehole|bastard|bastards|bitch|bitches|"
    r"dickhead|dickheads|dick|prick|pricks|cunt|cunts|twat|twats|wanker|wankers|dumbass|jackass|pig|pigs|"
    r"piece of (?:shit|crap|garbage|trash)|waste of (?:space|oxygen)|useless|stupid|dumb|pathetic|worthless|"
    r"brainless|clueless|incompetent|ignorant|subhuman|animals?|vermin|parasites?)"
)
_FILLER = (
    r"(?:(?:such|so|a|an|the|just|really|completely|totally|absolutely|fucking|fuckin|bloody|damn|goddamn|freaking|"
    r"effing|utter|complete|total|absolute|little|big|bunch of|lot of|all|nothing but|the most|most)\s+)"
)
_SECOND_PERSON_INSULT = _rx(
    r"\b(?:you(?:'re| are| r)?|u r|ur|youre|ya|you guys(?: are)?|you people(?: are)?|y'all(?: are)?|"
    r"your (?:agents?|staff|team|people|employees) (?:are|is))\s+" + _FILLER + r"{0,4}" + _INSULT + r"\b"
    r"|\b(?:stupid|dumb|useless|incompetent|worthless|pathetic|fucking|bloody) (?:idiot|moron|bot|robot|machine|"
    r"clown|bitch|bastard|asshole|loser|cunt)s?\b(?! of)"
)
_DIRECT_ATTACK = _rx(
    r"\b(?:fuck|screw|damn|f) (?:you|u|ya|yourself|yourselves|off you)\b"
    r"|(?:^|[.!?]\s*)(?:just |oh |now |please |so )?(?:fuck off|piss off|get lost|go to hell|go fuck yourself|"
    r"go die|drop dead|kill yourself|kys|shut (?:the fuck |the hell )?up|eat shit|suck my)\b"
)
_THREAT = _rx(
    r"\bi(?:'ll| will|'m going to|'m gonna| am going to| am gonna| gonna| wanna| want to| swear i'll)\s+"
    r"(?:\w+\s+)?(?:find|kill|hurt|murder|shoot|stab|beat|punch|hunt|track|come for|come after|destroy|end|"
    r"strangle|smash|slap|choke|burn)\s+(?:you|u|ya|your|him|her|them|the agent|whoever)\b"
    r"|\bi know where you (?:live|work|are)\b|\bwatch your back\b|\byou(?:'re| are) (?:dead|going to die|gonna die)\b"
    r"|\b(?:you|u) (?:should|deserve to|need to|better|will|are going to) (?:die|be shot|be killed|burn)\b"
    r"|\bi hope you (?:die|get cancer|rot|burn|get hurt)\b"
)
_FRENCH_ABUSE = _rx(
    r"\b(?:t'es|tu es|vous êtes|espèce d(?:e |'))\s*(?:(?:un|une|vraiment|complètement|trop|des|sale|gros|grosse|"
    r"putain de)\s+){0,3}(?:connard|connasse|con|conne|salaud|salope|enculé|abruti|crétin|débile|imbécile|idiot|"
    r"idiote|nul|nulle|nuls|incompétent|incompétente|incapable|minable|merde)s?\b"
    r"|\b(?:va te faire foutre|allez vous faire foutre|ta gueule|fermez? (?:ta|votre) gueule|va chier|nique ta mère|"
    r"je t'emmerde|je vous emmerde)\b"
    r"|\bje (?:vais|vas) (?:te|vous) (?:tuer|retrouver|buter|frapper|défoncer|casser la gueule)"
    r"|\bje sais où (?:tu habites|vous habitez)"
)
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rule:threat", _THREAT),
    ("rule:direct-attack", _DIRECT_ATTACK),
    ("rule:insult", _SECOND_PERSON_INSULT),
    ("rule:french", _FRENCH_ABUSE),
)


@cache
def _load_model() -> HashedLinearModel:
    model = HashedLinearModel.load(existing(MODEL_PATH))
    logger.debug("loaded abuse model %s (threshold %.3f)", model.name, model.threshold)
    return model


def decide_abuse(text: str, probability: float | None, threshold: float) -> AbuseVerdict:
    """The decision from the rules and a given model probability (pure; `classify_abuse` supplies it).

    Args:
        text: the customer's message.
        probability: the model's P(abusive) for `model_text(text)`; None to apply the rules alone. Ignored for
            French text (the model is English-only).
        threshold: the probability at and above which the model alone calls a message abusive.
    """
    if probability is not None and is_french(text):
        probability = None
    normalized = normalize_abuse_text(text)
    profane = bool(_PROFANITY.search(normalized))
    for name, pattern in _RULES:
        if pattern.search(normalized):
            return AbuseVerdict(True, profane, max(0.95, probability or 0.0), name)
    if probability is not None and probability >= threshold:
        return AbuseVerdict(True, profane, probability, "model:abuse")
    return AbuseVerdict(False, profane, probability or 0.0, "model:abuse" if probability is not None else "rules-only")


def classify_abuse(text: str, *, threshold: float | None = None) -> AbuseVerdict:
    """Decide whether a customer message is abusive (aimed at someone) and whether it is profane.

    Args:
        text: the customer's message.
        threshold: override the model's tuned probability threshold.
    """
    if is_french(text):  # the model is trained on English; French abuse is the rules' job
        return decide_abuse(text, None, 1.0)
    model = _load_model()
    limit = threshold if threshold is not None else model.threshold
    return decide_abuse(text, model.probability(model_text(text)), limit)


class AbuseCheck:
    """Input check that never blocks: it counts abusive messages in `ctx.flags` for the escalation flow.

    Flags written: `abuse_count` (int, abusive messages so far), `last_abuse` and `last_profane` (bool, for
    the latest message).
    """

    def __init__(self, *, threshold: float | None = None) -> None:
        """Build the check.

        Args:
            threshold: override the model's tuned probability threshold.
        """
        self.threshold = threshold

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        """Classify the message and record the outcome; always allows it through."""
        verdict = classify_abuse(text, threshold=self.threshold)
        previous = ctx.flags.get("abuse_count", 0)
        count = previous if isinstance(previous, int) else 0
        if verdict.abusive:
            count += 1
            logger.info("abusive message %d in conversation %s (%s)", count, ctx.conversation_id, verdict.reason)
        ctx.flags["abuse_count"] = count
        ctx.flags["last_abuse"] = verdict.abusive
        ctx.flags["last_profane"] = verdict.profane
        return InputVerdict()
