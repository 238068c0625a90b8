"""The human-agent console API: token, queue, claim, live replies both ways, hand back, resolve, CSAT."""

from pathlib import Path
from typing import Any

import anyio
import pytest

from orchestrator.policy.sentiment import trend
from orchestrator.settings import PolicyConfig
from tests.web.support import AGENT, FLAGSHIP, Customer, live, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

HUMAN = "I'd like to talk to a human agent, please."


async def _escalated(customer: Customer) -> str:
    await customer.start()
    await customer.say(FLAGSHIP[0])
    await customer.say(FLAGSHIP[1])
    events = await customer.say(HUMAN)
    assert events[-1][1]["status"] == "waiting_for_human"
    escalated = next(data for name, data in events if name == "escalated")
    return str(escalated["reason"])


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer wrong"}, id="wrong"),
        pytest.param({"Authorization": "Basic c2FtOnRva2Vu"}, id="other-scheme"),
    ],
)
async def test_the_console_api_refuses_a_missing_or_wrong_token(tmp_path: Path, headers: dict[str, str]) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        responses = [
            await served.client.get("/api/agent/queue", headers=headers),
            await served.client.get("/api/agent/handoffs/HO-000001", headers=headers),
            await served.client.post("/api/agent/handoffs/HO-000001/claim", json={}, headers=headers),
            await served.client.get("/api/dashboard", headers=headers),
            await served.client.get("/metrics", headers=headers),
        ]
    for response in responses:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["error"]["code"] == "unauthorized"


async def test_without_a_configured_token_the_console_is_off(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, token=None), targets_for(tmp_path)) as served:
        response = await served.client.get("/api/agent/queue", headers=AGENT)
        chat = await served.client.post("/api/conversations", json={})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "console_disabled"
    assert chat.status_code == 201


