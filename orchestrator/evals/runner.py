"""Running a suite: every trial on a fresh copy of the data, through the real orchestrator and MCP servers."""

import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import anyio

from switchboard_common.storage import DATABASE_URL_ENV

from ..llm.model import ModelClient
from ..offline import OfflineModel
from ..service import Orchestrator
from ..settings import Settings
from ..tools import ToolRecord
from .cases import Task, TrialResult
from .customer import Customer, ScriptedCustomer, SimulatedCustomer
from .database import (
    EvalSetupError,
    ScratchDatabases,
    Snapshot,
    apply_setup,
    diff,
    first_difference,
    snapshot,
    unmatched,
)
from .oracle import OracleModel
from .scoring import check_replies, check_tools
from .servers import TrialServers
from .suite import Suite
from .tau import ExpectedStates

__all__ = ["CustomerChoice", "ModelChoice", "RunOptions", "run_suite"]

logger = logging.getLogger(__name__)

ModelChoice = Literal["offline", "oracle", "claude"]
CustomerChoice = Literal["auto", "scripted", "simulated"]


@dataclass(frozen=True)
class RunOptions:
    """How to run a suite."""

    model: ModelChoice = "offline"
    trials: int = 1
    concurrency: int = 4
    customer: CustomerChoice = "auto"
    """auto: simulated (fast model) for tasks with an instruction when the model is Claude, else scripted."""
    only: frozenset[str] | None = None
    postgres: str | None = None
    """Run each trial in its own schema of this PostgreSQL database instead of a scratch SQLite file."""


@dataclass
class _Conversation:
    replies: list[str] = field(default_factory=list[str])
    records: list[ToolRecord] = field(default_factory=list[ToolRecord])
    turns: int = 0
    cost_usd: float = 0.0


class _Run:
    def __init__(
        self,
        suite: Suite,
        settings: Settings,
        options: RunOptions,
        scratch: ScratchDatabases,
        claude: ModelClient | None,
        environ: Mapping[str, str],
    ) -> None:
        self.suite = suite
        self.settings = settings
        self.options = options
        self.scratch = scratch
        self.claude = claude
        self.environ = dict(environ)
        if suite.data_env and suite.data:
            self.environ[suite.data_env] = str(suite.data)
        self.servers = settings.enabled_servers
        self.names = [s.name for s in self.servers]
        self.expected = ExpectedStates(settings, scratch, environ=self.environ, skip=suite.end_tools)

    def _env(self, url: str) -> dict[str, str]:
        return {**self.environ, DATABASE_URL_ENV: url}

    def prepare_template(self) -> None:
        def build(url: str) -> None:
            with TrialServers(self.servers, url, self._env(url)):
                pass

        self.scratch.make_template(build)

    def _model(self, task: Task) -> ModelClient:
        if self.options.model == "oracle":
            return OracleModel(task.actions, task.required)
        if self.options.model == "claude":
            assert self.claude is not None  # run_suite checks it
            return self.claude
        return OfflineModel()

    def _customer(self, task: Task) -> Customer:
        choice = self.options.customer
        simulate = self.options.model == "claude" and (
            choice == "simulated" or (choice == "auto" and task.instruction is not None)
        )
        if simulate and task.instruction and self.claude is not None:
            return SimulatedCustomer(self.claude, self.settings.model, task.instruction)
        lines = task.lines[:1] if self.options.model == "oracle" else task.lines
        return ScriptedCustomer(lines)

    async def trial(self, task: Task, number: int) -> TrialResult:
        url: str | None = None
        try:
            url = await anyio.to_thread.run_sync(self.scratch.fresh)
            return await self._trial(task, number, url)
        except Exception as exc:  # the trial boundary: one broken trial is reported, the run goes on
            logger.exception("eval trial %s#%d failed to run", task.id, number)
            reason = f"error: {type(exc).__name__}: {exc}"
            return TrialResult(task.id, number, False, [reason], error=reason)
        finally:
            if url is not None:
                await anyio.to_thread.run_sync(self.scratch.discard, url)

    async def _trial(self, task: Task, number: int, url: str) -> TrialResult:
        env = self._env(url)
        built = await anyio.to_thread.run_sync(TrialServers, self.servers, url, env)
        with built:
            await anyio.to_thread.run_sync(apply_setup, url, task.setup, self.names)
            before = await anyio.to_thread.run_sync(snapshot, url, self.names) if task.changes is not None else {}
            settings = self.settings.model_copy(update={"database_url": url})
            customer = self._customer(task)
            async with Orchestrator.open(
                settings, model=self._model(task), targets=built.targets, environ=env, policies=True
            ) as orch:
                down = [h for h in orch.registry.health() if h.state != "connected"]
                if down:
                    raise EvalSetupError(f"MCP server {down[0].name!r} is not available: {down[0].last_error}")
                talk = await self._converse(orch, customer)
        after = await anyio.to_thread.run_sync(snapshot, url, self.names)
        failures = await self._state_failures(task, before, after)
        failures += check_replies(task, talk.replies) + check_tools(task, talk.records)
        return TrialResult(
            task.id,
            number,
            passed=not failures,
            failures=failures,
            turns=talk.turns,
            cost_usd=talk.cost_usd + customer.cost_usd,
            replies=talk.replies,
        )

    async def _converse(self, orch: Orchestrator, customer: Customer) -> _Conversation:
        talk = _Conversation()
        cid = orch.start(channel="eval")
        reply: str | None = None
        while talk.turns < self.suite.max_turns:
            said = await customer.next(reply)
            if said is None or not said.strip():
                break
            answer = await orch.respond(cid, said)
            talk.turns += 1
            talk.replies.append(answer.text)
            talk.records += answer.tool_calls
            talk.cost_usd += answer.cost_usd
            reply = answer.text
            if any(r.name in self.suite.end_tools and not r.is_error for r in answer.tool_calls):
                break
        return talk

    async def _state_failures(self, task: Task, before: Snapshot, after: Snapshot) -> list[str]:
        if task.changes is None:
            expected = await self.expected.of(task)
            difference = first_difference(after, expected)
            return [f"database: {difference}"] if difference else []
        missing, unexpected = unmatched(diff(before, after), task.changes, tolerated=self.suite.audit_tables)
        failures = [f"database: expected {c.op} in {c.table} where {dict(c.where)}" for c in missing]
        return failures + [f"database: unexpected {c.describe()}" for c in unexpected]


