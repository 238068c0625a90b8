"""Sentiment scoring: the local scorer and its rules, the trend, and the Claude scorer with its fallbacks."""

from dataclasses import dataclass
from pathlib import Path

import anyio
import numpy as np
import pytest

from orchestrator.errors import ModelError
from orchestrator.llm.api_rules import check_strict_schema
from orchestrator.llm.model import ModelRequest, TextCallback
from orchestrator.policy import sentiment
from orchestrator.policy.sentiment import (
    MODEL_PATH,
    Label,
    LocalSentimentModel,
    Sentiment,
    score_local,
    trend,
    trigger_reason,
)
from orchestrator.policy.sentiment_claude import REPORT_TOOL, ClaudeSentimentScorer
from orchestrator.policy.weights import MissingWeightsError
from orchestrator.settings import PolicyConfig
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use
from orchestrator.wire import Message

pytestmark = pytest.mark.anyio

FAST = "claude-haiku-4-5"


@dataclass(frozen=True)
class LabelCase:
    id: str
    text: str
    label: Label


LABEL_CASES = [
    LabelCase("thanks", "Thank you so much, that was really helpful!", "positive"),
    LabelCase("great", "Great, thanks!", "positive"),
    LabelCase("furious", "This is absolutely terrible. Worst service ever, I'm furious!", "negative"),
    LabelCase("never-again", "Horrible experience, never ordering again. Absolutely disgusted.", "negative"),
    LabelCase("broken", "The headphones arrived broken.", "negative"),
    LabelCase("question", "Where is my order ORD-78432?", "neutral"),
    LabelCase("return", "Hi, I'd like to return a jacket.", "neutral"),
    LabelCase("negated-positive", "I am not happy with this at all.", "negative"),
    LabelCase(
        "negation-stays-in-its-sentence", "It's been three weeks and still nothing. This is unacceptable!", "negative"
    ),
    LabelCase("fr-negative", "C'est nul, je suis très déçu.", "negative"),
    LabelCase("fr-positive", "Merci beaucoup, c'est parfait", "positive"),
    LabelCase("fr-negated", "Je ne suis pas content du tout", "negative"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in LABEL_CASES])
def test_score_local_labels_clear_messages(case: LabelCase) -> None:
    result = score_local(case.text)
    assert result.label == case.label, result
    assert result.source == "local"
    assert -1.0 <= result.score <= 1.0


def test_a_furious_message_scores_below_the_default_escalation_threshold() -> None:
    assert score_local("This is absolutely terrible. Worst service ever, I'm furious!").score < -0.5


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        pytest.param("I am happy with the service", "I am not happy with the service", id="en"),
        pytest.param("The refund was quick and easy", "The refund was never quick or easy", id="en-never"),
        pytest.param("je suis content", "je ne suis pas content", id="fr"),
    ],
)
def test_negation_lowers_the_score(plain: str, negated: str) -> None:
    assert score_local(negated).score < score_local(plain).score - 0.2


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("   \n", id="blank")])
def test_an_empty_message_is_neutral(text: str) -> None:
    assert score_local(text) == Sentiment(0.0, False, "none", "neutral", "local")


def test_sentiment_rejects_a_score_outside_the_range() -> None:
    with pytest.raises(ValueError, match="outside"):
        Sentiment(1.5)


def test_the_fast_path_gives_the_same_score_as_the_scikit_learn_features() -> None:
    model = sentiment._local_model()  # pyright: ignore[reportPrivateUsage]
    texts = [
        "My order still hasn't arrived!!  nobody answers",
        "a",
        "I ❤️ this 😡 product",
        "Très   déçu\tde la commande",
        "x" * 40 + " y",
        "Don't   do it.\nNever.",
        "résumé naïve café",
        "WORST. SERVICE. EVER.",
    ]
    batch = model.predict(texts)
    for text, expected in zip(texts, batch, strict=True):
        assert model.predict_one(text) == pytest.approx(expected, abs=1e-9), text


def test_weights_survive_a_save_and_load(tmp_path: Path) -> None:
    model = LocalSentimentModel.load(MODEL_PATH)
    model.save(tmp_path / "copy.npz")
    copy = LocalSentimentModel.load(tmp_path / "copy.npz")
    texts = ["Thanks a lot!", "This is awful."]
    assert copy.predict(texts).tolist() == model.predict(texts).tolist()
    assert (copy.center, copy.gain, copy.info) == (model.center, model.gain, model.info)
    assert model.predict([]).shape == (0,)


def test_weights_trained_on_other_vader_features_are_refused(tmp_path: Path) -> None:
    with np.load(MODEL_PATH) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["knots"] = arrays["knots"][:-1]
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ValueError, match="retrain"):
        LocalSentimentModel.load(tmp_path / "old.npz")


