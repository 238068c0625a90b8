"""Prometheus metrics from synthetic turn and policy events: the right series, and never PII in a label."""

import re
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from orchestrator.events import (
    CustomerBound,
    Event,
    ModelCalled,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnCompleted,
    Usage,
)
from orchestrator.telemetry.events import ConversationClosed, Escalated, GuardrailTripped, PolicyEvent
from orchestrator.telemetry.prometheus import PrometheusSink, safe_label

pytestmark = pytest.mark.anyio

EMAIL = "jordan.lee@example.com"


def _samples(sink: PrometheusSink) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = sink.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")
    }


def _value(sink: PrometheusSink, name: str, **labels: str) -> float | None:
    return _samples(sink).get((name, tuple(sorted(labels.items()))))


TURN: list[Event | PolicyEvent] = [
    TextDelta(f"Hello {EMAIL}"),
    ToolCallStarted("toolu_1", "lookup_order", "orders", {"order_id": "ORD-78432", "customer_email": EMAIL}),
    ToolCallFinished("toolu_1", "lookup_order", "orders", is_error=False, duration_s=0.02),
    ToolCallFinished("toolu_2", "process_refund", "refunds", is_error=True, duration_s=0.3),
    ToolCallFinished("toolu_3", "process_refund", "refunds", is_error=True, duration_s=0.0, refused=True),
    ModelCalled(
        "claude-sonnet-4-5", "tool_use", Usage(1000, 200, 800, 50), cost_usd=0.0125, duration_s=1.2, offline=False
    ),
    ModelCalled("claude-sonnet-4-5", "end_turn", Usage(1100, 80, 0, 0), cost_usd=0.0045, duration_s=0.7, offline=False),
    ModelCalled("offline-rules", "end_turn", Usage(10, 5), cost_usd=0.0, duration_s=0.001, offline=True),
    CustomerBound("lookup_order"),
    GuardrailTripped("pii"),
    GuardrailTripped("pii"),
    GuardrailTripped("abuse"),
    Escalated("explicit_request", "urgent"),
    ConversationClosed("conv-1", "escalated"),
    TurnCompleted("conv-1", model_calls=3, tool_calls=3, stop_reason="end_turn", duration_s=2.5),
]


async def _feed(sink: PrometheusSink, events: Sequence[Event | PolicyEvent]) -> None:
    for event in events:
        await sink(event)


@pytest.mark.parametrize(
    ("name", "labels", "value"),
    [
        pytest.param("switchboard_turns_total", {}, 1.0, id="turns"),
        pytest.param(
            "switchboard_model_calls_total", {"model": "claude-sonnet-4-5", "offline": "false"}, 2.0, id="model_calls"
        ),
        pytest.param("switchboard_model_calls_total", {"model": "offline-rules", "offline": "true"}, 1.0, id="offline"),
        pytest.param("switchboard_tokens_total", {"model": "claude-sonnet-4-5", "kind": "input"}, 2100.0, id="input"),
        pytest.param("switchboard_tokens_total", {"model": "claude-sonnet-4-5", "kind": "output"}, 280.0, id="output"),
        pytest.param("switchboard_tokens_total", {"model": "claude-sonnet-4-5", "kind": "cache_read"}, 800.0, id="cr"),
        pytest.param("switchboard_tokens_total", {"model": "claude-sonnet-4-5", "kind": "cache_write"}, 50.0, id="cw"),
        pytest.param("switchboard_cost_usd_total", {"model": "claude-sonnet-4-5"}, 0.017, id="cost"),
        pytest.param(
            "switchboard_tool_calls_total",
            {"server": "orders", "tool": "lookup_order", "outcome": "ok"},
            1.0,
            id="tool_ok",
        ),
        pytest.param(
            "switchboard_tool_calls_total",
            {"server": "refunds", "tool": "process_refund", "outcome": "error"},
            1.0,
            id="tool_error",
        ),
        pytest.param(
            "switchboard_tool_calls_total",
            {"server": "refunds", "tool": "process_refund", "outcome": "refused"},
            1.0,
            id="tool_refused",
        ),
        pytest.param(
            "switchboard_tool_call_seconds_count",
            {"server": "refunds", "tool": "process_refund"},
            1.0,
            id="refused_call_has_no_latency",
        ),
        pytest.param(
            "switchboard_tool_call_seconds_bucket",
            {"server": "orders", "tool": "lookup_order", "le": "0.025"},
            1.0,
            id="latency_bucket",
        ),
        pytest.param(
            "switchboard_tool_call_seconds_sum", {"server": "refunds", "tool": "process_refund"}, 0.3, id="latency_sum"
        ),
        pytest.param("switchboard_model_call_seconds_count", {"model": "claude-sonnet-4-5"}, 2.0, id="model_latency"),
        pytest.param("switchboard_guardrail_trips_total", {"kind": "pii"}, 2.0, id="trips_pii"),
        pytest.param("switchboard_guardrail_trips_total", {"kind": "abuse"}, 1.0, id="trips_abuse"),
        pytest.param("switchboard_escalations_total", {"reason": "explicit_request"}, 1.0, id="escalations"),
        pytest.param("switchboard_conversations_closed_total", {"outcome": "escalated"}, 1.0, id="closed"),
    ],
)
async def test_a_turn_of_events_produces_the_expected_series(name: str, labels: dict[str, str], value: float) -> None:
    sink = PrometheusSink()
    await _feed(sink, TURN)
    assert _value(sink, name, **labels) == pytest.approx(value)


