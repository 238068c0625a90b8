"""One MCP server connection: what `mcp.Client` connects to, and a Client owned by its own long-lived task."""

import hashlib
import json
import logging
import math
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal, cast

import anyio
from anyio.abc import TaskGroup, TaskStatus
from mcp import Client, MCPError, StdioServerParameters
from mcp.client import Transport
from mcp.client._transport import TransportStreams
from mcp.client.stdio import stdio_client
from mcp.shared.message import SessionMessage
from mcp.types import CONNECTION_CLOSED, Tool
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from ..errors import ServerUnavailableError
from ..settings import ServerConfig
from ._config_check import config_problems
from ._targets import Target, TargetFactory, TransportKind, transport_kind

__all__ = ["Connection", "ConnectionState", "Link", "describe_error", "fingerprint"]

logger = logging.getLogger(__name__)

ConnectionState = Literal["connected", "failed", "stopped"]

_CLOSE_TIMEOUT_S = 10.0
_MAX_PAGES = 1000


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in cast(BaseExceptionGroup[BaseException], exc).exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def _is_failure(exc: BaseException) -> bool:
    """An error to record (an `Exception`, or a group holding one), as opposed to cancellation or an interrupt."""
    return any(isinstance(leaf, Exception) for leaf in _leaves(exc))


def describe_error(exc: BaseException) -> str:
    """A one-line, readable account of a connection failure, with exception groups unwrapped."""
    parts: list[str] = []
    for leaf in _leaves(exc):
        if isinstance(leaf, anyio.get_cancelled_exc_class()):
            continue
        text = leaf.error.message if isinstance(leaf, MCPError) else str(leaf)
        part = f"{text} ({type(leaf).__name__})" if text else type(leaf).__name__
        if part not in parts:
            parts.append(part)
    return "; ".join(parts) or type(exc).__name__


async def _probe(client: Client) -> None:
    """The cheapest request a server must answer: `server/discover` (2026-07-28 protocol), else `ping`."""
    version = client.protocol_version
    if version in MODERN_PROTOCOL_VERSIONS:
        await client.session.send_discover(version)
    else:
        await client.session.send_ping()


def fingerprint(tool: Tool) -> str:
    """The sha256 of the canonical JSON of a tool's name, description, input schema and annotations."""
    annotations = (
        tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else None
    )
    canonical = json.dumps(
        [tool.name, tool.description, tool.input_schema, annotations],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _list_all_tools(client: Client) -> list[Tool]:
    tools: list[Tool] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_PAGES):
        page = await client.list_tools(cursor=cursor, cache_mode="refresh")
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None or cursor in seen:
            return tools
        seen.add(cursor)
    raise ValueError(f"tools/list did not end after {_MAX_PAGES} pages")


@asynccontextmanager
async def _eof_watched(inner: Transport, on_eof: Callable[[], None]) -> AsyncGenerator[TransportStreams]:
    """Relay `inner`'s read stream and call `on_eof` the moment it ends (a stdio child exited or closed stdout)."""
    async with inner as (read, write):
        send, receive = anyio.create_memory_object_stream[SessionMessage | Exception](16)

        async def relay() -> None:
            async with send:
                try:
                    async for item in read:
                        await send.send(item)
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return  # our own shutdown: the client closed its end first
            on_eof()

        async with anyio.create_task_group() as tg:
            tg.start_soon(relay)
            try:
                yield receive, write
            finally:
                tg.cancel_scope.cancel()


@dataclass(eq=False)
class Link:
    """One connect's client task: how to stop it, and what it has seen."""

    scope: anyio.CancelScope
    stop: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    client: Client | None = None
    eof_at: float | None = None
    """When the transport reported end of stream: a request written after that never reached the server."""
    lost: anyio.Event = field(default_factory=anyio.Event)
    """Set when the link is known dead (end of stream, a closed connection, or an unanswered heartbeat)."""
    answered_at: float | None = None
    """When the server last answered a tool call on this link: proof of life while a ping waits in line."""

    def mark_eof(self) -> None:
        """Record the end of the transport's stream, once."""
        if self.eof_at is None:
            self.eof_at = anyio.current_time()
        self.lost.set()


