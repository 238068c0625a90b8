"""What a bag of n-grams cannot see in a message about a group: scope, stance and run-together words.

The abuse model is linear over hashed n-grams, so it cannot tell "no woman deserves to die" from "women deserve
to die", nor a slur quoted in a rebuke from the same slur thrown. These helpers give it marker tokens for:
- negation scope: a "not", "never" or "no" that governs a hostile word ("I would never hurt ...") or a good one
  ("... have no right to live");
- counter-speech: hostility that is reported ("calling them ...", "posts like ..."), condemned ("... is hateful",
  "has to stop") or questioned;
- groups named by any plural noun of people ("traffic wardens", "all these gardeners"), which the identity lexicon
  does not list;
- slurs used about oneself or with praise (reclaimed use);
and `split_run_together` undoes deleted spaces ("hangall" -> "hang all") with the unigram counts the
`wordsegment` package ships (read from the installed package, on first use).
"""

import math
import re
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache

import numpy as np

__all__ = [
    "WordCounts",
    "hostile_word_found",
    "is_known_word",
    "load_word_counts",
    "split_run_together",
    "structure_markers",
]

_MIN_RUN = 6
_MAX_RUN = 24
_MIN_PIECE_COUNT = 500_000
"""A three-letter piece of a split word must be at least this common (of ~10^12 words)."""


class WordCounts(Mapping[str, float]):
    """Word -> count, in about a fifth of a dict's memory: sorted fixed-width bytes and a float64 array.

    The unigram list holds 333,000 lower-case ASCII words; as a dict of str and float it took about 37 MB in every
    process that classifies messages. Lookups are a binary search (`numpy.searchsorted`), the values exactly the
    file's.
    """

    def __init__(self, counts: Mapping[str, float]) -> None:
        words = sorted(counts)
        width = max((len(w) for w in words), default=1)
        self._words = np.array([w.encode("ascii") for w in words], dtype=f"S{width}")
        self._counts = np.array([counts[w] for w in words], dtype=np.float64)
        self._width = width

    def _index(self, word: str) -> int | None:
        if not word or len(word) > self._width or not word.isascii():
            return None
        key = word.encode("ascii")
        i = int(np.searchsorted(self._words, key))
        if i < len(self._words) and self._words[i] == key:
            return i
        return None

    def __getitem__(self, word: str) -> float:
        i = self._index(word)
        if i is None:
            raise KeyError(word)
        return float(self._counts[i])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._index(word) is not None

    def __iter__(self) -> Iterator[str]:
        return (w.decode("ascii") for w in self._words.tolist())

    def __len__(self) -> int:
        return len(self._words)


@cache
def load_word_counts() -> Mapping[str, float]:
    """English unigram counts from the `wordsegment` package's data file (about half a second, then kept)."""
    from wordsegment import Segmenter  # on first use: a 5 MB file read

    segmenter = Segmenter()
    counts: dict[str, float] = segmenter.parse(segmenter.UNIGRAMS_FILENAME)  # pyright: ignore[reportUnknownMemberType]
    return WordCounts(counts)


_SHORT_WORDS = frozenset("a i an as at be by do go he if in is it me my no of on or so to up us we".split())
_SUFFIXES = frozenset("ed er ers est ing ening ly ness ment ful less ism ist ity ous able ish ies".split())
_KNOWN_COUNT = 120_000
"""A word at least this common (typos of the unigram list's web text are rarer) is a word, not a typo."""


def is_known_word(word: str) -> bool:
    """Whether `word` is a common English word (so no typo to repair or run-together words to split)."""
    return load_word_counts().get(word, 0.0) >= _KNOWN_COUNT


_TOTAL_COUNT = 1_024_908_267_229.0
"""The number of words the unigram counts were taken from (wordsegment's `Segmenter.TOTAL`)."""


def _cost(piece: str, counts: Mapping[str, float], *, first: bool) -> float | None:
    """-log P(piece) as a word of English, or None when the piece is not a word a split may produce."""
    count = counts.get(piece)
    if count is None or (len(piece) < 3 and piece not in _SHORT_WORDS):
        return None
    if len(piece) == 3 and count < _MIN_PIECE_COUNT:  # rare three-letter fragments: "bulls" + "iht"
        return None
    if not first and piece in _SUFFIXES:  # "stupid" + "est" is one word, not two
        return None
    return math.log(_TOTAL_COUNT / count)


