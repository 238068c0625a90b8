"""The offline model's decisions: from the conversation state to the next tool call or the reply."""

import re
from collections.abc import Callable

from .actions import Action, Say, Toolbox
from .claims import claims_not_received, investigate, with_other_orders, with_side_answer
from .conversation import TASKS, TROUBLE, Conversation, Exchange
from .intents import (
    EMAIL_RE,
    ORDER_RE,
    Intent,
    english_keywords,
    faq_category,
    is_angry,
    is_specific_problem,
    is_still_broken,
    refund_reason,
)
from .lexicon import Lang
from .render import (
    article_note,
    escalation_summary,
    faq_answer,
    faq_language,
    handoff,
    order_line,
    order_summary,
    orders_list,
    refund_offer,
    refund_outcome,
    refund_refusal,
    steps,
    ticket_fields,
    ticket_status,
)
from .replies import ACTIONS, PRIORITIES, TEAMS, say, word
from .requests import side_question

__all__ = ["plan"]

HUMAN_REASON = "customer asked for a human"
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOOL_TROUBLE = TROUBLE


def _else(conv: Conversation, tools: Toolbox) -> str:
    return say("offer_human" if tools.has("escalate_to_human") else "anything_else", conv.lang)


def _offer(conv: Conversation, tools: Toolbox) -> str:
    if tools.has("create_ticket") or tools.has("escalate_to_human"):
        return say("offer", conv.lang)
    return say("anything_else", conv.lang)


def _missing(conv: Conversation, tools: Toolbox, action: str, prefix: str = "") -> Say:
    return Say(prefix + say("tool_missing", conv.lang, action=word(ACTIONS, action, conv.lang)) + _else(conv, tools))


def _failed(conv: Conversation, tools: Toolbox, action: str, prefix: str = "") -> Say:
    return Say(prefix + say("tool_failed", conv.lang, action=word(ACTIONS, action, conv.lang)) + _offer(conv, tools))


def _verify(conv: Conversation, tools: Toolbox) -> Action | None:
    """None once the order is verified; otherwise ask for what is missing or look the order up."""
    if conv.verified:
        return None
    lang = conv.lang
    if conv.order_id is None:
        return Say(say("ask_order" if conv.email else "ask_order_and_email", lang))
    if conv.email is None:
        return Say(say("ask_email", lang, order_id=conv.order_id))
    lookup = conv.current.last("lookup_order")
    if lookup is not None:
        if _TOOL_TROUBLE.search(lookup.error or ""):
            return _failed(conv, tools, "lookup_order")
        return Say(say("identity_failed", lang, order_id=conv.order_id))
    if _failed_before(conv):
        return Say(say("identity_failed", lang, order_id=conv.order_id))
    if not tools.has("lookup_order"):
        return _missing(conv, tools, "lookup_order")
    return tools.call("lookup_order", order_id=conv.order_id, customer_email=conv.email)


def _failed_before(conv: Conversation) -> bool:
    """Whether an earlier turn already failed to verify this very order number and email."""
    return any(
        e.name == "lookup_order"
        and e.error is not None
        and not _TOOL_TROUBLE.search(e.error)
        and e.arg("order_id") == conv.order_id
        and e.arg("customer_email") == conv.email
        for turn in conv.turns[:-1]
        for e in turn.exchanges
    )


def _looked_up_now(conv: Conversation) -> str:
    lookup = next((e for e in reversed(conv.current.calls("lookup_order")) if e.arg("order_id") == conv.order_id), None)
    return order_line(lookup.result, conv.lang) + " " if lookup is not None and lookup.result is not None else ""


def _order_status(conv: Conversation, tools: Toolbox) -> Action:
    if (step := _verify(conv, tools)) is not None:
        return step
    if (order := conv.order) is None:
        if conv.current.last("lookup_order") is not None or not tools.has("lookup_order"):
            return Say(say("identity_failed", conv.lang, order_id=conv.order_id))
        return tools.call("lookup_order", order_id=conv.order_id, customer_email=conv.email)
    if claims_not_received(conv):
        return investigate(conv, tools, _offer(conv, tools))
    return Say(f"{order_summary(order, conv.lang)}\n\n{say('anything_else', conv.lang)}")


