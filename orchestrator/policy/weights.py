"""Where the policy checks' trained weights live, and the one rule for a missing weight file.

The rule: a policy check never silently degrades to its rules. A missing weight file is a startup error
(`build_guardrails` calls `require_weights` before building any check), and a loader reached without its file
raises the same `MissingWeightsError`, which names the file and the command that trains it.
"""

from pathlib import Path

from ..errors import OrchestratorError

__all__ = [
    "MODELS_DIR",
    "WEIGHT_NAMES",
    "MissingWeightsError",
    "existing",
    "require_weights",
    "training_command",
    "weights_path",
]

MODELS_DIR = Path(__file__).resolve().parent / "models"
WEIGHT_NAMES = ("abuse", "injection", "sentiment", "topic")
"""One `.npz` per check, each written by `training/train_<name>.py`."""


def training_command(name: str) -> str:
    """The command, run from the repository root, that writes `models/<name>.npz`."""
    return f".venv/bin/python -m training.train_{name}"


class MissingWeightsError(OrchestratorError):
    """A policy check's weight file is missing; the message names the file and the command that trains it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"policy model weights missing: {path} (train them from the repository root with "
            f"`{training_command(path.stem)}`; see training/README.md)"
        )


def existing(path: Path) -> Path:
    """`path` itself, or `MissingWeightsError` if there is no such file."""
    if not path.is_file():
        raise MissingWeightsError(path)
    return path


def weights_path(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """The weight file of check `name`, raising `MissingWeightsError` if it is not there."""
    return existing(models_dir / f"{name}.npz")


def require_weights(models_dir: Path | None = None) -> None:
    """Fail fast at startup: every check's weight file must be present (existence only; loading is lazy)."""
    for name in WEIGHT_NAMES:
        weights_path(name, MODELS_DIR if models_dir is None else models_dir)
