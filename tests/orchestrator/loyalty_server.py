"""A sixth backend that no Switchboard code names: it reaches the assistant through configuration alone."""

from mcp.server import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("loyalty", log_level="WARNING")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def get_loyalty_points(customer_email: str) -> dict[str, object]:
    """Return the loyalty points balance of a customer."""
    return {"customer_email": customer_email, "points": 1250, "tier": "gold"}


if __name__ == "__main__":
    server.run()
