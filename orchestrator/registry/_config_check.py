"""A server block checked against the tools its server really lists: names that lead nowhere are a silent dead end.

A misspelt `identity_tools` entry means no customer is ever verified (every refund is then refused), a misspelt
`hidden_tools` entry offers a console tool to the model, and a misspelt `tool_timeouts_s` key quietly keeps the
default. None of these fail a call, so they are reported when the server is first listed.
"""

from collections.abc import Mapping

from mcp.types import Tool

from ..settings import ServerConfig

__all__ = ["IDENTITY_ARGUMENT", "config_problems"]

IDENTITY_ARGUMENT = "customer_email"
"""The argument an identity tool's successful call binds to the conversation (`ToolRunner._bind`)."""


def config_problems(config: ServerConfig, listed: Mapping[str, Tool]) -> list[str]:
    """What in `config` names a tool the server does not list, or an identity tool that cannot verify anyone."""
    named = {
        "identity_tools": list(config.identity_tools),
        "hidden_tools": list(config.hidden_tools),
        "deferred_tools": list(config.deferred_tools),
        "tool_timeouts_s": list(config.tool_timeouts_s),
        "trusted_tools": list(config.trusted_tools),
    }
    problems = [
        f"{key} names tools it does not list: {', '.join(unknown)} (see `switchboard servers` for its tools)"
        for key, names in named.items()
        if (unknown := [name for name in names if name not in listed])
    ]
    for name in config.identity_tools:
        tool = listed.get(name)
        if tool is not None and IDENTITY_ARGUMENT not in tool.input_schema.get("properties", {}):
            problems.append(f"identity tool {name!r} takes no {IDENTITY_ARGUMENT} argument, so it verifies nobody")
    return problems
