"""Shop-wide settings more than one server reads: the return window, and whether to seed the demo.

The return window is one setting: `--return-window-days` on the orders and refunds servers, both defaulting to
`SWITCHBOARD_RETURN_WINDOW_DAYS` (else 30). Set the variable once and pass it to both, so the orders server's
`within_return_window` and the refunds server's eligibility cannot disagree.
"""

import argparse
from collections.abc import Mapping

__all__ = [
    "DEFAULT_RETURN_WINDOW_DAYS",
    "DEMO_ENV",
    "RETURN_WINDOW_ENV",
    "add_return_window",
    "demo_requested",
    "return_window_days",
]

DEFAULT_RETURN_WINDOW_DAYS = 30
RETURN_WINDOW_ENV = "SWITCHBOARD_RETURN_WINDOW_DAYS"
DEMO_ENV = "SWITCHBOARD_DEMO"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def demo_requested(environ: Mapping[str, str]) -> bool:
    """Whether `SWITCHBOARD_DEMO` asks for the demo data (1/true/yes/on; unset or 0/false/no/off: no).

    Raises:
        ValueError: the variable holds anything else.
    """
    value = environ.get(DEMO_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{DEMO_ENV} must be 1 or 0 (or true/false), not {value!r}")


def return_window_days(value: str) -> int:
    """Parse a return window: a whole number of days >= 0.

    Raises:
        argparse.ArgumentTypeError: anything else.
    """
    try:
        days = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from exc
    if days < 0:
        raise argparse.ArgumentTypeError(f"window must be >= 0 days: {value!r}")
    return days


def add_return_window(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Add `--return-window-days` (default: `SWITCHBOARD_RETURN_WINDOW_DAYS`, else 30) as `args.return_window_days`.

    An invalid variable is reported like an invalid flag (usage error, exit status 2).
    """
    default = environ.get(RETURN_WINDOW_ENV)
    if default is not None:
        try:
            return_window_days(default)
        except argparse.ArgumentTypeError as exc:
            parser.error(f"{RETURN_WINDOW_ENV}: {exc}")
    parser.add_argument(
        "--return-window-days",
        type=return_window_days,
        default=DEFAULT_RETURN_WINDOW_DAYS if default is None else default,
        help=f"returns and refunds allowed up to this many days after delivery (default: ${RETURN_WINDOW_ENV} or "
        f"{DEFAULT_RETURN_WINDOW_DAYS}); give the orders and refunds servers the same value",
    )
