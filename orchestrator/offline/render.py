"""Turn tool results into reply text, and the conversation into extractive summaries for tickets and handoffs."""

import re
from datetime import date
from typing import cast

from .conversation import Conversation, Data
from .intents import EMAIL_RE, Intent
from .lexicon import Lang
from .replies import STATUS, day, money, say, word

__all__ = [
    "escalation_summary",
    "article_note",
    "faq_answer",
    "faq_language",
    "faq_snippet",
    "handoff",
    "order_line",
    "order_summary",
    "orders_list",
    "refund_offer",
    "refund_outcome",
    "refund_refusal",
    "steps",
    "ticket_fields",
    "ticket_status",
]

_NUMBERED = re.compile(r"^\s{0,3}\d{1,2}[.)]\s+(.*)$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_SNIPPET_STEP = re.compile(r"(?:^|\s)\d{1,2}\.\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")
_MAX_STEPS = 6

_CHATTER = frozenset({Intent.INFO, Intent.YES, Intent.NO, Intent.THANKS, Intent.GREETING, Intent.GOODBYE, Intent.HUMAN})

_REFUSALS: dict[str, tuple[str, str]] = {
    "order_pending": (
        "Order {order_id} hasn't been processed yet, so it can't be refunded; it can be cancelled instead, which "
        "releases the whole payment.",
        "La commande {order_id} n'a pas encore été traitée : elle ne peut pas être remboursée, mais elle peut être "
        "annulée, ce qui libère la totalité du paiement.",
    ),
    "order_cancelled": (
        "Order {order_id} was cancelled, and the cancellation releases the whole payment by itself, so there is "
        "nothing to refund.",
        "La commande {order_id} a été annulée, ce qui libère automatiquement la totalité du paiement : il n'y a "
        "rien à rembourser.",
    ),
    "order_returned": (
        "Order {order_id} was already returned, and the return itself refunds the returned items.",
        "La commande {order_id} a déjà été retournée, et le retour rembourse lui-même les articles retournés.",
    ),
    "not_delivered_yet": (
        "Order {order_id} hasn't been delivered yet, so it can't be refunded for this reason yet.",
        "La commande {order_id} n'a pas encore été livrée : elle ne peut pas encore être remboursée pour ce motif.",
    ),
    "already_delivered": (
        "The carrier shows order {order_id} as delivered, so it can't be refunded as not received.",
        "Le transporteur indique que la commande {order_id} a été livrée : elle ne peut pas être remboursée comme "
        "non reçue.",
    ),
    "outside_window": (
        "Order {order_id} is outside the refund window: it ended on {window_end}.",
        "La commande {order_id} est hors du délai de remboursement, qui a pris fin le {window_end}.",
    ),
    "item_used": (
        "A change-of-mind refund needs an unused item, and the item of order {order_id} has been used. A refund is "
        "still possible if it's faulty or not what you ordered.",
        "Un remboursement pour changement d'avis nécessite un article non utilisé, et celui de la commande "
        "{order_id} a été utilisé. Un remboursement reste possible s'il est défectueux ou non conforme.",
    ),
    "fully_refunded": (
        "Nothing is left to refund on order {order_id}: it has already been refunded or a refund is awaiting approval.",
        "Il ne reste rien à rembourser sur la commande {order_id} : elle a déjà été remboursée ou un remboursement "
        "est en attente de validation.",
    ),
    "exceeds_remaining": (
        "That's more than the {remaining} still refundable on order {order_id}.",
        "C'est plus que les {remaining} encore remboursables sur la commande {order_id}.",
    ),
}


def _clean(text: str) -> str:
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("**", "").replace("__", "").replace("`", "").strip()


def _first_sentence(text: str, limit: int) -> str:
    sentence = _SENTENCE.split(text.strip(), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _quote(text: str, limit: int = 300) -> str:
    text = EMAIL_RE.sub("[email]", text)
    return "“" + (text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…") + "”"


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _timing(text: str, lang: Lang) -> str:
    if lang is Lang.EN:
        return text
    text = re.sub(r"(\d+)-(\d+) business days", r"\1 à \2 jours ouvrés", text)
    return text.replace("after approval", "après validation").replace("within", "sous")


def _method(text: str, lang: Lang, *, short: bool) -> str:
    card = text.split(":", 1)[1].strip() if text.lower().startswith("original payment method:") else text
    if lang is Lang.FR:
        card = card.replace(" ending ", " se terminant par ")
        return f"votre {card}" if short else f"votre moyen de paiement d'origine ({card})"
    return card if short else f"original payment method ({card})"


def _items(order: Data, lang: Lang) -> str:
    parts: list[str] = []
    for item in order.objs("items"):
        quantity = int(item.num("quantity") or 1)
        parts.append(f"{item.text('name')}" + (f" ×{quantity}" if quantity > 1 else ""))
    return ", ".join(parts) or ("(no items)" if lang is Lang.EN else "(aucun article)")


def _status_line(order: Data, lang: Lang) -> str:
    status = order.text("status") or ""
    fr = lang is Lang.FR
    when = {
        "pending": order.text("placed_on"),
        "processing": order.text("placed_on"),
        "shipped": order.text("shipped_on"),
        "delivered": order.text("delivered_on"),
        "cancelled": order.text("cancelled_on"),
        "returned": order.text("returned_on"),
    }.get(status)
    label = word(STATUS, status, lang)
    if status in ("pending", "processing"):
        return f"{label} ({'commandée le' if fr else 'placed on'} {day(when, lang)})"
    text = f"{label} {'le' if fr else 'on'} {day(when, lang)}" if when else label
    days = order.num("days_since_delivery")
    if status == "delivered" and days is not None:
        text += f" (il y a {int(days)} jours)" if fr else f" ({int(days)} days ago)"
    return text


def _window(order: Data, lang: Lang) -> str | None:
    inside, end = order.flag("within_return_window"), order.text("return_window_ends_on")
    if inside is None or end is None:
        return None
    delivered = order.text("delivered_on")
    length = ""
    if delivered:
        length = str((date.fromisoformat(end[:10]) - date.fromisoformat(delivered[:10])).days)
    if lang is Lang.FR:
        period = f"délai de retour de {length} jours" if length else "délai de retour"
        return (
            f"encore dans le {period} (jusqu'au {day(end, lang)})"
            if inside
            else f"{period} terminé le {day(end, lang)}"
        )
    period = f"{length}-day return window" if length else "return window"
    return f"within the {period} (until {day(end, lang)})" if inside else f"the {period} ended on {day(end, lang)}"


def order_line(order: Data, lang: Lang) -> str:
    """One sentence about a verified order: items, status and date, and the return window."""
    order_id = order.text("order_id") or ""
    window = _window(order, lang)
    if lang is Lang.FR:
        text = f"J'ai trouvé la commande {order_id} : {_items(order, lang)}, {_status_line(order, lang)}"
        return text + (
            f", donc {window}." if window and window.startswith("encore") else f" ; {window}." if window else "."
        )
    text = f"I found order {order_id}: {_items(order, lang)}, {_status_line(order, lang)}"
    if window:
        return text + (f", so you're still {window}." if window.startswith("within") else f"; {window}.")
    return text + "."


def order_summary(order: Data, lang: Lang) -> str:
    """The bullet list of a verified order: items, status, tracking and return window."""
    fr = lang is Lang.FR
    sep = " : " if fr else ": "
    currency = order.text("currency") or "USD"
    lines = [f"{'Articles' if fr else 'Items'}{sep}{_items(order, lang)}"]
    if (total := order.num("total")) is not None:
        lines.append(f"Total{sep}{money(total, currency, lang)}")
    lines.append(f"{'Statut' if fr else 'Status'}{sep}{_status_line(order, lang)}")
    carrier, tracking = order.text("carrier"), order.text("tracking_number")
    if carrier and tracking:
        lines.append(f"{'Suivi' if fr else 'Tracking'}{sep}{carrier}, {tracking}")
    if window := _window(order, lang):
        lines.append(f"{'Retours' if fr else 'Returns'}{sep}{window}")
    head = f"Voici la commande {order.text('order_id')} :" if fr else f"Here's order {order.text('order_id')}:"
    return f"{head}\n{_bullets(lines)}"


def steps(match: Data, article: Data | None) -> list[str]:
    """Troubleshooting steps: the article's first numbered (else bulleted) list, else the snippet's steps."""
    if article is not None and (body := article.text("body")):
        for pattern in (_NUMBERED, _BULLET):
            found: list[str] = []
            for line in body.splitlines():
                if m := pattern.match(line):
                    found.append(_clean(m.group(1)))
                elif found and line.strip():
                    break
            if found:
                return found[:_MAX_STEPS]
    snippet = match.text("snippet") or ""
    parts = [p.strip() for p in _SNIPPET_STEP.split(snippet) if p.strip()]
    if len(parts) > 2:
        return parts[1 : _MAX_STEPS + 1]
    return [s for s in _SENTENCE.split(snippet) if s][:_MAX_STEPS]


def faq_snippet(match: Data) -> str:
    """The best article's passage as quoted to the customer (numbered steps become bullets)."""
    snippet = match.text("snippet") or ""
    parts = [p.strip() for p in _SNIPPET_STEP.split(snippet) if p.strip()]
    return f"{parts[0]}\n{_bullets(parts[1:])}" if len(parts) > 2 else snippet


def faq_language(lang: Lang) -> str | None:
    """The `language` argument of `search_faq` for a customer writing in `lang` (None: the default, English)."""
    return "fr" if lang is Lang.FR else None


def article_note(match: Data, lang: Lang) -> str:
    """The "(en anglais)" label after the title when a French customer is quoted an English article, else none."""
    return " (en anglais)" if lang is Lang.FR and match.text("language") != "fr" else ""


def faq_answer(match: Data, lang: Lang) -> str:
    """An answer quoting the best article's passage (steps become bullets)."""
    return say(
        "faq_answer", lang, title=match.text("title") or "", snippet=faq_snippet(match), note=article_note(match, lang)
    )


def refund_offer(check: Data, lang: Lang) -> str:
    """The refund's terms (amount, method, timing) and the confirmation question."""
    offer = check.obj("customer_gets") or Data({})
    text = say(
        "refund_offer",
        lang,
        order_id=check.text("order_id") or "",
        amount=money(offer.num("amount") or 0.0, offer.text("currency") or "USD", lang),
        method=_method(offer.text("method") or "", lang, short=False),
        timing=_timing(offer.text("timing") or "", lang),
    )
    if offer.flag("needs_human_approval"):
        text += say("refund_approval", lang)
    return f"{text}\n\n{say('refund_confirm', lang)}"


def refund_refusal(check: Data, lang: Lang) -> str:
    """Why the refunds service says no, from its rule (its own explanation for rules without a template)."""
    rule = check.text("rule") or ""
    if rule in _REFUSALS:
        template = _REFUSALS[rule][1 if lang is Lang.FR else 0]
        remaining = money(check.num("refundable_remaining") or 0.0, check.text("currency") or "USD", lang)
        return template.format(
            order_id=check.text("order_id") or "",
            window_end=day(check.text("window_ends_on"), lang),
            remaining=remaining,
        )
    return _first_sentence(check.text("explanation") or "", 300)


def refund_outcome(result: Data, lang: Lang) -> str:
    """What `process_refund` did: refunded, waiting for a human's approval, or (a replay) declined by a human."""
    values = {
        "amount": money(result.num("amount") or 0.0, result.text("currency") or "USD", lang),
        "method": _method(result.text("method") or "", lang, short=True),
        "expected": _timing(result.text("expected") or "", lang),
        "refund_id": result.text("refund_id") or "",
    }
    status = result.text("status")
    if status == "rejected":  # a replay of a request a human declined: nothing was, or will be, paid
        return say("refund_rejected", lang, refund_id=values["refund_id"], amount=values["amount"]).rstrip()
    key = "refund_pending" if status == "pending_approval" else "refunded"
    return say(key, lang, **values) + say("anything_else", lang)


def handoff(result: Data, lang: Lang) -> str:
    """The handoff reference, the queue position and what happens next."""
    text = say(
        "handoff_again" if result.flag("already_open") else "handoff", lang, handoff_id=result.text("handoff_id")
    )
    position = result.num("queue_position")
    if position is not None:
        text += say("queue_position", lang, position=int(position))
    if lang is Lang.EN and (wait := result.text("estimated_wait")):
        text += wait.rstrip() + " "
    return text + say("handoff_next", lang)


def orders_list(result: Data, lang: Lang) -> str:
    """A verified customer's orders as bullets."""
    rows = [
        f"{o.text('order_id')}: {word(STATUS, o.text('status') or '', lang)}, {day(o.text('placed_on'), lang)}, "
        f"{money(o.num('total') or 0.0, o.text('currency') or 'USD', lang)} ({', '.join(_names(o))})"
        for o in result.objs("orders")
    ]
    if not rows:
        return say("orders_none", lang) + say("anything_else", lang)
    return f"{say('orders_intro', lang)}\n{_bullets(rows)}\n\n{say('orders_next', lang)}"


def _names(order: Data) -> list[str]:
    value = order.raw.get("item_names")
    return [str(v) for v in cast(list[object], value)] if isinstance(value, list) else []


def ticket_status(ticket: Data, lang: Lang) -> str:
    """A ticket's subject, status and last update."""
    return say(
        "ticket_status",
        lang,
        ticket_id=ticket.text("ticket_id"),
        subject=ticket.text("subject"),
        status=word(STATUS, ticket.text("status") or "", lang),
        updated=day(ticket.text("updated_at"), lang),
    ) + say("anything_else", lang)


def _actions(conv: Conversation) -> list[str]:
    done: list[str] = []
    for e in conv.all_exchanges():
        r = e.result
        if r is None:
            if e.name in ("process_refund", "lookup_order"):
                done.append(f"{e.name} failed: {_first_sentence(e.error or '', 160)}")
            continue
        if e.name == "search_faq" and (hits := r.objs("results")):
            done.append(f"Shared help article '{hits[0].text('title')}'")
        elif e.name == "check_refund_eligibility":
            verdict = "eligible" if r.flag("eligible") else "not eligible"
            done.append(f"Refund eligibility ({r.text('reason')}): {verdict} ({r.text('rule')})")
        elif e.name == "process_refund":
            done.append(f"Refund {r.text('refund_id')}: {r.text('status')}, {r.num('amount')} {r.text('currency')}")
        elif e.name == "create_ticket":
            done.append(f"Ticket {r.text('ticket_id')} opened ({r.text('category')})")
    return done


def _order_fact(conv: Conversation) -> str | None:
    if (order := conv.order) is not None:
        return (
            f"Order {order.text('order_id')} (verified): {_items(order, Lang.EN)}, {_status_line(order, Lang.EN)}"
            + (f"; {window}" if (window := _window(order, Lang.EN)) else "")
        )
    return f"Order mentioned: {conv.order_id} (not verified)" if conv.order_id else None


def escalation_summary(conv: Conversation) -> str:
    """An extractive summary for the human agent: what the customer said, the order, and what was done."""
    said = [_quote(t.text, 200) for t in conv.turns if t.text and t.raw not in _CHATTER][-5:]
    lines = [f"Customer said: {' / '.join(said)}" if said else "Customer gave no details yet."]
    if fact := _order_fact(conv):
        lines.append(fact)
    if actions := _actions(conv):
        lines.append("Done so far: " + "; ".join(actions))
    lines.append("Customer asked for a human agent.")
    return "\n".join(lines)[:4000]


def ticket_fields(conv: Conversation, product: str | None, problem: str) -> tuple[str, str]:
    """A ticket's subject and description, taken from the customer's own words and the verified facts."""
    first = _first_sentence(EMAIL_RE.sub("[email]", problem), 120) if problem else "Customer needs follow-up"
    subject = f"{product}: {first}" if product else first
    lines = [f"Customer's description: {_quote(problem, 1000)}" if problem else "Customer's description: none"]
    if fact := _order_fact(conv):
        lines.append(fact)
    if actions := _actions(conv):
        lines.append("Done so far: " + "; ".join(actions))
    latest = next((t.text for t in reversed(conv.turns) if t.text and t.raw not in _CHATTER), conv.current.text)
    lines.append(f"Latest customer message: {_quote(latest, 600)}")
    return subject[:200], "\n".join(lines)[:5000]
