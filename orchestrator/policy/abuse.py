"""Abuse detection: insults, hate and threats aimed at a person or group, told apart from mere profanity.

"This f***ing thing won't charge" is profane, not abusive; "you're a useless idiot" and "I'll find you" are
abusive. Rules catch abuse aimed at the agent (second-person insults, "fuck you", threats) in English and
French; a trained hashed-n-gram model (`models/abuse.npz`, see `training/train_abuse.py`) catches hate
against groups. `AbuseCheck` never blocks: it records the count that the escalation flow turns into warnings.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ..blocking import blocking
from ..hooks import InputVerdict, TurnContext
from .abuse_markers import (
    hostile_word_found,
    is_known_word,
    load_word_counts,
    split_run_together,
    structure_markers,
    talks_about_speech,
)
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


# --- normalisation: censored and obfuscated spellings back to words -------------------------------------------

_VOCABULARY = (
    "motherfucker motherfucking fucking fucker fucked fuck shitty bullshit shithead shit bitches bitch asshole "
    "arsehole bastard goddamn damn crap pissed piss dickhead dick cunt twat wanker prick slut whore idiot moron "
    "stupid retard hate kill die"
).split()
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_MASKED = re.compile(r"\b[a-z]+[*#%@$!0-9]+[a-z][a-z*#%@$!0-9]*|\b[a-z]+\*{2,}|(?<!\w)\$[a-z]{2,}")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_ENTITY = re.compile(r"&#?\w+;")
_RETWEET = re.compile(r"\brt\b")
_SPACED = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def _unmask(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.isdigit() or not any(c.isalpha() for c in token):
        return token
    leet = token.translate(_LEET)
    if leet.isalpha():
        return leet
    # Symbols stand for hidden letters: "f***ing" -> f...ing -> "fucking", "sh!t" -> "shit", "f*ck" -> "fuck".
    pattern = re.compile(
        "".join(f"[a-z]{{1,{len(run)}}}" if not run.isalpha() else run for run in re.findall(r"[a-z]+|[^a-z]+", token))
        + "$"
    )
    for word in _VOCABULARY:
        if pattern.match(word):
            return word
    return token


def normalize_abuse_text(text: str) -> str:
    """The text as rules and model see it: lower case, with obfuscated spellings restored.

    Censored ("f***ing", "sh!t"), leet ("h4te") and spaced ("h a t e") spellings become words; URLs, @handles
    and HTML entities are dropped. Shared by training and inference.
    """
    lowered = _ENTITY.sub(" ", text.lower().translate(_APOSTROPHES))
    lowered = _RETWEET.sub(" ", _HANDLE.sub(" ", _URL.sub(" ", lowered)))
    lowered = _MASKED.sub(_unmask, lowered)
    lowered = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), lowered)
    return " ".join(lowered.split())


# --- model input: the normalised text plus marker tokens from small lexicons -------------------------------------

_IDENTITY = re.compile(
    r"\b(?:wom[ae]n|girls|females?|men|muslims?|islam\w*|jews?|jewish|christians?|catholics?|hindus?|sikhs?|"
    r"atheists?|blacks|black (?:people|persons?|m[ae]n|wom[ae]n|guys?|folks?|kids|neck|skin)|whites|white (?:people|"
    r"folks)|asians?|chinese|mexicans?|latin[oa]s?|hispanics?|arabs?|africans?|indians?|immigrants?|migrants?|"
    r"refugees?|foreigners?|gays?|lesbians?|homosexuals?|bisexuals?|queers?|trans|transgender\w*|disabled|"
    r"handicapped|cripples?|deaf|blind|autistic|elderly|old people|gypsies|roma)\b"
)
_SLUR = re.compile(
    r"\b(?:nigg\w*|negro\w*|fag|fags|faggot\w*|dyke\w*|tranny|trannies|she ?males?|muzzie\w*|mong|mongs|retards?|"
    r"jihadis?|cripples?|wet backs?|"
    r"spastics?|spaz|kikes?|chinks?|gooks?|wetbacks?|spics?|beaners?|towelheads?|ragheads?|coons?|paki|pakis|"
    r"sand ?niggers?|camel ?fuckers?|rapefugees?|gyps(?:y|ies)|cunts?|sluts?|whores?|hoes?|bitch\w*|thots?)\b"
)
_NEGATIVE = re.compile(
    r"\b(?:disgust\w*|contempt\w*|vermin|scum\w*|trash|garbage|rubbish|animals?|sub-?humans?|plague|parasites?|"
    r"cockroach\w*|rats|pigs|apes|monkeys?|filth\w*|dirty|inferior|worthless|pathetic|stupid\w*|dumb\w*|idiots?|evil|violent|cruel\w*|"
    r"criminals?|savages?|monsters?|disease\w*|cancer|worst|lesser|useless|waste|burden|ugly|gross|repuls\w*|"
    r"revolt\w*|sicken\w*|vile|despicable|horrible|awful|nasty|rats?|dangerous|terrorists?|freaks?|abominations?|retard\w*|shitty|assholes?|bastards?|"
    r"pricks?|dickheads?|morons?|liars?|thieves|lazy|primitive|backwards|brainless|ignorant|incompetent|landfill|"
    r"cages?|caged|zoo|sewer|gutter|dirt|insects?|dogs|nothing but|no place|not human|less than human|mistake|"
    r"annoying|pests?|nuisance|hopeless|losers?|clowns?|jokes?|sick|crazy|nuts|frauds?)\b"
)
_HATE_VERB = re.compile(
    r"\b(?:hate|hated|hates|hating|hatred|despise\w*|loath\w*|detest\w*|abhor\w*|scorn\w*|rage|fury|revuls\w*|"
    r"repugnan\w*|can't bear|cannot bear|fills? me with|makes? me sick|can't stand|cannot stand|sick of|"
    r"kill\w*|murder\w*|exterminat\w*|eradicat\w*|slaughter\w*|shoot|shot|hang|hanged|lynch\w*|gas|gassed|"
    r"burn|burned|deport\w*|kick (?:them )?out|get rid of|wipe (?:them )?out|lock\w* up|execut\w*|death to|die|"
    r"dead|hurt|rape\w*|tortur\w*|suffer|beat|don't belong|do not belong|go back|should not be allowed|"
    r"shouldn't be allowed|put an end to|dumped|removed|banned|punch\w*|stab\w*|strangl\w*|drown\w*|snap|cut)\b"
)
_POSITIVE = re.compile(
    r"\b(?:love|loved|lovely|happy|great|beautiful|amazing|wonderful|heroes|hero|respect\w*|support\w*|welcome|"
    r"proud|gorgeous|brilliant|talented|kind|smart|admire|adore|fantastic|valued|valuable|deserve (?:the same|"
    r"equal|respect)|equal|inspiring|strong|brave|blessing|worth so much|glad|thank\w*|appreciate\w*|enjoy\w*|"
    r"honou?r\w*|cherish\w*|celebrat\w*|protect\w*|treasure\w*|awesome|incredible|caring|generous|grateful|"
    r"lucky|best|excellent|precious|beloved|cool|fun|funny|pretty|cute|fresh|genius|queens?|kings?|smile\w*|"
    r"embrac\w*|hug\w*|help (?:out|them)|look up to|date|dating|marry|married|friends?|welcom\w*|kindness|"
    r"wonderful|lovely|delight\w*|joy\w*|inspir\w*|valu\w*|deserv\w* (?:better|love|respect|the best))\b"
)
_HOSTILE = (_NEGATIVE, _HATE_VERB, _SLUR)
_YOU_GROUP = re.compile(r"\byou (?:\w+ )?" + _IDENTITY.pattern.removeprefix(r"\b"))
"""A group addressed as "you ..." ("you immigrants keep ..."): rarely friendly in this data."""
_QUOTED = re.compile(r'"[^"]{3,}"|\u201c[^\u201d]{3,}\u201d')
_NEGATION = re.compile(r"\b(?:not|never|no|nobody|none|nothing|cannot|without)\b|n't\b")
_COUNTER = re.compile(
    r"[\"\u201c\u201d]|\b(?:if you say|calling|call(?:ed)? (?:them|us|people)|saying|said|says|stop|wrong|bigots?|"
    r"bigotry|racis[tm]|sexis[tm]|hateful|homophob\w*|transphob\w*|unacceptable|disagree|claims?|tweet|posts?|"
    r"quote|(?<!into )words|shows? how|condemn\w*|report\w*)\b"
)
_SECOND = re.compile(r"\b(?:you|your|u|ya|yours|yourself|y'all)\b")
_THIRD = re.compile(r"\b(?:he|she|him|her|his|hers|himself|herself)\b")
_PEOPLE = re.compile(
    r"\b(?:people|persons|guys|folks|workers|employees|staff|agents|managers|doctors|nurses|teachers|police|cops|"
    r"lawyers|politicians|bankers|drivers|couriers|waiters|butchers|bakers|consultants|students|kids|members|fans|"
    r"voters|landlords|tourists|vegetarians|vegans|capitalists|communists|nazis|sexists|racists|homophobes|"
    r"\w+(?:ers|ors|ists|ians)(?= (?:are|is|should|must|deserve)))\b"
)
_LEXICON = sorted(
    set(
        "hate hatred disgusting disgusted despise kill murder trash scum vermin stupid pathetic worthless "
        "filthy women muslims immigrants refugees disabled people black trans gay lesbian jews animals "
        "parasites cockroaches subhuman idiots criminals inferior worst garbage hang shoot exterminate "
        "eradicate slaughter useless dangerous person persons never should deserve nothing threat suffer "
        "strangle fucked fucking disgust muslim immigrant woman lives contempt vile stab rape death hurt burn "
        "despicable executed execute cancer revolting repulsive disgrace plague disease rats savages terrorists "
        "monsters freaks filth dirty lesser beings abhor loathe detest scumbags idiot moron retarded executed "
        "murdered killed slaughtered lynched hanged shot deported gassed burned tortured raped drowned beaten "
        "deserve deserves valuable worth human humans nature behaviour typical".split()
    ),
    key=lambda word: (-len(word), word),
)
_SPLIT_WORDS = tuple(
    w for w in _LEXICON if len(w) >= 4 and w not in {"trans", "black", "person", "never", "human", "worth", "nature"}
)


def _near(token: str, word: str) -> bool:
    """One deletion, insertion or adjacent swap apart (the typos of obfuscated abuse: "hatred" -> "hatrd")."""
    if token == word or abs(len(token) - len(word)) > 1 or token[0] != word[0]:
        return False
    if len(token) == len(word):
        diffs = [i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b]
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and token[diffs[0]] == word[diffs[1]]
            and (token[diffs[1]] == word[diffs[0]])
        )
    short, long_ = (token, word) if len(token) < len(word) else (word, token)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=4096)
def _repair(token: str) -> str:
    """A misspelt or run-together lexicon word put right ("haet" -> "hate", "ihate" -> "i hate").

    Remembered per token (a scan of the whole lexicon; a turn repairs the same message's words several times).
    """
    if token.endswith("'s") and len(token) > 2:
        return _repair(token[:-2]) + "'s"
    leet = token.translate(_LEET)
    if leet != token and leet.isalpha():  # "muzzi3", "5cum": the masking pattern wants letters on both sides
        if _SLUR.fullmatch(leet) or _IDENTITY.fullmatch(leet) or leet in _LEXICON:
            return leet
        if len(leet) >= 4 and (is_known_word(leet) or _repair(leet) != leet):
            return _repair(leet)
    if len(token) < 4 or token in _LEXICON or is_known_word(token):
        return token
    for word in _LEXICON:
        if len(word) >= 4 and _near(token, word):
            return word
    if len(token) >= 5:
        for word in _SPLIT_WORDS:
            if token.startswith(word) and is_known_word(token[len(word) :]):
                return f"{word} {token[len(word) :]}"
            if token.endswith(word) and (token[: -len(word)] in ("i", "a") or is_known_word(token[: -len(word)])):
                return f"{token[: -len(word)]} {word}"
    return token


_WORD = re.compile(r"[^\s.,;:!?\"()]+")
_RUN = re.compile(r"(?<![\w'])[a-z]{6,24}(?![\w'])")


_SPACED_SHORT = re.compile(r"(?<!\S)[a-z] [a-z] [a-z](?!\S)")


def _join_short(match: re.Match[str]) -> str:
    """Three spaced letters joined when they spell a slur or group ("f a g"); "u r a" and the like stay apart."""
    joined = match.group(0).replace(" ", "")
    return joined if _SLUR.fullmatch(joined) or _IDENTITY.fullmatch(joined) else match.group(0)


def _split_run(match: re.Match[str]) -> str:
    return split_run_together(match.group(0))


def model_text(text: str) -> str:
    """The abuse model's input: `normalize_abuse_text` with typos of key words repaired, plus marker tokens.

    The markers (identity term, slur, negative word, hate verb, praise, negation, counter-speech, person
    references, and their co-occurrences) give the linear model conjunctions it cannot form from n-grams.
    """
    normalized = _RUN.sub(_split_run, _WORD.sub(lambda m: _repair(m.group(0)), normalize_abuse_text(text)))
    normalized = _SPACED_SHORT.sub(_join_short, normalized)
    found = {
        "id": bool(_IDENTITY.search(normalized)),
        "slur": bool(_SLUR.search(normalized)),
        "neg": bool(_NEGATIVE.search(normalized)),
        "verb": bool(_HATE_VERB.search(normalized)),
        "pos": bool(_POSITIVE.search(normalized)),
        "not": bool(_NEGATION.search(normalized)),
        "ctr": bool(_COUNTER.search(normalized)),
        "you": bool(_SECOND.search(normalized)),
        "third": bool(_THIRD.search(normalized)),
        "people": bool(_PEOPLE.search(normalized)),
    }
    hostile = found["neg"] or found["verb"] or found["slur"] or hostile_word_found(normalized)
    outside = _QUOTED.sub(" ", normalized)  # hostility only inside quotation marks is quoted, as counter-speech does
    quoted_only = (
        hostile
        and outside != normalized
        and not any(p.search(outside) for p in _HOSTILE)
        and not hostile_word_found(outside)
    )
    target = found["id"] or found["people"] or found["you"] or found["third"]
    markers = [f"zz{name}" for name, hit in found.items() if hit]
    combos = {
        "zzidhostile": found["id"] and hostile,
        "zzidhostilenot": found["id"] and hostile and found["not"],
        "zzidhostilectr": found["id"] and hostile and found["ctr"],
        "zzidpos": found["id"] and found["pos"] and not hostile,
        "zzidplain": found["id"] and not hostile,
        "zzpeoplehostile": found["people"] and hostile,
        "zzthirdhostile": found["third"] and hostile,
        "zzyouhostile": found["you"] and hostile,
        "zzyouhostilenot": found["you"] and hostile and found["not"],
        "zzhostilenotarget": hostile and not target,
        "zzquotedhostile": quoted_only,
        "zzyougroup": bool(_YOU_GROUP.search(normalized)),
    }
    markers += [name for name, hit in combos.items() if hit]
    markers += structure_markers(
        normalized,
        identity=found["id"],
        target=target,
        hostile=hostile,
        slur=found["slur"],
        positive=found["pos"],
        quoted=outside != normalized,
    )
    if outside != normalized and len(outside.split()) >= 3 and talks_about_speech(outside):
        # Words quoted in a rebuke are mentioned, not used: the n-grams see a placeholder, the markers the words.
        normalized = _QUOTED.sub(" zzquote ", normalized)
    return f"{normalized} {' '.join(markers)}".strip()


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
        if load_word_counts.cache_info().currsize == 0:  # a 5 MB file: read in a worker thread, once
            await blocking(load_word_counts)
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
