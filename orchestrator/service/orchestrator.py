"""`Orchestrator`: owns conversations; connects servers, model, checks and storage for each customer turn."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, cast

import anyio

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

from ..blocking import blocking
from ..errors import InvalidInputError, ModelStreamInterrupted, ToolLoopLimitExceeded
from ..events import ConversationClosed, Event, EventSink, ModelCalled, Outcome, TurnCompleted, discard
from ..hooks import ExtraUsage, TurnContext
from ..llm.model import ModelClient
from ..llm.observability import TracedModel
from ..loop import TurnResult, run_turn
from ..memory import build_context
from ..policy.engine import SupportPolicy
from ..redaction import StreamRedactor, mask_for_model
from ..registry.offer import ToolOffer, basic_facts
from ..registry.registry import ServerRegistry, TargetFactory
from ..settings import Settings
from ..storage.ledger import cost_usd, price_for, usage_of
from ..storage.store import ConversationStatus, ConversationStore, LedgerEntry
from ..telemetry.tracing import Tracing, TracingConfig
from ..tools import ToolRunner
from .condense import Condenser
from .replies import (
    INTERRUPTED_NOTE,
    LOOP_LIMIT_REPLY,
    REFUSAL_REPLY,
    WITHHELD_MESSAGE,
    Reply,
    ToolCallerFor,
    assistant,
    fan_out_text,
    identity_context,
    ledger_entry,
    metadata,
    user,
    valid_turn,
    validated,
)
from .turns import TurnStart, TurnStorage, TurnWrites
from .wiring import AsyncClosable, PolicyStack, build_model, standard_stack

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = ["Orchestrator"]

logger = logging.getLogger(__name__)

NO_POLICIES = PolicyStack()


class Orchestrator:
    """The conversation owner. Build it with `Orchestrator.open(settings)`."""

    def __init__(
        self,
        settings: Settings,
        *,
        registry: ServerRegistry,
        model: ModelClient,
        store: ConversationStore,
        stack: PolicyStack = NO_POLICIES,
        tracing: Tracing | None = None,
    ) -> None:
        """Wire the parts; prefer `open()`, which also manages their lifetimes."""
        self.settings = settings
        self.registry = registry
        self.tracing = tracing or Tracing(TracingConfig(include_text=settings.policy.include_message_text_in_traces))
        self.model = TracedModel(model, self.tracing, prices=settings.model.prices)
        self.store = store
        self.kpi = stack.kpi
        self.prometheus = stack.prometheus
        self.input_checks = list(stack.input_checks)
        self.output_checks = list(stack.output_checks)
        self.tool_checks = list(stack.tool_checks)
        self.sinks = list(stack.sinks)
        self.policy = policy = stack.policy
        facts = policy.conversation_facts if isinstance(policy, SupportPolicy) else basic_facts
        self.offer = ToolOffer(registry, settings.enabled_servers, facts=facts)
        self.condenser = Condenser(store, self.model, settings)
        self.turns = TurnStorage(store, self.condenser, settings.conversation)

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        model: ModelClient | None = None,
        targets: Mapping[str, TargetFactory] | None = None,
        environ: Mapping[str, str] = os.environ,
        policies: bool | PolicyStack = False,
        tracing: Tracing | None = None,
        connect_in_background: bool = False,
    ) -> AsyncGenerator[Orchestrator]:
        """Open storage, connect every enabled server concurrently, and yield a ready orchestrator.

        With `connect_in_background=True` it is yielded while the servers connect; a turn's model call waits for
        their first connection attempts (input checks run before), so a chat can show its prompt at once.

        With `policies=True` the standard policy stack is wired in: guardrails, sentiment and escalation,
        KPI recording and Prometheus metrics (see `standard_stack`); a `PolicyStack` is wired in as given.
        """
        db = Database(settings.database_url)
        built = model is None
        try:
            store = ConversationStore(db)
            store.prepare()
            model = model or build_model(settings)
            async with ServerRegistry(
                settings.enabled_servers, targets=targets, environ=environ, background=connect_in_background
            ) as registry:
                if policies is True:
                    stack = standard_stack(settings, db, model)
                else:
                    stack = policies or NO_POLICIES
                yield cls(settings, registry=registry, model=model, store=store, stack=stack, tracing=tracing)
        finally:
            if built and isinstance(model, AsyncClosable):  # the HTTP connections of a client built here
                with anyio.CancelScope(shield=True):
                    await model.aclose()
            db.dispose()

    def start(self, *, channel: str = "cli") -> str:
        """Start a conversation and return its id."""
        conversation_id = self.store.create(channel=channel, model=self.model.label)
        if self.kpi is not None:
            self.kpi.start(conversation_id, utcnow())
        return conversation_id

    async def end(
        self,
        conversation_id: str,
        *,
        csat: int | None = None,
        confirmed: bool = False,
        save: Callable[[], object] | None = None,
    ) -> str:
        """Close a conversation (with the customer's 1-5 rating, if given); returns its KPI outcome.

        `save` is the caller's own blocking bookkeeping, written in the transaction that closes the conversation
        (whatever it raises undoes the close and is raised here).

        Raises:
            KeyError: unknown conversation.
            InvalidInputError: a rating outside 1-5.
        """
        if csat is not None and not 1 <= csat <= 5:
            raise InvalidInputError("the rating must be between 1 and 5")
        outcome = await blocking(self._close, conversation_id, csat, confirmed, save)
        for sink in self.sinks:
            await sink(ConversationClosed(conversation_id, outcome, confirmed or (csat or 0) >= 4))
        return outcome

    def _close(
        self, conversation_id: str, csat: int | None, confirmed: bool, save: Callable[[], object] | None
    ) -> Outcome:
        with self.store.db.transaction():  # the header, KPI outcome, status and the caller's rows: one transaction
            outcome = self._close_in(conversation_id, csat, confirmed)
            if save is not None:
                save()
            return outcome

    def _close_in(self, conversation_id: str, csat: int | None, confirmed: bool) -> Outcome:
        conversation = self.store.get(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        outcome: Outcome = "escalated" if conversation.status == "escalated" else "resolved_by_bot"
        if isinstance(self.policy, SupportPolicy):
            outcome = self.policy.close(conversation_id, status=conversation.status, csat=csat, confirmed=confirmed)
        if conversation.status != "escalated":
            self.store.set_status(conversation_id, "resolved" if outcome == "resolved_by_bot" else "closed")
        return outcome

    def rate(self, conversation_id: str, csat: int) -> None:
        """Record the customer's 1-5 rating of a conversation that already ended (e.g. resolved by a human agent).

        Raises:
            InvalidInputError: a rating outside 1-5.
            KeyError: the KPI tables never saw the conversation.
        """
        if type(csat) is not int or not 1 <= csat <= 5:
            raise InvalidInputError("the rating must be between 1 and 5")
        if self.kpi is not None:
            self.kpi.record_csat(conversation_id, csat)

    async def respond(
        self,
        conversation_id: str,
        text: str,
        *,
        emit: EventSink = discard,
        save: Callable[[str], None] | None = None,
        start: TurnStart | None = None,
    ) -> Reply:
        """Run one customer turn: checks, the tool-use loop, output checks, persistence and condensation.

        `save` is the caller's own blocking bookkeeping of the turn (e.g. the web channel's transcript), called
        with the final reply text in the transaction that stores the turn; when the turn is then condensed, it
        is called after the condensation instead, in a transaction of its own. `start` is what `load_turn` read,
        when the caller read it while it took the conversation's turn slot (read here when None).

        Raises:
            InvalidInputError: an empty or oversized message, or one no database can store.
            KeyError: unknown conversation.
            ModelError: the model API failed (nothing is stored for the turn).
        """
        started = time.perf_counter()
        with self.tracing.turn_span(conversation_id, text=text):
            reply = await self._respond(conversation_id, text, emit, save, start)
        event = TurnCompleted(
            conversation_id, reply.model_calls, len(reply.tool_calls), reply.stop_reason, time.perf_counter() - started
        )
        await emit(event)
        for sink in self.sinks:
            await sink(event)
        return reply

    async def _respond(
        self,
        conversation_id: str,
        text: str,
        emit: EventSink,
        caller_save: Callable[[str], None] | None,
        start: TurnStart | None,
    ) -> Reply:
        text = validated(text)
        start = start or await blocking(self.load_turn, conversation_id)
        conversation, turn, stored = start.conversation, start.turn, start.history
        ctx = TurnContext(conversation_id, conversation.customer_email, text, dict(conversation.state))

        async def deliver(event: Event) -> None:
            await emit(event)
            for sink in self.sinks:
                await sink(event)

        fan_out = StreamRedactor(deliver, self.output_checks, ctx)  # streamed text passes the output checks too

        runner = ToolRunner(
            self.registry,
            ctx,
            checks=self.tool_checks,
            emit=fan_out,
            inspect=self.policy.inspect_tool_result if self.policy else None,
            tracing=self.tracing,
            parent_span=lambda: self.model.last_span,
            offer=self.offer,
        )
        for check in self.input_checks:
            verdict = await check.check_input(text, ctx)
            if not verdict.allow:
                return await self._blocked(
                    conversation_id, turn, text, verdict.reply, ctx, runner, fan_out, caller_save
                )
            if verdict.text is not None:
                text = verdict.text
        await self.registry.settled()  # a background start: the tools the model is offered must be listed first
        # Masked once, here, and stored exactly as sent: later turns resend the same bytes and the cache holds.
        user_message: MessageParam = user(mask_for_model(text))
        history = [*build_context(conversation.summary, stored), user_message]
        usage_entries: list[LedgerEntry] = []
        compacted: list[bool] = []

        async def record(event: Event) -> None:
            if isinstance(event, ModelCalled):
                priced = price_for(event.model, self.settings.model.prices) is not None or self.model.offline
                usage_entries.append(LedgerEntry(turn, "reply", event.model, event.usage, event.cost_usd, priced))
            await fan_out(event)

        async def compact() -> list[MessageParam] | None:
            compacted.append(True)  # the stored summary may change: the history read above is no longer current
            return await self.condenser.compact(conversation_id, turn)

        async def model_turn() -> TurnResult:
            try:
                return await run_turn(
                    history,
                    model=self.model,
                    tools=runner,
                    model_id=self.settings.model.main,
                    system=self.settings.system_prompt,
                    context=identity_context(ctx),
                    emit=record,
                    usage_of=usage_of,
                    cost_of=lambda model, usage: cost_usd(model, usage, self.settings.model.prices),
                    max_iterations=self.settings.model.max_tool_iterations,
                    max_tokens=self.settings.model.max_tokens,
                    retry_max_tokens=self.settings.model.retry_max_tokens,
                    metadata=lambda: metadata(ctx),
                    compact=compact,
                )
            except ToolLoopLimitExceeded as exc:
                logger.warning("conversation hit the tool iteration cap (%d)", exc.max_iterations)
                await fan_out_text(fan_out, LOOP_LIMIT_REPLY)
                partial = cast("list[MessageParam]", exc.partial_messages)
                return TurnResult(LOOP_LIMIT_REPLY, "iteration_limit", [*partial, assistant(LOOP_LIMIT_REPLY)])
            except ModelStreamInterrupted as exc:
                # The customer saw part of a reply: keep it in the history, say what happened, nothing is lost.
                logger.warning("the model's stream failed after text was shown (status %s)", exc.status_code)
                await fan_out_text(fan_out, INTERRUPTED_NOTE)
                shown = exc.partial_text.strip()
                reply = f"{shown}{INTERRUPTED_NOTE}" if shown else INTERRUPTED_NOTE.strip()
                return TurnResult(reply, "interrupted", [assistant(reply)])

        result = await self._turn_with_observation(model_turn, text, ctx)
        await fan_out.flush()
        final_text = result.text
        if result.stop_reason == "refusal":
            # Neither the refused message nor the refused reply is sent again on later turns.
            logger.warning("the model declined a message (category %s)", result.refusal_category or "none")
            final_text = REFUSAL_REPLY
            user_message = user(WITHHELD_MESSAGE)
            result.new_messages = [assistant(REFUSAL_REPLY)]
            await fan_out_text(fan_out, final_text)
        for check in self.output_checks:
            final_text = await check.check_output(final_text, ctx)
        final_text, status, extra, save = await self._after_turn(final_text, ctx, runner, fan_out)
        await fan_out.flush()
        usage_entries += [ledger_entry(turn, u, self.settings) for u in extra]
        if final_text != result.text and result.new_messages:
            result.new_messages[-1] = assistant(final_text)
        new_messages = valid_turn(user_message=user_message, result=result, reply=final_text)
        turn_writes = TurnWrites(turn, new_messages, ctx, runner.records, usage_entries, status, save)
        await self.turns.store_turn(
            conversation,
            None if compacted else stored,
            turn_writes,
            partial(caller_save, final_text) if caller_save is not None else None,
            force=result.stop_reason == "model_context_window_exceeded",
        )
        total_cost = sum(e.cost_usd for e in usage_entries)
        return Reply(
            conversation_id,
            final_text,
            result.stop_reason,
            runner.records,
            result.usage,
            total_cost,
            model_calls=result.model_calls,
        )

    async def _blocked(
        self,
        conversation_id: str,
        turn: int,
        text: str,
        reply: str | None,
        ctx: TurnContext,
        runner: ToolRunner,
        emit: StreamRedactor,
        caller_save: Callable[[str], None] | None,
    ) -> Reply:
        """An input check answered instead of the model; the conversation policy still sees the message."""
        reply = reply or "I'm sorry, I can't help with that."
        await fan_out_text(emit, reply)
        extra: tuple[ExtraUsage, ...] = ()
        status: ConversationStatus | None = None
        save: Callable[[], None] | None = None
        if self.policy is not None:
            await self.policy.observe(text, ctx)
            reply, status, extra, save = await self._after_turn(reply, ctx, runner, emit)
        usage = [ledger_entry(turn, u, self.settings) for u in extra]
        turn_writes = TurnWrites(turn, [user(text), assistant(reply)], ctx, runner.records, usage, status, save)
        finish = [partial(caller_save, reply)] if caller_save is not None else []
        await blocking(self.turns.save, conversation_id, turn_writes, finish)
        await emit.flush()
        return Reply(conversation_id, reply, "blocked", runner.records, blocked=True)

    async def _after_turn(
        self, text: str, ctx: TurnContext, runner: ToolRunner, emit: EventSink
    ) -> tuple[str, ConversationStatus | None, tuple[ExtraUsage, ...], Callable[[], None] | None]:
        """Let the turn policy add warnings or escalate; stream whatever it adds."""
        if self.policy is None:
            return text, None, (), None
        outcome = await self.policy.after_turn(text, ctx, ToolCallerFor(runner), emit)
        if outcome.text != text:
            added = outcome.text[len(text) :] if outcome.text.startswith(text) else outcome.text
            await fan_out_text(emit, added)
        return outcome.text, cast(ConversationStatus | None, outcome.status), outcome.usage, outcome.save

    async def _turn_with_observation(
        self, model_turn: Callable[[], Awaitable[TurnResult]], text: str, ctx: TurnContext
    ) -> TurnResult:
        """Run the model turn and the policy's observation (e.g. sentiment) concurrently: the slower sets the pace."""
        if self.policy is None:
            return await model_turn()
        policy = self.policy
        results: list[TurnResult] = []
        failures: list[Exception] = []

        async def observe() -> None:
            try:
                await policy.observe(text, ctx)
            except Exception:  # an observer must never cost the customer the turn
                logger.exception("turn observation failed")

        async def run() -> None:
            try:
                results.append(await model_turn())
            except Exception as exc:  # re-raised below as itself, not wrapped in an ExceptionGroup
                failures.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(observe)
            tg.start_soon(run)
        if failures:
            raise failures[0]
        return results[0]

    def load_turn(self, conversation_id: str) -> TurnStart:
        """What a turn reads first (`TurnStorage.load`: one read transaction; KeyError if unknown); blocking."""
        return self.turns.load(conversation_id)
