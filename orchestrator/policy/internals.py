"""Output check: internal markup and infrastructure error text never reach the customer.

The model reads tool results wrapped in `<tool_output trust="data">` and, when a server fails, notes written for it
alone. A model can still echo either; this check removes the markup and replaces any sentence that names our
plumbing (MCP servers, JSON-RPC errors, tracebacks, connection states) with a plain apology.
"""

import re

from ..hooks import TurnContext

__all__ = ["InternalsOutputCheck", "scrub_internals"]

_MARKUP = re.compile(r"(?:</?\s*tool_output\b[^>]*>|\[/?tool_output\b[^\]]*\]?)\n?", re.IGNORECASE)
_INTERNAL = re.compile(
    r"\bMCP\s+(?:server|error|client)\b|\bJSON-?RPC\b|\bTraceback\b|\bis unavailable:\s|\bToolCallFailedError\b|"
    r"\bServerUnavailableError\b|\bconnection (?:was lost|closed)\b|\bread_only_hint\b|\bcall_timeout_s\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]*[.!?]?(?:\s+|$)")
_APOLOGY = ("One of our systems isn't responding right now. ", "Un de nos systèmes ne répond pas pour le moment. ")
_FRENCH = re.compile(r"\b(?:je|vous|votre|nous|pas|est|une|pour|désolé)\b", re.IGNORECASE)


def scrub_internals(text: str) -> str:
    """`text` without tool-output markup, and with sentences naming internal plumbing replaced by an apology."""
    text = _MARKUP.sub("", text)
    if not _INTERNAL.search(text):
        return text
    apology = _APOLOGY[1] if len(_FRENCH.findall(text)) >= 2 else _APOLOGY[0]
    pieces: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if _INTERNAL.search(sentence):
            if apology not in pieces:
                pieces.append(apology)
        else:
            pieces.append(sentence)
    return "".join(pieces)


class InternalsOutputCheck:
    """An `OutputCheck` applying `scrub_internals` to every reply (and every streamed piece of one)."""

    async def check_output(self, text: str, ctx: TurnContext) -> str:
        """The reply without internal markup or error text."""
        return scrub_internals(text)
