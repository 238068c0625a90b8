"""The arithmetic of the five KPIs over conversation records (definitions in `kpi.py`'s docstring)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .events import Outcome

__all__ = ["Kpi", "KpiPoint", "KpiRecord", "KpiSummary", "KpiTargets", "summarize"]


@dataclass(frozen=True)
class KpiTargets:
    """The goals the KPIs are measured against (from the issue)."""

    csat_above: float = 4.2
    auto_resolution_above: float = 0.70
    escalation_below: float = 0.20
    resolution_seconds_below: float = 180.0
    reopen_below: float = 0.05


@dataclass(frozen=True)
class Kpi:
    """One KPI: its value (None without data), target and the number of conversations or ratings behind it."""

    name: str
    value: float | None
    target: float
    direction: Literal["above", "below"]
    """`above`: met when value > target; `below`: met when value < target."""
    n: int
    unit: Literal["score", "ratio", "seconds"]

    @property
    def met(self) -> bool | None:
        """Whether the goal is met; None when there is no data."""
        if self.value is None:
            return None
        return self.value > self.target if self.direction == "above" else self.value < self.target


@dataclass(frozen=True)
class KpiSummary:
    """The five KPIs over conversations that ended in `[since, until)`."""

    since: datetime | None
    until: datetime | None
    ended: int
    resolved_by_bot: int
    resolved_confirmed: int
    resolved_assumed: int
    escalated: int
    abandoned: int
    csat: Kpi
    auto_resolution: Kpi
    escalation: Kpi
    resolution_time: Kpi
    reopen: Kpi
    open_conversations: int = 0
    """Started in the window and not ended yet (not part of any KPI)."""

    @property
    def kpis(self) -> tuple[Kpi, Kpi, Kpi, Kpi, Kpi]:
        """The five KPIs in report order."""
        return (self.csat, self.auto_resolution, self.escalation, self.resolution_time, self.reopen)

    @property
    def confirmed_rate(self) -> float | None:
        """Confirmed bot resolutions / ended conversations (None without ended conversations)."""
        return _ratio(self.resolved_confirmed, self.ended)

    @property
    def assumed_rate(self) -> float | None:
        """Assumed bot resolutions / ended conversations (None without ended conversations)."""
        return _ratio(self.resolved_assumed, self.ended)


@dataclass(frozen=True)
class KpiPoint:
    """The KPIs of one time bucket `[start, end)`; values are None when the bucket has no data."""

    start: datetime
    end: datetime
    summary: KpiSummary


@dataclass(frozen=True)
class KpiRecord:
    """One conversation as the KPI table holds it."""

    conversation_id: str
    started_at: datetime
    customer_key: str | None = None
    issue_key: str | None = None
    ended_at: datetime | None = None
    outcome: Outcome | None = None
    resolution_confirmed: bool = False
    resolution_seconds: float | None = None
    turns: int = 0
    csat: int | None = None
    reopened: bool = False
    reopened_by: str | None = None
    """The later conversation that reopened this one."""


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(
    records: Sequence[KpiRecord],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    targets: KpiTargets = KpiTargets(),
) -> KpiSummary:
    """Compute the five KPIs over the ended `records` (records without an outcome count as open)."""
    ended = [r for r in records if r.outcome is not None]
    resolved = [r for r in ended if r.outcome == "resolved_by_bot"]
    escalated = sum(1 for r in ended if r.outcome == "escalated")
    confirmed = sum(1 for r in resolved if r.resolution_confirmed)
    ratings = [float(r.csat) for r in ended if r.csat is not None]
    durations = [r.resolution_seconds for r in resolved if r.resolution_seconds is not None]
    reopened = sum(1 for r in resolved if r.reopened)
    return KpiSummary(
        since=since,
        until=until,
        ended=len(ended),
        resolved_by_bot=len(resolved),
        resolved_confirmed=confirmed,
        resolved_assumed=len(resolved) - confirmed,
        escalated=escalated,
        abandoned=sum(1 for r in ended if r.outcome == "abandoned"),
        csat=Kpi("CSAT", _mean(ratings), targets.csat_above, "above", len(ratings), "score"),
        auto_resolution=Kpi(
            "Auto-resolution rate",
            _ratio(len(resolved), len(ended)),
            targets.auto_resolution_above,
            "above",
            len(ended),
            "ratio",
        ),
        escalation=Kpi(
            "Escalation rate", _ratio(escalated, len(ended)), targets.escalation_below, "below", len(ended), "ratio"
        ),
        resolution_time=Kpi(
            "Avg resolution time",
            _mean(durations),
            targets.resolution_seconds_below,
            "below",
            len(durations),
            "seconds",
        ),
        reopen=Kpi(
            "Reopen rate", _ratio(reopened, len(resolved)), targets.reopen_below, "below", len(resolved), "ratio"
        ),
        open_conversations=len(records) - len(ended),
    )
