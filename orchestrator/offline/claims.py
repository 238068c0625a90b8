"""Follow-ups of the offline model's order tasks: a carrier investigation, other orders, a second question.

A customer who never received an order the store shows as delivered gets a carrier-investigation ticket; other
orders named in the same message are looked up too (with the verified email) and summarised; a help question
asked in the same message as an order request gets its own answer.
"""

from .actions import Action, Say, Toolbox
from .conversation import Conversation, Exchange
from .intents import ORDER_RE, faq_category, refund_reason
from .lexicon import Lang
from .render import article_note, faq_language, faq_snippet, order_summary
from .replies import day, say

__all__ = ["INVESTIGATION_SUBJECT", "claims_not_received", "investigate", "with_other_orders", "with_side_answer"]

INVESTIGATION_SUBJECT = "Carrier investigation: {order_id} shown as delivered but not received"


def claims_not_received(conv: Conversation) -> bool:
    """Whether the customer says the verified order never arrived while the store shows it delivered."""
    order = conv.order
    if order is None or order.text("status") != "delivered":
        return False
    return refund_reason(conv.texts()[:3]) == "not_received"


def _open_investigation(conv: Conversation) -> Exchange | None:
    subject = INVESTIGATION_SUBJECT.format(order_id=conv.order_id)
    for e in reversed(conv.all_exchanges()):
        if e.name == "create_ticket" and e.result is not None and e.arg("subject") == subject:
            return e
    return None


def investigate(conv: Conversation, tools: Toolbox, offer: str) -> Action:
    """Open (once) a shipping ticket for a carrier investigation and say what happens next.

    Args:
        conv: a conversation whose order is verified and shown as delivered.
        tools: the tools offered.
        offer: the closing line offering more help (a ticket or a human) when the ticket cannot be opened.
    """
    lang, order = conv.lang, conv.order
    order_id = conv.order_id or ""
    if order is None:  # pragma: no cover - callers check claims_not_received first
        return Say(say("anything_else", lang))
    earlier = _open_investigation(conv)
    if earlier is not None and earlier not in conv.current.exchanges and earlier.result is not None:
        return Say(
            say("investigation_open", lang, order_id=order_id, ticket_id=earlier.result.text("ticket_id")) + offer
        )
    created = conv.current.last("create_ticket")
    if created is None:
        if not tools.has("create_ticket") or conv.email is None:
            return Say(say("investigation_unavailable", lang, order_id=order_id) + offer)
        delivered = order.text("delivered_on") or "unknown date"
        carrier = order.text("carrier") or "the carrier"
        return tools.call(
            "create_ticket",
            subject=INVESTIGATION_SUBJECT.format(order_id=order_id),
            category="shipping",
            priority="high",
            description=(
                f"The customer says order {order_id} never arrived. {carrier} shows it delivered on {delivered[:10]}"
                f" (tracking {order.text('tracking_number') or 'n/a'}). Please open an investigation with the "
                "carrier, then send a replacement or a refund once the claim is confirmed."
            ),
            customer_email=conv.email,
            order_id=order_id,
        )
    if created.result is None:
        return Say(say("investigation_unavailable", lang, order_id=order_id) + offer)
    text = say(
        "investigation",
        lang,
        carrier=order.text("carrier") or ("Le transporteur" if lang is Lang.FR else "The carrier"),
        order_id=order_id,
        day=day(order.text("delivered_on"), lang),
        ticket_id=created.result.text("ticket_id"),
    )
    return Say(text + say("anything_else", lang))


def _before_closing(main: Say, extra: str) -> Say:
    """`main` with `extra` inserted before its closing line (its last paragraph)."""
    if "\n\n" in main.text:
        body, closing = main.text.rsplit("\n\n", 1)
        return Say(f"{body}\n\n{extra}\n\n{closing}")
    return Say(f"{extra}\n\n{main.text}")


def with_other_orders(conv: Conversation, tools: Toolbox, main: Say) -> Action:
    """`main` with the status of every other order named with the current one, looked up with the verified email.

    "Where are ORD-1 and ORD-2?" or "where is ORD-1, and refund ORD-2": the main task handles the last order
    named; each other one is looked up once (the same email must match it) and summarised before the closing line.
    """
    if not conv.verified or conv.email is None or not tools.has("lookup_order"):
        return main
    named = next((t for t in conv.texts()[:3] if conv.order_id and conv.order_id[4:] in t), conv.current.text)
    earlier = {e.arg("order_id") for turn in conv.turns[:-1] for e in turn.exchanges if e.name == "lookup_order"}
    others = [f"ORD-{n}" for n in dict.fromkeys(ORDER_RE.findall(named)) if f"ORD-{n}" not in {conv.order_id, *earlier}]
    parts: list[str] = []
    for order_id in others:
        done = next((e for e in conv.current.calls("lookup_order") if e.arg("order_id") == order_id), None)
        if done is None:
            return tools.call("lookup_order", order_id=order_id, customer_email=conv.email)
        if done.result is None:
            parts.append(say("identity_failed", conv.lang, order_id=order_id))
        else:
            parts.append(order_summary(done.result, conv.lang))
    return _before_closing(main, "\n\n".join(parts)) if parts else main


def with_side_answer(conv: Conversation, tools: Toolbox, question: str, main: Say) -> Action:
    """`main` with the answer to `question` (searched once in the help articles) before its closing line."""
    searched = next((e for e in conv.current.calls("search_faq") if e.arg("query") == question), None)
    if searched is None:
        if not tools.has("search_faq"):
            return main
        return tools.call(
            "search_faq",
            query=question,
            category=faq_category(question),
            limit=3,
            language=faq_language(conv.lang),
        )
    hits = searched.result.objs("results") if searched.result is not None else []
    if hits:
        top = hits[0]
        side = say(
            "side_answer",
            conv.lang,
            title=top.text("title") or "",
            snippet=faq_snippet(top),
            note=article_note(top, conv.lang),
        )
    else:
        side = say("side_none", conv.lang)
    return _before_closing(main, side)
