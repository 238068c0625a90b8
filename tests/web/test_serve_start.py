"""`switchboard serve` at start: the classifiers load before any customer message needs them."""

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn

from orchestrator.cli.serve import GC_GEN0_THRESHOLD, bind, serve, tune_collector
from orchestrator.policy import warmup
from tests.orchestrator.support import settings_for


@pytest.fixture
def collector() -> Iterator[None]:
    """The test process's collector as it was, afterwards (`serve` tunes it for a serving process)."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_tune_collector_freezes_what_exists_and_collects_the_young_less_often(collector: None) -> None:
    rest = gc.get_threshold()[1:]
    tune_collector()
    assert gc.get_freeze_count() > 10_000  # modules, classes, functions: at least the interpreter's own
    assert gc.get_threshold() == (GC_GEN0_THRESHOLD, *rest)


@pytest.mark.anyio
@pytest.mark.usefixtures("collector")
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
    assert gc.get_threshold()[0] == GC_GEN0_THRESHOLD  # tuned once the classifiers were in
    assert gc.get_freeze_count() > 0
