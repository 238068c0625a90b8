"""`TracedModel`: wraps any `ModelClient` so every model request gets an OpenTelemetry span."""

from collections.abc import Mapping
from contextvars import ContextVar

from opentelemetry.trace import Span

from ..events import ModelCalled
from ..settings import Price
from ..storage.ledger import cost_usd, usage_of
from ..telemetry.tracing import Tracing
from ..wire import Message
from .model import ModelClient, ModelRequest, TextCallback

__all__ = ["TracedModel"]


class TracedModel:
    """A `ModelClient` that records a `chat <model>` span per request (numbers only, no message text)."""

    def __init__(self, inner: ModelClient, tracing: Tracing, *, prices: Mapping[str, Price] | None = None) -> None:
        """Wrap `inner`; spans go through `tracing` and carry the cost priced from `prices`."""
        self.inner = inner
        self.tracing = tracing
        self.prices = dict(prices or {})
        # Per task (each turn runs in its own): concurrent turns never parent a tool span on each other's call.
        self._last_span: ContextVar[Span | None] = ContextVar(f"last_span_{id(self)}", default=None)

    @property
    def last_span(self) -> Span | None:
        """The span of this turn's latest model call: tool calls it requested are traced as its children."""
        return self._last_span.get()

    @property
    def label(self) -> str:
        """The wrapped model's label."""
        return self.inner.label

    @property
    def offline(self) -> bool:
        """Whether the wrapped model is offline."""
        return self.inner.offline

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """Run the wrapped model inside a span and record its usage on the span."""
        with self.tracing.model_span(request.model, offline=self.inner.offline) as span:
            message = await self.inner.create(request, on_text=on_text)
            usage = usage_of(message)
            cost = cost_usd(message.model, usage, self.prices) or 0.0
            event = ModelCalled(message.model, message.stop_reason, usage, cost, 0.0, self.inner.offline)
            self.tracing.record_model(span, event)
        self._last_span.set(span)
        return message
