"""pass^k as defined in the τ-bench paper: the chance that k independent trials of a task all succeed."""

from collections.abc import Mapping, Sequence
from math import comb

__all__ = ["pass_hat", "pass_hat_table"]


def pass_hat(results: Mapping[str, Sequence[bool]], k: int) -> float:
    """Mean over tasks of C(c, k) / C(n, k), with n trials and c successes per task.

    Args:
        results: Task id to the outcome of each trial.
        k: How many trials must all succeed (1 <= k <= every task's n).

    Returns:
        The estimate in [0, 1]; 0.0 for no tasks.

    Raises:
        ValueError: k is below 1 or above a task's number of trials.
    """
    if not results:
        return 0.0
    total = 0.0
    for task, passes in results.items():
        n = len(passes)
        if not 1 <= k <= n:
            raise ValueError(f"pass^{k} needs at least {k} trials; task {task!r} has {n}")
        total += comb(sum(passes), k) / comb(n, k)
    return total / len(results)


def pass_hat_table(results: Mapping[str, Sequence[bool]]) -> dict[str, float]:
    """pass^1 .. pass^n for the smallest trial count n, keyed by k as a string (the JSON report's shape)."""
    if not results:
        return {}
    trials = min(len(p) for p in results.values())
    return {str(k): pass_hat(results, k) for k in range(1, trials + 1)}
