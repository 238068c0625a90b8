"""OpenTelemetry spans: turn → model call → tool call nesting, GenAI attributes, and no text or PII by default."""

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from orchestrator.events import ModelCalled, ToolCallFinished, Usage
from orchestrator.telemetry.tracing import TEXT_ATTRIBUTES, Tracing, TracingConfig

EMAIL = "jordan.lee@example.com"
MESSAGE = f"I'm {EMAIL}, card 4242 4242 4242 4242, my order ORD-78432 is broken"
ARGUMENTS: dict[str, object] = {"order_id": "ORD-78432", "customer_email": EMAIL}


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


def _tracing(exporter: InMemorySpanExporter, *, include_text: bool = False) -> Tracing:
    provider = TracerProvider()  # local: the global provider is never set
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(TracingConfig(include_text=include_text), provider=provider)


def _run_turn(tracing: Tracing, *, fail_tool: bool = False) -> None:
    with tracing.turn_span("conv-1", text=MESSAGE):
        with tracing.model_span("claude-sonnet-4-5") as model:
            tracing.record_model(
                model, ModelCalled("claude-sonnet-4-5", "tool_use", Usage(900, 120, 800, 0), 0.01, 1.1, False)
            )
        with tracing.tool_span("orders", "lookup_order", tool_use_id="toolu_1", arguments=ARGUMENTS, parent=model) as t:
            tracing.record_tool(t, ToolCallFinished("toolu_1", "lookup_order", "orders", fail_tool, 0.02))
        with tracing.tool_span(None, f"email_{EMAIL}", tool_use_id="toolu_2", arguments=ARGUMENTS, parent=model) as t:
            tracing.record_tool(t, ToolCallFinished("toolu_2", f"email_{EMAIL}", None, True, 0.0))
        with tracing.model_span("claude-sonnet-4-5") as model:
            tracing.record_model(
                model, ModelCalled("claude-sonnet-4-5", "end_turn", Usage(1000, 60), 0.004, 0.6, False)
            )


def _by_name(exporter: InMemorySpanExporter) -> dict[str, list[ReadableSpan]]:
    spans: dict[str, list[ReadableSpan]] = {}
    for span in exporter.get_finished_spans():
        spans.setdefault(span.name, []).append(span)
    return spans


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def _id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def test_turn_is_the_root_model_calls_its_children_and_tool_calls_children_of_the_requesting_model_call(
    exporter: InMemorySpanExporter,
) -> None:
    _run_turn(_tracing(exporter))
    spans = _by_name(exporter)
    assert sorted(spans) == [
        "chat claude-sonnet-4-5",
        "execute_tool lookup_order",
        "execute_tool unknown",
        "invoke_agent switchboard",
    ]
    (turn,) = spans["invoke_agent switchboard"]
    first_model, second_model = spans["chat claude-sonnet-4-5"]
    assert _parent_id(turn) is None
    assert [_parent_id(first_model), _parent_id(second_model)] == [_id(turn), _id(turn)]
    assert _parent_id(spans["execute_tool lookup_order"][0]) == _id(first_model)
    assert _parent_id(spans["execute_tool unknown"][0]) == _id(first_model)
    assert len({s.context.trace_id for s in exporter.get_finished_spans() if s.context}) == 1


def test_a_tool_span_without_parent_nests_under_the_current_span(exporter: InMemorySpanExporter) -> None:
    tracing = _tracing(exporter)
    with tracing.turn_span("conv-1"), tracing.model_span("m"), tracing.tool_span("faq", "search_faq"):
        pass
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert _parent_id(spans["execute_tool search_faq"]) == _id(spans["chat m"])
    assert _parent_id(spans["chat m"]) == _id(spans["invoke_agent switchboard"])


def test_spans_carry_genai_attributes_and_usage(exporter: InMemorySpanExporter) -> None:
    _run_turn(_tracing(exporter))
    spans = _by_name(exporter)
    assert dict(spans["invoke_agent switchboard"][0].attributes or {}) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "switchboard",
        "gen_ai.conversation.id": "conv-1",
    }
    model = dict(spans["chat claude-sonnet-4-5"][0].attributes or {})
    assert model == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.response.model": "claude-sonnet-4-5",
        "gen_ai.response.finish_reasons": ("tool_use",),
        "gen_ai.usage.input_tokens": 900,
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.usage.cache_read.input_tokens": 800,
        "gen_ai.usage.cache_creation.input_tokens": 0,
        "switchboard.cost_usd": 0.01,
    }
    tool = spans["execute_tool lookup_order"][0]
    assert dict(tool.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup_order",
        "switchboard.mcp.server": "orders",
        "gen_ai.tool.call.id": "toolu_1",
        "switchboard.tool.is_error": False,
        "switchboard.tool.refused": False,
    }
    assert tool.status.status_code is StatusCode.UNSET


