"""The shipped suites as CI runs them: ShopExpress with the offline model, τ-bench retail with the oracle."""

import pytest

from orchestrator.evals import RunOptions, load_suite, run_suite
from orchestrator.evals.cases import TrialResult
from orchestrator.evals.passk import pass_hat_table
from orchestrator.settings import load_settings

pytestmark = pytest.mark.anyio


def _outcomes(results: list[TrialResult]) -> dict[str, list[bool]]:
    by_task: dict[str, list[bool]] = {}
    for r in results:
        by_task.setdefault(r.task_id, []).append(r.passed)
    return by_task


OFFLINE_MISSES: dict[str, str] = {
    # Scenario id -> the real finding that fails it (listed in docs/eval.md), never a scenario loosened to pass.
    # Any other failing scenario is a regression, even while pass^1 stays above 0.9.
}


async def test_shopexpress_offline_passes_at_least_ninety_percent_over_two_trials() -> None:
    suite = load_suite("shopexpress")
    assert len(suite.tasks) >= 40
    settings = load_settings(suite.config, {}, offline=True)
    results = await run_suite(suite, settings, RunOptions(model="offline", trials=2, concurrency=4))
    assert [r for r in results if r.error] == []
    scores = pass_hat_table(_outcomes(results))
    failing = sorted({f"{r.task_id}: {r.failures[0]}" for r in results if not r.passed})
    assert scores["1"] >= 0.9, failing
    assert {r.task_id for r in results if not r.passed} <= set(OFFLINE_MISSES), failing
    policies = {t.title for t in suite.tasks}
    assert {
        "flagship",
        "faq",
        "order status",
        "outside the window",
        "used item",
        "not received",
        "approval pending",
        "cross-customer attempts",
        "injection inside tool output",
        "abuse ladder",
        "profanity that is not abuse",
        "French",
        "explicit human request",
        "switching orders",
    } <= policies


async def test_tau_retail_oracle_passes_all_115_test_tasks() -> None:
    suite = load_suite("tau-retail")
    assert len(suite.tasks) == 115
    settings = load_settings(suite.config, {}, offline=True)
    results = await run_suite(suite, settings, RunOptions(model="oracle", trials=1, concurrency=4))
    failing = [(r.task_id, r.failures) for r in results if not r.passed]
    assert failing == []


async def test_tau_retail_offline_model_fails_most_tasks() -> None:
    suite = load_suite("tau-retail")
    settings = load_settings(suite.config, {}, offline=True)
    sample = frozenset(str(i) for i in range(0, 115, 5))  # every fifth task keeps CI short; docs/eval.md has all
    results = await run_suite(suite, settings, RunOptions(model="offline", only=sample, concurrency=4))
    assert [r for r in results if r.error] == []
    assert sum(r.passed for r in results) <= len(results) // 4
    assert any(f.startswith("database:") for r in results for f in r.failures)
