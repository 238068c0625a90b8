"""The deployment topology as processes on loopback, run from the shipped files in deploy/.

Five MCP servers over streamable HTTP (refunds twice), `serve` replicas, and HAProxy (`deploy/haproxy.cfg`)
in front of the serve replicas and of the refunds replicas, all on one PostgreSQL database. serve reads
`deploy/k8s/switchboard.toml` with each service name replaced by its loopback address. Every process is
started on 127.0.0.1 with a port of its own and is stopped on exit, whatever happened.
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import anyio
import httpx2 as httpx

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CLUSTER_CONFIG = DEPLOY / "k8s" / "switchboard.toml"
HAPROXY_CONFIG = DEPLOY / "haproxy.cfg"
SERVERS = ("orders", "tickets", "faq", "refunds", "escalation")
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0
POLL_S = 0.1
"""Pause between two readiness probes (a probe of a port nobody listens on yet fails at once)."""


def haproxy_path() -> str | None:
    """Debian's HAProxy, if installed."""
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)


def with_query(url: str, **params: str) -> str:
    """`url` with extra query parameters (e.g. `application_name`, to tell replicas apart in PostgreSQL)."""
    extra = "&".join(f"{k}={quote(v)}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


def token_env(name: str) -> str:
    """The variable serve reads the bearer token of MCP server `name` from (`token_env` in the config)."""
    return f"SWITCHBOARD_{name.upper()}_TOKEN"


@dataclass
class Proc:
    """One process of the topology."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    command: list[str] = field(default_factory=list[str])
    env: dict[str, str] = field(default_factory=dict[str, str])
    """What the process was started with, to start it again."""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: the replica dies without any chance to finish what it was doing."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_S)

    def restart(self) -> None:
        """Start the same command again (as Kubernetes restarts a pod): same port, same environment, same log."""
        assert not self.alive and self.command, f"{self.name}: only a stopped process with a command restarts"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        """SIGTERM, a bounded wait, then SIGKILL."""
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)


@dataclass
class Cluster:
    """The running topology: HAProxy's URLs, every process by name, and the tokens it was started with."""

    web_url: str
    """HAProxy in front of the serve replicas: where customers and agents connect."""
    refunds_url: str
    """HAProxy in front of the refunds replicas."""
    stats_url: str
    database_url: str
    agent_token: str
    serve: dict[str, Proc] = field(default_factory=dict[str, Proc])
    """serve-1, serve-2 (HAProxy's names for them)."""
    servers: dict[str, Proc] = field(default_factory=dict[str, Proc])
    """orders, tickets, faq, escalation, refunds-1, refunds-2."""
    haproxy: Proc | None = None

    @property
    def agent_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agent_token}", "X-Agent-Name": "sam.rivera"}


def cluster_config(
    addresses: Mapping[str, str], *, lift_rate_limits: bool = False, takeover_s: float | None = None
) -> str:
    """The shipped cluster config with each `http://NAME:8000` replaced by `addresses[NAME]` (host:port).

    With `takeover_s`, a turn whose serve process went silent is taken over after that many seconds (the
    heartbeat a tenth of it) instead of the shipped default.

    Raises:
        ValueError: the shipped file does not name every server as the deployment expects.
    """
    text = CLUSTER_CONFIG.read_text(encoding="utf-8")
    text = text.replace('"/app/config/', f'"{ROOT / "config"}/')
    for name in SERVERS:
        text, found = re.subn(rf'"http://{name}:8000/mcp"', f'"http://{addresses[name]}/mcp"', text)
        if found != 1:
            raise ValueError(f"{CLUSTER_CONFIG}: expected one url http://{name}:8000/mcp")
    if lift_rate_limits:  # load tests: every customer comes from 127.0.0.1
        text, lifted = re.subn(r'^(conversations|messages) = "[^"]*"', r'\1 = "1000000/second"', text, flags=re.M)
        if lifted != 2:
            raise ValueError(f"{CLUSTER_CONFIG}: expected [web.rate_limits] conversations and messages")
    if takeover_s is not None:
        text, found = re.subn(
            r"^\[web\]\n",
            f"[web]\nturn_heartbeat_s = {takeover_s / 10}\nturn_takeover_s = {takeover_s}\n",
            text,
            flags=re.M,
        )
        if found != 1:
            raise ValueError(f"{CLUSTER_CONFIG}: expected one [web] table")
    return text


