"""Topic boundary: keep the conversation on ShopExpress support; refuse advice and competitor questions politely.

A trained hashed-n-gram model (`models/topic.npz`, see `training/train_topic.py`) scores "out of scope for
e-commerce support"; keyword rules name the refusal category (medical, legal or financial advice, competitors).
The model is English-only: French messages get the French replies but are judged by the rules alone.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from ..hooks import InputVerdict, TurnContext
from .textclf import HashedLinearModel
from .weights import MODELS_DIR, existing

__all__ = [
    "COMPETITOR_REPLY",
    "MIN_MODEL_WORDS",
    "MODEL_PATH",
    "NOT_QUALIFIED_REPLY",
    "STEER_BACK_REPLY",
    "TopicCheck",
    "TopicKind",
    "TopicVerdict",
    "classify_topic",
    "decide_topic",
    "is_french",
    "mentions_competitor",
    "normalize_text",
    "topic_reply",
    "with_apostrophes",
]

logger = logging.getLogger(__name__)

TopicKind = Literal["in_scope", "medical", "legal", "financial", "competitor", "off_topic"]

NOT_QUALIFIED_REPLY = "I'm not qualified to answer that type of question. Can I help you with your order?"
COMPETITOR_REPLY = "I don't have information about other companies. How can I help you with ShopExpress?"
STEER_BACK_REPLY = (
    "I can only help with ShopExpress orders, deliveries, returns, refunds, payments and your account. "
    "Is there something I can do for you there?"
)
_FRENCH_REPLIES: dict[str, str] = {
    "advice": "Je ne suis pas qualifié pour répondre à ce type de question. Puis-je vous aider avec votre commande ?",
    "competitor": (
        "Je n'ai pas d'informations sur les autres entreprises. Comment puis-je vous aider avec ShopExpress ?"
    ),
    "off_topic": (
        "Je ne peux vous aider que pour vos commandes, livraisons, retours, remboursements, paiements et votre "
        "compte ShopExpress. Puis-je faire quelque chose pour vous à ce sujet ?"
    ),
}

MODEL_PATH = MODELS_DIR / "topic.npz"
_ANCHOR_LIFT = 0.5
"""Support vocabulary (order, refund, broken, ...) moves the threshold this share of the way towards 1."""
MIN_MODEL_WORDS = 3
"""Shorter messages ("yes", "thanks", "cancel that") are never steered back on the model's word alone."""
_RULE_ASSIST = 0.5
"""A medical/legal/financial pattern without an explicit advice phrase blocks when the model's out-of-scope
probability reaches this share of its tuned threshold (support context pulls it below)."""


@dataclass(frozen=True)
class TopicVerdict:
    """Where a customer message falls relative to the support scope."""

    kind: TopicKind
    confidence: float
    """0..1: the model's probability for the decision, or the strength of the rule that decided."""
    reason: str
    """A short machine-readable explanation (rule or model name); never the message text."""
    french: bool = False

    @property
    def in_scope(self) -> bool:
        """Whether the message is a support request (or harmless conversation) the assistant should handle."""
        return self.kind == "in_scope"


def topic_reply(kind: TopicKind, *, french: bool = False) -> str | None:
    """The reply for an out-of-scope kind (None for in-scope messages)."""
    if kind == "in_scope":
        return None
    if kind in ("medical", "legal", "financial"):
        return _FRENCH_REPLIES["advice"] if french else NOT_QUALIFIED_REPLY
    if kind == "competitor":
        return _FRENCH_REPLIES["competitor"] if french else COMPETITOR_REPLY
    return _FRENCH_REPLIES["off_topic"] if french else STEER_BACK_REPLY


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NON_WORD = re.compile(r"[^\w']+")
_DIGITS = re.compile(r"\d+")
_BARE_NEGATION = re.compile(
    r"\b(won|don|doesn|didn|isn|aren|wasn|weren|can|couldn|wouldn|shouldn|hasn|haven|hadn|ain)t\b", re.IGNORECASE
)
"""Negations typed without their apostrophe ("wont", "doesnt"): read as the contraction, as customers mean it."""


