"""What `mcp.Client` connects to for one configured server: stdio parameters or a fresh HTTP transport."""

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx2
from mcp import StdioServerParameters
from mcp.client import Transport
from mcp.client._transport import TransportStreams
from mcp.client.streamable_http import streamable_http_client
from mcp.server import MCPServer, Server

from ..errors import ConfigError
from ..settings import ServerConfig

__all__ = ["Target", "TargetFactory", "TransportKind", "target_for", "transport_kind"]

_SSE_READ_TIMEOUT_S = 300.0

Target = str | StdioServerParameters | MCPServer | Server[Any] | Transport
"""Anything `mcp.Client` connects to: a URL, stdio parameters, an in-process server, or a transport."""
TargetFactory = Callable[[], Target]
"""Builds a fresh target for every (re)connect: HTTP transports and their httpx2 clients are single-use."""
TransportKind = Literal["stdio", "http", "memory"]


def target_for(config: ServerConfig, environ: Mapping[str, str]) -> TargetFactory:
    """Build the target factory for one configured server.

    Stdio servers get `config.env` plus the `config.pass_env` variables present in `environ` (and the SDK's basic
    variables such as PATH and HOME), nothing else of Switchboard's environment. HTTP servers get a
    fresh httpx2 client per connect, carrying `Authorization: Bearer <token>` when `config.token_env` is set.

    Args:
        config: The server's configuration block.
        environ: The environment to read `pass_env` variables and the bearer token from.

    Returns:
        A factory called at every (re)connect.

    Raises:
        ConfigError: `config.token_env` names a variable that is missing or empty in `environ`.
    """
    if config.command is not None:
        env = dict(config.env) | {key: environ[key] for key in config.pass_env if key in environ}
        params = StdioServerParameters(command=config.command, args=list(config.args), env=env, cwd=config.cwd)
        return lambda: params
    assert config.url is not None  # ServerConfig guarantees exactly one of command and url
    url = config.url
    headers: dict[str, str] = {}
    if config.token_env:
        token = environ.get(config.token_env)
        if not token:
            raise ConfigError(f"server {config.name!r}: environment variable {config.token_env} (token_env) is not set")
        headers["Authorization"] = f"Bearer {token}"
    timeout = httpx2.Timeout(
        config.connect_timeout_s, read=max(_SSE_READ_TIMEOUT_S, config.call_timeout_s + config.connect_timeout_s)
    )
    return lambda: _http_transport(url, headers, timeout)


@asynccontextmanager
async def _http_transport(
    url: str, headers: dict[str, str], http_timeout: httpx2.Timeout
) -> AsyncGenerator[TransportStreams]:
    # streamable_http_client never closes an http_client it was given, so this transport owns its client.
    async with (
        httpx2.AsyncClient(headers=headers, timeout=http_timeout) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


def transport_kind(target: Target) -> TransportKind:
    """How the client reaches `target` (for health reports)."""
    if isinstance(target, StdioServerParameters):
        return "stdio"
    if isinstance(target, MCPServer | Server):
        return "memory"
    return "http"
