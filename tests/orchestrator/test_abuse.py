"""Abuse detection: attacks on people are abuse, swearing at things is only profanity; warnings and counting."""

from dataclasses import dataclass

import pytest

from orchestrator.hooks import TurnContext
from orchestrator.policy.abuse import (
    ABUSE_WARNING_1,
    ABUSE_WARNING_2,
    MODEL_PATH,
    AbuseCheck,
    abuse_response,
    classify_abuse,
    decide_abuse,
    model_text,
    normalize_abuse_text,
)
from orchestrator.policy.textclf import HashedLinearModel

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    abusive: bool
    profane: bool


CASES = [
    Case("insult-agent", "you're a useless idiot", True, False),
    Case("insult-censored", "you f***ing moron, where is my refund", True, True),
    Case("fuck-you", "fuck you", True, True),
    Case("fuck-you-censored", "f*ck you", True, True),
    Case("threat-find", "I'll find you", True, False),
    Case("threat-kill", "I'm going to kill you", True, False),
    Case("threat-address", "I know where you live", True, False),
    Case("go-to-hell", "go to hell", True, True),
    Case("you-people", "you people are scum", True, False),
    Case("hate-group", "All immigrants are vermin", True, False),
    Case("french-insult", "Espèce de connard, rends-moi mon argent", True, True),
    Case("french-shut-up", "Ta gueule", True, True),
    Case("french-threat", "Je vais te retrouver", True, False),
    Case("french-you-are-useless", "T'es vraiment nul", True, False),
    Case("profane-thing", "this f***ing thing won't charge", False, True),
    Case("profane-late", "damn it, the order is late again", False, True),
    Case("profane-service", "this is shit service", False, True),
    Case("profane-where", "where the hell is my package?", False, True),
    Case("profane-kidding", "Are you fucking kidding me? Still no refund?", False, True),
    Case("profane-leet", "sh!t, wrong size", False, True),
    Case("profane-censored-exclamation", "f*ck, I typed the wrong address", False, True),
    Case("profane-app", "this bloody app keeps crashing", False, True),
    Case("insult-at-object", "the headphones are trash", False, False),
    Case("hate-product", "I hate this product", False, False),
    Case("kill-subscription", "I want to kill this subscription", False, False),
    Case("identity-mention", "my husband is disabled and needs help with the delivery", False, False),
    Case("identity-self", "I'm gay and I want to return the shirt", False, False),
    Case("french-profane", "Putain, ma commande est encore en retard", False, True),
    Case("french-profane-thing", "C'est de la merde ce chargeur", False, True),
    Case("plain", "Can I speak to a manager?", False, False),
    Case("empty", "", False, False),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_classify_abuse_separates_attacks_from_swearing(case: Case) -> None:
    verdict = classify_abuse(case.text)

    assert (verdict.abusive, verdict.profane) == (case.abusive, case.profane)
    assert 0.0 <= verdict.score <= 1.0
    assert not case.text or case.text not in verdict.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("this f***ing thing", "this fucking thing", id="stars-inside"),
        pytest.param("F*CK", "fuck", id="upper-case"),
        pytest.param("f***", "fuck", id="stars-at-end"),
        pytest.param("sh!t happens", "shit happens", id="exclamation-inside"),
        pytest.param("a$$hole", "asshole", id="dollars"),
        pytest.param("this is f u c k i n g slow", "this is fucking slow", id="spaced"),
        pytest.param("W0men", "women", id="leet"),
        pytest.param("help! now", "help! now", id="trailing-exclamation-kept"),
        pytest.param("order 00123842 ORD-78432 iphone7", "order 00123842 ord-78432 iphone7", id="ids-kept"),
        pytest.param("RT @bob: &#8220;hi&#8221; http://t.co/x", ": hi", id="tweet-noise"),
    ],
)
def test_normalize_abuse_text_restores_censored_and_obfuscated_spellings(text: str, expected: str) -> None:
    assert normalize_abuse_text(text) == expected


@pytest.mark.parametrize(
    ("text", "start"),
    [
        pytest.param("I haet trans people", "i hate trans people", id="swapped-letters"),
        pytest.param("I have so much hatrd for them", "i have so much hatred for them", id="dropped-letter"),
        pytest.param("I h a t e trans people", "i hate trans people", id="spaced-with-pronoun"),
    ],
)
def test_model_text_repairs_typos_and_marks_hostility_towards_a_group(text: str, start: str) -> None:
    features = model_text(text)

    assert features.startswith(start)
    assert ("zzidhostile" in features.split()) is ("trans" in text)


@pytest.mark.parametrize(
    ("count", "french", "expected"),
    [
        pytest.param(0, False, None, id="none-yet"),
        pytest.param(1, False, ABUSE_WARNING_1, id="first"),
        pytest.param(2, False, ABUSE_WARNING_2, id="second"),
        pytest.param(3, False, None, id="third-escalates"),
        pytest.param(7, True, None, id="later-french"),
        pytest.param(-1, False, None, id="negative"),
    ],
)
def test_abuse_response_warns_twice_then_leaves_it_to_escalation(
    count: int, french: bool, expected: str | None
) -> None:
    assert abuse_response(count, french=french) == expected