def _order_list(conv: Conversation, tools: Toolbox) -> Action:
    email = conv.bound_email or (conv.email if conv.verified else None)
    if email is None:
        if not (conv.order_id and conv.email):
            return Say(say("ask_verify_list", conv.lang))
        if (step := _verify(conv, tools)) is not None:
            return step
        email = conv.email
    listed = conv.current.last("list_customer_orders")
    if listed is None:
        if not tools.has("list_customer_orders"):
            return _missing(conv, tools, "list_customer_orders")
        return tools.call("list_customer_orders", customer_email=email)
    if listed.result is None:
        return _failed(conv, tools, "list_customer_orders")
    return Say(orders_list(listed.result, conv.lang))


def _ticket_status(conv: Conversation, tools: Toolbox) -> Action:
    ticket_id, email = conv.ticket_id(), conv.email
    if ticket_id is None or email is None:
        return Say(say("ask_ticket", conv.lang))
    got = conv.current.last("get_ticket")
    if got is None:
        if not tools.has("get_ticket"):
            return _missing(conv, tools, "get_ticket")
        return tools.call("get_ticket", ticket_id=ticket_id, customer_email=email)
    if got.result is None:
        return Say(say("ticket_not_found", conv.lang, ticket_id=ticket_id))
    return Say(ticket_status(got.result, conv.lang))


def _query(conv: Conversation, text: str, name: str = "") -> str:
    query = ORDER_RE.sub(" ", EMAIL_RE.sub(" ", text))
    if conv.lang is Lang.FR:  # French articles are searched first; the English keywords find English ones
        query = f"{name} {query} {english_keywords(query)}"
    else:
        query = f"{name} {query}"
    query = " ".join(query.split())[:500]
    return query if any(ch.isalnum() for ch in query) else "help"


def _search(conv: Conversation, tools: Toolbox, query: str, category: str | None) -> Action | list[Exchange]:
    """Search the FAQ (again without the category when nothing matched); the searches once done."""
    searches = conv.current.calls("search_faq")
    if not searches:
        return tools.call("search_faq", query=query, category=category, limit=3, language=faq_language(conv.lang))
    last = searches[-1]
    hits = last.result.objs("results") if last.result is not None else []
    if not hits and len(searches) == 1 and last.arg("category"):
        return tools.call("search_faq", query=last.arg("query") or query, limit=3, language=faq_language(conv.lang))
    return searches


def _technical(conv: Conversation, tools: Toolbox) -> Action:
    lang, cur = conv.lang, conv.current
    problem = conv.problem()
    product = conv.product
    noun = (product[2] if lang is Lang.FR else product[1]) if product else ("produit" if lang is Lang.FR else "item")
    specific = is_specific_problem(problem)
    if conv.order_id and not conv.verified:  # the order first; what the customer said is kept for after
        if conv.email:
            if (step := _verify(conv, tools)) is not None:
                return step
        else:
            return Say(say("sorry_problem", lang, noun=noun) + say("ask_email_check", lang, order_id=conv.order_id))
    prefix = _looked_up_now(conv)
    if not specific:
        sorry = say("sorry_problem", lang, noun=noun) if cur.raw is Intent.TECHNICAL else ""
        return Say(prefix + sorry + say("ask_details", lang, noun=noun))
    if not tools.has("search_faq"):
        return _missing(conv, tools, "search_faq", prefix)
    name = (f"{product[0].split()[0]} {product[2]}" if lang is Lang.FR else product[0]) if product else ""
    searched = _search(conv, tools, _query(conv, problem, name), "products")
    if not isinstance(searched, list):
        return searched
    hits = searched[-1].result.objs("results") if searched[-1].result is not None else []
    if not hits:
        return Say(prefix + say("no_steps", lang) + _offer(conv, tools))
    top = hits[0]
    article = cur.last("get_faq_article")
    if article is None and tools.has("get_faq_article") and (slug := top.text("slug")):
        return tools.call("get_faq_article", slug=slug)
    items = steps(top, article.result if article is not None else None)
    bullets = "\n".join(f"- {item}" for item in items)
    intro = say("steps_intro", lang, title=top.text("title") or "", note=article_note(top, lang))
    return Say(f"{prefix}{intro}\n{bullets}\n\n{say('did_it_help', lang)}")


