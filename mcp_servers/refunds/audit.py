"""The refunds audit trail's safety net: every refused call of a refunds tool leaves an audit row.

The tools audit their own outcomes (refunds, replays, rule refusals, identity refusals) in the same transaction as
the change. What they never see, the middleware here records: calls the SDK refuses before the tool runs (schema
violations such as an amount over the bound, a NUL byte in an email) and unexpected failures. The row keeps the
arguments that are well-formed ids and the names of the invalid fields, never the submitted values themselves.
"""

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, cast

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.types import CallToolResult, TextContent

__all__ = ["RefusalRecorder", "mark_audited", "refusal_auditor"]

logger = logging.getLogger(__name__)

_scope: ContextVar[list[bool] | None] = ContextVar("refunds_audit_scope", default=None)
_ORDER = re.compile(r"^ORD-\d{5}$")
_REFUND = re.compile(r"^RF-[0-9A-F]{12}$")
_AGENT = re.compile(r"^[A-Za-z0-9._@+-]{1,64}( [A-Za-z0-9._@+-]+)*$")
_REASONS = frozenset({"defective", "wrong_item", "not_received", "changed_mind", "other"})
_MAX_CENTS = 2**63 - 1


class RefusalRecorder(Protocol):
    """What the middleware writes through (the store's `record_refusal`)."""

    def __call__(
        self,
        order_id: str | None,
        *,
        action: str,
        reason: str | None,
        amount_cents: int | None,
        rule: str,
        detail: str,
        decision: str = "refused",
        refund_id: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Write one committed audit row."""
        ...


def mark_audited() -> None:
    """Note that the current tool call has written its own audit row (the middleware then adds none)."""
    holder = _scope.get()
    if holder is not None:
        holder[0] = True


def refusal_auditor(record: RefusalRecorder, actions: Mapping[str, str]) -> ServerMiddleware[Any]:
    """Middleware auditing the refused calls of the tools in `actions` (tool name -> audit action)."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = ctx.params
        name = params.get("name") if ctx.method == "tools/call" and isinstance(params, Mapping) else None
        action = actions.get(name) if isinstance(name, str) else None
        if action is None:
            return await call_next(ctx)
        raw = cast(Mapping[str, object], params).get("arguments")
        arguments: Mapping[str, object] = cast(Mapping[str, object], raw) if isinstance(raw, Mapping) else {}
        holder = [False]
        token = _scope.set(holder)
        try:
            result = await call_next(ctx)
        except Exception as exc:
            await _write(record, action, arguments, "failed", "malformed_request", type(exc).__name__)
            raise
        finally:
            _scope.reset(token)
        message = _error_text(result)
        if message is not None and not holder[0]:
            invalid = "validation error" in message
            decision, rule = ("refused", "invalid_arguments") if invalid else ("failed", "internal_error")
            await _write(record, action, arguments, decision, rule, _summary(message) if invalid else "tool failed")
        return result

    return middleware


async def _write(
    record: RefusalRecorder, action: str, arguments: Mapping[str, object], decision: str, rule: str, detail: str
) -> None:
    def write() -> None:
        record(
            _match(arguments.get("order_id"), _ORDER),
            action=action,
            reason=reason if isinstance(reason := arguments.get("reason"), str) and reason in _REASONS else None,
            amount_cents=_cents(arguments.get("amount")),
            rule=rule,
            detail=detail[:1000],
            decision=decision,
            refund_id=_match(arguments.get("refund_id"), _REFUND),
            actor=_match(arguments.get("agent"), _AGENT),
        )

    try:
        await anyio.to_thread.run_sync(write)
    except Exception:  # the audit must never turn a refusal into a crash; the log says it is missing
        logger.exception("could not audit a refused %s call", action)


def _match(value: object, pattern: re.Pattern[str]) -> str | None:
    return value if isinstance(value, str) and pattern.match(value) else None


def _cents(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        cents = Decimal(str(value)) * 100
    except InvalidOperation:
        return None
    if not cents.is_finite() or cents != cents.to_integral_value() or not -_MAX_CENTS <= cents <= _MAX_CENTS:
        return None
    return int(cents)


def _error_text(result: HandlerResult) -> str | None:
    """The error text of a refused tool call, or None when it succeeded."""
    if isinstance(result, CallToolResult):
        if not result.is_error:
            return None
        return " ".join(c.text for c in result.content if isinstance(c, TextContent))
    if isinstance(result, dict) and result.get("isError") is True:
        content = result.get("content")
        items = cast(list[object], content) if isinstance(content, list) else []
        return " ".join(str(cast(dict[str, object], c).get("text", "")) for c in items if isinstance(c, dict))
    return None


def _summary(message: str) -> str:
    """'amount: Input should be ...' per invalid field, without the submitted values pydantic adds in brackets."""
    parts: list[str] = []
    field = ""
    for line in message.splitlines()[1:]:
        stripped = line.strip()
        if not stripped or stripped.startswith("For further information"):
            continue
        if line == stripped:
            field = stripped
        else:
            parts.append(f"{field}: {stripped.split(' [type=')[0]}")
    return "invalid arguments: " + ("; ".join(parts) or "refused by the schema")
