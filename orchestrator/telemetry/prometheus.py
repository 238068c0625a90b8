"""Prometheus metrics from turn and policy events, on a registry of its own. No PII in any label.

Label values come from the configuration and the code (server and tool names from the registry, model ids,
policy kinds), and each is still checked: a value must be a short identifier (no `@`, no dots, no spaces),
known when an allowlist is given, and each label keeps at most a fixed number of distinct values. Anything
else becomes `unknown` (a tool the model invented, an unroutable call) or `other` (past the cap).
"""

import re
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from ..events import Event, ModelCalled, ToolCallFinished, TurnCompleted
from .events import ConversationClosed, Escalated, GuardrailTripped, PolicyEvent

__all__ = ["PrometheusSink", "safe_label"]

UNKNOWN = "unknown"
OTHER = "other"
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MODEL = re.compile(r"^[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,79}$")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def safe_label(
    value: str | None, *, allowed: Iterable[str] | None = None, pattern: re.Pattern[str] = _IDENTIFIER
) -> str:
    """`value` when it is a well-formed identifier (and in `allowed`, when given), else `unknown`."""
    if value is None or not pattern.match(value):
        return UNKNOWN
    if allowed is not None and value not in allowed:
        return UNKNOWN
    return value


class _Cap:
    """Bounds the distinct values of one label: past `limit`, new values are reported as `other`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.seen or value == UNKNOWN:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


class PrometheusSink:
    """An event sink (`async __call__(event)`) for turns, model calls, tokens, cost, tools, trips and escalations.

    It also counts closed conversations by outcome and model-call latency.

    Args:
        tools: the Claude-facing tool names the registry routes (e.g. `[t["name"] for t in registry.tools()]`);
            when given, other names are labelled `unknown`. A call without a server (unroutable) always is.
        servers: the configured server names; when given, other names are labelled `unknown`.
        max_label_values: the most distinct values any one label takes before new ones become `other`.
    """

    def __init__(
        self,
        *,
        tools: Iterable[str] | None = None,
        servers: Iterable[str] | None = None,
        max_label_values: int = 200,
    ) -> None:
        """Create the metrics on a fresh `CollectorRegistry` (never the process-global default)."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.tools = frozenset(tools) if tools is not None else None
        self.servers = frozenset(servers) if servers is not None else None
        self._caps: dict[str, _Cap] = {}
        self._max = max_label_values
        r = self.registry
        self.turns = Counter("switchboard_turns", "Customer turns completed.", registry=r)
        self.model_calls = Counter(
            "switchboard_model_calls", "Model requests finished.", ["model", "offline"], registry=r
        )
        self.model_seconds = Histogram(
            "switchboard_model_call_seconds", "Model request latency.", ["model"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.tokens = Counter("switchboard_tokens", "Tokens by model and kind.", ["model", "kind"], registry=r)
        self.cost = Counter("switchboard_cost_usd", "Model cost in US dollars.", ["model"], registry=r)
        self.tool_calls = Counter(
            "switchboard_tool_calls", "Tool calls by outcome.", ["server", "tool", "outcome"], registry=r
        )
        self.tool_seconds = Histogram(
            "switchboard_tool_call_seconds",
            "Latency of tool calls that ran (refused calls excluded).",
            ["server", "tool"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.guardrail_trips = Counter("switchboard_guardrail_trips", "Guardrail trips by kind.", ["kind"], registry=r)
        self.escalations = Counter(
            "switchboard_escalations", "Escalations to a human by reason.", ["reason"], registry=r
        )
        self.conversations = Counter(
            "switchboard_conversations_closed", "Conversations closed by KPI outcome.", ["outcome"], registry=r
        )

    async def __call__(self, event: Event | PolicyEvent) -> None:
        """Count one event (events without a metric, such as text deltas, are ignored)."""
        self.observe(event)

    def observe(self, event: Event | PolicyEvent) -> None:
        """The synchronous body of `__call__`."""
        if isinstance(event, TurnCompleted):
            self.turns.inc()
        elif isinstance(event, ModelCalled):
            self._model(event)
        elif isinstance(event, ToolCallFinished):
            self._tool(event)
        elif isinstance(event, GuardrailTripped):
            self.guardrail_trips.labels(kind=self._label("kind", event.kind)).inc()
        elif isinstance(event, Escalated):
            self.escalations.labels(reason=self._label("reason", event.reason)).inc()
        elif isinstance(event, ConversationClosed):
            self.conversations.labels(outcome=self._label("outcome", event.outcome)).inc()

    def render(self) -> bytes:
        """The text exposition format of this sink's registry (serve it at `/metrics`)."""
        return generate_latest(self.registry)

    def _model(self, event: ModelCalled) -> None:
        model = self._label("model", event.model, pattern=_MODEL)
        self.model_calls.labels(model=model, offline=str(event.offline).lower()).inc()
        self.model_seconds.labels(model=model).observe(max(event.duration_s, 0.0))
        usage = event.usage
        for kind, count in (
            ("input", usage.input_tokens),
            ("output", usage.output_tokens),
            ("cache_read", usage.cache_read_input_tokens),
            ("cache_write", usage.cache_creation_input_tokens),
        ):
            if count > 0:
                self.tokens.labels(model=model, kind=kind).inc(count)
        if event.cost_usd > 0:
            self.cost.labels(model=model).inc(event.cost_usd)

    def _tool(self, event: ToolCallFinished) -> None:
        routed = event.server is not None
        server = self._label("server", event.server, allowed=self.servers)
        tool = self._label("tool", event.name if routed else None, allowed=self.tools)
        outcome = "refused" if event.refused else ("error" if event.is_error else "ok")
        self.tool_calls.labels(server=server, tool=tool, outcome=outcome).inc()
        if not event.refused:
            self.tool_seconds.labels(server=server, tool=tool).observe(max(event.duration_s, 0.0))

    def _label(
        self,
        name: str,
        value: str | None,
        *,
        allowed: Iterable[str] | None = None,
        pattern: re.Pattern[str] = _IDENTIFIER,
    ) -> str:
        cap = self._caps.setdefault(name, _Cap(self._max))
        return cap(safe_label(value, allowed=allowed, pattern=pattern))
