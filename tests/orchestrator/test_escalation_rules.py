"""The escalation rules and their thresholds, the unresolved counter, the handoff summary and customer messages."""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from orchestrator.hooks import TurnContext
from orchestrator.policy import escalation
from orchestrator.policy.engine import SupportPolicy
from orchestrator.policy.escalation import (
    ConversationSignals,
    EscalationDecision,
    applied,
    customer_message_for,
    decide,
    escalation_arguments,
    mask_email,
    record_message,
    summarise_for_handoff,
    update_unresolved,
)
from orchestrator.policy.sentiment import Sentiment
from orchestrator.settings import PolicyConfig
from orchestrator.testing.scripted import ScriptedModel

from .support import settings_for

DEFAULT = PolicyConfig()
NONE = EscalationDecision()


@dataclass(frozen=True)
class Case:
    id: str
    signals: ConversationSignals
    expected: EscalationDecision
    config: PolicyConfig = field(default=DEFAULT)


CASES = [
    Case("quiet", ConversationSignals(), NONE),
    Case("threat", ConversationSignals(threat=True), EscalationDecision("escalate", "urgent", "threat")),
    Case(
        "explicit-request",
        ConversationSignals(explicit_human_request=True),
        EscalationDecision("escalate", "urgent", "explicit_human_request"),
    ),
    Case(
        "threat-wins-over-request",
        ConversationSignals(threat=True, explicit_human_request=True),
        EscalationDecision("escalate", "urgent", "threat"),
    ),
    Case("abuse-at-warning-limit", ConversationSignals(abuse_count=2), NONE),
    Case("abuse-past-warnings", ConversationSignals(abuse_count=3), EscalationDecision("escalate", "urgent", "abuse")),
    Case(
        "abuse-without-warnings",
        ConversationSignals(abuse_count=1),
        EscalationDecision("escalate", "urgent", "abuse"),
        PolicyConfig(abuse_warnings_before_escalation=0),
    ),
    Case(
        "three-below-threshold",
        ConversationSignals(scores=(-0.6, -0.7, -0.9)),
        EscalationDecision("escalate", "high", "negative_streak"),
    ),
    Case("two-below-threshold", ConversationSignals(scores=(-0.6, -0.7)), NONE),
    Case("threshold-is-strict", ConversationSignals(scores=(-0.6, -0.5, -0.9)), NONE),
    Case(
        "streak-after-earlier-scores",
        ConversationSignals(scores=(0.3, 0.0, -0.51, -0.8, -0.7)),
        EscalationDecision("escalate", "high", "negative_streak"),
    ),
    Case("streak-broken-by-latest", ConversationSignals(scores=(-0.6, -0.7, -0.9, -0.2)), NONE),
    Case(
        "configured-streak",
        ConversationSignals(scores=(-0.35, -0.4)),
        EscalationDecision("escalate", "high", "negative_streak"),
        PolicyConfig(negative_streak=2, negative_score_threshold=-0.3),
    ),
    Case("two-unresolved", ConversationSignals(unresolved_exchanges=2), NONE),
    Case(
        "three-unresolved",
        ConversationSignals(unresolved_exchanges=3),
        EscalationDecision("offer_human", None, "unresolved"),
    ),
    Case("already-offered", ConversationSignals(unresolved_exchanges=5, offered_human=True), NONE),
    Case(
        "configured-offer",
        ConversationSignals(unresolved_exchanges=1),
        EscalationDecision("offer_human", None, "unresolved"),
        PolicyConfig(unresolved_exchanges_before_offer=1),
    ),
    Case(
        "escalation-beats-offer",
        ConversationSignals(scores=(-0.9, -0.9, -0.9), unresolved_exchanges=3),
        EscalationDecision("escalate", "high", "negative_streak"),
    ),
    Case(
        "never-twice",
        ConversationSignals(threat=True, explicit_human_request=True, abuse_count=9, already_escalated=True),
        EscalationDecision(reason="already_escalated"),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_decide(case: Case) -> None:
    assert decide(case.signals, case.config) == case.expected


@pytest.mark.parametrize(
    ("start", "resolved", "same_issue", "count", "offered"),
    [
        pytest.param(ConversationSignals(), False, False, 1, False, id="first-exchange-on-an-issue"),
        pytest.param(ConversationSignals(unresolved_exchanges=1), False, True, 2, False, id="same-issue-unresolved"),
        pytest.param(
            ConversationSignals(unresolved_exchanges=4, offered_human=True), True, True, 0, False, id="resolved"
        ),
        pytest.param(
            ConversationSignals(unresolved_exchanges=4, offered_human=True), False, False, 1, False, id="new-issue"
        ),
        pytest.param(
            ConversationSignals(unresolved_exchanges=4, offered_human=True), False, True, 5, True, id="offer-is-kept"
        ),
    ],
)
def test_update_unresolved(
    start: ConversationSignals, resolved: bool, same_issue: bool, count: int, offered: bool
) -> None:
    after = update_unresolved(start, resolved, same_issue)
    assert (after.unresolved_exchanges, after.offered_human) == (count, offered)


def _run_turns(signals: ConversationSignals, turns: int, *, same_issue: bool) -> tuple[ConversationSignals, list[str]]:
    actions: list[str] = []
    for n in range(turns):
        signals = update_unresolved(signals, resolved_this_turn=False, same_issue=same_issue or n > 0)
        decision = decide(signals, DEFAULT)
        signals = applied(signals, decision)
        actions.append(decision.action)
    return signals, actions


def test_a_human_is_offered_once_per_unresolved_issue() -> None:
    signals, actions = _run_turns(ConversationSignals(), 6, same_issue=False)
    assert actions == ["none", "none", "offer_human", "none", "none", "none"]
    _, actions = _run_turns(signals, 3, same_issue=False)
    assert actions == ["none", "none", "offer_human"], "a new issue may be offered a human again"


def test_a_conversation_is_escalated_only_once() -> None:
    signals = record_message(ConversationSignals(), Sentiment(-0.2, True, "explicit_human_request", "negative"))
    first = decide(signals, DEFAULT)
    assert first.action == "escalate"
    signals = applied(signals, first)
    signals = record_message(signals, Sentiment(-0.9, True, "threat", "negative"))
    assert decide(signals, DEFAULT) == EscalationDecision(reason="already_escalated")


def test_record_message_appends_the_score_and_replaces_the_latest_flags() -> None:
    signals = ConversationSignals(scores=(0.1,), threat=True, abuse_count=1)
    after = record_message(signals, Sentiment(-0.4, True, "explicit_human_request", "negative"))
    assert after == replace(signals, scores=(0.1, -0.4), threat=False, explicit_human_request=True)
    calm = record_message(after, Sentiment(0.2, label="positive"), abuse_count=2)
    assert (calm.explicit_human_request, calm.threat, calm.abuse_count) == (False, False, 2)


def test_record_message_keeps_a_bounded_history() -> None:
    signals = ConversationSignals()
    for _ in range(escalation.MAX_SCORES + 5):
        signals = record_message(signals, Sentiment(-0.1, label="neutral"))
    assert len(signals.scores) == escalation.MAX_SCORES


def test_signals_survive_the_conversation_state_round_trip() -> None:
    signals = ConversationSignals(
        scores=(0.5, -0.25), threat=True, abuse_count=2, unresolved_exchanges=3, offered_human=True
    )
    stored = json.loads(json.dumps({escalation.STATE_KEY: signals.to_state()}))
    assert ConversationSignals.from_state(stored[escalation.STATE_KEY]) == signals


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(None, id="missing"),
        pytest.param("garbage", id="not-a-dict"),
        pytest.param({"scores": "x", "abuse_count": -3, "threat": "yes", "already_escalated": 1}, id="bad-types"),
        pytest.param({"scores": [True, "a"], "unresolved_exchanges": False}, id="bools-are-not-numbers"),
    ],
)
def test_malformed_state_gives_default_signals(state: object) -> None:
    assert ConversationSignals.from_state(state) == ConversationSignals()


