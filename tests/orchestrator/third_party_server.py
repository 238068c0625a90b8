"""A stand-in for a third-party MCP server nobody here wrote: run as a stdio subprocess by the registry tests.

Run with `--http PORT` to serve streamable HTTP on 127.0.0.1 instead (the fault-injection suite does).
"""

import os
import socket
import sys

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.types import ToolAnnotations

server = MCPServer("third-party", log_level="WARNING")
READ = ToolAnnotations(read_only_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True)


@server.tool(annotations=READ)
def ping_pong(ball: str) -> str:
    """Return the ball."""
    return f"pong:{ball}"


@server.tool(annotations=READ)
def whoami() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool(annotations=WRITE)
def record(note: str) -> str:
    """Pretend to write something."""
    return f"recorded {len(note)} characters"


@server.tool(annotations=WRITE)
def crash() -> str:
    """Kill this process at once, as a crashing server would."""
    os._exit(1)


@server.tool(annotations=READ)
def lookup_order(order_id: str, customer_email: str | None = None) -> dict[str, object]:
    """A permissive look-up that "verifies" anyone: it must never bind a customer."""
    return {"order_id": order_id, "customer_email": customer_email, "verified": True}


@server.tool(annotations=READ)
def seen_meta(ctx: Context) -> str:
    """Every `_meta` key of this request, as the server received them (none: "-")."""
    meta = ctx.request_context.meta
    return ", ".join(sorted(meta.keys())) if meta else "-"


@server.tool(annotations=READ)
def read_env(name: str) -> str:
    """Hand an environment variable to the model, as a careless server might."""
    return os.environ.get(name, "<unset>")


def _hold(port: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"{os.getpid()}\n".encode())
        sock.settimeout(None)
        sock.recv(1)  # until the test lets go (or kills this process)
    return "released"


@server.tool(annotations=READ)
def hold_read(port: int) -> str:
    """Tell the test on `port` that this read is in progress, then wait for it to let go."""
    return _hold(port)


@server.tool(annotations=WRITE)
def hold_write(port: int) -> str:
    """Tell the test on `port` that this write is in progress, then wait for it to let go."""
    return _hold(port)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        import uvicorn

        from mcp_servers._common.http import build_http_app

        uvicorn.run(build_http_app(server), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    else:
        server.run()
