"""Bad input never costs a 5xx: odd digits, deep JSON, text no database stores, wrong methods and hosts, and
clients that leave mid-body. Each refusal is a clear 4xx JSON error and changes nothing."""

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Message

from orchestrator.settings import WebConfig
from orchestrator.web import build_app
from orchestrator.web.security import host_allowed
from tests.web.support import AGENT, Customer, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

DEEP_JSON = b"[" * 8000 + b"]" * 8000  # 16,000 bytes: under the body limit, far over Python's recursion limit


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_superscript_digits_deep_json_and_wrong_methods_get_4xx(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        await customer.start()
        events = f"{customer.path}/events"
        results = {
            "after": await client.get(f"{events}?after=²", headers=customer.headers),
            "last-event-id": await client.get(events, headers=[*_raw(customer.headers), (b"Last-Event-ID", b"\xb2")]),
            "agent-after": await client.get("/api/agent/events?after=¹²", headers=AGENT),
            "dashboard-days": await client.get("/api/dashboard?days=²", headers=AGENT),
            "deep-create": await client.post(
                "/api/conversations", content=DEEP_JSON, headers={"Content-Type": "application/json"}
            ),
            "deep-message": await client.post(
                f"{customer.path}/messages",
                content=b'{"text": ' + DEEP_JSON + b"}",
                headers={**customer.headers, "Content-Type": "application/json"},
            ),
        }
        methods = {
            "delete-create": await client.delete("/api/conversations"),
            "put-message": await client.put(f"{customer.path}/messages", json={"text": "hi"}, headers=customer.headers),
            "patch-queue": await client.patch("/api/agent/queue", json={}, headers=AGENT),
            "delete-page": await client.delete("/"),
            "get-message": await client.get(f"{customer.path}/messages", headers=customer.headers),
        }
        transcript = await customer.transcript()

    assert {name: _error(r) for name, r in results.items()} == dict.fromkeys(results, (422, "invalid_request"))
    assert {name: _error(r) for name, r in methods.items()} == dict.fromkeys(methods, (405, "method_not_allowed"))
    assert methods["delete-create"].headers["allow"] == "POST"
    assert methods["patch-queue"].headers["allow"] == "GET, HEAD"
    assert [m["role"] for m in transcript["messages"]] == ["assistant"]  # only the greeting: nothing recorded


@pytest.mark.parametrize(
    ("text", "what"),
    [("hello \ud800 there", "an unpaired surrogate (invalid Unicode)"), ("hello \x00 there", "a NUL character")],
    ids=["lone-surrogate", "nul"],
)
async def test_text_no_database_stores_is_refused_on_both_databases(
    tmp_path: Path, database_url: str, text: str, what: str
) -> None:
    body = json.dumps({"text": text}).encode()  # JSON escapes both; the server decodes them into the string
    async with serve(web_settings(tmp_path, database_url=database_url), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        headers = {**customer.headers, "Content-Type": "application/json"}
        refused = await served.client.post(f"{customer.path}/messages", content=body, headers=headers)
        agent_reply = await served.client.post(
            "/api/agent/handoffs/HO-000001/reply", content=body, headers={**AGENT, "Content-Type": "application/json"}
        )
        odd_id = await served.client.get("/api/conversations/abc%00def", headers=customer.headers)
        transcript = await customer.transcript()
        accepted = await customer.say("hello there")

    message = f"text: the text contains {what}; remove it and send it again"
    assert refused.status_code == 422 and refused.json()["error"] == {"code": "invalid_request", "message": message}
    assert agent_reply.status_code == 422 and agent_reply.json()["error"]["message"] == message
    assert _error(odd_id) == (404, "not_found")
    assert [m["role"] for m in transcript["messages"]] == ["assistant"]  # nothing recorded, the slot not taken
    assert accepted[-1][0] == "done"


async def test_a_client_leaving_mid_body_is_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        app = build_app(served.orchestrator)  # called directly: the client's receive channel is scripted
        incoming: list[Message] = [
            {"type": "http.request", "body": b'{"pa', "more_body": True},
            {"type": "http.disconnect"},
        ]
        sent: list[Message] = []

        async def receive() -> Message:
            return incoming.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/conversations",
            "raw_path": b"/api/conversations",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), (b"content-length", b"40")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        with caplog.at_level(logging.INFO):
            await app(scope, receive, send)
        created = served.orchestrator.store.recent()

    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400
    assert created == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


async def test_only_allowed_host_names_are_served(tmp_path: Path) -> None:
    web = WebConfig(allowed_hosts=["support.example.com", "127.0.0.1"])
    async with serve(web_settings(tmp_path, web=web), targets_for(tmp_path)) as served:
        client = served.client
        ok = await client.get("/")
        named = await client.get("/", headers={"Host": "Support.Example.com:8443"})
        rebinding = await client.get("/", headers={"Host": "attacker.example"})
        probe = await client.get("/healthz", headers={"Host": "10.42.0.7:8000"})  # a kubelet names the pod
        write = await client.post("/api/conversations", json={}, headers={"Host": "localhost"})
        created = served.orchestrator.store.recent()

    assert ok.status_code == 200 and named.status_code == 200
    assert probe.status_code == 200  # health probes answer whatever the Host
    assert _error(rebinding) == (421, "misdirected_request")
    assert _error(write) == (421, "misdirected_request")
    assert rebinding.headers["x-frame-options"] == "DENY"
    assert created == []


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("127.0.0.1:8000", ["127.0.0.1", "localhost", "[::1]"], True),
        ("localhost", ["127.0.0.1", "localhost", "[::1]"], True),
        ("[::1]:8000", ["127.0.0.1", "localhost", "[::1]"], True),
        ("[::1]", ["127.0.0.1", "localhost", "[::1]"], True),
        ("evil.example:8000", ["127.0.0.1", "localhost", "[::1]"], False),
        ("127.0.0.1.evil.example", ["127.0.0.1"], False),
        ("", ["127.0.0.1"], False),
        ("127.0.0.1:80:80", ["127.0.0.1"], False),
        ("127.0.0.1:²", ["127.0.0.1"], False),
        ("[::1]x", ["[::1]"], False),
        ("shop.example:8443", ["shop.example:443"], False),
        ("shop.example:443", ["shop.example:443"], True),
        ("anything", ["*"], True),
    ],
)
def test_host_allowed(host: str, allowed: list[str], expected: bool) -> None:
    assert host_allowed(host, allowed) is expected