async def run_suite(
    suite: Suite,
    settings: Settings,
    options: RunOptions,
    *,
    claude: ModelClient | None = None,
    environ: Mapping[str, str] = os.environ,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> list[TrialResult]:
    """Run every selected task `options.trials` times, up to `options.concurrency` trials at once.

    Args:
        suite: The loaded suite.
        settings: The suite's settings (its servers, prompt and policies).
        options: Model, trials, concurrency, customer, task filter and database.
        claude: The Claude `ModelClient` (required for `--model claude`; also plays the simulated customer).
        environ: The environment the servers see (plus the suite's data variable and the trial database).
        on_trial: Called after each trial, e.g. to advance a progress bar.

    Returns:
        One result per trial, in task order then trial order.

    Raises:
        EvalSetupError: `--model claude` without a Claude client, `--model oracle` on a suite without ground truth,
            an `--only` id the suite does not have, a `--postgres` database that cannot be used, or a server or
            fixture that would not start.
    """
    if options.model == "claude" and claude is None:
        raise EvalSetupError("--model claude needs ANTHROPIC_API_KEY")
    if options.model == "oracle" and suite.kind != "tau-bench":
        raise EvalSetupError(f"--model oracle replays ground-truth actions, and suite {suite.name} has none")
    tasks = [t for t in suite.tasks if options.only is None or t.id in options.only]
    if options.only is not None and (unknown := sorted(options.only - {t.id for t in tasks})):
        raise EvalSetupError(f"no task {', '.join(unknown)} in suite {suite.name}")
    results: dict[tuple[str, int], TrialResult] = {}
    with tempfile.TemporaryDirectory(prefix="switchboard-eval-") as work:
        scratch = ScratchDatabases(Path(work), postgres=options.postgres)
        try:
            await anyio.to_thread.run_sync(scratch.check)
            run = _Run(suite, settings, options, scratch, claude, environ)
            await anyio.to_thread.run_sync(run.prepare_template)
            limiter = anyio.CapacityLimiter(max(1, options.concurrency))

            async def one(task: Task, number: int) -> None:
                async with limiter:
                    result = await run.trial(task, number)
                results[(task.id, number)] = result
                if on_trial is not None:
                    on_trial(result)

            async with anyio.create_task_group() as tg:
                for number in range(1, options.trials + 1):
                    for task in tasks:
                        tg.start_soon(one, task, number)
        finally:
            scratch.close()
    return [results[(t.id, n)] for t in tasks for n in range(1, options.trials + 1)]
