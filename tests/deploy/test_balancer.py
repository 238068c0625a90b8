"""deploy/haproxy.cfg in front of a stand-in web replica: which client address the replica ends up with.

serve rate-limits per client address (new conversations, messages, wrong agent tokens) and takes that address
from `X-Forwarded-For` when the peer is trusted (`FORWARDED_ALLOW_IPS`, uvicorn's proxy-headers middleware).
compose trusts every peer (`"*"`: only the balancer reaches serve), so the balancer must pass on the address
it saw, never one the client wrote: otherwise each request with a made-up header gets a fresh rate-limit
window. The stand-in replica runs on uvicorn exactly as serve does, with compose's `FORWARDED_ALLOW_IPS`.
"""

import os
import re
import subprocess
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, cast

import anyio
import httpx2 as httpx
import pytest
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestrator.cli.serve import bind
from tests.deploy.cluster import DEPLOY, HAPROXY_CONFIG, Proc, haproxy_path, wait_healthy
from tests.ports import free_port

pytestmark = pytest.mark.anyio


def _compose_forwarded_allow_ips() -> str:
    services = cast(dict[str, Any], yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))["services"]
    trusted = {str(services[name]["environment"]["FORWARDED_ALLOW_IPS"]) for name in ("serve-1", "serve-2")}
    assert len(trusted) == 1, trusted
    return trusted.pop()


async def _whoami(request: Request) -> JSONResponse:
    assert request.client is not None
    return JSONResponse({"client": request.client.host, "forwarded": request.headers.getlist("x-forwarded-for")})


async def _healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@asynccontextmanager
async def _replica() -> AsyncGenerator[str]:
    """A uvicorn app on 127.0.0.1 that says which client address it was given; yields its host:port."""
    app = Starlette(routes=[Route("/whoami", _whoami), Route("/healthz", _healthz)])
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", forwarded_allow_ips=_compose_forwarded_allow_ips()
    )
    server = uvicorn.Server(config)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            try:
                yield f"127.0.0.1:{sock.getsockname()[1]}"
            finally:
                server.should_exit = True
    finally:
        sock.close()


def _start(haproxy: str, env: dict[str, str], url: str, log: Path) -> Proc:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [haproxy, "-db", "-f", str(HAPROXY_CONFIG)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Proc("haproxy", process, url, log)


@asynccontextmanager
async def _balanced(tmp_path: Path) -> AsyncGenerator[tuple[str, str]]:
    """The shipped haproxy.cfg with both serve entries on the stand-in replica; yields the web and stats URLs."""
    haproxy = haproxy_path()
    if haproxy is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is missing (.ci/run installs Debian's package)")
        pytest.skip("needs haproxy: apt-get install haproxy")
    async with AsyncExitStack() as stack:
        replica = await stack.enter_async_context(_replica())
        web, refunds, stats = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "SB_WEB_BIND": f"127.0.0.1:{web}",
            "SB_REFUNDS_BIND": f"127.0.0.1:{refunds}",
            "SB_STATS_BIND": f"127.0.0.1:{stats}",
            "SB_SERVE_1": replica,
            "SB_SERVE_2": replica,
            "SB_REFUNDS_1": replica,
            "SB_REFUNDS_2": replica,
        }
        proc = _start(haproxy, env, f"http://127.0.0.1:{web}", tmp_path / "haproxy.log")
        stack.callback(proc.stop)
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        await wait_healthy(client, [proc], seconds=30)
        yield proc.url, f"http://127.0.0.1:{stats}"


async def test_the_balancer_passes_on_the_address_it_saw_not_the_one_the_client_wrote(tmp_path: Path) -> None:
    spoofed = [f"203.0.113.{n}" for n in (7, 8)]
    async with _balanced(tmp_path) as (url, _), httpx.AsyncClient(base_url=url, timeout=10) as client:
        plain = (await client.get("/whoami")).json()
        made_up = [(await client.get("/whoami", headers={"X-Forwarded-For": ip})).json() for ip in spoofed]
        chained = (await client.get("/whoami", headers={"X-Forwarded-For": f"{spoofed[0]}, 127.0.0.1"})).json()

    assert plain == {"client": "127.0.0.1", "forwarded": ["127.0.0.1"]}
    # Every request counts against the one real address, whatever the client claims to be forwarded for.
    assert made_up == [plain, plain]
    assert chained == plain


async def test_the_stand_in_replica_trusts_the_header_it_is_given(tmp_path: Path) -> None:
    """Without the balancer, the same replica believes the header: the test above would see a spoofed client."""
    claimed = "198.51.100.9"
    async with _replica() as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as client:
        seen = (await client.get("/whoami", headers={"X-Forwarded-For": claimed})).json()
    assert seen == {"client": claimed, "forwarded": [claimed]}


async def test_the_balancer_exports_the_metrics_deploy_md_says_to_monitor(tmp_path: Path) -> None:
    documented = set(re.findall(r"`(haproxy_[a-z_]+)", (DEPLOY.parent / "docs" / "deploy.md").read_text("utf-8")))
    async with _balanced(tmp_path) as (url, stats), httpx.AsyncClient(timeout=10) as client:
        answered = await client.get(f"{url}/whoami")
        metrics = (await client.get(f"{stats}/metrics")).text

    exported = set(re.findall(r"^(haproxy_[a-z_]+)", metrics, flags=re.M))
    assert documented and documented <= exported, documented - exported
    assert 'haproxy_backend_active_servers{proxy="serve"} 2' in metrics
    assert answered.headers["X-Switchboard-Replica"] in ("serve-1", "serve-2")  # a name, never an address
