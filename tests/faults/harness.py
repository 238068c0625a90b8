"""The fault-injection harness: our servers as real processes (stdio children or HTTP), faults, and the figures."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import anyio
from sqlalchemy import create_engine, text

from orchestrator import Orchestrator
from orchestrator.events import Event, ToolCallStarted
from orchestrator.offline import OfflineModel
from orchestrator.service import Reply
from orchestrator.settings import ServerConfig
from tests.orchestrator.support import settings_for
from tests.ports import free_port

Transport = Literal["stdio", "http"]
Fault = Literal["kill", "stop"]

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (
    ("ORD-78432", "jordan.lee@example.com", 8999),
    ("ORD-25260", "casey.ivanova@example.com", 7499),
    ("ORD-58389", "yael.haddad@example.com", 3999),
    ("ORD-65490", "elliot.patel@example.com", 3498),
)
"""Demo orders (dated relative to now, so always) eligible for an immediate refund: (order, email, cents)."""
OFFER = "Shall I go ahead with the refund?"
RETRY = "Shall I try again?"
INTERNALS = ("MCP", "tool_output", "unavailable:", "server", "connection", "nothing was sent", "Traceback")
REPORT_ENV = "SWITCHBOARD_FAULT_REPORT"
"""Set to a file path to append one JSON line per injected fault (the figures of docs/reliability.md)."""

SUPERVISION = {
    "connect_timeout_s": 5,
    "reconnect_wait_s": 15,  # generous for a loaded CI machine; a stdio child restarts in about a second
    "reconnect_backoff_s": 0.1,
    "reconnect_backoff_max_s": 1,
}


def spawn(argv: list[str]) -> "subprocess.Popen[bytes]":
    """Start a server process in the repository root, its output discarded."""
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stdio_children(module: str) -> list[int]:
    """Live child processes of this test process running `module`, oldest first (Linux /proc)."""
    found: list[tuple[int, int]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid, started = fields[0], int(fields[1]), int(fields[19])
        if ppid == os.getpid() and state not in ("Z", "X") and module.encode() in cmdline:
            found.append((started, int(entry.name)))
    return [pid for _, pid in sorted(found)]


def ask(order_id: str, email: str) -> str:
    """The customer's opening message for a refund of `order_id`."""
    return f"Hi, the item from my order {order_id} arrived broken and I want a refund. My email is {email}."


def refunds_of(db_url: str) -> list[tuple[str, int]]:
    """(order_id, amount in cents) of every refund, in order."""
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT order_id, amount_cents FROM refunds_refunds ORDER BY order_id")).all()
    finally:
        engine.dispose()
    return [(str(r[0]), int(r[1])) for r in rows]


def record(entry: dict[str, object]) -> None:
    """Append a figure to the report file, when one is asked for."""
    if path := os.environ.get(REPORT_ENV):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


@dataclass
class HttpServer:
    """One of our servers as an HTTP process on 127.0.0.1 (a process manager would restart it after a crash)."""

    name: str
    db_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def start(self) -> None:
        argv = [sys.executable, "-m", f"mcp_servers.{self.name}", "--transport", "http", "--port", str(self.port)]
        self.process = spawn([*argv, "--db", self.db_url, "--demo"])

    def stop(self) -> None:
        if self.process is not None:
            with suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Mesh:
    """The orchestrator over orders and refunds as real processes, with the faults to inject."""

    orch: Orchestrator
    transport: Transport
    db_url: str
    http: dict[str, HttpServer]
    frozen: list[int] = field(default_factory=list[int])

    def pid(self, name: str) -> int:
        if self.transport == "http":
            process = self.http[name].process
            assert process is not None
            return process.pid
        pids = stdio_children(f"mcp_servers.{name}")
        assert pids, f"no {name} child running"
        return pids[-1]

    async def inject(self, fault: Fault, name: str, tg: anyio.abc.TaskGroup, label: str) -> None:
        """Kill -9 or SIGSTOP server `name` now, and watch (in `tg`) until supervision has recovered it."""
        pid = self.pid(name)
        started = anyio.current_time()
        os.kill(pid, signal.SIGKILL if fault == "kill" else signal.SIGSTOP)
        if fault == "stop":
            self.frozen.append(pid)
        elif self.transport == "http":
            self.http[name].stop()  # reaps the killed process
            self.http[name].start()  # the process manager's restart
        tg.start_soon(self._watch, fault, name, pid, started, label)

    async def _watch(self, fault: Fault, name: str, pid: int, started: float, label: str) -> None:
        with anyio.fail_after(30):
            await self.orch.registry.wait_for(name, "failed")
            noticed = anyio.current_time() - started
            if fault == "stop" and self.transport == "http":
                os.kill(pid, signal.SIGCONT)  # the frozen process resumes (a pause ends); HTTP reconnects to it
            await self.orch.registry.wait_for(name, "connected")
        record(
            {
                "fault": fault,
                "transport": self.transport,
                "server": name,
                "when": label,
                "noticed_s": round(noticed, 3),
                "recovered_s": round(anyio.current_time() - started, 3),
            }
        )

    def cleanup(self) -> None:
        for pid in self.frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for server in self.http.values():
            server.stop()


@asynccontextmanager
async def mesh(
    tmp_path: Path, transport: Transport, db_url: str, orchestrator_db: str | None = None
) -> AsyncGenerator[Mesh]:
    """Orders and refunds as real processes on `db_url`, with the standard policies and the offline model."""
    names = ("orders", "refunds")
    http = {name: HttpServer(name, db_url) for name in names} if transport == "http" else {}
    if transport == "http":
        servers = [ServerConfig(name=n, url=http[n].url, **SUPERVISION) for n in names]  # pyright: ignore[reportArgumentType]
    else:
        servers = [
            ServerConfig(
                name=n,
                command=sys.executable,
                args=["-m", f"mcp_servers.{n}", "--demo"],
                cwd=str(ROOT),
                pass_env=["SWITCHBOARD_DATABASE_URL"],
                **SUPERVISION,  # pyright: ignore[reportArgumentType]
            )
            for n in names
        ]
    identity = {"identity_tools": ["verify_customer", "lookup_order"]}
    servers[0] = servers[0].model_copy(update=identity)
    servers[1] = servers[1].model_copy(update={"receives_customer": True})  # refunds, as shipped
    settings = settings_for(tmp_path, servers)
    if orchestrator_db is not None:
        settings = settings.model_copy(update={"database_url": orchestrator_db})
    for server in http.values():
        server.start()
    harness: Mesh | None = None
    try:
        async with Orchestrator.open(
            settings, model=OfflineModel(), environ={"SWITCHBOARD_DATABASE_URL": db_url}, policies=True
        ) as orch:
            harness = Mesh(orch, transport, db_url, http)
            with anyio.fail_after(60):
                for name in names:
                    await orch.registry.wait_for(name, "connected")
            yield harness
    finally:
        if harness is not None:
            harness.cleanup()
        for server in http.values():
            server.stop()


def at_tool(tool: str, action: Callable[[], Awaitable[None]]) -> Callable[[Event], Awaitable[None]]:
    """An event sink that runs `action` once, when the turn is about to call `tool`."""
    done: list[bool] = []

    async def sink(event: Event) -> None:
        if isinstance(event, ToolCallStarted) and event.name == tool and not done:
            done.append(True)
            await action()

    return sink


def assert_plain(reply: Reply) -> None:
    assert reply.text.strip(), "the turn gave no answer"
    leaked = [word for word in INTERNALS if word in reply.text]
    assert not leaked, reply.text


def elapsed(since: float) -> float:
    return round(time.perf_counter() - since, 3)
