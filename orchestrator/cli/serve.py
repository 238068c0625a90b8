"""`switchboard serve`: connect the servers, then serve the web surface on uvicorn."""

import gc
import importlib.util
import socket
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import click
import uvicorn

from switchboard_common.storage import DatabaseError

from ..errors import OrchestratorError
from ..policy.warmup import load_classifiers_off_the_loop
from ..service import Orchestrator
from ..settings import Settings
from ..web.app import build_app
from ..web.workers import run_workers
from .context import context_settings

__all__ = [
    "GC_GEN0_THRESHOLD",
    "KEEP_ALIVE_S",
    "bind",
    "event_loop_options",
    "run_event_loop",
    "serve",
    "serve_command",
    "tune_collector",
]

KEEP_ALIVE_S = 75
"""Seconds an idle HTTP connection stays open."""
GC_GEN0_THRESHOLD = 10_000
"""Allocations between young-generation collections in a serving process (CPython's default: 700)."""
_T = TypeVar("_T")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def event_loop_options() -> dict[str, Any]:
    """The asyncio options (anyio) for a serving process: uvloop's event loop when it is installed.

    uvloop (libuv, in C) runs the loop's own work (callbacks, sockets, subprocess pipes to stdio MCP servers) for less
    CPU than asyncio's pure-Python loop: about 1 ms of serve CPU per customer turn (docs/bench-web.md). uvicorn
    picks httptools' C parser over h11 by itself when it is installed. Both come with the orchestrator extra,
    except on Windows, where uvloop does not exist and the asyncio loop serves.
    """
    return {"use_uvloop": True} if importlib.util.find_spec("uvloop") is not None else {}


def run_event_loop(main: Callable[[], Awaitable[_T]]) -> _T:
    """Run `main` on the serving event loop (see `event_loop_options`)."""
    return anyio.run(main, backend_options=event_loop_options())


def bind(host: str, port: int, *, listen: bool = True, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound before the app starts, so the port is known (port 0 picks a free one).

    `reuse_port` sets SO_REUSEPORT: several sockets bound to one port, each accepting its own share of the
    connections (the kernel spreads them by address). `listen=False` only reserves the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    if listen:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def tune_collector() -> None:
    """Keep the cyclic garbage collector off what lives as long as the process, and run it less often.

    Everything built so far (modules, servers' tools, the classifiers' lexicons) is frozen: full collections no
    longer walk it. A turn allocates thousands of short-lived objects, so at CPython's default threshold the young
    generation was collected about once every four turns; at 10,000, garbage cycles wait a little longer, and an
    order-status turn took about 0.5 ms less of serve's CPU (docs/bench-web.md).
    """
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


async def _warm_up() -> None:
    await load_classifiers_off_the_loop()
    tune_collector()  # the classifiers' data is loaded now: freeze it too


async def serve(settings: Settings, sock: socket.socket, *, access_log: bool = False) -> None:
    """Open the orchestrator (servers, model, storage), then serve until interrupted."""
    async with Orchestrator.open(settings, policies=True) as orchestrator:
        app = build_app(orchestrator)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=access_log,
            lifespan="on",
            timeout_graceful_shutdown=5,
            # Longer than the idle timeout of common proxies and browsers' reuse window: a connection the server
            # closes while a client is already sending on it fails that request (uvicorn's default is 5 s).
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"Switchboard serving on http://{shown}:{port}")
        console = "on" if settings.agent_token is not None else f"off (set {settings.web.agent_token_env})"
        click.echo(f"model: {orchestrator.model.label} · agent console and dashboard: {console}")
        if host not in _LOOPBACK and not set(settings.web.allowed_hosts) - _LOOPBACK:
            click.echo(
                "note: web.allowed_hosts lists only loopback names, so requests for any other host name get 421; "
                "add the name clients use (see docs/web.md)",
                err=True,
            )
        async with anyio.create_task_group() as tg:
            # A long-running server loads its classifiers now, in a worker thread, rather than on its first
            # customer messages (each `serve` worker has its own; a cold one answered its first turns seconds late).
            tg.start_soon(_warm_up)
            await uvicorn.Server(config).serve(sockets=[sock])


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--access-log", is_flag=True, help="Log every request (paths only; never bodies or headers).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes serving the same socket, each with its own servers (use a PostgreSQL database).",
)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, access_log: bool, workers: int) -> None:
    """Serve the customer chat (/), the agent console (/agent), the dashboard (/dashboard) and /metrics."""
    settings = context_settings(ctx)
    # Several workers: each listens on its own SO_REUSEPORT socket, so the kernel spreads new connections evenly.
    # On one shared listening socket, whichever worker woke first accepted a whole burst (200 conversations at
    # once in the load benchmark: one worker used 2.7 times the other's CPU; with SO_REUSEPORT they held 104 and
    # 96 connections). The parent's socket only holds the port.
    sock = bind(host, port, listen=workers == 1, reuse_port=workers > 1)

    def run(listening: socket.socket) -> None:
        run_event_loop(lambda: serve(settings, listening, access_log=access_log))

    def work(_index: int) -> int:
        try:
            with bind(host, sock.getsockname()[1], reuse_port=True) as own:
                run(own)
        except (OrchestratorError, DatabaseError, click.ClickException) as exc:  # its own socket too
            click.echo(f"Error: {exc.message if isinstance(exc, click.ClickException) else exc}", err=True)
            return 1
        return 0

    try:
        if workers == 1:
            run(sock)
        else:
            ctx.exit(run_workers(workers, work))
    except (OrchestratorError, DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        sock.close()
