"""`/healthz` of `switchboard serve` reflects a dead or frozen child within 3 s, through the supervision heartbeat.

Also: a third-party server killed in the middle of a read and of a write over HTTP (the stdio cases are in
tests/orchestrator/test_supervision.py).
"""

import signal
import sys
from pathlib import Path
from typing import cast

import anyio
import httpx2 as httpx
import pytest

from orchestrator.registry.registry import CallInterruptedError, ServerRegistry
from orchestrator.settings import ServerConfig
from orchestrator.web import build_app
from tests.orchestrator.vendor import THIRD_PARTY, rendezvous, signal_quietly

from .harness import Fault, Transport, free_port, mesh, record, spawn

pytestmark = [pytest.mark.anyio, pytest.mark.faults, pytest.mark.e2e]


async def health(client: httpx.AsyncClient) -> dict[str, object]:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_healthz_shows_a_dead_or_frozen_child_within_three_seconds(tmp_path: Path, transport: Transport) -> None:
    db_url = f"sqlite:///{tmp_path / 'servers.db'}"
    faults: tuple[Fault, ...] = ("kill", "stop")
    with anyio.fail_after(90):
        async with mesh(tmp_path, transport, db_url) as m:
            app = build_app(m.orch)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
                for fault in faults:
                    assert (await health(client))["status"] == "ok"
                    pid = m.pid("refunds")
                    started = anyio.current_time()
                    signal_quietly(pid, signal.SIGKILL if fault == "kill" else signal.SIGSTOP)
                    if fault == "stop":
                        m.frozen.append(pid)
                    with anyio.fail_after(3):  # the requirement: a heartbeat, not the next tool call
                        await m.orch.registry.wait_for("refunds", "failed")
                    shown = await health(client)
                    noticed = anyio.current_time() - started
                    assert shown["status"] == "degraded"
                    assert {"name": "refunds", "state": "failed", "circuit": "closed"} in cast(
                        list[object], shown["servers"]
                    )
                    if transport == "http":
                        if fault == "stop":
                            signal_quietly(pid, signal.SIGCONT)
                        else:
                            m.http["refunds"].stop()
                            m.http["refunds"].start()
                    with anyio.fail_after(30):
                        await m.orch.registry.wait_for("refunds", "connected")
                    assert (await health(client))["status"] == "ok"
                    record({"healthz": f"{transport}-{fault}", "degraded_after_s": round(noticed, 3)})


@pytest.mark.parametrize("tool", ["hold_read", "hold_write"])
async def test_an_http_server_killed_mid_call_fails_a_write_cleanly_and_retries_a_read(tool: str) -> None:
    port = free_port()
    argv = [sys.executable, THIRD_PARTY, "--http", str(port)]
    processes = [spawn(argv)]
    config = ServerConfig(
        name="vendor",
        url=f"http://127.0.0.1:{port}/mcp",
        reconnect_backoff_s=0.1,
        reconnect_backoff_max_s=1,
        reconnect_wait_s=30,
    )
    outcome: list[object] = []
    try:
        with anyio.fail_after(60):
            async with rendezvous() as spot, ServerRegistry([config]) as registry:
                await registry.wait_for("vendor", "connected")

                async def call() -> None:
                    try:
                        outcome.append(await registry.call(tool, {"port": spot.port}))
                    except CallInterruptedError as exc:
                        outcome.append(exc)

                async with anyio.create_task_group() as tg:
                    tg.start_soon(call)
                    signal_quietly(await spot.arrived(), signal.SIGKILL)
                    processes.append(spawn(argv))
                    if tool == "hold_read":
                        await spot.arrived()  # the read, retried on the restarted server
                        spot.release()
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
    if tool == "hold_write":
        assert isinstance(outcome[0], CallInterruptedError)
    else:
        assert not isinstance(outcome[0], BaseException)
