"""When to hand a conversation to a human, and what to tell the agent and the customer: pure rules.

The orchestrator keeps a `ConversationSignals` per conversation (in `TurnContext.flags`, via `to_state` and
`from_state`), updates it after each customer message (`record_message`) and each turn (`update_unresolved`),
and asks `decide`. Thresholds come from `PolicyConfig`.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast

from ..settings import PolicyConfig
from .sentiment import Sentiment, Trend

__all__ = [
    "Action",
    "ConversationSignals",
    "EscalationDecision",
    "Priority",
    "STATE_KEY",
    "applied",
    "customer_message_for",
    "decide",
    "escalation_arguments",
    "mask_email",
    "record_message",
    "sentiment_scores",
    "summarise_for_handoff",
    "update_unresolved",
]

Action = Literal["none", "offer_human", "escalate"]
Priority = Literal["normal", "high", "urgent"]
STATE_KEY = "escalation"
"""The key of the signals in `TurnContext.flags`."""
MAX_SCORES = 20
"""Per-turn scores kept (the rules look at the last few only)."""


@dataclass(frozen=True)
class ConversationSignals:
    """What the escalation rules know about a conversation."""

    scores: tuple[float, ...] = ()
    """Sentiment score of each customer message, oldest first."""
    explicit_human_request: bool = False
    """The latest message explicitly asks for a human."""
    threat: bool = False
    """The latest message makes a threat (legal, chargeback, harm)."""
    abuse_count: int = 0
    """Abusive messages so far (the abuse guardrail's count, warnings included)."""
    unresolved_exchanges: int = 0
    """Consecutive customer turns on the same issue without a resolution (see `update_unresolved`)."""
    offered_human: bool = False
    """A human was already offered for the current issue."""
    already_escalated: bool = False

    def to_state(self) -> dict[str, object]:
        """A JSON-safe dict for `TurnContext.flags[STATE_KEY]`."""
        return {
            "scores": list(self.scores[-MAX_SCORES:]),
            "explicit_human_request": self.explicit_human_request,
            "threat": self.threat,
            "abuse_count": self.abuse_count,
            "unresolved_exchanges": self.unresolved_exchanges,
            "offered_human": self.offered_human,
            "already_escalated": self.already_escalated,
        }

    @classmethod
    def from_state(cls, state: object) -> "ConversationSignals":
        """Rebuild from `to_state` output; missing or malformed fields take their defaults."""
        if not isinstance(state, Mapping):
            return cls()
        data = cast(Mapping[str, object], state)
        raw_scores = data.get("scores")
        items = cast(list[object], raw_scores) if isinstance(raw_scores, list) else []
        scores = tuple(float(s) for s in items if isinstance(s, int | float) and not isinstance(s, bool))

        def flag(key: str) -> bool:
            return data.get(key) is True

        def count(key: str) -> int:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0

        return cls(
            scores=scores,
            explicit_human_request=flag("explicit_human_request"),
            threat=flag("threat"),
            abuse_count=count("abuse_count"),
            unresolved_exchanges=count("unresolved_exchanges"),
            offered_human=flag("offered_human"),
            already_escalated=flag("already_escalated"),
        )


@dataclass(frozen=True)
class EscalationDecision:
    """What to do after a customer message."""

    action: Action = "none"
    priority: Priority | None = None
    """Set when `action` is `escalate`."""
    reason: str = ""
    """`explicit_human_request`, `threat`, `abuse`, `negative_streak`, `unresolved`, `already_escalated` or ''."""


def sentiment_scores(flags: Mapping[str, object]) -> tuple[float, ...]:
    """The per-turn sentiment scores (oldest first) held in a conversation's stored flags."""
    return ConversationSignals.from_state(flags.get(STATE_KEY)).scores


def record_message(
    signals: ConversationSignals, sentiment: Sentiment, *, abuse_count: int | None = None
) -> ConversationSignals:
    """The signals after a new customer message: its score appended, the latest-message flags replaced."""
    return replace(
        signals,
        scores=(*signals.scores, sentiment.score)[-MAX_SCORES:],
        explicit_human_request=sentiment.escalation_trigger and sentiment.reason == "explicit_human_request",
        threat=sentiment.escalation_trigger and sentiment.reason == "threat",
        abuse_count=signals.abuse_count if abuse_count is None else abuse_count,
    )


def update_unresolved(signals: ConversationSignals, resolved_this_turn: bool, same_issue: bool) -> ConversationSignals:
    """Count the exchanges spent on the current issue.

    Call it once per completed customer turn. `resolved_this_turn`: the turn ended with a successful resolving
    tool result (a refund processed, a ticket resolved, an answer the customer accepted); `same_issue`: the
    message continues the issue of the previous turn (the customer repeats or follows up on the problem).

    - resolved: the counter goes back to 0 and a human may be offered again for a later issue;
    - same issue, unresolved: the counter goes up by one;
    - a new issue, unresolved: the counter restarts at 1 (this turn is the first exchange on it) and the offer
      flag is cleared, so each issue gets at most one offer.
    """
    if resolved_this_turn:
        return replace(signals, unresolved_exchanges=0, offered_human=False)
    if same_issue:
        return replace(signals, unresolved_exchanges=signals.unresolved_exchanges + 1)
    return replace(signals, unresolved_exchanges=1, offered_human=False)


def decide(signals: ConversationSignals, config: PolicyConfig) -> EscalationDecision:
    """Apply the escalation rules, most serious first.

    1. Already escalated: nothing more (never twice).
    2. A threat in the latest message: escalate, urgent.
    3. An explicit request for a human in the latest message: escalate, urgent.
    4. Abuse past the warnings (`abuse_count > abuse_warnings_before_escalation`): escalate, urgent.
    5. The last `negative_streak` scores all below `negative_score_threshold` (strictly): escalate, high.
    6. `unresolved_exchanges >= unresolved_exchanges_before_offer` and not offered yet for this issue: offer a
       human, once per issue (`applied` records the offer).
    """
    if signals.already_escalated:
        return EscalationDecision(reason="already_escalated")
    if signals.threat:
        return EscalationDecision("escalate", "urgent", "threat")
    if signals.explicit_human_request:
        return EscalationDecision("escalate", "urgent", "explicit_human_request")
    if signals.abuse_count > config.abuse_warnings_before_escalation:
        return EscalationDecision("escalate", "urgent", "abuse")
    streak = signals.scores[-config.negative_streak :]
    if len(streak) == config.negative_streak and all(s < config.negative_score_threshold for s in streak):
        return EscalationDecision("escalate", "high", "negative_streak")
    if signals.unresolved_exchanges >= config.unresolved_exchanges_before_offer and not signals.offered_human:
        return EscalationDecision("offer_human", None, "unresolved")
    return EscalationDecision()


def applied(signals: ConversationSignals, decision: EscalationDecision) -> ConversationSignals:
    """The signals once `decision` has been carried out (offer made, or handoff created)."""
    if decision.action == "escalate":
        return replace(signals, already_escalated=True)
    if decision.action == "offer_human":
        return replace(signals, offered_human=True)
    return signals


# --- what the human agent reads ----------------------------------------------------------------------------------

_REASON_TEXT = {
    "explicit_human_request": "The customer asked for a human agent.",
    "threat": "The customer made a legal, chargeback or safety threat.",
    "abuse": "The customer kept being abusive after two warnings.",
    "negative_streak": "The customer has been very unhappy for several messages in a row.",
    "unresolved": "The issue is still unresolved after several exchanges.",
}
_MAX_PROBLEM_CHARS = 800
_MAX_ACTIONS = 12


def mask_email(email: str) -> str:
    """`jordan.lee@example.com` -> `j***@example.com` (anything that is not an email -> `***`)."""
    local, at, domain = email.strip().partition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def _one_line(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summarise_for_handoff(
    *,
    reason: str,
    problem: str,
    actions: Sequence[str] = (),
    scores: Sequence[float] = (),
    sentiment_trend: Trend | None = None,
    customer_email: str | None = None,
    verified: bool = False,
    order_ids: Sequence[str] = (),
) -> str:
    """The handoff summary for the human agent (at most 4,000 characters; the email is masked).

    Args:
        reason: The decision's reason (`threat`, `negative_streak`, ...) or a sentence.
        problem: The customer's problem in their words or a condensed summary (already PII-masked by the input
            guardrail).
        actions: What the assistant did so far, one short line each (e.g. "lookup_order ORD-78432: shipped").
        scores: The per-message sentiment scores, oldest first.
        sentiment_trend: Their trend (`sentiment.trend` with the policy's threshold), if there is one.
        customer_email: The customer's email, if known.
        verified: Whether that email was verified by an identity tool.
        order_ids: Order ids mentioned or checked in the conversation.
    """
    lines = [f"Reason: {_REASON_TEXT.get(reason, reason)}", f"Problem: {_one_line(problem, _MAX_PROBLEM_CHARS) or '-'}"]
    if actions:
        shown = list(actions)[-_MAX_ACTIONS:]
        skipped = len(actions) - len(shown)
        lines.append("Actions so far:" + (f" ({skipped} earlier ones omitted)" if skipped else ""))
        lines += [f"- {_one_line(a, 200)}" for a in shown]
    else:
        lines.append("Actions so far: none")
    if scores:
        recent = ", ".join(f"{s:+.2f}" for s in list(scores)[-5:])
        mood = f"{sentiment_trend} " if sentiment_trend else ""
        lines.append(f"Sentiment: {mood}(latest scores {recent}; -1 very negative .. +1 very positive)")
    customer = (
        mask_email(customer_email) + (" (verified)" if verified else " (not verified)") if customer_email else "unknown"
    )
    lines.append(f"Customer: {customer}")
    if order_ids:
        lines.append("Orders: " + ", ".join(dict.fromkeys(order_ids)))
    return "\n".join(lines)[:4000]


def escalation_arguments(
    decision: EscalationDecision,
    *,
    summary: str,
    conversation_id: str,
    sentiment_trend: Trend | None = None,
    order_ids: Sequence[str] = (),
) -> dict[str, object]:
    """Arguments for the `escalate_to_human` tool (the customer is bound by the orchestrator, so no email).

    Raises:
        ValueError: the decision is not an escalation.
    """
    if decision.action != "escalate" or decision.priority is None:
        raise ValueError(f"not an escalation: {decision.action}")
    context = {"escalation_rule": decision.reason}
    for n, order_id in enumerate(list(dict.fromkeys(order_ids))[:10]):
        context["order_id" if n == 0 else f"order_id_{n + 1}"] = order_id[:300]
    arguments: dict[str, object] = {
        "reason": _REASON_TEXT.get(decision.reason, decision.reason or "Escalated by policy."),
        "priority": decision.priority,
        "conversation_summary": summary,
        "conversation_id": conversation_id,
    }
    if sentiment_trend is not None:
        arguments["sentiment_trend"] = sentiment_trend
    arguments["context"] = context
    return arguments


# --- what the customer reads -------------------------------------------------------------------------------------

_OFFER = {
    False: "I'm sorry we haven't been able to sort this out yet. Would you like me to pass your conversation to a "
    "human agent?",
    True: "Je suis désolé que nous n'ayons pas encore pu régler ce problème. Souhaitez-vous que je transmette votre "
    "conversation à un conseiller ?",
}
_FAILED = {
    False: "I tried to pass your conversation to a human agent, but our agent queue can't be reached right now. "
    "I'm sorry: please try again in a few minutes. I'm still here to help in the meantime.",
    True: "J'ai essayé de transmettre votre conversation à un conseiller, mais la file d'attente est injoignable pour "
    "le moment. Toutes mes excuses : merci de réessayer dans quelques minutes. Je reste à votre disposition.",
}


def _position(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def customer_message_for(
    decision: EscalationDecision, handoff_result: Mapping[str, object] | None, french: bool = False
) -> str:
    """Tell the customer what happens next.

    Args:
        decision: The decision carried out.
        handoff_result: The structured result of `escalate_to_human` (`handoff_id`, `queue_position`,
            `already_open`), or None when the call failed or was not made.
        french: Answer in French.

    Returns:
        The message; empty when the decision is `none`.
    """
    if decision.action == "none":
        return ""
    if decision.action == "offer_human":
        return _OFFER[french]
    handoff_id = handoff_result.get("handoff_id") if handoff_result else None
    if not isinstance(handoff_id, str) or not handoff_id:
        return _FAILED[french]
    assert handoff_result is not None
    position = _position(handoff_result.get("queue_position"))
    if french:
        first = (
            f"Votre conversation est déjà entre les mains de nos conseillers (référence {handoff_id})."
            if handoff_result.get("already_open") is True
            else f"J'ai transmis votre conversation à un conseiller (référence {handoff_id})."
        )
        if position is None:
            return f"{first} Un conseiller s'en occupe déjà et va vous répondre dans cette conversation."
        place = "le prochain" if position == 1 else f"numéro {position}"
        return f"{first} Vous êtes {place} dans la file d'attente ; un conseiller va vous rejoindre ici sous peu."
    first = (
        f"Your conversation is already with our human agents (reference {handoff_id})."
        if handoff_result.get("already_open") is True
        else f"I've passed your conversation to a human agent (reference {handoff_id})."
    )
    if position is None:
        return f"{first} An agent is already on it and will reply in this chat."
    place = "next" if position == 1 else f"number {position}"
    return f"{first} You're {place} in the queue; an agent will join this chat shortly."