@lru_cache(maxsize=8192)
def split_run_together(word: str) -> str:
    """A run of letters that is no English word split into two or three that are ("peopledisgust").

    Returns the word unchanged when it is a known word, too short or long, or has no split into common words.
    The split with the highest product of unigram frequencies wins.
    """
    if not (_MIN_RUN <= len(word) <= _MAX_RUN) or not word.isalpha():
        return word
    counts = load_word_counts()
    if word in counts:
        return word
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(1, len(word)):
        head = _cost(word[:i], counts, first=True)
        if head is None:
            continue
        rest = word[i:]
        tail = _cost(rest, counts, first=False)
        if tail is not None and (best is None or head + tail < best[0]):
            best = (head + tail, (word[:i], rest))
        for j in range(1, len(rest)):
            if min(j, len(rest) - j) < 4 and not {rest[:j], rest[j:]} & _SHORT_WORDS:
                continue  # three pieces only with a long or a function word on each side: not "des pic ble"
            middle, last = _cost(rest[:j], counts, first=False), _cost(rest[j:], counts, first=False)
            if middle is not None and last is not None:
                # A third piece costs one more word's improbability, so two pieces win when both fit.
                total = head + middle + last
                if best is None or total < best[0]:
                    best = (total, (word[:i], rest[:j], rest[j:]))
    return " ".join(best[1]) if best else word


# --- lexicons (single words, matched against whole tokens) --------------------------------------------------

_HOSTILE_WORD = re.compile(
    r"(?:hat(?:e|ed|es|ing|red)|despis\w*|loath\w*|detest\w*|abhor\w*|kill\w*|murder\w*|exterminat\w*|"
    r"eradicat\w*|slaughter\w*|shoot\w*|shot|hang\w*|lynch\w*|gas(?:sed)?|burn\w*|deport\w*|execut\w*|die|dies|"
    r"dead|death|hurt\w*|harm\w*|attack\w*|abus\w*|rap(?:e|ed|es|ing)|tortur\w*|suffer\w*|beat\w*|punch\w*|"
    r"stab\w*|strangl\w*|drown\w*|persecut\w*|discriminat\w*|mistreat\w*|threat\w*|violen\w*|disgust\w*|scum\w*|"
    r"vermin|trash|garbage|filth\w*|dirty|inferior|worthless|pathetic|stupid\w*|dumb\w*|idiots?|evil|cruel\w*|criminals?|"
    r"savages?|monsters?|parasites?|cockroach\w*|rats|pigs|apes|animals?|subhuman|plague|cancer|disease\w*|"
    r"lesser|useless|burden|ugly|gross|repuls\w*|revolt\w*|vile|dangerous|terrorists?|freaks?|despicable|"
    r"horrible|awful|nasty|rage|scorn\w*|contempt\w*|insects?|hostil\w*|insult\w*|slurs?|disgrac\w*|pests?|"
    r"swine|lowlifes?|degenerates?|perverts?|dirt|primitive|uncivili[sz]ed|barbari\w*|brutes?|beasts?|leeches|"
    r"maggots?|lice|virus|infest\w*|tumou?rs?|poison\w*|stains?|menace|thugs?|rapists?|thieves|psychopaths?|"
    r"abominations?|failures?|losers?|morons?|imbeciles?|retard\w*|ignorant|brainless|lazy|dishonest|liars?|"
    r"greedy|smelly|wicked|twisted|aggressive|eliminat\w*|wipe|expel\w*|cage[sd]?|hunt\w*|destroy\w*|"
    r"annihilat\w*|purg\w*|cleans\w*|crush\w*|kick\w*|slap\w*|assault\w*|injur\w*|maim\w*|butcher\w*|"
    r"massacr\w*|resent\w*|disdain\w*|nauseat\w*|sicken\w*|furious|fury|angry|bully\w*|bulli\w*|"
    r"harass\w*|oppress\w*|segregat\w*|enslav\w*|humiliat\w*|mock\w*|ridicul\w*|trash\w*)"
)


_HOSTILE_PHRASE = re.compile(
    r"\bworth (?:\w+ )?(?:nothing|less)\b|\bnothing (?:is )?worse than\b|\b(?:lowest|scum) of the\b|"
    r"\bno better than\b|\bless than human\b|\bnot (?:even |really )?(?:human|people)\b|"
    r"\bwaste of (?:space|oxygen|air)\b|"
    r"\b(?:your|their|that|his|her) kind\b|\bcan(?:'t|not) (?:help|stop) themselves\b|"
    r"\btypical \w+(?: \w+)? behaviou?r\b|"
    r"\bthe (?:dirt|shit|mud) (?:under|on) my (?:shoe|boot)s?\b"
)


