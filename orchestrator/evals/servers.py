"""The suite's MCP servers for one trial, reached through MCP; started from their configured commands.

A configured server whose command is `python -m <module> [flags]` and whose `<module>.__main__` offers the
in-process hook `open_in_process(argv, environ)` is built in this process from that same command line (what
`python -m` would serve) and handed to the registry as an in-process target, so the orchestrator still talks to
it through `mcp.Client` but a trial does not pay for a process start. The harness imports no server code by
name: the module comes from the configuration, like any MCP client's command. Any other server keeps its
configured transport; stdio servers receive the trial's database as `SWITCHBOARD_DATABASE_URL`.
"""

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from types import TracebackType
from typing import Self

from mcp.server import MCPServer

from switchboard_common.storage import DATABASE_URL_ENV

from ..registry.registry import TargetFactory
from ..settings import ServerConfig
from .database import EvalSetupError

__all__ = ["TrialServers", "in_process_module"]

OpenInProcess = Callable[[Sequence[str], Mapping[str, str]], AbstractContextManager[MCPServer]]


def in_process_module(config: ServerConfig) -> str | None:
    """`<module>` when the server is started with `python -m <module>` by this interpreter, else None."""
    args = list(config.args)
    if config.command != sys.executable or len(args) < 2 or args[0] != "-m":
        return None
    return args[1]


def _hook(module_name: str) -> OpenInProcess | None:
    try:
        module = importlib.import_module(f"{module_name}.__main__")
    except ImportError:
        return None
    hook: OpenInProcess | None = getattr(module, "open_in_process", None)
    return hook


class TrialServers(AbstractContextManager["TrialServers"]):
    """Builds the in-process servers of one trial on `url`; closes their databases on exit."""

    def __init__(self, servers: Sequence[ServerConfig], url: str, environ: Mapping[str, str]) -> None:
        """Build every server that can run in process (migrating and seeding `url` on first use).

        Raises:
            EvalSetupError: a server refused to start (e.g. its data folder is missing).
        """
        self._stack = ExitStack()
        self.targets: dict[str, TargetFactory] = {}
        env = {**environ, DATABASE_URL_ENV: url}
        for config in servers:
            module_name = in_process_module(config)
            hook = _hook(module_name) if module_name is not None else None
            if hook is None:
                continue
            try:
                server = self._stack.enter_context(hook(config.args[2:], env))
            except SystemExit as exc:  # what a server's command raises when it cannot start
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
        self._stack.close()
