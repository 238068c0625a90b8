"""Orchestration benchmark: what the orchestrator adds on top of MCP, next to raw `mcp.Client` and langchain.

    .venv/bin/python benchmarks/orchestration.py                  # full run (< 5 min), prints one table
    .venv/bin/python benchmarks/orchestration.py --calls 200 --turns 50 --startup-runs 3 --markdown out.md

Measures, over stdio (each server a subprocess) and streamable HTTP (each server a subprocess
`python -m mcp_servers.<name> --transport http` on a free loopback port), all five servers connected:

1. turn overhead: `Orchestrator.respond` with a zero-latency scripted model (one step asking for
   `lookup_order` + `search_faq` in parallel, then a text reply); time spent inside the model is subtracted.
2. per tool call, the same call mix the same number of times: raw `mcp.Client.call_tool` (one client per
   server), `ServerRegistry.call`, and langchain-mcp-adapters' `MultiServerMCPClient` (explicit session mode
   and default mode, which opens a new session, i.e. a new stdio process, per call). langchain runs from its
   own virtualenv (`benchmarks/.lc-venv`, created on first use) through `benchmarks/_langchain_client.py`.
3. startup: `Orchestrator.open` with the five stdio servers of `config/switchboard.toml` on a temp database,
   cold (migrate + seed) and warm, in process and as a fresh Python process.
"""

import argparse
import importlib
import json
import logging
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Generator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID
from mcp_servers._common.runner import parse_args
from orchestrator import Orchestrator
from orchestrator.llm.model import ModelRequest, TextCallback
from orchestrator.registry.registry import ServerRegistry
from orchestrator.settings import ServerConfig, Settings, load_settings
from orchestrator.testing.scripted import ScriptedModel, text_reply, tool_use
from orchestrator.wire import Message
from switchboard_common.storage import Database

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
LC_HELPER = HERE / "_langchain_client.py"
SERVERS = ("orders", "tickets", "faq", "refunds", "escalation")
TRANSPORTS = ("stdio", "http")
SECTIONS = ("turns", "calls", "langchain", "startup")

CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("orders", "lookup_order", {"order_id": FLAGSHIP_ORDER_ID, "customer_email": FLAGSHIP_EMAIL}),
    ("faq", "search_faq", {"query": "how do I return headphones that stopped working"}),
    (
        "refunds",
        "check_refund_eligibility",
        {"order_id": FLAGSHIP_ORDER_ID, "reason": "defective", "customer_email": FLAGSHIP_EMAIL},
    ),
]
"""The call mix of section 2, cycled in this order (read-only tools, so every repetition does the same work)."""

TURN_TEXT = f"Where is {FLAGSHIP_ORDER_ID}? My email is {FLAGSHIP_EMAIL}. And how do returns work?"


# -- statistics and the table --------------------------------------------------------------------------------


@dataclass
class Row:
    section: str
    transport: str
    what: str
    samples: list[float] = field(default_factory=list[float])
    """Milliseconds, one per call / turn / start."""
    baseline: "Row | None" = None
    target: str = ""
    note: str = ""

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else float("nan")

    def pct(self, q: float) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def ratio(self) -> float | None:
        """Mean (ms/call) over the baseline's mean."""
        if self.baseline is None or not self.samples or not self.baseline.samples:
            return None
        return self.mean / self.baseline.mean

    @property
    def p50_ratio(self) -> float | None:
        if self.baseline is None or not self.samples or not self.baseline.samples:
            return None
        return self.pct(0.5) / self.baseline.pct(0.5)


HEADERS = ("section", "transport", "measurement", "n", "mean ms", "p50 ms", "p95 ms", "vs raw mean/p50", "target")


