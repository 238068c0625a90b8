"""`SupportPolicy`: wires the guardrails, sentiment, escalation and KPIs into the orchestrator's seams.

- input checks, in order: turn bookkeeping, PII masking, prompt injection, abuse, topic boundary;
- tool checks: the confirmation gate on money-moving tools;
- tool results: scanned for indirect injection and passed to the model as data;
- output checks: no full card numbers, no other customer's contact details;
- around each turn: sentiment scored concurrently with the model call, then the escalation rules (warnings,
  an offer of a human, or an automatic `escalate_to_human` with a generated summary), and KPI bookkeeping.
"""

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from switchboard_common.clock import utcnow

from ..blocking import blocking
from ..events import Escalated, EventSink, GuardrailTripped, Outcome
from ..hooks import (
    ExtraUsage,
    InputCheck,
    InputVerdict,
    OutputCheck,
    ToolCaller,
    ToolCheck,
    TurnContext,
    TurnOutcome,
)
from ..llm.model import ModelClient
from ..registry.offer import Fact, basic_facts
from ..settings import Settings
from ..telemetry.kpi import KpiStore, customer_key, issue_key
from . import (
    abuse,
    approvals,
    confirmation,
    escalation,
    injection,
    internals,
    pii,
    sentiment,
    sentiment_claude,
    topic,
    weights,
)
from .warmup import load_classifiers_off_the_loop

__all__ = ["Guardrails", "SupportPolicy", "build_guardrails"]

logger = logging.getLogger(__name__)

SENTIMENT_KEY = "sentiment_latest"
ASKED_KEY = "assistant_asked"
"""Whether the assistant's last reply ended with a question (the next short message is an answer)."""
_ORDER = re.compile(r"\bORD-\d{5}\b", re.IGNORECASE)
_RESOLVING_TOOLS = frozenset(
    {
        "process_refund",
        "create_ticket",
        "update_ticket_status",
        "lookup_order",
        "search_faq",
        "get_faq_article",
        "check_refund_eligibility",
        "verify_customer",
        "list_customer_orders",
        "get_ticket",
        "list_tickets",
        "add_ticket_note",
    }
)
"""A successful call to one of these is progress on the customer's issue (resets the unresolved counter)."""


class _TurnStart:
    """Input check that opens a turn for the confirmation gate (must run first)."""

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        confirmation.begin_turn(ctx)
        ctx.flags["last_abuse"] = ctx.flags["last_profane"] = False  # a warning answers this message, not an old one
        return InputVerdict()


_SUPPORT_ENTITY = re.compile(r"\b(?:ORD-\d{5}|TCK-\d{6}|HO-\d{6})\b|@", re.IGNORECASE)


class _TopicGate:
    """The topic boundary, kept out of the way of an ongoing support conversation.

    It never blocks a message that names an order, ticket, hand-off or email, a very short message, a short
    answer to the assistant's question ("yes, please go ahead"), or a message with an escalation trigger (a
    threat or a request for a human goes to the escalation rules, not to a refusal).
    """

    def __init__(self, check: topic.TopicCheck) -> None:
        self.check = check

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        words = len(text.split())
        answering = bool(ctx.flags.get(ASKED_KEY)) and words < 8
        if _SUPPORT_ENTITY.search(text) or words < 4 or answering or sentiment.trigger_reason(text) != "none":
            return InputVerdict()
        return await self.check.check_input(text, ctx)


class _Tripwire:
    """Wraps an input check and reports a trip (masked text or a block) as a `GuardrailTripped` event."""

    def __init__(self, kind: str, check: InputCheck, emit: list[EventSink]) -> None:
        self.kind = kind
        self.check = check
        self.emit = emit

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        await load_classifiers_off_the_loop()
        verdict = await self.check.check_input(text, ctx)
        if not verdict.allow or verdict.text is not None or (self.kind == "abuse" and ctx.flags.get("last_abuse")):
            for sink in self.emit:
                await sink(GuardrailTripped(self.kind))
        return verdict


@dataclass(frozen=True)
class Guardrails:
    """Everything the orchestrator needs from the policy layer."""

    input_checks: list[InputCheck]
    output_checks: list[OutputCheck]
    tool_checks: list[ToolCheck]
    policy: "SupportPolicy"