def test_abuse_warnings_have_the_policy_wording_and_the_second_offers_a_supervisor() -> None:
    assert ABUSE_WARNING_1 == "I understand your frustration. I'm here to help, but I ask that you remain respectful."
    assert "supervisor" in ABUSE_WARNING_2


@pytest.mark.parametrize(
    ("count", "expected"),
    [pytest.param(1, "Je comprends votre frustration", id="first"), pytest.param(2, "Je veux vous aider", id="second")],
)
def test_abuse_response_in_french(count: int, expected: str) -> None:
    reply = abuse_response(count, french=True)

    assert reply is not None and reply.startswith(expected)


async def test_abuse_check_counts_abusive_messages_and_never_blocks() -> None:
    ctx = TurnContext("c1")
    check = AbuseCheck()

    first = await check.check_input("you're a useless idiot", ctx)
    after_first = dict(ctx.flags)
    profane = await check.check_input("this f***ing thing won't charge", ctx)
    after_profane = dict(ctx.flags)
    await check.check_input("fuck you", ctx)

    assert first.allow and profane.allow and first.reply is None
    assert after_first == {"abuse_count": 1, "last_abuse": True, "last_profane": False}
    assert after_profane == {"abuse_count": 1, "last_abuse": False, "last_profane": True}
    assert ctx.flags == {"abuse_count": 2, "last_abuse": True, "last_profane": True}


async def test_abuse_check_continues_a_count_kept_from_earlier_turns() -> None:
    ctx = TurnContext("c1", flags={"abuse_count": 2})

    await AbuseCheck().check_input("I'll find you", ctx)

    assert ctx.flags["abuse_count"] == 3
    assert abuse_response(3) is None


async def test_abuse_check_repairs_a_corrupted_count() -> None:
    ctx = TurnContext("c1", flags={"abuse_count": "many"})

    await AbuseCheck().check_input("hello", ctx)

    assert ctx.flags["abuse_count"] == 0


def test_decide_abuse_rules_win_over_a_low_model_score() -> None:
    verdict = decide_abuse("you are a complete moron", 0.01, 0.5)

    assert verdict.abusive and verdict.reason == "rule:insult"


def test_decide_abuse_follows_the_model_above_its_threshold() -> None:
    assert decide_abuse("they are everything wrong with this place", 0.8, 0.5).abusive
    assert not decide_abuse("they are everything wrong with this place", 0.4, 0.5).abusive


def test_decide_abuse_ignores_the_english_model_for_french_text() -> None:
    verdict = decide_abuse("Putain, ma commande est encore en retard", 0.99, 0.5)

    assert not verdict.abusive and verdict.profane


def test_shipped_abuse_model_loads_with_a_tuned_threshold() -> None:
    model = HashedLinearModel.load(MODEL_PATH)

    assert 0.0 < model.threshold < 1.0
    assert model.probability(model_text("all immigrants are vermin")) > model.threshold
    assert model.probability(model_text("my parcel is late again")) < model.threshold


def test_public_surface_is_sorted_and_importable() -> None:
    import orchestrator.policy.abuse as abuse

    assert abuse.__all__ == sorted(abuse.__all__)
    assert all(hasattr(abuse, name) for name in abuse.__all__)


def test_hostility_only_inside_quotation_marks_is_marked_as_quoted() -> None:
    assert "zzquotedhostile" in model_text('Stop saying "refugees are vermin", it is wrong.').split()
    assert "zzquotedhostile" not in model_text("refugees are vermin").split()
    assert "zzquotedhostile" not in model_text('"refugees" are vermin').split()


@pytest.mark.parametrize(
    ("text", "abusive"),
    [
        pytest.param("No woman deserves to die.", False, id="negated-harm"),
        pytest.param("I would never hurt an immigrant.", False, id="negated-threat"),
        pytest.param('He wrote "immigrants are vermin", which is bigoted.', False, id="quoted-in-a-rebuke"),
        pytest.param("Calling refugees parasites is disgusting.", False, id="rebuke"),
        pytest.param("I'm queer and proud of it.", False, id="reclaimed"),
        pytest.param("Refugees deserve to be locked up.", True, id="asserted-harm"),
        pytest.param("Isn't it obvious that refugees are parasites?", True, id="hate-as-a-question"),
        pytest.param("We should hangall these refugees.", True, id="space-deleted"),
        pytest.param("Bankers are scum.", True, id="any-group-of-people"),
    ],
)
def test_shipped_model_reads_stance_not_just_words(text: str, abusive: bool) -> None:
    assert classify_abuse(text).abusive is abusive
