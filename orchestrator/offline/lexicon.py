"""The offline model's vocabulary: catalogue products, language markers and French-to-English search keywords."""

import re
from enum import StrEnum

__all__ = ["Lang", "Product", "detect_language", "english_keywords", "find_product"]


class Lang(StrEnum):
    """The language a reply is written in."""

    EN = "en"
    FR = "fr"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_EMAIL_OR_ORDER = _rx(r"\S+@\S+|\b(?:ORD|TCK)[-\s#]?\d{5,6}\b|#?\d+")

Product = tuple[str, str, str]
"""A catalogue product as (name, English noun, French noun)."""

_PRODUCTS: tuple[tuple[re.Pattern[str], Product], ...] = (
    (_rx(r"\b(headphones?|casque(?! de v[ée]lo))\b"), ("ProMax Audio Headphones", "headphones", "casque")),
    (_rx(r"\b(earbuds?|[ée]couteurs)\b"), ("ProMax Wireless Earbuds", "earbuds", "écouteurs")),
    (_rx(r"\b(speaker|enceinte)\b"), ("ProMax Mini Speaker", "speaker", "enceinte")),
    (_rx(r"\b(power ?bank|batterie externe)\b"), ("Volt 20,000 mAh Power Bank", "power bank", "batterie externe")),
    (_rx(r"\b(charger|chargeur)\b"), ("Volt 65W USB-C Charger", "charger", "chargeur")),
    (_rx(r"\b(sleep band)\b"), ("Nova Sleep Band", "sleep band", "bracelet de sommeil")),
    (_rx(r"\b(watch|montre)\b"), ("Nova Fitness Watch", "watch", "montre")),
    (_rx(r"\b(keyboard|clavier)\b"), ("Helix Mechanical Keyboard", "keyboard", "clavier")),
    (_rx(r"\b(mouse|souris)\b"), ("Helix Ergonomic Mouse", "mouse", "souris")),
    (_rx(r"\b(hub)\b"), ("Helix 7-in-1 USB-C Hub", "hub", "hub")),
    (_rx(r"\b(monitor|moniteur)\b"), ("Helix 27-inch 4K Monitor", "monitor", "moniteur")),
    (_rx(r"\b(lamp|lampe)\b"), ("Lumen Smart Desk Lamp", "lamp", "lampe")),
    (_rx(r"\b(bulbs?|ampoules?)\b"), ("Lumen Smart Bulb (4-pack)", "bulbs", "ampoules")),
    (_rx(r"\b(security camera|cam[ée]ra de s[ée]curit[ée])\b"), ("Lumen Indoor Security Camera", "camera", "caméra")),
    (_rx(r"\b(kettle|bouilloire)\b"), ("Brewline Electric Kettle", "kettle", "bouilloire")),
    (_rx(r"\b(grinder|moulin)\b"), ("Brewline Burr Coffee Grinder", "grinder", "moulin")),
    (_rx(r"\b(espresso|machine [àa] caf[ée])\b"), ("Brewline Espresso Machine", "espresso machine", "machine à café")),
    (_rx(r"\b(scooter|trottinette)\b"), ("Trek Electric Scooter", "scooter", "trottinette")),
    (_rx(r"\b(helmet)\b"), ("Trek Urban Helmet", "helmet", "casque")),
    (_rx(r"\b(tripod|tr[ée]pied)\b"), ("Snapshot Travel Tripod", "tripod", "trépied")),
    (_rx(r"\b(camera|cam[ée]ra)\b"), ("Snapshot Action Camera", "camera", "caméra")),
)

_FRENCH_WORDS = frozenset(
    "bonjour salut bonsoir merci je j mon ma mes commande remboursement rembourser rembourse ne pas oui non est les "
    "des une avec pour pourquoi comment où quand vous votre vos plaît d accord allez colis livraison casque "
    "fonctionne marche cassé aide besoin humain conseiller veux voudrais suis c ça aussi mais il elle nous et "
    "le la du au aux sur dans qui que quoi mon ai avez reçu toujours rien tout parler quelqu".split()
)
_ENGLISH_WORDS = frozenset(
    "the i my is it and to you your please order yes no what how hi hello thanks thank want can with for not "
    "don't doesn't won't have has are was of a an in on at this that they them do does where when why help "
    "refund need would like get got still".split()
)
_GLOSSARY: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"rembours"), "refund"),
    (_rx(r"combien de temps|d[ée]lai"), "how long"),
    (_rx(r"livr"), "delivery shipping"),
    (_rx(r"retour"), "return"),
    (_rx(r"[ée]change"), "exchange"),
    (_rx(r"paiement|payer"), "payment"),
    (_rx(r"carte"), "card"),
    (_rx(r"facture"), "invoice"),
    (_rx(r"mot de passe"), "password reset"),
    (_rx(r"compte"), "account"),
    (_rx(r"garantie"), "warranty"),
    (_rx(r"suivi|o[ùu] est"), "track order"),
    (_rx(r"annul"), "cancel order"),
    (_rx(r"se connecte|connexion|appair"), "bluetooth connect pairing"),
    (_rx(r"charge"), "charge charging"),
    (_rx(r"batterie"), "battery"),
    (_rx(r"s'allume"), "turn on power"),
    (_rx(r"\bson\b|gr[ée]sill"), "sound"),
    (_rx(r"tient (?:pas|plus)|autonomie|se d[ée]charge"), "battery life charging"),
    (_rx(r"se coupe|coupe|se d[ée]connecte"), "bluetooth connection drops"),
    (_rx(r"r[ée]initialis"), "reset"),
    (_rx(r"d[ée]tartr"), "descaling"),
    (_rx(r"synchronis"), "sync app"),
    (_rx(r"international|[ée]tranger"), "international shipping"),
)


def find_product(text: str) -> Product | None:
    """The catalogue product a text names (by a generic noun or the product name), if any."""
    for pattern, product in _PRODUCTS:
        if pattern.search(text):
            return product
    return None


def detect_language(text: str, fallback: Lang = Lang.EN, *, margin: int = 1) -> Lang:
    """French when the text has more French than English markers (accents count), else English or `fallback`.

    Emails, order and ticket numbers are no evidence either way; the winning side needs `margin` more markers
    than the other (a customer already talking in one language is not switched by a lone "ok" or "merci").
    """
    text = _EMAIL_OR_ORDER.sub(" ", text.replace("\u2019", "'")).lower()
    words = re.findall(r"[a-zàâäçéèêëîïôöùûüœ']+", text)
    tokens = [part for word in words for part in re.split(r"'", word) if part] + words
    french = sum(1 for t in tokens if t in _FRENCH_WORDS) + 2 * len(re.findall(r"[àâçéèêëîïôùûœ]", text))
    english = sum(1 for t in tokens if t in _ENGLISH_WORDS)
    if french - english >= margin:
        return Lang.FR
    if english - french >= margin:
        return Lang.EN
    return fallback


def english_keywords(text: str) -> str:
    """English search keywords for a French message (the knowledge base is in English)."""
    return " ".join(dict.fromkeys(words for pattern, words in _GLOSSARY if pattern.search(text)))