class SupportPolicy:
    """The `TurnPolicy`: sentiment, escalation rules, abuse warnings, KPI bookkeeping."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: ModelClient,
        kpi: KpiStore | None = None,
        approvals: approvals.ApprovalStore | None = None,
    ) -> None:
        """Score locally (or on the fast model with `sentiment_scorer = "claude"`); follow refund approvals."""
        self.settings = settings
        self.config = settings.policy
        self.kpi = kpi
        self.approvals = approvals
        use_claude = settings.policy.sentiment_scorer == "claude" and not model.offline
        self.scorer = sentiment_claude.ClaudeSentimentScorer(model, settings.model.fast) if use_claude else None

    async def observe(self, text: str, ctx: TurnContext) -> None:
        """Score the customer's message (concurrently with the main model call)."""
        usage: dict[str, Any] | None = None
        if self.scorer is not None:
            result, message = await self.scorer.score(text)
            if message is not None:
                u = message.usage
                usage = {
                    "model": message.model,
                    "input": u.input_tokens,
                    "output": u.output_tokens,
                    "cache_read": u.cache_read_input_tokens or 0,
                    "cache_write": u.cache_creation_input_tokens or 0,
                }
        else:
            result = sentiment.score_local(text)
        ctx.flags[SENTIMENT_KEY] = {
            "score": result.score,
            "trigger": result.escalation_trigger,
            "reason": result.reason,
            "source": result.source,
            "usage": usage,
        }

    def _trend(self, scores: Sequence[float]) -> sentiment.Trend | None:
        return sentiment.trend(scores, threshold=self.config.sentiment_trend_threshold)

    def conversation_facts(self, ctx: TurnContext) -> dict[Fact, str]:
        """The facts tools may be given without asking the model: the id, the verified customer, the mood trend."""
        facts = basic_facts(ctx)
        scores = escalation.ConversationSignals.from_state(ctx.flags.get(escalation.STATE_KEY)).scores
        if (mood := self._trend(scores)) is not None:
            facts["sentiment_trend"] = mood
        return facts

    def inspect_tool_result(self, content: str, ctx: TurnContext) -> str:
        """Note a refund left for a human's approval; mark tool output as data; flag indirect injection."""
        # The runner records each call in `turn_tools` before its result is inspected: the last entry is this one.
        if ctx.turn_tools and ctx.turn_tools[-1] == (approvals.REFUND_TOOL, False):
            approvals.note_pending(content, ctx)
        return injection.inspect_tool_result(content, ctx)

    async def after_turn(self, reply: str, ctx: TurnContext, call_tool: ToolCaller, emit: EventSink) -> TurnOutcome:
        """Apply the escalation rules and abuse warnings to the finished turn."""
        confirmation.note_assistant_reply(reply, ctx, self.config.money_moving_tools)
        ctx.flags[ASKED_KEY] = reply.rstrip().endswith("?")
        latest = cast(dict[str, Any], ctx.flags.pop(SENTIMENT_KEY, None) or {})
        scored = sentiment.Sentiment(
            float(latest.get("score", 0.0)),
            bool(latest.get("trigger", False)),
            str(latest.get("reason", "none")),
            sentiment.label_for(float(latest.get("score", 0.0))),
            "claude" if latest.get("source") == "claude" else "local",
        )
        signals = escalation.ConversationSignals.from_state(ctx.flags.get(escalation.STATE_KEY))
        signals = escalation.record_message(signals, scored, abuse_count=_int(ctx.flags.get("abuse_count")))
        escalated_by_model = any(t == self.config.escalation_tool and not err for t, err in ctx.turn_tools)
        if escalated_by_model:
            signals = escalation.applied(signals, escalation.EscalationDecision("escalate", "normal", "model"))
        progress = any(t in _RESOLVING_TOOLS and not err for t, err in ctx.turn_tools)
        signals = escalation.update_unresolved(
            signals, resolved_this_turn=progress or scored.score > 0, same_issue=signals.unresolved_exchanges > 0
        )
        french = topic.is_french(ctx.latest_customer_text)
        text, status = reply, ("escalated" if escalated_by_model else None)
        if escalated_by_model:
            await emit(Escalated("model_tool_call"))
        if pending := await self._not_handed_over(approvals.take_pending(ctx)):
            notice, handoff_id = await self._hand_over_approvals(pending, signals, ctx, call_tool, french)
            text, status = _join(text, notice), "escalated"
            await emit(Escalated("refund_approval", "high", handoff_id))
            signals = escalation.applied(signals, escalation.EscalationDecision("escalate", "high", "refund_approval"))
        decision = escalation.decide(signals, self.config)
        if decision.action == "escalate":
            notice, handoff_id = await self._escalate(decision, signals, ctx, call_tool, french)
            text = _join(text, notice)
            status = "escalated"
            await emit(Escalated(decision.reason, decision.priority or "normal", handoff_id))
        elif decision.action == "offer_human":
            text = _join(text, escalation.customer_message_for(decision, None, french))
        elif ctx.flags.get("last_abuse"):
            warning = abuse.abuse_response(_int(ctx.flags.get("abuse_count")), french=french)
            if warning:
                text = _join(text, warning)
        ctx.flags[escalation.STATE_KEY] = escalation.applied(signals, decision).to_state()
        return TurnOutcome(text, status, _usage(latest.get("usage")), save=partial(self._kpi_turn, ctx, status))

    async def _escalate(
        self,
        decision: escalation.EscalationDecision,
        signals: escalation.ConversationSignals,
        ctx: TurnContext,
        call_tool: ToolCaller,
        french: bool,
    ) -> tuple[str, str | None]:
        orders = list(dict.fromkeys(o.upper() for o in _ORDER.findall(" ".join(_strings(ctx.flags.get("orders"))))))
        summary = escalation.summarise_for_handoff(
            reason=decision.reason,
            problem=str(ctx.flags.get("problem") or ctx.latest_customer_text),
            scores=signals.scores,
            sentiment_trend=(mood := self._trend(signals.scores)),
            customer_email=ctx.customer_email,
            verified=ctx.customer_email is not None,
            order_ids=orders,
        )
        arguments = escalation.escalation_arguments(
            decision,
            summary=pii.mask(summary),
            conversation_id=ctx.conversation_id,
            sentiment_trend=mood,
            order_ids=orders,
        )
        content, is_error = await call_tool(self.config.escalation_tool, arguments)
        result: dict[str, Any] | None = None
        if not is_error:
            try:
                parsed = json.loads(injection.unwrap_tool_output(content))
                result = cast(dict[str, Any], parsed) if isinstance(parsed, dict) else None
            except ValueError:
                logger.warning("escalation tool returned a non-JSON result")
        else:
            logger.warning("automatic escalation failed (%s)", decision.reason)
        handoff = result.get("handoff_id") if result else None
        return escalation.customer_message_for(decision, result, french), handoff if isinstance(handoff, str) else None

    async def _not_handed_over(self, pending: list[approvals.PendingApproval]) -> list[approvals.PendingApproval]:
        """Drop the refunds whose hand-off was already made (a retried request replays the pending result)."""
        if not pending or self.approvals is None:
            return pending
        done = await blocking(self.approvals.handed_over, [a.refund_id for a in pending])
        return [a for a in pending if a.refund_id not in done]

    async def _hand_over_approvals(
        self,
        pending: list[approvals.PendingApproval],
        signals: escalation.ConversationSignals,
        ctx: TurnContext,
        call_tool: ToolCaller,
        french: bool,
    ) -> tuple[str, str | None]:
        """Queue each pending refund for a human as a high-priority hand-off; record it; say what happens next."""
        notices: list[str] = []
        first_handoff: str | None = None
        for approval in pending:
            summary = escalation.summarise_for_handoff(
                reason=f"Refund {approval.refund_id} ({approval.amount}) awaits a human's approval.",
                problem=str(ctx.flags.get("problem") or ctx.latest_customer_text),
                actions=[f"process_refund {approval.order_id}: pending approval, reference {approval.refund_id}"],
                scores=signals.scores,
                sentiment_trend=(mood := self._trend(signals.scores)),
                customer_email=ctx.customer_email,
                verified=ctx.customer_email is not None,
                order_ids=[approval.order_id],
            )
            arguments = approvals.escalation_arguments(
                approval,
                conversation_id=ctx.conversation_id,
                summary=pii.mask(summary),
                sentiment_trend=mood,
            )
            content, is_error = await call_tool(self.config.escalation_tool, arguments)
            handoff = None if is_error else _handoff_id(content)
            if handoff is None:
                logger.warning("the hand-off for a refund awaiting approval failed; it stays in the console's list")
            first_handoff = first_handoff or handoff
            if self.approvals is not None:
                await blocking(
                    self.approvals.record_request,
                    approval,
                    conversation_id=ctx.conversation_id,
                    handoff_id=handoff,
                    at=utcnow(),
                )
            notices.append(approvals.handoff_notice(approval, handoff, french=french))
        return "\n\n".join(notices), first_handoff

    def remember(self, text: str, ctx: TurnContext) -> None:
        """Keep the first problem statement and order ids mentioned (for hand-off summaries and KPIs)."""
        if "problem" not in ctx.flags:
            ctx.flags["problem"] = pii.mask(text)[:800]
        found = [o.upper() for o in _ORDER.findall(text)]
        if found:
            known = list(_strings(ctx.flags.get("orders")))
            ctx.flags["orders"] = list(dict.fromkeys([*known, *found]))[:10]

    def _kpi_turn(self, ctx: TurnContext, status: str | None) -> None:
        if self.kpi is None:
            return
        now = utcnow()
        orders = list(_strings(ctx.flags.get("orders")))
        customer = customer_key(ctx.customer_email, salt=self.config.kpi_salt) if ctx.customer_email else None
        issue = issue_key(order_id=orders[0]) if orders else None
        self.kpi.record_turn(ctx.conversation_id, now, customer_key=customer, issue_key=issue)
        if status == "escalated":
            self.kpi.record_outcome(ctx.conversation_id, outcome="escalated", at=now)

    def close(self, conversation_id: str, *, status: str, csat: int | None, confirmed: bool) -> Outcome:
        """Record how a conversation ended (and its CSAT); returns the KPI outcome."""
        outcome: Outcome = "escalated" if status == "escalated" else "resolved_by_bot"
        if self.kpi is not None:
            record = self.kpi.get(conversation_id)
            if record is None or record.turns == 0:
                outcome = "abandoned"
            self.kpi.record_outcome(conversation_id, outcome=outcome, at=utcnow(), confirmed=confirmed)
            if csat is not None:
                self.kpi.record_csat(conversation_id, csat)
        return outcome