def with_apostrophes(text: str) -> str:
    """`text` with typographic apostrophes made plain and bare negations ("wont", "cant") given theirs back."""
    return _BARE_NEGATION.sub(r"\1't", text.translate(_APOSTROPHES))


def normalize_text(text: str) -> str:
    """The model's view of a message: lower case, punctuation and digit runs neutralised, single spaces.

    Training and inference share it, so the model cannot learn the datasets' punctuation or casing habits.
    """
    lowered = with_apostrophes(text).lower()
    return " ".join(_DIGITS.sub("0", _NON_WORD.sub(" ", lowered)).split())


_FRENCH_WORDS = frozenset(
    "le la les un une des du de et est il elle ils elles nous vous je tu ne pas que qui quoi quel quelle quels ce "
    "cette ces mon ma mes ta tes sa ses notre votre vos leur au aux avec pour sur dans par mais où donc très moins "
    "bien fait faire avoir être été suis es sont ai avez ont peux peut pouvez veux voudrais merci bonjour salut oui "
    "commande livraison colis remboursement demain aujourd'hui hier cher temps comment pourquoi quand combien "
    "toujours encore rien reçu payé aide retour y a".split()
)
_FRENCH_ELISION = re.compile(r"\b(?:j|l|d|n|qu|c|s|m|t)'[a-zàâçéèêëîïôûùüÿœ]")
_FRENCH_CHARS = re.compile(r"[àâçéèêëîïôûùüÿœ]")
_TOKEN = re.compile(r"[a-zàâçéèêëîïôûùüÿœ]+")


def is_french(text: str) -> bool:
    """A cheap French detector: French function words, elisions and accents against the word count."""
    lowered = text.lower().translate(_APOSTROPHES)
    words = _TOKEN.findall(lowered)
    if not words:
        return False
    hits = sum(1 for w in words if w in _FRENCH_WORDS) + len(_FRENCH_ELISION.findall(lowered))
    score = hits + min(len(_FRENCH_CHARS.findall(lowered)), 3) * 0.5
    return score >= 2 and score / len(words) >= 0.3


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_COMPETITORS = _rx(
    r"\b(?:amazon|ebay|walmart|wal-mart|best\s?buy|aliexpress|ali\s?express|alibaba|temu|shein|newegg|costco|"
    r"etsy|wayfair|zalando|cdiscount|fnac|darty|rakuten|flipkart|home\s?depot|kohl's|macy's|overstock|asos|"
    r"la\s?redoute|boulanger|carrefour|jd\.com)(?![-\w])"
    r"|\btarget(?:'s|\.com)?\s+(?:store|stores|sell|sells|have|has|carry|carries|price|prices|website|app|"
    r"return|returns|deliver|delivers|shipping|offer|offers|better|cheaper)\b"
    r"|\b(?:at|in|from|on|than|like|vs\.?|versus|or|shop at|shopping at)\s+target\b(?!\s+(?:date|price|time|address))"
)
_PRICE_MATCH = _rx(r"\bprice[\s-]match|\bmatch (?:the|their|a|that) price|\baligne[rz]? (?:le|votre|vos) prix")

