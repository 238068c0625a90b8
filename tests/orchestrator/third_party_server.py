"""A stand-in for a third-party MCP server nobody here wrote: run as a stdio subprocess by the registry tests."""

import os

from mcp.server import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("third-party", log_level="WARNING")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def ping_pong(ball: str) -> str:
    """Return the ball."""
    return f"pong:{ball}"


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def whoami() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
def record(note: str) -> str:
    """Pretend to write something."""
    return f"recorded {len(note)} characters"


@server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True))
def crash() -> str:
    """Kill this process at once, as a crashing server would."""
    os._exit(1)


if __name__ == "__main__":
    server.run()