def _ticket_category(conv: Conversation) -> str:
    for turn in reversed(conv.turns[:-1]):
        if turn.intent in TASKS and turn.intent is not Intent.TICKET:
            return {Intent.TECHNICAL: "technical", Intent.REFUND: "refund", Intent.ORDER_STATUS: "shipping"}.get(
                turn.intent, "other"
            )
    return "technical" if conv.problem() else "other"


def _ticket(conv: Conversation, tools: Toolbox) -> Action:
    lang, cur = conv.lang, conv.current
    sorry = say("sorry_not_fixed", lang) if is_still_broken(cur.text) and cur.raw is not Intent.TICKET else ""
    if not tools.has("create_ticket"):
        return _missing(conv, tools, "create_ticket", sorry)
    if conv.email is None:
        return Say(sorry + say("ask_email_ticket", lang))
    created = cur.last("create_ticket")
    category = _ticket_category(conv)
    if created is None:
        product = conv.product
        problem = conv.problem() or next((t.text for t in reversed(conv.turns[:-1]) if t.raw in TASKS), "")
        subject, description = ticket_fields(conv, product[0] if product else None, problem or cur.text)
        return tools.call(
            "create_ticket",
            subject=subject,
            category=category,
            priority="medium",
            description=description,
            customer_email=conv.email,
            order_id=conv.order_id if conv.verified else None,
        )
    if created.result is None:
        return _failed(conv, tools, "create_ticket", sorry)
    receipt = created.result
    text = sorry + say(
        "ticket_created",
        lang,
        ticket_id=receipt.text("ticket_id"),
        team=word(TEAMS, receipt.text("category") or category, lang),
        priority=word(PRIORITIES, receipt.text("priority") or "medium", lang),
    )
    order = conv.order
    if (
        category == "technical"
        and order is not None
        and order.flag("within_return_window")
        and tools.has("check_refund_eligibility")
    ):
        text += say("refund_hint", lang, order_id=conv.order_id)
    return Say(text + say("anything_else", lang))


def _refund(conv: Conversation, tools: Toolbox) -> Action:
    if (step := _verify(conv, tools)) is not None:
        return step
    lang = conv.lang
    sorry = say("sorry_not_fixed", lang) if is_still_broken(conv.current.text) else ""
    check = conv.current.last("check_refund_eligibility")
    if check is None:
        if not tools.has("check_refund_eligibility"):
            return _missing(conv, tools, "refund", sorry)
        return tools.call(
            "check_refund_eligibility",
            order_id=conv.order_id,
            reason=refund_reason(conv.texts()),
            customer_email=conv.email,
        )
    if check.result is None:
        return _failed(conv, tools, "refund", sorry)
    if check.result.flag("eligible"):
        text = sorry + refund_offer(check.result, lang)
        if not tools.has("process_refund"):
            missing = say("tool_missing", lang, action=word(ACTIONS, "process_refund", lang))
            text = text.rsplit("\n\n", 1)[0] + "\n\n" + missing
            text += _else(conv, tools)
        return Say(text)
    if check.result.text("rule") == "already_delivered" and claims_not_received(conv):
        return investigate(conv, tools, _offer(conv, tools))
    return Say(f"{sorry}{refund_refusal(check.result, lang)}\n\n{_offer(conv, tools)}")


def _confirm(conv: Conversation, tools: Toolbox) -> Action:
    check = conv.awaiting_confirmation
    if check is None:  # pragma: no cover - the intent is only set when an offer is pending
        return Say(say("yes_what", conv.lang))
    done = conv.current.last("process_refund")
    if done is None:
        if not tools.has("process_refund"):
            return _missing(conv, tools, "process_refund")
        return tools.call(
            "process_refund",
            order_id=check.arg("order_id"),
            reason=check.arg("reason"),
            amount=check.args.get("amount"),
            customer_email=conv.email,
        )
    if done.result is not None:
        return Say(refund_outcome(done.result, conv.lang))
    order_id = done.arg("order_id") or ""
    if done.unavailable and check.name == "process_refund":  # the one retry failed too
        return Say(say("refund_failed_again", conv.lang, order_id=order_id) + _offer(conv, tools))
    if done.unavailable:
        maybe = "could not be confirmed" in (done.error or "")
        return Say(say("refund_unconfirmed" if maybe else "refund_unavailable", conv.lang, order_id=order_id))
    reason = re.split(r"(?<=[.!?])\s", (done.error or "").strip(), maxsplit=1)[0].rstrip(".")
    return Say(say("refund_refused", conv.lang, reason=reason) + _offer(conv, tools))


