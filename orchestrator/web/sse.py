"""Server-sent events: the wire format, and the long-lived streams of the customer page and the agents' console."""

import json
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

from ..blocking import blocking
from .hub import Hub
from .store import AGENT_KEY, StoredEvent, WebStore

__all__ = ["AGENT_KINDS", "CUSTOMER_KINDS", "agent_view", "customer_view", "event_stream", "format_event"]

CUSTOMER_KINDS = ("agent_joined", "agent_message", "handed_back", "ended", "rated", "system_message")
"""Events pushed to the customer's live stream (their own turns arrive on the turn's stream)."""
AGENT_KINDS = ("escalated", "agent_joined", "handed_back", "ended", "customer_message")
"""Events the console's stream looks at."""
KEEPALIVE = ": keepalive\n\n"


def format_event(event: str, data: dict[str, Any], *, event_id: int | None = None) -> str:
    """One SSE message: optional `id:`, `event:` and a single JSON `data:` line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n\n"


def _at(event: StoredEvent) -> str:
    return event.created_at.isoformat().replace("+00:00", "Z")


def customer_view(event: StoredEvent) -> tuple[str, dict[str, Any]] | None:
    """What the customer's page is told about a stored event."""
    if event.kind == "agent_message":
        return "agent_message", {"id": event.id, "text": event.body or "", "agent": event.author, "at": _at(event)}
    if event.kind in ("agent_joined", "handed_back"):
        return event.kind, {"agent": event.author}
    if event.kind in ("ended", "rated"):
        return event.kind, event.data
    if event.kind == "system_message" and event.data.get("refund_id"):  # a decision on the customer's refund
        data = {"id": event.id, "text": event.body or "", "at": _at(event), **event.data}
        return "refund_decision", data
    return None


def agent_view(event: StoredEvent) -> tuple[str, dict[str, Any]] | None:
    """What the console is told: queue changes, and customers writing to a human."""
    if event.kind == "customer_message":
        if not event.data.get("relayed"):
            return None
        return "customer_message", {
            "handoff_id": event.data.get("handoff_id"),
            "conversation_id": event.conversation_id,
            "id": event.id,
            "text": event.body or "",
            "at": _at(event),
        }
    return "queue_changed", {"conversation_id": event.conversation_id}


async def event_stream(
    store: WebStore,
    hub: Hub,
    *,
    conversation_id: str | None,
    after: int,
    kinds: Collection[str],
    view: Callable[[StoredEvent], tuple[str, dict[str, Any]] | None],
    keepalive_s: float,
) -> AsyncIterator[str]:
    """Stored events after `after`, then each new one as it is published; a keepalive comment when idle.

    Runs until the client goes away (the response is cancelled). Each wake-up or keepalive re-reads from SQL,
    so an event whose notification was lost is still delivered.
    """
    with hub.subscription(conversation_id or AGENT_KEY) as sub:
        yield ": connected\n\n"
        while True:
            for event in await blocking(store.events, conversation_id, after=after, kinds=kinds):
                after = event.id
                shown = view(event)
                if shown is not None:
                    yield format_event(*shown, event_id=event.id)
            if not await sub.wait(keepalive_s):
                yield KEEPALIVE