# --- handoff --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        pytest.param("jordan.lee@example.com", "j***@example.com", id="email"),
        pytest.param(" a@b.co ", "a***@b.co", id="short-and-padded"),
        pytest.param("not-an-email", "***", id="no-at"),
        pytest.param("@example.com", "***", id="no-local-part"),
    ],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


def test_the_handoff_summary_gives_the_agent_what_they_need_without_the_full_email() -> None:
    summary = summarise_for_handoff(
        reason="negative_streak",
        problem="My   headphones arrived broken\nand nobody answers.",
        actions=["lookup_order ORD-78432: delivered", "check_refund_eligibility ORD-78432: eligible"],
        scores=[-0.3, -0.6, -0.8],
        sentiment_trend="deteriorating",
        customer_email="jordan.lee@example.com",
        verified=True,
        order_ids=["ORD-78432", "ORD-78432", "ORD-10001"],
    )
    assert summary.splitlines() == [
        "Reason: The customer has been very unhappy for several messages in a row.",
        "Problem: My headphones arrived broken and nobody answers.",
        "Actions so far:",
        "- lookup_order ORD-78432: delivered",
        "- check_refund_eligibility ORD-78432: eligible",
        "Sentiment: deteriorating (latest scores -0.30, -0.60, -0.80; -1 very negative .. +1 very positive)",
        "Customer: j***@example.com (verified)",
        "Orders: ORD-78432, ORD-10001",
    ]
    assert "jordan.lee" not in summary


def test_the_handoff_summary_stays_within_the_tool_limit() -> None:
    summary = summarise_for_handoff(
        reason="a custom reason", problem="x" * 10_000, actions=[f"step {n} " + "y" * 300 for n in range(50)]
    )
    assert len(summary) <= 4000
    assert summary.startswith("Reason: a custom reason\nProblem: xxx")
    assert "(38 earlier ones omitted)" in summary
    assert "Customer: unknown" in summary


