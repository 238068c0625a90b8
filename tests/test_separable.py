"""The orchestrator and the servers are separable: neither imports the other, and shared plumbing is a leaf."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imported(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports stay inside their own package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules found under {package}/"
    for path in files:
        for name in sorted(_imported(path)):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("orchestrator", ("mcp_servers",)),
        ("mcp_servers", ("orchestrator",)),
        ("switchboard_common", ("mcp_servers", "orchestrator")),
    ],
)
def test_package_does_not_import_the_other_side(package: str, forbidden: tuple[str, ...]) -> None:
    assert _offenders(package, forbidden) == []


def test_the_scan_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import mcp_servers.orders\nfrom mcp_servers._common import runner\nfrom . import x\n")
    assert _imported(sample) == {"mcp_servers.orders", "mcp_servers._common"}


def test_both_sides_and_the_docs_name_the_same_customer_meta_key() -> None:
    from mcp_servers._common.identity import CUSTOMER_META_KEY as consumed
    from orchestrator.tools import CUSTOMER_META_KEY as produced

    assert produced == consumed == "switchboard/customer"
    contract = (ROOT / "docs" / "identity.md").read_text()
    assert f"## Wire contract (`{produced}`)" in contract
