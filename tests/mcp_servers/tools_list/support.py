"""List a server's tools through the MCP protocol, as the contract the model sees."""

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from mcp import Client

from mcp_servers._common.runner import parse_args
from mcp_servers._common.storage import Database


async def tools_list(name: str, tmp_path: Path, *, only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """`tools/list` of server `name` (built by its own `__main__` on a fresh SQLite file) as plain JSON.

    Each tool keeps what a client receives: name, title, description, input and output schemas, annotations.
    `only` keeps those tools, in that order (each must exist), so that a large catalog is reviewed in files of a
    readable size; the server's test of all its tool names catches a tool that no file holds.
    """
    main: ModuleType = importlib.import_module(f"mcp_servers.{name}.__main__")
    db = Database(f"sqlite:///{tmp_path / f'{name}.db'}")
    try:
        server = main.build(db, parse_args(name, [], {}, getattr(main, "add_arguments", None)))
        async with Client(server, mode="legacy") as client:  # legacy: the real JSON-RPC framing, in process
            listed = await client.list_tools()
    finally:
        db.dispose()
    assert listed.next_cursor is None  # one page: the whole contract is below
    tools = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed.tools]
    if only is None:
        return tools
    by_name = {t["name"]: t for t in tools}
    assert set(only) <= set(by_name), f"{name} has no tool {sorted(set(only) - set(by_name))}"
    return [by_name[n] for n in only]
