"""The orchestrator's exceptions: one base, typed fields; and how an unexpected one is logged."""

import logging
import traceback
from typing import Any

__all__ = [
    "CallInterruptedError",
    "CircuitOpenError",
    "ConfigError",
    "InvalidInputError",
    "ModelError",
    "ModelRefused",
    "ModelStreamInterrupted",
    "OrchestratorError",
    "ServerUnavailableError",
    "ToolCallFailedError",
    "ToolLoopLimitExceeded",
    "ToolWithheldError",
    "UnknownToolError",
    "log_unexpected",
]


class OrchestratorError(Exception):
    """Base of every error the orchestrator raises on purpose."""


class ConfigError(OrchestratorError):
    """The configuration is missing or invalid; the message names the offending key."""


class InvalidInputError(OrchestratorError):
    """The customer's input is refused before anything runs (an empty or oversized message, a rating outside 1-5).

    Its message is written for the customer and safe to show. Nothing else is "invalid input": an unexpected
    `ValueError` from inside a turn is an internal error.
    """


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


class UnknownToolError(OrchestratorError):
    """No connected server offers a tool by this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"there is no tool named {name!r}")
        self.name = name


class ToolWithheldError(OrchestratorError):
    """The tool's definition is not accepted (changed, new, or unlike its pin), so calls to it are refused."""

    def __init__(self, server: str, tool: str) -> None:
        super().__init__(
            f"tool {tool!r} of MCP server {server!r} is withheld: its definition changed since it was first seen "
            "(or it is new, or it does not match its pinned fingerprint). An operator must accept it by pinning "
            "its new fingerprint in the server's trusted_tools."
        )
        self.server = server
        self.tool = tool


class CircuitOpenError(ServerUnavailableError):
    """The server's circuit breaker is open after consecutive timeouts: calls fail fast until a probe succeeds."""

    def __init__(self, server: str, retry_in_s: float) -> None:
        super().__init__(
            server,
            "it stopped answering (consecutive timeouts), so calls to it are paused for about "
            f"{max(retry_in_s, 1):.0f} s; nothing was sent",
        )
        self.retry_in_s = retry_in_s


class ToolCallFailedError(OrchestratorError):
    """A tool call failed at the protocol level (timeout or JSON-RPC error), not with an `is_error` result."""

    def __init__(self, server: str, tool: str, reason: str, *, code: int | None = None) -> None:
        super().__init__(f"the call to tool {tool!r} on MCP server {server!r} failed: {reason}")
        self.server = server
        self.tool = tool
        self.reason = reason
        self.code = code


class CallInterruptedError(ServerUnavailableError):
    """The connection dropped after the request was sent: the call may or may not have run, so it was not retried."""

    def __init__(self, server: str, tool: str) -> None:
        super().__init__(
            server,
            f"the connection was lost during the call to {tool!r}; the call may or may not have run, so it was not "
            "retried (the server is being reconnected)",
        )
        self.tool = tool


class ModelStreamInterrupted(ModelError):
    """The API failed in the middle of a streamed reply, after `partial_text` had reached the customer."""

    def __init__(self, message: str, partial_text: str, *, status_code: int | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.partial_text = partial_text


def log_unexpected(log: logging.Logger, what: str, exc: BaseException) -> None:
    """Log an unexpected exception: its type and stack, never its message or arguments (they may quote the customer)."""
    stack = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    log.error("%s: %s (message withheld)\n%s", what, type(exc).__qualname__, stack)
