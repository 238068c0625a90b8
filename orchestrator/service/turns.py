"""Turn persistence: what a turn reads before it runs (`TurnStart`) and what it stores after (`TurnWrites`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from ..blocking import blocking
from ..hooks import TurnContext
from ..memory import needs_condensing
from ..redaction import mask_value
from ..settings import ConversationConfig
from ..storage.store import (
    ConversationStatus,
    ConversationStore,
    LedgerEntry,
    StoredConversation,
    StoredMessage,
    as_stored,
)
from ..tools import ToolRecord
from .condense import Condenser

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = ["TurnStart", "TurnStorage", "TurnWrites"]


@dataclass(frozen=True)
class TurnStart:
    """What a turn reads before it runs (`Orchestrator.load_turn`)."""

    conversation: StoredConversation
    turn: int
    """The number of the turn about to run."""
    history: list[StoredMessage]
    """The uncondensed messages, in order."""


@dataclass(frozen=True)
class TurnWrites:
    """What a turn stores."""

    turn: int
    messages: list[MessageParam]
    ctx: TurnContext
    records: list[ToolRecord]
    usage: list[LedgerEntry]
    status: ConversationStatus | None
    policy_save: Callable[[], None] | None


class TurnStorage:
    """Reads a turn's start and stores its writes, condensing the conversation when it grows too long."""

    def __init__(self, store: ConversationStore, condenser: Condenser, conversation: ConversationConfig) -> None:
        """Use `store`, and `condenser` when the history outgrows the `conversation` budget."""
        self.store = store
        self.condenser = condenser
        self.conversation = conversation

    def load(self, conversation_id: str) -> TurnStart:
        """What a turn reads first, in one read transaction (or in the caller's `transaction()`); blocking.

        Raises:
            KeyError: unknown conversation.
        """
        with self.store.db.read():
            conversation = self.store.get(conversation_id)
            if conversation is None:
                raise KeyError(conversation_id)
            stored = self.store.messages(conversation_id, after_seq=conversation.condensed_through)
            # The last stored message is of the last turn, unless every message is condensed.
            turn = stored[-1].turn + 1 if stored else self.store.next_turn(conversation_id)
            return TurnStart(conversation, turn, stored)

    async def store_turn(
        self,
        conversation: StoredConversation,
        stored: list[StoredMessage] | None,
        writes: TurnWrites,
        finish: Callable[[], None] | None,
        *,
        force: bool,
    ) -> None:
        """Save the turn, and condense the conversation when it needs it (`stored`: None when it may have changed).

        `finish` (the caller's bookkeeping) is written with the turn, or after the condensation when there is one.
        """
        history = None if stored is None else [*stored, *as_stored(writes.turn, writes.messages)]
        condensing = force or history is None or needs_condensing(history, self.conversation)
        finishing = [finish] if finish is not None and not condensing else []
        saved = await blocking(self.save, conversation.id, writes, finishing)
        if condensing:
            known = None if stored is None else (conversation, [*stored, *saved])
            await self.condenser.condense_if_needed(conversation.id, writes.turn, force=force, known=known)
            if finish is not None:
                await blocking(finish)

    def save(self, conversation_id: str, turn: TurnWrites, others: Sequence[Callable[[], None]]) -> list[StoredMessage]:
        """Store the turn, the policy's bookkeeping and the `others`, in one transaction; the stored messages."""
        with self.store.db.write():
            saved = self.store.append(
                conversation_id,
                turn.turn,
                turn.messages,  # exactly what the model was sent (PII masked once, before sending): caches hold
                records=[replace(r, arguments=cast(dict[str, object], mask_value(r.arguments))) for r in turn.records],
                usage=turn.usage,
                customer_email=turn.ctx.customer_email,
                state=turn.ctx.flags,
                status=turn.status,
            )
            for write in [*([turn.policy_save] if turn.policy_save else []), *others]:
                write()
        return saved
