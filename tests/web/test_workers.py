"""`switchboard serve --workers 2`: two forked processes answer on one socket and stop together.

Real processes on 127.0.0.1 (no MCP servers, the offline model, a temp SQLite database). The parent reaps every
worker before it exits, so once it has exited no worker may be left.
"""

import os
import re
import signal
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2 as httpx
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


@asynccontextmanager
async def _two_workers(tmp_path: Path) -> AsyncGenerator[tuple[Process, str]]:
    config = tmp_path / "switchboard.toml"
    config.write_text(f'system_prompt_file = "{ROOT / "config" / "prompts" / "system.md"}"\nservers = []\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SWITCHBOARD_"))}
    env |= {"PYTHONUNBUFFERED": "1", "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'switchboard.db'}"}
    command = [sys.executable, "-m", "orchestrator", "--config", str(config), "--offline", "serve", "--port", "0"]
    stderr_path = tmp_path / "serve.stderr"
    with stderr_path.open("wb") as stderr:
        process = await anyio.open_process([*command, "--workers", "2"], env=env, cwd=ROOT, stderr=stderr)
    try:
        assert process.stdout is not None
        seen = ""
        with anyio.fail_after(90):
            async for chunk in TextReceiveStream(process.stdout):
                seen += chunk
                if len(SERVING.findall(seen)) == 2:
                    break
        urls = set(SERVING.findall(seen))
        assert len(urls) == 1, (seen, stderr_path.read_text(errors="replace")[-2000:])
        yield process, urls.pop()
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.fail_after(15):
            await process.wait()
        await process.aclose()


def _sockets(pid: int, port: int, state: str) -> set[int]:
    """Inodes of `pid`'s TCP sockets on local `port` in `state` (/proc/net/tcp: 0A listening, 01 established)."""
    owned: set[int] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            owned.add(int(target[8:-1]))
    found: set[int] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == state and int(fields[9]) in owned:
            found.add(int(fields[9]))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return ""


async def test_two_workers_share_the_socket_and_stop_on_sigterm(tmp_path: Path) -> None:
    async with _two_workers(tmp_path) as (process, url):
        workers = _children(process.pid)
        assert len(workers) == 2
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for _ in range(10):
                created = await client.post("/api/conversations", json={})
                assert created.status_code in (200, 201), created.text
        process.send_signal(signal.SIGTERM)
        with anyio.fail_after(20):
            assert await process.wait() == -signal.SIGTERM
        assert all(_state(pid) in ("", "Z") for pid in workers)


async def test_each_worker_listens_on_its_own_socket_and_gets_its_share_of_connections(tmp_path: Path) -> None:
    # On one shared listening socket, whichever worker woke first accepted a whole burst of connections (in the
    # load benchmark one worker did 2.7 times the other's work); SO_REUSEPORT sockets let the kernel spread them.
    async with _two_workers(tmp_path) as (process, url):
        port = int(url.rpartition(":")[2])
        workers = _children(process.pid)
        listening = [_sockets(pid, port, "0A") for pid in workers]
        assert all(len(inodes) == 1 for inodes in listening), listening
        assert listening[0] != listening[1]
        limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            async with anyio.create_task_group() as tg:
                for _ in range(40):  # 40 requests at once: 40 connections, kept open
                    tg.start_soon(client.get, "/healthz")
            accepted = [len(_sockets(pid, port, "01")) for pid in workers]
        assert sum(accepted) == 40, accepted
        assert min(accepted) > 0, accepted  # all 40 on one worker: a chance of 2 in 2^40 with an even spread


async def test_when_one_worker_dies_the_group_stops_with_its_status(tmp_path: Path) -> None:
    async with _two_workers(tmp_path) as (process, _url):
        first, second = _children(process.pid)
        os.kill(first, signal.SIGKILL)
        with anyio.fail_after(20):
            assert await process.wait() == 128 + signal.SIGKILL
        assert _state(second) in ("", "Z")


def _mapped(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build; serve uses asyncio's loop there")
async def test_workers_serve_on_uvloop_and_httptools(tmp_path: Path) -> None:
    # The C event loop and HTTP parser (about 1 ms of serve CPU per turn, docs/bench-web.md): their extension
    # modules are mapped in each serving process once it has answered a request.
    async with _two_workers(tmp_path) as (process, url):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            assert (await client.get("/healthz")).status_code == 200
        for pid in _children(process.pid):
            maps = _mapped(pid)
            assert re.search(r"/uvloop/loop\.cpython[^/\n]*\.so", maps), pid
            assert re.search(r"/httptools/parser/parser\.cpython[^/\n]*\.so", maps), pid