class _Launcher:
    def __init__(self, tmp: Path, stack: AsyncExitStack) -> None:
        self.tmp = tmp
        self.stack = stack
        self.env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
        self.env |= {"PYTHONUNBUFFERED": "1", "XDG_DATA_HOME": str(tmp / "xdg")}

    def start(self, name: str, command: Sequence[str], url: str, env: Mapping[str, str]) -> Proc:
        log = self.tmp / f"{name}.log"
        full_env = self.env | dict(env)
        with log.open("wb") as out:
            process = subprocess.Popen(list(command), cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        proc = Proc(name, process, url, log, list(command), full_env)
        self.stack.callback(proc.stop)
        return proc


async def wait_in_rotation(client: httpx.AsyncClient, stats_url: str, backend: str, server: str) -> None:
    """Poll HAProxy's stats until its health checks have put `server` of `backend` back in rotation."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            rows = (await client.get(f"{stats_url}/stats;csv")).text.splitlines()
            header = rows[0].removeprefix("# ").split(",")
            status = {(r[0], r[1]): r[header.index("status")] for r in (row.split(",") for row in rows[1:]) if r}
            if status.get((backend, server)) == "UP":
                return
            await anyio.sleep(POLL_S)


async def wait_healthy(client: httpx.AsyncClient, procs: Sequence[Proc], *, seconds: float = START_TIMEOUT_S) -> None:
    """Poll each process's `/healthz` until it answers 200 with status ok; fail early if a process exits."""
    with anyio.fail_after(seconds):
        for proc in procs:
            while True:
                if not proc.alive:
                    raise AssertionError(f"{proc.name} exited with {proc.process.returncode}:\n{proc.log_tail()}")
                try:
                    response = await client.get(f"{proc.url}/healthz", timeout=5)
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200 and response.json()["status"] == "ok":
                    break
                await anyio.sleep(POLL_S)


@asynccontextmanager
async def cluster(
    tmp: Path,
    database_url: str,
    *,
    serve_replicas: int = 2,
    lift_rate_limits: bool = False,
    takeover_s: float | None = None,
) -> AsyncGenerator[Cluster]:
    """Start the topology on loopback; stop every process on exit.

    Args:
        tmp: A folder for logs, the generated config and the data directory.
        database_url: A PostgreSQL URL (a scratch schema) shared by every process.
        serve_replicas: 1 or 2 serve processes (with 1, both of HAProxy's serve entries name the same process).
        lift_rate_limits: Lift the per-address and per-conversation limits (load tests).
        takeover_s: Shorten `web.turn_takeover_s` (tests that kill a serve replica mid-turn).
    """
    haproxy = haproxy_path()
    if haproxy is None:
        raise AssertionError("haproxy is not installed (.ci/run installs Debian's package)")
    if serve_replicas not in (1, 2):
        raise ValueError("serve_replicas must be 1 or 2")
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        launch = _Launcher(tmp, stack)
        lb = {k: free_port() for k in ("web", "refunds", "stats")}
        tokens = {name: secrets.token_hex(16) for name in SERVERS}
        result = Cluster(
            web_url=f"http://127.0.0.1:{lb['web']}",
            refunds_url=f"http://127.0.0.1:{lb['refunds']}",
            stats_url=f"http://127.0.0.1:{lb['stats']}",
            database_url=database_url,
            agent_token=secrets.token_hex(16),
        )

        def mcp_server(name: str, component: str, allowed_host: str | None = None) -> Proc:
            port = free_port()
            command = [sys.executable, "-m", f"mcp_servers.{component}", "--transport", "http"]
            command += [
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--allowed-host",
                allowed_host or f"127.0.0.1:{port}",
            ]
            command += ["--db", with_query(database_url, application_name=name), "--demo"]  # the tests' customers
            proc = launch.start(name, command, f"http://127.0.0.1:{port}", {"SWITCHBOARD_MCP_TOKEN": tokens[component]})
            result.servers[name] = proc
            return proc

        # Clients reach the refunds replicas through HAProxy, so the Host they send is HAProxy's.
        refunds_host = f"127.0.0.1:{lb['refunds']}"
        first = [mcp_server(n, n) for n in SERVERS if n != "refunds"]
        # Both refunds replicas start together on the empty database (the demo seed runs once, under a lock).
        refunds = [mcp_server(f"refunds-{i}", "refunds", refunds_host) for i in (1, 2)]
        await wait_healthy(client, [*first, *refunds])

        serve_ports = [free_port() for _ in range(serve_replicas)]
        env = {
            "SB_WEB_BIND": f"127.0.0.1:{lb['web']}",
            "SB_REFUNDS_BIND": refunds_host,
            "SB_STATS_BIND": f"127.0.0.1:{lb['stats']}",
            "SB_SERVE_1": f"127.0.0.1:{serve_ports[0]}",
            "SB_SERVE_2": f"127.0.0.1:{serve_ports[-1]}",
            "SB_REFUNDS_1": refunds[0].url.removeprefix("http://"),
            "SB_REFUNDS_2": refunds[1].url.removeprefix("http://"),
        }
        result.haproxy = launch.start("haproxy", [haproxy, "-db", "-f", str(HAPROXY_CONFIG)], result.stats_url, env)
        # serve connects its servers once at startup: the refunds balancer must answer before serve starts.
        behind_refunds = Proc("haproxy refunds", result.haproxy.process, result.refunds_url, result.haproxy.log)
        await wait_healthy(client, [behind_refunds])

        addresses = {n: result.servers[n].url.removeprefix("http://") for n in SERVERS if n != "refunds"}
        config = tmp / "switchboard.toml"
        config.write_text(
            cluster_config(
                addresses | {"refunds": refunds_host}, lift_rate_limits=lift_rate_limits, takeover_s=takeover_s
            )
        )
        serve_env = {token_env(n): tokens[n] for n in SERVERS} | {
            "SWITCHBOARD_CONFIG": str(config),
            "SWITCHBOARD_AGENT_TOKEN": result.agent_token,
        }
        for index, port in enumerate(serve_ports, 1):
            name = f"serve-{index}"
            command = [sys.executable, "-m", "orchestrator", "--offline", "serve", "--host", "127.0.0.1"]
            db = with_query(database_url, application_name=name)
            url = f"http://127.0.0.1:{port}"
            env = serve_env | {"SWITCHBOARD_DATABASE_URL": db}
            result.serve[name] = launch.start(name, [*command, "--port", str(port)], url, env)

        behind_web = Proc("haproxy web", result.haproxy.process, result.web_url, result.haproxy.log)
        await wait_healthy(client, [*result.serve.values(), behind_web])
        yield result
