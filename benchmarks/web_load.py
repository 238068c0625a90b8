"""Load benchmark of `switchboard serve`: N concurrent customer conversations through the real HTTP API.

    .venv/bin/python benchmarks/web_load.py                                # 500 conversations, SQLite
    .venv/bin/python benchmarks/web_load.py --conversations 50             # quick check
    .venv/bin/python benchmarks/web_load.py --database postgres --json out.json

Starts `python -m orchestrator --offline serve --port 0` (five stdio MCP servers, the offline rule-based model)
on 127.0.0.1 with a temp database (a temp SQLite file, or a scratch PostgreSQL schema dropped at the end),
reads the URL from its first stdout line, and always stops it (SIGTERM, then SIGKILL) at the end.

After one untimed warm-up conversation, all N conversations start together (a start barrier in one anyio
task group, one httpx client with a connection limit of N): create, 3-4 customer messages from one of four
scripts (flagship refund, FAQ, order status, hand-off to a human), end, CSAT. Each message's reply is an SSE
stream read to its end; a turn is timed from the POST to the `done` event. Errors: non-2xx status, `error`
events, streams without `done`, exceptions and timeouts. Memory: VmRSS of the serve process and of its
descendants (the MCP servers), from /proc, sampled every `--sample-interval` seconds.
"""

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Generator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
from _postgres import postgres_schema, postgres_version
from _proc import (
    cpu_seconds,
    descendants,
    is_mcp_server,
    machine_cpu_seconds,
    postgres_cpu_seconds,
    stat_fields,
    status_kb,
)

from mcp_servers._common.demo import FLAGSHIP_EMAIL, FLAGSHIP_ORDER_ID, build_demo_store

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
AGENT_TOKEN = "web-load-benchmark-token"
JSON_HEADERS = {"Content-Type": "application/json"}
KEEPALIVE_S = 2.0
"""The client's keep-alive expiry: well under uvicorn's 5 s, so no request goes out on a connection being closed."""


# -- the customers' scripts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    name: str
    messages: tuple[str, ...]
    csat: int


def scripts() -> list[Script]:
    """Four scripts on the demo store; the order and hand-off scripts rotate over real demo orders."""
    store = build_demo_store(datetime.now(UTC))
    others = [o for o in store.orders if o.order_id != FLAGSHIP_ORDER_ID]
    moving = [o for o in others if o.status in ("shipped", "processing")] or others
    delivered = [o for o in others if o.status == "delivered"] or others
    out = [
        Script(
            "flagship",
            (
                f"Hi, I ordered a pair of headphones 2 weeks ago and they don't work. My order is {FLAGSHIP_ORDER_ID}.",
                FLAGSHIP_EMAIL,
                "The Bluetooth won't connect to anything at all. I've tried with 3 different devices.",
                "Yes I've tried everything!! Nothing works. I want a refund.",
            ),
            4,
        ),
        Script(
            "faq",
            (
                "How long does shipping take?",
                "What is your return policy?",
                "Do you ship internationally?",
                "Thanks, that's all I needed.",
            ),
            5,
        ),
    ]
    for order in moving[:4]:
        out.append(
            Script(
                "order",
                (
                    f"Where is my order {order.order_id}?",
                    order.customer_email,
                    "When will my order arrive?",
                    "Great, thanks for your help.",
                ),
                5,
            )
        )
    for order in delivered[:4]:
        out.append(
            Script(
                "human",
                (
                    f"My order {order.order_id} arrived damaged.",
                    order.customer_email,
                    "I'd like to talk to a human agent, please.",
                    "Hello? Is anyone there?",
                ),
                2,
            )
        )
    return out


KINDS = ("flagship", "faq", "order", "human")