def hostile_word_found(text: str) -> bool:
    """Whether `text` (normalised) is hostile in one word (an insult, violence, disgust) or a set phrase."""
    return bool(_HOSTILE_PHRASE.search(text)) or any(
        _HOSTILE_WORD.fullmatch(word) for word in re.findall(r"[a-z]+", text)
    )


_GOOD_WORD = re.compile(
    r"(?:live|lives|living|alive|life|human|humans|humanity|equal\w*|rights?|worth|valu\w*|belong\w*|save|"
    r"saving|help|trust\w*|respect\w*|welcome\w*|place|space|room|apply|matters?|count|safe|free|love\w*|"
    r"accept\w*|allowed|good|better|smart|capable|able|attractive|beautiful|pretty|handsome|compassion|sympathy|"
    r"pity|mercy|kindness|intelligent|clever|talented|honest|trustworthy|decent|normal|worthy|deserving|important|"
    r"useful|needed|wanted|loved|liked|clean|civili[sz]ed|peaceful|innocent|proud|happy|welcome)"
)
_NEGATOR = re.compile(r"(?:not|never|no|nobody|none|nothing|neither|nor|cannot|without|refus\w*|\w+n't)")
_SCOPE = 8
_NOT_NEGATING = frozenset("doubt wonder only question matter stop help resist wait".split())
_PRONOUN = re.compile(r"(?:it|you|they|we|he|she|i|people|these|those)")
_SCOPE_END = re.compile(
    r"[.!?;:,\"]|but|and|because|though|although|if|realise|realize|see|understand|know|recognise|recognize|"
    r"notice|admit|get|accept|deny|care"
)

