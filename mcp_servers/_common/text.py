"""Text that every backend can store: no NUL bytes and no unpaired UTF-16 surrogates.

PostgreSQL refuses NUL in text columns, and a lone surrogate cannot be encoded as UTF-8 at all, so such input
would fail deep in a driver with a bare error. `SafeText` refuses it at the edge, with a message saying why.
With field constraints, put the validator last so that pydantic's length messages still count characters:
`Annotated[str, Field(max_length=500), BeforeValidator(refuse_unsafe_text)]`.
"""

import re
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["SafeText", "UnsafeTextError", "check_text", "refuse_unsafe_text"]

_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeTextError(ValueError):
    """The text holds a NUL byte or an unpaired surrogate (the message says which)."""


def check_text(value: str) -> str:
    """Return `value` unchanged, or raise `UnsafeTextError` when no database could store it.

    Raises:
        UnsafeTextError: a NUL byte, or an unpaired UTF-16 surrogate (invalid Unicode).
    """
    if _NUL in value:
        raise UnsafeTextError("the text contains a NUL byte (\\u0000), which cannot be stored; remove it")
    if _SURROGATE.search(value):
        raise UnsafeTextError(
            "the text contains an unpaired UTF-16 surrogate (invalid Unicode), which cannot be stored; resend it "
            "as valid UTF-8"
        )
    return value


def refuse_unsafe_text(value: object) -> object:
    """Pydantic before-validator: check strings with `check_text`, pass anything else on to the field's type."""
    return check_text(value) if isinstance(value, str) else value


SafeText = Annotated[str, BeforeValidator(refuse_unsafe_text)]
"""A string with no NUL byte and no unpaired surrogate; refused with a clear message otherwise."""
