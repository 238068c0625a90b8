"""HelpDesk: the web channel's behaviour: customer turns, hand-offs to human agents and back, endings and ratings.

Routes stay thin and call this. The human-agent actions go through the escalation server's console tools (the
server owns the handoffs); the channel's own state and visible timeline live in `WebStore`.
"""

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Literal, cast

import anyio
from mcp.types import CallToolResult, TextContent

from switchboard_common.clock import utcnow

from ..blocking import blocking
from ..errors import ServerUnavailableError
from ..events import Escalated, Event, TextDelta, ToolCallFinished, ToolCallStarted
from ..policy.escalation import sentiment_scores
from ..policy.pii import mask
from ..policy.sentiment import trend
from ..registry.registry import ToolCallFailedError, UnknownToolError
from ..service import MAX_MESSAGE_CHARS, Orchestrator, TurnStart
from .errors import ErrorCode, WebError
from .hub import Hub
from .inputs import conversation_id as valid_id
from .inputs import safe_text
from .store import StateConflictError, StoredEvent, TurnOwner, TurnSlot, WebConversation, WebStore

__all__ = ["ASSISTANT", "GREETING", "Accepted", "HelpDesk", "Sender", "message_view"]

logger = logging.getLogger(__name__)

ASSISTANT = "Alex"
GREETING = "Hi, I'm Alex from ShopExpress support. How can I help you today?"
HANDED_BACK = "You're back with Alex, our assistant."
BUSY = "Please wait for the current reply."
TURN_LEASE = timedelta(minutes=10)
"""The longest a turn may hold its conversation's slot, even on a live process (a dead one loses it sooner:
see `web.turn_takeover_s`)."""
ROLES = {
    "customer_message": "customer",
    "assistant_message": "assistant",
    "agent_message": "agent",
    "system_message": "system",
}
Sender = Callable[[str, dict[str, Any]], Awaitable[None]]
"""Where a turn's stream events go: (event name, JSON data)."""


def message_view(event: StoredEvent) -> dict[str, Any]:
    """A transcript line as the pages show it."""
    role = ROLES[event.kind]
    author = event.author or (ASSISTANT if role == "assistant" else None)
    at = event.created_at.isoformat().replace("+00:00", "Z")
    return {"id": event.id, "role": role, "text": event.body or "", "author": author, "at": at}


def _stream_event(event: Event) -> tuple[str, dict[str, Any]] | None:
    if isinstance(event, TextDelta):
        return "text", {"text": event.text}
    if isinstance(event, ToolCallStarted):
        return "tool_started", {"id": event.tool_use_id, "name": event.name, "server": event.server}
    if isinstance(event, ToolCallFinished):
        return "tool_finished", {
            "id": event.tool_use_id,
            "name": event.name,
            "server": event.server,
            "ok": not event.is_error,
            "refused": event.refused,
            "duration_ms": round(event.duration_s * 1000),
        }
    if isinstance(event, Escalated):
        return "escalated", {"reason": event.reason, "priority": event.priority, "handoff_id": event.handoff_id}
    return None


def _message(text: object) -> str:
    """A message's text, stripped; refused when empty, too long, or holding what no database stores."""
    if not isinstance(text, str) or not text.strip():
        raise WebError("invalid_request", "text: the message is empty")
    if len(text.strip()) > MAX_MESSAGE_CHARS:
        raise WebError("invalid_request", f"text: the message is longer than {MAX_MESSAGE_CHARS} characters")
    return safe_text(text.strip(), "text")


def _with_human(conv: WebConversation) -> bool:
    return conv.state in ("waiting_for_human", "with_human")


def _text_of(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent)).strip()


