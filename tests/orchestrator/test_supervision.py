"""Connection supervision: deaths and freezes noticed at once, background reconnects, safe retries, the breaker."""

import signal
from typing import Any

import anyio
import pytest
from mcp.server import MCPServer
from mcp.types import INVALID_PARAMS, CallToolResult, TextContent, ToolAnnotations

import orchestrator.registry._connection as connection_module
from orchestrator.registry._breaker import CircuitBreaker
from orchestrator.registry.registry import (
    CallInterruptedError,
    CircuitOpenError,
    ServerHealth,
    ServerRegistry,
    ToolCallFailedError,
)
from orchestrator.settings import ServerConfig

from .vendor import rendezvous, signal_quietly, vendor_stdio

pytestmark = pytest.mark.anyio

READ = ToolAnnotations(read_only_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True)


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


def health_of(registry: ServerRegistry, name: str) -> ServerHealth:
    return next(h for h in registry.health() if h.name == name)


async def pid_of(registry: ServerRegistry) -> int:
    result = (await registry.call("whoami", {})).structured_content
    assert result is not None
    return int(result["result"])


def memory(name: str, **kwargs: Any) -> ServerConfig:
    return ServerConfig(name=name, command="in-memory", **kwargs)


def desk_server(stalled: list[str]) -> MCPServer:
    server = MCPServer("desk", log_level="WARNING")
    never = anyio.Event()

    @server.tool(annotations=WRITE)
    def open_ticket(subject: str) -> str:
        """Open a ticket."""
        return f"ticket about {subject}"

    @server.tool(annotations=READ)
    async def stall() -> str:
        """Wait for something that never happens."""
        stalled.append("called")
        await never.wait()
        return "unreachable"

    return server


# -- pure: the breaker --------------------------------------------------------------------------------------


def test_the_breaker_opens_after_consecutive_timeouts_and_one_probe_decides() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown_s=30)
    assert breaker.admit(0) is None and breaker.timed_out(1) is False
    breaker.succeeded()  # an answer in between resets the count
    assert breaker.timed_out(2) is False and breaker.timed_out(3) is True
    assert breaker.state(4) == "open" and breaker.admit(4) == 29
    assert breaker.state(33) == "half-open"
    assert breaker.admit(33) is None  # the probe
    assert breaker.admit(33) == 0.0 and breaker.state(33) == "open"  # only one probe at a time
    assert breaker.timed_out(40) is True  # the probe timed out: open again for a full cool-down
    assert breaker.admit(41) == 29
    assert breaker.admit(70) is None
    breaker.abandoned()  # the probe ended without an answer: the next call probes
    assert breaker.admit(70) is None
    breaker.succeeded()
    assert (breaker.state(71), breaker.admit(71)) == ("closed", None)


# -- in memory: start-up retries, timeouts and the breaker ---------------------------------------------------


async def test_a_server_down_at_start_keeps_being_retried_and_its_tools_join_the_catalog() -> None:
    stalled: list[str] = []
    desk = desk_server(stalled)
    attempts: list[int] = []

    def flaky() -> MCPServer:
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("backend not ready")
        return desk

    config = memory("desk", reconnect_backoff_s=0.01)
    with anyio.fail_after(10):
        async with ServerRegistry([config], targets={"desk": flaky}) as registry:
            assert registry.tools() == []
            await registry.wait_for("desk", "connected")
            assert [t["name"] for t in registry.tools()] == ["open_ticket", "stall"]
            assert health_of(registry, "desk") == ServerHealth("desk", "memory", "connected", 2, (), None, 2)
            assert text(await registry.call("open_ticket", {"subject": "late"})) == "ticket about late"


async def test_per_tool_timeouts_and_the_breaker_fail_fast_until_a_fresh_connect() -> None:
    stalled: list[str] = []
    desk = desk_server(stalled)
    config = memory("desk", tool_timeouts_s={"stall": 0.2}, breaker_cooldown_s=600)
    with anyio.fail_after(20):
        async with ServerRegistry([config], targets={"desk": lambda: desk}) as registry:
            for _ in range(2):
                with pytest.raises(Exception, match=r"no answer within 0\.2 s"):
                    await registry.call("stall", {})
            assert len(stalled) == 2 and health_of(registry, "desk").circuit == "open"
            with pytest.raises(CircuitOpenError, match="paused for about 600 s; nothing was sent") as caught:
                await registry.call("open_ticket", {"subject": "x"})
            assert caught.value.server == "desk" and len(stalled) == 2
            await registry.reconnect("desk")  # a fresh handshake and listing is a successful probe
            assert health_of(registry, "desk").circuit == "closed"
            assert text(await registry.call("open_ticket", {"subject": "y"})) == "ticket about y"


# -- stdio: a third-party server in a real subprocess --------------------------------------------------------


