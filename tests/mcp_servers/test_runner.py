"""The shared server command line: what happens between building a server and serving it."""

import argparse
import gc
from collections.abc import Iterator
from typing import cast

import pytest
from mcp.server import MCPServer

from mcp_servers._common.runner import run_server
from switchboard_common.storage import Database


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's own objects go back to the collector


class _Recorder:
    """Stands in for an MCPServer: records the collector's frozen count when serving starts."""

    frozen_when_served: int | None = None

    def run(self) -> None:
        self.frozen_when_served = gc.get_freeze_count()


@pytest.mark.usefixtures("unfrozen")
def test_the_start_up_heap_is_frozen_before_serving(sqlite_url: str) -> None:
    """Start-up objects live until exit: frozen, no full collection (nor the final one at exit) walks them."""
    recorder = _Recorder()

    def build(_db: Database, _args: argparse.Namespace) -> MCPServer:
        assert gc.get_freeze_count() == 0  # building still runs with every object collectable
        return cast(MCPServer, recorder)

    assert run_server("stub", build, ["--db", sqlite_url], {}) == 0
    assert recorder.frozen_when_served is not None and recorder.frozen_when_served > 1000
