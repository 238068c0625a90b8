"""`switchboard chat` shows its prompt while the servers connect; the first turn waits for them, not the prompt."""

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from anyio.abc import ByteReceiveStream

from .test_cli import cli_config, cli_env

ROOT = Path(__file__).resolve().parents[2]

# The faq server starts only when the test writes a line into `gate` (a FIFO): until then its handshake cannot
# complete, so anything the chat prints meanwhile was printed before every server had connected.
GATED_FAQ = """
[[servers]]
name = "faq"
command = "/bin/sh"
args = ["-c", "read go < '{gate}' && exec '{python}' -m mcp_servers.faq"]
cwd = "{root}"
pass_env = ["SWITCHBOARD_DATABASE_URL"]
"""


async def _read_until(stream: ByteReceiveStream, seen: bytearray, marker: bytes) -> str:
    while marker not in seen:
        seen.extend(await stream.receive())
    return seen.decode()


def _release(gate: Path) -> None:
    with gate.open("w") as fifo:  # blocks until the gated server's shell opens it for reading
        fifo.write("go\n")


@pytest.mark.anyio
@pytest.mark.e2e
async def test_chat_prompts_before_a_slow_server_connects_and_its_first_turn_waits_for_it(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    extra = GATED_FAQ.format(gate=gate, python=sys.executable, root=ROOT)
    config = cli_config(tmp_path, ["orders"], extra=extra)
    env = {**os.environ, **cli_env(tmp_path), "ANTHROPIC_API_KEY": ""}
    command = [sys.executable, "-m", "orchestrator", "--config", str(config), "chat"]
    seen = bytearray()
    with anyio.fail_after(120):
        async with await anyio.open_process(command, cwd=ROOT, env=env, stderr=subprocess.STDOUT) as process:
            assert process.stdin is not None and process.stdout is not None
            banner = await _read_until(process.stdout, seen, b"conversation:")
            assert re.search(r"servers: connecting [a-z, ]*\bfaq\b", banner), banner  # faq cannot be connected yet
            await process.stdin.send(b"How long do refunds take?\n")
            await anyio.to_thread.run_sync(_release, gate)
            await _read_until(process.stdout, seen, b"Alex:")
            await process.stdin.aclose()
            async for chunk in process.stdout:
                seen.extend(chunk)
            assert await process.wait() == 0, seen.decode()
    out = seen.decode()
    assert "unavailable for now" not in out
    assert "→ search_faq(" in out  # the first turn used the server that connected after the prompt
    assert "conversation saved:" in out


@pytest.mark.anyio
@pytest.mark.e2e
async def test_a_server_that_never_starts_is_named_before_the_first_reply(tmp_path: Path) -> None:
    extra = '\n[[servers]]\nname = "faq"\ncommand = "/bin/false"\n'
    config = cli_config(tmp_path, ["orders"], extra=extra)
    env = {**os.environ, **cli_env(tmp_path), "ANTHROPIC_API_KEY": ""}
    command = [sys.executable, "-m", "orchestrator", "--config", str(config), "chat"]
    with anyio.fail_after(120):
        done = await anyio.run_process(
            command, input=b"Where is my order ORD-78432?\n", cwd=ROOT, env=env, stderr=subprocess.STDOUT, check=False
        )
    out = done.stdout.decode()
    assert done.returncode == 0, out
    assert "(unavailable for now, retried in the background: faq)" in out
    assert out.index("unavailable for now") < out.index("Alex:")
