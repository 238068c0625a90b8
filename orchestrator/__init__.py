"""Switchboard's orchestrator: a thin MCP client that runs the Claude tool-use loop over the configured servers."""

from .errors import ConfigError, OrchestratorError
from .service import Orchestrator, Reply, build_model
from .settings import Settings, load_settings

__all__ = ["ConfigError", "Orchestrator", "OrchestratorError", "Reply", "Settings", "build_model", "load_settings"]
