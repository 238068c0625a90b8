"""build_app: the Starlette application of `switchboard serve` (pages, API, /metrics, /healthz)."""

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import TaskGroup
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..blocking import blocking
from ..errors import log_unexpected
from ..policy.approvals import ApprovalStore
from ..service import Orchestrator
from .agent_routes import agent_routes
from .agents import AgentDirectory
from .approvals import ApprovalDesk
from .chat_routes import chat_routes
from .desk import HelpDesk
from .errors import ErrorCode, WebError, error_response
from .hub import Hub
from .instances import Instance
from .security import AgentGate, Guard
from .store import WebStore
from .throttle import Throttle

__all__ = ["STATIC_DIR", "build_app"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
_HTTP_CODES: dict[int, ErrorCode] = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


class _Tasks:
    """The app's task group, open for the app's lifetime (turns run here, not in the request)."""

    def __init__(self) -> None:
        self.group: TaskGroup | None = None

    def spawn(self, fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
        if self.group is None:
            raise WebError("unavailable", "the server is starting or stopping")
        self.group.start_soon(fn)


def build_app(orchestrator: Orchestrator) -> Starlette:
    """The web surface over an open orchestrator (the caller owns its lifetime); prepares the `web_*` tables."""
    settings = orchestrator.settings
    store = WebStore(orchestrator.store.db)
    store.prepare()
    hub = Hub()
    instance = Instance(store.db, heartbeat_s=settings.web.turn_heartbeat_s, takeover_s=settings.web.turn_takeover_s)
    instance.register()
    desk = HelpDesk(orchestrator, store, hub, instance.owner)
    followed = ApprovalStore(orchestrator.store.db)
    followed.prepare()
    approvals = ApprovalDesk(desk, followed)
    tasks = _Tasks()
    throttle = Throttle(settings.web.rate_limits)
    agents = AgentDirectory(orchestrator.store.db)
    agents.prepare()
    gate = AgentGate(settings.agent_token, throttle, agents)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None]:
        async with anyio.create_task_group() as tg:
            tasks.group = tg
            tg.start_soon(instance.run)
            if approvals.refunds_server is not None:
                tg.start_soon(approvals.sweep, settings.web.approvals_sync_s)
            if not store.db.is_sqlite:
                tg.start_soon(hub.listen, store.db.url)
            try:
                yield
            finally:
                tasks.group = None
                tg.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):  # the turns were cancelled above: free their slots for other processes
            await blocking(instance.retire)

    def page(name: str) -> Callable[[Request], Awaitable[Response]]:
        async def serve_page(_request: Request) -> Response:
            return FileResponse(STATIC_DIR / name, media_type="text/html")

        return serve_page

    async def healthz(_request: Request) -> Response:
        # Supervision keeps these current: a dead child shows at once, a frozen one within ping interval + timeout.
        servers = [{"name": h.name, "state": h.state, "circuit": h.circuit} for h in orchestrator.registry.health()]
        status = "ok" if all(s["state"] == "connected" and s["circuit"] == "closed" for s in servers) else "degraded"
        return JSONResponse({"status": status, "servers": servers, "model": orchestrator.model.label})

    async def metrics(request: Request) -> Response:
        if not settings.web.public_metrics:
            await gate.require(request)
        if orchestrator.prometheus is None:
            raise WebError("not_found", "metrics are off (policies are not enabled)")
        return Response(orchestrator.prometheus.render(), media_type=CONTENT_TYPE_LATEST)

    async def on_web_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return error_response(exc)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "invalid_request")
        response = error_response(WebError(code, str(exc.detail), status=exc.status_code))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_error(_request: Request, exc: Exception) -> Response:
        log_unexpected(logger, "unhandled error in a web request", exc)
        return error_response(WebError("internal", "Something went wrong on our side."))

    routes = [
        Route("/", page("index.html")),
        Route("/agent", page("agent.html")),
        Route("/dashboard", page("dashboard.html")),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        *chat_routes(desk, spawn=tasks.spawn, keepalive_s=settings.web.keepalive_s, throttle=throttle),
        *agent_routes(desk, settings, gate, approvals),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            Guard,
            max_body_bytes=settings.web.max_body_bytes,
            allowed_origins=settings.web.allowed_origins,
            allowed_hosts=settings.web.allowed_hosts,
            routes=routes,
        )
    ]
    if settings.web.allowed_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.web.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "Content-Type",
                    "Authorization",
                    "X-Conversation-Secret",
                    "X-Agent-Name",
                    "Last-Event-ID",
                ],
            )
        )
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={WebError: on_web_error, HTTPException: on_http_error, Exception: on_error},
    )
    app.state.desk = desk
    app.state.hub = hub
    return app