class _Remember:
    """Input check that lets the policy note the problem and order ids (after PII masking)."""

    def __init__(self, policy: SupportPolicy) -> None:
        self.policy = policy

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        self.policy.remember(text, ctx)
        return InputVerdict()


def build_guardrails(
    settings: Settings, *, model: ModelClient, kpi: KpiStore | None = None, sinks: Sequence[EventSink] = ()
) -> Guardrails:
    """The standard guardrails and conversation policy (`service.standard_stack` wires them into a `PolicyStack`).

    With a `kpi` store, refunds awaiting approval are followed in an `ApprovalStore` on the same database.

    Raises:
        MissingWeightsError: a policy check's trained weight file is missing (see `policy/weights.py`).
    """
    weights.require_weights()
    followed = None
    if kpi is not None:
        followed = approvals.ApprovalStore(kpi.db)
        followed.prepare()
    policy = SupportPolicy(settings, model=model, kpi=kpi, approvals=followed)
    emit = list(sinks)
    checks: list[InputCheck] = [
        _TurnStart(),
        _Tripwire("pii", pii.PiiInputCheck(), emit),
        _Remember(policy),
        _Tripwire("injection", injection.InjectionInputCheck(), emit),
        _Tripwire("abuse", abuse.AbuseCheck(), emit),  # before the topic gate: an off-topic insult still counts
        _Tripwire("topic", _TopicGate(topic.TopicCheck()), emit),
    ]
    outputs: list[OutputCheck] = [
        internals.InternalsOutputCheck(),
        pii.PiiOutputCheck(
            allowed_emails=settings.policy.pii_allowed_emails, allowed_phones=settings.policy.pii_allowed_phones
        ),
    ]
    tools: list[ToolCheck] = [confirmation.ConfirmationGate(settings.policy.money_moving_tools)]
    return Guardrails(checks, outputs, tools, policy)


def _handoff_id(content: str) -> str | None:
    try:
        parsed: object = json.loads(injection.unwrap_tool_output(content))
    except ValueError:
        return None
    found = cast(dict[str, Any], parsed).get("handoff_id") if isinstance(parsed, dict) else None
    return found if isinstance(found, str) else None


def _join(reply: str, notice: str) -> str:
    if not notice:
        return reply
    return f"{reply}\n\n{notice}" if reply else notice


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [v for v in cast(list[object], value) if isinstance(v, str)]
    return []


def _usage(value: object) -> tuple[ExtraUsage, ...]:
    if not isinstance(value, dict):
        return ()
    u = cast(dict[str, Any], value)
    return (
        ExtraUsage(
            "sentiment", str(u["model"]), int(u["input"]), int(u["output"]), int(u["cache_read"]), int(u["cache_write"])
        ),
    )