@pytest.mark.e2e
async def test_a_killed_idle_server_is_noticed_at_once_and_a_write_waits_for_the_reconnect() -> None:
    with anyio.fail_after(60):
        async with ServerRegistry([vendor_stdio(reconnect_wait_s=30)]) as registry:
            first = await pid_of(registry)
            signal_quietly(first, signal.SIGKILL)
            with anyio.fail_after(5):
                await registry.wait_for("vendor", "failed")
            assert "closed the connection" in (health_of(registry, "vendor").last_error or "")
            # Known down: the write is held until the supervisor has a fresh child, then runs exactly once there.
            assert text(await registry.call("record", {"note": "refund issued"})) == "recorded 13 characters"
            second = await pid_of(registry)
            assert second != first
            assert health_of(registry, "vendor").reconnects == 1


@pytest.mark.e2e
async def test_a_write_in_flight_when_the_server_dies_is_not_retried_but_a_read_is() -> None:
    with anyio.fail_after(60):
        async with rendezvous() as spot, ServerRegistry([vendor_stdio(reconnect_wait_s=30)]) as registry:
            outcome: list[BaseException | str] = []

            async def call(tool: str) -> None:
                try:
                    outcome.append(text(await registry.call(tool, {"port": spot.port})))
                except CallInterruptedError as exc:
                    outcome.append(exc)

            async with anyio.create_task_group() as tg:
                tg.start_soon(call, "hold_write")
                signal_quietly(await spot.arrived(), signal.SIGKILL)
            assert isinstance(outcome[0], CallInterruptedError) and "may or may not have run" in str(outcome[0])

            async with anyio.create_task_group() as tg:
                tg.start_soon(call, "hold_read")
                signal_quietly(await spot.arrived(), signal.SIGKILL)
                await spot.arrived()  # the same read, retried on the fresh child
                spot.release()
            assert outcome[1] == "released"
            assert health_of(registry, "vendor").reconnects == 2


@pytest.mark.e2e
async def test_a_frozen_server_is_found_by_the_heartbeat_and_replaced() -> None:
    with anyio.fail_after(60):
        async with ServerRegistry([vendor_stdio(reconnect_wait_s=30)]) as registry:
            frozen = await pid_of(registry)
            signal_quietly(frozen, signal.SIGSTOP)
            try:
                with anyio.fail_after(3):  # ping_interval_s 0.5 + ping_timeout_s 1.5, with a margin
                    await registry.wait_for("vendor", "failed")
                assert "heartbeat" in (health_of(registry, "vendor").last_error or "")
                assert await pid_of(registry) != frozen  # the call waited for a fresh child
            finally:
                signal_quietly(frozen, signal.SIGKILL)


@pytest.mark.e2e
async def test_an_argument_the_client_cannot_send_is_refused_and_leaves_the_connection_up() -> None:
    # A lone surrogate has no UTF-8 form: written as it is, it broke the client's writer, dropped the connection
    # (and every call in flight on it) and restarted the server, and the write was reported as "may have run".
    with anyio.fail_after(60):
        async with ServerRegistry([vendor_stdio()]) as registry:
            first = await pid_of(registry)
            with pytest.raises(
                ToolCallFailedError, match=r"unpaired surrogate \(invalid Unicode\); nothing was sent"
            ) as refused:
                await registry.call("record", {"note": "refund \ud800 issued"})
            assert refused.value.code == INVALID_PARAMS
            with pytest.raises(ToolCallFailedError, match="unpaired surrogate"):
                await registry.call("record", {"note": "ok"}, meta={"switchboard/customer": "a\udc00@example.com"})
            assert text(await registry.call("record", {"note": "refund issued"})) == "recorded 13 characters"
            assert await pid_of(registry) == first
            assert (health_of(registry, "vendor").state, health_of(registry, "vendor").reconnects) == ("connected", 0)


async def test_a_busy_server_whose_pong_waits_behind_answered_calls_is_not_taken_for_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under load a pong can wait behind the calls (or our own busy loop): an answered call proves it alive."""
    first_ping, second_ping = anyio.Event(), anyio.Event()

    async def stuck_probe(_client: object) -> None:
        if first_ping.is_set():
            second_ping.set()
        first_ping.set()
        await anyio.sleep_forever()  # this ping's answer never comes back in time

    monkeypatch.setattr(connection_module, "_probe", stuck_probe)
    desk = desk_server([])
    config = memory("desk", ping_interval_s=0.05, ping_timeout_s=0.3)
    with anyio.fail_after(20):
        async with ServerRegistry([config], targets={"desk": lambda: desk}) as registry:
            await first_ping.wait()
            answered = await registry.call("open_ticket", {"subject": "late pong"})  # while the ping waits
            await second_ping.wait()  # the first ping timed out and the heartbeat went on
            assert not answered.is_error
            assert (health_of(registry, "desk").state, health_of(registry, "desk").reconnects) == ("connected", 0)
