"""Per-message latency of a policy check, as one benchmark row (CPU time, one message per call, warm model)."""

import statistics
import time
from collections.abc import Callable, Sequence

LATENCY_GOAL_MS = 5.0
"""Issue 16: a local model may cost at most 5 ms of CPU per message."""


def latency_row(check: str, data: str, classify: Callable[[str], object], texts: Sequence[str]) -> dict[str, object]:
    """p50 / p95 milliseconds of `classify(text)` over up to 500 texts, after one warm-up call (weights loaded)."""
    sample = list(texts)[:500]
    classify(sample[0])
    times: list[float] = []
    for text in sample:
        started = time.process_time()
        classify(text)
        times.append((time.process_time() - started) * 1000)
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    return {
        "check": check,
        "data": data,
        "metric": "ms per message",
        "value": f"p50 {p50:.2f} ms / p95 {p95:.2f} ms",
        "goal": f"<= {LATENCY_GOAL_MS:g} ms (p50)",
        "met": p50 <= LATENCY_GOAL_MS,
        "notes": f"n={len(sample)} single calls, CPU time (time.process_time), weights loaded; shared 2-core machine",
    }
