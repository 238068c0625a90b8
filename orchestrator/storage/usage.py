"""Aggregate reads over the conversation store's ledger and tool calls, for reports (the dashboard)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .store import ConversationStore, ledger, tool_calls

__all__ = ["ModelUsage", "ToolTiming", "UsageSince", "tool_calls_since", "usage_since"]


@dataclass(frozen=True)
class ModelUsage:
    """One model's calls, tokens and cost."""

    model: str
    calls: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    priced: bool
    """False when any of its calls had no price in the config."""


@dataclass(frozen=True)
class UsageSince:
    """Model usage recorded since a time, per model (sorted by model id)."""

    by_model: list[ModelUsage]
    conversations: int
    """Conversations with at least one model call in the window."""


@dataclass(frozen=True)
class ToolTiming:
    """One routed tool call: what ran, how long, whether it failed."""

    name: str
    server: str | None
    duration_ms: int
    is_error: bool


def usage_since(store: ConversationStore, since: datetime) -> UsageSince:
    """Ledger totals per model since `since`."""
    t = ledger.c
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
        ModelUsage(str(m), int(n), float(c or 0), int(i or 0), int(o or 0), bool(p)) for m, n, c, i, o, p in rows
    ]
    return UsageSince(by_model, int(conversations))


def tool_calls_since(store: ConversationStore, since: datetime, *, limit: int) -> list[ToolTiming]:
    """The latest `limit` tool calls since `since` that ran (refused calls excluded), newest first."""
    t = tool_calls.c
    with store.db.read() as conn:
        rows = conn.execute(
            select(t.name, t.server, t.duration_ms, t.is_error)
            .where(t.created_at >= since, t.refused == 0)
            .order_by(t.id.desc())
            .limit(limit)
        ).all()
    return [ToolTiming(str(name), server, int(duration), bool(error)) for name, server, duration, error in rows]
