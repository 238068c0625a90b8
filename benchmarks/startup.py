"""Start-up benchmark: `switchboard servers` against the floor of five minimal stdio MCP servers.

    .venv/bin/python benchmarks/startup.py                          # this checkout, 5 runs of each
    .venv/bin/python benchmarks/startup.py --baseline /tmp/base     # and another checkout, interleaved

Every measurement is the wall time of a fresh process, spawn to exit:

- `floor`: `python -c` that imports `mcp`, connects five minimal stdio servers (each a `python -c` MCPServer with
  one tool) with the raw `mcp.Client` at once, lists their tools and exits;
- `import cli`: `python -c "import orchestrator.cli.commands"` (what every `switchboard` command pays first;
  the `orchestrator.cli` package alone is an empty `__init__`);
- `servers`: `python -m orchestrator --offline servers` with the checkout's shipped config (so its servers run
  that checkout's code) on a temp SQLite database (migrated and seeded by a first, uncounted run).

Runs alternate between the measured checkouts (A B A B ...) so drift on a busy machine hits both; the table gives
the median and min of `--runs` runs and the ratio of `servers` to the floor.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINIMAL_SERVER = """
from mcp.server import MCPServer
server = MCPServer("minimal", log_level="WARNING")
@server.tool()
def ping(text: str) -> str:
    return text
server.run()
"""

FLOOR = f"""
import sys
import anyio
from mcp import Client, StdioServerParameters

SERVER = {MINIMAL_SERVER!r}

async def connect(results: list[int]) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-c", SERVER])
    async with Client(params) as client:
        results.append(len((await client.list_tools()).tools))

async def main() -> None:
    results: list[int] = []
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(connect, results)
    assert results == [1] * 5, results

anyio.run(main)
"""


def _timed(command: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=300, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def _env(root: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SWITCHBOARD_"))}
    env |= {
        # The checkout's own config: its `cwd = ".."` makes the servers run that checkout's `mcp_servers`. The
        # default (the installed package's config) would run the servers of whichever checkout is installed.
        "SWITCHBOARD_CONFIG": str(root / "config" / "switchboard.toml"),
        "PYTHONPATH": str(root),
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp / 'switchboard.sqlite'}",
        "XDG_DATA_HOME": str(tmp / "xdg"),
    }
    return env


def measure(roots: dict[str, Path], runs: int) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {name: {"floor": [], "import cli": [], "servers": []} for name in roots}
    with tempfile.TemporaryDirectory(prefix="switchboard-startup-") as scratch:
        envs: dict[str, dict[str, str]] = {}
        for name, root in roots.items():
            tmp = Path(scratch) / name
            tmp.mkdir()
            envs[name] = _env(root, tmp)
            _timed([sys.executable, "-m", "orchestrator", "--offline", "servers"], root, envs[name])  # migrate, seed
        for run in range(runs):
            for name, root in roots.items():
                env = envs[name]
                print(f"run {run + 1}/{runs}: {name}", file=sys.stderr, flush=True)
                times[name]["floor"].append(_timed([sys.executable, "-c", FLOOR], root, env))
                import_cli = [sys.executable, "-c", "import orchestrator.cli.commands"]
                times[name]["import cli"].append(_timed(import_cli, root, env))
                servers = [sys.executable, "-m", "orchestrator", "--offline", "servers"]
                times[name]["servers"].append(_timed(servers, root, env))
    return times


def render(times: dict[str, dict[str, list[float]]], roots: dict[str, Path], load: str) -> str:
    runs = len(next(iter(times.values()))["floor"])
    lines = [
        f"Start-up, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {len(os.sched_getaffinity(0))} CPUs, load average "
        f"{load} -> {_load()}; wall seconds of a fresh process, median (min) of {runs} runs",
        "",
        "| code | floor: 5 minimal servers, raw mcp.Client | import orchestrator.cli.commands | switchboard servers "
        "| servers / floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, cells in times.items():
        med = {k: statistics.median(v) for k, v in cells.items()}
        shown = " | ".join(f"{med[k]:.2f} ({min(v):.2f})" for k, v in cells.items())
        lines.append(f"| {name} ({roots[name]}) | {shown} | {med['servers'] / med['floor']:.2f}x |")
    return "\n".join(lines) + "\n"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="measured runs of each (default 5)")
    p.add_argument("--baseline", type=Path, help="another checkout to measure alongside (e.g. a git worktree)")
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = p.parse_args(argv)
    roots = {"current": ROOT}
    if args.baseline:
        roots = {"baseline": args.baseline.resolve(), **roots}
    load = _load()
    table = render(measure(roots, args.runs), roots, load)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
