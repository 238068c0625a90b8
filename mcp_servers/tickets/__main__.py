"""`python -m mcp_servers.tickets`: serve the support tickets over stdio or streamable HTTP."""

import argparse
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
from switchboard_common.storage import Database

from .server import create_server
from .store import TicketsStore


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate; seed the demo tickets into an empty store with `--demo`) and build the server."""
    store = TicketsStore(db)
    store.prepare(seed=args.demo)
    return create_server(store)


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.tickets ARGV` would serve, built in this process (the evals harness)."""
    return open_server("tickets", build, argv, environ)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return run_server("tickets", build, argv)


if __name__ == "__main__":
    sys.exit(main())