def test_a_tool_error_marks_the_span_as_error(exporter: InMemorySpanExporter) -> None:
    _run_turn(_tracing(exporter), fail_tool=True)
    tool = _by_name(exporter)["execute_tool lookup_order"][0]
    assert tool.status.status_code is StatusCode.ERROR
    assert (tool.attributes or {})["error.type"] == "tool_error"


def _all_text(exporter: InMemorySpanExporter) -> str:
    parts: list[str] = []
    for span in exporter.get_finished_spans():
        parts.append(span.name)
        parts.extend(f"{k}={v}" for k, v in (span.attributes or {}).items())
        for event in span.events:
            parts.append(event.name)
            parts.extend(f"{k}={v}" for k, v in (event.attributes or {}).items())
        parts.append(span.status.description or "")
    return "\n".join(parts)


def test_by_default_no_message_text_tool_arguments_or_pii_reach_any_span(exporter: InMemorySpanExporter) -> None:
    _run_turn(_tracing(exporter))
    text = _all_text(exporter)
    assert "@" not in text and "4242" not in text and "ORD-78432" not in text and "broken" not in text
    keys = {k for s in exporter.get_finished_spans() for k in (s.attributes or {})}
    assert not keys & TEXT_ATTRIBUTES


def test_exceptions_are_recorded_by_type_only_by_default(exporter: InMemorySpanExporter) -> None:
    tracing = _tracing(exporter)
    with pytest.raises(LookupError), tracing.turn_span("conv-1"), tracing.tool_span("orders", "lookup_order"):
        raise LookupError(f"no order for {EMAIL}")
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    for span in spans:
        assert span.status.status_code is StatusCode.ERROR
        assert (span.attributes or {})["error.type"] == "LookupError"
        assert span.events == ()
    assert EMAIL not in _all_text(exporter)


def test_with_include_text_the_message_arguments_and_exception_are_attached(exporter: InMemorySpanExporter) -> None:
    tracing = _tracing(exporter, include_text=True)
    _run_turn(tracing)
    with pytest.raises(LookupError), tracing.turn_span("conv-2"):
        raise LookupError(f"no order for {EMAIL}")
    spans = _by_name(exporter)
    assert (spans["invoke_agent switchboard"][0].attributes or {})["gen_ai.input.messages"] == MESSAGE
    arguments = (spans["execute_tool lookup_order"][0].attributes or {})["gen_ai.tool.call.arguments"]
    assert arguments == '{"order_id": "ORD-78432", "customer_email": "jordan.lee@example.com"}'
    failed = spans["invoke_agent switchboard"][1]
    assert [e.name for e in failed.events] == ["exception"]


def test_an_invented_tool_name_is_not_recorded(exporter: InMemorySpanExporter) -> None:
    _run_turn(_tracing(exporter))
    (unknown,) = _by_name(exporter)["execute_tool unknown"]
    assert (unknown.attributes or {})["gen_ai.tool.name"] == "unknown"
    assert "switchboard.mcp.server" not in (unknown.attributes or {})


def test_offline_model_calls_are_labelled_as_such(exporter: InMemorySpanExporter) -> None:
    tracing = _tracing(exporter)
    with tracing.model_span("offline-rules", offline=True):
        pass
    (span,) = exporter.get_finished_spans()
    assert (span.attributes or {})["gen_ai.provider.name"] == "switchboard.offline"


def test_add_text_reports_whether_text_was_attached(exporter: InMemorySpanExporter) -> None:
    for include_text in (False, True):
        tracing = _tracing(exporter, include_text=include_text)
        with tracing.turn_span("c") as span:
            assert tracing.add_text(span, "gen_ai.output.messages", "hello") is include_text


def test_without_a_provider_the_unconfigured_global_provider_records_nothing() -> None:
    tracing = Tracing()
    assert tracing.config.include_text is False
    with tracing.turn_span("conv-1") as span:
        assert not span.is_recording()
