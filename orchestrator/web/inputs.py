"""What clients send, checked at the edge: whole numbers in ASCII digits, text the databases can store, ids.

`str.isdigit()` accepts "²" and other digits `int()` rejects, and PostgreSQL cannot store a NUL or a lone
surrogate: each would otherwise surface as a 500 deep inside a request.
"""

import re

from ..llm.history import unstorable
from .errors import WebError

__all__ = ["CONVERSATION_ID", "ascii_int", "conversation_id", "safe_text"]

CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""The shape of a conversation id (`secrets.token_urlsafe`); anything else cannot name one."""
_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_int(raw: str, *, max_digits: int = 18) -> int | None:
    """`raw` as a non-negative whole number when it is 1 to `max_digits` ASCII digits, else None."""
    if len(raw) > max_digits or _ASCII_DIGITS.fullmatch(raw) is None:
        return None
    return int(raw)


def safe_text(value: str, field: str) -> str:
    """Return `value`, or refuse a NUL character or a lone surrogate (which no database stores) with a 422.

    Raises:
        WebError: `invalid_request`, naming `field` (never echoing the value).
    """
    what = unstorable(value)
    if what is None:
        return value
    raise WebError("invalid_request", f"{field}: the text contains {what}; remove it and send it again")


def conversation_id(raw: str) -> str | None:
    """`raw` when it has the shape of a conversation id, else None."""
    return raw if CONVERSATION_ID.fullmatch(raw) else None
