"""Pure parsing of a conversation history (anthropic `MessageParam`s) into the state the offline model acts on."""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from ..policy.injection import unwrap_tool_output
from .intents import (
    Intent,
    find_email,
    find_order_id,
    find_ticket_id,
    is_fixed,
    is_specific_problem,
    is_still_broken,
    normalise,
    yes_or_no,
)
from .lexicon import Lang, Product, detect_language, find_product
from .requests import message_intent

__all__ = [
    "SUMMARY_TAG",
    "TASKS",
    "TROUBLE",
    "Conversation",
    "Data",
    "Exchange",
    "Turn",
    "base_name",
    "read_conversation",
]

TROUBLE = re.compile(
    r"temporarily unavailable|stopped responding|could not be confirmed|could not be run|failed unexpectedly|"
    r"unknown tool|timed? ?out",
    re.IGNORECASE,
)
"""The orchestrator's notes for calls that failed outside the tool (as opposed to a tool's own refusal)."""

TASKS = frozenset(
    {Intent.REFUND, Intent.TECHNICAL, Intent.ORDER_STATUS, Intent.ORDER_LIST, Intent.TICKET, Intent.TICKET_STATUS}
)
"""Intents that span several turns: a message that only gives an order number or an email continues them."""


SUMMARY_TAG = "<conversation_summary>"
"""How the orchestrator marks the summary of condensed earlier turns (context, not a customer message)."""


class Data:
    """Typed, read-only access to one JSON object of a tool result."""

    __slots__ = ("raw",)

    def __init__(self, raw: Mapping[str, object]) -> None:
        """Wrap a decoded JSON object."""
        self.raw = raw

    def text(self, key: str) -> str | None:
        """The string at `key`, if it is one."""
        value = self.raw.get(key)
        return value if isinstance(value, str) else None

    def num(self, key: str) -> float | None:
        """The number at `key`, if it is one."""
        value = self.raw.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def flag(self, key: str) -> bool | None:
        """The boolean at `key`, if it is one."""
        value = self.raw.get(key)
        return value if isinstance(value, bool) else None

    def obj(self, key: str) -> "Data | None":
        """The object at `key`, if it is one."""
        value = self.raw.get(key)
        return Data(cast(Mapping[str, object], value)) if isinstance(value, Mapping) else None

    def objs(self, key: str) -> "list[Data]":
        """The objects of the list at `key` (other elements skipped)."""
        value = self.raw.get(key)
        if not isinstance(value, list):
            return []
        items = cast(list[object], value)
        return [Data(cast(Mapping[str, object], item)) for item in items if isinstance(item, Mapping)]


@dataclass(frozen=True)
class Exchange:
    """One tool call of the assistant and its result."""

    name: str
    """The tool's base name (any `server__` prefix removed)."""
    args: Mapping[str, object]
    result: Data | None = None
    """The decoded structured result; None when the call failed or has no result yet."""
    error: str | None = None
    """The error text of an `is_error` result."""

    @property
    def unavailable(self) -> bool:
        """The call failed outside the tool (its system was down or stopped responding), not by the tool's rules."""
        return self.error is not None and TROUBLE.search(self.error) is not None

    def arg(self, key: str) -> str | None:
        """A string argument of the call."""
        value = self.args.get(key)
        return value if isinstance(value, str) else None


@dataclass
class Turn:
    """One customer message and what the assistant did about it."""

    text: str
    exchanges: list[Exchange] = field(default_factory=list[Exchange])
    reply: str | None = None
    """The assistant's final text; None while the turn is still open."""
    lang: Lang = Lang.EN
    raw: Intent = Intent.UNKNOWN
    """The intent the message shows by itself."""
    intent: Intent = Intent.UNKNOWN
    """The intent after context (a bare email continues the task it answers)."""

    def last(self, name: str) -> Exchange | None:
        """The latest call of tool `name` in this turn."""
        return next((e for e in reversed(self.exchanges) if e.name == name), None)

    def calls(self, name: str) -> list[Exchange]:
        """Every call of tool `name` in this turn, oldest first."""
        return [e for e in self.exchanges if e.name == name]