async def test_handoff_round_trip_between_customer_and_agent(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        reason = await _escalated(customer)
        queue = (await client.get("/api/agent/queue", headers=AGENT)).json()
        item = queue["queued"][0]
        hid = item["handoff_id"]
        detail = (await client.get(f"/api/agent/handoffs/{hid}", headers=AGENT)).json()

        async with (
            live(client, f"{customer.path}/events", customer.headers) as to_customer,
            live(client, f"/api/agent/events?after={queue['last_event_id']}", AGENT) as to_agent,
        ):
            claimed = await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
            joined = await to_customer.wait_for("agent_joined")
            await to_agent.wait_for("queue_changed")
            reply = await client.post(
                f"/api/agent/handoffs/{hid}/reply", json={"text": "Hi, I'm Sam. I'll sort this out."}, headers=AGENT
            )
            message = await to_customer.wait_for("agent_message")
            relayed = await customer.say("Thank you! It's the left earbud.")
            from_customer = await to_agent.wait_for("customer_message")
            back = await client.post(
                f"/api/agent/handoffs/{hid}/resolve",
                json={"outcome": "returned_to_bot", "note": "Customer only needed reassurance."},
                headers=AGENT,
            )
            handed_back = await to_customer.wait_for("handed_back")
        bot_again = await customer.say("How long does shipping take?")
        transcript = await customer.transcript()
        after = (await client.get("/api/agent/queue", headers=AGENT)).json()

    assert reason in ("explicit_human_request", "model_tool_call")
    assert item["conversation_id"] == customer.conversation_id
    assert item["priority"] in ("normal", "high", "urgent") and item["position"] == 1
    assert "ORD-78432" in item["summary"]
    assert item["customer_verified"] is True and item["customer_email"] == "jordan.lee@example.com"
    assert isinstance(item["sentiment"], list) and len(item["sentiment"]) == 3
    assert [m["role"] for m in detail["transcript"]][:3] == ["assistant", "customer", "assistant"]
    assert "jordan.lee@example.com" not in str(detail["transcript"])  # masked
    assert {t["name"] for t in detail["tools"]} >= {"lookup_order", "escalate_to_human"}
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "sam.rivera"
    assert joined[1] == {"agent": "sam.rivera"}
    assert reply.status_code == 200
    assert message[1]["text"] == "Hi, I'm Sam. I'll sort this out." and message[1]["agent"] == "sam.rivera"
    assert message[2] == reply.json()["id"]
    assert [name for name, _ in relayed] == ["relayed", "done"] and relayed[-1][1]["status"] == "with_human"
    assert from_customer[1]["text"] == "Thank you! It's the left earbud." and from_customer[1]["handoff_id"] == hid
    assert back.status_code == 200 and back.json()["outcome"] == "returned_to_bot"
    assert handed_back[1] == {"agent": "sam.rivera"}
    assert any(name == "tool_started" and d["name"] == "search_faq" for name, d in bot_again)
    roles = [m["role"] for m in transcript["messages"]]
    assert roles[-8:] == ["customer", "assistant", "system", "agent", "customer", "system", "customer", "assistant"]
    assert transcript["status"] == "active"
    assert after["queued"] == [] and after["claimed"] == []


async def test_resolving_ends_the_conversation_and_the_rating_reaches_the_dashboard(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        await _escalated(customer)
        hid = (await client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]["handoff_id"]
        async with live(client, f"{customer.path}/events", customer.headers) as to_customer:
            await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
            resolved = await client.post(
                f"/api/agent/handoffs/{hid}/resolve",
                json={"outcome": "resolved", "note": "Replacement sent."},
                headers=AGENT,
            )
            ended = await to_customer.wait_for("ended")
            rated = await client.post(f"{customer.path}/csat", json={"score": 5}, headers=customer.headers)
            rating = await to_customer.wait_for("rated")
        dashboard = (await client.get("/api/dashboard?days=1&bucket=hour", headers=AGENT)).json()

    assert resolved.json()["status"] == "resolved"
    assert ended[1] == {"by": "agent"}
    assert rated.json() == {"csat": 5} and rating[1] == {"csat": 5}
    kpis: dict[str, dict[str, Any]] = {k["key"]: k for k in dashboard["kpis"]}
    assert kpis["csat"]["value"] == 5.0 and kpis["csat"]["n"] == 1 and kpis["csat"]["met"] is True
    assert kpis["escalation"]["value"] == 1.0 and kpis["escalation"]["met"] is False
    assert dashboard["counts"]["escalated"] == 1
    assert dashboard["series"] and dashboard["series"][-1]["csat"] == 5.0
    tools = {t["name"]: t for t in dashboard["tools"]}
    assert tools["lookup_order"]["calls"] == 1 and tools["lookup_order"]["p95_ms"] >= tools["lookup_order"]["p50_ms"]
    assert dashboard["cost"]["by_model"] and dashboard["model"]["offline"] is True


async def test_the_queue_shows_when_a_waiting_customer_has_left(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        await _escalated(customer)
        waiting = (await client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]
        ended = await client.post(f"{customer.path}/end", json={}, headers=customer.headers)
        left = (await client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]
        hid = left["handoff_id"]
        detail = (await client.get(f"/api/agent/handoffs/{hid}", headers=AGENT)).json()
        await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
        resolved = await client.post(
            f"/api/agent/handoffs/{hid}/resolve", json={"outcome": "resolved", "note": "Customer left."}, headers=AGENT
        )
        after = (await client.get("/api/agent/queue", headers=AGENT)).json()
        transcript = await customer.transcript()

    assert waiting["customer_left"] is False
    assert ended.status_code == 200
    assert left["customer_left"] is True and detail["customer_left"] is True
    assert resolved.status_code == 200
    assert after["queued"] == [] and after["claimed"] == []
    assert transcript["status"] == "ended"
    assert [m["role"] for m in transcript["messages"]][-1] == "assistant"  # nothing was said to a closed chat


async def test_agent_actions_are_checked(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        await _escalated(customer)
        hid = (await client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]["handoff_id"]
        unknown = await client.get("/api/agent/handoffs/HO-999999", headers=AGENT)
        malformed = await client.get("/api/agent/handoffs/../../etc", headers=AGENT)
        reply_unclaimed = await client.post(f"/api/agent/handoffs/{hid}/reply", json={"text": "hi"}, headers=AGENT)
        nameless = await client.post(
            f"/api/agent/handoffs/{hid}/claim", json={}, headers={"Authorization": AGENT["Authorization"]}
        )
        await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
        other = {**AGENT, "X-Agent-Name": "alex.kim"}
        stolen = await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=other)
        empty = await client.post(f"/api/agent/handoffs/{hid}/reply", json={"text": " "}, headers=AGENT)
        bad_outcome = await client.post(
            f"/api/agent/handoffs/{hid}/resolve", json={"outcome": "deleted", "note": "x"}, headers=AGENT
        )
        transcript = await customer.transcript()
    assert unknown.status_code == 404
    assert malformed.status_code == 404
    assert reply_unclaimed.status_code == 409
    assert nameless.status_code == 422
    assert stolen.status_code == 409 and "sam.rivera" in stolen.json()["error"]["message"]
    assert empty.status_code == 422
    assert bad_outcome.status_code == 422
    assert transcript["status"] == "with_human" and transcript["agent"] == "sam.rivera"


async def test_the_customer_stream_resumes_after_last_event_id(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        client = served.client
        customer = Customer(client)
        await _escalated(customer)
        hid = (await client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]["handoff_id"]
        await client.post(f"/api/agent/handoffs/{hid}/claim", json={}, headers=AGENT)
        for text in ("one", "two", "three"):
            await client.post(f"/api/agent/handoffs/{hid}/reply", json={"text": text}, headers=AGENT)
        async with live(client, f"{customer.path}/events", customer.headers) as stream:
            joined = await stream.wait_for("agent_joined")
            first = await stream.wait_for("agent_message")
        resume = {**customer.headers, "Last-Event-ID": str(first[2])}
        async with live(client, f"{customer.path}/events", resume) as stream:
            with anyio.fail_after(10):
                rest = [await stream.wait_for("agent_message"), await stream.wait_for("agent_message")]
        bad = await client.get(f"{customer.path}/events?after=-1", headers=customer.headers)
    assert joined[1]["agent"] == "sam.rivera"
    assert first[1]["text"] == "one"
    assert [e[1]["text"] for e in rest] == ["two", "three"]
    assert bad.status_code == 422


@pytest.mark.parametrize("threshold", [pytest.param(0.2, id="shipped"), pytest.param(2.0, id="never-moves")])
async def test_the_queue_trend_follows_the_policy_rule_and_threshold(tmp_path: Path, threshold: float) -> None:
    policy = PolicyConfig(sentiment_trend_threshold=threshold)
    settings = web_settings(tmp_path).model_copy(update={"policy": policy})
    async with serve(settings, targets_for(tmp_path)) as served:
        await _escalated(Customer(served.client))
        item = (await served.client.get("/api/agent/queue", headers=AGENT)).json()["queued"][0]
    # The console shows the trend of the readings beside it, by the policy's one rule and configured threshold.
    assert len(item["sentiment"]) == 3
    assert item["sentiment_trend"] == trend(item["sentiment"], threshold=threshold)
    assert item["sentiment_trend"] in ("stable", "improving", "deteriorating")
