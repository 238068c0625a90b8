"""`python -m mcp_servers.faq`: serve the ShopExpress help articles over stdio or streamable HTTP."""

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
from switchboard_common.shipped import shipped_path
from switchboard_common.storage import Database

from .server import create_server
from .store import FaqStore, KnowledgeBaseError

KNOWLEDGE_BASE_ENV = "SWITCHBOARD_KNOWLEDGE_BASE"


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate, sync the knowledge base folder into its table) and build the server.

    The search index is built by the first search (`FaqStore`), so the server answers `tools/list` at once.
    """
    store = FaqStore(db, Path(args.knowledge_base), reindex_interval=args.reindex_interval)
    try:
        store.prepare()
    except KnowledgeBaseError as exc:
        raise SystemExit(f"faq: {exc}") from exc
    return create_server(store)


def add_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str] = os.environ) -> None:
    """The faq server's own flags."""
    shipped = shipped_path("knowledge_base")
    parser.add_argument(
        "--knowledge-base",
        default=environ.get(KNOWLEDGE_BASE_ENV) or str(shipped),
        help=f"folder of Markdown articles (default: ${KNOWLEDGE_BASE_ENV} or the shipped {shipped})",
    )
    parser.add_argument(
        "--reindex-interval",
        type=float,
        default=2.0,
        help="seconds between checks of the folder for changed articles (default 2)",
    )


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.faq ARGV` would serve, built in this process (the evals harness)."""
    return open_server("faq", build, argv, environ, lambda parser: add_arguments(parser, environ))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Entry point."""
    return run_server("faq", build, argv, environ, lambda parser: add_arguments(parser, environ))


if __name__ == "__main__":
    sys.exit(main())
