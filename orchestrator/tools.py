"""`ToolRunner`: runs one `tool_use` block through the registry with identity binding and policy checks."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp.types import REQUEST_TIMEOUT, CallToolResult, TextContent
from opentelemetry.trace import Span

from .errors import OrchestratorError, ServerUnavailableError
from .events import CustomerBound, EventSink, ToolCallFinished, ToolCallStarted
from .hooks import FailedCall, ToolCall, ToolCheck, TurnContext
from .redaction import mask_for_model
from .registry.offer import LOAD_TOOLS, ToolOffer
from .registry.registry import CallInterruptedError, ServerRegistry, ToolCallFailedError, ToolRoute
from .telemetry.tracing import Tracing
from .wire import ToolUseBlock

if TYPE_CHECKING:
    from anthropic.types import ToolParam, ToolResultBlockParam

__all__ = ["CUSTOMER_META_KEY", "ToolRecord", "ToolRunner", "result_text", "unavailable_text"]

logger = logging.getLogger(__name__)

CUSTOMER_META_KEY = "switchboard/customer"
"""The `_meta` key carrying the bound customer's email on every `tools/call` once a customer is verified.

The wire contract (docs/identity.md, "Wire contract"): the servers read the same key on their side
(`mcp_servers/_common/identity.py`); this side only produces it, in `ToolRunner._call`.
"""


@dataclass(frozen=True)
class ToolRecord:
    """One executed (or refused) tool call, for the conversation store."""

    tool_use_id: str
    name: str
    server: str | None
    arguments: dict[str, object]
    is_error: bool
    refused: bool
    duration_ms: int
    content: str


_PRIVATE = (
    " This note is for you only: do not quote it, and do not mention servers, connections or technical details to "
    "the customer."
)


def unavailable_text(route: ToolRoute, exc: OrchestratorError) -> tuple[str, bool | None]:
    """What the model is told when a call failed outside the tool, and whether it may have run (None: not such).

    The wording names no server, host or error code, so nothing internal can be echoed to the customer.
    """
    if isinstance(exc, CallInterruptedError) or (isinstance(exc, ToolCallFailedError) and exc.code == REQUEST_TIMEOUT):
        again = (
            " Trying again with exactly the same arguments is safe: it is never carried out twice."
            if route.definition.annotations is not None and route.definition.annotations.idempotent_hint
            else ""
        )
        text = (
            f"The system behind {route.claude_name} stopped responding during the call, so it could not be confirmed "
            f"whether it was carried out.{again} Apologise, say you could not confirm the result, and ask the customer "
            "whether you should try again; otherwise offer a ticket or a human agent."
        )
        return text + _PRIVATE, True
    if isinstance(exc, ServerUnavailableError):
        text = (
            f"The system behind {route.claude_name} is temporarily unavailable, so this tool could not be run and "
            "nothing was changed. Apologise, say the system is briefly unavailable, and ask the customer whether you "
            "should try again in a moment; otherwise offer a ticket or a human agent."
        )
        return text + _PRIVATE, False
    return (
        "The tool could not be run (the request was refused before it ran). Apologise and offer another way to "
        "help, such as a ticket or a human agent." + _PRIVATE
    ), None


def result_text(result: CallToolResult) -> str:
    """The tool result as the model reads it: structured JSON when present, else the text blocks."""
    if result.structured_content is not None and not result.is_error:
        return json.dumps(result.structured_content, ensure_ascii=False, default=str)
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    return text or "(empty result)"


class ToolRunner:
    """Implements the loop's `ToolExecutor` for one turn of one conversation."""

    def __init__(
        self,
        registry: ServerRegistry,
        ctx: TurnContext,
        *,
        checks: Sequence[ToolCheck] = (),
        emit: EventSink,
        inspect: Callable[[str, TurnContext], str] | None = None,
        tracing: Tracing | None = None,
        parent_span: Callable[[], Span | None] | None = None,
        offer: ToolOffer | None = None,
    ) -> None:
        """Bind the runner to a registry, the turn's context, the tool checks and a result inspector."""
        self.registry = registry
        self.offer = offer
        self.ctx = ctx
        self.checks = list(checks)
        self.emit = emit
        self.inspect = inspect
        self.tracing = tracing or Tracing()
        self.parent_span = parent_span or (lambda: None)
        self.records: list[ToolRecord] = []

    def definitions(self) -> list[ToolParam]:
        """The tools offered now: the compact catalog when an offer is configured, else the registry's as they are."""
        return self.offer.definitions(self.ctx) if self.offer is not None else self.registry.tools()

    async def run(self, use: ToolUseBlock) -> ToolResultBlockParam:
        """Route, check, call with the bound customer in `_meta`, and turn every failure into `is_error`."""
        route = self.registry.route(use.name)
        server = route.server if route else None
        arguments: dict[str, object] = dict(use.input)
        with self.tracing.tool_span(
            server, use.name, tool_use_id=use.id, arguments=arguments, parent=self.parent_span()
        ) as span:
            result, finished = await self._run(use, arguments, route)
            self.tracing.record_tool(span, finished)
        return result

    async def _run(
        self, use: ToolUseBlock, arguments: dict[str, object], route: ToolRoute | None
    ) -> tuple[ToolResultBlockParam, ToolCallFinished]:
        started = time.perf_counter()
        server = route.server if route else None
        await self.emit(ToolCallStarted(use.id, use.name, server, arguments))
        refused = False
        if route is None and use.name == LOAD_TOOLS and self.offer is not None:
            content, is_error = self.offer.load(arguments.get("names"), self.ctx)
        elif route is None:
            available = ", ".join(t["name"] for t in self.definitions())
            content, is_error = f"Unknown tool {use.name!r}. Available tools: {available}.", True
        else:
            call = ToolCall(use.id, use.name, route.server, route.tool, arguments, route.read_only)
            refusal = await self._check(call)
            if refusal is not None:
                content, is_error, refused = refusal, True, True
            else:
                sent = self.offer.fill(use.name, arguments, self.ctx) if self.offer is not None else arguments
                content, is_error, from_server = await self._call(route, sent)
                content = mask_for_model(content)  # the model never needs a phone, card or street address
                self.ctx.turn_tools.append((route.tool, is_error))
                if not is_error and route.verifies_identity:  # only the server configured to verify identity
                    await self._bind(arguments, use.name)
                if self.inspect is not None and from_server:  # our own error notes are not tool output
                    content = self.inspect(content, self.ctx)
        duration = time.perf_counter() - started
        self.records.append(
            ToolRecord(use.id, use.name, server, arguments, is_error, refused, int(duration * 1000), content)
        )
        finished = ToolCallFinished(use.id, use.name, server, is_error, duration, refused)
        await self.emit(finished)
        return {"type": "tool_result", "tool_use_id": use.id, "content": content, "is_error": is_error}, finished

    async def _check(self, call: ToolCall) -> str | None:
        for check in self.checks:
            if (refusal := await check.check_tool_call(call, self.ctx)) is not None:
                return refusal
        return None

    async def _call(self, route: ToolRoute, arguments: dict[str, object]) -> tuple[str, bool, bool]:
        """(content, is_error, whether the content came from the server).

        Produces the `switchboard/customer` binding: with a verified customer and a server trusted with it
        (`route.receives_customer`), the call's `_meta` carries its email under `CUSTOMER_META_KEY`; otherwise the
        call carries no `_meta` (docs/identity.md).
        """
        name = route.claude_name
        bound = self.ctx.customer_email if route.receives_customer else None
        meta: dict[str, object] | None = {CUSTOMER_META_KEY: bound} if bound else None
        try:
            result = await self.registry.call(name, arguments, meta=meta)
        except OrchestratorError as exc:
            logger.warning("tool %s failed: %s", name, type(exc).__name__)
            text, may_have_run = unavailable_text(route, exc)
            if may_have_run is not None:
                self.ctx.failed_calls.append(FailedCall(route.tool, dict(arguments), may_have_run))
            return text, True, False
        except Exception:  # the one sanctioned catch-all: the tool-dispatch boundary (STYLE C4)
            logger.exception("tool %s raised unexpectedly", name)
            return (
                "The tool failed unexpectedly. Apologise and offer a ticket or a human agent." + _PRIVATE,
                True,
                False,
            )
        return result_text(result), bool(result.is_error), True

    async def _bind(self, arguments: dict[str, object], via: str) -> None:
        email = arguments.get("customer_email")
        if isinstance(email, str) and self.ctx.customer_email is None:
            self.ctx.customer_email = email.strip().lower()
            await self.emit(CustomerBound(via_tool=via))
