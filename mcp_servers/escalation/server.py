"""The escalation MCP server: hand a conversation to a human, and the human agents' queue console."""

from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_servers._common.clock import utcnow
from mcp_servers._common.identity import Email, IdentityError, bound_customer, normalise_email
from mcp_servers._common.text import UnsafeTextGuard

from .models import (
    AgentName,
    ConversationId,
    Escalation,
    Handoff,
    HandoffContext,
    HandoffId,
    HandoffQueue,
    HandoffStatus,
    MessageBody,
    Outcome,
    Priority,
    QueueItem,
    Reason,
    ResolutionNote,
    SentimentTrend,
    Summary,
)
from .store import ConversationConflictError, EscalationStore, HandoffNotFoundError, HandoffRecord, HandoffStateError

__all__ = ["MINUTES_PER_HANDOFF", "create_server"]

MINUTES_PER_HANDOFF = 5
"""Rough time an agent spends per handoff, for the wait estimate."""

NOT_ALLOWED = (
    "A handoff cannot be opened with that customer email and conversation id. Leave customer_email out to use "
    "the customer verified in this conversation, and pass only this conversation's own id."
)
CONSOLE_ONLY = (
    "This tool is for human support agents at the console and is not available in a customer conversation. "
    "To bring in a person, call escalate_to_human."
)
INSTRUCTIONS = """ShopExpress human handoff. In a customer conversation, call escalate_to_human when the customer \
asks for a person, the problem is outside what the tools allow, or the customer is very upset; then tell the \
customer the estimated wait. The other tools are the human agents' console (queue, claim, reply, resolve)."""

_READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
_ESCALATE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
_CLAIM = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_REPLY = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
_RESOLVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)


def _wait(record: HandoffRecord) -> str:
    if record.position is None:
        return "A human agent is already handling this conversation."
    if record.position == 1:
        return f"Next in line: usually under {MINUTES_PER_HANDOFF} minutes."
    ahead = record.position - 1
    return f"About {record.position * MINUTES_PER_HANDOFF} minutes ({ahead} customer{'s' * (ahead > 1)} ahead)."


def _handoff(record: HandoffRecord) -> Handoff:
    return Handoff.model_validate(record, from_attributes=True)


