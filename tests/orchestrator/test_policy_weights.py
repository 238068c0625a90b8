"""The one rule for a missing weight file: a startup error naming the file and the command that trains it."""

import shutil
from pathlib import Path

import pytest

from orchestrator.policy import abuse, engine, injection, topic, weights
from orchestrator.policy.weights import WEIGHT_NAMES, MissingWeightsError, require_weights
from orchestrator.testing.scripted import ScriptedModel

from .support import in_memory, settings_for


def _models_without(tmp_path: Path, missing: str) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in WEIGHT_NAMES:
        if name != missing:
            shutil.copy(weights.MODELS_DIR / f"{name}.npz", folder)
    return folder


def test_every_check_ships_its_weight_file() -> None:
    require_weights()
    assert {p.stem for p in weights.MODELS_DIR.glob("*.npz")} == set(WEIGHT_NAMES)


@pytest.mark.parametrize("missing", WEIGHT_NAMES)
def test_a_missing_file_is_named_with_its_training_command(tmp_path: Path, missing: str) -> None:
    folder = _models_without(tmp_path, missing)
    with pytest.raises(MissingWeightsError) as raised:
        require_weights(folder)
    assert raised.value.path == folder / f"{missing}.npz"
    assert str(folder / f"{missing}.npz") in str(raised.value)
    assert f"python -m training.train_{missing}" in str(raised.value)


def test_building_the_policy_stack_fails_at_startup_without_a_weight_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(weights, "MODELS_DIR", _models_without(tmp_path, "topic"))
    settings = settings_for(tmp_path, [in_memory("orders")])
    with pytest.raises(MissingWeightsError, match=r"topic\.npz"):
        engine.build_guardrails(settings, model=ScriptedModel([]))


def test_with_every_file_present_the_policy_stack_builds(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, [in_memory("orders")])
    guards = engine.build_guardrails(settings, model=ScriptedModel([]))
    assert len(guards.input_checks) == 6


def test_no_check_falls_back_to_its_rules_when_its_file_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    absent = tmp_path / "absent.npz"
    for module in (abuse, topic):
        monkeypatch.setattr(module, "MODEL_PATH", absent)
        module._load_model.cache_clear()
    try:
        with pytest.raises(MissingWeightsError):
            abuse.classify_abuse("you are all wonderful people")
        with pytest.raises(MissingWeightsError):
            topic.classify_topic("what is the capital of Peru and how tall are its mountains")
        with pytest.raises(MissingWeightsError):
            injection.load_detector(absent)
    finally:
        for module in (abuse, topic):
            module._load_model.cache_clear()
