"""A server restarting on a current, seeded database only reads it: no migration, seed or sync takes the write lock.

Five servers start together on one SQLite file in `switchboard servers` and `switchboard chat`; every write
transaction (`BEGIN IMMEDIATE`) makes the others wait for it, so a start with nothing to change writes nothing.
"""

import argparse
import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import cast

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_servers._common.runner import parse_args
from switchboard_common.storage import Database
from tests.mcp_servers.sql_trace import statements, writes

pytestmark = pytest.mark.anyio

SERVERS = ("orders", "tickets", "faq", "refunds", "escalation")

Build = Callable[[Database, argparse.Namespace], MCPServer]


def _start(name: str, db: Database, environ: Mapping[str, str]) -> MCPServer:
    """Build `name` as `python -m mcp_servers.<name> --demo` does, on `db`."""
    entry = importlib.import_module(f"mcp_servers.{name}.__main__")
    extra = getattr(entry, "add_arguments", None)
    args = parse_args(name, ["--demo"], environ, None if extra is None else lambda parser: extra(parser, environ))
    return cast(Build, entry.build)(db, args)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.mark.parametrize("name", SERVERS)
async def test_a_restart_on_a_current_seeded_database_writes_nothing(name: str, database: Database) -> None:
    environ = dict(os.environ)
    with statements(database) as first:
        _start(name, database, environ)
    assert writes(first)  # the first start migrates (and seeds the demo)
    with statements(database) as again:
        server = _start(name, database, environ)
    assert again, "the restart checks the schema"
    assert writes(again) == []
    async with Client(server) as client:  # and it serves as before
        assert (await client.list_tools()).tools