def plan(count: int, kinds: Sequence[str] = KINDS) -> list[Script]:
    """Conversation i's script: the given kinds in turn (default flagship, faq, order, human), orders rotating."""
    pool = scripts()
    by_kind: dict[str, list[Script]] = {}
    for script in pool:
        by_kind.setdefault(script.name, []).append(script)
    n = len(kinds)
    return [by_kind[kinds[i % n]][(i // n) % len(by_kind[kinds[i % n]])] for i in range(count)]


# -- results ---------------------------------------------------------------------------------------------------


@dataclass
class Results:
    turn_ms: list[float] = field(default_factory=list[float])
    headers_ms: list[float] = field(default_factory=list[float])
    first_event_ms: list[float] = field(default_factory=list[float])
    create_ms: list[float] = field(default_factory=list[float])
    end_ms: list[float] = field(default_factory=list[float])
    csat_ms: list[float] = field(default_factory=list[float])
    turn_ms_by_script: dict[str, list[float]] = field(default_factory=dict[str, list[float]])
    errors: Counter[str] = field(default_factory=Counter[str])
    turns_started: int = 0
    turns_done: int = 0
    conversations_done: int = 0
    statuses: Counter[str] = field(default_factory=Counter[str])
    escalations: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    """Details of the first failures (what, which script and turn, when, how long after the request)."""
    started: float = field(default_factory=time.perf_counter)

    def fail(self, key: str, t0: float, **detail: Any) -> None:
        self.errors[key] += 1
        if len(self.failures) < 50:
            now = time.perf_counter()
            at = {"at_s": round(now - self.started, 2), "after_ms": round((now - t0) * 1000)}
            self.failures.append({"error": key, **detail, **at})

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def pct(samples: Sequence[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(samples: Sequence[float]) -> dict[str, float | int]:
    return {
        "n": len(samples),
        "mean": statistics.fmean(samples) if samples else float("nan"),
        "p50": pct(samples, 0.5),
        "p95": pct(samples, 0.95),
        "p99": pct(samples, 0.99),
        "max": max(samples) if samples else float("nan"),
    }


# -- memory of the server and its MCP servers ---------------------------------------------------------------


@dataclass
class Memory:
    server_kb: int
    children_kb: int
    children: int

    @property
    def total_kb(self) -> int:
        return self.server_kb + self.children_kb


def memory(pid: int) -> Memory:
    """The serve process (with its `--workers` processes) against its MCP servers."""
    kids = descendants(pid)
    workers = [k for k in kids if not is_mcp_server(k)]
    servers = [k for k in kids if k not in workers]
    return Memory(status_kb(pid) + sum(status_kb(k) for k in workers), sum(status_kb(k) for k in servers), len(kids))


@dataclass
class Sampler:
    pid: int
    samples: list[Memory] = field(default_factory=list[Memory])

    async def run(self, interval: float) -> None:
        while True:
            self.samples.append(await anyio.to_thread.run_sync(memory, self.pid))
            await anyio.sleep(interval)

    def peak(self) -> Memory:
        return max(self.samples, key=lambda m: m.total_kb) if self.samples else Memory(0, 0, 0)

    def peak_server_kb(self) -> int:
        return max((m.server_kb for m in self.samples), default=0)


# -- the server ------------------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_config(tmp: Path, root: Path = ROOT) -> Path:
    """The shipped config, with paths made absolute and the rate limits lifted (all the load comes from 127.0.0.1)."""
    shipped = root / "config" / "switchboard.toml"
    text = shipped.read_text(encoding="utf-8")
    text = re.sub(
        r'^(system_prompt_file|cwd) = "([^"]*)"',
        lambda m: f'{m[1]} = "{(shipped.parent / m[2]).resolve()}"',
        text,
        flags=re.MULTILINE,
    )
    text, lifted = re.subn(r'^(conversations|messages) = "[^"]*"', r'\1 = "1000000/second"', text, flags=re.MULTILINE)
    if lifted != 2:
        raise SystemExit(f"{shipped}: expected [web.rate_limits] conversations and messages to lift")
    path = tmp / "switchboard.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    stderr_path: Path
    ready_s: float


@contextmanager
def serve(db_url: str, tmp: Path, *, ready_timeout: float, root: Path = ROOT, workers: int = 1) -> Generator[Server]:
    """`switchboard serve --port 0` as a subprocess; yields once its URL is printed; always stopped at the end.

    `root` is the checkout whose code runs (another git worktree measures a baseline with this venv: `-m` puts
    the working directory first on `sys.path`); with `workers` > 1 it waits for every worker's URL line.
    """
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env |= {
        "SWITCHBOARD_DATABASE_URL": db_url,
        "SWITCHBOARD_AGENT_TOKEN": AGENT_TOKEN,
        "XDG_DATA_HOME": str(tmp / "xdg"),
        "PYTHONUNBUFFERED": "1",
    }
    out_path, err_path = tmp / "serve.out", tmp / "serve.err"
    env["SWITCHBOARD_CONFIG"] = str(bench_config(tmp, root))
    env["PYTHONPATH"] = str(root)
    command = [sys.executable, "-m", "orchestrator", "--offline", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--workers", str(workers)] if workers > 1 else []
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    kids: list[int] = []
    try:
        url = ""
        deadline = started + ready_timeout
        while not url:
            ready = [line for line in out_path.read_text(errors="replace").splitlines() if "serving on " in line]
            if len(ready) >= workers:
                url = ready[0].rsplit(" ", 1)[1].strip()
                break
            if process.poll() is not None:
                raise RuntimeError(f"serve exited with {process.returncode}: {err_path.read_text()[-2000:]}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"serve printed no URL within {ready_timeout:g} s")
            time.sleep(0.1)
        server = Server(process, url, err_path, time.perf_counter() - started)
        kids = descendants(process.pid)
        yield server
    finally:
        kids = sorted(set(kids) | set(descendants(process.pid)))
        stop(process, kids)


def stop(process: subprocess.Popen[bytes], kids: Sequence[int], timeout: float = 30) -> None:
    """SIGTERM, wait, SIGKILL; then kill any MCP server the serve process left behind (by pid)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _log(f"serve did not stop within {timeout:g} s; killing it")
            process.kill()
            process.wait()
    deadline = time.monotonic() + 10
    for pid in kids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            _log(f"MCP server process {pid} still running; killing it")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _alive(pid: int) -> bool:
    fields = stat_fields(pid)
    return bool(fields) and fields[0] != "Z"


# -- the customers ---------------------------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    return type(exc).__name__


def _detail(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return repr(exc)[:200] + (f" from {cause!r}"[:200] if cause is not None else "")


async def _post_json(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], secret: str | None, out: list[float], res: Results
) -> dict[str, Any] | None:
    headers = dict(JSON_HEADERS)
    if secret is not None:
        headers["X-Conversation-Secret"] = secret
    name = path.rsplit("/", 1)[-1] if secret else "create"
    t0 = time.perf_counter()
    try:
        response = await client.post(path, json=body, headers=headers)
    except Exception as exc:
        res.fail(f"POST {name}: {_describe(exc)}", t0, path=path, exception=_detail(exc))
        return None
    if not 200 <= response.status_code < 300:
        res.fail(f"POST {name}: HTTP {response.status_code} {_code(response)}", t0, path=path)
        return None
    out.append((time.perf_counter() - t0) * 1000)
    return response.json()


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return ""


async def turn(
    client: httpx.AsyncClient, cid: str, secret: str, text_: str, script: str, index: int, res: Results
) -> None:
    """POST one message (turn `index` of the script) and read its SSE stream to the end."""
    res.turns_started += 1
    where: dict[str, Any] = {"script": script, "turn": index, "conversation": cid[:8]}
    headers = {**JSON_HEADERS, "X-Conversation-Secret": secret}
    t0 = time.perf_counter()
    event = ""
    got_first = res_headers = False
    done: dict[str, Any] | None = None
    try:
        async with client.stream(
            "POST", f"/api/conversations/{cid}/messages", json={"text": text_}, headers=headers
        ) as response:
            if not 200 <= response.status_code < 300:
                await response.aread()
                res.fail(f"POST messages: HTTP {response.status_code} {_code(response)}", t0, **where)
                return
            res.headers_ms.append((time.perf_counter() - t0) * 1000)
            res_headers = True
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    if not got_first:
                        got_first = True
                        res.first_event_ms.append((time.perf_counter() - t0) * 1000)
                elif line.startswith("data:") and event in ("done", "error", "escalated"):
                    data = json.loads(line[5:])
                    if event == "error":
                        res.fail(f"error event: {data.get('code')}: {str(data.get('message'))[:80]}", t0, **where)
                        return
                    if event == "escalated":
                        res.escalations += 1
                        continue
                    elapsed = (time.perf_counter() - t0) * 1000
                    done = data
                    res.turn_ms.append(elapsed)
                    res.turn_ms_by_script.setdefault(script, []).append(elapsed)
                    res.turns_done += 1
                    res.statuses[str(data.get("status"))] += 1
    except Exception as exc:
        stage = "before headers" if not res_headers else "first event" if not got_first else f"after {event}"
        res.fail(f"POST messages: {_describe(exc)}", t0, stage=stage, exception=_detail(exc), **where)
        return
    if done is None:
        res.fail("stream ended without done", t0, last_event=event, **where)


async def conversation(
    client: httpx.AsyncClient,
    script: Script,
    turns: int,
    go: anyio.Event,
    res: Results,
    show: bool = False,
    limiter: anyio.CapacityLimiter | None = None,
) -> None:
    await go.wait()
    if limiter is not None:
        async with limiter:
            await _conversation(client, script, turns, res, show)
    else:
        await _conversation(client, script, turns, res, show)


async def _conversation(client: httpx.AsyncClient, script: Script, turns: int, res: Results, show: bool) -> None:
    created = await _post_json(client, "/api/conversations", {}, None, res.create_ms, res)
    if created is None:
        return
    cid, secret = str(created["conversation_id"]), str(created["secret"])
    for index, message in enumerate(script.messages[:turns], 1):
        await turn(client, cid, secret, message, script.name, index, res)
    if await _post_json(client, f"/api/conversations/{cid}/end", {}, secret, res.end_ms, res) is None:
        return
    if await _post_json(client, f"/api/conversations/{cid}/csat", {"score": script.csat}, secret, res.csat_ms, res):
        res.conversations_done += 1
    if show:
        response = await client.get(f"/api/conversations/{cid}", headers={"X-Conversation-Secret": secret})
        for m in response.json()["messages"]:
            _log(f"  [{script.name}] {m['role']}: {m['text'][:160]!r}")


async def run_load(
    url: str, plans: Sequence[Script], args: argparse.Namespace, sampler: Sampler
) -> tuple[Results, float, bool, dict[str, Any]]:
    # An idle connection is reused for at most 2 s: uvicorn closes idle ones after 5 s (timeout_keep_alive), and
    # with a busy event loop its timer fires late in a long loop iteration, so a client that reuses a connection
    # idle 4.8-5 s (httpx's default expiry is 5 s) has the request cut off (ReadError) on a stale connection.
    limits = httpx.Limits(
        max_connections=len(plans) + 8, max_keepalive_connections=len(plans) + 8, keepalive_expiry=KEEPALIVE_S
    )
    timeout = httpx.Timeout(args.request_timeout)
    res = Results()
    extra: dict[str, Any] = {}
    wall, timed_out = 0.0, False
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        async with anyio.create_task_group() as outer:
            outer.start_soon(sampler.run, args.sample_interval)
            if args.warmup:
                _log(f"warm-up: {args.warmup} conversation(s), not counted")
                warm = Results()
                ready = anyio.Event()
                ready.set()
                with anyio.fail_after(args.timeout):
                    async with anyio.create_task_group() as tg:
                        for script in plan(args.warmup):
                            tg.start_soon(conversation, client, script, args.turns, ready, warm)
                if warm.error_count:
                    _log(f"warm-up errors: {dict(warm.errors)}")
            extra["before_load"] = memory(sampler.pid)
            cpu0 = _cpu(sampler.pid)
            client_cpu0 = time.process_time()
            pg_cpu0, machine0 = postgres_cpu_seconds(), machine_cpu_seconds()
            go = anyio.Event()
            limiter = anyio.CapacityLimiter(args.concurrency or len(plans))
            res.started = time.perf_counter()
            _log(f"load: {len(plans)} conversations at once, up to {args.turns} turns each")
            started = time.perf_counter()
            with anyio.move_on_after(args.timeout) as scope:
                async with anyio.create_task_group() as tg:
                    for index, script in enumerate(plans):
                        tg.start_soon(conversation, client, script, args.turns, go, res, index < args.show, limiter)
                    go.set()
            wall, timed_out = time.perf_counter() - started, scope.cancelled_caught
            cpu1 = _cpu(sampler.pid)
            extra["cpu_s"] = {
                "serve": cpu1[0] - cpu0[0],
                "mcp_servers": cpu1[1] - cpu0[1],
                "client": time.process_time() - client_cpu0,
                "postgres": postgres_cpu_seconds() - pg_cpu0,
            }
            machine1 = machine_cpu_seconds()
            extra["machine_busy"] = (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1e-9)
            extra["end"] = memory(sampler.pid)
            outer.cancel_scope.cancel()
        extra["dashboard"] = await _dashboard(client)
    return res, wall, timed_out, extra


def _cpu(pid: int) -> tuple[float, float]:
    """CPU seconds of serve (with its workers) and of its MCP servers."""
    kids = descendants(pid)
    servers = [k for k in kids if is_mcp_server(k)]
    workers = [k for k in kids if k not in servers]
    return cpu_seconds(pid) + sum(cpu_seconds(k) for k in workers), sum(cpu_seconds(k) for k in servers)


async def _dashboard(client: httpx.AsyncClient) -> dict[str, Any]:
    """The server's own counts (a check that what the client saw was recorded)."""
    try:
        response = await client.get("/api/dashboard?days=1", headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
        body = response.json()
        return {"counts": body.get("counts", {}), "tools": body.get("tools", [])}
    except Exception as exc:
        return {"error": _describe(exc)}


# -- report ----------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if value != value:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def render(report: dict[str, Any]) -> str:
    lines = [report["header"], ""]
    lines += [
        "| measurement | n | mean ms | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, stats in report["latency"].items():
        cells = [_ms(stats[k]) for k in ("mean", "p50", "p95", "p99", "max")]
        lines.append(f"| {name} | {stats['n']} | " + " | ".join(cells) + " |")
    s = report["summary"]
    mem = report["memory"]
    lines += [
        "",
        "| result | value |",
        "|---|---|",
        f"| conversations (concurrent) | {s['conversations']} |",
        f"| conversations completed (create, turns, end, csat) | {s['conversations_done']} |",
        f"| turns completed / started | {s['turns_done']} / {s['turns_started']} |",
        f"| errors | {s['errors']} |",
        f"| load wall time | {s['wall_s']:.1f} s{' (timed out)' if s['timed_out'] else ''} |",
        f"| throughput | {s['turns_per_s']:.1f} turns/s, {s['requests_per_s']:.1f} requests/s |",
        f"| serve startup (spawn to URL line) | {s['ready_s']:.1f} s |",
        f"| RSS serve / MCP servers / total, after startup | {mem['startup']} |",
        f"| RSS serve / MCP servers / total, before load (after warm-up) | {mem['before_load']} |",
        f"| RSS peak: serve / total | {mem['peak']} |",
        f"| RSS serve / MCP servers / total, end of load | {mem['end']} |",
        f"| CPU during load: serve / MCP servers / this client / PostgreSQL | {s['cpu']} |",
        f"| machine CPU busy during load (all cores, every process) | {100 * s['machine_busy']:.0f} % |",
        f"| serve CPU per turn | {s['serve_cpu_ms_per_turn']:.1f} ms |",
        f"| server's counts (/api/dashboard) | {s['dashboard']} |",
    ]
    if report["errors"]:
        lines += ["", "| error | count |", "|---|---:|"]
        lines += [f"| {k.replace('|', '/')} | {v} |" for k, v in report["errors"].items()]
    return "\n".join(lines) + "\n"


def _mem_cell(m: Memory) -> str:
    return f"{_mb(m.server_kb)} / {_mb(m.children_kb)} ({m.children} procs) / {_mb(m.total_kb)}"


def build_report(
    args: argparse.Namespace,
    res: Results,
    wall: float,
    timed_out: bool,
    extra: dict[str, Any],
    server: Server,
    startup: Memory,
    sampler: Sampler,
    db_info: str,
    load_before: str,
) -> dict[str, Any]:
    latency = {
        "turn (POST to done)": summary(res.turn_ms),
        "  turn: response headers": summary(res.headers_ms),
        "  turn: first SSE event": summary(res.first_event_ms),
        **{f"  turn, script {k}": summary(v) for k, v in sorted(res.turn_ms_by_script.items())},
        "create conversation": summary(res.create_ms),
        "end": summary(res.end_ms),
        "csat": summary(res.csat_ms),
    }
    requests = len(res.create_ms) + len(res.end_ms) + len(res.csat_ms) + res.turns_done
    peak = sampler.peak()
    cpu = extra.get("cpu_s", {})
    dashboard = extra.get("dashboard", {})
    counts: dict[str, Any] = dashboard.get("counts", dashboard)
    header = (
        f"Switchboard web load benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs, load average {load_before} -> {_load()}; python "
        f"{platform.python_version()}, uvicorn {version('uvicorn')}, starlette {version('starlette')}, mcp "
        f"{version('mcp')}; database {db_info}; offline model; {args.conversations} conversations, "
        f"<= {args.turns} turns each ({','.join(args.kinds)}), {args.concurrency or 'all'} at a time, warm-up "
        f"{args.warmup}, {args.workers} worker(s), code {args.root}"
    )
    return {
        "header": header,
        "command": " ".join(sys.argv),
        "latency": latency,
        "summary": {
            "conversations": args.conversations,
            "conversations_done": res.conversations_done,
            "turns_started": res.turns_started,
            "turns_done": res.turns_done,
            "escalations": res.escalations,
            "statuses": dict(res.statuses),
            "errors": res.error_count,
            "wall_s": wall,
            "timed_out": timed_out,
            "turns_per_s": res.turns_done / wall if wall else 0.0,
            "requests_per_s": requests / wall if wall else 0.0,
            "ready_s": server.ready_s,
            "cpu_s": cpu,
            "cpu": " / ".join(f"{cpu.get(k, 0.0):.1f} s" for k in ("serve", "mcp_servers", "client", "postgres")),
            "machine_busy": extra.get("machine_busy", 0.0),
            "serve_cpu_ms_per_turn": 1000 * cpu.get("serve", 0.0) / res.turns_done if res.turns_done else 0.0,
            "dashboard": ", ".join(f"{k} {v}" for k, v in counts.items()),
        },
        "memory": {
            "startup": _mem_cell(startup),
            "before_load": _mem_cell(extra.get("before_load", Memory(0, 0, 0))),
            "peak": f"{_mb(sampler.peak_server_kb())} / {_mb(peak.total_kb)} ({len(sampler.samples)} samples)",
            "end": _mem_cell(extra.get("end", Memory(0, 0, 0))),
            "kb": {
                "startup_total": startup.total_kb,
                "startup_serve": startup.server_kb,
                "peak_total": peak.total_kb,
                "peak_serve": sampler.peak_server_kb(),
                "end_total": extra.get("end", Memory(0, 0, 0)).total_kb,
            },
        },
        "errors": dict(res.errors.most_common()),
        "failures": res.failures,
        "tools": dashboard.get("tools", []),
    }


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _server_errors(path: Path) -> list[str]:
    """The first lines of tracebacks and errors the server logged."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if "Error" in line or "Traceback" in line or "ERROR" in line]


# -- main ------------------------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--conversations", type=int, default=500, help="concurrent conversations (default 500)")
    p.add_argument("--turns", type=int, default=4, help="customer messages per conversation, at most 4 (default 4)")
    p.add_argument("--kinds", default=",".join(KINDS), help=f"scripts to rotate over (default {','.join(KINDS)})")
    p.add_argument("--concurrency", type=int, default=0, help="conversations at a time (default 0: all at once)")
    p.add_argument("--workers", type=int, default=1, help="`serve --workers N` (default 1)")
    p.add_argument("--root", type=Path, default=ROOT, help="checkout whose code serves (default this one)")
    p.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite", help="(default sqlite)")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("SWITCHBOARD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help=f"where to create the scratch schema (default {DEFAULT_POSTGRES_URL})",
    )
    p.add_argument("--timeout", type=float, default=900, help="bound on the load phase, s (default 900)")
    p.add_argument("--request-timeout", type=float, default=120, help="httpx timeout per request, s (default 120)")
    p.add_argument("--ready-timeout", type=float, default=120, help="wait for the URL line, s (default 120)")
    p.add_argument("--warmup", type=int, default=1, help="untimed conversations before the load (default 1)")
    p.add_argument("--sample-interval", type=float, default=0.5, help="RSS sampling period, s (default 0.5)")
    p.add_argument("--show", type=int, default=0, help="print the transcripts of the first N conversations")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--server-log", type=Path, help="copy the serve process's stderr to this file")
    p.add_argument("--markdown", type=Path, help="also write the tables as Markdown to this file")
    args = p.parse_args(argv)
    if args.conversations < 1 or not 1 <= args.turns <= 4:
        p.error("--conversations must be >= 1 and --turns 1-4")
    args.kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not args.kinds or set(args.kinds) - set(KINDS):
        p.error(f"--kinds takes a comma-separated subset of {','.join(KINDS)}")
    args.root = args.root.resolve()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    load_before = _load()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="switchboard-web-load-")))
        if args.database == "postgres":
            db_url = stack.enter_context(postgres_schema(args.postgres_url, "bench_web"))
            db_info = f"PostgreSQL {postgres_version(args.postgres_url)} (scratch schema)"
        else:
            import sqlite3

            db_url = f"sqlite:///{tmp / 'switchboard.sqlite'}"
            db_info = f"SQLite {sqlite3.sqlite_version} (temp file, WAL)"
        _log(f"starting serve on {db_info}")
        server = stack.enter_context(
            serve(db_url, tmp, ready_timeout=args.ready_timeout, root=args.root, workers=args.workers)
        )
        _log(f"serving on {server.url} after {server.ready_s:.1f} s (pid {server.process.pid})")
        time.sleep(1)
        startup = memory(server.process.pid)
        sampler = Sampler(server.process.pid)
        res, wall, timed_out, extra = anyio.run(
            run_load, server.url, plan(args.conversations, args.kinds), args, sampler
        )
        report = build_report(args, res, wall, timed_out, extra, server, startup, sampler, db_info, load_before)
        report["server_log"] = _server_errors(server.stderr_path)[:50]
        if args.server_log:
            args.server_log.write_bytes(server.stderr_path.read_bytes())
        stack.close()  # stop the server (and drop the schema) before printing
    if timed_out:
        _log(f"the load phase hit --timeout {args.timeout:g} s: unfinished work was cancelled")
    for failure in report["failures"][:10]:
        _log(f"failure: {json.dumps(failure)}")
    if report["server_log"]:
        _log("serve stderr (errors):\n  " + "\n  ".join(report["server_log"]))
    table = render(report)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if report["summary"]["errors"] == 0 and not timed_out else 1


if __name__ == "__main__":
    sys.exit(main())