def test_without_trained_weights_scoring_fails_naming_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sentiment, "MODEL_PATH", tmp_path / "sentiment.npz")
    sentiment._local_model.cache_clear()  # pyright: ignore[reportPrivateUsage]
    try:
        with pytest.raises(MissingWeightsError, match=r"sentiment\.npz.*training\.train_sentiment"):
            score_local("Great, thanks!")
    finally:
        sentiment._local_model.cache_clear()  # pyright: ignore[reportPrivateUsage]


def test_the_trained_weights_say_how_they_were_trained() -> None:
    model = sentiment._local_model()  # pyright: ignore[reportPrivateUsage]
    assert "train parts" in model.info
    assert model.gain >= 1.0


@dataclass(frozen=True)
class TriggerCase:
    id: str
    text: str
    reason: str


TRIGGER_CASES = [
    TriggerCase("speak-human", "I want to speak to a human", "explicit_human_request"),
    TriggerCase("real-person", "Can I talk to a real person please?", "explicit_human_request"),
    TriggerCase("supervisor", "Let me speak with your supervisor.", "explicit_human_request"),
    TriggerCase("transfer-manager", "Transfer me to a manager now", "explicit_human_request"),
    TriggerCase("get-me-manager", "This is ridiculous!!! Get me a manager right now.", "explicit_human_request"),
    TriggerCase("find-me-human", "Just find me a real human", "explicit_human_request"),
    TriggerCase("get-me-refund", "Can you get me a refund for the broken kettle?", "none"),
    TriggerCase("agents-name", "Get me the agent's name from yesterday's call", "none"),
    TriggerCase("one-word", "Agent!", "explicit_human_request"),
    TriggerCase("human-please", "human please", "explicit_human_request"),
    TriggerCase("curly-apostrophe", "I’d like a real person", "explicit_human_request"),
    TriggerCase("fr-conseiller", "Je veux parler à un conseiller", "explicit_human_request"),
    TriggerCase("fr-humain", "je voudrais parler a un humain svp", "explicit_human_request"),
    TriggerCase("fr-passez-moi", "Passez-moi un responsable !", "explicit_human_request"),
    TriggerCase("negated-request", "I don't need to speak to a human, just tell me where my parcel is", "none"),
    TriggerCase("fr-negated-request", "Je ne veux pas parler à un humain", "none"),
    TriggerCase("delivery-agent", "The delivery agent left my parcel outside", "none"),
    TriggerCase("spoke-before", "I spoke with an agent yesterday about this", "none"),
    TriggerCase("sue", "I'll sue you for this", "threat"),
    TriggerCase("court", "I'm going to take you to court", "threat"),
    TriggerCase("lawyer", "My lawyer will hear about this.", "threat"),
    TriggerCase("contact-lawyer", "I am contacting my attorney today", "threat"),
    TriggerCase("bbb", "I will report you to the BBB", "threat"),
    TriggerCase("consumer-protection", "Reporting this to consumer protection", "threat"),
    TriggerCase("chargeback", "I'm filing a chargeback", "threat"),
    TriggerCase("dispute-bank", "I'll dispute the charge with my bank", "threat"),
    TriggerCase("harm", "I'm going to hurt your staff", "threat"),
    TriggerCase("know-where", "I know where you live", "threat"),
    TriggerCase("fr-plainte", "Je vais porter plainte", "threat"),
    TriggerCase("fr-avocat", "Mon avocat va vous contacter", "threat"),
    TriggerCase("threat-beats-request", "Get me a manager or I'll sue", "threat"),
    TriggerCase("report-bug", "I'll report the bug", "none"),
    TriggerCase("report-problem", "How do I report a damaged item?", "none"),
    TriggerCase("report-to-manager", "I'll report this to my manager at work", "none"),
    TriggerCase("killing-me", "This wait is killing me, where is my parcel?", "none"),
    TriggerCase("kill-app", "Should I kill the app and restart it?", "none"),
    TriggerCase("name-sue", "Sue from accounts placed the order", "none"),
    TriggerCase("issue", "I have an issue with my order", "none"),
    TriggerCase("chargeback-question", "Do chargebacks affect my account?", "none"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in TRIGGER_CASES])
def test_trigger_rules(case: TriggerCase) -> None:
    assert trigger_reason(case.text) == case.reason
    result = score_local(case.text)
    assert result.reason == case.reason
    assert result.escalation_trigger is (case.reason != "none")


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        pytest.param([], None, id="no-scores"),
        pytest.param([0.5], None, id="one-score"),
        pytest.param([0.0, -0.3], "deteriorating", id="two-falling"),
        pytest.param([0.0, -0.1], "stable", id="small-fall"),
        pytest.param([0.0, 0.2], "improving", id="threshold-is-inclusive"),
        pytest.param([0.0, 0.19], "stable", id="just-under-threshold"),
        pytest.param([-0.8, -0.5, -0.2], "improving", id="three-rising"),
        pytest.param([0.4, 0.1, -0.4], "deteriorating", id="three-falling"),
        pytest.param([0.0, -0.9, 0.1], "stable", id="dip-and-back"),
        pytest.param([-1.0, -1.0, -1.0, 0.5, 0.5, 0.5], "stable", id="only-the-window-counts"),
    ],
)
def test_trend(scores: list[float], expected: str | None) -> None:
    assert trend(scores, threshold=PolicyConfig().sentiment_trend_threshold) == expected


