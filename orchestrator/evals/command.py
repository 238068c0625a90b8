"""`switchboard eval SUITE`: run a suite, show progress, print the table, write the JSON report."""

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, cast

import anyio
import click

from ..errors import ConfigError
from ..settings import Settings, load_settings
from .cases import TrialResult
from .database import EvalSetupError
from .report import build_report, render_table
from .runner import CustomerChoice, ModelChoice, RunOptions, run_suite
from .suite import Suite, SuiteError, load_suite

__all__ = ["BELOW_MIN_PASS", "RUN_FAILED", "eval_command", "parse_only"]

RUN_FAILED = 1
"""Exit status when trials could not run (an exception, not a failed expectation)."""
BELOW_MIN_PASS = 3
"""Exit status when pass^1 is below `--min-pass`."""
_RANGE = re.compile(r"^(\d+)-(\d+)$")


def parse_only(value: str) -> frozenset[str]:
    """`a,b,3-5` -> {"a", "b", "3", "4", "5"}.

    Raises:
        click.BadParameter: an empty list or a backwards range.
    """
    ids: set[str] = set()
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if (found := _RANGE.match(part)) is not None:
            low, high = int(found[1]), int(found[2])
            if low > high:
                raise click.BadParameter(f"range {part} runs backwards", param_hint="--only")
            ids.update(str(i) for i in range(low, high + 1))
        else:
            ids.add(part)
    if not ids:
        raise click.BadParameter("no task ids given", param_hint="--only")
    return frozenset(ids)


def _settings(suite: Suite, model: ModelChoice) -> Settings:
    try:
        settings = load_settings(suite.config, os.environ, offline=model != "claude")
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if suite.policy_file and suite.data:
        policy = suite.data / suite.policy_file
        try:
            settings = settings.model_copy(update={"system_prompt": policy.read_text(encoding="utf-8")})
        except FileNotFoundError as exc:
            raise click.ClickException(f"{policy} not found (the policy text of the data folder)") from exc
    return settings


@click.command("eval")
@click.argument("suite_name", metavar="SUITE")
@click.option(
    "--model",
    type=click.Choice(["offline", "oracle", "claude"]),
    default=None,
    help="Who answers: the offline rules, the ground-truth oracle, or Claude (default: Claude when "
    "ANTHROPIC_API_KEY is set, else offline).",
)
@click.option("--trials", type=click.IntRange(1, 100), default=1, show_default=True, help="Trials per task (k).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True, help="Trials at once.")
@click.option("--only", default=None, help="Only these task ids: comma-separated, ranges allowed (0-9,17).")
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="τ-bench data folder (default: $SWITCHBOARD_RETAIL_DATA or ../shared/data/tau-bench-retail).",
)
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write the report here."
)
@click.option(
    "--min-pass", type=click.FloatRange(0, 1), default=None, help=f"Exit {BELOW_MIN_PASS} when pass^1 is lower."
)
@click.option(
    "--customer",
    type=click.Choice(["auto", "scripted", "simulated"]),
    default="auto",
    show_default=True,
    help="Scripted lines, or a customer simulated by the fast model (Claude only; auto: when the task has an "
    "instruction).",
)
@click.option("--postgres", default=None, help="Run each trial in a scratch schema of this PostgreSQL database.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    suite_name: str,
    model: str | None,
    trials: int,
    concurrency: int,
    only: str | None,
    data: Path | None,
    json_path: Path | None,
    min_pass: float | None,
    customer: str,
    postgres: str | None,
) -> None:
    """Run an eval suite (shopexpress, tau-retail, or a folder) and score every trial on the database."""
    try:
        suite = load_suite(suite_name, data=data)
    except SuiteError as exc:
        raise click.ClickException(str(exc)) from exc
    root: dict[str, Any] = ctx.find_root().obj or {}
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY")) and not root.get("offline", False)
    chosen = cast(ModelChoice, model or ("claude" if has_key else "offline"))
    if customer == "simulated" and chosen != "claude":
        raise click.BadParameter(
            f"a simulated customer is played by Claude, not by --model {chosen}", param_hint="--customer"
        )
    settings = _settings(suite, chosen)
    if chosen == "claude" and settings.api_key is None:
        raise click.ClickException("--model claude needs ANTHROPIC_API_KEY")
    if json_path is not None and not json_path.parent.is_dir():  # found out now, not after a paid run
        raise click.BadParameter(f"folder {json_path.parent} does not exist", param_hint="--json")
    options = RunOptions(
        model=chosen,
        trials=trials,
        concurrency=concurrency,
        customer=cast(CustomerChoice, customer),
        only=parse_only(only) if only else None,
        postgres=postgres,
    )
    selected = [t for t in suite.tasks if options.only is None or t.id in options.only]
    results = _run(suite, settings, options, len(selected) * trials)
    report = build_report(suite.name, chosen, trials, selected, results)
    render_table(report)
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write the report to {json_path}: {exc.strerror or exc}") from exc
        click.echo(f"report written to {json_path}")
    broken = [r for r in results if r.error]
    if broken:
        click.secho(f"{len(broken)} trials failed to run (first: {broken[0].error})", fg="red", err=True)
        ctx.exit(RUN_FAILED)
    if min_pass is not None and report["pass_hat"].get("1", 0.0) < min_pass:
        click.secho(f"pass^1 {report['pass_hat'].get('1', 0.0):.3f} is below --min-pass {min_pass}", fg="red", err=True)
        ctx.exit(BELOW_MIN_PASS)


def _run(suite: Suite, settings: Settings, options: RunOptions, total: int) -> list[TrialResult]:
    label = f"{suite.name} · {options.model} · {total} trials"
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:

        async def session() -> list[TrialResult]:
            claude = None
            if options.model == "claude" and settings.api_key is not None:
                from ..llm.anthropic_model import AnthropicModel

                claude = AnthropicModel(settings.model, api_key=settings.api_key, base_url=settings.base_url)
            try:
                return await run_suite(suite, settings, options, claude=claude, on_trial=lambda _r: bar.update(1))
            except EvalSetupError as exc:  # a bug inside a trial is not a setup problem: it keeps its traceback
                raise click.ClickException(str(exc)) from exc
            finally:
                if claude is not None:
                    await claude.aclose()

        return anyio.run(session)