_MEDICAL_STRONG = _rx(
    r"\bmedical advice\b|\bdiagnos(?:e|is)\b|\bprescri(?:be|ption)\b|\bdosage\b|\bwhat (?:medicine|medication|pills?)\b"
    r"|\b(?:should|can|could) i (?:take|give (?:my|him|her) )\s*(?:an? )?(?:ibuprofen|paracetamol|acetaminophen|"
    r"aspirin|tylenol|advil|antibiotics?|medicine|medication|pills?)"
    r"|\bsymptoms? of\b|\bconseil médical|\bquel médicament|\bmes symptômes|\b(?:dois|devrais)[- ]je prendre\b"
    r"|\bje devrais prendre\b"
)
_MEDICAL_TERMS = _rx(
    r"\b(?:medicine|medication|meds|ibuprofen|paracetamol|acetaminophen|aspirin|tylenol|advil|antibiotics?|"
    r"symptoms?|disease|illness|infection|flu|covid|fever|cough|rash|allerg(?:y|ic)|pregnan(?:t|cy)|diabetes|"
    r"cancer|blood pressure|cholesterol|migraine|headache|depression|anxiety|doctor|vaccines?|surgery|"
    r"calories|diet|médicament|maladie|fièvre|grossesse|enceinte|médecin|douleur|paracétamol|doliprane|ibuprofène|"
    r"aspirine|antibiotiques?)\b"
)
_LEGAL_STRONG = _rx(
    r"\blegal advice\b|\b(?:should|can|could) i sue\b|\b(?:file|filing) a (?:lawsuit|claim in court)\b"
    r"|\b(?:hire|need|get|find) an? (?:lawyer|attorney|solicitor)\b|\bis it (?:il)?legal to\b"
    r"|\bconseil juridique|\bporter plainte|\bun avocat\b|\best-ce (?:il)?légal"
)
_LEGAL_TERMS = _rx(
    r"\b(?:lawyer|attorney|solicitor|sue|suing|lawsuit|court|judge|divorce|custody|eviction|evict|landlord|"
    r"tenant|immigration|visa (?:application|for|to)|(?:work|student|tourist|travel) visa|need a visa|"
    r"inheritance|will and testament|copyright|patent|trademark|arrested|criminal|bail|"
    r"avocat|tribunal|divorce|héritage|propriétaire|locataire)\b"
)
_FINANCIAL_STRONG = _rx(
    r"\bfinancial advi(?:ce|sor)\b|\b(?:should|can) i invest\b|\binvest(?:ing)? in\b|\bbuy (?:stocks?|shares|"
    r"bitcoin|crypto)|\b(?:improve|raise|boost|fix) my credit score\b|\bfile my (?:tax|taxes)\b|\btax return\b"
    r"|\bretirement (?:plan|savings|account)\b|\brollover\b.*\b(?:401k|ira)\b|\bconseil financier|\binvestir\b"
)
_FINANCIAL_TERMS = _rx(
    r"\b(?:invest(?:ing|ment|ments)?|stocks?|stock market|bitcoin|crypto(?:currency)?|ethereum|401 ?k|ira|roth|"
    r"retirement|pension|mortgage|loan|credit score|interest rates?|apr|savings account|index funds?|etf|"
    r"portfolio|dividends?|taxes|forex|debt|bourse|prêt|crédit immobilier|impôts|retraite)\b"
)
_ADVICE = _rx(
    r"\b(?:should i|should we|is it (?:safe|ok|okay|a good idea|smart|wise|worth|normal)|what should|how (?:do|can|"
    r"should) i|how much|can i|could i|do i need|what do you (?:think|recommend|suggest)|recommend|advice|"
    r"best way|what are my options|what(?: is|'s) the best|which|help me with|can you help|dois-je|devrais-je|"
    r"est-ce que je|que me conseillez|"
    r"quel est le meilleur|comment)\b"
)
_SUPPORT_ANCHOR = _rx(
    r"\b(?:order|orders|purchase|package|parcel|delivery|deliver|shipping|ship|shipped|tracking|refund|return|"
    r"returns|exchange|warranty|guarantee|invoice|receipt|charged|charge|payment|checkout|cart|account|"
    r"password|shopexpress|item|product|bought|bill|broken|cracked|damaged|defective|faulty|price match|discount|"
    r"coupon|voucher|gift card|in stock|commande|colis|livraison|remboursement|retour|garantie|facture|paiement|"
    r"compte|article|produit)\b"
)