def test_escalation_arguments_fit_the_escalate_to_human_tool() -> None:
    decision = EscalationDecision("escalate", "urgent", "threat")
    args = escalation_arguments(
        decision,
        summary="S",
        conversation_id="conv-1",
        sentiment_trend="deteriorating",
        order_ids=["ORD-1", "ORD-2", "ORD-1"],
    )
    assert args == {
        "reason": "The customer made a legal, chargeback or safety threat.",
        "priority": "urgent",
        "conversation_summary": "S",
        "conversation_id": "conv-1",
        "sentiment_trend": "deteriorating",
        "context": {"escalation_rule": "threat", "order_id": "ORD-1", "order_id_2": "ORD-2"},
    }


@pytest.mark.parametrize(
    "decision", [pytest.param(NONE, id="none"), pytest.param(EscalationDecision("offer_human"), id="offer")]
)
def test_escalation_arguments_refuse_a_non_escalation(decision: EscalationDecision) -> None:
    with pytest.raises(ValueError, match="not an escalation"):
        escalation_arguments(decision, summary="S", conversation_id="c")


ESCALATE = EscalationDecision("escalate", "urgent", "explicit_human_request")


@pytest.mark.parametrize(
    ("decision", "result", "french", "expected"),
    [
        pytest.param(
            ESCALATE,
            {"handoff_id": "HO-000042", "queue_position": 2, "already_open": False},
            False,
            "I've passed your conversation to a human agent (reference HO-000042). You're number 2 in the queue; "
            "an agent will join this chat shortly.",
            id="queued",
        ),
        pytest.param(
            ESCALATE,
            {"handoff_id": "HO-000042", "queue_position": 1, "already_open": False},
            False,
            "I've passed your conversation to a human agent (reference HO-000042). You're next in the queue; "
            "an agent will join this chat shortly.",
            id="next",
        ),
        pytest.param(
            ESCALATE,
            {"handoff_id": "HO-000042", "queue_position": None, "already_open": True},
            False,
            "Your conversation is already with our human agents (reference HO-000042). An agent is already on it "
            "and will reply in this chat.",
            id="already-claimed",
        ),
        pytest.param(
            ESCALATE,
            {"handoff_id": "HO-000042", "queue_position": 2, "already_open": False},
            True,
            "J'ai transmis votre conversation à un conseiller (référence HO-000042). Vous êtes numéro 2 dans la "
            "file d'attente ; un conseiller va vous rejoindre ici sous peu.",
            id="french",
        ),
        pytest.param(
            ESCALATE,
            {"handoff_id": "HO-000042", "queue_position": 1, "already_open": True},
            True,
            "Votre conversation est déjà entre les mains de nos conseillers (référence HO-000042). Vous êtes le "
            "prochain dans la file d'attente ; un conseiller va vous rejoindre ici sous peu.",
            id="french-already-open",
        ),
    ],
)
def test_customer_message_after_a_handoff(
    decision: EscalationDecision, result: dict[str, object], french: bool, expected: str
) -> None:
    assert customer_message_for(decision, result, french=french) == expected


@pytest.mark.parametrize(
    "result",
    [pytest.param(None, id="call-failed"), pytest.param({"queue_position": 2}, id="no-handoff-id")],
)
def test_customer_message_when_the_handoff_failed_apologises_without_a_reference(
    result: dict[str, object] | None,
) -> None:
    message = customer_message_for(ESCALATE, result)
    assert "can't be reached" in message
    assert "HO-" not in message
    assert "injoignable" in customer_message_for(ESCALATE, result, french=True)


def test_customer_message_for_an_offer_asks_first() -> None:
    offer = EscalationDecision("offer_human", None, "unresolved")
    assert customer_message_for(offer, None).endswith("Would you like me to pass your conversation to a human agent?")
    assert customer_message_for(offer, None, french=True).endswith("à un conseiller ?")
    assert customer_message_for(NONE, None) == ""


def test_public_names_are_sorted_and_importable() -> None:
    assert escalation.__all__ == sorted(escalation.__all__)
    for name in escalation.__all__:
        assert hasattr(escalation, name), name


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [pytest.param(0.2, "deteriorating", id="shipped"), pytest.param(0.5, "stable", id="configured-higher")],
)
def test_the_sentiment_trend_tool_fill_uses_the_configured_threshold(
    tmp_path: Path, threshold: float, expected: str
) -> None:
    settings = settings_for(tmp_path, [], policy=PolicyConfig(sentiment_trend_threshold=threshold))
    policy = SupportPolicy(settings, model=ScriptedModel([]))
    ctx = TurnContext("conv-1", flags={escalation.STATE_KEY: ConversationSignals(scores=(0.0, -0.3)).to_state()})
    assert policy.conversation_facts(ctx)["sentiment_trend"] == expected


def test_one_reading_gives_no_sentiment_trend_to_fill(tmp_path: Path) -> None:
    policy = SupportPolicy(settings_for(tmp_path, []), model=ScriptedModel([]))
    ctx = TurnContext("conv-1", flags={escalation.STATE_KEY: ConversationSignals(scores=(-0.9,)).to_state()})
    assert "sentiment_trend" not in policy.conversation_facts(ctx)
