"""The retail MCP server: the τ-bench retail domain (users, products, orders) as an MCP server."""

from .server import create_server

__all__ = ["create_server"]
