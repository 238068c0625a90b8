"""Intent and signal detection for the offline model: deterministic keyword rules, English and French."""

import re
import unicodedata
from enum import StrEnum

from .lexicon import Lang, Product, detect_language, english_keywords, find_product

__all__ = [
    "EMAIL_RE",
    "ORDER_RE",
    "Intent",
    "Lang",
    "Product",
    "detect_intent",
    "detect_language",
    "english_keywords",
    "faq_category",
    "find_email",
    "find_order_id",
    "find_product",
    "find_ticket_id",
    "is_angry",
    "is_fixed",
    "is_specific_problem",
    "is_still_broken",
    "normalise",
    "refund_reason",
    "yes_or_no",
]


class Intent(StrEnum):
    """What a customer message asks for."""

    OTHERS_DATA = "others_data"
    ABUSE = "abuse_only"
    RESTRICTED = "restricted_advice"
    COMPETITOR = "competitor"
    OFF_TOPIC = "off_topic"
    HUMAN = "human"
    CONFIRM = "confirm_refund"
    CANCEL = "cancel_refund"
    SOLVED = "solved"
    TICKET_STATUS = "ticket_status"
    TICKET = "ticket"
    REFUND = "refund"
    TECHNICAL = "technical"
    ORDER_LIST = "order_list"
    ORDER_STATUS = "order_status"
    FAQ = "faq"
    YES = "yes"
    NO = "no"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    GREETING = "greeting"
    INFO = "info"
    UNKNOWN = "unknown"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