def test_trend_window_is_configurable() -> None:
    scores = [-1.0, 0.5, 0.5]
    assert trend(scores, threshold=0.2, window=2) == "stable"
    assert trend(scores, threshold=0.2, window=3) == "improving"


def test_trend_threshold_comes_from_the_policy_config() -> None:
    falling = [0.0, -0.3]
    assert trend(falling, threshold=PolicyConfig().sentiment_trend_threshold) == "deteriorating"
    assert trend(falling, threshold=PolicyConfig(sentiment_trend_threshold=0.5).sentiment_trend_threshold) == "stable"


# --- Claude ---------------------------------------------------------------------------------------------------


def _report(**fields: object) -> Message:
    return tool_use(("report_sentiment", fields), model=FAST)


async def test_claude_scorer_uses_the_fast_model_and_the_strict_tool() -> None:
    model = ScriptedModel([_report(score=-0.7, escalation_trigger=False, reason="none")])
    result, message = await ClaudeSentimentScorer(model, FAST).score("Still nothing, this is awful")
    assert result == Sentiment(-0.7, False, "none", "negative", "claude")
    assert message is not None and message.model == FAST
    (request,) = model.calls
    assert request.model == FAST
    assert list(request.tools) == [REPORT_TOOL]
    assert request.tool_choice == {"type": "tool", "name": "report_sentiment"}  # forced: never a paid text answer
    assert request.cache is False  # rated once, far below Haiku's minimum: no breakpoint
    assert REPORT_TOOL.get("strict") is True
    check_strict_schema(dict(REPORT_TOOL["input_schema"]), "report_sentiment")  # the API's strict mode accepts it
    assert "report_sentiment" in request.system
    assert request.messages[0]["content"] == "<customer_message>\nStill nothing, this is awful\n</customer_message>"
    model.assert_complete()


async def test_claude_trigger_is_kept() -> None:
    model = ScriptedModel([_report(score=-0.2, escalation_trigger=True, reason="explicit_human_request")])
    result, _ = await ClaudeSentimentScorer(model, FAST).score("can someone from your team look at this")
    assert (result.escalation_trigger, result.reason, result.source) == (True, "explicit_human_request", "claude")


async def test_local_rules_still_trigger_when_claude_misses_a_threat() -> None:
    model = ScriptedModel([_report(score=-0.4, escalation_trigger=False, reason="none")])
    result, _ = await ClaudeSentimentScorer(model, FAST).score("Fix it or I'll sue you")
    assert (result.score, result.escalation_trigger, result.reason, result.source) == (-0.4, True, "threat", "claude")


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(_report(score=7, escalation_trigger=False, reason="none"), id="score-out-of-range"),
        pytest.param(_report(score="0.5", escalation_trigger=False, reason="none"), id="score-as-string"),
        pytest.param(_report(score=0.1, escalation_trigger="yes", reason="none"), id="trigger-not-bool"),
        pytest.param(_report(score=0.1, escalation_trigger=False, reason="angry"), id="reason-outside-enum"),
        pytest.param(_report(score=0.1, escalation_trigger=True, reason="none"), id="trigger-without-reason"),
        pytest.param(_report(score=0.1, escalation_trigger=False), id="missing-field"),
        pytest.param(_report(score=0.1, escalation_trigger=False, reason="none", extra=1), id="extra-field"),
        pytest.param(text_reply("The sentiment is negative."), id="text-instead-of-tool"),
        pytest.param(tool_use(("other_tool", {"score": 0.1})), id="other-tool"),
    ],
)
async def test_invalid_claude_output_falls_back_to_the_local_scorer(reply: Message) -> None:
    text = "I want to speak to a human, this is terrible"
    result, message = await ClaudeSentimentScorer(ScriptedModel([reply]), FAST).score(text)
    assert result == score_local(text)
    assert result.source == "local"
    assert message is reply, "the message is returned so that its usage is still recorded"


async def test_a_model_error_falls_back_to_the_local_scorer() -> None:
    model = ScriptedModel([ModelError("overloaded", status_code=529)])
    result, message = await ClaudeSentimentScorer(model, FAST).score("Thanks, that's perfect!")
    assert result == score_local("Thanks, that's perfect!")
    assert message is None


@dataclass
class _HangingModel:
    label: str = "hanging"
    offline: bool = False

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


async def test_a_model_past_the_timeout_falls_back_to_the_local_scorer() -> None:
    with anyio.fail_after(5):
        result, message = await ClaudeSentimentScorer(_HangingModel(), FAST, timeout_s=0).score("ok")
    assert (result.source, message) == ("local", None)


def test_public_names_are_sorted_and_importable() -> None:
    assert sentiment.__all__ == sorted(sentiment.__all__)
    for name in sentiment.__all__:
        assert hasattr(sentiment, name), name
