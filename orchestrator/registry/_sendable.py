"""What a `tools/call` cannot carry: text that has no UTF-8 form (a lone surrogate), found before anything is sent.

JSON can escape a lone UTF-16 surrogate and Python decodes it into a string, but the MCP client serialises every
message as UTF-8, where it has no encoding. Sent as it is, such an argument breaks the client's writer: the
connection drops, the server is reconnected, and every call in flight on it is lost. So it is refused up front.
"""

import json

__all__ = ["unsendable"]


def unsendable(*values: object) -> str | None:
    """Why these JSON values (a call's arguments, its `_meta`) cannot be sent, or None when they can."""
    try:
        json.dumps(values, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return "an argument holds an unpaired surrogate (invalid Unicode)"
    return None
