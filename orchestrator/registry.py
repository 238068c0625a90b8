"""`ServerRegistry`: connects every configured MCP server, names and routes their tools, and guards definitions."""

import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self, cast

import anyio
from anthropic.types import ToolParam
from anyio.abc import TaskGroup
from mcp import Client, MCPError
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT, CallToolResult, RequestParamsMeta, Tool

from ._connection import Connection, Target, TargetFactory, TransportKind, fingerprint, target_for
from .errors import ConfigError, OrchestratorError, ServerUnavailableError
from .settings import ServerConfig

__all__ = [
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

_CLAUDE_SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_UNSAFE_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64
_NO_TOOL = Tool(name="hidden", input_schema={"type": "object"})
"""Stands in for a hidden tool's definition in the one-off route of `call_hidden`."""


class UnknownToolError(OrchestratorError):
    """No connected server offers a tool by this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"there is no tool named {name!r}")
        self.name = name


class ToolWithheldError(OrchestratorError):
    """The tool's definition is not accepted (changed, new, or unlike its pin), so calls to it are refused."""

    def __init__(self, server: str, tool: str) -> None:
        super().__init__(
            f"tool {tool!r} of MCP server {server!r} is withheld: its definition changed since it was first seen "
            "(or it is new, or it does not match its pinned fingerprint). An operator must accept it by pinning "
            "its new fingerprint in the server's trusted_tools."
        )
        self.server = server
        self.tool = tool


class ToolCallFailedError(OrchestratorError):
    """A tool call failed at the protocol level (timeout or JSON-RPC error), not with an `is_error` result."""

    def __init__(self, server: str, tool: str, reason: str, *, code: int | None = None) -> None:
        super().__init__(f"the call to tool {tool!r} on MCP server {server!r} failed: {reason}")
        self.server = server
        self.tool = tool
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class ToolRoute:
    """Where a Claude-facing tool name leads."""

    claude_name: str
    """The name the model sees and calls."""
    server: str
    tool: str
    """The tool's own name on its server."""
    read_only: bool
    """The server annotates the tool `read_only_hint=True`, so a call may be retried after a reconnect."""
    fingerprint: str
    definition: Tool


@dataclass(frozen=True)
class ServerHealth:
    """One server's state, for operators and health endpoints."""

    name: str
    transport: TransportKind
    state: Literal["connected", "failed", "stopped"]
    tools: int
    """Tools offered to the model (hidden and withheld ones excluded)."""
    withheld: tuple[str, ...]
    """Tools refused because their definition differs from the accepted one."""
    last_error: str | None
    reconnects: int


def _hashed_name(stem: str, key: tuple[str, str], taken: set[str]) -> str:
    for salt in range(1000):
        digest = hashlib.sha256(f"{key[0]}\0{key[1]}\0{salt}".encode()).hexdigest()[:8]
        prefix = stem[: _MAX_NAME - len(digest) - 1]
        name = f"{prefix}_{digest}" if prefix else digest
        if name not in taken:
            return name
    raise AssertionError("unreachable: 1000 sha256 prefixes collided")


def _claude_names(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Give every (server, tool) a unique Claude-safe name; names that are safe and unique stay as they are."""
    counts = Counter(tool for _, tool in keys)
    bases = {key: key[1] if counts[key[1]] == 1 else f"{key[0]}__{key[1]}" for key in keys}
    names: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for key, base in bases.items():  # first pass: names that need no change win
        if _CLAUDE_SAFE.fullmatch(base) and base not in taken:
            names[key] = base
            taken.add(base)
    for key, base in bases.items():
        if key in names:
            continue
        cleaned = _UNSAFE_CHARS.sub("_", base)
        name = cleaned if cleaned and len(cleaned) <= _MAX_NAME and cleaned not in taken else None
        names[key] = name or _hashed_name(cleaned, key, taken)
        taken.add(names[key])
    return {key: names[key] for key in keys}


class ServerRegistry:
    """Connects every enabled MCP server and exposes their tools to Claude under unique, safe names.

    Use as an async context manager. Each server's `mcp.Client` lives in its own task, so servers connect in
    parallel, close in any order, and reconnect independently after a crash. Tool definitions are fingerprinted:
    a definition that changes after the first discovery (a "rug pull") is withheld until an operator pins it.
    """

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        *,
        targets: Mapping[str, TargetFactory] | None = None,
        environ: Mapping[str, str] = os.environ,
        strict: bool = False,
    ) -> None:
        """Prepare (but do not connect) the registry.

        Args:
            servers: The server configuration blocks; disabled ones are reported as stopped and never connected.
            targets: Per-server-name target factories overriding the configured command or URL (tests pass
                in-process servers this way).
            environ: Where `pass_env` variables and bearer tokens are read from.
            strict: Raise `ServerUnavailableError` on entry when any enabled server fails to connect.

        Raises:
            ConfigError: duplicate server names, a target for an unknown server, or a missing token variable.
        """
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
        self._strict = strict
        self._routes: dict[str, ToolRoute] = {}
        self._warned_collisions: set[tuple[str, ...]] = set()
        self._stack: AsyncExitStack | None = None
        self._tg: TaskGroup | None = None

    async def __aenter__(self) -> Self:
        """Connect every enabled server concurrently and discover their tools.

        Raises:
            ServerUnavailableError: with `strict=True`, when any enabled server fails to connect.
        """
        if self._stack is not None:
            raise RuntimeError("ServerRegistry is already entered")
        self._stack = AsyncExitStack()
        self._tg = await self._stack.enter_async_context(anyio.create_task_group())
        try:
            async with anyio.create_task_group() as starters:
                for conn in self._connections.values():
                    starters.start_soon(self._connect_quietly, conn)
            failed = [c for c in self._connections.values() if c.state != "connected"]
            if self._strict and failed:
                others = f" (also unavailable: {', '.join(c.name for c in failed[1:])})" if failed[1:] else ""
                raise ServerUnavailableError(failed[0].name, f"{failed[0].last_error}{others}")
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close every client (concurrently, in any order)."""
        await self._close()

    async def _close(self) -> None:
        stack, self._stack, self._tg = self._stack, None, None
        if stack is None:
            return
        for conn in self._connections.values():
            conn.request_stop()
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as closers:
                for conn in self._connections.values():
                    closers.start_soon(conn.close)
        await stack.aclose()  # every client task has ended, so the task group exits at once
        for conn in self._connections.values():
            conn.state = "stopped"

    def tools(self) -> list[ToolParam]:
        """The tools to offer Claude: hidden and withheld tools excluded, in config order then server order."""
        params: list[ToolParam] = []
        for route in self._routes.values():
            param: ToolParam = {"name": route.claude_name, "input_schema": dict(route.definition.input_schema)}
            if route.definition.description:
                param["description"] = route.definition.description
            params.append(param)
        return params

    def route(self, claude_name: str) -> ToolRoute | None:
        """Where `claude_name` leads, or None if no offered tool has that name."""
        return self._routes.get(claude_name)

    def fingerprints(self) -> dict[str, dict[str, str]]:
        """Server -> tool -> fingerprint of every tool last listed (withheld and hidden ones included), to pin."""
        return {name: dict(c.fingerprints) for name, c in self._connections.items() if c.baseline is not None}

    def health(self) -> list[ServerHealth]:
        """The state of every configured server, in config order (disabled servers read as stopped)."""
        report: list[ServerHealth] = []
        for config in self._configs:
            conn = self._connections.get(config.name)
            if conn is None:
                kind: TransportKind = "stdio" if config.command is not None else "http"
                report.append(ServerHealth(config.name, kind, "stopped", 0, (), None, 0))
                continue
            report.append(
                ServerHealth(
                    name=config.name,
                    transport=conn.transport,
                    state=conn.state,
                    tools=len(self._routes_of(conn)),
                    withheld=conn.withheld,
                    last_error=conn.last_error,
                    reconnects=conn.reconnects,
                )
            )
        return report

    async def call(
        self, claude_name: str, arguments: dict[str, object], *, meta: dict[str, object] | None = None
    ) -> CallToolResult:
        """Call a tool by its Claude-facing name, reconnecting its server first if it is down.

        A read-only tool whose connection drops mid-call is retried once on a fresh connection; any other tool
        is never retried, because it may already have acted.

        Args:
            claude_name: The name from `tools()`.
            arguments: The tool's arguments (never logged).
            meta: Request `_meta` passed through to the server (e.g. trace ids).

        Returns:
            The server's result; tool failures arrive as `is_error=True` results, not exceptions.

        Raises:
            UnknownToolError: no offered tool has this name.
            ToolWithheldError: the tool's definition changed and is not accepted.
            ToolCallFailedError: the call timed out (`call_timeout_s`) or the server answered with a JSON-RPC error.
            ServerUnavailableError: the server cannot be reached, or its connection dropped during a call that
                may have had effects.
        """
        route = self._routes.get(claude_name)
        if route is None:
            raise self._unroutable(claude_name)
        conn = self._connections[route.server]
        if conn.state != "connected" or conn.client is None:
            route = await self._revive(conn, route, conn.generation)
        generation = conn.generation
        result = await self._attempt(conn, route, arguments, meta)
        if result is not None:
            return result
        if not route.read_only:
            raise ServerUnavailableError(
                route.server,
                f"the connection was lost during the call to {route.tool!r}; the call may or may not have run, "
                "so it was not retried (the server is reconnected on the next call)",
            )
        logger.info("MCP server %r dropped a read-only call to %r; reconnecting and retrying", route.server, route.tool)
        route = await self._revive(conn, route, generation)
        result = await self._attempt(conn, route, arguments, meta)
        if result is None:
            raise ServerUnavailableError(route.server, f"the connection was lost again retrying {route.tool!r}")
        return result

    async def call_hidden(self, server: str, tool: str, arguments: dict[str, object]) -> CallToolResult:
        """Call one of `server`'s hidden tools for an operator (e.g. the human-agent console), never for the model.

        Only tools listed in the server's `hidden_tools` can be called this way, and never with a customer bound.
        The call is not retried.

        Raises:
            UnknownToolError: the server is not configured, or `tool` is not one of its hidden tools.
            ToolCallFailedError: the call timed out or the server answered with a JSON-RPC error.
            ServerUnavailableError: the server cannot be reached or dropped the call.
        """
        conn = self._connections.get(server)
        if conn is None or tool not in conn.config.hidden_tools:
            raise UnknownToolError(f"{server}.{tool}")
        if conn.state != "connected" or conn.client is None:
            async with conn.lock:
                if conn.state != "connected" or conn.client is None:
                    await self._connect_and_discover(conn)
        if tool not in conn.fingerprints:
            raise UnknownToolError(f"{server}.{tool}")
        route = ToolRoute(tool, server, tool, read_only=False, fingerprint=conn.fingerprints[tool], definition=_NO_TOOL)
        result = await self._attempt(conn, route, arguments, None)
        if result is None:
            raise ServerUnavailableError(server, f"the connection was lost during the call to {tool!r}")
        return result

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

    async def _connect_quietly(self, conn: Connection) -> None:
        try:
            async with conn.lock:
                await self._connect_and_discover(conn)
        except ServerUnavailableError:
            pass  # recorded in conn.state/last_error and logged by Connection.fail

    async def _refresh_quietly(self, conn: Connection) -> None:
        try:
            await self._refresh_one(conn)
        except ServerUnavailableError:
            pass  # recorded and logged

    async def _refresh_one(self, conn: Connection) -> None:
        async with conn.lock:
            client = conn.client
            if conn.state != "connected" or client is None:
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
        logger.info(
            "MCP server %r connected over %s (%d tools offered)", conn.name, conn.transport, len(self._routes_of(conn))
        )

    async def _discover(self, conn: Connection, client: Client) -> None:
        await conn.discover(client)
        self._rebuild_routes()

    def _rebuild_routes(self) -> None:
        entries = [
            (name, tool, fp)
            for name in self._connections  # config order
            for tool, fp in self._connections[name].accepted  # server order
        ]
        names = _claude_names([(server, tool.name) for server, tool, _ in entries])
        self._warn_collisions([(server, tool.name) for server, tool, _ in entries], names)
        routes: dict[str, ToolRoute] = {}
        for server, tool, fp in entries:
            claude_name = names[(server, tool.name)]
            read_only = bool(tool.annotations and tool.annotations.read_only_hint)
            routes[claude_name] = ToolRoute(claude_name, server, tool.name, read_only, fp, tool)
        self._routes = routes

    def _warn_collisions(self, keys: Sequence[tuple[str, str]], names: Mapping[tuple[str, str], str]) -> None:
        owners: dict[str, list[str]] = {}
        for server, tool in keys:
            owners.setdefault(tool, []).append(server)
        for tool, servers in owners.items():
            signature = (tool, *servers)
            if len(servers) > 1 and signature not in self._warned_collisions:
                self._warned_collisions.add(signature)
                logger.warning(
                    "tool name %r is offered by MCP servers %s; they are offered as %s",
                    tool,
                    " and ".join(repr(s) for s in servers),
                    ", ".join(names[(s, tool)] for s in servers),
                )

    def _routes_of(self, conn: Connection) -> list[ToolRoute]:
        return [route for route in self._routes.values() if route.server == conn.name]

    def _unroutable(self, claude_name: str) -> OrchestratorError:
        for server, conn in self._connections.items():
            for tool in conn.withheld:
                if claude_name in (tool, f"{server}__{tool}", _UNSAFE_CHARS.sub("_", tool)):
                    return ToolWithheldError(server, tool)
        return UnknownToolError(claude_name)

    async def _revive(self, conn: Connection, route: ToolRoute, seen: int) -> ToolRoute:
        """Reconnect `conn` unless another caller already has since `seen`, then find `route`'s tool again."""
        async with conn.lock:
            if conn.state != "connected" or conn.generation == seen:
                await self._connect_and_discover(conn)
        for candidate in self._routes.values():
            if candidate.server == route.server and candidate.tool == route.tool:
                return candidate
        if route.tool in conn.withheld:
            raise ToolWithheldError(route.server, route.tool)
        raise UnknownToolError(route.claude_name)

    async def _attempt(
        self, conn: Connection, route: ToolRoute, arguments: dict[str, object], meta: dict[str, object] | None
    ) -> CallToolResult | None:
        """One call; None when the connection was lost (the connection is then marked failed and closed)."""
        client = conn.client
        generation = conn.generation
        if client is None:
            return None
        try:
            return await client.call_tool(
                route.tool,
                arguments,
                read_timeout_seconds=conn.config.call_timeout_s,
                meta=cast(RequestParamsMeta, meta) if meta is not None else None,  # an open TypedDict of JSON
            )
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                raise ToolCallFailedError(
                    route.server,
                    route.tool,
                    f"no answer within {conn.config.call_timeout_s:g} s",
                    code=exc.code,
                ) from exc
            if exc.code != CONNECTION_CLOSED:
                raise ToolCallFailedError(
                    route.server, route.tool, f"the server refused the request (MCP error {exc.code})", code=exc.code
                ) from exc
        async with conn.lock:
            if conn.generation == generation and conn.state == "connected":
                conn.fail("the connection closed during a call")
                await conn.close()
        return None
