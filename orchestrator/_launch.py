"""The `switchboard` command's entry point: says which extra to install when the orchestrator's are missing."""

import sys
from collections.abc import Sequence
from importlib.util import find_spec

__all__ = ["main", "missing_modules"]

REQUIRED = (
    "anthropic",
    "click",
    "httpx2",
    "limits",
    "mcp_types",
    "mmh3",
    "opentelemetry.trace",
    "prometheus_client",
    "vaderSentiment",
    "wordsegment",
)
"""Top-level modules of the `orchestrator` extra (pyproject.toml) that the command cannot start without."""

OPTIONAL_AT_START = frozenset(
    {
        # `serve` runs on asyncio's own event loop when uvloop is missing (and on Windows, where it does not exist).
        "uvloop",
        # uvicorn parses HTTP with h11 (a base dependency through uvicorn) when httptools is missing.
        "httptools",
        # Nothing in the orchestrator imports the SDK: its spans go through opentelemetry-api's global provider,
        # which is a no-op until a deployer (or a test) configures one with the SDK.
        "opentelemetry-sdk",
    }
)
"""Distributions of the `orchestrator` extra that the command starts without; every other one provides a module
of `REQUIRED` (tests/test_packaging.py checks both against pyproject.toml)."""


def missing_modules(required: Sequence[str] = REQUIRED) -> list[str]:
    """The modules of `required` that this interpreter cannot import."""
    missing: list[str] = []
    for name in required:
        try:
            found = find_spec(name) is not None
        except ModuleNotFoundError:  # a dotted name whose parent package is missing
            found = False
        if not found:
            missing.append(name)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI, or explain (exit code 2) that this install has the servers only."""
    if missing := missing_modules():
        sys.stderr.write(
            "switchboard: the orchestrator's dependencies are not installed (missing: "
            f"{', '.join(missing)}).\nThis install has the MCP servers only; install the extra with\n"
            "    pip install 'switchboard[orchestrator]'\n"
        )
        return 2
    from .cli.commands import main as cli_main

    return cli_main(argv)