_PRODUCT_PROBLEM = _rx(
    r"\b(?:is|are|was|were|got|arrived|came|seems?) (?:\w+ )?(?:broken|cracked|damaged|defective|faulty|scratched|"
    r"dented|torn|ripped|missing|leaking)\b|\b(?:stopped|stops|isn't|is not|aren't|doesn't|does not|won't|will not) "
    r"(?:work|working|charge|charging|turn on|turning on|power on|connect|connecting|pair|pairing|sync|syncing|"
    r"fit|fitting|start|boot|light up)\b"
    r"|\b(?:est|sont|suis) (?:arrivée?s? )?(?:cassée?s?|abîmée?s?|endommagée?s?|défectueu(?:x|se))"
    r"|\bne (?:marche|fonctionne|s'allume|charge) (?:plus|pas)\b"
)
_PRODUCT_NOUN = (
    r"(?:headphones?|earbuds?|speaker|charger|power ?bank|(?:fitness )?watch|sleep band|keyboard|mouse|hub|monitor|"
    r"desk lamp|lamp|smart bulbs?|bulbs?|security camera|action camera|camera|kettle|(?:coffee )?grinder|"
    r"espresso machine|scooter|helmet|tripod|backpack|laptop sleeve|cable|"
    r"casque|[ée]couteurs|enceinte|chargeur|batterie externe|montre|clavier|souris|lampe|ampoules?|cam[ée]ra|"
    r"bouilloire|moulin|trottinette|tr[ée]pied)"
)
_STORE_PRODUCT = _rx(
    r"\b(?:promax|brewline|lumen|helix|snapshot)\b|\b(?:volt|nova|trek|castle)\s+(?:\w+\s+){0,2}"
    + _PRODUCT_NOUN
    + r"\b|\b(?:my|mes|mon|ma)\s+(?:new\s+|nouveaux?\s+|nouvelles?\s+)?"
    + _PRODUCT_NOUN
    + r"\b"
)
"""The store's own products, by brand or as the customer's own item: their use and care are support questions."""
_STORE_SERVICE = _rx(
    r"\b(?:do|can|will) you (?:guys )?(?:ship|deliver|send|post|accept|sell|stock|offer|take returns|price match)"
    r"\b|\b(?:livrez|exp[ée]diez|acceptez|vendez)-vous\b"
)
"""A question about what the store itself does (ships abroad, accepts a payment method, sells a product)."""
_CARD_NUMBER = re.compile(r"(?<![\d*])(?:(?:\d{4}|\*{4})[ -]?){3}\d{1,7}(?!\d)|(?<!\d)\d{13,19}(?!\d)")
"""A payment card number, as typed (13-19 digits, grouped or not) or as the PII check masks it (`**** **** ****
4242`): customers give one to talk about a payment, never to leave the support scope."""
_CONVERSATIONAL = _rx(
    r"\b(?:are you|you are|you're) (?:an? )?(?:bot|robot|human|real|ai|person|machine|artificial)|\byour name\b"
    r"|\bcall you\b"
    r"|\bwho (?:made|built|created|programmed|owns) you\b|\bwho do you work for\b|\bwhat can you do\b"
    r"|\bwhat can i ask\b|\bcall me \w+|\bmy name is\b|\btu es un (?:robot|humain)|\bcomment tu t'appelles"
    r"|\b(?:speak|talk|respond|answer|reply|write)(?: to me)? in (?:french|english|spanish|german|italian|"
    r"portuguese|dutch|arabic|chinese|russian)\b|\blanguage setting|^\W*(?:hi|hello|hey|good (?:morning|"
    r"afternoon|evening)|how are (?:you|ya)|how ya|how's it going|what's up)\b"
)


_CATEGORIES: tuple[tuple[TopicKind, re.Pattern[str], re.Pattern[str]], ...] = (
    ("medical", _MEDICAL_STRONG, _MEDICAL_TERMS),
    ("legal", _LEGAL_STRONG, _LEGAL_TERMS),
    ("financial", _FINANCIAL_STRONG, _FINANCIAL_TERMS),
)


def _rule_kind(text: str) -> tuple[TopicKind | None, bool, str]:
    """The refusal category a rule names, whether the rule is explicit (strong), and the rule's name."""
    if mentions_competitor(text):
        return "competitor", True, "rule:competitor"
    for kind, strong, _terms in _CATEGORIES:
        if strong.search(text):
            return kind, True, f"rule:{kind}"
    for kind, _strong, terms in _CATEGORIES:
        if terms.search(text) and _ADVICE.search(text):
            return kind, False, f"rule:{kind}-advice"
    return None, False, ""


def _term_kind(text: str) -> TopicKind:
    """The refusal category of a message the model found out of scope: by its vocabulary, else off-topic."""
    for kind, _strong, terms in _CATEGORIES:
        if terms.search(text):
            return kind
    return "off_topic"


