"""MCP mesh layer: connects the configured servers, routes their tools, builds the model's catalog."""
