"""Text the databases cannot store: refused at the edge with a clear error, before anything is written.

PostgreSQL rejects NUL characters in text, and no database can encode a lone UTF-16 surrogate (JSON can
escape one, Python decodes it, UTF-8 cannot carry it). SQLite stores a NUL but silently truncates it in places.
So both are refused everywhere, on both databases alike, with a message the model can act on: by the
`UnsafeTextGuard` middleware for every tool argument, or field by field with the `SafeText` pydantic type (put it
after `Field(...)` constraints, so that length messages still count characters).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent
from pydantic import BeforeValidator

__all__ = [
    "SafeText",
    "UnsafeTextError",
    "UnsafeTextGuard",
    "check_text",
    "find_unsafe_text",
    "refuse_unsafe_text",
    "reject_unsafe_text",
]

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
