"""The orchestrator's exceptions: one base, typed fields."""

from typing import Any

__all__ = [
    "ConfigError",
    "ModelError",
    "ModelRefused",
    "ModelStreamInterrupted",
    "OrchestratorError",
    "ServerUnavailableError",
    "ToolLoopLimitExceeded",
]


class OrchestratorError(Exception):
    """Base of every error the orchestrator raises on purpose."""


class ConfigError(OrchestratorError):
    """The configuration is missing or invalid; the message names the offending key."""


class ServerUnavailableError(OrchestratorError):
    """An MCP server could not be reached or started."""

    def __init__(self, server: str, reason: str) -> None:
        super().__init__(f"MCP server {server!r} is unavailable: {reason}")
        self.server = server
        self.reason = reason


class ToolLoopLimitExceeded(OrchestratorError):
    """The model kept calling tools past the configured iteration cap."""

    def __init__(self, max_iterations: int, *, partial_messages: list[Any] | None = None) -> None:
        super().__init__(f"the model called tools {max_iterations} times without answering")
        self.max_iterations = max_iterations
        self.partial_messages: list[Any] = list(partial_messages or [])
        """The messages the turn produced before it was stopped, so the history stays well-formed."""


class ModelRefused(OrchestratorError):
    """The model declined to answer (stop_reason `refusal`)."""

    def __init__(self, text: str) -> None:
        super().__init__("the model refused to answer")
        self.text = text


class ModelError(OrchestratorError):
    """The model API failed after retries (auth, rate limit, overload, network)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ModelStreamInterrupted(ModelError):
    """The API failed in the middle of a streamed reply, after `partial_text` had reached the customer."""

    def __init__(self, message: str, partial_text: str, *, status_code: int | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.partial_text = partial_text
