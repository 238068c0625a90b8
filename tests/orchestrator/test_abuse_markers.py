"""The abuse model's structure markers and word repairs: what the n-grams cannot see, made visible."""

import pytest
from wordsegment import Segmenter

from orchestrator.policy.abuse import model_text
from orchestrator.policy.abuse_markers import (
    WordCounts,
    hostile_word_found,
    is_known_word,
    load_word_counts,
    split_run_together,
)

_NONE: set[str] = set()


def _markers(text: str) -> set[str]:
    return {token for token in model_text(text).split() if token.startswith("zz")}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        pytest.param("hangall", "hang all", id="verb-and-quantifier"),
        pytest.param("peopledisgust", "people disgust", id="noun-and-verb"),
        pytest.param("jihadibehaviour", "jihadi behaviour", id="two-pieces-beat-three"),
        pytest.param("behaviour", "behaviour", id="known-word-kept"),
        pytest.param("stupidest", "stupidest", id="suffix-not-split"),
        pytest.param("bullsiht", "bullsiht", id="no-split-into-rare-fragments"),
        pytest.param("hatem", "hatem", id="too-short"),
    ],
)
def test_split_run_together_undoes_deleted_spaces_only(word: str, expected: str) -> None:
    assert split_run_together(word) == expected


def test_known_words_are_common_words_not_typos() -> None:
    assert is_known_word("threatening")
    assert not is_known_word("hatrd")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        pytest.param("We should just hangall these people.", "we should just hang all these people.", id="split"),
        pytest.param("I live with two immigrants", "i live with two immigrants", id="known-word-not-repaired"),
        pytest.param("Threatening people is a crime", "threatening people", id="known-word-not-split"),
        pytest.param("Typical muzzi3 behaviour", "typical muzzie behaviour", id="leet-digit-at-the-end"),
        pytest.param("5cum like you", "scum like you", id="leet-digit-at-the-start"),
        pytest.param("iphone7 2nd 1st", "iphone7 2nd 1st", id="digits-that-are-no-leet"),
        pytest.param("It's in a womn's nature", "it's in a woman's nature", id="possessive-typo"),
        pytest.param("typical f a g behaviour", "typical fag behaviour", id="three-spaced-letters"),
        pytest.param("u r a moron", "u r a moron", id="spaced-letters-that-spell-nothing"),
    ],
)
def test_model_text_repairs_spellings_without_breaking_real_words(text: str, start: str) -> None:
    assert model_text(text).startswith(start)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        pytest.param("No woman deserves to die.", {"zznegbad", "zznegbadtarget"}, {"zzneggood"}, id="negated-harm"),
        pytest.param("Women deserve to die.", _NONE, {"zznegbad", "zzneggood"}, id="asserted-harm"),
        pytest.param("Women do not deserve to live.", {"zzneggood"}, {"zznegbad"}, id="negated-good"),
        pytest.param(
            "We should not allow for any woman to be raped.", {"zznegbad"}, _NONE, id="long-scope-within-sentence"
        ),
        pytest.param("Women are without a doubt the stupidest people.", _NONE, {"zznegbad"}, id="idiom-no-negation"),
        pytest.param(
            "Isn't it clear how much hatred I have for you Muslims?",
            {"zzquestion", "zzhostilequestion", "zzyougroup"},
            {"zznegbad"},
            id="question-tag-no-negation",
        ),
        pytest.param(
            "Do people really not realise that women are disgusting?", _NONE, {"zznegbad"}, id="scope-ends-at-realise"
        ),
    ],
)
def test_negation_scope(text: str, present: set[str], absent: set[str]) -> None:
    markers = _markers(text)

    assert present <= markers
    assert not absent & markers


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        pytest.param(
            "You have to stop calling black people disgusting.",
            {"zzreported", "zzcondemn", "zzhostilecondemn"},
            _NONE,
            id="rebuke",
        ),
        pytest.param("Black people are disgusting.", _NONE, {"zzreported", "zzcondemn"}, id="plain-hate"),
        pytest.param("I detest traffic wardens.", {"zzgroup", "zzgrouphostile"}, _NONE, id="any-group-of-people"),
        pytest.param(
            "Am I wrong to think that those people ought to be executed?",
            {"zzrhetorical", "zzrhetoricalhostile"},
            _NONE,
            id="rhetorical-question",
        ),
        pytest.param("Is the parcel late?", {"zzquestion"}, {"zzrhetorical"}, id="plain-question"),
        pytest.param("I'm a proud dyke and I love it", {"zzslurself", "zzslurpos"}, _NONE, id="reclaimed-slur"),
        pytest.param("you immigrants keep acting up", {"zzyougroup"}, _NONE, id="group-addressed"),
    ],
)
def test_stance_markers(text: str, present: set[str], absent: set[str]) -> None:
    markers = _markers(text)

    assert present <= markers
    assert not absent & markers


def test_quoted_words_in_a_rebuke_reach_the_ngrams_as_a_placeholder() -> None:
    rebuke = model_text('He wrote "immigrants are vermin", which is bigoted.')

    assert "zzquote" in rebuke.split() and "vermin" not in rebuke
    assert {"zzquotedhostile", "zzquotedcondemn"} <= set(rebuke.split())
    assert "vermin" in model_text('"immigrants are vermin" lol')  # no rebuke around the quote


@pytest.mark.parametrize(
    ("text", "hostile"),
    [
        pytest.param("Your life is worth absolutely nothing.", True, id="phrase"),
        pytest.param("Typical slut behaviour.", True, id="typical-behaviour"),
        pytest.param("They are despicable", True, id="word"),
        pytest.param("My parcel is worth waiting for", False, id="benign"),
    ],
)
def test_hostile_words_and_phrases(text: str, hostile: bool) -> None:
    assert hostile_word_found(model_text(text)) is hostile


def test_the_compact_word_counts_answer_exactly_as_the_unigram_dict() -> None:
    segmenter = Segmenter()
    raw: dict[str, float] = segmenter.parse(segmenter.UNIGRAMS_FILENAME)  # pyright: ignore[reportUnknownMemberType]
    compact = load_word_counts()
    assert isinstance(compact, WordCounts)
    assert len(compact) == len(raw)
    assert all(compact.get(word) == count for word, count in raw.items())
    for probe in ("", "zzqxj", "Hello", "héllo", "a" * 40, "peopledisgust", "the"):
        assert compact.get(probe) == raw.get(probe), probe
        assert (probe in compact) == (probe in raw), probe
    small = WordCounts({"b": 2.0, "a": 1.0, "ccc": 3.0})
    assert list(small) == ["a", "b", "ccc"] and small["ccc"] == 3.0
    assert "cc" not in small and small.get("d") is None
