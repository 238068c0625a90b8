"""`ServerRegistry`: connects every configured MCP server, names and routes their tools, and guards definitions."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self, cast

import anyio
from anyio.abc import TaskGroup
from mcp import Client, MCPError
from mcp.types import CONNECTION_CLOSED, INVALID_PARAMS, REQUEST_TIMEOUT, CallToolResult, RequestParamsMeta, Tool

from ..errors import (
    CallInterruptedError,
    CircuitOpenError,
    ConfigError,
    OrchestratorError,
    ServerUnavailableError,
    ToolCallFailedError,
    ToolWithheldError,
    UnknownToolError,
)
from ..settings import ServerConfig
from ._breaker import CircuitBreaker
from ._catalog import Catalog, ToolRoute
from ._connection import Connection, fingerprint
from ._health import ServerHealth, health_report
from ._sendable import unsendable
from ._targets import Target, TargetFactory, target_for

if TYPE_CHECKING:
    from anthropic.types import ToolParam

__all__ = [
    "CallInterruptedError",
    "CircuitOpenError",
    "ServerHealth",
    "ServerRegistry",
    "Target",
    "TargetFactory",
    "ToolCallFailedError",
    "ToolRoute",
    "ToolWithheldError",
    "UnknownToolError",
    "fingerprint",
    "target_for",
]

logger = logging.getLogger(__name__)

_NO_TOOL = Tool(name="hidden", input_schema={"type": "object"})
"""Stands in for a hidden tool's definition in the one-off route of `call_hidden`."""


_UNSENT, _LOST = "unsent", "lost"


