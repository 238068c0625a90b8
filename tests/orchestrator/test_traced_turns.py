"""Traced model calls through the orchestrator: priced spans, per-turn parents, and the model's connections closed."""

from pathlib import Path
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from orchestrator import Orchestrator
from orchestrator.events import ModelCalled
from orchestrator.llm.anthropic_model import AnthropicModel
from orchestrator.llm.model import ModelRequest, TextCallback
from orchestrator.settings import ModelConfig, Price
from orchestrator.telemetry.tracing import Tracing, TracingConfig
from orchestrator.testing.scripted import text_reply, tool_use

from .support import in_memory, real_targets, settings_for

pytestmark = pytest.mark.anyio

SNAPSHOT = "claude-sonnet-4-6-20260301"
PRICES = {"claude-sonnet-4-6": Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)}


class SlowTwoStepModel:
    """Per conversation: a search_faq call, then (after both turns have called it) a text reply."""

    label = "scripted"
    offline = False

    def __init__(self) -> None:
        self.asked = 0
        self.both_called = anyio.Event()

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Any:
        if request.messages[-1]["role"] == "user" and isinstance(request.messages[-1]["content"], str):
            self.asked += 1
            if self.asked == 2:
                self.both_called.set()
            await self.both_called.wait()  # both turns' model calls overlap before either runs its tool
            return tool_use(("search_faq", {"query": "returns"}), model=SNAPSHOT)
        return text_reply("Returns are free within 30 days.", model=SNAPSHOT)


async def test_concurrent_turns_parent_tools_on_their_own_model_call_and_spans_carry_the_cost(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing = Tracing(TracingConfig(), provider=provider)
    settings = settings_for(tmp_path, [in_memory("faq")], model=ModelConfig(prices=PRICES))
    model = SlowTwoStepModel()
    async with Orchestrator.open(
        settings, model=model, targets=real_targets(tmp_path, ["faq"]), tracing=tracing
    ) as orch:
        first, second = orch.start(), orch.start()
        events: list[ModelCalled] = []

        async def sink(event: Any) -> None:
            if isinstance(event, ModelCalled):
                events.append(event)

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: orch.respond(first, "How do returns work?", emit=sink))
                tg.start_soon(lambda: orch.respond(second, "How do returns work?", emit=sink))
        ledger = orch.store.ledger(first)
    spans = exporter.get_finished_spans()
    turns = [s for s in spans if s.name.startswith("invoke_agent")]
    by_id = {s.context.span_id: s for s in spans if s.context is not None}

    def turn_of(span: ReadableSpan) -> ReadableSpan:
        while span.parent is not None:
            span = by_id[span.parent.span_id]
        return span

    tools = [s for s in spans if s.name.startswith("execute_tool")]
    assert len(tools) == 2
    for tool in tools:
        assert tool.parent is not None
        parent = by_id[tool.parent.span_id]
        assert parent.name.startswith("chat")
        assert turn_of(parent) is turn_of(tool)  # the tool hangs under its own turn's model call
    assert len({id(turn_of(t)) for t in tools}) == 2 and len(turns) == 2  # one tool under each turn
    costs = [(s.attributes or {}).get("switchboard.cost_usd") for s in spans if s.name.startswith("chat")]
    assert costs and all(isinstance(c, float) and c > 0 for c in costs)  # a dated snapshot id is priced
    assert all(entry.priced for entry in ledger)  # and not flagged unpriced on the dashboard


async def test_a_model_built_by_the_orchestrator_is_closed_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[bool] = []

    async def aclose(self: AnthropicModel) -> None:
        closed.append(True)

    monkeypatch.setattr(AnthropicModel, "aclose", aclose)
    settings = settings_for(tmp_path, [in_memory("faq")]).model_copy(update={"api_key": SecretStr("sk-test")})
    async with Orchestrator.open(settings, targets=real_targets(tmp_path, ["faq"])) as orch:
        assert isinstance(orch.model.inner, AnthropicModel)
        assert closed == []
    assert closed == [True]
