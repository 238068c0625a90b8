"""`python -m mcp_servers.refunds`: serve the refunds domain over stdio or streamable HTTP."""

import argparse
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal, InvalidOperation

from mcp.server import MCPServer

from mcp_servers._common.runner import open_server, run_server
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


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from exc
    if days < 0:
        raise argparse.ArgumentTypeError(f"window must be >= 0 days: {value!r}")
    return days


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The refunds server's own flags (refund policy)."""
    defaults = RefundPolicy()
    parser.add_argument(
        "--approval-threshold",
        type=_dollars,
        dest="approval_threshold_cents",
        default=defaults.approval_threshold_cents,
        help="refunds above this many dollars wait for human approval (default 500)",
    )
    parser.add_argument(
        "--window-days",
        type=_days,
        default=defaults.window_days,
        help="refunds allowed up to this many days after delivery (default 30)",
    )


def build(db: Database, args: argparse.Namespace) -> MCPServer:
    """Prepare the store (migrate, seed the demo ledger on first run) and build the server with the policy flags."""
    policy = RefundPolicy(window_days=args.window_days, approval_threshold_cents=args.approval_threshold_cents)
    store = RefundsStore(db, policy=policy)
    store.prepare()
    return create_server(store)


def open_in_process(argv: Sequence[str], environ: Mapping[str, str]) -> AbstractContextManager[MCPServer]:
    """The server `python -m mcp_servers.refunds ARGV` would serve, built in this process (the evals harness)."""
    return open_server("refunds", build, argv, environ, add_arguments)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return run_server("refunds", build, argv, extra=add_arguments)


if __name__ == "__main__":
    sys.exit(main())