@dataclass(frozen=True)
class Conversation:
    """The facts the offline model acts on, all derived from the history and the request metadata."""

    turns: tuple[Turn, ...]
    order_id: str | None
    """The latest order number the customer gave."""
    email: str | None
    """The latest email the customer gave, else the verified customer's."""
    bound_email: str | None
    """The customer the orchestrator verified (request metadata), if any."""
    metadata: Mapping[str, str]

    @property
    def current(self) -> Turn:
        """The turn being answered."""
        return self.turns[-1]

    @property
    def previous(self) -> Turn | None:
        """The turn before, if any."""
        return self.turns[-2] if len(self.turns) > 1 else None

    @property
    def lang(self) -> Lang:
        """The language to answer in."""
        return self.current.lang

    def texts(self) -> list[str]:
        """The customer's messages, newest first."""
        return [t.text for t in reversed(self.turns) if t.text]

    def last(self, name: str) -> Exchange | None:
        """The latest successful call of tool `name` in the whole conversation."""
        for turn in reversed(self.turns):
            for e in reversed(turn.exchanges):
                if e.name == name and e.result is not None:
                    return e
        return None

    def all_exchanges(self) -> list[Exchange]:
        """Every tool call, oldest first."""
        return [e for t in self.turns for e in t.exchanges]

    @property
    def order(self) -> Data | None:
        """The latest successful `lookup_order` result for the current order number (the order is verified)."""
        for e in reversed(self.all_exchanges()):
            if e.name == "lookup_order" and e.result is not None and e.arg("order_id") == self.order_id:
                return e.result
        return None

    @property
    def verified(self) -> bool:
        """Whether the current order number was verified together with its email."""
        if self.order is not None:
            return True
        return any(
            e.name == "verify_customer" and e.result is not None and e.arg("order_id") == self.order_id
            for e in self.all_exchanges()
        )

    @property
    def awaiting_confirmation(self) -> Exchange | None:
        """What the previous reply asked the customer to confirm, if anything.

        An eligible refund check, or the refund call that failed because its system was unavailable (offered once
        for a retry, with the same arguments).
        """
        return _offer_at(self.turns, len(self.turns) - 2)

    @property
    def product(self) -> Product | None:
        """The product the customer talks about, else the verified order's first item."""
        for text in self.texts():
            if (found := find_product(text)) is not None:
                return found
        order = self.order
        items = order.objs("items") if order is not None else []
        name = items[0].text("name") if items else None
        if name is None:
            return None
        known = find_product(name)
        return (name, known[1], known[2]) if known is not None else (name, name, name)

    def problem(self) -> str:
        """The customer's technical problem: the latest specific description of the same product, else the latest."""
        technical = [t.text for t in reversed(self.turns) if t.intent is Intent.TECHNICAL and t.raw is not Intent.INFO]
        topic: Product | None = None
        for text in technical:
            if (product := find_product(text)) is not None:
                if topic is not None and product != topic:
                    break  # an older message about another product
                topic = product
            if is_specific_problem(text):
                return text
        return technical[0] if technical else ""

    def ticket_id(self) -> str | None:
        """The latest ticket number the customer gave."""
        return next((found for t in self.texts() if (found := find_ticket_id(t)) is not None), None)


def base_name(name: str) -> str:
    """A tool's name without a namespace prefix (`orders__lookup_order` -> `lookup_order`)."""
    for separator in ("__", "."):
        if separator in name:
            name = name.rsplit(separator, 1)[1]
    return name


def _get(block: object, key: str) -> object:
    if isinstance(block, Mapping):
        return cast(Mapping[str, object], block).get(key)
    return cast(object, getattr(block, key, None))


def _blocks(content: object) -> list[object]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, Iterable):
        return list(cast(Iterable[object], content))
    return []


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    parts = [_get(b, "text") for b in _blocks(content) if _get(b, "type") == "text"]
    return "\n".join(p for p in parts if isinstance(p, str))


def _decode(text: str) -> Data:
    text = unwrap_tool_output(text)  # results may arrive wrapped as data by the injection guardrail
    try:
        value: object = json.loads(text)
    except ValueError:
        return Data({"text": text})
    if isinstance(value, Mapping):
        data = Data(cast(Mapping[str, object], value))
        inner = data.obj("result")
        return inner if inner is not None and len(data.raw) == 1 else data
    return Data({"result": value})


