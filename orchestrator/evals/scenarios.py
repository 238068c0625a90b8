"""Scenario files: readable TOML conversations with what a pass requires (see docs/eval.md for the format)."""

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .cases import RowChange, RowUpdate, Task, ToolExpectation

__all__ = ["ScenarioError", "load_scenarios"]


class ScenarioError(Exception):
    """A scenario file is unreadable or invalid; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Tool(_Strict):
    name: str
    args: dict[str, object] = Field(default_factory=dict[str, object])
    error: bool = False


class _Change(_Strict):
    table: str
    op: Literal["insert", "update", "delete"]
    where: dict[str, object] = Field(default_factory=dict[str, object])
    count: int = Field(default=1, ge=1)


class _Setup(_Strict):
    table: str
    where: dict[str, object] = Field(min_length=1)
    set: dict[str, object] = Field(min_length=1)


class _Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    policy: str
    """Which policy the scenario covers (listed in the report's title column)."""
    customer: list[str] = Field(min_length=1)
    instruction: str | None = None
    must: list[str] = Field(default_factory=list[str])
    must_not: list[str] = Field(default_factory=list[str])
    tools: list[_Tool] = Field(default_factory=list[_Tool])
    tools_not: list[str] = Field(default_factory=list[str])
    changes: list[_Change] = Field(default_factory=list[_Change])
    setup: list[_Setup] = Field(default_factory=list[_Setup])


class _File(_Strict):
    scenario: list[_Scenario] = Field(min_length=1)


def _task(s: _Scenario) -> Task:
    return Task(
        id=s.id,
        title=s.policy,
        lines=tuple(s.customer),
        instruction=s.instruction,
        must=tuple(s.must),
        must_not=tuple(s.must_not),
        tools=tuple(ToolExpectation(t.name, t.args, t.error) for t in s.tools),
        tools_not=tuple(s.tools_not),
        changes=tuple(RowChange(c.table, c.op, c.where, c.count) for c in s.changes),
        setup=tuple(RowUpdate(u.table, u.where, u.set) for u in s.setup),
    )


def load_scenarios(folder: Path) -> list[Task]:
    """Every `[[scenario]]` of every `*.toml` in `folder`, sorted by file name then file order.

    Raises:
        ScenarioError: a file is not valid TOML or not a valid scenario list, or two scenarios share an id.
    """
    tasks: list[Task] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            parsed = _File.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: invalid TOML: {exc}") from exc
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise ScenarioError(f"{path}: {problems}") from exc
        tasks += [_task(s) for s in parsed.scenario]
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise ScenarioError(f"scenario id {task.id!r} is used twice in {folder}")
        seen.add(task.id)
    if not tasks:
        raise ScenarioError(f"no scenarios (*.toml with [[scenario]] tables) in {folder}")
    return tasks