def _queue_item(record: HandoffRecord, now: datetime) -> QueueItem:
    age = max(0, int((now - record.created_at).total_seconds()))
    return QueueItem.model_validate(asdict(record) | {"age_seconds": age, "age_minutes": age // 60})


def _refusal(record: HandoffRecord, agent: str, action: str) -> ToolError:
    """Why `agent` may not `action` the handoff in its current state, and what to do instead."""
    hid = record.handoff_id
    if record.status == "resolved":
        return ToolError(f"{hid} is already resolved ({record.outcome}) and cannot {action}.")
    if record.status == "queued":
        return ToolError(f"{hid} is not claimed yet; call claim_handoff with agent '{agent}' first.")
    if action == "be claimed":
        return ToolError(f"{hid} is already claimed by {record.claimed_by}; pick another one from list_handoff_queue.")
    return ToolError(f"{hid} is claimed by {record.claimed_by}; only that agent can reply to or resolve it.")


@contextmanager
def _as_tool_errors(handoff_id: str, agent: str, action: str) -> Generator[None]:
    """Turn the store's refusals into messages for the agent's model."""
    try:
        yield
    except HandoffNotFoundError as exc:
        raise _not_found(handoff_id) from exc
    except HandoffStateError as exc:
        raise _refusal(exc.record, agent, action) from exc


def _not_found(handoff_id: str) -> ToolError:
    return ToolError(f"No handoff {handoff_id}. Call list_handoff_queue to see the current handoff ids.")


def create_server(store: EscalationStore) -> MCPServer:
    """Build the escalation server on a prepared store."""
    server = MCPServer(
        "escalation", version="0.1.0", instructions=INSTRUCTIONS, log_level="WARNING", middleware=[UnsafeTextGuard()]
    )

    def console_only(ctx: Context) -> None:
        if bound_customer(ctx) is not None:
            raise ToolError(CONSOLE_ONLY)

    @server.tool(title="Escalate to a human agent", annotations=_ESCALATE)
    def escalate_to_human(
        reason: Reason,
        priority: Priority,
        conversation_summary: Summary,
        ctx: Context,
        customer_email: Email | None = None,
        conversation_id: ConversationId | None = None,
        sentiment_trend: SentimentTrend | None = None,
        context: HandoffContext | None = None,
    ) -> Escalation:
        """Hand the conversation to a human support agent and get the customer's place in the queue.

        Use it when the customer asks for a person, when the request is outside what the tools allow, or when
        the customer is very upset. Calling it again for the same conversation returns the same handoff. Tell
        the customer the estimated wait; do not promise a time.

        Args:
            reason: Why a human is needed, in one or two sentences.
            priority: 'urgent' (safety, legal, payment fraud, very upset customer), 'high' (money at stake or
                repeated failures), otherwise 'normal'.
            conversation_summary: What happened so far, so the agent need not ask again: the problem, what was
                checked (order ids), what was tried.
            customer_email: The customer's email, if known. Leave it out in a verified conversation.
            conversation_id: This conversation's id, so that repeated escalations are not duplicated.
            sentiment_trend: How the customer's mood is moving, e.g. 'deteriorating', 'stable', 'improving'.
            context: Short verified facts for the agent, e.g. {"order_id": "ORD-78432"}.
        """
        bound = bound_customer(ctx)
        claimed = normalise_email(customer_email) if customer_email else None
        if bound is not None and claimed is not None and claimed != bound:
            raise IdentityError(NOT_ALLOWED)
        try:
            record, created = store.escalate(
                reason=reason,
                priority=priority,
                summary=conversation_summary,
                customer_email=bound or claimed,
                customer_verified=bound is not None,
                conversation_id=conversation_id,
                sentiment_trend=sentiment_trend,
                context=context,
            )
        except ConversationConflictError as exc:
            raise IdentityError(NOT_ALLOWED) from exc
        return Escalation(
            handoff_id=record.handoff_id,
            status=record.status,
            priority=record.priority,
            queue_position=record.position,
            estimated_wait=_wait(record),
            already_open=not created,
        )

    @server.tool(title="List the handoff queue", annotations=_READ)
    def list_handoff_queue(
        ctx: Context,
        status: HandoffStatus = "queued",
        limit: Annotated[int, Field(ge=1, le=100, description="How many handoffs to list (1-100)")] = 20,
    ) -> HandoffQueue:
        """For human agents: list handoffs, queued ones in the order they should be taken (position 1 first).

        Queued and claimed handoffs are ordered by priority (urgent, high, normal), then oldest first; resolved
        ones newest first. Not available in customer conversations.

        Args:
            status: Which handoffs: 'queued' (waiting), 'claimed' (being handled) or 'resolved' (ended).
            limit: How many handoffs to list (1-100).
        """
        console_only(ctx)
        total, records = store.list_handoffs(status, limit=limit)
        now = utcnow()
        return HandoffQueue(status=status, total=total, items=[_queue_item(r, now) for r in records])

    @server.tool(title="Get a handoff", annotations=_READ)
    def get_handoff(handoff_id: HandoffId, ctx: Context) -> Handoff:
        """For human agents: read one handoff in full, with its context and message log.

        Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
        """
        console_only(ctx)
        record = store.get(handoff_id)
        if record is None:
            raise _not_found(handoff_id)
        return _handoff(record)

    @server.tool(title="Claim a handoff", annotations=_CLAIM)
    def claim_handoff(handoff_id: HandoffId, agent: AgentName, ctx: Context) -> Handoff:
        """For human agents: take a queued handoff, so that only you reply to and resolve it.

        Claiming a handoff you already hold changes nothing. Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, spelled the same way on every call.
        """
        console_only(ctx)
        with _as_tool_errors(handoff_id, agent, "be claimed"):
            return _handoff(store.claim(handoff_id, agent))

    @server.tool(title="Reply on a handoff", annotations=_REPLY)
    def add_handoff_reply(handoff_id: HandoffId, agent: AgentName, message: MessageBody, ctx: Context) -> Handoff:
        """For human agents: add your message for the customer to a handoff you have claimed.

        Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, as used in claim_handoff.
            message: The message to the customer, up to 4000 characters.
        """
        console_only(ctx)
        with _as_tool_errors(handoff_id, agent, "take replies"):
            return _handoff(store.add_reply(handoff_id, agent, message))

    @server.tool(title="Resolve a handoff", annotations=_RESOLVE)
    def resolve_handoff(
        handoff_id: HandoffId, agent: AgentName, resolution_note: ResolutionNote, outcome: Outcome, ctx: Context
    ) -> Handoff:
        """For human agents: end a handoff you have claimed. This cannot be undone.

        Use outcome 'resolved' when you settled the issue, or 'returned_to_bot' to hand the conversation back to
        the assistant. Not available in customer conversations.

        Args:
            handoff_id: The handoff id, e.g. HO-000042.
            agent: Your agent name or id, as used in claim_handoff.
            resolution_note: What was done, for the record (up to 2000 characters).
            outcome: 'resolved' or 'returned_to_bot'.
        """
        console_only(ctx)
        with _as_tool_errors(handoff_id, agent, "be resolved again"):
            return _handoff(store.resolve(handoff_id, agent, outcome=outcome, note=resolution_note))

    return server
