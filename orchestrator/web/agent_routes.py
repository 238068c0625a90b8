"""Human-agent and support-lead routes: the queue, handoffs, claim, reply, resolve, console events, dashboard."""

import logging
import re

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..blocking import blocking
from ..settings import Settings
from .approval_routes import approval_routes
from .approvals import ApprovalDesk
from .chat_routes import SSE_HEADERS, last_event_id, read_json
from .dashboard import dashboard_data
from .desk import HelpDesk
from .errors import WebError
from .inputs import ascii_int
from .security import AgentGate
from .sse import AGENT_KINDS, agent_view, event_stream

__all__ = ["agent_routes"]

logger = logging.getLogger(__name__)

DASHBOARD_SYNC_S = 2.0
"""The dashboard waits at most this long to catch up on refund decisions (a refunds server that is down)."""

_HANDOFF = re.compile(r"^HO-\d{6,12}$")


def agent_routes(
    desk: HelpDesk, settings: Settings, gate: AgentGate, approvals: ApprovalDesk | None = None
) -> list[Route]:
    """The console and dashboard API, bound to `desk`; every route passes the `gate` (the agent token).

    With `approvals`, the dashboard adds the refund approval KPIs and the refund approval routes are served.
    """

    def handoff_id(request: Request) -> str:
        value = str(request.path_params["hid"])
        if not _HANDOFF.match(value):
            raise WebError("not_found", "no such handoff")
        return value

    async def queue(request: Request) -> Response:
        await gate.require(request)
        return JSONResponse(await desk.queue())

    async def handoff(request: Request) -> Response:
        await gate.require(request)
        return JSONResponse(await desk.handoff(handoff_id(request)))

    async def claim(request: Request) -> Response:
        agent = await gate.acting_agent(request)
        hid = handoff_id(request)
        await read_json(request)
        return JSONResponse(await desk.claim(hid, agent))

    async def reply(request: Request) -> Response:
        agent = await gate.acting_agent(request)
        hid = handoff_id(request)
        body = await read_json(request)
        return JSONResponse(await desk.reply(hid, agent, body.get("text")))

    async def resolve(request: Request) -> Response:
        agent = await gate.acting_agent(request)
        hid = handoff_id(request)
        body = await read_json(request)
        return JSONResponse(await desk.resolve(hid, agent, body.get("outcome"), body.get("note")))

    async def events(request: Request) -> Response:
        await gate.require(request)
        resume = "last-event-id" in request.headers or "after" in request.query_params
        start = last_event_id(request) if resume else await blocking(desk.store.last_event_id)  # default: from now on
        stream = event_stream(
            desk.store,
            desk.hub,
            conversation_id=None,
            after=start,
            kinds=AGENT_KINDS,
            view=agent_view,
            keepalive_s=settings.web.keepalive_s,
        )
        return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)

    async def dashboard(request: Request) -> Response:
        await gate.require(request)
        days = ascii_int(request.query_params.get("days", "7"), max_digits=2)
        if days is None or not 1 <= days <= 90:
            raise WebError("invalid_request", "days: a whole number from 1 to 90")
        bucket = request.query_params.get("bucket", "day")
        if bucket not in ("hour", "day"):
            raise WebError("invalid_request", "bucket: 'hour' or 'day'")
        orchestrator = desk.orchestrator
        if approvals is not None:
            try:  # decisions taken in another MCP client count too; the KPIs still show if the server is away
                with anyio.move_on_after(DASHBOARD_SYNC_S):
                    await approvals.sync()
            except WebError as exc:
                logger.info("refund approvals sync skipped: %s", exc.code)
        data = await blocking(
            dashboard_data,
            orchestrator.kpi,
            orchestrator.store,
            days=days,
            bucket=bucket,
            approvals=approvals.approvals if approvals else None,
        )
        data["model"] = {"label": orchestrator.model.label, "offline": orchestrator.model.offline}
        return JSONResponse(data)

    return [
        Route("/api/agent/queue", queue, methods=["GET"]),
        Route("/api/agent/events", events, methods=["GET"]),
        Route("/api/agent/handoffs/{hid}", handoff, methods=["GET"]),
        Route("/api/agent/handoffs/{hid}/claim", claim, methods=["POST"]),
        Route("/api/agent/handoffs/{hid}/reply", reply, methods=["POST"]),
        Route("/api/agent/handoffs/{hid}/resolve", resolve, methods=["POST"]),
        Route("/api/dashboard", dashboard, methods=["GET"]),
        *(approval_routes(approvals, gate) if approvals is not None else []),
    ]
