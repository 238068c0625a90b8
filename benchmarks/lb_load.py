"""Load through the balancer: web_load.py's conversations against HAProxy in front of one or two serve replicas.

    .venv/bin/python benchmarks/lb_load.py                                  # 1 then 2 replicas, 200 conversations
    .venv/bin/python benchmarks/lb_load.py --replicas 2 --conversations 50  # quick check

Each run starts the cluster topology of tests/deploy/cluster.py on 127.0.0.1 on a fresh scratch PostgreSQL
schema: the five MCP servers over HTTP (refunds twice, behind HAProxy), `--replicas` serve processes behind
HAProxy (deploy/haproxy.cfg; with one replica both of HAProxy's serve entries name the same process), the
offline model, rate limits lifted. Then `--warmup` untimed conversations, then N conversations at once
through the balancer's URL, the same scripts, timing and error counting as web_load.py. Everything is stopped
and the schema dropped at the end of each run.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
from _postgres import admin_engine, postgres_schema, postgres_version
from sqlalchemy import text
from web_load import KEEPALIVE_S, Results, conversation, cpu_seconds, plan, summary

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the topology launcher lives with the test that uses it

from tests.deploy.cluster import Cluster, cluster  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cpu(c: Cluster) -> dict[str, float]:
    groups = {
        "serve": [p.process.pid for p in c.serve.values()],
        "mcp": [p.process.pid for p in c.servers.values()],
        "haproxy": [c.haproxy.process.pid] if c.haproxy else [],
    }
    out = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
    out["client"] = time.process_time()
    return out


async def _sample_connections(url: str, peak: Counter[str], names: set[str]) -> None:
    """Peak PostgreSQL connections per process of the cluster (by application_name), every 0.5 s."""
    engine = admin_engine(url)
    query = text("SELECT application_name, count(*) FROM pg_stat_activity GROUP BY application_name")
    try:
        while True:
            with engine.connect() as conn:
                for name, count in conn.execute(query):
                    if name in names:
                        peak[name] = max(peak[name], int(count))
            await anyio.sleep(0.5)
    finally:
        engine.dispose()


@asynccontextmanager
async def _peak_connections(url: str, names: set[str]) -> AsyncGenerator[Counter[str]]:
    """The peak PostgreSQL connections of `names`, sampled while the block runs."""
    peak: Counter[str] = Counter()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_sample_connections, url, peak, names)
        yield peak
        tg.cancel_scope.cancel()


async def run_once(args: argparse.Namespace, replicas: int, url: str, tmp: Path) -> dict[str, Any]:
    limits = httpx.Limits(
        max_connections=args.conversations + 8,
        max_keepalive_connections=args.conversations + 8,
        keepalive_expiry=KEEPALIVE_S,
    )
    started = time.perf_counter()
    async with cluster(tmp, url, serve_replicas=replicas, lift_rate_limits=True) as c:
        ready_s = time.perf_counter() - started
        _log(f"{replicas} replica(s) ready after {ready_s:.1f} s behind {c.web_url}")
        res, warm = Results(), Results()
        names = set(c.serve) | set(c.servers)
        async with httpx.AsyncClient(base_url=c.web_url, limits=limits, timeout=args.request_timeout) as client:
            ready = anyio.Event()
            ready.set()
            with anyio.fail_after(args.timeout):
                async with anyio.create_task_group() as tg:
                    for script in plan(args.warmup):
                        tg.start_soon(conversation, client, script, 4, ready, warm)
            async with _peak_connections(args.postgres_url, names) as peak:
                cpu0 = _cpu(c)
                go = anyio.Event()
                res.started = t0 = time.perf_counter()
                with anyio.move_on_after(args.timeout) as scope:
                    async with anyio.create_task_group() as tg:
                        for script in plan(args.conversations):
                            tg.start_soon(conversation, client, script, 4, go, res)
                        go.set()
                wall = time.perf_counter() - t0
                cpu1 = _cpu(c)
    return {
        "replicas": replicas,
        "conversations": args.conversations,
        "warmup_errors": warm.error_count,
        "ready_s": ready_s,
        "wall_s": wall,
        "timed_out": scope.cancelled_caught,
        "turns_done": res.turns_done,
        "turns_started": res.turns_started,
        "conversations_done": res.conversations_done,
        "turns_per_s": res.turns_done / wall if wall else 0.0,
        "turn_ms": summary(res.turn_ms),
        "first_event_ms": summary(res.first_event_ms),
        "create_ms": summary(res.create_ms),
        "errors": dict(res.errors.most_common()),
        "failures": res.failures[:10],
        "cpu_s": {k: cpu1[k] - cpu0[k] for k in cpu0},
        "peak_pg_connections": dict(sorted(peak.items())),
    }


def _s(ms: float) -> str:
    return "-" if ms != ms else f"{ms / 1000:.2f} s"


def render(header: str, runs: Sequence[dict[str, Any]]) -> str:
    lines = [
        header,
        "",
        "| serve replicas | conversations | turns | errors | wall | turns/s | turn p50 | turn p95 | turn p99 | "
        "first event p50 / p95 | CPU serve / MCP / HAProxy / client | peak PG connections (serve / MCP) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        t, f, cpu, pg = r["turn_ms"], r["first_event_ms"], r["cpu_s"], r["peak_pg_connections"]
        serve_pg = sum(v for k, v in pg.items() if k.startswith("serve-"))
        mcp_pg = sum(v for k, v in pg.items() if not k.startswith("serve-"))
        lines.append(
            f"| {r['replicas']} | {r['conversations']} | {r['turns_done']} / {r['turns_started']} | "
            f"{sum(r['errors'].values())} | {r['wall_s']:.1f} s{' (timed out)' if r['timed_out'] else ''} | "
            f"{r['turns_per_s']:.1f} | {_s(t['p50'])} | {_s(t['p95'])} | {_s(t['p99'])} | "
            f"{_s(f['p50'])} / {_s(f['p95'])} | "
            + " / ".join(f"{cpu[k]:.1f} s" for k in ("serve", "mcp", "haproxy", "client"))
            + f" | {serve_pg} / {mcp_pg} |"
        )
    return "\n".join(lines) + "\n"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replicas", type=int, choices=(1, 2), action="append", help="serve replicas (default: 1 then 2)")
    p.add_argument("--conversations", type=int, default=200, help="concurrent conversations per run (default 200)")
    p.add_argument("--warmup", type=int, default=4, help="untimed conversations first (default 4)")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("SWITCHBOARD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help=f"where to create the scratch schemas (default {DEFAULT_POSTGRES_URL})",
    )
    p.add_argument("--timeout", type=float, default=600, help="bound on each load phase, s (default 600)")
    p.add_argument("--request-timeout", type=float, default=120, help="httpx timeout per request, s (default 120)")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    args = p.parse_args(argv)
    if args.conversations < 1:
        p.error("--conversations must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    runs: list[dict[str, Any]] = []
    for replicas in args.replicas or [1, 2]:
        with tempfile.TemporaryDirectory(prefix="switchboard-lb-load-") as tmp:
            with postgres_schema(args.postgres_url, "bench_lb") as url:
                runs.append(anyio.run(run_once, args, replicas, url, Path(tmp)))
        _log(json.dumps({k: runs[-1][k] for k in ("replicas", "turns_per_s", "errors", "failures")}, default=str))
    load_after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    header = (
        f"Switchboard load through HAProxy, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs, load average {load_before} -> {load_after}; python "
        f"{platform.python_version()}; PostgreSQL {postgres_version(args.postgres_url)} (scratch schemas); "
        f"offline model; {args.conversations} conversations x 4 turns, warm-up {args.warmup}"
    )
    table = render(header, runs)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps({"header": header, "runs": runs}, indent=2, default=str))
    return 0 if all(not r["errors"] and not r["timed_out"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
