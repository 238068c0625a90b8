"""The support lead's dashboard data: the five KPIs over time, refund approvals, token cost and tool latency."""

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select

from mcp_servers._common.clock import utcnow

from ..policy.approvals import ApprovalStore
from ..storage.store import ConversationStore
from ..storage.store import ledger as ledger_table
from ..storage.store import tool_calls as tool_calls_table
from ..telemetry.kpi import Kpi, KpiStore, KpiSummary

__all__ = ["KPI_KEYS", "dashboard_data"]

KPI_KEYS = ("csat", "auto_resolution", "escalation", "resolution_time", "reopen")
MAX_TOOL_ROWS = 50_000
"""Latency percentiles are computed over at most this many most recent calls."""


def _iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def _kpi(key: str, kpi: Kpi) -> dict[str, Any]:
    return {
        "key": key,
        "name": kpi.name,
        "value": kpi.value,
        "target": kpi.target,
        "direction": kpi.direction,
        "unit": kpi.unit,
        "n": kpi.n,
        "met": kpi.met,
    }


def _percentile(ordered: list[int], share: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def _series_point(start: datetime, summary: KpiSummary) -> dict[str, Any]:
    values = dict(zip(KPI_KEYS, (k.value for k in summary.kpis), strict=True))
    return {"start": _iso(start), **values, "ended": summary.ended}


def _cost(store: ConversationStore, since: datetime) -> dict[str, Any]:
    t = ledger_table.c
    with store.db.read() as conn:
        rows = conn.execute(
            select(
                t.model,
                func.count(),
                func.sum(t.cost_usd),
                func.sum(t.input_tokens),
                func.sum(t.output_tokens),
                func.min(t.priced),
            )
            .where(t.created_at >= since)
            .group_by(t.model)
            .order_by(t.model)
        ).all()
        conversations = conn.execute(
            select(func.count(func.distinct(t.conversation_id))).where(t.created_at >= since)
        ).scalar_one()
    by_model = [
        {
            "model": m,
            "calls": n,
            "cost_usd": float(c or 0),
            "tokens_in": int(i or 0),
            "tokens_out": int(o or 0),
            "priced": bool(p),
        }
        for m, n, c, i, o, p in rows
    ]
    total = sum(m["cost_usd"] for m in by_model)
    return {
        "total_usd": total,
        "tokens_in": sum(m["tokens_in"] for m in by_model),
        "tokens_out": sum(m["tokens_out"] for m in by_model),
        "conversations": conversations,
        "per_conversation_usd": total / conversations if conversations else None,
        "by_model": by_model,
    }


def _tools(store: ConversationStore, since: datetime) -> list[dict[str, Any]]:
    t = tool_calls_table.c
    with store.db.read() as conn:
        rows = conn.execute(
            select(t.name, t.server, t.duration_ms, t.is_error)
            .where(t.created_at >= since, t.refused == 0)
            .order_by(t.id.desc())
            .limit(MAX_TOOL_ROWS)
        ).all()
    groups: dict[tuple[str, str | None], list[tuple[int, bool]]] = {}
    for name, server, duration_ms, is_error in rows:
        groups.setdefault((name, server), []).append((int(duration_ms), bool(is_error)))
    report: list[dict[str, Any]] = []
    for (name, server), calls in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0][0])):
        durations = sorted(d for d, _ in calls)
        report.append(
            {
                "name": name,
                "server": server,
                "calls": len(calls),
                "errors": sum(1 for _, e in calls if e),
                "p50_ms": _percentile(durations, 0.50),
                "p95_ms": _percentile(durations, 0.95),
            }
        )
    return report


def dashboard_data(
    kpi: KpiStore | None,
    store: ConversationStore,
    *,
    days: int,
    bucket: Literal["hour", "day"],
    now: datetime | None = None,
    approvals: ApprovalStore | None = None,
) -> dict[str, Any]:
    """Everything `/dashboard` shows for the last `days` days (refund approvals when `approvals` is given)."""
    until = now or utcnow()
    since = until - timedelta(days=days)
    window = {"since": _iso(since), "until": _iso(until), "bucket": bucket}
    report: dict[str, Any] = {"window": window, "kpis": [], "counts": {}, "series": []}
    if kpi is not None:
        summary = kpi.summary(since=since)
        report["kpis"] = [_kpi(key, k) for key, k in zip(KPI_KEYS, summary.kpis, strict=True)]
        report["counts"] = {
            "ended": summary.ended,
            "resolved_by_bot": summary.resolved_by_bot,
            "escalated": summary.escalated,
            "abandoned": summary.abandoned,
            "open": summary.open_conversations,
        }
        report["series"] = [_series_point(p.start, p.summary) for p in kpi.timeseries(bucket, since=since)]
    if approvals is not None:
        stats = approvals.stats(since=since, until=until)
        report["approvals"] = {
            "pending": stats.pending,
            "pending_amount": stats.pending_cents / 100,
            "approved": stats.approved,
            "approved_amount": stats.approved_cents / 100,
            "rejected": stats.rejected,
            "rejected_amount": stats.rejected_cents / 100,
            "mean_decision_s": stats.mean_decision_s,
            "max_decision_s": stats.max_decision_s,
        }
    report["cost"] = _cost(store, since)
    report["tools"] = _tools(store, since)
    return report
