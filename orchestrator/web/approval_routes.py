"""Console routes for refunds awaiting a human's approval: list, approve, reject (with a reason)."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .approvals import REFUND_ID, ApprovalDesk
from .chat_routes import read_json
from .errors import WebError
from .security import AgentGate

__all__ = ["approval_routes"]


def approval_routes(approvals: ApprovalDesk, gate: AgentGate) -> list[Route]:
    """`/api/agent/refunds...`, bound to `approvals`; every route passes the `gate` (the agent token)."""

    def refund_id(request: Request) -> str:
        value = str(request.path_params["rid"])
        if not REFUND_ID.match(value):
            raise WebError("not_found", "no such refund")
        return value

    async def pending(request: Request) -> Response:
        await gate.require(request)
        return JSONResponse(await approvals.pending())

    async def approve(request: Request) -> Response:
        agent = await gate.acting_agent(request)
        rid = refund_id(request)
        await read_json(request)
        return JSONResponse(await approvals.decide(rid, agent, approve=True))

    async def reject(request: Request) -> Response:
        agent = await gate.acting_agent(request)
        rid = refund_id(request)
        body = await read_json(request)
        return JSONResponse(await approvals.decide(rid, agent, approve=False, reason=body.get("reason")))

    return [
        Route("/api/agent/refunds", pending, methods=["GET"]),
        Route("/api/agent/refunds/{rid}/approve", approve, methods=["POST"]),
        Route("/api/agent/refunds/{rid}/reject", reject, methods=["POST"]),
    ]
