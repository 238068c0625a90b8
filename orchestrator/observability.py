"""`TracedModel`: wraps any `ModelClient` so every model request gets an OpenTelemetry span."""

from anthropic.types import Message
from opentelemetry.trace import Span

from .events import ModelCalled
from .ledger import usage_of
from .model import ModelClient, ModelRequest, TextCallback
from .policy.tracing import Tracing

__all__ = ["TracedModel"]


class TracedModel:
    """A `ModelClient` that records a `chat <model>` span per request (numbers only, no message text)."""

    def __init__(self, inner: ModelClient, tracing: Tracing) -> None:
        """Wrap `inner`; spans go through `tracing`."""
        self.inner = inner
        self.tracing = tracing
        self.last_span: Span | None = None
        """The span of the latest model call: tool calls it requested are traced as its children."""

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
            event = ModelCalled(message.model, message.stop_reason, usage_of(message), 0.0, 0.0, self.inner.offline)
            self.tracing.record_model(span, event)
        self.last_span = span
        return message
