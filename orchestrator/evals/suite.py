"""A suite: a folder under `evals/` with a `suite.toml` naming its config, its kind and its tasks."""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .cases import Task
from .scenarios import ScenarioError, load_scenarios
from .tau import TauDataError, load_tau_tasks

__all__ = ["EVALS_DIR", "Suite", "SuiteError", "load_suite"]

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"


class SuiteError(Exception):
    """The suite cannot be found or its `suite.toml` is invalid."""


class _SuiteFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["scenarios", "tau-bench"]
    config: str
    """The Switchboard config the trials run with, relative to the suite folder."""
    description: str = ""
    scenarios: str = "scenarios"
    """Scenario suites: the folder of scenario files."""
    tasks: str = "tasks_test.jsonl"
    """τ-bench suites: the task file inside the data folder."""
    data: str | None = None
    """τ-bench suites: the default data folder, relative to the suite folder."""
    data_env: str | None = None
    """τ-bench suites: the environment variable that overrides `data` (also passed to the servers)."""
    policy_file: str | None = None
    """τ-bench suites: the data folder's policy text, used as the system prompt."""
    opening: str = "Hi! I need some help with my orders."
    """The first customer message when no customer is simulated."""
    max_turns: int = Field(default=20, ge=1, le=100)
    """Customer messages per trial at most."""
    end_tools: list[str] = Field(default_factory=list[str])
    """A successful call to one of these ends the conversation (e.g. a transfer to a human)."""
    audit_tables: list[str] = Field(default_factory=list[str])
    """Scenario suites: log tables where unexpected new rows are tolerated."""


@dataclass(frozen=True)
class Suite:
    """A loaded suite, ready to run."""

    name: str
    kind: Literal["scenarios", "tau-bench"]
    folder: Path
    config: Path
    tasks: tuple[Task, ...]
    max_turns: int
    end_tools: tuple[str, ...]
    audit_tables: tuple[str, ...]
    data: Path | None = None
    data_env: str | None = None
    policy_file: str | None = None


def _folder(name: str) -> Path:
    candidate = Path(name)
    if (candidate / "suite.toml").is_file():
        return candidate.resolve()
    if (EVALS_DIR / name / "suite.toml").is_file():
        return EVALS_DIR / name
    known = sorted(p.parent.name for p in EVALS_DIR.glob("*/suite.toml"))
    raise SuiteError(f"no suite {name!r}: use one of {', '.join(known) or '(none)'} or a folder with a suite.toml")


def load_suite(name: str, *, data: Path | None = None, environ: Mapping[str, str] = os.environ) -> Suite:
    """Load a suite by name (a folder of `evals/`) or path.

    Args:
        name: `shopexpress`, `tau-retail`, or a folder holding a `suite.toml`.
        data: τ-bench suites: the data folder (default: the suite's `data_env` variable, else its `data`).
        environ: Where `data_env` is read.

    Raises:
        SuiteError: the suite, its config or its tasks cannot be loaded.
    """
    folder = _folder(name)
    try:
        spec = _SuiteFile.model_validate(tomllib.loads((folder / "suite.toml").read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise SuiteError(f"{folder / 'suite.toml'}: {exc}") from exc
    config = (folder / spec.config).resolve()
    data_dir: Path | None = None
    try:
        if spec.kind == "scenarios":
            tasks = load_scenarios(folder / spec.scenarios)
        else:
            from_env = environ.get(spec.data_env) if spec.data_env else None
            data_dir = (data or Path(from_env or (folder / (spec.data or ".")))).resolve()
            if not data_dir.is_dir():
                raise SuiteError(f"data folder {data_dir} not found: pass --data DIR or set {spec.data_env}")
            tasks = load_tau_tasks(data_dir / spec.tasks, opening=spec.opening)
    except (ScenarioError, TauDataError) as exc:
        raise SuiteError(str(exc)) from exc
    return Suite(
        name=folder.name,
        kind=spec.kind,
        folder=folder,
        config=config,
        tasks=tuple(tasks),
        max_turns=spec.max_turns,
        end_tools=tuple(spec.end_tools),
        audit_tables=tuple(spec.audit_tables),
        data=data_dir,
        data_env=spec.data_env,
        policy_file=spec.policy_file,
    )