ORDER_RE = _rx(r"\bORD[-\s#]?(\d{5})\b")
ORDER_WORD_RE = _rx(r"\b(?:order|commande)\s*(?:number|no\.?|num[ée]ro|n°)?\s*#?\s*(\d{5})\b")
EMAIL_RE = _rx(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TICKET_RE = _rx(r"\bTCK-?(\d{6})\b")

_OTHERS_DATA = _rx(
    r"(\b(?:all|every|other|others'?|everyone'?s|everybody'?s)\s+(?:the\s+|of\s+(?:the|your)\s+|your\s+|other\s+)?"
    r"(?:customers?|clients?|users?|people|buyers?|accounts?)(?:'s?)?\b.{0,30}\b(?:orders?|e-?mails?|emails?|data|"
    r"addresses|details|info\w*|names|phone\w*|records|purchases|list)\b|"
    r"\b(?:everyone|everybody)'?s?\s+(?:orders?|e-?mails?|data|addresses|details|info\w*)|"
    r"\b(?:orders?|e-?mails?|data|details|addresses|info\w*)\s+of\s+(?:all|every|everyone|everybody|other)\b|"
    r"\b(?:list|dump|export|give me|show me|send me)\s+(?:all|every)\s+(?:the\s+)?(?:orders|customers|e-?mails|users)|"
    r"\b(?:de|des)\s+(?:tous (?:les|vos)|autres)\s+clients\b|\btous (?:les|vos) clients\b|\btoutes les commandes\b|"
    r"\b(?:vos|les) autres clients\b)"
)
"""A request for other customers' data (every customer's orders or emails): refused whatever the wording."""
_MEDICAL = _rx(
    r"\b(medical|medicine|medication|doctor|diagnos\w*|symptoms?|disease|illness|prescription|pills?|dosage|"
    r"headaches?|migraines?|pregnan\w*|m[ée]decin|m[ée]dicaments?|maladie|ordonnance|sympt[ôo]mes?)\b"
)
_LEGAL = _rx(
    r"(legal advice|\bis (?:it|this|that) legal\b|\b(?:can|should) i sue\b|\bdo i need a lawyer\b|"
    r"\bmy legal rights\b|conseil juridique|est-ce l[ée]gal|\bai-je le droit\b)"
)
_FINANCIAL = _rx(
    r"\b(invest\w*|stock market|stocks|crypto\w*|bitcoin|mortgage|loans?|retirement|pension|tax advice|"
    r"financial advice|investir|bourse|cr[ée]dit immobilier|conseil financier|placements?)\b"
)
_COMPETITOR = re.compile(
    r"\b(?:[Aa]mazon|[Ee]bay|eBay|[Ww]almart|[Bb]est ?[Bb]uy|[Aa]li ?[Ee]xpress|[Tt]emu|[Nn]ewegg|[Cc]ostco|"
    r"Target|target\.com|[Ff]nac|[Cc]discount|[Dd]arty)\b"
)
_OFF_TOPIC = _rx(
    r"\b(weather|jokes?|poems?|poetry|song|lyrics|recipes?|cooking|football|soccer|basketball|sports?|politics|"
    r"political|elections?|president|prime minister|movies?|films?|capital of|coding|python|javascript|"
    r"programming|homework|horoscope|m[ée]t[ée]o|blagues?|po[èe]mes?|recettes?|politique|[ée]lections?|"
    r"pr[ée]sident)\b"
)
_HUMAN = _rx(
    r"(\bhuman\b|real person|live agent|\b(?:talk|speak|chat) (?:to|with) (?:a |an |someone|somebody|your )?"
    r"(?:real |live )?(?:person|agent|representative|rep|human|someone|somebody|manager|supervisor)\b|"
    r"\brepresentative\b|\bsupervisor\b|\bmanager\b|\bun humain\b|\bune personne\b|\bun(?:e)? conseill[eè]re?\b|"
    r"\bun agent\b|parler [àa] quelqu'un|une vraie personne|un vrai (?:humain|conseiller|agent))"
)
_TICKET_REQUEST = _rx(
    r"(\b(?:open|create|file|raise|log|make)\b.{0,12}\bticket\b|\bticket,? please\b|^\s*(?:a |the )?ticket\b|"
    r"\b(?:ouvr|cr[ée])\w*.{0,10}\bticket\b|\bun ticket\b)"
)
_TICKET_QUERY = _rx(
    r"\b(?:status|update|news|progress|where)\b.{0,25}\b(?:my|the) ticket\b|\b(?:my|the) ticket\b.{0,25}"
    r"\b(?:status|update|news|progress)\b|\b(?:suivi|statut) de mon ticket\b"
)
_REFUND_WORD = _rx(
    r"\b(refund\w*|money back|reimburs\w*|rembours\w*|send (?:it|them) back|return (?:it|them|this|these|the|my)|"
    r"retourner)\b"
)
_REQUEST = _rx(
    r"\b(i (?:want|need|would like|'d like)|i'd like|can i (?:get|have)|could i (?:get|have)|please|give me|"
    r"i demand|i'm asking|je (?:veux|voudrais|souhaite|demande)|j'aimerais|pouvez-vous|rembourse[zr]?-moi)\b"
)
_QUESTION_ABOUT = _rx(
    r"\b(how long|how many days|how much time|how do(?:es)?|how can|when will|when do|what is|what's|policy|"
    r"combien de temps|d[ée]lai|politique|comment)\b"
)
_PROBLEM = _rx(
    r"(\b(?:do(?:es)?n'?t|dosen'?t|dose not|do(?:es)? not|dont|won'?t|will not|can'?t|cannot|isn'?t|is not|are not|"
    r"aren'?t|stopped|no longer)\s+(?:\w+\s+)?(?:work\w*|con+ect\w*|charg\w*|turn(?:ing)? on|power\w*|pair\w*|"
    r"sync\w*|play\w*|respond\w*|hold (?:a |the )?charge|stay (?:on|connected)|start\w*|boot\w*)|"
    r"\bnot (?:working|charging|connecting|pairing|syncing|turning on|holding (?:a |the )?charge)|\bnothing works\b|"
    r"\bbroken\b|\bdefective\b|\bfaulty\b|\bno (?:sound|power|audio)\b|\bdead\b|\bdies\b|\bdrains?\b|"
    r"\bkeeps? (?:on )?(?:disconnecting|dropping|turning off|cutting out|switching off|restarting|crashing|"
    r"freezing|losing)|\bcut(?:s|ting)? out\b|\bdrops? (?:out|the connection|every)|\bcrackl\w*|\bbuzz\w*|"
    r"\bflicker\w*|\boverheat\w*|\blag(?:s|ging|gy)?\b|"
    r"\bne (?:fonctionne|marche|s'allume|se connecte|charge|s'appaire|d[ée]marre|(?:se )?synchronise|se recharge|"
    r"tient)(?: plus| pas)|\bse (?:coupe|d[ée]connecte|[ée]teint)\w*|\bgr[ée]sill\w*|\b(?:plus|pas) de son\b|"
    r"\bcass[ée]e?s?\b|\ben panne\b|\bd[ée]fectueu(?:x|se)\b)"
)
_PROBLEM_WITH = _rx(r"\b(problem|issue|trouble|probl[èe]me|souci)s?\b")
_SYMPTOM = _rx(
    r"\b(bluetooth|(?:dis)?con+ect\w*|pair(?!\s+of\b)\w*|appair\w*|charg\w*|battery|batterie|"
    r"power(?:s|ed|ing)?(?: on| off| button)?|turn(?:s|ing)? on|s'allume|"
    r"sound|audio|\bson\b|sync\w*|wi-?fi|led|light|screen|display|app|descal\w*|noise|crackl\w*|overheat\w*|"
    r"connexion|volume|microphone|mic|cut(?:s|ting)? out|drops?|dropping|dead|dies|drains?|flicker\w*|"
    r"coupe|d[ée]connecte|[ée]teint|gr[ée]sill\w*|tient|crackl\w*|buzz\w*|lag\w*|d[ée]tartr\w*|voyant)\b"
)
_ORDER_REF = _rx(r"\b(my (?:order|package|parcel|delivery|shipment)|ma commande|mon colis|ma livraison)\b")
_STATUS_WORD = _rx(
    r"\b(where|track\w*|status|arriv\w*|deliver\w*|ship\w*|when|o[ùu]|suivi|statut|livr\w*|exp[ée]di\w*|quand)\b"
)
_TRACKING = _rx(r"\b(where(?:'?s| is) my|track my|tracking|not received|nev(?:e)?r (?:arrived|came|got)|o[ùu] est)\b")
_ABOUT_ORDER = _rx(r"(\?\s*$|\b(?:what|how) about\b|\bcheck\b|\bet (?:la|pour la) commande\b)")
_ORDER_LIST = _rx(r"\b(my (?:recent |past |other |previous )?orders|order history|mes commandes)\b")
_FAQ_TOPICS: dict[str, re.Pattern[str]] = {
    "shipping": _rx(
        r"\b(ship(?:ping|ped)?|deliver(?:y|ies)?|international|express|next day|customs|livraison|exp[ée]dition|"
        r"frais de port|livrez)\b"
    ),
    "returns": _rx(
        r"\b(returns?|refunds?|exchanges?|warranty|guarantee|retours?|remboursements?|[ée]changes?|garantie)\b"
    ),
    "payment": _rx(
        r"\b(payments?|pay|card|paypal|apple pay|google pay|invoices?|promo|coupons?|discount|gift cards?|"
        r"charged|paiements?|payer|carte|factures?|code promo)\b"
    ),
    "account": _rx(
        r"\b(account|password|log ?in|sign ?in|sign ?up|privacy|personal data|compte|mot de passe|"
        r"donn[ée]es personnelles)\b"
    ),
}
_QUESTION = _rx(
    r"(\?\s*$|^\s*(?:how|what|when|where|which|why|who|can|could|do|does|did|is|are|will|should|comment|quel\w*|"
    r"quand|pourquoi|combien|est-ce|puis-je|pouvez)\b)"
)
_NO = _rx(
    r"^\s*(no|nope|nah|not now|not yet|don'?t|do not|cancel|stop|wait|never ?mind|non|pas maintenant|"
    r"annul\w*|attendez)\b|\b(changed my mind|don'?t proceed|do not proceed|cancel it|j'ai chang[ée] d'avis)\b"
)
_YES = _rx(
    r"^\s*(yes|yeah|yep|yup|sure|ok(?:ay)?|alright|please do|go ahead|do it|confirm\w*|proceed|absolutely|"
    r"of course|oui|ouais|d'accord|allez-y|vas-y|bien s[ûu]r|je confirme|c'est bon|parfait)\b|"
    r"\b(go ahead|please do|yes please|i confirm|confirmed|proceed|allez-y|je confirme|ok do it)\b"
)
_THANKS = _rx(r"\b(thanks|thank you|thx|cheers|merci)\b")
_GOODBYE = _rx(
    r"\b(bye|goodbye|see you|that's all|that is all|nothing else|au revoir|bonne (?:journ[ée]e|soir[ée]e)|"
    r"c'est tout)\b"
)
_GREETING = _rx(r"^\s*(hi|hello|hey|good (?:morning|afternoon|evening)|bonjour|salut|bonsoir|coucou)\b")
_STILL_BROKEN = _rx(
    r"(tried (?:everything|it all|all|that|it|those|these|this|them)|already (?:tried|did)|"
    r"still (?:not|doesn'?t|does not|won'?t|isn'?t|no|broken|the same)|nothing works|"
    r"did(?:n'?t| not) (?:help|work|fix)|no luck|same problem|tout essay[ée]|toujours pas|"
    r"rien ne (?:marche|fonctionne)|[çc]a n'a pas (?:march[ée]|fonctionn[ée]|aid[ée]))"
)
_FIXED = _rx(
    r"\b(that worked|it worked|works now|working now|fixed|solved|that did it|all good now|[çc]a marche|"
    r"[çc]a fonctionne|c'est r[ée]gl[ée]|r[ée]solu)\b"
)
_ANGRY = _rx(
    r"(!!!|\b(furious|angry|ridiculous|unacceptable|useless|terrible|awful|scam|fraud|lawyer|sue|lawsuit|court|"
    r"chargeback|police|worst|disgusting|damn|wtf|inadmissible|scandale|arnaque|avocat|furieux|furieuse|nul)\b)"
)
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "not_received",
        _rx(
            r"(nev(?:e)?r (?:arrived|came|got|received)|not (?:received|arrived)|have ?n'?t (?:received|got)|"
            r"has ?n'?t arrived|did ?n'?t (?:receive|arrive|get)|nothing (?:here|there|arrived)|no (?:parcel|package|"
            r"box) (?:here|there|anywhere)|pas re[çc]u|rien re[çc]u|jamais (?:re[çc]u|arriv[ée]|eu)|toujours pas "
            r"(?:eu|re[çc]u)|n'est (?:jamais|pas) arriv[ée])"
        ),
    ),
    (
        "wrong_item",
        _rx(
            r"(wrong (?:item|product|size|colou?r|model|one)|not what i ordered|sent me the wrong|mauvais (?:article|"
            r"produit|mod[èe]le)|pas ce que j'ai command[ée])"
        ),
    ),
    ("defective", _PROBLEM),
    (
        "changed_mind",
        _rx(
            r"(changed my mind|do ?n'?t (?:want|need|like)|no longer (?:want|need)|not needed|chang[ée] d'avis|"
            r"n'en veux plus|plus besoin)"
        ),
    ),
)


