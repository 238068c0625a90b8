"""Condensation: older turns of a long conversation become a summary (the model's, or an extractive one)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..blocking import blocking
from ..errors import ModelRefused, OrchestratorError
from ..llm.model import ModelRequest
from ..llm.observability import TracedModel
from ..memory import (
    SUMMARY_PROMPT,
    build_context,
    extractive_summary,
    needs_condensing,
    split_for_condensing,
    transcript_for_summary,
)
from ..settings import Settings
from ..storage.ledger import cost_usd, usage_of
from ..storage.store import ConversationStore, LedgerEntry, StoredConversation, StoredMessage
from ..wire import TextBlock
from .replies import user

if TYPE_CHECKING:
    from anthropic.types import MessageParam

logger = logging.getLogger(__name__)


class Condenser:
    """Keeps a conversation's context within budget by summarising its older turns."""

    def __init__(self, store: ConversationStore, model: TracedModel, settings: Settings) -> None:
        """Condense conversations of `store`, summarising with `model` unless it is offline."""
        self.store = store
        self.model = model
        self.settings = settings

    async def compact(self, conversation_id: str, turn: int) -> list[MessageParam] | None:
        """Condense every earlier turn now (the context window was exceeded); the new context, or None."""
        if not await self.condense_if_needed(conversation_id, turn, force=True, keep_turns=0):
            return None
        conversation = await blocking(self.store.get, conversation_id)
        if conversation is None:
            return None
        stored = await blocking(self.store.messages, conversation_id, after_seq=conversation.condensed_through)
        return build_context(conversation.summary, stored)

    async def condense_if_needed(
        self,
        conversation_id: str,
        turn: int,
        *,
        force: bool = False,
        keep_turns: int | None = None,
        known: tuple[StoredConversation, list[StoredMessage]] | None = None,
    ) -> bool:
        """Summarise the turns before the most recent ones when over budget (or when forced); whether it did.

        `known` is the conversation and its uncondensed messages as stored, when the caller holds them (a turn
        that just saved them, holding the conversation's turn slot): the budget is checked without reading them
        again.
        """
        if known is not None and not force and not needs_condensing(known[1], self.settings.conversation):
            return False
        found = known or await blocking(self._uncondensed, conversation_id)
        if found is None:
            return False
        conversation, stored = found
        if not force and not needs_condensing(stored, self.settings.conversation):
            return False
        keep = self.settings.conversation.keep_recent_turns if keep_turns is None else keep_turns
        old, _recent = split_for_condensing(stored, keep) if keep else (list(stored), [])
        if not old:
            return False
        summary = extractive_summary(old, conversation.summary)
        if not self.model.offline:
            summary = (
                await self._model_summary(conversation_id, turn, transcript_for_summary(old), conversation.summary)
                or summary
            )
        await blocking(self.store.set_summary, conversation_id, summary, old[-1].seq)
        return True

    def _uncondensed(self, conversation_id: str) -> tuple[StoredConversation, list[StoredMessage]] | None:
        conversation = self.store.get(conversation_id)
        if conversation is None:
            return None
        return conversation, self.store.messages(conversation_id, after_seq=conversation.condensed_through)

    async def _model_summary(self, conversation_id: str, turn: int, transcript: str, previous: str | None) -> str:
        prompt = f"Earlier summary:\n{previous}\n\nConversation:\n{transcript}" if previous else transcript
        request = ModelRequest(
            model=self.settings.model.fast,
            system=SUMMARY_PROMPT,
            messages=[user(prompt)],
            max_tokens=400,
            cache=False,  # asked once: a breakpoint would only pay a cache write no request reads
        )
        try:
            message = await self.model.create(request)
        except (OrchestratorError, ModelRefused):
            logger.warning("summary model call failed; keeping the extractive summary")
            return ""
        usage = usage_of(message)
        cost = cost_usd(message.model, usage, self.settings.model.prices)
        entry = LedgerEntry(turn, "summary", message.model, usage, cost or 0.0, cost is not None)
        await blocking(self.store.append, conversation_id, turn, [], usage=[entry])
        return "".join(b.text for b in message.content if isinstance(b, TextBlock)).strip()
