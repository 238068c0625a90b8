"""Switchboard's orchestrator: a thin MCP client that runs the Claude tool-use loop over the configured servers.

The public names load on first use (PEP 562), so `orchestrator._launch` can run, and explain a missing
`orchestrator` extra, on an install that has only the servers' dependencies.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import ConfigError, OrchestratorError
    from .service import Orchestrator, Reply, build_model
    from .settings import Settings, load_settings

__all__ = ["ConfigError", "Orchestrator", "OrchestratorError", "Reply", "Settings", "build_model", "load_settings"]

_HOME = {
    "ConfigError": ".errors",
    "OrchestratorError": ".errors",
    "Orchestrator": ".service",
    "Reply": ".service",
    "build_model": ".service",
    "Settings": ".settings",
    "load_settings": ".settings",
}


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOME[name], __name__), name)
