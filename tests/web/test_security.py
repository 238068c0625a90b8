"""Security of the web surface: headers, CSRF rules, CORS, size limits, JSON errors, metrics and health."""

from pathlib import Path

import pytest

from orchestrator.settings import WebConfig
from orchestrator.web.security import SECURITY_HEADERS
from tests.web.support import AGENT, Customer, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio


async def test_pages_api_and_errors_all_carry_the_security_headers(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        responses = {
            "page": await served.client.get("/"),
            "console": await served.client.get("/agent"),
            "dashboard": await served.client.get("/dashboard"),
            "static": await served.client.get("/static/app.css"),
            "api": await served.client.post("/api/conversations", json={}),
            "error": await served.client.get("/api/agent/queue"),
            "missing": await served.client.get("/nothing-here"),
        }
    for name, response in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
    assert responses["page"].status_code == 200 and "text/html" in responses["page"].headers["content-type"]
    assert "frame-ancestors 'none'" in responses["page"].headers["content-security-policy"]
    assert responses["api"].headers["cache-control"] == "no-store"
    assert responses["missing"].status_code == 404
    assert responses["missing"].json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        pytest.param({"Content-Type": "text/plain"}, 415, "unsupported_media_type", id="text-plain"),
        pytest.param(
            {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", id="form-post"
        ),
        pytest.param(
            {"Content-Type": "application/json", "Origin": "https://evil.example"}, 403, "cross_origin", id="origin"
        ),
        pytest.param(
            {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403, "cross_origin", id="fetch-site"
        ),
    ],
)
async def test_cross_site_writes_are_refused(tmp_path: Path, headers: dict[str, str], status: int, code: str) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        response = await served.client.post("/api/conversations", content=b"{}", headers=headers)
        rows = served.orchestrator.store.recent()
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert rows == []  # nothing was created


async def test_same_origin_writes_are_accepted(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        host = served.url.removeprefix("http://")
        response = await served.client.post(
            "/api/conversations",
            json={},
            headers={"Origin": served.url, "Sec-Fetch-Site": "same-origin", "Host": host},
        )
    assert response.status_code == 201


async def test_cors_is_closed_by_default_and_opens_only_for_configured_origins(tmp_path: Path) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        closed = await served.client.options("/api/conversations", headers=preflight)
        simple = await served.client.get("/healthz", headers={"Origin": "https://shop.example"})
    configured = web_settings(tmp_path / "b", web=WebConfig(allowed_origins=["https://shop.example"]))
    (tmp_path / "b").mkdir()
    async with serve(configured, targets_for(tmp_path / "b")) as served:
        opened = await served.client.options("/api/conversations", headers=preflight)
        created = await served.client.post("/api/conversations", json={}, headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in closed.headers
    assert closed.status_code >= 400
    assert "access-control-allow-origin" not in simple.headers
    assert opened.headers["access-control-allow-origin"] == "https://shop.example"
    assert created.status_code == 201


async def test_oversized_bodies_are_refused(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, web=WebConfig(max_body_bytes=2048)), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        big = b'{"text": "' + b"a" * 4000 + b'"}'
        declared = await served.client.post(
            f"{customer.path}/messages",
            content=big,
            headers={**customer.headers, "Content-Type": "application/json"},
        )

        async def chunks():  # no Content-Length: the limit is enforced while reading
            for _ in range(4):
                yield b" " * 1000

        streamed = await served.client.post(
            f"{customer.path}/messages",
            content=chunks(),
            headers={**customer.headers, "Content-Type": "application/json"},
        )
        transcript = await customer.transcript()
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "body_too_large"
    assert streamed.status_code == 413
    assert len(transcript["messages"]) == 1  # only the greeting


async def test_metrics_need_the_token_unless_public_and_speak_prometheus(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        await customer.say("How long does shipping take?")
        closed = await served.client.get("/metrics")
        metrics = await served.client.get("/metrics", headers=AGENT)
        health = await served.client.get("/healthz")
    (tmp_path / "b").mkdir()
    public = web_settings(tmp_path / "b", web=WebConfig(public_metrics=True))
    async with serve(public, targets_for(tmp_path / "b")) as served:
        open_metrics = await served.client.get("/metrics")
    assert closed.status_code == 401
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "switchboard_turns_total 1.0" in metrics.text
    assert 'tool="search_faq"' in metrics.text
    assert "jordan" not in metrics.text and customer.conversation_id not in metrics.text
    assert open_metrics.status_code == 200
    assert health.json()["status"] == "ok"
    assert {s["name"] for s in health.json()["servers"]} == {"orders", "tickets", "faq", "refunds", "escalation"}


async def test_dashboard_parameters_are_validated(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        bad_days = await served.client.get("/api/dashboard?days=0", headers=AGENT)
        bad_bucket = await served.client.get("/api/dashboard?bucket=year", headers=AGENT)
        empty = await served.client.get("/api/dashboard", headers=AGENT)
    assert bad_days.status_code == 422 and bad_bucket.status_code == 422
    body = empty.json()
    assert [k["key"] for k in body["kpis"]] == ["csat", "auto_resolution", "escalation", "resolution_time", "reopen"]
    assert all(k["value"] is None and k["met"] is None for k in body["kpis"])
    assert body["series"] == [] and body["tools"] == [] and body["cost"]["total_usd"] == 0
