"""The suite's MCP servers for one trial: built in this process on the trial's database, reached through MCP.

A configured server whose command is `python -m mcp_servers.<name> [flags]` is built by that package's own
`__main__.build` (the code `python -m` would run) and handed to the registry as an in-process target, so the
orchestrator still talks to it through `mcp.Client`. Any other server keeps its configured transport; stdio
servers receive the trial's database as `SWITCHBOARD_DATABASE_URL`.
"""

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from types import ModuleType, TracebackType
from typing import Self

from mcp.server import MCPServer

from mcp_servers._common.runner import parse_args
from mcp_servers._common.storage import Database

from ..registry.registry import TargetFactory
from ..settings import ServerConfig
from .database import EvalSetupError

__all__ = ["TrialServers", "in_process_module"]

_PACKAGE = "mcp_servers."


def in_process_module(config: ServerConfig) -> str | None:
    """`mcp_servers.<name>` when the server is one of ours started with `python -m`, else None."""
    args = list(config.args)
    if config.command != sys.executable or len(args) < 2 or args[0] != "-m" or not args[1].startswith(_PACKAGE):
        return None
    return args[1]


def _build(module: ModuleType, name: str, argv: Sequence[str], environ: Mapping[str, str], db: Database) -> MCPServer:
    add: Callable[..., None] | None = getattr(module, "add_arguments", None)
    extra: Callable[[argparse.ArgumentParser], None] | None = None
    if add is not None:
        takes_environ = len(inspect.signature(add).parameters) > 1
        extra = (lambda parser: add(parser, environ)) if takes_environ else add
    args = parse_args(name, list(argv), environ, extra)
    server: MCPServer = module.build(db, args)
    return server


class TrialServers(AbstractContextManager["TrialServers"]):
    """Builds the in-process servers of one trial on `url`; closes their databases on exit."""

    def __init__(self, servers: Sequence[ServerConfig], url: str, environ: Mapping[str, str]) -> None:
        """Build every server that can run in process (migrating and seeding `url` on first use).

        Raises:
            EvalSetupError: a server refused to start (e.g. its data folder is missing).
        """
        self._dbs: list[Database] = []
        self.targets: dict[str, TargetFactory] = {}
        for config in servers:
            module_name = in_process_module(config)
            if module_name is None:
                continue
            module = importlib.import_module(f"{module_name}.__main__")
            db = Database(url)
            self._dbs.append(db)
            try:
                server = _build(module, config.name, config.args[2:], environ, db)
            except SystemExit as exc:  # what a server's __main__ raises when it cannot start
                self.close()
                raise EvalSetupError(f"server {config.name!r} did not start: {exc}") from exc
            self.targets[config.name] = lambda server=server: server

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the servers' database connections."""
        for db in self._dbs:
            db.dispose()
