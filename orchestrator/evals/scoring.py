"""Scoring one trial: the domain state, required strings, must / must-not phrases and expected tool calls."""

from collections.abc import Sequence

from ..tools import ToolRecord
from .cases import Task, ToolExpectation

__all__ = ["check_replies", "check_tools"]


def _tau_normal(text: str) -> str:
    return text.lower().replace(",", "")


def check_replies(task: Task, replies: Sequence[str]) -> list[str]:
    """Failures of the required strings (τ-bench's rule: lower case, commas ignored) and must / must-not phrases."""
    failures: list[str] = []
    normal = [_tau_normal(r) for r in replies]
    for wanted in task.required:
        if not any(_tau_normal(wanted) in r for r in normal):
            failures.append(f"no reply says {wanted!r}")
    lowered = [r.lower() for r in replies]
    for phrase in task.must:
        if not any(phrase.lower() in r for r in lowered):
            failures.append(f"no reply says {phrase!r}")
    for phrase in task.must_not:
        if any(phrase.lower() in r for r in lowered):
            failures.append(f"a reply says {phrase!r}")
    return failures


def _matches(record: ToolRecord, wanted: ToolExpectation) -> bool:
    if record.name != wanted.name or record.is_error != wanted.error:
        return False
    return all(k in record.arguments and record.arguments[k] == v for k, v in wanted.arguments.items())


def check_tools(task: Task, records: Sequence[ToolRecord]) -> list[str]:
    """Failures of the expected calls (each matched by a distinct call, in any order) and forbidden tools."""
    failures: list[str] = []
    free = list(records)
    for wanted in task.tools:
        hit = next((r for r in free if _matches(r, wanted)), None)
        if hit is None:
            args = ", ".join(f"{k}={v!r}" for k, v in wanted.arguments.items())
            outcome = " failing" if wanted.error else ""
            failures.append(f"expected call{outcome} {wanted.name}({args})")
        else:
            free.remove(hit)
    for name in task.tools_not:
        if any(r.name == name and not r.is_error for r in records):
            failures.append(f"{name} was called")
    return failures
