"""A `serve` process killed mid-turn: another process takes the conversation over once the dead one is silent.

Real processes on 127.0.0.1: the first one runs a turn against a fake Claude API that holds the request open (so
the turn is provably in flight), and is killed with SIGKILL; the second one (offline model, same database) must
answer the conversation's next message within 30 s. Heartbeat and takeover times are shortened by config.
"""

import os
import re
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2 as httpx
import pytest
import uvicorn
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from orchestrator.cli.serve import bind
from tests.web.support import Customer, parse_sse

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
TAKEOVER_S = 3
SERVING = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")


class StuckModel:
    """A fake Messages API that never answers: every request is held open until the test ends."""

    def __init__(self) -> None:
        self.arrived = anyio.Event()
        self.release = anyio.Event()

    async def messages(self, _request: Request) -> Response:
        self.arrived.set()
        await self.release.wait()
        return Response(status_code=529)


@asynccontextmanager
async def _fake_api(model: StuckModel) -> AsyncGenerator[str]:
    app = Starlette(routes=[Route("/v1/messages", model.messages, methods=["POST"])])
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                yield f"http://127.0.0.1:{sock.getsockname()[1]}"
            finally:
                model.release.set()
                server.should_exit = True
    finally:
        sock.close()


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "switchboard.toml"
    path.write_text(
        f'system_prompt_file = "{ROOT / "config" / "prompts" / "system.md"}"\n'
        "servers = []\n"
        "[model]\nmax_retries = 0\n"
        f"[web]\nturn_heartbeat_s = 0.25\nturn_takeover_s = {TAKEOVER_S}\n"
    )
    return path


@asynccontextmanager
async def _serving(tmp_path: Path, api_url: str) -> AsyncGenerator[tuple[Process, str, str]]:
    """Two `switchboard serve --port 0` processes on one database, started together; yields the first process
    (on the fake Claude API) and both URLs. Both are stopped afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SWITCHBOARD_"))}
    env |= {"PYTHONUNBUFFERED": "1", "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'switchboard.db'}"}
    base = [sys.executable, "-m", "orchestrator", "--config", str(_config(tmp_path))]
    claude = env | {"ANTHROPIC_API_KEY": "sk-test-not-a-key", "ANTHROPIC_BASE_URL": api_url}
    processes: list[Process] = []
    urls: dict[int, str] = {}
    try:
        for n, (command, process_env) in enumerate(((base, claude), ([*base, "--offline"], env))):
            with (tmp_path / f"serve-{n}.stderr").open("wb") as stderr:
                processes.append(
                    await anyio.open_process(
                        [*command, "serve", "--port", "0"], env=process_env, cwd=ROOT, stderr=stderr
                    )
                )
        with anyio.fail_after(90):
            async with anyio.create_task_group() as tg:
                for n, process in enumerate(processes):
                    tg.start_soon(_read_url, process, urls, n, tmp_path / f"serve-{n}.stderr")
        yield processes[0], urls[0], urls[1]
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
            with anyio.fail_after(15):
                await process.wait()
            await process.aclose()


async def _read_url(process: Process, urls: dict[int, str], n: int, stderr: Path) -> None:
    assert process.stdout is not None
    seen = ""
    async for chunk in TextReceiveStream(process.stdout):
        seen += chunk
        if found := SERVING.search(seen):
            urls[n] = found.group(1)
            return
    said = (await anyio.Path(stderr).read_text(errors="replace"))[-2000:]
    raise AssertionError(f"serve {n} exited ({await process.wait()}) before serving: {seen!r}; stderr: {said!r}")


async def _say_until_accepted(client: httpx.AsyncClient, customer: Customer, text: str) -> list[int]:
    """Send `text`, honouring 409 + Retry-After as a client should; returns the Retry-After values met."""
    waits: list[int] = []
    while True:
        response = await client.post(f"{customer.path}/messages", json={"text": text}, headers=customer.headers)
        if response.status_code != 409:
            assert response.status_code == 200, response.text
            events = parse_sse(response.text)
            assert events[-1][0] == "done", events
            return waits
        assert response.json()["error"]["code"] == "conflict"
        waits.append(int(response.headers["retry-after"]))
        assert 1 <= waits[-1] <= TAKEOVER_S + 1
        await anyio.sleep(waits[-1])  # the server's own Retry-After: the dead owner's silence is what is awaited


async def test_a_conversation_whose_process_was_killed_mid_turn_is_taken_over(tmp_path: Path) -> None:
    model = StuckModel()
    async with _fake_api(model) as api_url, anyio.create_task_group() as tg:
        async with _serving(tmp_path, api_url) as (first, first_url, second_url):
            async with httpx.AsyncClient(base_url=first_url, timeout=30) as to_first:
                customer = Customer(to_first)
                await customer.start()
                lost: list[BaseException] = []
                cut_off = anyio.Event()

                async def in_flight() -> None:
                    try:
                        await to_first.post(
                            f"{customer.path}/messages", json={"text": "Where is my parcel?"}, headers=customer.headers
                        )
                    except httpx.HTTPError as exc:  # the process dies under it
                        lost.append(exc)
                    cut_off.set()

                tg.start_soon(in_flight)
                with anyio.fail_after(30):
                    await model.arrived.wait()  # the turn is in flight: the model request is being held

                async with httpx.AsyncClient(base_url=second_url, timeout=30) as to_second:
                    busy = await to_second.post(
                        f"{customer.path}/messages", json={"text": "Hello?"}, headers=customer.headers
                    )
                    assert busy.status_code == 409  # the first process is alive: its turn is respected

                    first.kill()  # SIGKILL: no cleanup, the turn slot stays taken in the database
                    with anyio.fail_after(15):
                        await first.wait()

                    customer.client = to_second
                    with anyio.fail_after(30):
                        waits = await _say_until_accepted(to_second, customer, "Hello, are you still there?")
                        await cut_off.wait()
                    transcript = await customer.transcript()

                    assert first.returncode is not None and first.returncode < 0
                    assert len(lost) == 1  # the customer of the killed process saw the connection drop
                    assert all(w <= TAKEOVER_S for w in waits)
                    said = [m["text"] for m in transcript["messages"] if m["role"] == "customer"]
                    assert said == ["Where is my parcel?", "Hello, are you still there?"]
                    assert transcript["messages"][-1]["role"] == "assistant"