def _cells(row: Row) -> list[str]:
    if not row.samples:
        return [row.section, row.transport, row.what, "0", "-", "-", "-", "-", row.note or row.target]

    def ms(value: float) -> str:
        return f"{value:.1f}" if value >= 100 else f"{value:.2f}"

    ratio, p50_ratio = row.ratio, row.p50_ratio
    return [
        row.section,
        row.transport,
        row.what,
        str(len(row.samples)),
        ms(row.mean),
        ms(row.pct(0.5)),
        ms(row.pct(0.95)),
        f"{ratio:.2f}x / {p50_ratio:.2f}x" if ratio is not None and p50_ratio is not None else "",
        " ".join(part for part in (row.target, row.note) if part),
    ]


def render_text(rows: Sequence[Row]) -> str:
    table = [list(HEADERS), *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    numeric = {3, 4, 5, 6, 7}
    lines: list[str] = []
    for index, line in enumerate(table):
        lines.append(
            "  ".join(
                cell.rjust(w) if i in numeric else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def render_markdown(rows: Sequence[Row], header: str) -> str:
    out = [header, "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * 3 + "---:|" * 5 + "---|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(out) + "\n"


def check(value: float | None, limit: float, unit: str) -> str:
    if value is None or value != value:  # None or NaN
        return f"target {limit:g}{unit}: n/a"
    return f"target <{limit:g}{unit}: {'PASS' if value < limit else 'MISS'}"


# -- servers ---------------------------------------------------------------------------------------------------


def seed_database(url: str) -> None:
    """Migrate and seed every server's tables once (the ShopExpress demo: `--demo`), before any server starts."""
    for name in SERVERS:
        main = importlib.import_module(f"mcp_servers.{name}.__main__")
        args = parse_args(name, ["--db", url, "--demo"], {}, getattr(main, "add_arguments", None))
        db = Database(url)
        try:
            main.build(db, args)
        finally:
            db.dispose()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def http_servers(db_url: str, log_dir: Path, timeout_s: float = 60) -> Generator[dict[str, str]]:
    """Run the five servers as `--transport http` subprocesses; yield name -> `/mcp` URL."""
    procs: dict[str, tuple[subprocess.Popen[bytes], int, Path]] = {}
    try:
        for name in SERVERS:
            port, log = _free_port(), log_dir / f"{name}-http.log"
            command = [sys.executable, "-m", f"mcp_servers.{name}", "--transport", "http", "--port", str(port)]
            with log.open("wb") as sink:
                proc = subprocess.Popen([*command, "--db", db_url], cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
            procs[name] = (proc, port, log)
        deadline = time.monotonic() + timeout_s
        for name, (proc, port, log) in procs.items():
            while not _healthy(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"HTTP server {name} did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.05)
        yield {name: f"http://127.0.0.1:{port}/mcp" for name, (_, port, _) in procs.items()}
    finally:
        for proc, _, _ in procs.values():
            proc.terminate()
        for proc, _, _ in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def stdio_args(name: str, db_url: str) -> list[str]:
    return ["-m", f"mcp_servers.{name}", "--db", db_url]


def server_configs(base: Settings, transport: str, db_url: str, urls: dict[str, str]) -> list[ServerConfig]:
    """The configured servers (hidden tools and timeouts kept), pointed at the benchmark database or URLs."""
    configs: list[ServerConfig] = []
    for config in base.enabled_servers:
        if transport == "stdio":
            configs.append(
                ServerConfig(
                    **config.model_dump(exclude={"command", "args", "cwd", "pass_env", "url", "token_env"}),
                    command=sys.executable,
                    args=stdio_args(config.name, db_url),
                    cwd=str(ROOT),
                    pass_env=[],
                )
            )
        else:
            configs.append(
                ServerConfig(
                    **config.model_dump(exclude={"command", "args", "cwd", "env", "pass_env", "url", "token_env"}),
                    url=urls[config.name],
                )
            )
    return configs


def raw_target(transport: str, name: str, db_url: str, urls: dict[str, str]) -> StdioServerParameters | str:
    if transport == "stdio":
        return StdioServerParameters(command=sys.executable, args=stdio_args(name, db_url), cwd=str(ROOT))
    return urls[name]


# -- 2. per-call: raw mcp.Client vs ServerRegistry.call ----------------------------------------------------------


def _plan(count: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [CALLS[i % len(CALLS)] for i in range(count)]


async def measure_calls(
    transport: str, settings: Settings, db_url: str, urls: dict[str, str], *, calls: int, rounds: int, warmup: int
) -> tuple[Row, Row]:
    """Raw clients and the registry, connected side by side, called in alternating (ABBA) blocks."""
    raw = Row("2 per call", transport, "raw mcp.Client.call_tool")
    reg = Row("2 per call", transport, "ServerRegistry.call", baseline=raw, target="")
    async with AsyncExitStack() as stack:
        clients: dict[str, Client] = {}
        for name in SERVERS:  # every server connected, as in the orchestrator
            target = raw_target(transport, name, db_url, urls)
            clients[name] = await stack.enter_async_context(Client(target))
        registry = await stack.enter_async_context(
            ServerRegistry(server_configs(settings, transport, db_url, urls), strict=True)
        )

        async def run_raw(plan: list[tuple[str, str, dict[str, Any]]], out: list[float] | None) -> None:
            for server, tool, args in plan:
                started = time.perf_counter()
                result = await clients[server].call_tool(tool, args)
                elapsed = (time.perf_counter() - started) * 1000
                if result.is_error:
                    raise RuntimeError(f"raw {tool} failed: {result.content}")
                if out is not None:
                    out.append(elapsed)

        async def run_registry(plan: list[tuple[str, str, dict[str, Any]]], out: list[float] | None) -> None:
            for _, tool, args in plan:
                started = time.perf_counter()
                result = await registry.call(tool, args)
                elapsed = (time.perf_counter() - started) * 1000
                if result.is_error:
                    raise RuntimeError(f"registry {tool} failed: {result.content}")
                if out is not None:
                    out.append(elapsed)

        await run_raw(_plan(warmup), None)
        await run_registry(_plan(warmup), None)
        block = max(1, calls // max(1, rounds))
        done = 0
        for index in range(rounds):
            count = block if index < rounds - 1 else calls - done
            done += count
            order = (run_raw, run_registry) if index % 2 == 0 else (run_registry, run_raw)
            for runner in order:
                await runner(_plan(count), raw.samples if runner is run_raw else reg.samples)
    return raw, reg


# -- 1. turn overhead ---------------------------------------------------------------------------------------------


class TimedModel:
    """A `ModelClient` around a `ScriptedModel` that adds up the time spent inside the model."""

    def __init__(self) -> None:
        self.inner = ScriptedModel([])
        self.elapsed = 0.0

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def offline(self) -> bool:
        return self.inner.offline

    def script_turn(self) -> None:
        def ask(_request: ModelRequest) -> Message:
            return tool_use(
                ("lookup_order", {"order_id": FLAGSHIP_ORDER_ID, "customer_email": FLAGSHIP_EMAIL}),
                ("search_faq", {"query": "how do returns work"}),
            )

        def answer(_request: ModelRequest) -> Message:
            return text_reply("Your headphones were delivered 14 days ago; returns are free within 30 days.")

        self.inner.steps.extend([ask, answer])
        self.inner.calls.clear()

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        started = time.perf_counter()
        try:
            return await self.inner.create(request, on_text=on_text)
        finally:
            self.elapsed += time.perf_counter() - started


def _covered(spans: Sequence[tuple[float, float]]) -> float:
    """Seconds covered by the union of (start, end) intervals (parallel tool calls overlap)."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


async def measure_turns(
    transport: str,
    settings: Settings,
    db_url: str,
    urls: dict[str, str],
    tmp: Path,
    *,
    turns: int,
    per_conversation: int,
    warmup: int,
) -> tuple[Row, Row]:
    """`respond` wall time minus time in the model; and minus the tool calls' span too (the orchestrator's own)."""
    row = Row("1 per turn", transport, "Orchestrator.respond - model time")
    own = Row("1 per turn", transport, "  - model time - tool-call span (registry.call)")
    turn_settings = settings.model_copy(
        update={
            "servers": server_configs(settings, transport, db_url, urls),
            "database_url": f"sqlite:///{tmp / f'orchestrator-{transport}.db'}",
        }
    )
    model = TimedModel()
    async with Orchestrator.open(turn_settings, model=model) as orch:
        spans: list[tuple[float, float]] = []
        call = orch.registry.call

        async def timed_call(
            claude_name: str, arguments: dict[str, object], *, meta: dict[str, object] | None = None
        ) -> CallToolResult:
            started = time.perf_counter()
            try:
                return await call(claude_name, arguments, meta=meta)
            finally:
                spans.append((started, time.perf_counter()))

        orch.registry.call = timed_call  # the ToolRunner calls through this instance attribute
        conversation = orch.start()
        for index in range(warmup + turns):
            if index % per_conversation == 0:
                conversation = orch.start()
            model.script_turn()
            spans.clear()
            model_before = model.elapsed
            started = time.perf_counter()
            reply = await orch.respond(conversation, TURN_TEXT)
            wall = time.perf_counter() - started
            if len(reply.tool_calls) != 2 or any(r.is_error or r.refused for r in reply.tool_calls):
                raise RuntimeError(f"turn did not run both tools cleanly: {reply.tool_calls}")
            if index >= warmup:
                outside_model = wall - (model.elapsed - model_before)
                row.samples.append(outside_model * 1000)
                own.samples.append((outside_model - _covered(spans)) * 1000)
    return row, own


# -- 2c. langchain-mcp-adapters in its own venv --------------------------------------------------------------


def ensure_lc_venv(path: Path) -> tuple[Path | None, str]:
    """Create the langchain venv on first use; return its python (or None) and a note on what failed."""
    python = path / "bin" / "python"
    probe = [str(python), "-c", "import langchain_mcp_adapters"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python, ""
    print(f"creating {path} (python3 -m venv; pip install langchain-mcp-adapters) ...", file=sys.stderr)
    steps = [
        ["python3", "-m", "venv", str(path)],
        [str(python), "-m", "pip", "install", "-q", "langchain-mcp-adapters"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"`{' '.join(step)}` failed (exit {done.returncode}): {' / '.join(tail)}"
    return python, ""


async def measure_langchain(
    python: Path,
    transport: str,
    db_url: str,
    urls: dict[str, str],
    *,
    calls: int,
    default_calls: int,
    warmup: int,
    rounds: int,
    raw: Row | None,
) -> tuple[list[Row], dict[str, str]]:
    session = Row("2 per call", transport, "langchain session: load_mcp_tools, ainvoke", baseline=raw)
    raw1 = Row("2 per call", transport, "  mcp 1.x ClientSession.call_tool, same sessions", baseline=raw)
    default = Row("2 per call", transport, "langchain default: get_tools, ainvoke", baseline=raw)
    connections: dict[str, dict[str, Any]] = {}
    for name in SERVERS:
        if transport == "stdio":
            args = stdio_args(name, db_url)
            connections[name] = {"transport": "stdio", "command": sys.executable, "args": args, "cwd": str(ROOT)}
        else:
            connections[name] = {"transport": "streamable_http", "url": urls[name]}
    job = {
        "connections": connections,
        "calls": [list(c) for c in CALLS],
        "warmup": warmup,
        "session_calls": calls,
        "rounds": rounds,
        "default_calls": default_calls,
    }
    done = await anyio.run_process([str(python), str(LC_HELPER)], input=json.dumps(job).encode(), check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-2:]
        session.note = f"helper failed (exit {done.returncode}): {' / '.join(tail)}"
        return [session], {}
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    session.samples, raw1.samples, default.samples = result["session"], result["raw_session"], result["default"]
    return [session, raw1, default], result["versions"]


# -- 3. startup ---------------------------------------------------------------------------------------------------


def _startup_environ(db_url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    environ["SWITCHBOARD_DATABASE_URL"] = db_url
    return environ


async def open_until_ready(environ: dict[str, str]) -> float:
    """Seconds from `Orchestrator.open` (configured stdio servers) until a conversation can start."""
    settings = load_settings(environ=environ)
    started = time.perf_counter()
    async with Orchestrator.open(settings, model=ScriptedModel([]), environ=environ) as orch:
        orch.start()
        ready = time.perf_counter() - started
        down = [h.name for h in orch.registry.health() if h.state != "connected"]
        if down:
            raise RuntimeError(f"servers not connected at startup: {down}")
    return ready


async def measure_startup_in_process(tmp: Path, runs: int) -> list[Row]:
    what = "Orchestrator.open, 5 stdio servers"
    cold = Row("3 startup", "stdio", f"{what}, cold DB (migrate+seed)")
    warm = Row("3 startup", "stdio", f"{what}, warm DB")
    single = Row("3 startup", "stdio", "  one server alone: spawn to connected")
    db_url = f"sqlite:///{tmp / 'startup-inproc.db'}"
    environ = _startup_environ(db_url)
    for index in range(runs):
        (cold if index == 0 else warm).samples.append(await open_until_ready(environ) * 1000)
    warm.target = check(warm.pct(0.5) / 1000 if warm.samples else None, 2, " s (p50)")
    for name in SERVERS:  # the floor each server adds: interpreter start, imports, database open, handshake
        started = time.perf_counter()
        async with Client(raw_target("stdio", name, db_url, {})):
            single.samples.append((time.perf_counter() - started) * 1000)
    return [cold, warm, single]


STARTUP_CHILD = """
import anyio
from orchestrator import Orchestrator
from orchestrator.settings import load_settings
from orchestrator.testing import ScriptedModel

async def main():
    async with Orchestrator.open(load_settings(), model=ScriptedModel([])) as orch:
        orch.start()
        ready = all(h.state == "connected" for h in orch.registry.health())
        print("ready" if ready else "failed", flush=True)

anyio.run(main)
"""


def measure_startup_process(tmp: Path, runs: int) -> list[Row]:
    """Wall time from spawning a fresh `python` (imports + `Orchestrator.open`) to its `ready` line."""
    what = "fresh python process: imports + open"
    cold = Row("3 startup", "stdio", f"{what}, cold DB")
    warm = Row("3 startup", "stdio", f"{what}, warm DB")
    environ = _startup_environ(f"sqlite:///{tmp / 'startup-proc.db'}")
    for index in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", STARTUP_CHILD], cwd=ROOT, env=environ, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - started
        proc.stdout.read()
        if proc.wait(timeout=60) != 0 or not line.startswith(b"ready"):
            raise RuntimeError(f"startup child failed (exit {proc.returncode}): {line!r}")
        (cold if index == 0 else warm).samples.append(elapsed * 1000)
    return [cold, warm]


# -- main ---------------------------------------------------------------------------------------------------------


@contextmanager
def phase(label: str) -> Generator[None]:
    """Say on stderr what runs and how long it took (the table goes to stdout)."""
    print(f"{label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=600, help="timed calls per method and transport (default 600)")
    p.add_argument("--rounds", type=int, default=4, help="alternating raw/registry blocks (default 4)")
    p.add_argument("--warmup", type=int, default=30, help="untimed calls (or turns) first (default 30)")
    p.add_argument("--turns", type=int, default=200, help="timed turns per transport (default 200)")
    p.add_argument("--turns-per-conversation", type=int, default=5, help="turns before a new conversation")
    p.add_argument("--lc-calls", type=int, help="langchain session-mode calls (default: --calls)")
    p.add_argument("--lc-default-calls", type=int, default=10, help="langchain default-mode calls, stdio (10)")
    p.add_argument("--lc-default-http-calls", type=int, default=50, help="langchain default-mode calls, HTTP (50)")
    p.add_argument("--lc-venv", type=Path, default=HERE / ".lc-venv", help="langchain virtualenv (created if missing)")
    p.add_argument("--startup-runs", type=int, default=5, help="startups of each kind; the first is cold (5)")
    p.add_argument("--transport", choices=TRANSPORTS, action="append", help="only this transport (repeatable)")
    p.add_argument("--skip", choices=SECTIONS, action="append", default=[], help="skip a section (repeatable)")
    p.add_argument("--markdown", type=Path, help="also write the table as markdown to this file")
    return p.parse_args(argv)


async def run_transport(
    transport: str, args: argparse.Namespace, settings: Settings, db_url: str, urls: dict[str, str], tmp: Path
) -> tuple[list[Row], dict[str, str]]:
    rows: list[Row] = []
    versions: dict[str, str] = {}
    raw: Row | None = None
    if "turns" not in args.skip:
        with phase(f"[{transport}] turns through Orchestrator.respond"):
            rows += await measure_turns(
                transport,
                settings,
                db_url,
                urls,
                tmp,
                turns=args.turns,
                per_conversation=args.turns_per_conversation,
                warmup=min(args.warmup, 10),
            )
    if "calls" not in args.skip:
        with phase(f"[{transport}] raw mcp.Client vs ServerRegistry.call"):
            raw, reg = await measure_calls(
                transport, settings, db_url, urls, calls=args.calls, rounds=args.rounds, warmup=args.warmup
            )
        reg.target = check(reg.ratio, 1.1, "x raw")
        rows += [raw, reg]
    if "langchain" not in args.skip:
        with phase(f"[{transport}] langchain-mcp-adapters"):
            python, problem = ensure_lc_venv(args.lc_venv)
            if python is None:
                rows.append(Row("2 per call", transport, "langchain-mcp-adapters", note=problem))
            else:
                lc_rows, versions = await measure_langchain(
                    python,
                    transport,
                    db_url,
                    urls,
                    calls=args.lc_calls or args.calls,
                    default_calls=args.lc_default_calls if transport == "stdio" else args.lc_default_http_calls,
                    warmup=args.warmup,
                    rounds=args.rounds,
                    raw=raw,
                )
                rows += lc_rows
    return rows, versions


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    transports: list[str] = args.transport or list(TRANSPORTS)
    rows: list[Row] = []
    versions: dict[str, str] = {}
    began, load_before = time.perf_counter(), _load()
    with tempfile.TemporaryDirectory(prefix="switchboard-bench-") as tmp_name:
        tmp = Path(tmp_name)
        db_url = f"sqlite:///{tmp / 'servers.db'}"
        settings = load_settings(environ=_startup_environ(db_url))
        if {"turns", "calls", "langchain"} - set(args.skip):
            with phase("seeding the benchmark database"):
                seed_database(db_url)
            for transport in transports:
                if transport == "http":
                    with http_servers(db_url, tmp) as urls:
                        found, found_versions = anyio.run(run_transport, transport, args, settings, db_url, urls, tmp)
                else:
                    found, found_versions = anyio.run(
                        run_transport, transport, args, settings, db_url, dict[str, str](), tmp
                    )
                rows += found
                versions |= found_versions
        if "startup" not in args.skip and args.startup_runs > 0:
            with phase("startup, in process"):
                rows += anyio.run(measure_startup_in_process, tmp, args.startup_runs)
            with phase("startup, fresh process"):
                rows += measure_startup_process(tmp, args.startup_runs)
    order = {s: i for i, s in enumerate(("1 per turn", "2 per call", "3 startup"))}
    rows.sort(key=lambda r: order[r.section])  # stable: transports and methods keep their order
    lc = ", ".join(f"{k} {v}" for k, v in versions.items()) or "not run"
    header = (
        f"Switchboard orchestration benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load_before} -> {_load()}; python {platform.python_version()}, "
        f"mcp {version('mcp')}; langchain venv: {lc}. calls={args.calls}, lc default calls={args.lc_default_calls} "
        f"stdio / {args.lc_default_http_calls} http, turns={args.turns}, startup runs={args.startup_runs}; "
        f"took {time.perf_counter() - began:.0f} s"
    )
    print(header)
    print(render_text(rows))
    if args.markdown:
        args.markdown.write_text(render_markdown(rows, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
