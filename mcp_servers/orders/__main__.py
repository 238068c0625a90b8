"""`python -m mcp_servers.orders`: serve the orders domain over stdio or streamable HTTP."""

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
from mcp_servers._common.shop import add_return_window
from switchboard_common.storage import Database

from .server import create_server
from .store import OrdersStore


def add_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str] = os.environ) -> None:
    """The orders server's own flag: the shop's return window (shared with the refunds server)."""
    add_return_window(parser, environ)


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate; seed the demo into an empty store with `--demo`) and build the server."""
    store = OrdersStore(db)
    store.prepare(seed=args.demo)
    return create_server(store, return_window_days=args.return_window_days)


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.orders ARGV` would serve, built in this process (the evals harness)."""
    return open_server("orders", build, argv, environ, lambda parser: add_arguments(parser, environ))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return run_server("orders", build, argv, extra=add_arguments)


if __name__ == "__main__":
    sys.exit(main())
