"""`python -m mcp_servers.refunds`: serve the refunds domain over stdio or streamable HTTP."""

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal, InvalidOperation

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
from mcp_servers._common.shop import add_return_window, return_window_days
from switchboard_common.storage import Database

from .policy import RefundPolicy
from .server import create_server
from .store import RefundsStore


def _dollars(value: str) -> int:
    """Parse a non-negative amount with at most 2 decimals into cents."""
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not an amount: {value!r}") from exc
    cents = amount * 100
    if not amount.is_finite() or amount < 0 or cents != cents.to_integral_value():
        raise argparse.ArgumentTypeError(f"not an amount >= 0 with at most 2 decimals: {value!r}")
    return int(cents)


def add_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str] = os.environ) -> None:
    """The refunds server's own flags (refund policy), and the shop's return window (shared with orders)."""
    defaults = RefundPolicy()
    parser.add_argument(
        "--approval-threshold",
        type=_dollars,
        dest="approval_threshold_cents",
        default=defaults.approval_threshold_cents,
        help="refunds above this many dollars wait for human approval (default 500)",
    )
    add_return_window(parser, environ)
    parser.add_argument(  # the flag's name before the window was shared; same setting
        "--window-days",
        type=return_window_days,
        dest="return_window_days",
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate; seed the demo ledger into an empty one with `--demo`); build it with the policy."""
    policy = RefundPolicy(window_days=args.return_window_days, approval_threshold_cents=args.approval_threshold_cents)
    store = RefundsStore(db, policy=policy)
    store.prepare(seed=args.demo)
    return create_server(store)


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.refunds ARGV` would serve, built in this process (the evals harness)."""
    return open_server("refunds", build, argv, environ, lambda parser: add_arguments(parser, environ))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return run_server("refunds", build, argv, extra=add_arguments)


if __name__ == "__main__":
    sys.exit(main())