@cache
def _load_model() -> HashedLinearModel:
    model = HashedLinearModel.load(existing(MODEL_PATH))
    logger.debug("loaded topic model %s (threshold %.3f)", model.name, model.threshold)
    return model


def mentions_competitor(text: str) -> bool:
    """Whether the message names another retailer (price-match questions about ShopExpress do not count)."""
    return bool(_COMPETITORS.search(text)) and not _PRICE_MATCH.search(text)


def decide_topic(text: str, probability: float | None, threshold: float) -> TopicVerdict:
    """The decision from the rules and a given out-of-scope probability (pure; `classify_topic` supplies it).

    Args:
        text: the customer's message.
        probability: the model's P(out of scope) for `normalize_text(text)`; None to apply the rules alone.
        threshold: the probability at and above which a message is steered back.
    """
    french = is_french(text)
    text = text if french else with_apostrophes(text)  # French "dont" is a word, not a negation
    p = None if french else probability
    kind, strong, rule = _rule_kind(text)
    anchored = bool(_SUPPORT_ANCHOR.search(text))
    limit = threshold + (1.0 - threshold) * _ANCHOR_LIFT if anchored else threshold
    if kind == "competitor":
        return TopicVerdict("competitor", 0.9, rule, french)
    if kind is not None:
        if strong and (p is None or not anchored or p >= limit * _RULE_ASSIST):
            return TopicVerdict(kind, max(0.8, p or 0.0), rule, french)
        if p is not None and p >= limit * _RULE_ASSIST:
            return TopicVerdict(kind, p, f"{rule}+model", french)
        if p is None and not anchored:
            return TopicVerdict(kind, 0.6, rule, french)
    if p is None:
        return TopicVerdict("in_scope", 0.5, "rules-only", french)
    if _CONVERSATIONAL.search(text):
        return TopicVerdict("in_scope", 0.8, "rule:conversational", french)
    if _PRODUCT_PROBLEM.search(text):
        return TopicVerdict("in_scope", 0.8, "rule:product-problem", french)
    if _STORE_PRODUCT.search(text) or _STORE_SERVICE.search(text):
        return TopicVerdict("in_scope", 0.8, "rule:store-product", french)
    if _CARD_NUMBER.search(text):
        return TopicVerdict("in_scope", 0.8, "rule:payment-card", french)
    if p >= limit and len(normalize_text(text).split()) >= MIN_MODEL_WORDS:
        return TopicVerdict(_term_kind(text), p, "model:topic", french)
    return TopicVerdict("in_scope", 1.0 - p, "model:topic", french)


def classify_topic(text: str, *, threshold: float | None = None) -> TopicVerdict:
    """Decide whether a customer message is in scope, and if not which refusal applies.

    Args:
        text: the customer's message.
        threshold: override the model's tuned out-of-scope probability threshold.

    Returns:
        A verdict whose kind is not `in_scope` only when the message should be refused or steered back.
    """
    if is_french(text):  # the model is trained on English; French messages get the keyword rules
        return decide_topic(text, None, threshold if threshold is not None else 1.0)
    model = _load_model()
    limit = threshold if threshold is not None else model.threshold
    return decide_topic(text, model.probability(normalize_text(text)), limit)


class TopicCheck:
    """Input check: answers out-of-scope messages with the polite refusal instead of calling the model."""

    def __init__(self, *, threshold: float | None = None) -> None:
        """Build the check.

        Args:
            threshold: the out-of-scope probability above which a message is steered back (default: the
                threshold tuned on validation data and stored with the model).
        """
        self.threshold = threshold

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        """Block with the refusal for medical/legal/financial advice, competitors and other off-topic requests."""
        verdict = classify_topic(text, threshold=self.threshold)
        reply = topic_reply(verdict.kind, french=verdict.french)
        if reply is None:
            return InputVerdict()
        logger.info("topic check blocked a message: %s (%s, %.2f)", verdict.kind, verdict.reason, verdict.confidence)
        return InputVerdict(allow=False, reply=reply, reason=f"topic:{verdict.kind}")
