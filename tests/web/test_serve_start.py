"""`switchboard serve` at start: the classifiers load before any customer message needs them."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn

from orchestrator.cli.serve import bind, serve
from orchestrator.policy import warmup
from tests.orchestrator.support import settings_for


@pytest.mark.anyio
async def test_serve_loads_the_classifiers_at_start_without_a_customer_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cold process answered its first customer turns seconds late while the weights, lexicons and word counts
    # loaded; `serve` loads them in a worker thread as it starts. This process may have loaded them already
    # (another test): forget that, as in a fresh process.
    warmup._load_classifiers.cache_clear()  # pyright: ignore[reportPrivateUsage]
    loaded = anyio.Event()
    servers: list[uvicorn.Server] = []
    real_blocking = warmup.blocking

    async def blocking(func: Callable[[], Any], /) -> Any:  # the warm-up's worker-thread call, then a signal
        try:
            return await real_blocking(func)
        finally:
            loaded.set()

    class Recorded(uvicorn.Server):  # `serve` makes its own uvicorn.Server: keep it, to stop it cleanly
        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            servers.append(self)

    monkeypatch.setattr(warmup, "blocking", blocking)
    monkeypatch.setattr(uvicorn, "Server", Recorded)
    settings = settings_for(tmp_path, [])  # no MCP servers, the offline model
    with bind("127.0.0.1", 0) as sock:
        with anyio.fail_after(30):  # loading takes a second or two; a busy 2-core machine, more
            async with anyio.create_task_group() as tg:
                tg.start_soon(serve, settings, sock)
                await loaded.wait()
                assert warmup._load_classifiers.cache_info().currsize == 1  # pyright: ignore[reportPrivateUsage]
                (server,) = servers
                server.should_exit = True  # uvicorn finishes starting if it had not, then shuts down
    assert servers[0].started
