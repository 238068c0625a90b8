"""Conversation memory: the token budget, condensing older turns into a summary, and the context sent to the model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from .llm.history import content_blocks
from .settings import ConversationConfig
from .storage.store import StoredMessage

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = [
    "SUMMARY_PROMPT",
    "build_context",
    "estimate_tokens",
    "extractive_summary",
    "needs_condensing",
    "split_for_condensing",
    "transcript_for_summary",
]

SUMMARY_PROMPT = """Summarise this customer-support conversation for the agent who continues it. Keep, in at most \
8 short lines: the customer's problem, order/ticket/refund/hand-off references, every action taken and its \
outcome, what was promised, and the current status. Never include card numbers or full addresses."""

_ID_KEYS = ("order_id", "ticket_id", "handoff_id", "refund_id", "reason", "status", "query")


def estimate_tokens(messages: Sequence[MessageParam]) -> int:
    """A cheap, provider-neutral estimate (about 4 characters per token)."""
    return sum(len(json.dumps(m, default=str)) for m in messages) // 4


def needs_condensing(stored: Sequence[StoredMessage], config: ConversationConfig) -> bool:
    """Whether the uncondensed history is past the turn or token budget."""
    turns = {m.turn for m in stored}
    return len(turns) > config.max_turns or estimate_tokens([m.param for m in stored]) > config.max_tokens


def split_for_condensing(
    stored: Sequence[StoredMessage], keep_recent_turns: int
) -> tuple[list[StoredMessage], list[StoredMessage]]:
    """Split at a turn boundary: (older messages to condense, the most recent turns kept verbatim)."""
    turns = sorted({m.turn for m in stored})
    if len(turns) <= keep_recent_turns:
        return [], list(stored)
    first_kept = turns[-keep_recent_turns]
    return [m for m in stored if m.turn < first_kept], [m for m in stored if m.turn >= first_kept]


def transcript_for_summary(stored: Sequence[StoredMessage]) -> str:
    """A plain-text rendering of messages for a summariser model."""
    lines: list[str] = []
    for message in stored:
        for block in content_blocks(message.param):
            kind = block.get("type")
            if kind == "text" and block.get("text"):
                who = "Customer" if message.param["role"] == "user" else "Assistant"
                lines.append(f"{who}: {block['text']}")
            elif kind == "tool_use":
                lines.append(f"[tool call {block.get('name')} {json.dumps(block.get('input'), default=str)}]")
            elif kind == "tool_result":
                status = "error" if block.get("is_error") else "ok"
                lines.append(f"[tool result ({status}): {str(block.get('content'))[:300]}]")
    return "\n".join(lines)


def extractive_summary(stored: Sequence[StoredMessage], previous: str | None = None) -> str:
    """The offline summary: the problem (customer's first words), actions and outcomes, and the last status."""
    customer = [
        b["text"]
        for m in stored
        if m.param["role"] == "user"
        for b in content_blocks(m.param)
        if b.get("type") == "text" and b.get("text")
    ]
    assistant = [
        b["text"]
        for m in stored
        if m.param["role"] == "assistant"
        for b in content_blocks(m.param)
        if b.get("type") == "text" and b.get("text")
    ]
    uses: dict[str, dict[str, Any]] = {}
    actions: list[str] = []
    for message in stored:
        for block in content_blocks(message.param):
            if block.get("type") == "tool_use":
                uses[str(block.get("id"))] = block
            elif block.get("type") == "tool_result":
                use = uses.get(str(block.get("tool_use_id")), {})
                args = cast(dict[str, Any], use.get("input") or {})
                keys = ", ".join(f"{k}={args[k]}" for k in _ID_KEYS if k in args)
                outcome = "failed" if block.get("is_error") else "ok"
                actions.append(f"{use.get('name', '?')}({keys}) -> {outcome}")
    lines: list[str] = []
    if previous:
        lines.append(f"Earlier: {previous}")
    if customer:
        lines.append(f"Problem: {_clip(customer[0], 240)}")
        if len(customer) > 1:
            lines.append(f"Customer last said: {_clip(customer[-1], 200)}")
    if actions:
        lines.append("Actions: " + "; ".join(actions[-8:]))
    if assistant:
        lines.append(f"Status: {_clip(assistant[-1], 240)}")
    return "\n".join(lines) or "No earlier conversation."


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_context(summary: str | None, recent: Sequence[StoredMessage]) -> list[MessageParam]:
    """The messages sent to the model: the summary (if any) prefixed to the first kept customer message."""
    context: list[MessageParam] = [m.param for m in recent]
    if not summary:
        return context
    note: dict[str, Any] = {
        "type": "text",
        "text": f"<conversation_summary>\n{summary}\n</conversation_summary>\n(The summary covers earlier turns.)",
    }
    if context and context[0]["role"] == "user":
        first = context[0]
        context[0] = cast("MessageParam", {"role": "user", "content": [note, *content_blocks(first)]})
    else:
        context.insert(0, cast("MessageParam", {"role": "user", "content": [note]}))
    return context
