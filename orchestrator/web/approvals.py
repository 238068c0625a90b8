"""The console's refund approvals: what waits for a decision, and approving or rejecting it.

The refunds server owns the refunds and decides through its agent tools (hidden from the customer-facing model);
this module calls them, remembers the decision in the orchestrator's `ApprovalStore` (for the KPIs) and posts it
to the customer's conversation: live in the web chat, in the web transcript, and in the assistant's memory, which
is also what `switchboard chat --conversation ID` shows when the customer comes back. A decision taken in another
MCP client is caught up the same way (`sync`: on every console listing, dashboard load and a periodic sweep).
"""

import logging
import re
from datetime import datetime
from typing import Any, cast

import anyio
from mcp.types import INVALID_PARAMS, TextContent

from ..blocking import blocking
from ..errors import ServerUnavailableError, log_unexpected
from ..policy.approvals import REFUND_TOOL, ApprovalLink, ApprovalStore, PendingApproval
from ..policy.pii import mask
from ..registry.registry import ToolCallFailedError, UnknownToolError
from .desk import HelpDesk
from .errors import ErrorCode, WebError
from .inputs import safe_text

__all__ = ["DECISION_KIND", "ApprovalDesk", "REFUND_ID"]

logger = logging.getLogger(__name__)

REFUND_ID = re.compile(r"^RF-[0-9A-F]{12}$")
CATCH_UP_LIMIT = 50
"""At most this many followed refunds missing from the pending list are looked up per sync."""
DECISION_KIND = "system_message"
"""Decisions are system messages of the conversation (marked with their `refund_id`)."""


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class ApprovalDesk:
    """Refund approvals for the console, next to the `HelpDesk` whose stores and hub it shares."""

    def __init__(self, desk: HelpDesk, approvals: ApprovalStore) -> None:
        """Decide through the server offering `process_refund`; follow the decisions in `approvals`."""
        self.desk = desk
        self.approvals = approvals
        route = desk.orchestrator.registry.route(REFUND_TOOL)
        self.refunds_server = route.server if route is not None else None

    async def pending(self) -> dict[str, Any]:
        """The refunds awaiting approval (oldest first), each with its conversation and hand-off when known.

        Decisions taken outside this console since the last look are caught up first (see `sync`).
        """
        listed = await self._call("list_pending_refunds", limit=100)
        items = cast(list[dict[str, Any]], listed.get("items", []))
        links = await blocking(self._links, items)
        await self._catch_up({i["refund_id"] for i in items})
        shown = [
            {
                **item,
                "conversation_id": link.conversation_id if link else None,
                "handoff_id": link.handoff_id if link else None,
            }
            for item in items
            for link in [links.get(item["refund_id"])]
        ]
        return {"total": listed.get("total", len(items)), "items": shown}

    def _links(self, items: list[dict[str, Any]]) -> dict[str, ApprovalLink]:
        links = self.approvals.get_many([i["refund_id"] for i in items])
        for item in items:  # requests made elsewhere (another MCP client) still count in the KPIs once seen here
            if item["refund_id"] not in links:
                approval = _approval(item)
                self.approvals.record_request(
                    approval, conversation_id=None, handoff_id=None, at=_at(item["requested_at"])
                )
        return links

    async def sync(self) -> None:
        """Catch up on the refunds server: record requests made elsewhere, and post decisions taken elsewhere.

        A support team may decide in any MCP client (`approve_refund` / `reject_refund`); this console then still
        tells the customer, returns the hand-off and counts the decision in the KPIs, once.

        Raises:
            WebError: `unavailable` when the refunds server cannot list the pending refunds.
        """
        await self.pending()

    async def sweep(self, every_s: float) -> None:
        """`sync` every `every_s` seconds until cancelled, so a customer hears of a decision with no console open."""
        while True:
            await anyio.sleep(every_s)
            try:
                await self.sync()
            except WebError as exc:
                logger.info("refund approvals sync skipped: %s", exc.code)
            except Exception as exc:  # a background boundary: one failed sync must not stop the app
                log_unexpected(logger, "refund approvals sync failed", exc)

    async def _catch_up(self, waiting: set[str]) -> None:
        """Post the decisions on refunds this orchestrator follows that are no longer pending on the server."""
        stale = await blocking(self.approvals.undecided, besides=waiting, limit=CATCH_UP_LIMIT)
        for refund_id in stale:
            try:
                state = await self._call("get_refund", refund_id=refund_id)
            except WebError as exc:
                logger.warning("catching up on a refund decision failed: %s", exc.code)
                if exc.code == "not_found":  # unknown to the refunds server: nothing will ever be decided
                    continue
                return  # an older refunds server without get_refund, or it is down: the next sync tries again
            decision = state.get("decision")
            if isinstance(decision, dict):
                await self._announce(cast(dict[str, Any], decision))

    async def decide(self, refund_id: str, agent: str, *, approve: bool, reason: object = None) -> dict[str, Any]:
        """Approve or reject; the customer's conversation is told once, whichever agent or process decided.

        Raises:
            WebError: `invalid_request` (no reason to reject, or one the server refuses), `not_found`, `conflict`
                (decided the other way, or the order changed) or `unavailable`.
        """
        if approve:
            decision = await self._call("approve_refund", refund_id=refund_id, agent=agent)
        else:
            if not isinstance(reason, str) or not reason.strip():
                raise WebError("invalid_request", "reason: say why the refund is rejected")
            reason = safe_text(reason.strip(), "reason")  # a lone surrogate cannot even be sent to the server
            decision = await self._call("reject_refund", refund_id=refund_id, agent=agent, reason=reason)
        link = await self._announce(decision)
        posted = link is not None and link.conversation_id is not None
        return {**decision, "conversation_id": link.conversation_id if link else None, "posted": posted}

    async def _announce(self, decision: dict[str, Any]) -> ApprovalLink | None:
        """Record a decision once and tell the customer's conversation; None when it was already recorded.

        The hand-off is only a courtesy around the decision: if claiming or returning it fails (the escalation
        server is down, or the deciding agent's name is not one it accepts), the customer is still told.
        """
        with anyio.CancelScope(shield=True):  # recorded means announced: a cancelled request must not stop between
            return await self._announce_once(decision)

    async def _announce_once(self, decision: dict[str, Any]) -> ApprovalLink | None:
        link = await blocking(self._record, decision)
        if link is None or link.conversation_id is None:
            return link
        agent, refund_id = str(decision["decided_by"]), str(decision["refund_id"])
        waiting = await self._waiting_handoff(link.handoff_id)
        if waiting is not None:
            try:
                await self.desk.claim(waiting, agent)  # the customer sees who decided join the conversation
            except WebError as exc:
                logger.warning("claiming the hand-off of a decided refund failed: %s", exc.code)
                waiting = None
        await blocking(self._post, link.conversation_id, decision)
        self.desk.hub.wake(link.conversation_id)
        if waiting is not None:  # the approval was all the hand-off was for: back to the assistant
            note = f"Refund {refund_id} {decision['decision']} by {agent}."
            try:
                await self.desk.resolve(waiting, agent, "returned_to_bot", note)
            except WebError as exc:
                logger.warning("returning the hand-off of a decided refund failed: %s", exc.code)
        return link

    async def _waiting_handoff(self, handoff_id: str | None) -> str | None:
        """The approval's hand-off if no agent has taken it yet (an agent who has keeps the conversation)."""
        if handoff_id is None:
            return None
        try:
            handoff = await self.desk.handoff(handoff_id)
        except WebError:
            return None
        return handoff_id if handoff.get("status") == "queued" else None

    def _record(self, decision: dict[str, Any]) -> ApprovalLink | None:
        return self.approvals.record_decision(
            _approval(decision),
            requested_at=_at(decision["requested_at"]),
            decision=decision["decision"],
            agent=decision["decided_by"],
            at=_at(decision["decided_at"]),
            note=decision.get("rejection_reason"),
        )

    def _post(self, conversation_id: str, decision: dict[str, Any]) -> None:
        """The decision as the customer reads it: in the assistant's memory and, for web chats, the timeline."""
        text = mask(str(decision["message"]))
        store = self.desk.orchestrator.store
        if store.get(conversation_id) is not None:
            note = {"role": "assistant", "content": [{"type": "text", "text": text}]}
            store.append(conversation_id, store.next_turn(conversation_id), [cast(Any, note)])
        if self.desk.store.get(conversation_id) is not None:
            data = {"refund_id": decision["refund_id"], "decision": decision["decision"]}
            self.desk.store.update(conversation_id, events=[(DECISION_KIND, None, text, data)])

    async def _call(self, tool: str, **arguments: object) -> dict[str, Any]:
        """Call one of the refunds server's agent tools; refusals become `invalid_request`, `not_found`, `conflict`."""
        if self.refunds_server is None:
            raise WebError("unavailable", "No refunds server is configured.")
        registry = self.desk.orchestrator.registry
        try:
            result = await registry.call_hidden(self.refunds_server, tool, arguments)
        except UnknownToolError as exc:
            raise WebError(
                "unavailable",
                f"The refunds server ({self.refunds_server}) offers the console no {tool}: the server must have it, "
                f"and its block in the config must list it in hidden_tools (see docs/refund-approvals.md).",
            ) from exc
        except ToolCallFailedError as exc:
            if exc.code == INVALID_PARAMS:  # refused before anything was sent: the request itself is at fault
                raise WebError("invalid_request", "The request holds text that cannot be sent.") from exc
            logger.warning("approval call %s failed: %s", tool, type(exc).__name__)
            raise WebError("unavailable", "The refunds server is unavailable; try again shortly.") from exc
        except ServerUnavailableError as exc:
            logger.warning("approval call %s failed: %s", tool, type(exc).__name__)
            raise WebError("unavailable", "The refunds server is unavailable; try again shortly.") from exc
        if result.is_error:
            text = " ".join(c.text for c in result.content if isinstance(c, TextContent)).strip()
            message = text.removeprefix(f"Error executing tool {tool}: ") or "The refunds server refused the request."
            if "validation error" in message:
                raise WebError("invalid_request", _invalid_fields(message))
            code: ErrorCode = "not_found" if message.startswith("No refund ") else "conflict"
            raise WebError(code, message)
        return cast(dict[str, Any], result.structured_content or {})


def _approval(data: dict[str, Any]) -> PendingApproval:
    return PendingApproval(
        refund_id=str(data["refund_id"]),
        order_id=str(data["order_id"]),
        amount_cents=round(float(data["amount"]) * 100),
        currency=str(data["currency"]),
        reason=str(data["reason"]) if data.get("reason") else None,
    )


def _invalid_fields(message: str) -> str:
    """Pydantic's "N validation error(s) for ... / field / problem [type=...] / more info" as "field: problem"."""
    lines = message.splitlines()
    found = [
        f"{field.strip()}: {problem.split(' [type=', 1)[0].strip()}"
        for field, problem in zip(lines[1:], lines[2:], strict=False)
        if field and not field.startswith(" ") and problem.startswith("  ") and not problem.startswith("    ")
    ]
    return "; ".join(found) or message
