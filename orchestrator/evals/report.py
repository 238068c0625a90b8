"""The eval report: the JSON document of `--json` and the table printed at the end of a run."""

from collections.abc import Sequence
from statistics import mean
from typing import TypedDict

import click

from .cases import Task, TrialResult
from .passk import pass_hat_table

__all__ = ["Report", "TaskEntry", "build_report", "render_table"]

_REASON_WIDTH = 72


class TaskEntry(TypedDict):
    """One task of the report."""

    id: str
    passes: list[bool]
    cost_usd: float
    turns: float
    """Mean customer messages per trial."""
    failure: str | None
    """The first failure reason of the first failed trial."""


class Report(TypedDict):
    """The `--json` document."""

    suite: str
    model: str
    trials: int
    tasks: list[TaskEntry]
    pass_hat: dict[str, float]
    cost_usd: float


def build_report(suite: str, model: str, trials: int, tasks: Sequence[Task], results: Sequence[TrialResult]) -> Report:
    """Group the trial results by task (in suite order) and compute pass^1..pass^trials and the total cost."""
    by_task: dict[str, list[TrialResult]] = {}
    for result in results:
        by_task.setdefault(result.task_id, []).append(result)
    entries: list[TaskEntry] = []
    for task in tasks:
        runs = sorted(by_task.get(task.id, []), key=lambda r: r.trial)
        if runs:
            entries.append(
                TaskEntry(
                    id=task.id,
                    passes=[r.passed for r in runs],
                    cost_usd=round(sum(r.cost_usd for r in runs), 6),
                    turns=round(float(mean(r.turns for r in runs)), 2),
                    failure=next((r.failures[0] for r in runs if r.failures), None),
                )
            )
    return Report(
        suite=suite,
        model=model,
        trials=trials,
        tasks=entries,
        pass_hat=pass_hat_table({e["id"]: e["passes"] for e in entries}),
        cost_usd=round(sum(r.cost_usd for r in results), 6),
    )


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(report: Report) -> None:
    """Print the per-task table, pass^k and the cost."""
    entries = report["tasks"]
    width = max([4, *(len(e["id"]) for e in entries)])
    click.echo(f"{'task':<{width}}  {'passes':<8} {'turns':>5} {'cost $':>9}  first failure")
    for e in entries:
        marks = "".join("✓" if p else "✗" for p in e["passes"])
        reason = _cut(e["failure"] or "", _REASON_WIDTH)
        line = f"{e['id']:<{width}}  {marks:<8} {e['turns']:>5.1f} {e['cost_usd']:>9.4f}  {reason}"
        click.secho(line, fg=None if all(e["passes"]) else "red")
    passed = sum(all(e["passes"]) for e in entries)
    click.echo(f"\n{report['suite']} · model {report['model']} · {len(entries)} tasks × {report['trials']} trials")
    click.echo(f"tasks passing every trial: {passed}/{len(entries)}")
    for k, value in report["pass_hat"].items():
        click.echo(f"pass^{k} = {value:.3f}")
    count = max(1, len(entries) * report["trials"])
    click.echo(f"cost: ${report['cost_usd']:.4f} total, ${report['cost_usd'] / count:.4f} per trial")