_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|me|my|myself|we|we're|us|our|ours|ourselves)\b")
_REPORTED = re.compile(
    r"\b(?:call(?:s|ed|ing)?|say(?:s|ing)?|said|writ(?:e|es|ing|ten)|wrote|post(?:s|ed|ing)?|tweet\w*|"
    r"shout\w*|yell\w*|chant\w*|threaten\w*|spread\w*|claim\w*|repeat\w*|statements?|comments?|remarks?|"
    r"(?<!into )words|language|rhetoric|propaganda|slogans?|jokes?|messages?|(?:things|stuff|phrases|sentences) like|"
    r"hate speech|slurs?|insults?)\b"
)
_CONDEMN = re.compile(
    r"\b(?:hateful|bigot\w*|racis\w*|sexis\w*|homophob\w*|transphob\w*|islamophob\w*|antisemit\w*|misogyn\w*|"
    r"xenophob\w*|dehumanis\w*|dehumaniz\w*|unacceptable|inexcusable|disgrace\w*|shameful|shame|ashamed|"
    r"appall\w*|outrag\w*|disheartening|heartbreaking|upsetting|sad|sickening|consequences?|jail|prison|"
    r"arrest\w*|banned|ban|report\w*|punish\w*|condemn\w*|call(?:ing)? out|speak(?:ing)? out|stand up|"
    r"stand against|fight against|(?:has|have|had|need|needs|must) to stop|"
    r"(?:^|[.!?,] |please |just )stop (?:\w+ing|the|this|that)|"
    r"(?:not|never|isn't|is not|it's not) (?:ok|okay|acceptable|fine|right|funny)|okay to|ok to|how dare|"
    r"tolerate|won't stand|doesn't count|does not count|reflect\w* (?:well|badly|poorly)|horrible (?:thing|person)|"
    r"terrible thing|awful thing|wrong)\b"
)
_RHETORICAL = re.compile(
    r"\b(?:am i (?:wrong|mistaken|the only one)|is it (?:wrong|bad|so wrong|too much)|"
    r"where is the (?:mistake|problem|harm|lie)|what(?:'s| is) (?:wrong|the problem|the harm) (?:with|in)|"
    r"isn't it (?:obvious|clear|true|time)|"
    r"don't you (?:think|agree)|wouldn't it be|who (?:else )?(?:thinks|agrees|wants)|can we (?:finally |all )?"
    r"(?:admit|agree)|why (?:can't|shouldn't|don't) (?:we|i)|how is it not|when will (?:people|everyone|we)|"
    r"why is it that|is it any wonder|how come|why do (?:they|these|those|all)|what(?:'s| is) the point of|"
    r"why should (?:we|i|anyone) (?:let|allow|tolerate|accept|care)|do (?:people|you|we) really (?:not|think))\b"
)
"""Questions that ask for agreement: hate phrased as a question, not a question about hate."""
_QUESTION = re.compile(
    r"\?|^(?:why|how|when|what|who|whom|where|which|do|does|did|is|isn't|are|aren't|am|can|can't|could|should|"
    r"shouldn't|would|wouldn't|will|won't|don't|doesn't|have|haven't|has|hasn't)\b"
)
_PERSON_NOUNS = r"[a-z-]{2,}(?:ers|ors|ists|ians|ants|ents|dens|ees|ards|ics|ites|ies|als|ives|men|folk|folks)"
_GENERIC_GROUP = re.compile(
    r"\b(?:all|these|those|every|any|most|some|many|you|of|to|the next|with|hate|despise|detest|loathe|abhor|kill|"
    r"hang|shoot|stab|deport)\s+(?:[a-z-]+\s+)?" + _PERSON_NOUNS + r"\b"
    r"|^(?:[a-z-]+\s+)?" + _PERSON_NOUNS + r"\s+(?:are|is|should|must|deserve|need|can't|cannot|have|will|make)\b"
    r"|\b(?:the next|any|every|a single|one more)\s+(?:[a-z-]+\s+)?[a-z-]{3,}(?:er|or|ist|ian|ant|ent)\b"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'[a-z]+)?|[.!?;:,\"]", text)


def _negated(words: list[str]) -> tuple[bool, bool]:
    """Whether a negator governs a hostile word, and whether one governs a good word, within `_SCOPE` words."""
    bad = good = False
    for i, word in enumerate(words):
        if not _NEGATOR.fullmatch(word):
            continue
        following_word = words[i + 1] if i + 1 < len(words) else ""
        if word.endswith("n't") and _PRONOUN.fullmatch(following_word):
            continue  # "isn't it clear ...", "don't you think ...": a question's form, not a negation
        if following_word in _NOT_NEGATING or (following_word == "a" and words[i + 2 : i + 3] == ["doubt"]):
            continue  # "without a doubt", "no wonder", "not only"
        for following in words[i + 1 : i + 1 + _SCOPE]:
            if _SCOPE_END.fullmatch(following):
                break
            if _HOSTILE_WORD.fullmatch(following):
                bad = True
                break
            if _GOOD_WORD.fullmatch(following):
                good = True
                break
    return bad, good


def talks_about_speech(text: str) -> bool:
    """Whether `text` reports or judges what someone said ("he wrote ...", "... is hateful")."""
    return bool(_REPORTED.search(text) or _CONDEMN.search(text))


def structure_markers(
    text: str, *, identity: bool, target: bool, hostile: bool, slur: bool, positive: bool, quoted: bool
) -> list[str]:
    """Marker tokens for `text` (normalised, lower case) given what the lexicons found.

    Args:
        text: the normalised message.
        identity: a protected group or its member is named.
        target: someone is named (identity, people, a person, "you").
        hostile: a hostile word, hate verb or slur occurs.
        slur: a slur occurs.
        positive: a word of praise occurs.
        quoted: the text quotes something between quotation marks.
    """
    words = _words(text)
    negated_bad, negated_good = _negated(words)
    group = bool(_GENERIC_GROUP.search(text))
    reported = bool(_REPORTED.search(text))
    condemned = bool(_CONDEMN.search(text))
    question = bool(_QUESTION.search(text))
    rhetorical = bool(_RHETORICAL.search(text))
    first = bool(_FIRST_PERSON.search(text))
    someone = identity or target or group
    found = {
        "zznegbad": negated_bad,
        "zznegbadtarget": negated_bad and someone,
        "zzneggood": negated_good,
        "zzneggoodtarget": negated_good and someone,
        "zzneggoodhostile": negated_good and hostile,
        "zzgroup": group,
        "zzgrouphostile": group and hostile,
        "zzreported": reported,
        "zzcondemn": condemned,
        "zzhostilereported": hostile and reported and someone,
        "zzhostilecondemn": hostile and condemned and someone,
        "zzquotedcondemn": quoted and (condemned or reported),
        "zzquestion": question,
        "zzrhetorical": rhetorical,
        "zzrhetoricalhostile": rhetorical and hostile,
        "zzhostilequestion": question and hostile and someone,
        "zzslurself": slur and first,
        "zzslurpos": slur and positive,
    }
    return [name for name, hit in found.items() if hit]