def _parse(messages: Sequence[object], notes: list[str]) -> list[Turn]:
    """Split the history into turns; summaries of condensed earlier turns go to `notes`."""
    turns: list[Turn] = []
    calls: dict[str, tuple[str, Mapping[str, object]]] = {}
    for message in messages:
        role = _get(message, "role")
        blocks = _blocks(_get(message, "content"))
        if role == "assistant":
            texts = [t for b in blocks if _get(b, "type") == "text" and isinstance(t := _get(b, "text"), str)]
            uses = [b for b in blocks if _get(b, "type") == "tool_use"]
            for use in uses:
                args = _get(use, "input")
                calls[str(_get(use, "id"))] = (
                    str(_get(use, "name")),
                    cast(Mapping[str, object], args) if isinstance(args, Mapping) else {},
                )
            if not uses and turns and "".join(texts).strip():
                turns[-1].reply = "".join(texts)
            continue
        texts: list[str] = []
        for block in blocks:
            kind = _get(block, "type")
            if kind == "tool_result" and (call := calls.get(str(_get(block, "tool_use_id")))) is not None:
                if not turns:
                    turns.append(Turn(text=""))
                text = _result_text(_get(block, "content"))
                failed = _get(block, "is_error") is True
                turns[-1].exchanges.append(
                    Exchange(
                        name=base_name(call[0]),
                        args=call[1],
                        result=None if failed else _decode(text),
                        error=(unwrap_tool_output(text) or "error") if failed else None,
                    )
                )
            elif kind == "text" and isinstance(text := _get(block, "text"), str) and text.strip():
                if text.lstrip().startswith(SUMMARY_TAG):
                    notes.append(text)
                else:
                    texts.append(text)
        if texts:
            turns.append(Turn(text=normalise("\n".join(texts))))
    return turns or [Turn(text="")]


def _eligible_offer(turn: Turn) -> Exchange | None:
    for e in reversed(turn.exchanges):
        if e.name == "process_refund":
            return e if e.unavailable else None
        if e.name == "check_refund_eligibility":
            return e if e.result is not None and e.result.flag("eligible") is True else None
    return None


def _offer_at(turns: Sequence[Turn], index: int) -> Exchange | None:
    """The offer made in `turns[index]`; a failed refund is offered for a retry only once."""
    if index < 0:
        return None
    offer = _eligible_offer(turns[index])
    if offer is not None and offer.name == "process_refund" and index > 0:
        earlier = _eligible_offer(turns[index - 1])
        if earlier is not None and earlier.name == "process_refund":
            return None  # that failure was already the one retry
    return offer


def _resolve(turns: list[Turn]) -> None:
    """Set each turn's language and intent, in order: context flows from earlier turns."""
    lang = Lang.EN
    for i, turn in enumerate(turns):
        prev = turns[i - 1] if i else None
        # later turns need more than one marker word to switch language (every word counts twice)
        lang = turn.lang = detect_language(turn.text, lang, margin=3 if i else 1)
        turn.raw = raw = message_intent(turn.text)
        answer = yes_or_no(turn.text)
        if prev is not None and _offer_at(turns, i - 1) is not None and answer is not None:
            turn.intent = Intent.CONFIRM if answer else Intent.CANCEL
        elif raw is Intent.INFO:
            task = next((t.intent for t in reversed(turns[:i]) if t.intent in TASKS), None)
            turn.intent = task if task is not None and prev is not None and prev.intent in TASKS else Intent.INFO
            if turn.intent is Intent.INFO and find_order_id(turn.text) is not None:
                turn.intent = Intent.ORDER_STATUS
        elif (
            prev is not None
            and prev.intent is Intent.TECHNICAL
            and prev.last("search_faq") is not None
            and (raw in (Intent.UNKNOWN, Intent.YES, Intent.NO, Intent.TECHNICAL))
        ):
            if is_still_broken(turn.text) or raw is Intent.NO:
                turn.intent = Intent.TICKET
            elif is_fixed(turn.text) or raw is Intent.YES:
                turn.intent = Intent.SOLVED
            else:
                turn.intent = Intent.TECHNICAL
        elif raw is Intent.UNKNOWN and prev is not None and prev.intent is Intent.TECHNICAL:
            turn.intent = Intent.TECHNICAL
        else:
            turn.intent = raw


def read_conversation(messages: Sequence[object], metadata: Mapping[str, str] | None = None) -> Conversation:
    """Parse a request's messages (dicts or SDK objects) and metadata into a `Conversation`."""
    notes: list[str] = []
    turns = _parse(messages, notes)
    _resolve(turns)
    meta = dict(metadata or {})
    bound = meta.get("customer_email", "").strip().lower() or None
    texts = [t.text for t in reversed(turns)] + notes[::-1]
    order_id = next((found for t in texts if (found := find_order_id(t)) is not None), None)
    # The verified customer wins: stored history is PII-masked, and a bound identity is the only one that counts.
    email = bound or next((found for t in texts if (found := find_email(t)) is not None), None)
    return Conversation(turns=tuple(turns), order_id=order_id, email=email, bound_email=bound, metadata=meta)
