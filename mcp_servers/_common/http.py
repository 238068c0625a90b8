"""Streamable HTTP for any server: stateless JSON at /mcp, GET /healthz, bearer auth, DNS-rebinding protection."""

import hmac
from collections.abc import Sequence

from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HttpConfigError", "build_http_app", "is_loopback"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class HttpConfigError(ValueError):
    """The HTTP settings are unsafe or incomplete."""


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    return host in _LOOPBACK or host.startswith("127.")


def build_http_app(
    server: MCPServer,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    allowed_hosts: Sequence[str] = (),
    allowed_origins: Sequence[str] = (),
) -> Starlette:
    """Wrap `server` as a stateless streamable-HTTP Starlette app.

    Binding beyond loopback requires a bearer token and an explicit allowed-hosts list, and DNS-rebinding
    protection stays on in every case. `GET /healthz` answers without a token so that orchestrators and
    load balancers can probe it; everything else needs `Authorization: Bearer <token>` when a token is set.
    """
    if not is_loopback(host):
        if not token:
            raise HttpConfigError(f"binding to {host} needs a bearer token (--token or SWITCHBOARD_MCP_TOKEN)")
        if not allowed_hosts:
            raise HttpConfigError(f"binding to {host} needs --allowed-host for every name clients use")
    hosts = list(allowed_hosts) or ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = list(allowed_origins) or ["http://127.0.0.1:*", "http://localhost:*"]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "server": server.name})

    app = server.streamable_http_app(stateless_http=True, json_response=True, transport_security=security, host=host)
    if token:
        app.add_middleware(_BearerAuth, token=token, open_paths=("/healthz",))
    return app


class _BearerAuth:
    """Refuse requests without the configured bearer token (constant-time compare)."""

    def __init__(self, app: ASGIApp, *, token: str, open_paths: Sequence[str]) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()
        self._open = tuple(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._open:
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if not hmac.compare_digest(given, self._expected):
            response = JSONResponse(
                {"error": "unauthorized", "detail": "missing or wrong bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="switchboard"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
