"""τ-bench tasks: loaded from the data folder at run time, with the expected state of each one.

The expected state of a task is its ground-truth actions replayed on a fresh copy of the data, through the
suite's servers (registry → MCP server), without the assistant, the customer or the policies.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import cast

import anyio

from switchboard_common.storage import DATABASE_URL_ENV

from ..registry.registry import ServerRegistry
from ..settings import Settings
from .cases import Action, Task
from .database import ScratchDatabases, Snapshot, snapshot
from .servers import TrialServers

__all__ = ["ExpectedStates", "TauDataError", "load_tau_tasks"]


class TauDataError(Exception):
    """The τ-bench task file is missing or malformed."""


def _action(raw: object, where: str) -> Action:
    if not isinstance(raw, dict):
        raise TauDataError(f"{where}: an action must be an object")
    action = cast(dict[str, object], raw)
    name, kwargs = action.get("name"), action.get("kwargs", {})
    if not isinstance(name, str) or not isinstance(kwargs, dict):
        raise TauDataError(f"{where}: an action needs a name and kwargs")
    return Action(name, cast(dict[str, object], kwargs))


def _task(raw: object, where: str, opening: str) -> Task:
    if not isinstance(raw, dict):
        raise TauDataError(f"{where}: a task must be an object")
    task = cast(dict[str, object], raw)
    index, instruction = task.get("task_index"), task.get("instruction")
    actions, outputs = task.get("actions", []), task.get("outputs", [])
    if not isinstance(index, int) or not isinstance(instruction, str):
        raise TauDataError(f"{where}: a task needs task_index and instruction")
    if not isinstance(actions, list) or not isinstance(outputs, list):
        raise TauDataError(f"{where}: actions and outputs must be lists")
    return Task(
        id=str(index),
        title=instruction.split(".")[0][:60],
        lines=(opening,),
        instruction=instruction,
        required=tuple(str(o) for o in cast(list[object], outputs)),
        actions=tuple(_action(a, where) for a in cast(list[object], actions)),
    )


def load_tau_tasks(path: Path, *, opening: str) -> list[Task]:
    """The tasks of a τ-bench JSONL file (one task per line), ids being their `task_index`.

    Raises:
        TauDataError: the file is missing or a line is not a task.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise TauDataError(f"{path} not found: point --data at the τ-bench retail data folder") from exc
    tasks: list[Task] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw: object = json.loads(line)
        except ValueError as exc:
            raise TauDataError(f"{path}:{number}: not JSON ({exc})") from exc
        tasks.append(_task(raw, f"{path}:{number}", opening))
    return tasks


class ExpectedStates:
    """The expected final state of each task, computed once per run and shared by its trials."""

    def __init__(
        self,
        settings: Settings,
        scratch: ScratchDatabases,
        *,
        environ: Mapping[str, str] = os.environ,
        skip: tuple[str, ...] = (),
    ) -> None:
        """Replay on copies from `scratch` through the configured servers; `skip` names end-the-chat tools."""
        self._settings = settings
        self._scratch = scratch
        self._environ = environ
        self._skip = set(skip)
        self._states: dict[str, Snapshot] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def of(self, task: Task) -> Snapshot:
        """The domain tables after `task`'s ground-truth actions."""
        lock = self._locks.setdefault(task.id, anyio.Lock())
        async with lock:
            if task.id not in self._states:
                self._states[task.id] = await self._replay(task)
            return self._states[task.id]

    async def _replay(self, task: Task) -> Snapshot:
        url = self._scratch.fresh()
        servers = self._settings.enabled_servers
        environ = {**self._environ, DATABASE_URL_ENV: url}  # stdio servers too replay on the copy
        try:
            with TrialServers(servers, url, environ) as built:
                async with ServerRegistry(servers, targets=built.targets, environ=environ, strict=True) as reg:
                    for action in task.actions:
                        if action.name not in self._skip:
                            await reg.call(action.name, dict(action.arguments))  # refusals change nothing
            return await anyio.to_thread.run_sync(snapshot, url, [s.name for s in servers])
        finally:
            self._scratch.discard(url)
