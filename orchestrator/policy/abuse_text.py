"""The abuse model's view of a message: obfuscated spellings restored, key-word typos repaired, marker tokens added.

`normalize_abuse_text` is what the rules see; `model_text` is what the hashed n-gram model sees (training and
inference both go through it, so the shipped weights depend on it exactly). `abuse_markers` supplies the scope,
stance and word-segmentation helpers.
"""

import re
from functools import lru_cache

from .abuse_markers import (
    hostile_word_found,
    is_known_word,
    split_run_together,
    structure_markers,
    talks_about_speech,
)

__all__ = ["model_text", "normalize_abuse_text"]


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
