"""PII detection: card numbers (Luhn), emails, phones, IBANs (mod 97), US SSNs and street addresses as spans.

Regular expressions plus validation (checksums, number ranges, context words), so a typical message costs tens
of microseconds. `pii.py` masks what this finds, in the guardrails and the log filter.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["PRIORITY", "PiiKind", "PiiSpan", "digits_of", "find_pii", "luhn_valid"]

PiiKind = Literal["card", "email", "phone", "iban", "ssn", "address"]

# A validated match (checksum or fixed format) beats a heuristic one when two overlap.
PRIORITY: dict[PiiKind, int] = {"card": 2, "iban": 2, "ssn": 2, "email": 2, "phone": 1, "address": 1}


@dataclass(frozen=True)
class PiiSpan:
    """One piece of PII found in a text: `text[start:end]`."""

    kind: PiiKind
    start: int
    end: int
    text: str


# Patterns begin with a literal or a digit class (lookbehinds come after the first character) so that the
# regex engine can skip ahead quickly; most of the work is done only around the digit runs of a text.
_NUMBER = re.compile(r"[0-9]+")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_NON_DIGIT = re.compile(r"[^0-9]+")

# Cards: 13-19 digits, bare or in groups of 3+ digits separated by single spaces or dashes; 12 digits bare with a
# Maestro prefix or right after a card word.
_CARD = re.compile(r"[0-9](?<![\w+\-][0-9])(?:[0-9]{11,18}|[0-9]{2,5}(?:[ -][0-9]{3,6}){2,5})(?![\w]|[-.,/][0-9])")
_MAESTRO_12 = re.compile(r"(?:50|5[6-8])[0-9]{10}|6[0-9]{11}")
_CARD_CUE = re.compile(
    r"\b(?:card|carte|visa|mastercard|maestro|amex)(?:\s+(?:number|no\.?|num[ée]ro|#))?\s*[:#]?\s*$", re.I
)

_EMAIL = re.compile(
    r"[\w.+%-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w-])"
)
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+%-")

_PHONE = re.compile(
    r"""
    [+(0-9](?<![\w+\-./].)
    (?P<rest>
        (?<=\+)[0-9]{1,3}[ .\-]?(?:\(0\)[ .\-]?)?(?:\([0-9]{1,5}\)[ .\-]?)?[0-9]{1,12}  # +44 (0)20 7946 / +1 312
      | (?<=\()[0-9]{1,5}\)[ .\-]?[0-9]{1,12}                                         # (312) 555
      | (?<=[0-9])[0-9]{0,11}                                                         # 312 / 0044
    )
    (?:[ .\-][0-9]{1,12}){0,6}
    (?P<ext>[ ]?(?i:x|ext\.?|extension)[ ]?[0-9]{1,6})?
    (?![\w]|[.\-/:,][0-9])
    """,
    re.VERBOSE,
)
_PHONE_CUE = re.compile(
    r"(?:phone|tel|telephone|mobile|cell|fax|desk|call me (?:at|on)|reach me (?:at|on)|text me (?:at|on)|whatsapp|"
    r"sms|t[ée]l[ée]phone|t[ée]l|portable)\s*(?:number|no\.?|#)?\s*(?:is\s*)?[:.]?\s*$",
    re.IGNORECASE,
)
_ID_WORDS = (
    r"order|purchase|invoice|tracking|ticket|case|confirmation|shipment|parcel|package|reference|ref|sku|item|"
    r"product|model|serial|id"
)
_CUE_TAIL = r"\s*(?:code|number|no\.?|#|id)?\s*(?:is\s*)?[:.]?\s*$"
_ID_CUE = re.compile(rf"\b(?:{_ID_WORDS}){_CUE_TAIL}", re.IGNORECASE)
_NOT_PHONE_CUE = re.compile(
    rf"\b(?:{_ID_WORDS}|zip|postal|post|postcode|cep|plz|licen[cs]e|account|acct|passport){_CUE_TAIL}", re.IGNORECASE
)
_PHONE_SEPARATORS = re.compile(r"[ .\-()]")
_DATE_YMD = re.compile(r"((?:19|20)[0-9][0-9])[-./ ]([0-9]{1,2})[-./ ]([0-9]{1,2})")
_DATE_DMY = re.compile(r"([0-9]{1,2})[-./ ]([0-9]{1,2})[-./ ]((?:19|20)?[0-9][0-9])")
_YEAR_RANGE = re.compile(r"(?:19|20)[0-9][0-9] ?- ?(?:19|20)[0-9][0-9]")
_IPV4 = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_NOT_PHONE_SHAPE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{5}-[0-9]{3}")  # SSN shape, Brazilian CEP
_CURRENCY_BEFORE = re.compile(r"[$€£¥₹]\s?$|(?:USD|EUR|GBP|CHF|CAD|AUD)\s?$", re.IGNORECASE)
_UNIT_AFTER = re.compile(
    r"\s?(?:[$€£¥₹%]|(?:usd|eur|gbp|chf|euros?|dollars?|pounds?|kg|km|mm|cm|mah|gb|tb|mb|points?)\b)", re.IGNORECASE
)

_SSN = re.compile(
    r"(?P<area>[0-9](?<![\w\-][0-9])[0-9]{2})(?P<sep>-|[ ]?)(?P<group>[0-9]{2})(?P=sep)(?P<serial>[0-9]{4})"
    r"(?![\w]|-[0-9])"
)
_SSN_CUE = re.compile(
    r"(?:ssn|social security(?: number)?|soc\.? ?sec\.?)\s*(?:number|no\.?|#)?\s*(?:is\s*)?[:.]?\s*$", re.IGNORECASE
)

_IBAN_SHAPE = re.compile(r"[A-Za-z]{2}[0-9]{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?(?![A-Za-z0-9])")
# IBAN lengths by country (SWIFT IBAN registry).
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# Addresses are looked for only around digit runs: a house number before the street, or a number after it.
_WORD = r"[^\W\d_][\w'’.\-]*"
_HOUSE = r"[0-9]{1,6}(?:[A-Za-z](?=[\s,]))?(?:[ ][0-9]{1,5})?"
_UNIT = r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|#)\s?#?[0-9]{1,6}[A-Za-z]?)*"
_UNIT_TAIL = re.compile(_UNIT)
_EN_SUFFIX = (
    r"Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Lane|Ln\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Court|Ct\.?|Way|Place|Pl\.?|"
    r"Square|Sq\.?|Terrace|Parkway|Pkwy\.?|Highway|Hwy\.?|Circle|Crescent|Close|Row|Trail|Alley|Plaza|Walk|Grove|"
    r"Gardens|Mews|Str\.?"
)
_ADDRESS_EN = re.compile(
    rf"{_HOUSE}[ \t]+(?P<words>(?:{_WORD}[ \t]+){{1,4}}?)(?P<suffix>{_EN_SUFFIX})(?![\w]){_UNIT}", re.IGNORECASE
)
# Street-type words written before the name; the strong ones also start a street written in lowercase.
_STRONG_PREFIXES = frozenset(
    "rue rua rúa calle carrer avenida avenue boulevard chemin allée allee impasse quai travessa praça praca paseo "
    "ul. ulica".split()
)
_PREFIXES = _STRONG_PREFIXES | frozenset("via viale vicolo av. bd place piazza piazzale largo corso plaza".split())
_HOUSE_BEFORE_PREFIX = re.compile(rf"(?P<num>{_HOUSE}),?[ \t]+(?P<prefix>[^\W\d_]+\.?)(?=[ \t])")
_ADDRESS_TOKEN = re.compile(r"[ \t]+([^\W\d_][\w'’\-]*|[0-9]{1,5}[A-Za-z]?(?![\w]))")
# Street-type endings of one-word street names (German, Dutch, Nordic, Finnish, Icelandic, Hungarian, Slavic).
_CONTINENTAL_SUFFIXES = tuple(
    "strasse straße str. weg gasse platz allee damm ufer steig laan straat gracht plein kade singel vej gade stræde "
    "vænget vägen gatan gränd stigen veien vegen gata gate vegur braut stígur katu tie kuja polku utca ulica".split()
)
_STREET_MARKERS = frozenset("u. út útja utca tér körút ul. ulica str. mnt tänav".split())
"""Street-type words written after the name: "Király u. 15", "Árpád fejedelem útja 62"."""
_HOUSE_END = re.compile(rf"(?<![\w\-.]){_HOUSE}[ \t]+$")
_ADDRESS_MILITARY = re.compile(
    r"(?:PSC|CMR|Unit) [0-9]{3,5},?\s+Box [0-9]{3,5}(?:\s+(?:APO|FPO|DPO) (?:AA|AE|AP) [0-9]{5})?"
    r"|(?:APO|FPO|DPO) (?:AA|AE|AP) [0-9]{5}(?![\w])",
    re.IGNORECASE,
)
_ADDRESS_UNIT = re.compile(r"(?:Apt\.?|Apartment|Suite|Ste\.)\s?#?[0-9]{1,6}[A-Za-z]?(?![\w])")
_CONNECTORS = frozenset(
    "de la le les du des d' l' do da dos das di del della y of the van von der den het and e".split()
)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def digits_of(text: str) -> str:
    """The digits of `text`, in order."""
    return _NON_DIGIT.sub("", text)


def _twelve_digit_card(text: str, m: re.Match[str], digits: str) -> bool:
    """12 bare digits are a card with a Maestro prefix or right after a card word ("credit card 0604...")."""
    if len(digits) != 12 or not m.group().isdigit():
        return False
    return bool(_MAESTRO_12.fullmatch(digits) or _CARD_CUE.search(text, max(0, m.start() - 30), m.start()))


def _cards(text: str) -> Iterable[PiiSpan]:
    for m in _CARD.finditer(text):
        digits = digits_of(m.group())
        if 13 <= len(digits) <= 19 or _twelve_digit_card(text, m, digits):
            if luhn_valid(digits) and not _ID_CUE.search(text, max(0, m.start() - 40), m.start()):
                yield PiiSpan("card", m.start(), m.end(), m.group())


def _emails(text: str) -> Iterable[PiiSpan]:
    at = text.find("@")
    last_end = 0
    while at > 0:
        start = at
        while start > last_end and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        m = _EMAIL.match(text, start) if start < at else None
        if m:
            last_end = m.end()
            yield PiiSpan("email", m.start(), m.end(), m.group())
        at = text.find("@", max(at + 1, last_end))


def _valid_date(year: str, month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31 and len(year) in (2, 4)


def _looks_like_date(body: str) -> bool:
    m = _DATE_YMD.fullmatch(body)
    if m and _valid_date(m[1], m[2], m[3]):
        return True
    m = _DATE_DMY.fullmatch(body)
    return bool(m) and (_valid_date(m[3], m[2], m[1]) or _valid_date(m[3], m[1], m[2]))


def _phone_ok(text: str, start: int, end: int) -> bool:
    body = text[start:end]
    digits = digits_of(body)
    if not 7 <= len(digits) <= 15:
        return False
    groups = _PHONE_SEPARATORS.split(body)
    separators = set(_PHONE_SEPARATORS.findall(body))
    before = max(0, start - 40)
    if not separators and body[0] != "+" and not body.startswith("00"):
        # A bare run of digits: a phone when it has the length of a national number or follows a phone word.
        if not (len(digits) in (10, 11) or _PHONE_CUE.search(text, before, start)):
            return False
    elif separators == {"."} and len(groups) < 3:
        return False  # a decimal number
    elif "." in separators and "-" in separators:
        return False  # times or version ranges such as 10.30-11.45
    elif len(groups) == 2 and (len(groups[1]) < 4 or (len(groups[0]) >= 5 and groups[0][0] != "0")):
        return False  # a house number and a street number, a postcode and a number
    if _looks_like_date(body) or _YEAR_RANGE.fullmatch(body) or _IPV4.fullmatch(body):
        return False
    if _NOT_PHONE_SHAPE.fullmatch(body) or _NOT_PHONE_CUE.search(text, before, start):
        return False
    return not (_CURRENCY_BEFORE.search(text, max(0, start - 4), start) or _UNIT_AFTER.match(text, end))


def _phones(text: str) -> Iterable[PiiSpan]:
    for m in _PHONE.finditer(text):
        body_end = m.start("ext") if m["ext"] else m.end()
        if _phone_ok(text, m.start(), body_end):
            yield PiiSpan("phone", m.start(), m.end(), m.group())


def _ssns(text: str) -> Iterable[PiiSpan]:
    for m in _SSN.finditer(text):
        area, group, serial = m["area"], m["group"], m["serial"]
        if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
            continue
        if m["sep"] != "-" and not _SSN_CUE.search(text, max(0, m.start() - 40), m.start()):
            continue  # nine bare or space-separated digits are an SSN only after an SSN word
        yield PiiSpan("ssn", m.start(), m.end(), m.group())


def _iban_at(text: str, start: int) -> PiiSpan | None:
    length = _IBAN_LENGTHS.get(text[start : start + 2].upper())
    if length is None:
        return None
    chars: list[str] = []
    i = start
    while i < len(text) and len(chars) < length:
        ch = text[i]
        if ch.isascii() and ch.isalnum():
            chars.append(ch.upper())
        elif not (ch == " " and chars and i + 1 < len(text) and text[i + 1].isalnum()):
            break
        i += 1
    if len(chars) != length or (i < len(text) and text[i].isalnum()):
        return None
    compact = "".join(chars)
    if compact[2:4] in ("00", "01", "99"):
        return None
    if int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 != 1:
        return None
    return PiiSpan("iban", start, i, text[start:i])


def _ibans(text: str, runs: Sequence[tuple[int, int]]) -> Iterable[PiiSpan]:
    for start, end in runs:
        s = start - 2
        if end - start >= 2 and s >= 0 and text[s:start].isalpha() and text[s:start].isascii():
            if s == 0 or not text[s - 1].isalnum():
                span = _iban_at(text, s)
                if span is not None:
                    yield span


def _iban_shapes(text: str, runs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    shapes: list[tuple[int, int]] = []
    for start, _ in runs:
        s = start - 2
        if s >= 0 and (s == 0 or not text[s - 1].isalnum()) and (m := _IBAN_SHAPE.match(text, s)):
            shapes.append(m.span())
    return shapes


def _names_ok(words: Sequence[str], *, lowercase_ok: bool) -> bool:
    names = [w for w in words if w.lower() not in _CONNECTORS]
    return bool(names) and all(lowercase_ok or w[0].isupper() for w in names)


def _walk_street_name(text: str, pos: int, prefix: str) -> tuple[int | None, bool]:
    """After "rue"/"Via"/...: names (capitalised unless the text is lowercase), connectors, then maybe a number.

    Returns the end of the street name (None when there is none) and whether a number ended it.
    """
    if not (prefix.lower() in _STRONG_PREFIXES or prefix[0].isupper()):
        return None, False
    lowercase_ok = not any(ch.isupper() for ch in text[pos - len(prefix) : pos + 40])
    names, end = 0, None
    while names < 4:
        token = _ADDRESS_TOKEN.match(text, pos)
        if token is None:
            break
        word = token[1]
        if word[0].isdigit():
            return (token.end(), True) if names else (end, False)
        core = word.replace("’", "'").split("'")[-1] or word
        if word.lower() in _CONNECTORS or core.lower() in _CONNECTORS:
            pos = token.end()
            continue
        if not (core[:1].isupper() or lowercase_ok):
            break
        names, end, pos = names + 1, token.end(), token.end()
    return end, False


def _with_unit(text: str, end: int) -> int:
    tail = _UNIT_TAIL.match(text, end)
    return tail.end() if tail else end


def _house_start(text: str, pos: int) -> int | None:
    """Where a house number separated by blanks from `pos` starts, if there is one."""
    m = _HOUSE_END.search(text, max(0, pos - 16), pos)
    return m.start() if m else None


def _address(text: str, start: int, end: int) -> PiiSpan:
    return PiiSpan("address", start, end, text[start:end])


def _addresses_from_house_number(text: str, start: int) -> Iterable[PiiSpan]:
    m = _ADDRESS_EN.match(text, start)
    if m and m["suffix"][0].isupper() and _names_ok(m["words"].split(), lowercase_ok=False):
        yield _address(text, start, m.end())
    p = _HOUSE_BEFORE_PREFIX.match(text, start)
    if p and p["prefix"].lower() in _PREFIXES:
        end, _ = _walk_street_name(text, p.end(), p["prefix"])
        if end is not None:
            yield _address(text, start, _with_unit(text, end))


def _addresses_from_street_number(text: str, start: int, end: int, *, prefixed: bool) -> Iterable[PiiSpan]:
    """A number after the street name: "Friedhofstrasse 33", "Király u. 15", "Via Roma 131"."""
    if end < len(text) and text[end].isalpha() and (end + 1 == len(text) or not text[end + 1].isalnum()):
        end += 1  # 12B
    if end < len(text) and text[end].isalnum():
        return
    window = text[max(0, start - 60) : start]
    words = window.split()
    if not words:
        return
    last = words[-1]
    if last.lower() in _STREET_MARKERS and len(words) >= 2 and words[-2][0].isupper():
        word_start = text.rfind(words[-2], 0, start)
        house = _house_start(text, word_start)
        yield _address(text, word_start if house is None else house, _with_unit(text, end))
    elif last[0].isalpha() and last.lower().endswith(_CONTINENTAL_SUFFIXES) and (last[0].isupper() or window.islower()):
        word_start = text.rfind(last, 0, start)
        house = _house_start(text, word_start)
        yield _address(text, word_start if house is None else house, _with_unit(text, end))
    for word in reversed(words[-6:-1] if prefixed else ()):
        if word.lower() in _PREFIXES:
            prefix_start = text.rfind(word, 0, start)
            street_end, numbered = _walk_street_name(text, prefix_start + len(word), word)
            if numbered and street_end == end:
                house = _house_start(text, prefix_start)
                yield _address(text, prefix_start if house is None else house, _with_unit(text, end))
            return


def _addresses(text: str, runs: Sequence[tuple[int, int]]) -> Iterable[PiiSpan]:
    lowered = text.lower()
    prefixed = not _PREFIXES.isdisjoint(lowered.split())
    for start, end in runs:
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "-._"):
            yield from _addresses_from_house_number(text, start)
        if start > 0 and text[start - 1] in " \t":
            yield from _addresses_from_street_number(text, start, end, prefixed=prefixed)
    if "apt" in lowered or "su" in lowered or "ste" in lowered or "box" in lowered or "po " in lowered:
        for pattern in (_ADDRESS_MILITARY, _ADDRESS_UNIT):
            for m in pattern.finditer(text):
                if m.start() == 0 or not text[m.start() - 1].isalnum():
                    yield _address(text, m.start(), m.end())


def _resolve(candidates: Iterable[PiiSpan]) -> list[PiiSpan]:
    """Keep non-overlapping spans: validated kinds first, then the longest, then the earliest."""
    chosen: list[PiiSpan] = []
    ranked = sorted(candidates, key=lambda s: (-PRIORITY[s.kind], -(s.end - s.start), s.start))
    for span in ranked:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def find_pii(text: str) -> list[PiiSpan]:
    """Find the PII in `text`, as non-overlapping spans in text order.

    Card numbers must pass the Luhn check, IBANs the mod-97 check and their country's length, and SSNs the
    issued ranges; phones and addresses are heuristic (shapes, separators, street words) with rejections for
    dates, amounts, IP addresses and identifiers glued to letters (ORD-78432, 1Z999AA10123456784).
    """
    candidates: list[PiiSpan] = list(_emails(text)) if "@" in text else []
    digit_count = len(text) - len(text.translate(_NO_DIGITS))
    if digit_count:
        runs = [m.span() for m in _NUMBER.finditer(text)]
        if digit_count >= 7:
            numbers = [*_cards(text), *_phones(text)] if digit_count >= 12 else list(_phones(text))
            if numbers and (shapes := _iban_shapes(text, runs)):
                # Digits inside an IBAN-shaped token that failed its checksum are neither a card nor a phone.
                numbers = [n for n in numbers if all(n.end <= a or n.start >= b for a, b in shapes)]
            candidates.extend(numbers)
            candidates.extend(_ibans(text, runs))
            candidates.extend(_ssns(text))
        candidates.extend(_addresses(text, runs))
    return _resolve(candidates)
