"""The command line every server shares: `python -m mcp_servers.<name> [--transport http ...]`."""

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager

import uvicorn
from mcp.server import MCPServer

from switchboard_common.storage import Database, DatabaseError, default_database_url

from .http import HttpConfigError, build_http_app
from .shop import DEMO_ENV, demo_requested

__all__ = ["ServerFactory", "open_server", "parse_args", "run_server"]

TOKEN_ENV = "SWITCHBOARD_MCP_TOKEN"

ServerFactory = Callable[[Database, argparse.Namespace], MCPServer]
"""Builds the server from an open database and the parsed arguments (for server-specific flags)."""


def parse_args(
    name: str,
    argv: Sequence[str] | None,
    environ: Mapping[str, str],
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """Parse the shared flags plus any server-specific ones that `extra` adds."""
    parser = argparse.ArgumentParser(
        prog=f"python -m mcp_servers.{name}", description=f"Switchboard {name} MCP server (stdio by default)."
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="HTTP port, 0-65535 (default 8000)")
    parser.add_argument(
        "--db",
        default=default_database_url(environ),
        help="database URL (default: SWITCHBOARD_DATABASE_URL or a per-user SQLite file)",
    )
    parser.add_argument(
        "--token", default=environ.get(TOKEN_ENV), help=f"bearer token required on /mcp (default: ${TOKEN_ENV})"
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        dest="allowed_hosts",
        help="Host header accepted over HTTP, e.g. orders.internal:8000 (repeatable)",
    )
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    try:
        demo = demo_requested(environ)
    except ValueError as exc:
        parser.error(str(exc))
    parser.add_argument(
        "--demo",
        action="store_true",
        default=demo,
        help=f"seed the ShopExpress demo data into an empty store (default: ${DEMO_ENV}=1); servers without demo "
        "data ignore it. Never on a production database.",
    )
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0-65535)")
    return port


@contextmanager
def open_server(
    name: str,
    factory: ServerFactory,
    argv: Sequence[str],
    environ: Mapping[str, str],
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> Generator[MCPServer]:
    """The server `python -m mcp_servers.<name> ARGV` would serve, built in this process; its database closes on exit.

    This is the in-process hook (`open_in_process` in each server's `__main__`) that MCP clients such as the
    evals harness may use instead of spawning the same command: the arguments and environment mean the same.

    Raises:
        SystemExit: the arguments are invalid or the server cannot start (e.g. its data folder is missing).
    """
    args = parse_args(name, argv, environ, extra)
    try:
        db = Database(args.db)
    except DatabaseError as exc:
        raise SystemExit(f"{name}: {exc}") from exc
    try:
        yield factory(db, args)
    finally:
        db.dispose()


def run_server(
    name: str,
    factory: ServerFactory,
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] = os.environ,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """Open the database, build the server and serve it on the chosen transport. Returns an exit code."""
    args = parse_args(name, argv, environ, extra)
    # stdout belongs to the stdio transport: logs go to stderr only.
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    try:
        db = Database(args.db)
        server = factory(db, args)
    except DatabaseError as exc:
        sys.stderr.write(f"{name}: {exc}\n")
        return 2
    # What start-up built (modules, classes, schemas, the server) lives as long as the process: freeze it, so no
    # later full collection walks it again, nor the final one at exit (about 0.15 s of a 0.8 s stdio start).
    # Unreachable start-up cycles, if any, are kept: a bounded, one-time cost.
    gc.freeze()
    try:
        if args.transport == "stdio":
            server.run()
            return 0
        try:
            app = build_http_app(server, host=args.host, token=args.token, allowed_hosts=args.allowed_hosts)
        except HttpConfigError as exc:
            sys.stderr.write(f"{name}: {exc}\n")
            return 2
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level.lower())
        return 0
    finally:
        db.dispose()
