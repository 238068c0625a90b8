"""The web surface's outer guard: security headers, body limits and CSRF rules; agent authentication."""

import hmac
from collections.abc import Sequence

from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..blocking import blocking
from .agents import AGENT_NAME, AgentDirectory
from .errors import WebError, error_response
from .inputs import ascii_int
from .throttle import Throttle

__all__ = ["SECURITY_HEADERS", "AgentGate", "Guard", "agent_name", "client_address", "host_allowed"]

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard:
    """ASGI middleware applied to every HTTP request, outermost, so that refusals carry the headers too.

    - Adds `SECURITY_HEADERS` (and `Cache-Control: no-store` under `/api/`).
    - Refuses a `Host` not in `allowed_hosts` (421), against DNS rebinding, as the MCP servers do (`GET /healthz`
      excepted: probes from load balancers and Kubernetes name no host, or the pod's address).
    - Refuses bodies over `max_body_bytes` (413), by `Content-Length` and by counting what arrives.
    - A write to an API path whose route does not take that method is a 405 (with `Allow`), before the CSRF
      rules: API writes must be `application/json` (415), and a foreign `Origin` or `Sec-Fetch-Site:
      cross-site` is refused (403) unless the origin is in `allowed_origins`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        allowed_origins: Sequence[str] = (),
        allowed_hosts: Sequence[str] = ("*",),
        routes: Sequence[BaseRoute] = (),
    ) -> None:
        """Wrap `app`, whose `routes` tell which methods each API path takes."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.allowed_origins = frozenset(allowed_origins)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then run the app with a counting `receive` and a header-adding `send`."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope["path"]).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k not in headers]
                if api and "cache-control" not in headers:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await error_response(refusal)(scope, receive, send_with_headers)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise WebError("body_too_large", f"the request body is over {self.max_body_bytes} bytes")
            return message

        await self.app(scope, counting_receive, send_with_headers)

    def _refusal(self, scope: Scope) -> WebError | None:
        headers = Headers(scope=scope)
        # Health probes (a load balancer's check, a kubelet's httpGet) name no host or the pod's address; the
        # endpoint reads no secret and changes nothing, so it answers whatever the Host.
        probe = scope["path"] == "/healthz" and scope["method"] in ("GET", "HEAD")
        if not probe and not host_allowed(headers.get("host", ""), self.allowed_hosts):
            return WebError("misdirected_request", "this server does not answer for that host name")
        length = headers.get("content-length")
        if length is not None and ((size := ascii_int(length)) is None or size > self.max_body_bytes):
            return WebError("body_too_large", f"the request body is over {self.max_body_bytes} bytes")
        if scope["method"] not in _WRITES or not str(scope["path"]).startswith("/api/"):
            return None
        if (refusal := self._method_refusal(scope)) is not None:
            return refusal
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return WebError("unsupported_media_type", "send the body as application/json")
        origin = headers.get("origin")
        own = {f"http://{headers.get('host', '')}", f"https://{headers.get('host', '')}"}
        if origin is not None and origin not in own and origin not in self.allowed_origins:
            return WebError("cross_origin", "cross-origin writes are not allowed")
        if headers.get("sec-fetch-site") == "cross-site" and origin not in self.allowed_origins:
            return WebError("cross_origin", "cross-origin writes are not allowed")
        return None

    def _method_refusal(self, scope: Scope) -> WebError | None:
        """A 405 when some route has this path but none takes this method (None: let the app answer)."""
        allowed: set[str] = set()
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return None
            if match is Match.PARTIAL and isinstance(route, Route) and route.methods:
                allowed |= route.methods
        if not allowed:
            return None
        return WebError("method_not_allowed", "Method Not Allowed", headers={"Allow": ", ".join(sorted(allowed))})


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Whether a `Host` header names an allowed host: `name` (any port), `name:port`, or `*` (anything)."""
    if "*" in allowed:
        return True
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        name, port = name + "]", rest.removeprefix(":") if rest.startswith(":") else None
        if rest and port is None:
            return False
    else:
        name, sep, port_text = host.partition(":")
        port = port_text if sep else None
    if not name or (port is not None and ascii_int(port, max_digits=5) is None):
        return False
    return name in allowed or (port is not None and f"{name}:{port}" in allowed)


def client_address(request: Request) -> str:
    """The client's address (uvicorn takes it from `X-Forwarded-For` only for trusted proxies)."""
    return request.client.host if request.client is not None else "unknown"


class AgentGate:
    """Who is calling the console: the team token (name from `X-Agent-Name`) or a personal token (name from it).

    Whoever keeps sending wrong tokens from one address is slowed down by the throttle.
    """

    def __init__(self, token: SecretStr | None, throttle: Throttle, directory: AgentDirectory) -> None:
        """Accept the team `token` (None: no team token) and the personal tokens in `directory`."""
        self.token = token
        self.throttle = throttle
        self.directory = directory

    async def require(self, request: Request) -> str | None:
        """Check `Authorization: Bearer`; returns the agent of a personal token, None for the team token.

        Raises:
            WebError: `rate_limited` after too many failures from this address, `console_disabled` when neither
                a team token nor any personal token exists, `unauthorized` for a missing or wrong token,
                `forbidden` when `X-Agent-Name` names someone other than the personal token's agent.
        """
        client = client_address(request)
        self.throttle.check("agent_auth_failures", client)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        given = given.strip()
        if scheme.lower() == "bearer" and given:
            team = self.token.get_secret_value().encode() if self.token is not None else None
            if team is not None and hmac.compare_digest(given.encode(), team):
                return None
            name = await blocking(self.directory.find, given)
            if name is not None:
                claimed = request.headers.get("x-agent-name", "").strip()
                if claimed and claimed != name:
                    raise WebError("forbidden", f"This token belongs to {name}; sign in with that name.")
                return name
        if self.token is None and not await blocking(self.directory.any_active):
            raise WebError(
                "console_disabled",
                "The agent console is off: set SWITCHBOARD_AGENT_TOKEN (or web.agent_token_env), "
                "or add agents with `switchboard agents add NAME`.",
            )
        self.throttle.hit("agent_auth_failures", client)
        raise WebError("unauthorized", "a valid agent token is required")

    async def acting_agent(self, request: Request) -> str:
        """The agent making a change: the personal token's agent, or `X-Agent-Name` with the team token.

        Raises:
            WebError: as `require`, and `invalid_request` for a missing or malformed `X-Agent-Name`.
        """
        name = await self.require(request)
        return name if name is not None else agent_name(request)


def agent_name(request: Request) -> str:
    """The acting agent from `X-Agent-Name`.

    Raises:
        WebError: `invalid_request` when missing or malformed.
    """
    name = request.headers.get("x-agent-name", "").strip()
    if not AGENT_NAME.match(name):
        raise WebError("invalid_request", "X-Agent-Name: give your agent name (letters, digits, . _ @ + -)")
    return name