def normalise(text: str) -> str:
    """Unicode-normalise (NFC), unify apostrophes and collapse whitespace."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def find_order_id(text: str) -> str | None:
    """The last order number in `text`, as `ORD-12345`."""
    found = ORDER_RE.findall(text) or ORDER_WORD_RE.findall(text)
    return f"ORD-{found[-1]}" if found else None


def find_email(text: str) -> str | None:
    """The last email address in `text`, lower-cased."""
    found = EMAIL_RE.findall(text)
    return found[-1].strip(".").lower() if found else None


def find_ticket_id(text: str) -> str | None:
    """The last ticket number in `text`, as `TCK-000123`."""
    found = TICKET_RE.findall(text)
    return f"TCK-{found[-1]}" if found else None


def _detect_task(text: str) -> Intent | None:
    if (find_ticket_id(text) and re.search(r"ticket", text, re.IGNORECASE)) or _TICKET_QUERY.search(text):
        return Intent.TICKET_STATUS
    if _TICKET_REQUEST.search(text):
        return Intent.TICKET
    if _REFUND_WORD.search(text) and (_REQUEST.search(text) or not _QUESTION_ABOUT.search(text)):
        return Intent.REFUND
    if _PROBLEM.search(text) or (_PROBLEM_WITH.search(text) and find_product(text)):
        return Intent.TECHNICAL
    if _ORDER_LIST.search(text) and len(set(ORDER_RE.findall(text))) < 2:
        return Intent.ORDER_LIST
    has_order = bool(_ORDER_REF.search(text) or find_order_id(text))
    if _TRACKING.search(text) or (has_order and _STATUS_WORD.search(text)):
        return Intent.ORDER_STATUS
    if find_order_id(text) and _SYMPTOM.search(text) and find_product(text):
        return Intent.TECHNICAL  # "the coffee machine in ORD-12833 shows the orange descale light"
    if find_order_id(text) and _ABOUT_ORDER.search(text) and not any(p.search(text) for p in _FAQ_TOPICS.values()):
        return Intent.ORDER_STATUS  # "what about ORD-93034?": a question about that very order
    if any(p.search(text) for p in _FAQ_TOPICS.values()) or (_SYMPTOM.search(text) and find_product(text)):
        return Intent.FAQ
    return None


def detect_intent(text: str) -> Intent:
    """The raw intent of one customer message, by rule priority (refusals first, pleasantries last)."""
    text = normalise(text)
    if _OTHERS_DATA.search(text):
        return Intent.OTHERS_DATA
    if _MEDICAL.search(text) or _LEGAL.search(text) or _FINANCIAL.search(text):
        return Intent.RESTRICTED
    if _COMPETITOR.search(text):
        return Intent.COMPETITOR
    if _HUMAN.search(text):
        return Intent.HUMAN
    if (task := _detect_task(text)) is not None:
        return task
    if _OFF_TOPIC.search(text):
        return Intent.OFF_TOPIC
    rest = EMAIL_RE.sub(" ", ORDER_RE.sub(" ", text))
    if _QUESTION.search(rest) and len(re.findall(r"\w+", rest)) >= 4:
        return Intent.FAQ
    answer = yes_or_no(text)
    if answer is not None and len(re.findall(r"\w+", rest)) <= 6:
        return Intent.YES if answer else Intent.NO
    if _GOODBYE.search(text):
        return Intent.GOODBYE
    if _THANKS.search(text):
        return Intent.THANKS
    if find_order_id(text) or find_email(text):
        return Intent.INFO
    if _GREETING.search(text):
        return Intent.GREETING
    return Intent.UNKNOWN


def yes_or_no(text: str) -> bool | None:
    """True for a confirmation, False for a refusal or cancellation, None when the message is neither."""
    text = normalise(text)
    if _NO.search(text):
        return False
    if _YES.search(text):
        return True
    return None


def refund_reason(texts: list[str]) -> str:
    """The refund reason the customer's messages give (newest first), else `other`."""
    for text in texts:
        for reason, pattern in _REASONS:
            if pattern.search(normalise(text)):
                return reason
    return "other"


def is_specific_problem(text: str) -> bool:
    """Whether a problem description names a symptom (Bluetooth, charging, sound...) rather than just 'broken'."""
    return bool(_SYMPTOM.search(normalise(text)))


def is_still_broken(text: str) -> bool:
    """Whether the customer says the suggested fix did not help."""
    return bool(_STILL_BROKEN.search(normalise(text)))


def is_fixed(text: str) -> bool:
    """Whether the customer says the problem is solved."""
    text = normalise(text)
    return not _STILL_BROKEN.search(text) and bool(_FIXED.search(text))


def is_angry(text: str) -> bool:
    """Whether the message shows anger or a threat (used for escalation priority and tone)."""
    return bool(_ANGRY.search(normalise(text)))


def faq_category(text: str) -> str | None:
    """The FAQ category a question obviously belongs to (exactly one topic matches), else None."""
    hits = [name for name, pattern in _FAQ_TOPICS.items() if pattern.search(text)]
    if len(hits) == 1:
        return hits[0]
    if not hits and _SYMPTOM.search(text) and find_product(text):
        return "products"
    return None
