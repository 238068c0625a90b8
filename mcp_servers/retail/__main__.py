"""`python -m mcp_servers.retail`: serve the τ-bench retail domain over stdio or streamable HTTP."""

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
from switchboard_common.storage import Database

from ._seed import RetailDataError
from .server import create_server
from .store import RetailStore

DATA_ENV = "SWITCHBOARD_RETAIL_DATA"


def add_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str] = os.environ) -> None:
    """The retail server's own flag: where the τ-bench data is read from (benchmark data, never shipped)."""
    parser.add_argument(
        "--data",
        default=environ.get(DATA_ENV) or None,
        help=f"τ-bench retail data folder, loaded into an empty database (default: ${DATA_ENV}; required)",
    )


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate; load the data folder into an empty database) and build the server."""
    if not args.data:
        raise SystemExit(
            f"retail: no τ-bench data folder: pass --data DIR or set {DATA_ENV} (the data is not shipped with "
            "Switchboard; see docs/eval.md)"
        )
    store = RetailStore(db)
    try:
        store.prepare(Path(args.data))
    except RetailDataError as exc:
        raise SystemExit(f"retail: {exc}") from exc
    return create_server(store)


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.retail ARGV` would serve, built in this process (the evals harness)."""
    return open_server("retail", build, argv, environ, lambda parser: add_arguments(parser, environ))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Entry point."""
    return run_server("retail", build, argv, environ, lambda parser: add_arguments(parser, environ))


if __name__ == "__main__":
    sys.exit(main())