class Connection:
    """One server's `Client`, owned by its own task in the registry's task group, and the tools it lists.

    Each connect starts a fresh task (and a fresh target); closing sets an event that task waits on, so
    clients are entered and exited in their own tasks and can close in any order. While connected, the task
    watches the link: the end of the transport's stream (a stdio child that exited) or a heartbeat ping left
    unanswered for `ping_timeout_s` (a frozen server) marks the server failed at once, and the client is closed.
    Each discovery judges the listed definitions against the first one in this process and the configured pins.
    """

    def __init__(self, config: ServerConfig, factory: TargetFactory) -> None:
        self.config = config
        self.factory = factory
        self.state: ConnectionState = "stopped"
        self.last_error: str | None = None
        self.transport: TransportKind = "stdio" if config.command is not None else "http"
        self.attempts = 0
        """Connect attempts so far; every one after the first is a reconnect."""
        self.generation = 0
        """Bumped by every successful connect, so concurrent callers reconnect once, not once each."""
        self.lock = anyio.Lock()
        self.link: Link | None = None
        """The current client task (None before the first connect)."""
        self.changed = anyio.Event()
        """Set (and replaced) at every change of `state`."""
        self.wake = anyio.Event()
        """Set to cut the supervisor's back-off short (a caller is waiting for this server)."""
        self.stopping = False
        self.baseline: dict[str, str] | None = None
        """Fingerprints at the first discovery in this process."""
        self.accepted: list[tuple[Tool, str]] = []
        """Tools offered to the model, with their fingerprints, in the server's order."""
        self.withheld: tuple[str, ...] = ()
        self.fingerprints: dict[str, str] = {}
        """Every tool last listed (hidden and withheld ones included)."""

    @property
    def name(self) -> str:
        """The server's configured name."""
        return self.config.name

    @property
    def client(self) -> Client | None:
        """The connected client, or None while the server is down."""
        link = self.link
        return link.client if link is not None and self.state == "connected" else None

    @property
    def up(self) -> bool:
        """Whether the server is connected."""
        return self.state == "connected"

    @property
    def reconnects(self) -> int:
        """Connect attempts after the first one."""
        return max(0, self.attempts - 1)

    def _set_state(self, state: ConnectionState) -> None:
        self.state = state
        changed, self.changed = self.changed, anyio.Event()
        changed.set()

    async def supervise(self, reconnect: Callable[[], Awaitable[None]]) -> None:
        """Run `reconnect` (under `lock`) whenever the server is down, until `request_stop`.

        While it stays down the delay between attempts doubles up to `reconnect_backoff_max_s`; a set `wake` (a
        caller waiting for this server) cuts a delay short.
        """
        delay = self.config.reconnect_backoff_s
        while not self.stopping:
            if self.up:
                await self.changed.wait()
                continue
            try:
                async with self.lock:
                    if not self.up and not self.stopping:
                        await reconnect()
            except ServerUnavailableError:
                with anyio.move_on_after(delay):
                    await self.wake.wait()
                self.wake = anyio.Event()
                delay = min(delay * 2, self.config.reconnect_backoff_max_s)
            else:
                delay = self.config.reconnect_backoff_s

    async def wait_connected(self) -> None:
        """Return once the server is connected (callers bound the wait)."""
        while not self.up:
            await self.changed.wait()

    async def connect(self, tg: TaskGroup) -> Client:
        """Replace any current client with a new one started in a new task of `tg` (`mark_connected` follows).

        A link already known dead is abandoned to finish closing on its own (a frozen stdio child can take a few
        seconds to kill), so the new child starts at once; a live one is closed first.

        Returns:
            The connected client.

        Raises:
            ServerUnavailableError: the server could not be reached within `connect_timeout_s`.
        """
        if self.link is not None and self.link.lost.is_set():
            self.link.stop.set()
        else:
            await self.close()
        self.attempts += 1
        try:
            target = self.factory()
        except Exception as exc:  # a factory is user code: its failure is this server's failure, not the registry's
            error = describe_error(exc)
        else:
            self.transport = transport_kind(target)
            error = await tg.start(self._serve, target)
        link = self.link
        if error is not None or link is None or link.client is None:
            self.fail(error or "the connection closed while starting")
            raise ServerUnavailableError(self.name, self.last_error or "")
        self.generation += 1
        return link.client

    def mark_connected(self) -> None:
        """Declare the server usable (after its tools were listed), unless its link died meanwhile."""
        link = self.link
        if link is None or link.lost.is_set():
            self.fail("the connection closed while listing tools")
            return
        self.last_error = None
        self._set_state("connected")

    async def discover(self, client: Client) -> None:
        """List every page of tools and judge each definition.

        Raises:
            ServerUnavailableError: listing failed; the server is then marked failed and its client closed.
        """
        try:
            with anyio.fail_after(self.config.connect_timeout_s + self.config.call_timeout_s):
                tools = await _list_all_tools(client)
        except Exception as exc:  # a boundary: a server whose listing fails is down, the registry is not
            self.fail(f"listing tools failed: {describe_error(exc)}")
            await self.close()
            raise ServerUnavailableError(self.name, self.last_error or "") from exc
        self._judge(tools)

    def _judge(self, tools: Sequence[Tool]) -> None:
        """Accept a tool when it matches its pin, or (unpinned) the baseline; withhold and warn otherwise."""
        listed: dict[str, tuple[Tool, str]] = {}
        for tool in tools:
            if tool.name in listed:
                logger.warning("MCP server %r lists tool %r twice; keeping the first", self.name, tool.name)
                continue
            listed[tool.name] = (tool, fingerprint(tool))
        if self.baseline is None:  # the first listing in this process: check the block's tool names once
            for problem in config_problems(self.config, {name: tool for name, (tool, _) in listed.items()}):
                logger.warning("MCP server %r: %s", self.name, problem)
            self.baseline = {name: fp for name, (_, fp) in listed.items()}
        accepted: list[tuple[Tool, str]] = []
        withheld: list[str] = []
        for name, (tool, fp) in listed.items():
            if name in self.config.hidden_tools:
                continue
            pin = self.config.trusted_tools.get(name)
            expected = pin if pin is not None else self.baseline.get(name)
            if fp == expected:
                accepted.append((tool, fp))
                continue
            withheld.append(name)
            if name not in self.withheld:
                why = (
                    "does not match its pinned fingerprint"
                    if pin is not None
                    else "is new since the first discovery"
                    if expected is None
                    else "changed since the first discovery"
                )
                logger.warning(
                    "MCP server %r: tool %r withheld: its definition %s (fingerprint %s); pin it in "
                    "trusted_tools to accept it",
                    self.name,
                    name,
                    why,
                    fp,
                )
        self.accepted = accepted
        self.withheld = tuple(withheld)
        self.fingerprints = {name: fp for name, (_, fp) in listed.items()}

    def fail(self, error: str) -> None:
        """Record that the server is down (the client, if any, is closed separately with `close`)."""
        repeated = self.state == "failed" and self.last_error == error
        self.last_error = error
        self._set_state("failed")
        logger.log(logging.DEBUG if repeated else logging.WARNING, "MCP server %r is unavailable: %s", self.name, error)

    def lose(self, link: Link, error: str) -> None:
        """Mark `link` dead and, if it is still the current one, the server failed; its task then closes it."""
        link.lost.set()
        link.stop.set()
        if link is self.link and self.state == "connected" and not self.stopping:
            self.fail(error)

    async def close(self) -> None:
        """Stop the current client task, if any, and wait until it has exited (bounded)."""
        link = self.link
        if link is None:
            return
        link.stop.set()
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(_CLOSE_TIMEOUT_S):
                await link.done.wait()
            if not link.done.is_set():
                logger.warning("MCP server %r did not close in %.0f s; cancelling it", self.name, _CLOSE_TIMEOUT_S)
                link.scope.cancel()
                await link.done.wait()
        if self.state == "connected":
            self._set_state("stopped")

    def request_stop(self) -> None:
        """Ask the client task to exit without waiting (`close` waits); supervision stops for good."""
        self.stopping = True
        self.wake.set()
        if self.link is not None:
            self.link.stop.set()

    async def _serve(self, target: Target, *, task_status: TaskStatus[str | None]) -> None:
        link = Link(scope=anyio.CancelScope(deadline=anyio.current_time() + self.config.connect_timeout_s))
        self.link = link
        started = False
        error: str | None = None
        watched: Target = (
            _eof_watched(stdio_client(target), link.mark_eof) if isinstance(target, StdioServerParameters) else target
        )
        try:
            with link.scope:
                async with Client(watched, read_timeout_seconds=self.config.call_timeout_s) as client:
                    link.scope.deadline = math.inf  # the connect timeout covers the handshake only
                    link.client, started = client, True
                    task_status.started(None)
                    reason = await self._watch(link, client)
                    if reason is not None:
                        self.lose(link, reason)  # at once: closing a frozen child takes a while
            if link.scope.cancelled_caught and not started:
                error = f"no connection within {self.config.connect_timeout_s:g} s"
        except BaseException as exc:  # the task boundary: one server's failure must never cancel its siblings
            if not _is_failure(exc):
                raise
            error = describe_error(exc)
        finally:
            link.client = None
            link.lost.set()
            link.done.set()
        if not started:
            task_status.started(error or "the connection closed while starting")
        elif error is not None:
            self.lose(link, error)

    async def _watch(self, link: Link, client: Client) -> str | None:
        """Wait until the link is stopped (None) or found dead (the reason)."""
        reasons: list[str | None] = []
        async with anyio.create_task_group() as tg:

            async def finish(reason: str | None) -> None:
                reasons.append(reason)
                tg.cancel_scope.cancel()

            async def stopped() -> None:
                await link.stop.wait()
                await finish(None)

            async def ended() -> None:
                await link.lost.wait()
                await finish("the server closed the connection (its process exited or the stream ended)")

            async def heartbeat() -> None:
                await finish(await self._heartbeat(client, link))

            tg.start_soon(stopped)
            tg.start_soon(ended)
            tg.start_soon(heartbeat)
        return reasons[0] if reasons else None

    async def _heartbeat(self, client: Client, link: Link) -> str:
        """Ping every `ping_interval_s`; return why the server is considered dead.

        A ping unanswered for `ping_timeout_s` means a frozen server, unless the server answered a tool call
        meanwhile: under load the pong waits behind the calls (or our own busy loop), and the server is alive.
        """
        timeout = self.config.ping_timeout_s
        while True:
            await anyio.sleep(self.config.ping_interval_s)
            sent = anyio.current_time()
            try:
                with anyio.fail_after(timeout):
                    await _probe(client)
            except TimeoutError:
                if link.answered_at is not None and link.answered_at >= sent:
                    continue  # busy, not frozen
                return f"no answer to a heartbeat ping within {timeout:g} s"
            except MCPError as exc:
                if exc.code == CONNECTION_CLOSED:
                    return "the connection closed"
                # any other answer (even an error) shows the server is alive and reading
