"""What a customer message asks for once insults are set aside, and the second request a message may carry."""

import re
from functools import lru_cache

from ..policy.abuse import classify_abuse
from .intents import Intent, detect_intent, faq_category, normalise

__all__ = ["clauses", "message_intent", "side_question"]

_SPLIT = re.compile(
    r"(?<=[.?!;])\s+|\n+|,?\s*\b(?:and also|also|plus|by the way|btw|another question|one more thing|"
    r"et aussi|aussi|par ailleurs|autre question|au fait)\b[,:]?\s*",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"(\?\s*$|^\s*(?:how|what|when|where|which|why|who|can|could|do|does|is|are|will|comment|quel\w*|quand|"
    r"pourquoi|combien|est-ce|puis-je|pouvez|acceptez|livrez|faites)\b|\btell me (?:about|how|what)\b)",
    re.IGNORECASE,
)
_TASKS_WITH_SIDE = frozenset({Intent.ORDER_STATUS, Intent.ORDER_LIST, Intent.REFUND, Intent.TICKET_STATUS})


def clauses(text: str) -> list[str]:
    """The sentences and `also`-joined parts of a message, trimmed, empty parts left out."""
    return [part.strip(" ,;") for part in _SPLIT.split(normalise(text)) if part and part.strip(" ,;")]


@lru_cache(maxsize=1024)
def message_intent(text: str) -> Intent:
    """The intent of a message with its abusive sentences set aside; `Intent.ABUSE` when nothing else is left.

    An insult is answered by the abuse warning alone, never by a help article a stray word of it matched.
    Remembered for the last 1,024 texts: the offline model reads the whole conversation again at each of its
    calls (several per turn), so the same customer messages come back.
    """
    if not text.strip() or not classify_abuse(text).abusive:
        return detect_intent(text)
    civil = [part for part in clauses(text) if not classify_abuse(part).abusive]
    if not civil:
        return Intent.ABUSE
    return detect_intent(" ".join(civil))


def side_question(text: str, main: Intent) -> str | None:
    """A help-article question asked next to an order or refund request in the same message, if any.

    "Where is ORD-12345? Also, what's your return policy?" carries two requests: the order task answers the
    first, this returns the second so that it gets its own answer.
    """
    if main not in _TASKS_WITH_SIDE:
        return None
    parts = clauses(text)
    if len(parts) < 2:
        return None
    for part in parts:
        if len(re.findall(r"\w+", part)) < 3 or not _QUESTION.search(part):
            continue
        if detect_intent(part) is Intent.FAQ and faq_category(part) is not None:
            return part
    return None
