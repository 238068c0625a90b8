"""Plumbing both sides share: SQL storage and the clock. A leaf: it imports neither `mcp_servers` nor `orchestrator`."""
