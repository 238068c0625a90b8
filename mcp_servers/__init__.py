"""Switchboard's MCP domain servers: orders, tickets, faq, refunds and escalation.

Each sub-package is an independent server; none imports another. Shared plumbing lives in `_common`.
"""
