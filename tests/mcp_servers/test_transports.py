"""Each server runs as a real process over stdio, and over streamable HTTP on an ephemeral loopback port."""

import socket
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

from mcp_servers._common.http import HttpConfigError, build_http_app
from mcp_servers._common.runner import parse_args
from mcp_servers.orders import create_server
from mcp_servers.orders.store import OrdersStore
from switchboard_common.storage import Database
from tests.retail_data import RETAIL_DATA

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ["orders", "tickets", "faq", "refunds", "escalation", "retail"]


def _flags(name: str) -> list[str]:
    return ["--data", str(RETAIL_DATA)] if name == "retail" else []


@pytest.mark.parametrize("name", SERVERS)
async def test_server_runs_over_stdio_as_a_subprocess(name: str, tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", f"mcp_servers.{name}", "--db", f"sqlite:///{tmp_path / 'stdio.db'}", *_flags(name)],
        cwd=str(ROOT),
    )
    with anyio.fail_after(30):
        async with Client(params) as client:
            assert client.server_info is not None
            assert client.server_info.name == name
            tools = (await client.list_tools()).tools
    assert tools


@asynccontextmanager
async def _serve(app: ASGIApp, sock: socket.socket) -> AsyncGenerator[uvicorn.Server]:
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        try:
            yield server
        finally:
            server.should_exit = True


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue here until uvicorn accepts them: no start-up wait needed
    return sock


@pytest.fixture
def store(sqlite_url: str) -> OrdersStore:
    store = OrdersStore(Database(sqlite_url))
    store.prepare(seed=True)
    return store


async def test_server_answers_over_streamable_http_with_a_token(store: OrdersStore) -> None:
    sock = _listening_socket()
    port = sock.getsockname()[1]
    app = build_http_app(create_server(store), token="s3cret")
    base = f"http://127.0.0.1:{port}"
    with anyio.fail_after(30):
        async with _serve(app, sock):
            async with httpx2.AsyncClient() as http:
                health = await http.get(f"{base}/healthz")
                assert health.status_code == 200
                assert health.json() == {"status": "ok", "server": "orders"}
                denied = await http.post(f"{base}/mcp", json={})
                assert denied.status_code == 401
                rebinding = await http.post(
                    f"{base}/mcp", json={}, headers={"Authorization": "Bearer s3cret", "Host": "evil.example:80"}
                )
                assert rebinding.status_code == 421
            auth = httpx2.AsyncClient(headers={"Authorization": "Bearer s3cret"})
            async with auth, Client(streamable_http_client(f"{base}/mcp", http_client=auth)) as client:
                result = await client.call_tool(
                    "lookup_order", {"order_id": "ORD-78432", "customer_email": "jordan.lee@example.com"}
                )
                assert result.structured_content is not None
                assert result.structured_content["total"] == 89.99


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_out_of_range_is_refused_by_the_command_line(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args("orders", ["--transport", "http", "--port", port], {})
    assert exited.value.code == 2
    assert f"argument --port: {port!r} is not a port (0-65535)" in capsys.readouterr().err


def test_binding_beyond_loopback_needs_a_token_and_allowed_hosts(store: OrdersStore) -> None:
    with pytest.raises(HttpConfigError, match="bearer token"):
        build_http_app(create_server(store), host="0.0.0.0")
    with pytest.raises(HttpConfigError, match="allowed-host"):
        build_http_app(create_server(store), host="0.0.0.0", token="t")
    app = build_http_app(create_server(store), host="0.0.0.0", token="t", allowed_hosts=["orders.internal:8000"])
    assert app is not None