class ServerRegistry:
    """Connects every enabled MCP server and exposes their tools to Claude under unique, safe names.

    Use as an async context manager. Each server's `mcp.Client` lives in its own task, so servers connect in
    parallel, close in any order, and reconnect independently. A supervisor task per server reconnects it in the
    background, with exponential back-off, whenever it is down (at start, after its process exits, or after a
    missed heartbeat); tools of a server that comes up join `tools()` at once. Tool definitions are fingerprinted:
    a definition that changes after the first discovery (a "rug pull") is withheld until an operator pins it.
    """

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        *,
        targets: Mapping[str, TargetFactory] | None = None,
        environ: Mapping[str, str] = os.environ,
        strict: bool = False,
        background: bool = False,
    ) -> None:
        """Prepare (but do not connect) the registry.

        Args:
            servers: The server configuration blocks; disabled ones are reported as stopped and never connected.
            targets: Per-server-name target factories overriding the configured command or URL (tests pass
                in-process servers this way).
            environ: Where `pass_env` variables and bearer tokens are read from.
            strict: Raise `ServerUnavailableError` on entry when any enabled server fails to connect.
            background: Return from `async with` at once and connect in the background (`settled()` waits for
                the first attempts): an interactive chat shows its prompt while the servers start.

        Raises:
            ConfigError: duplicate server names, a target for an unknown server, or a missing token variable.
            ValueError: `strict` and `background` together (a background start cannot fail on entry).
        """
        if strict and background:
            raise ValueError("ServerRegistry: `strict` needs the servers connected on entry; drop `background`")
        names = [s.name for s in servers]
        if len(set(names)) != len(names):
            raise ConfigError(f"server names must be unique; got {', '.join(names)}")
        overrides = dict(targets or {})
        if unknown := sorted(set(overrides) - set(names)):
            raise ConfigError(f"targets given for servers that are not configured: {', '.join(unknown)}")
        self._configs = list(servers)
        self._connections = {
            s.name: Connection(s, overrides.get(s.name) or target_for(s, environ)) for s in servers if s.enabled
        }
        self._breakers = {
            s.name: CircuitBreaker(s.breaker_timeouts, s.breaker_cooldown_s) for s in servers if s.enabled
        }
        self._strict = strict
        self._background = background
        self._settled = anyio.Event()
        self._catalog = Catalog()
        self._stack: AsyncExitStack | None = None
        self._tg: TaskGroup | None = None
        self._supervisors = anyio.CancelScope()

    async def __aenter__(self) -> Self:
        """Connect every enabled server concurrently, discover their tools, and start supervising them.

        Raises:
            ServerUnavailableError: with `strict=True`, when any enabled server fails to connect.
        """
        if self._stack is not None:
            raise RuntimeError("ServerRegistry is already entered")
        self._stack = AsyncExitStack()
        self._tg = await self._stack.enter_async_context(anyio.create_task_group())
        if self._background:
            self._tg.start_soon(self._supervise_all)  # which makes the first attempts first
            return self
        try:
            await self._first_attempts()
            failed = [c for c in self._connections.values() if c.state != "connected"]
            if self._strict and failed:
                others = f" (also unavailable: {', '.join(c.name for c in failed[1:])})" if failed[1:] else ""
                raise ServerUnavailableError(failed[0].name, f"{failed[0].last_error}{others}")
        except BaseException:
            await self._close()
            raise
        self._tg.start_soon(self._supervise_all)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop supervising and close every client (concurrently, in any order)."""
        await self._close()

    async def _close(self) -> None:
        stack, self._stack, self._tg = self._stack, None, None
        if stack is None:
            return
        self._supervisors.cancel()
        for conn in self._connections.values():
            conn.request_stop()
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as closers:
                for conn in self._connections.values():
                    closers.start_soon(conn.close)
        await stack.aclose()  # every client task has ended or is closing within its own bound
        for conn in self._connections.values():
            conn.state = "stopped"

    def tools(self) -> list[ToolParam]:
        """The tools to offer Claude now: hidden and withheld tools excluded, in config order then server order."""
        params: list[ToolParam] = []
        for route in self._catalog.routes.values():
            param: ToolParam = {"name": route.claude_name, "input_schema": dict(route.definition.input_schema)}
            if route.definition.description:
                param["description"] = route.definition.description
            params.append(param)
        return params

    def route(self, claude_name: str) -> ToolRoute | None:
        """Where `claude_name` leads, or None if no offered tool has that name."""
        return self._catalog.routes.get(claude_name)

    def fingerprints(self) -> dict[str, dict[str, str]]:
        """Server -> tool -> fingerprint of every tool last listed (withheld and hidden ones included), to pin."""
        return {name: dict(c.fingerprints) for name, c in self._connections.items() if c.baseline is not None}

    def health(self) -> list[ServerHealth]:
        """The state of every configured server, in config order (disabled servers read as stopped)."""
        now = anyio.current_time() if self._tg is not None else 0.0
        return health_report(self._configs, self._connections, self._breakers, self._catalog, now)

    async def wait_for(self, name: str, state: Literal["connected", "failed"]) -> None:
        """Return once server `name` is in `state` (callers bound the wait, e.g. with `anyio.fail_after`).

        Raises:
            ServerUnavailableError: no enabled server has this name.
        """
        conn = self._connection(name)
        while conn.state != state:
            await conn.changed.wait()

    async def call(
        self, claude_name: str, arguments: dict[str, object], *, meta: dict[str, object] | None = None
    ) -> CallToolResult:
        """Call a tool by its Claude-facing name.

        A call to a server known to be down waits up to `reconnect_wait_s` for the background reconnect. A call
        whose request provably never reached the server (its connection had already ended) is retried once; a
        read-only tool whose connection drops mid-call is retried once on the fresh connection; any other tool is
        never retried, because it may already have acted. After `breaker_timeouts` consecutive timeouts the
        server's calls fail fast (`CircuitOpenError`) for `breaker_cooldown_s`, then one probe call decides.

        Args:
            claude_name: The name from `tools()`.
            arguments: The tool's arguments (never logged).
            meta: Request `_meta` passed through to the server (e.g. trace ids).

        Returns:
            The server's result; tool failures arrive as `is_error=True` results, not exceptions.

        Raises:
            UnknownToolError: no offered tool has this name.
            ToolWithheldError: the tool's definition changed and is not accepted.
            ToolCallFailedError: the call timed out (`call_timeout_s` or the tool's `tool_timeouts_s`), the
                server answered with a JSON-RPC error, or an argument cannot be sent (`INVALID_PARAMS`, unsent).
            CircuitOpenError: the server's breaker is open; nothing was sent.
            CallInterruptedError: the connection dropped after the request was sent (it may have run).
            ServerUnavailableError: the server is down and did not come back in time; nothing was sent.
        """
        route = self._catalog.routes.get(claude_name)
        if route is None:
            raise self._unroutable(claude_name)
        conn = self._connections[route.server]
        breaker = self._breakers[route.server]
        if (wait := breaker.admit(anyio.current_time())) is not None:
            raise CircuitOpenError(route.server, wait)
        retried = False
        try:
            while True:
                route = await self._ready(conn, route)
                outcome = await self._attempt(conn, route, arguments, meta)
                if isinstance(outcome, CallToolResult):
                    breaker.succeeded()
                    return outcome
                if retried or not (outcome == _UNSENT or route.read_only):
                    raise CallInterruptedError(route.server, route.tool)
                retried = True
                logger.info("MCP server %r dropped a call to %r that is safe to retry; retrying", conn.name, route.tool)
        finally:
            breaker.abandoned()

    async def call_hidden(self, server: str, tool: str, arguments: dict[str, object]) -> CallToolResult:
        """Call one of `server`'s hidden tools for an operator (e.g. the human-agent console), never for the model.

        Only tools listed in the server's `hidden_tools` can be called this way, and never with a customer bound.
        The call is retried only when it provably never reached the server.

        Raises:
            UnknownToolError: the server is not configured, or `tool` is not one of its hidden tools.
            ToolCallFailedError: the call timed out, the server answered with a JSON-RPC error, or an argument
                cannot be sent.
            ServerUnavailableError: the server cannot be reached or dropped the call.
        """
        conn = self._connections.get(server)
        if conn is None or tool not in conn.config.hidden_tools:
            raise UnknownToolError(f"{server}.{tool}")
        for _ in range(2):
            await self._await_connected(conn)
            if tool not in conn.fingerprints:
                raise UnknownToolError(f"{server}.{tool}")
            route = ToolRoute(tool, server, tool, False, conn.fingerprints[tool], _NO_TOOL)
            outcome = await self._attempt(conn, route, arguments, None)
            if isinstance(outcome, CallToolResult):
                return outcome
            if outcome != _UNSENT:
                break
        raise CallInterruptedError(server, tool)

    async def reconnect(self, name: str) -> None:
        """Close and reconnect one server, then rediscover its tools (e.g. one that failed at start).

        Raises:
            ServerUnavailableError: the server is not configured and enabled, or it could not be connected.
        """
        conn = self._connection(name)
        async with conn.lock:
            await self._connect_and_discover(conn)

    async def refresh(self, name: str | None = None) -> None:
        """Re-list tools (every page) and re-check fingerprints; servers that are down are reconnected.

        Args:
            name: One server to refresh; all enabled servers when None.

        Raises:
            ServerUnavailableError: `name` is given and that server cannot be listed.
        """
        if name is not None:
            await self._refresh_one(self._connection(name))
            return
        async with anyio.create_task_group() as tg:
            for conn in self._connections.values():
                tg.start_soon(self._refresh_quietly, conn)

    # -- internals -------------------------------------------------------------------------------------------

    def _connection(self, name: str) -> Connection:
        conn = self._connections.get(name)
        if conn is None:
            raise ServerUnavailableError(name, "no enabled server has this name")
        return conn

    def _task_group(self) -> TaskGroup:
        if self._tg is None:
            raise RuntimeError("ServerRegistry must be used inside `async with`")
        return self._tg

    async def settled(self) -> None:
        """Return once every enabled server's first connection attempt has ended, connected or failed.

        Immediate unless the registry was opened with `background=True`.
        """
        await self._settled.wait()

    async def _first_attempts(self) -> None:
        async with anyio.create_task_group() as starters:
            for conn in self._connections.values():
                starters.start_soon(self._refresh_quietly, conn)  # not connected yet: connects
        self._settled.set()

    async def _supervise_all(self) -> None:
        with self._supervisors:
            if not self._settled.is_set():
                await self._first_attempts()
            async with anyio.create_task_group() as tg:
                for conn in self._connections.values():
                    tg.start_soon(conn.supervise, partial(self._connect_and_discover, conn))

    async def _await_connected(self, conn: Connection) -> None:
        """Wait (up to `reconnect_wait_s`) for a server that is down to be reconnected in the background."""
        if conn.up:
            return
        conn.wake.set()  # cut the supervisor's back-off short: someone is waiting
        wait = conn.config.reconnect_wait_s
        with anyio.move_on_after(wait):
            await conn.wait_connected()
        if not conn.up:
            if self._breakers[conn.name].timed_out(anyio.current_time()):
                logger.warning("MCP server %r: circuit breaker opened (it did not come back in time)", conn.name)
            raise ServerUnavailableError(
                conn.name, f"it is down and did not come back within {wait:g} s; nothing was sent"
            )

    async def _ready(self, conn: Connection, route: ToolRoute) -> ToolRoute:
        """Wait for `conn` if it is down, then find `route`'s tool again (a rediscovery may have withheld it)."""
        if conn.up:
            return route
        await self._await_connected(conn)
        for candidate in self._catalog.routes.values():
            if candidate.server == route.server and candidate.tool == route.tool:
                return candidate
        if route.tool in conn.withheld:
            raise ToolWithheldError(route.server, route.tool)
        raise UnknownToolError(route.claude_name)

    async def _refresh_quietly(self, conn: Connection) -> None:
        try:
            await self._refresh_one(conn)
        except ServerUnavailableError:
            pass  # recorded in conn.state/last_error and logged by Connection.fail

    async def _refresh_one(self, conn: Connection) -> None:
        async with conn.lock:
            client = conn.client
            if client is None:
                await self._connect_and_discover(conn)
                return
            try:
                await self._discover(conn, client)
            except ServerUnavailableError:
                await self._connect_and_discover(conn)

    async def _connect_and_discover(self, conn: Connection) -> None:
        """Connect `conn` afresh and list its tools; the caller holds `conn.lock`."""
        client = await conn.connect(self._task_group())
        await self._discover(conn, client)
        conn.mark_connected()
        if not conn.up:
            raise ServerUnavailableError(conn.name, conn.last_error or "")
        self._breakers[conn.name].succeeded()  # a fresh handshake and a full listing are a successful probe
        offered = len(self._catalog.of(conn.name))
        logger.info("MCP server %r connected over %s (%d tools offered)", conn.name, conn.transport, offered)

    async def _discover(self, conn: Connection, client: Client) -> None:
        await conn.discover(client)
        self._rebuild_routes()

    def _rebuild_routes(self) -> None:
        self._catalog.rebuild([(conn.config, conn.accepted) for conn in self._connections.values()])

    def _unroutable(self, claude_name: str) -> OrchestratorError:
        withheld = {name: conn.withheld for name, conn in self._connections.items()}
        found = self._catalog.withheld_match(claude_name, withheld)
        return ToolWithheldError(*found) if found is not None else UnknownToolError(claude_name)

    async def _attempt(
        self, conn: Connection, route: ToolRoute, arguments: dict[str, object], meta: dict[str, object] | None
    ) -> CallToolResult | str:
        """One call: the result, `_UNSENT` or `_LOST`.

        `_UNSENT`: the link had already ended when the request was written, so it never reached the server.
        `_LOST`: the link ended after the request was written. Either way the dead link is marked failed.
        Arguments the client could not serialise are refused first: sent, they would break the link for every call.
        """
        if (problem := unsendable(arguments, meta)) is not None:
            raise ToolCallFailedError(route.server, route.tool, f"{problem}; nothing was sent", code=INVALID_PARAMS)
        link = conn.link
        client = conn.client
        if link is None or client is None:
            return _UNSENT
        timeout = conn.config.timeout_for(route.tool)
        sent = anyio.current_time()
        try:
            result = await client.call_tool(
                route.tool,
                arguments,
                read_timeout_seconds=timeout,
                meta=cast(RequestParamsMeta, meta) if meta is not None else None,  # an open TypedDict of JSON
            )
            link.answered_at = anyio.current_time()  # alive, however late its pong (Connection._heartbeat)
            return result
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                if self._breakers[conn.name].timed_out(anyio.current_time()):
                    logger.warning("MCP server %r: circuit breaker opened after consecutive timeouts", conn.name)
                raise ToolCallFailedError(
                    route.server, route.tool, f"no answer within {timeout:g} s", code=exc.code
                ) from exc
            if exc.code != CONNECTION_CLOSED:
                link.answered_at = anyio.current_time()  # a refusal is an answer too
                raise ToolCallFailedError(
                    route.server, route.tool, f"the server refused the request (MCP error {exc.code})", code=exc.code
                ) from exc
        unsent = link.eof_at is not None and link.eof_at <= sent
        conn.lose(link, "the connection closed during a call")
        return _UNSENT if unsent else _LOST