class HelpDesk:
    """One per `serve` process; safe for concurrent requests (turns are serialised per conversation)."""

    def __init__(self, orchestrator: Orchestrator, store: WebStore, hub: Hub, owner: TurnOwner) -> None:
        """Serve through `orchestrator`, keeping channel state in `store` and waking subscribers through `hub`.

        Turns run here are owned by `owner` (this process's instance, kept alive by its heartbeat).
        """
        self.orchestrator = orchestrator
        self.store = store
        self.hub = hub
        self.owner = owner
        route = orchestrator.registry.route(orchestrator.settings.policy.escalation_tool)
        self.escalation_server = route.server if route is not None else None

    # Customers

    async def open(self) -> tuple[str, str]:
        """Start a web conversation; returns its id and the customer's secret."""
        return await blocking(self._open)

    def _open(self) -> tuple[str, str]:
        with self.store.db.write():  # the orchestrator's, KPI and web rows of a new conversation: one transaction
            conversation_id = self.orchestrator.start(channel="web")
            secret = self.store.register(conversation_id)
            self.store.append(conversation_id, "assistant_message", author=ASSISTANT, body=GREETING)
        return conversation_id, secret

    async def authenticate(self, conversation_id: str, secret: str | None) -> WebConversation:
        """The customer's conversation; an unknown id and a wrong secret look the same.

        Raises:
            WebError: `not_found`.
        """
        conv = None
        if secret and valid_id(conversation_id):
            conv = await blocking(self.store.authenticate, conversation_id, secret)
        if conv is None:
            raise WebError("not_found", "no such conversation")
        return conv

    async def transcript(self, conv: WebConversation) -> dict[str, Any]:
        """The customer's view of the conversation."""
        last, messages = await blocking(self._messages_upto_last, conv.conversation_id)
        return {
            "conversation_id": conv.conversation_id,
            "status": conv.state,
            "agent": conv.agent,
            "csat": conv.csat,
            "last_event_id": last,
            "messages": [message_view(e) for e in messages if e.id <= last],
        }

    def _messages_upto_last(self, conversation_id: str) -> tuple[int, list[StoredEvent]]:
        return self.store.last_event_id(conversation_id), self.store.transcript(conversation_id)

    async def accept(
        self, conversation_id: str, secret: str | None, admit: Callable[[WebConversation], object]
    ) -> "Accepted":
        """Authenticate a customer message and record it, in one transaction.

        `admit` runs once the customer is known (on a worker thread, inside the transaction): it may refuse the
        request by raising (a bad body, a rate limit) and returns the message. A message for the bot takes the
        conversation's turn slot in the same transaction (`WebStore.begin_turn`), so a second message is refused
        on every `serve` process sharing the database, not only this one, and reads what the turn starts from
        (`Orchestrator.load_turn`: nothing else writes the conversation while its slot is held). A message for a
        human agent is recorded at once (as long as no bot turn is running).

        Raises:
            WebError: `not_found` (unknown id or wrong secret, alike), whatever `admit` raises, `invalid_request`
                (empty, too long, not a string) or `conflict` (ended, or a turn is running).
        """
        return await blocking(self._accept, conversation_id, secret, admit)

    def _accept(
        self, conversation_id: str, secret: str | None, admit: Callable[[WebConversation], object]
    ) -> "Accepted":
        with self.store.db.transaction():
            conv = self.store.authenticate(conversation_id, secret) if secret and valid_id(conversation_id) else None
            if conv is None:
                raise WebError("not_found", "no such conversation")
            text = _message(admit(conv))
            if conv.state == "ended":
                raise WebError("conflict", "This conversation has ended; please start a new one.")
            relay = dict[str, Any](relayed=True, handoff_id=conv.handoff_id)
            lease, data = (None, relay) if _with_human(conv) else (TURN_LEASE, dict[str, Any]())
            if (slot := self.store.begin_turn(conversation_id, lease, owner=self.owner)) is None:
                free_in = self.store.turn_free_in(conversation_id, self.owner)
                raise WebError("conflict", BUSY, retry_after=max(1, math.ceil(free_in or 0)))
            start = self._turn_start(conversation_id) if lease is not None else None
            # Last: on PostgreSQL an event holds the database-wide events lock to the commit (see WebStore._append)
            self.store.append(conversation_id, "customer_message", body=mask(text), **data)
        return Accepted(conv, text, start, slot)

    def _turn_start(self, conversation_id: str) -> TurnStart | None:
        try:
            return self.orchestrator.load_turn(conversation_id)
        except KeyError:  # no orchestrator conversation: the turn reports it as it always did
            return None

    async def turn(self, accepted: "Accepted", send: Sender) -> None:
        """Run an accepted customer message: tell the human who holds the conversation, or run a bot turn."""
        conv, text = accepted.conv, accepted.text
        cid = conv.conversation_id
        if _with_human(conv):
            self.hub.wake(cid)
            await send("relayed", {"to": "agent"})
            await send("done", {"text": "", "stop_reason": "relayed", "status": conv.state})
            return
        slot, held = accepted.slot, True  # the take of `accept`: released by the turn's last write, or below
        try:
            escalations: list[Escalated] = []
            recorded: list[WebConversation] = []

            async def forward(event: Event) -> None:
                if isinstance(event, Escalated):
                    escalations.append(event)
                if (item := _stream_event(event)) is not None:
                    await send(*item)

            def record(reply_text: str) -> None:
                """The reply in the transcript and the slot released, in the transaction that stores the turn."""
                events: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
                    ("assistant_message", ASSISTANT, mask(reply_text), {})
                ]
                values: dict[str, Any] = {}
                if escalations:
                    handoff = next((e.handoff_id for e in escalations if e.handoff_id), None)
                    values |= {"state": "waiting_for_human", "handoff_id": handoff}
                    events.append(("escalated", None, None, {"reason": escalations[0].reason, "handoff_id": handoff}))
                recorded.append(self.store.update(cid, events=events, release=slot, **values)[0])

            reply = await self.orchestrator.respond(cid, text, emit=forward, save=record, start=accepted.start)
            held = False  # before "done": the customer may send the next message at once
            self.hub.wake(cid)
            await send("done", {"text": reply.text, "stop_reason": reply.stop_reason, "status": recorded[0].state})
        finally:
            if held:
                with anyio.CancelScope(shield=True):  # free the slot even when the server is stopping
                    await blocking(self.store.end_turn, cid, slot)

    async def end(self, conv: WebConversation, *, by: Literal["customer", "agent"] = "customer") -> dict[str, Any]:
        """End the conversation (idempotent); returns its status and KPI outcome."""
        if conv.state == "ended":
            return {"status": "ended", "outcome": None}
        ended = [("ended", None, None, {"by": by})]
        record = partial(self.store.update, conv.conversation_id, state="ended", ended_at=utcnow(), events=ended)
        outcome = await self.orchestrator.end(conv.conversation_id, save=record)
        self.hub.wake(conv.conversation_id)
        return {"status": "ended", "outcome": outcome}

    async def rate(self, conv: WebConversation, score: object) -> dict[str, Any]:
        """Record the customer's 1-5 rating once, ending the conversation first if needed.

        Raises:
            WebError: `invalid_request` (not 1-5) or `conflict` (already rated).
        """
        if type(score) is not int or not 1 <= score <= 5:
            raise WebError("invalid_request", "score: the rating must be a whole number from 1 to 5")
        if conv.csat is not None:
            raise WebError("conflict", "This conversation was already rated.")
        cid = conv.conversation_id
        rated = ("rated", None, None, {"csat": score})
        try:  # the rating, the close (or the KPI rating) and the events: one transaction, undone on a conflict
            if conv.state != "ended":
                events = [("ended", None, None, {"by": "customer"}), rated]
                record = partial(
                    self.store.update, cid, csat=score, state="ended", ended_at=utcnow(), expect=(conv.state,)
                )
                await self.orchestrator.end(cid, csat=score, save=partial(record, events=events))
            else:
                await blocking(self._rate_ended, cid, score, rated)
        except StateConflictError as exc:
            raise WebError("conflict", "The conversation changed; reload it.") from exc
        self.hub.wake(cid)
        return {"csat": score}

    def _rate_ended(self, cid: str, score: int, rated: tuple[str, None, None, dict[str, Any]]) -> None:
        with self.store.db.transaction():
            self.store.update(cid, csat=score, expect=("ended",), events=[rated])
            self.orchestrator.rate(cid, score)

    # Human agents

    async def queue(self) -> dict[str, Any]:
        """Handoffs waiting (priority, then age) and being handled, with each conversation's sentiment."""
        last = await blocking(self.store.last_event_id)
        queued = await self._console("list_handoff_queue", status="queued", limit=100)
        claimed = await self._console("list_handoff_queue", status="claimed", limit=100)
        return {
            "queued": await blocking(self._annotate, *queued.get("items", [])),
            "claimed": await blocking(self._annotate, *claimed.get("items", [])),
            "last_event_id": last,
        }

    async def handoff(self, handoff_id: str) -> dict[str, Any]:
        """A handoff in full, with the conversation's masked transcript, tool calls and sentiment."""
        found = await self._console("get_handoff", handoff_id=handoff_id)
        return await blocking(self._handoff_details, found)

    def _handoff_details(self, found: dict[str, Any]) -> dict[str, Any]:
        [handoff] = self._annotate(found)
        cid = handoff.get("conversation_id")
        transcript: list[dict[str, Any]] = []
        tools: list[dict[str, Any]] = []
        if isinstance(cid, str) and self.store.get(cid) is not None:
            transcript = [message_view(e) for e in self.store.transcript(cid)]
            tools = [
                {"name": t["name"], "server": t["server"], "ok": not t["is_error"], "duration_ms": t["duration_ms"]}
                for t in self.orchestrator.store.tool_calls(cid)
            ]
        handoff.pop("messages", None)  # the transcript already holds the agents' replies
        return {**handoff, "transcript": transcript, "tools": tools}

    async def claim(self, handoff_id: str, agent: str) -> dict[str, Any]:
        """Claim a handoff; the customer is told a human has joined."""
        handoff = await self._console("claim_handoff", handoff_id=handoff_id, agent=agent)
        conv = await blocking(self._linked, handoff)
        if conv is not None and (conv.state, conv.agent) != ("with_human", agent) and conv.state != "ended":
            joined = f"{agent} (human agent) has joined the conversation."
            await blocking(
                self.store.update,
                conv.conversation_id,
                state="with_human",
                handoff_id=handoff_id,
                agent=agent,
                events=[("agent_joined", agent, None, {"agent": agent}), ("system_message", None, joined, {})],
            )
            self.hub.wake(conv.conversation_id)
        return handoff

    async def reply(self, handoff_id: str, agent: str, text: object) -> dict[str, Any]:
        """Send an agent's message to the customer (the escalation server checks the agent holds the handoff)."""
        text = _message(text)
        handoff = await self._console("add_handoff_reply", handoff_id=handoff_id, agent=agent, message=text)
        conv = await blocking(self._linked, handoff)
        if conv is None:
            return {"id": None}
        said = [("agent_message", agent, mask(text), {"handoff_id": handoff_id})]
        _, ids = await blocking(self.store.update, conv.conversation_id, events=said)
        self.hub.wake(conv.conversation_id)
        return {"id": ids[0]}

    async def resolve(self, handoff_id: str, agent: str, outcome: object, note: object) -> dict[str, Any]:
        """End a handoff: `resolved` ends the conversation, `returned_to_bot` hands it back to the assistant."""
        if outcome not in ("resolved", "returned_to_bot"):
            raise WebError("invalid_request", "outcome: must be 'resolved' or 'returned_to_bot'")
        if not isinstance(note, str) or not note.strip():
            raise WebError("invalid_request", "note: a resolution note is required")
        safe_text(note, "note")
        handoff = await self._console(
            "resolve_handoff", handoff_id=handoff_id, agent=agent, resolution_note=note.strip()[:2000], outcome=outcome
        )
        conv = await blocking(self._linked, handoff)
        if conv is None or conv.state == "ended":
            return handoff
        cid = conv.conversation_id
        if outcome == "returned_to_bot":
            await blocking(self._brief_assistant, cid, agent)
            await blocking(
                self.store.update,
                cid,
                state="active",
                agent=None,
                events=[("handed_back", agent, None, {"agent": agent}), ("system_message", None, HANDED_BACK, {})],
            )
        else:
            await self.orchestrator.end(cid)
            done = f"{agent} resolved this conversation."
            await blocking(
                self.store.update,
                cid,
                state="ended",
                ended_at=utcnow(),
                events=[("system_message", None, done, {}), ("ended", agent, None, {"by": "agent"})],
            )
        self.hub.wake(cid)
        return handoff

    def _linked(self, handoff: dict[str, Any]) -> WebConversation | None:
        cid = handoff.get("conversation_id")
        return self.store.get(cid) if isinstance(cid, str) else None

    def _annotate(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        """Add each handoff's sentiment readings and trend, and whether its web customer has left (two queries)."""
        ids = [cid for item in items if isinstance(cid := item.get("conversation_id"), str)]
        headers = self.orchestrator.store.get_many(ids)
        channels = self.store.get_many(ids)
        threshold = self.orchestrator.settings.policy.sentiment_trend_threshold
        annotated: list[dict[str, Any]] = []
        for item in items:
            cid = item.get("conversation_id")
            header = headers.get(cid) if isinstance(cid, str) else None
            web = channels.get(cid) if isinstance(cid, str) else None
            scores = sentiment_scores(header.state) if header else ()
            # The trend of the readings shown beside it (the hand-off's own is from when it was made).
            mood = trend(scores, threshold=threshold) or item.get("sentiment_trend")
            left = web is not None and web.state == "ended" and item.get("status") in ("queued", "claimed")
            annotated.append(
                {**item, "sentiment": [round(s, 3) for s in scores], "sentiment_trend": mood, "customer_left": left}
            )
        return annotated

    def _brief_assistant(self, conversation_id: str, agent: str) -> None:
        """Tell the assistant, in its own memory, what was said while the human held the conversation."""
        events = self.store.events(conversation_id, kinds=("escalated", "customer_message", "agent_message"))
        start = max((i for i, e in enumerate(events) if e.kind == "escalated"), default=-1)
        lines = [
            f"{'Customer' if e.kind == 'customer_message' else 'Agent'}: {e.body}"
            for e in events[start + 1 :]
            if e.kind != "escalated"
        ]
        said = "\n".join(lines[-20:]) or "(nothing)"
        note = f"[A human agent, {agent}, handled the conversation and has handed it back to me. Meanwhile:\n{said}]"
        store = self.orchestrator.store
        store.append(conversation_id, store.next_turn(conversation_id), [_assistant_note(note)])

    async def _console(self, tool: str, **arguments: object) -> dict[str, Any]:
        """Call one of the escalation server's console tools; tool refusals become `conflict`/`not_found`."""
        if self.escalation_server is None:
            raise WebError("unavailable", "No escalation server is configured.")
        try:
            result = await self.orchestrator.registry.call_hidden(self.escalation_server, tool, arguments)
        except UnknownToolError as exc:
            raise WebError("unavailable", f"The escalation server does not offer {tool}.") from exc
        except (ServerUnavailableError, ToolCallFailedError) as exc:
            logger.warning("console call %s failed: %s", tool, type(exc).__name__)
            raise WebError("unavailable", "The escalation server is unavailable; try again shortly.") from exc
        if result.is_error:
            message = _text_of(result) or "The escalation server refused the request."
            invalid = "validation error" in message.lower()
            missing = tool == "get_handoff" or "no handoff" in message.lower()
            code: ErrorCode = "invalid_request" if invalid else "not_found" if missing else "conflict"
            raise WebError(code, message)
        return cast(dict[str, Any], result.structured_content or {})


@dataclass(frozen=True)
class Accepted:
    """A customer message recorded by `HelpDesk.accept`, for `HelpDesk.turn`."""

    conv: WebConversation
    text: str
    """The cleaned message."""
    start: TurnStart | None
    """What the bot turn starts from, read with the turn slot (None: a message for a human agent)."""
    slot: TurnSlot
    """The take of the conversation's turn slot: what the turn's end frees (and nothing a later take wrote)."""


def _assistant_note(text: str) -> Any:
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}