async def test_no_cost_or_tokens_series_for_zero_values() -> None:
    sink = PrometheusSink()
    await _feed(sink, TURN)
    assert _value(sink, "switchboard_cost_usd_total", model="offline-rules") is None
    assert _value(sink, "switchboard_tokens_total", model="offline-rules", kind="cache_read") is None
    assert _value(sink, "switchboard_tokens_total", model="offline-rules", kind="input") == 10.0


HOSTILE: list[Event | PolicyEvent] = [
    ToolCallFinished("t1", EMAIL, None, is_error=True, duration_s=0.0),
    ToolCallFinished("t2", "send_to_jordan_lee", None, is_error=True, duration_s=0.0),
    ToolCallFinished("t3", "lookup_order", EMAIL, is_error=False, duration_s=0.1),
    ToolCallFinished("t4", "4242 4242 4242 4242", "orders", is_error=False, duration_s=0.1),
    ModelCalled(f"claude-{EMAIL}", "end_turn", Usage(1, 1), cost_usd=0.1, duration_s=0.1, offline=False),
    GuardrailTripped(f"pii {EMAIL}"),
    Escalated("customer said: call me at +1 415 555 0100"),
]


async def test_label_values_never_contain_an_email_or_customer_text() -> None:
    sink = PrometheusSink()
    await _feed(sink, TURN + HOSTILE)
    values = {v for _name, labels in _samples(sink) for _key, v in labels}
    assert not [v for v in values if re.search(r"@|jordan|4242|555| ", v)]
    assert "@" not in sink.render().decode()
    assert _value(sink, "switchboard_tool_calls_total", server="unknown", tool="unknown", outcome="error") == 2.0
    assert _value(sink, "switchboard_tool_calls_total", server="unknown", tool="lookup_order", outcome="ok") == 1.0
    assert _value(sink, "switchboard_tool_calls_total", server="orders", tool="unknown", outcome="ok") == 1.0
    assert _value(sink, "switchboard_guardrail_trips_total", kind="unknown") == 1.0
    assert _value(sink, "switchboard_escalations_total", reason="unknown") == 1.0
    assert _value(sink, "switchboard_model_calls_total", model="unknown", offline="false") == 1.0


async def test_allowlists_turn_unlisted_tools_and_servers_into_unknown() -> None:
    sink = PrometheusSink(tools=["lookup_order"], servers=["orders"])
    await _feed(
        sink,
        [
            ToolCallFinished("t1", "lookup_order", "orders", is_error=False, duration_s=0.1),
            ToolCallFinished("t2", "loyalty_points", "loyalty", is_error=False, duration_s=0.1),
        ],
    )
    assert _value(sink, "switchboard_tool_calls_total", server="orders", tool="lookup_order", outcome="ok") == 1.0
    assert _value(sink, "switchboard_tool_calls_total", server="unknown", tool="unknown", outcome="ok") == 1.0


async def test_label_cardinality_is_capped() -> None:
    sink = PrometheusSink(max_label_values=3)
    await _feed(sink, [GuardrailTripped(f"kind_{i}") for i in range(5)] + [GuardrailTripped("kind_0")])
    assert _value(sink, "switchboard_guardrail_trips_total", kind="kind_0") == 2.0
    assert _value(sink, "switchboard_guardrail_trips_total", kind="kind_2") == 1.0
    assert _value(sink, "switchboard_guardrail_trips_total", kind="other") == 2.0
    assert _value(sink, "switchboard_guardrail_trips_total", kind="kind_3") is None


async def test_each_sink_owns_its_registry_and_leaves_the_global_one_alone() -> None:
    first, second = PrometheusSink(), PrometheusSink()
    await first(TurnCompleted("c", 1, 0, "end_turn", 0.1))
    assert _value(first, "switchboard_turns_total") == 1.0
    assert _value(second, "switchboard_turns_total") == 0.0
    assert REGISTRY.get_sample_value("switchboard_turns_total") is None


async def test_exposition_declares_types_and_help() -> None:
    sink = PrometheusSink()
    text = sink.render().decode()
    assert "# TYPE switchboard_tool_call_seconds histogram" in text
    assert "# TYPE switchboard_turns_total counter" in text
    assert re.search(r"# HELP switchboard_escalations_total \w", text)


@pytest.mark.parametrize(
    ("value", "allowed", "expected"),
    [
        pytest.param("lookup_order", None, "lookup_order", id="identifier"),
        pytest.param("lookup_order", {"search_faq"}, "unknown", id="not_allowed"),
        pytest.param(None, None, "unknown", id="none"),
        pytest.param("", None, "unknown", id="empty"),
        pytest.param(EMAIL, None, "unknown", id="email"),
        pytest.param("a b", None, "unknown", id="space"),
        pytest.param("x" * 65, None, "unknown", id="too_long"),
    ],
)
def test_safe_label(value: str | None, allowed: set[str] | None, expected: str) -> None:
    assert safe_label(value, allowed=allowed) == expected
