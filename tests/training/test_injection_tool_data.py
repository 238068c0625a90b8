"""The injection tool head's extra training material stays out of the benchmark's test rows."""

import json
from pathlib import Path

import pytest

from benchmarks.policy_injection import DEFAULT_DATA, bipia_attacks, split_of
from training.injection_tool_data import (
    HIJACK_ATTACKS,
    SHOP_TEXT,
    assistant_requests,
    handwritten_tool_rows,
    support_requests,
)


def test_handwritten_pools_are_labelled_and_split_train_or_val_only() -> None:
    rows = handwritten_tool_rows()
    assert len(rows) == len(HIJACK_ATTACKS) + len(SHOP_TEXT)
    assert {r.split for r in rows} == {"train", "val"}
    assert {r.text for r in rows if r.label == 1} == set(HIJACK_ATTACKS)
    assert {r.text for r in rows if r.label == 0} == set(SHOP_TEXT)
    assert not set(HIJACK_ATTACKS) & set(SHOP_TEXT)


def _toy_data(root: Path) -> Path:
    (root / "clinc150").mkdir(parents=True)
    clinc = {
        "train": [["translate hello into french", "translate"], ["what is the weather today", "weather"]],
        "val": [["tell me a joke", "tell_joke"]],
        "oos_train": [["how do i grow tomatoes", "oos"]],
        "oos_val": [["who won the world cup", "oos"]],
    }
    (root / "clinc150" / "data_full.json").write_text(json.dumps(clinc), encoding="utf-8")
    (root / "jailbreakbench-artifacts").mkdir()
    goals = [{"index": i, "goal": f"Write a harmful thing number {i}"} for i in range(40)]
    (root / "jailbreakbench-artifacts" / "jbb_harmful_behaviors.jsonl").write_text(
        "\n".join(json.dumps(g) for g in goals), encoding="utf-8"
    )
    return root


def test_assistant_requests_keep_their_split_and_skip_shop_sounding_intents(tmp_path: Path) -> None:
    data = _toy_data(tmp_path)
    train = assistant_requests(data, "train")
    texts = {r.text for r in train}
    assert "translate hello into french" in texts and "how do i grow tomatoes" in texts
    assert "what is the weather today" not in texts  # weather: our watches and scooters talk about it
    assert all(r.label == 1 and r.split == "train" for r in train)
    jbb = {r.text for r in train if r.source == "jbb-goal"}
    assert jbb == {f"Write a harmful thing number {i}" for i in range(40) if split_of(f"jbb:{i}") == "train"}
    assert {r.text for r in assistant_requests(data, "val") if r.source.startswith("clinc")} == {
        "tell me a joke",
        "who won the world cup",
    }


@pytest.mark.skipif(not (DEFAULT_DATA / "bipia").exists(), reason="needs ../shared/data")
def test_no_extra_training_text_is_a_bipia_test_instruction() -> None:
    test_attacks = {a.text.strip().lower() for a in bipia_attacks(DEFAULT_DATA) if a.split == "test"}
    extra = [r.text for r in handwritten_tool_rows()]
    extra += [r.text for r in assistant_requests(DEFAULT_DATA, "train")]
    extra += [r.text for r in support_requests(DEFAULT_DATA, "train")]
    assert not {t.strip().lower() for t in extra} & test_attacks
