"""A component whose database cannot be reached at start: one line saying so, a failing exit code, no secret.

In a cluster this is what `kubectl logs` shows for a pod in CrashLoopBackOff (a wrong URL in the Secret,
PostgreSQL down or not reachable from the pod's network): the reason, not a hundred lines of traceback.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pw"


@pytest.fixture
def unreachable_url() -> str:
    with socket.socket() as sock:  # a port nothing listens on: connections are refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql://switchboard:{PASSWORD}@127.0.0.1:{port}/switchboard"


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SWITCHBOARD_"))}
    return subprocess.run(command, cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60)


def _said(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["orders", "refunds"])
def test_an_mcp_server_says_in_one_line_that_its_database_is_unreachable(name: str, unreachable_url: str) -> None:
    command = [sys.executable, "-m", f"mcp_servers.{name}", "--transport", "http", "--host", "0.0.0.0"]
    command += ["--port", "0", "--allowed-host", f"{name}:8000"]
    result = _run(command, {"SWITCHBOARD_MCP_TOKEN": "t", "SWITCHBOARD_DATABASE_URL": unreachable_url})
    said = _said(result)

    assert result.returncode == 2
    assert len(said) == 1 and said[0].startswith(f"{name}: cannot reach the database 127.0.0.1:"), said
    assert "refused" in said[0] and PASSWORD not in said[0]


def test_serve_says_in_one_line_that_its_database_is_unreachable(tmp_path: Path, unreachable_url: str) -> None:
    config = tmp_path / "switchboard.toml"
    config.write_text(f'system_prompt_file = "{ROOT / "config" / "prompts" / "system.md"}"\nservers = []\n')
    command = [sys.executable, "-m", "orchestrator", "--config", str(config), "--offline", "serve", "--port", "0"]
    result = _run(command, {"SWITCHBOARD_DATABASE_URL": unreachable_url})
    said = _said(result)

    assert result.returncode == 1
    assert len(said) == 1 and said[0].startswith("Error: cannot reach the database 127.0.0.1:"), said
    assert PASSWORD not in said[0]