def _cancel(conv: Conversation, tools: Toolbox) -> Action:
    check = conv.awaiting_confirmation
    order_id = (check.arg("order_id") if check is not None else None) or conv.order_id or ""
    return Say(say("refund_cancelled", conv.lang, order_id=order_id))


def _human(conv: Conversation, tools: Toolbox) -> Action:
    done = conv.current.last("escalate_to_human")
    if done is None:
        if not tools.has("escalate_to_human"):
            return Say(say("no_human", conv.lang))
        angry = any(is_angry(t) for t in conv.texts()[:3])
        conversation_id = conv.metadata.get("conversation_id")
        return tools.call(
            "escalate_to_human",
            reason=HUMAN_REASON,
            priority="urgent" if angry else "normal",
            conversation_summary=escalation_summary(conv),
            customer_email=conv.bound_email or (conv.email if conv.verified else None),
            conversation_id=conversation_id if conversation_id and _CONVERSATION_ID.match(conversation_id) else None,
        )
    if done.result is None:
        return _failed(conv, tools, "escalate_to_human")
    return Say(handoff(done.result, conv.lang))


def _faq(conv: Conversation, tools: Toolbox) -> Action:
    if not tools.has("search_faq"):
        return _missing(conv, tools, "search_faq")
    text = conv.current.text
    searched = _search(conv, tools, _query(conv, text), faq_category(text))
    if not isinstance(searched, list):
        return searched
    hits = searched[-1].result.objs("results") if searched[-1].result is not None else []
    if hits:
        return Say(faq_answer(hits[0], conv.lang))
    return Say(say("faq_none", conv.lang) + _offer(conv, tools))


_FIXED_REPLIES: dict[Intent, str] = {
    Intent.RESTRICTED: "restricted",
    Intent.COMPETITOR: "competitor",
    Intent.OFF_TOPIC: "off_topic",
    Intent.GREETING: "greeting",
    Intent.THANKS: "thanks",
    Intent.GOODBYE: "goodbye",
    Intent.NO: "goodbye",
    Intent.YES: "yes_what",
    Intent.SOLVED: "glad",
    Intent.UNKNOWN: "unknown",
    Intent.OTHERS_DATA: "others_data",
    Intent.ABUSE: "abuse_only",
}
_HANDLERS: dict[Intent, Callable[[Conversation, Toolbox], Action]] = {
    Intent.HUMAN: _human,
    Intent.CONFIRM: _confirm,
    Intent.CANCEL: _cancel,
    Intent.REFUND: _refund,
    Intent.TECHNICAL: _technical,
    Intent.TICKET: _ticket,
    Intent.TICKET_STATUS: _ticket_status,
    Intent.ORDER_STATUS: _order_status,
    Intent.INFO: _order_status,
    Intent.ORDER_LIST: _order_list,
    Intent.FAQ: _faq,
}


_ORDER_TASKS = (Intent.ORDER_STATUS, Intent.INFO, Intent.REFUND, Intent.TECHNICAL)


def plan(conv: Conversation, tools: Toolbox) -> Action:
    """The next step for the current turn: one tool call, or the final reply."""
    intent = conv.current.intent
    if (handler := _HANDLERS.get(intent)) is None:
        return Say(say(_FIXED_REPLIES.get(intent, "unknown"), conv.lang))
    action = handler(conv, tools)
    if isinstance(action, Say) and intent in _ORDER_TASKS:
        action = with_other_orders(conv, tools, action)
    if isinstance(action, Say) and (question := side_question(conv.current.text, intent)) is not None:
        return with_side_answer(conv, tools, question, action)
    return action
