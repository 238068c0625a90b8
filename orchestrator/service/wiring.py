"""What an orchestrator is built from: the model, and the typed policy stack that checks and observes turns."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from mcp_servers._common.storage import Database

from ..events import EventSink
from ..hooks import InputCheck, OutputCheck, ToolCheck, TurnPolicy
from ..llm.model import ModelClient
from ..policy.engine import build_guardrails
from ..settings import Settings
from ..telemetry.kpi import KpiStore
from ..telemetry.prometheus import PrometheusSink


@dataclass(frozen=True)
class PolicyStack:
    """The checks around each turn, the conversation policy, and where turn events and KPIs go."""

    input_checks: Sequence[InputCheck] = ()
    """Run in order on the customer's message before the model; one may answer instead of it."""
    output_checks: Sequence[OutputCheck] = ()
    """Run on the reply (and on streamed text) before the customer sees it."""
    tool_checks: Sequence[ToolCheck] = ()
    """Run before each tool call; one may refuse it."""
    sinks: Sequence[EventSink] = ()
    """Receive every event of every turn (metrics)."""
    policy: TurnPolicy | None = None
    """Observes turns, adds warnings, escalates and closes conversations."""
    kpi: KpiStore | None = None
    """Records conversation outcomes and ratings."""
    prometheus: PrometheusSink | None = None
    """Serves the metrics the sinks count."""


def standard_stack(settings: Settings, db: Database, model: ModelClient) -> PolicyStack:
    """Guardrails, sentiment and escalation, KPI recording and Prometheus metrics on `db`."""
    kpi = KpiStore(db, reopen_window_hours=settings.policy.reopen_window_hours)
    kpi.prepare()
    # Tool labels are not fixed at start: tools of a server that comes up later join the catalog (routed calls
    # only, so labels stay bounded by the catalog and the sink's cap).
    prometheus = PrometheusSink(servers=[s.name for s in settings.servers])
    guards = build_guardrails(settings, model=model, kpi=kpi, sinks=[prometheus])
    return PolicyStack(
        input_checks=guards.input_checks,
        output_checks=guards.output_checks,
        tool_checks=guards.tool_checks,
        sinks=[prometheus],
        policy=guards.policy,
        kpi=kpi,
        prometheus=prometheus,
    )


def build_model(settings: Settings) -> ModelClient:
    """Claude when a key is set (and offline mode is not forced), else the offline rule-based model."""
    if settings.uses_claude:
        from ..llm.anthropic_model import AnthropicModel

        return AnthropicModel(settings.model, api_key=settings.api_key, base_url=settings.base_url)
    from ..offline import OfflineModel

    return OfflineModel()


@runtime_checkable
class AsyncClosable(Protocol):
    """A model that holds connections (e.g. `AnthropicModel`)."""

    async def aclose(self) -> None:
        """Close them."""
        ...
