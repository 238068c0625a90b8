"""OpenTelemetry spans for a turn, its model calls and its tool calls; message text stays out by default.

Spans follow the OpenTelemetry GenAI conventions: `invoke_agent switchboard` for a customer turn,
`chat <model>` for a model request and `execute_tool <tool>` for a tool call. A tool call is a child of the
model call that requested it when that span is passed as `parent` (the model span has ended by then, which
OpenTelemetry allows), else of the current span. Without `TracingConfig.include_text`, no message text, tool
argument or exception message is ever attached: exceptions are recorded by type only.

Configure the exporter (OTLP, console...) at the edge with a `TracerProvider`; without one, the global
provider applies, which is a no-op until configured.
"""

import json
import re
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue

from ..events import ModelCalled, ToolCallFinished

__all__ = ["TEXT_ATTRIBUTES", "Tracing", "TracingConfig"]

_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TEXT_ATTRIBUTES = frozenset(
    {"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.arguments", "exception.message"}
)
"""Attributes that may carry customer text; set only with `include_text`."""


@dataclass(frozen=True)
class TracingConfig:
    """What spans may carry."""

    include_text: bool = False
    """Attach message text, tool arguments and exception messages (off by default: they may hold PII).
    Wire it to `PolicyConfig.include_message_text_in_traces`."""
    agent_name: str = "switchboard"


class Tracing:
    """Span helpers for the orchestrator: `turn_span` → `model_span` → `tool_span`."""

    def __init__(self, config: TracingConfig | None = None, *, provider: TracerProvider | None = None) -> None:
        """Trace with `provider` (the global provider when None) under the instrumentation name `switchboard`."""
        self.config = config or TracingConfig()
        self.tracer = trace.get_tracer("switchboard", tracer_provider=provider)

    @contextmanager
    def turn_span(self, conversation_id: str, *, text: str | None = None) -> Generator[Span]:
        """The span of one customer turn; `text` (the customer message) is attached only with `include_text`."""
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": self.config.agent_name,
            "gen_ai.conversation.id": conversation_id,
        }
        with self._span(f"invoke_agent {self.config.agent_name}", attributes, SpanKind.SERVER) as span:
            if text is not None:
                self.add_text(span, "gen_ai.input.messages", text)
            yield span

    @contextmanager
    def model_span(self, model: str, *, offline: bool = False) -> Generator[Span]:
        """The span of one model request; finish it with `record_model(span, event)`."""
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "switchboard.offline" if offline else "anthropic",
            "gen_ai.request.model": model,
        }
        with self._span(f"chat {model}", attributes, SpanKind.CLIENT) as span:
            yield span

    @contextmanager
    def tool_span(
        self,
        server: str | None,
        tool: str,
        *,
        tool_use_id: str | None = None,
        arguments: Mapping[str, object] | None = None,
        parent: Span | None = None,
    ) -> Generator[Span]:
        """The span of one tool call; finish it with `record_tool(span, event)`.

        Args:
            server: the server the call is routed to; None for a tool no server offers (then the name the model
                invented is not recorded, only `unknown`).
            tool: the Claude-facing tool name.
            tool_use_id: the `tool_use` block id.
            arguments: the tool arguments, attached only with `include_text`.
            parent: the model span that requested the call; the current span when None.
        """
        name = tool if server is not None and _TOOL_NAME.match(tool) else "unknown"
        attributes: dict[str, AttributeValue] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name}
        if server is not None:
            attributes["switchboard.mcp.server"] = server
        if tool_use_id is not None:
            attributes["gen_ai.tool.call.id"] = tool_use_id
        context = trace.set_span_in_context(parent) if parent is not None else None
        with self._span(f"execute_tool {name}", attributes, SpanKind.INTERNAL, context) as span:
            if arguments is not None:
                self.add_text(
                    span, "gen_ai.tool.call.arguments", json.dumps(arguments, default=str, ensure_ascii=False)
                )
            yield span

    def record_model(self, span: Span, event: ModelCalled) -> None:
        """Attach a finished model call's model, stop reason, usage and cost (numbers only) to its span."""
        span.set_attribute("gen_ai.response.model", event.model)
        if event.stop_reason is not None:
            span.set_attribute("gen_ai.response.finish_reasons", [event.stop_reason])
        span.set_attribute("gen_ai.usage.input_tokens", event.usage.input_tokens)
        span.set_attribute("gen_ai.usage.output_tokens", event.usage.output_tokens)
        span.set_attribute("gen_ai.usage.cache_read.input_tokens", event.usage.cache_read_input_tokens)
        span.set_attribute("gen_ai.usage.cache_creation.input_tokens", event.usage.cache_creation_input_tokens)
        span.set_attribute("switchboard.cost_usd", event.cost_usd)

    def record_tool(self, span: Span, event: ToolCallFinished) -> None:
        """Attach a finished tool call's outcome to its span (an error result sets the span status to ERROR)."""
        span.set_attribute("switchboard.tool.is_error", event.is_error)
        span.set_attribute("switchboard.tool.refused", event.refused)
        if event.is_error:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("error.type", "refused" if event.refused else "tool_error")

    def add_text(self, span: Span, key: str, text: str) -> bool:
        """Attach `text` under `key` only when `include_text` is on; return whether it was attached."""
        if not self.config.include_text:
            return False
        span.set_attribute(key, text)
        return True

    @contextmanager
    def _span(
        self,
        name: str,
        attributes: dict[str, AttributeValue],
        kind: SpanKind,
        context: Context | None = None,
    ) -> Generator[Span]:
        # The SDK's own exception recording copies str(exc) (which may quote customer data) into the span.
        with self.tracer.start_as_current_span(
            name,
            context=context,
            kind=kind,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as exc:
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", type(exc).__qualname__)
                if self.config.include_text:
                    span.record_exception(exc)
                raise
