"""Text the databases cannot store: refused at the edge with a clear error, before anything is written.

PostgreSQL rejects NUL characters in text, and no database can encode a lone UTF-16 surrogate (JSON can
escape one, Python decodes it, UTF-8 cannot carry it). SQLite stores a NUL but silently truncates it in places.
So both are refused everywhere, on both databases alike, with a message the model can act on.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent

__all__ = ["UnsafeTextGuard", "find_unsafe_text", "reject_unsafe_text"]

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_MAX_DEPTH = 32


def reject_unsafe_text(value: str, field: str) -> str:
    """Return `value` unchanged, or refuse it when it holds a NUL character or a lone surrogate.

    Args:
        value: The text to check.
        field: The argument's name, for the message.

    Raises:
        ToolError: naming `field` and the offending character (never echoing the value).
    """
    found = _UNSAFE.search(value)
    if found is None:
        return value
    what = "a NUL character (\\u0000)" if found.group() == "\x00" else "an unpaired surrogate (invalid Unicode)"
    raise ToolError(f"{field}: the text contains {what}; remove it and send the text again.")


def find_unsafe_text(value: object, field: str, *, depth: int = 0) -> None:
    """Check every string in a JSON value (object keys included), naming the first bad one by its path.

    Raises:
        ToolError: as `reject_unsafe_text`, with `field` extended by the key or index (`context.note`).
    """
    if depth > _MAX_DEPTH:
        raise ToolError(f"{field}: the value is nested too deeply.")
    if isinstance(value, str):
        reject_unsafe_text(value, field)
    elif isinstance(value, Mapping):
        pairs: Mapping[object, object] = value  # pyright: ignore[reportUnknownVariableType] - any JSON object
        for key, item in pairs.items():
            name = reject_unsafe_text(str(key), f"{field} (a key)")
            find_unsafe_text(item, f"{field}.{name}", depth=depth + 1)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items: Sequence[object] = value  # pyright: ignore[reportUnknownVariableType] - any JSON array
        for index, item in enumerate(items):
            find_unsafe_text(item, f"{field}[{index}]", depth=depth + 1)


class UnsafeTextGuard:
    """Server middleware: refuses a `tools/call` whose arguments hold unsafe text, before the tool runs.

    The refusal is the tool error the SDK would give for a `ToolError` (`is_error`, "Error executing tool
    <name>: ..."), so nothing is written and the model reads what to fix. A `resources/read` of such a URI is
    refused as invalid params. Registered with `MCPServer(..., middleware=[UnsafeTextGuard()])`.
    """

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Check the raw params, then hand the request on."""
        params: Mapping[str, Any] = ctx.params or {}
        if ctx.method == "tools/call" and isinstance(name := params.get("name"), str):
            try:
                reject_unsafe_text(name, "name")
                find_unsafe_text(params.get("arguments") or {}, "arguments")
            except ToolError as exc:
                label = name.encode("unicode_escape").decode("ascii")[:64]
                message = f"Error executing tool {label}: {str(exc).removeprefix('arguments.')}"
                return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
        elif ctx.method == "resources/read" and isinstance(uri := params.get("uri"), str):
            try:
                reject_unsafe_text(uri, "uri")
            except ToolError as exc:
                raise MCPError(code=INVALID_PARAMS, message=str(exc)) from None
        return await call_next(ctx)
