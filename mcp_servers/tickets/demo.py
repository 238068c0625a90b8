"""The demo tickets: ten support stories cast onto the ShopExpress demo customers, dated relative to now.

Seeded only when the server is asked for the demo (`--demo` / `SWITCHBOARD_DEMO=1`); `TicketsStore.seed_demo`
writes what `demo_tickets` returns through the store's own status machine, so the history is a real one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from mcp_servers._common.demo import FLAGSHIP_EMAIL, DemoOrder, OrderStatus, build_demo_store

from .models import NoteAuthor, TicketCategory, TicketPriority, TicketStatus

__all__ = ["DemoTicket", "Move", "Note", "demo_tickets"]


@dataclass(frozen=True)
class Note:
    """A demo ticket step: a note added to the history."""

    author: NoteAuthor
    body: str


@dataclass(frozen=True)
class Move:
    """A demo ticket step: a status change, with its note."""

    to: TicketStatus
    note: str | None = None


@dataclass(frozen=True)
class _Story:
    """A demo ticket: what it is about, and what happened to it since."""

    about: OrderStatus | None
    """The status of the order the ticket is about; None for an account question without an order."""
    subject: str
    category: TicketCategory
    priority: TicketPriority
    description: str
    age: timedelta
    """How long ago the ticket was opened; the steps are spread evenly between then and now."""
    steps: tuple[Note | Move, ...] = ()


_DEMO_STORIES: tuple[_Story, ...] = (
    _Story(
        "shipped",
        "Parcel for {order} has not moved in four days",
        "shipping",
        "medium",
        "Tracking for {order} has shown the same depot scan for four days. Is it lost?",
        timedelta(hours=20),
    ),
    _Story(
        "delivered",
        "{item} stopped working",
        "technical",
        "high",
        "My {item} from {order} no longer turns on, even after charging overnight.",
        timedelta(days=2),
        (
            Note("agent", "Asked the customer for a photo of the serial number label."),
            Move("pending", "Waiting for the customer's photo."),
        ),
    ),
    _Story(
        "cancelled",
        "Refund for cancelled order {order} not received",
        "refund",
        "high",
        "I cancelled {order} but the money has not come back to my card.",
        timedelta(days=6),
        (
            Note("agent", "Payments confirmed the refund was issued; 3-5 business days to appear."),
            Move("resolved", "Refund issued by payments."),
        ),
    ),
    _Story(
        "delivered",
        "Charged twice for {order}",
        "billing",
        "urgent",
        "My bank statement shows two charges for {order}.",
        timedelta(days=12),
        (
            Move("pending", "Asked for the bank statement lines."),
            Note("customer", "Both charges are dated the day I ordered."),
            Move("resolved", "Duplicate authorisation voided."),
            Move("closed"),
        ),
    ),
    _Story(
        "delivered",
        "Wrong colour of {item} delivered",
        "shipping",
        "medium",
        "I ordered black but received white for {order}.",
        timedelta(days=5),
        (Move("resolved", "Replacement in black shipped."), Move("open", "The replacement is white again.")),
    ),
    _Story(
        None,
        "How do I change the email on my account?",
        "other",
        "low",
        "I moved to a new email provider and want my account to use it.",
        timedelta(days=20),
        (
            Note("bot", "Explained the account settings page; the change needs email confirmation."),
            Move("resolved"),
            Move("closed"),
        ),
    ),
    _Story(
        "returned",
        "Return for {order} received but no refund yet",
        "refund",
        "medium",
        "The carrier says the return for {order} was delivered to you a week ago.",
        timedelta(days=3),
        (Move("pending", "Warehouse inspection in progress."),),
    ),
    _Story(
        "processing",
        "Change the delivery address for {order}",
        "shipping",
        "high",
        "I need {order} delivered to my office instead of my home address.",
        timedelta(hours=6),
        (Note("bot", "Customer will send the office address; order has not shipped yet."),),
    ),
    _Story(
        "delivered",
        "Invoice with company VAT number for {order}",
        "billing",
        "low",
        "Please reissue the invoice for {order} with my company's VAT number.",
        timedelta(days=9),
        (Note("agent", "Corrected invoice sent by email."), Move("resolved")),
    ),
    _Story(
        "pending",
        "Payment for {order} failed but money was taken",
        "billing",
        "high",
        "Checkout said the payment failed for {order}, but my card was charged.",
        timedelta(days=2),
        (
            Move("resolved", "The charge was a pending authorisation that will drop off."),
            Move("closed"),
            Move("open", "The charge is still there."),
            Move("pending", "Escalated to payments."),
        ),
    ),
)


@dataclass(frozen=True)
class DemoTicket:
    """One demo ticket as the store writes it: opened at `opened_at`, then each step at its own time."""

    customer_email: str
    subject: str
    category: TicketCategory
    priority: TicketPriority
    description: str
    order_id: str | None
    opened_at: datetime
    steps: tuple[tuple[datetime, Note | Move], ...]


def _cast(orders: tuple[DemoOrder, ...]) -> list[tuple[_Story, str, DemoOrder | None]]:
    """Give each story its own customer (never the flagship one) and a matching order, deterministically."""
    used = {FLAGSHIP_EMAIL}
    cast: list[tuple[_Story, str, DemoOrder | None]] = []
    for story in _DEMO_STORIES:
        order = next(
            (o for o in orders if o.customer_email not in used and (story.about is None or o.status == story.about)),
            None,
        )
        if order is None:
            continue
        used.add(order.customer_email)
        cast.append((story, order.customer_email, order if story.about is not None else None))
    return cast


def _ticket(story: _Story, email: str, order: DemoOrder | None, now: datetime) -> DemoTicket:
    fields = {"order": order.order_id if order else "", "item": order.items[0].name if order else ""}
    start = now - story.age
    if order is not None:  # never before the order was placed
        start = max(start, min(order.placed_at + timedelta(minutes=30), now - timedelta(minutes=5)))
    gap = (now - start) / (len(story.steps) + 1)
    return DemoTicket(
        customer_email=email,
        subject=story.subject.format(**fields),
        category=story.category,
        priority=story.priority,
        description=story.description.format(**fields),
        order_id=order.order_id if order else None,
        opened_at=start,
        steps=tuple((start + gap * n, step) for n, step in enumerate(story.steps, start=1)),
    )


def demo_tickets(now: datetime) -> list[DemoTicket]:
    """The demo tickets as of `now`, in the order they are numbered."""
    return [_ticket(story, email, order, now) for story, email, order in _cast(build_demo_store(now).orders)]
