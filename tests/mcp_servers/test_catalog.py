"""Cross-server invariants: independence, Claude-safe unique names, described tools, small public surfaces."""

import argparse
import ast
import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from mcp import Client
from mcp.types import Tool

from mcp_servers._common.runner import parse_args
from switchboard_common.storage import Database
from tests.retail_data import RETAIL_DATA

pytestmark = pytest.mark.anyio
SERVERS = ["orders", "tickets", "faq", "refunds", "escalation", "retail"]
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mcp_servers"
CLAUDE_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
SEED_CONTRACT = {
    "orders": "lookup_order",
    "tickets": "create_ticket",
    "faq": "search_faq",
    "refunds": "process_refund",
    "escalation": "escalate_to_human",
    "retail": "get_order_details",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("name", SERVERS)
def test_no_server_imports_another(name: str) -> None:
    others = [s for s in SERVERS if s != name]
    for path in (PACKAGE / name).rglob("*.py"):
        for module in _imports(path):
            assert not any(module == f"mcp_servers.{o}" or module.startswith(f"mcp_servers.{o}.") for o in others), (
                f"{path.relative_to(ROOT)} imports {module}"
            )


def test_common_is_a_leaf() -> None:
    for path in (PACKAGE / "_common").rglob("*.py"):
        for module in _imports(path):
            assert not any(module.startswith(f"mcp_servers.{s}") for s in SERVERS), f"{path.name} imports {module}"
            assert not module.startswith("orchestrator"), f"{path.name} imports {module}"


@pytest.mark.parametrize("name", SERVERS)
def test_every_server_package_has_the_same_shape(name: str) -> None:
    files = {p.name for p in (PACKAGE / name).glob("*.py")}
    assert {"__init__.py", "__main__.py", "server.py", "models.py", "store.py"} <= files
    package = importlib.import_module(f"mcp_servers.{name}")
    assert package.__all__ == ["create_server"]
    assert callable(package.create_server)


def _extra(main: ModuleType) -> Callable[[argparse.ArgumentParser], None] | None:
    add: Callable[..., None] | None = getattr(main, "add_arguments", None)
    if add is None or len(inspect.signature(add).parameters) == 1:
        return add
    return lambda parser: add(parser, {"SWITCHBOARD_RETAIL_DATA": str(RETAIL_DATA)})


async def _tools(name: str, tmp_path: Path) -> list[Tool]:
    main: ModuleType = importlib.import_module(f"mcp_servers.{name}.__main__")
    db = Database(f"sqlite:///{tmp_path / f'{name}.db'}")
    args = parse_args(name, [], {"SWITCHBOARD_RETAIL_DATA": str(RETAIL_DATA)}, _extra(main))
    server = main.build(db, args)
    async with Client(server, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    db.dispose()
    return tools


async def test_catalog_names_are_unique_claude_safe_and_described(tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    for name in SERVERS:
        tools = await _tools(name, tmp_path)
        assert SEED_CONTRACT[name] in [t.name for t in tools]
        for tool in tools:
            assert CLAUDE_TOOL_NAME.match(tool.name), tool.name
            assert tool.name not in seen, f"{tool.name} is served by {seen[tool.name]} and {name}"
            seen[tool.name] = name
            assert tool.description and len(tool.description) > 20, f"{name}.{tool.name} needs a description"
            assert tool.input_schema.get("type") == "object"
            assert tool.annotations is not None and tool.annotations.read_only_hint is not None, tool.name
    tested = "".join(p.read_text() for p in (ROOT / "tests" / "mcp_servers").glob("test_*.py"))
    untested = [t for t in seen if f'"{t}"' not in tested]
    assert untested == [], f"tools without a contract test: {untested}"
