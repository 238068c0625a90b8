"""Refunds awaiting approval through the web API: the hand-off, the console's decision, the customer told live."""

import re
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from orchestrator.settings import WebConfig
from tests.orchestrator.support import real_server_factory
from tests.web.support import AGENT, REFUND_AGENT_TOOLS, Customer, Served, live, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

MORGAN = (
    "Hi, I'd like a refund for order ORD-93514, I changed my mind about the espresso machine.",
    "morgan.moreau@example.com",
    "Yes, please go ahead.",
)
YAEL = (
    "My order ORD-39558 arrived defective and I want a refund.",
    "yael.jensen@example.com",
    "Yes, please go ahead.",
)


async def _request_refund(served: Served, script: tuple[str, ...]) -> Customer:
    customer = Customer(served.client)
    await customer.start()
    events = [await customer.say(line) for line in script][-1]
    assert events[-1][1]["status"] == "waiting_for_human"
    escalated = next(data for name, data in events if name == "escalated")
    assert escalated["reason"] == "refund_approval"
    return customer


async def _pending(served: Served) -> list[dict[str, Any]]:
    response = await served.client.get("/api/agent/refunds", headers=AGENT)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@asynccontextmanager
async def _another_mcp_client(tmp_path: Path) -> AsyncGenerator[Client]:
    """A support team's own MCP client of the refunds server (same database), which the console knows nothing of."""
    server = real_server_factory("refunds", f"sqlite:///{tmp_path / 'servers.db'}")()
    async with Client(server, mode="legacy") as client:
        yield client


def _decisions(transcript: dict[str, Any]) -> list[str]:
    return [m["text"] for m in transcript["messages"] if m["role"] == "system" and "refund" in m["text"]]


async def test_an_approval_reaches_the_queue_and_the_customer_sees_the_decision_live(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        offered = [t["name"] for t in served.orchestrator.registry.tools()]
        customer = await _request_refund(served, MORGAN)
        [item] = await _pending(served)
        queue = (await served.client.get("/api/agent/queue", headers=AGENT)).json()
        handoff = (await served.client.get(f"/api/agent/handoffs/{item['handoff_id']}", headers=AGENT)).json()
        async with live(served.client, f"{customer.path}/events", customer.headers) as stream:
            with anyio.fail_after(30):
                approved = await served.client.post(
                    f"/api/agent/refunds/{item['refund_id']}/approve", json={}, headers=AGENT
                )
                _, shown, _ = await stream.wait_for("refund_decision")
        again = await served.client.post(f"/api/agent/refunds/{item['refund_id']}/approve", json={}, headers=AGENT)
        transcript = await customer.transcript()
        after = await _pending(served)
        dashboard = (await served.client.get("/api/dashboard", headers=AGENT)).json()

    assert not set(REFUND_AGENT_TOOLS) & set(offered)  # the customer-facing model never sees the agent tools
    assert "passed your refund request RF-" in customer.replies[-1] and "No money has moved yet" in customer.replies[-1]
    assert (item["order_id"], item["amount"], item["conversation_id"]) == (
        "ORD-93514",
        732.97,
        customer.conversation_id,
    )
    assert item["customer_email"] == "morgan.moreau@example.com" and item["reason"] == "changed_mind"
    assert [(h["handoff_id"], h["priority"]) for h in queue["queued"]] == [(item["handoff_id"], "high")]
    assert handoff["context"] == {
        "approval": "refund awaiting approval",
        "refund_id": item["refund_id"],
        "order_id": "ORD-93514",
        "amount": "732.97 USD",
        "refund_reason": "change of mind",
    }
    assert (handoff["customer_email"], handoff["customer_verified"]) == ("morgan.moreau@example.com", True)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["decision"], body["decided_by"], body["posted"], body["replayed"]) == (
        "approved",
        "sam.rivera",
        True,
        False,
    )
    assert shown["text"].startswith("Good news: your refund of $732.97 for order ORD-93514")
    assert (shown["refund_id"], shown["decision"]) == (item["refund_id"], "approved")
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["posted"] is False
    assert _decisions(transcript) == [shown["text"]]  # told once, and kept in the transcript
    system = [m["text"] for m in transcript["messages"] if m["role"] == "system"]
    assert system[-3:] == [
        "sam.rivera (human agent) has joined the conversation.",
        shown["text"],
        "You're back with Alex, our assistant.",
    ]
    assert transcript["status"] == "active"  # the hand-off was only for the approval: back to the assistant
    assert after == []
    approvals = dashboard["approvals"]
    assert (approvals["pending"], approvals["approved"], approvals["approved_amount"]) == (0, 1, 732.97)
    assert (approvals["rejected"], approvals["rejected_amount"]) == (0, 0.0)
    assert approvals["mean_decision_s"] is not None and approvals["mean_decision_s"] >= 0


async def test_a_rejection_needs_a_reason_tells_the_customer_and_cannot_be_approved_after(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = await _request_refund(served, YAEL)
        [item] = await _pending(served)
        path = f"/api/agent/refunds/{item['refund_id']}"
        no_reason = await served.client.post(f"{path}/reject", json={"reason": "  "}, headers=AGENT)
        nul = await served.client.post(f"{path}/reject", json={"reason": "bad\u0000"}, headers=AGENT)
        long = await served.client.post(f"{path}/reject", json={"reason": "x" * 501}, headers=AGENT)
        surrogate = await served.client.post(  # JSON escapes it; over stdio it used to break the refunds connection
            f"{path}/reject",
            content=b'{"reason": "bad \\ud800"}',
            headers={**AGENT, "Content-Type": "application/json"},
        )
        health = (await served.client.get("/healthz")).json()
        rejected = await served.client.post(
            f"{path}/reject", json={"reason": "The damage was caused in use, not in delivery."}, headers=AGENT
        )
        late = await served.client.post(f"{path}/approve", json={}, headers=AGENT)
        transcript = await customer.transcript()
        dashboard = (await served.client.get("/api/dashboard", headers=AGENT)).json()

    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "invalid_request"
    assert (long.status_code, long.json()["error"]["message"]) == (
        422,
        "reason: String should have at most 500 characters",
    )
    for refused, what in ((nul, "a NUL character"), (surrogate, "an unpaired surrogate (invalid Unicode)")):
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == {
            "code": "invalid_request",
            "message": f"reason: the text contains {what}; remove it and send it again",
        }
    assert health["status"] == "ok"
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["rejection_reason"] == "The damage was caused in use, not in delivery."
    assert late.status_code == 409
    assert late.json()["error"]["message"].startswith(f"{item['refund_id']} was already rejected by sam.rivera")
    [told] = _decisions(transcript)
    assert "could not approve it. Reason: The damage was caused in use, not in delivery. No money has moved" in told
    assert (dashboard["approvals"]["rejected"], dashboard["approvals"]["rejected_amount"]) == (1, 775.96)


async def test_the_approval_routes_need_the_agent_token_and_a_real_refund_id(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        anonymous = await served.client.get("/api/agent/refunds")
        forged = await served.client.post("/api/agent/refunds/RF-0123456789AB/approve", json={}, headers={})
        malformed = await served.client.post("/api/agent/refunds/ORD-93514/approve", json={}, headers=AGENT)
        unknown = await served.client.post("/api/agent/refunds/RF-0123456789AB/approve", json={}, headers=AGENT)

    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert malformed.status_code == 404
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"].startswith("No refund RF-0123456789AB.")


async def test_a_decision_taken_in_another_mcp_client_reaches_the_customer_the_queue_and_the_kpis(
    tmp_path: Path,
) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = await _request_refund(served, YAEL)
        [item] = await _pending(served)
        async with _another_mcp_client(tmp_path) as elsewhere:
            rejected = await elsewhere.call_tool(
                "reject_refund", {"refund_id": item["refund_id"], "agent": "kim.lee", "reason": "Damaged in use."}
            )
        async with live(served.client, f"{customer.path}/events", customer.headers) as stream:
            with anyio.fail_after(30):
                dashboard = (await served.client.get("/api/dashboard", headers=AGENT)).json()
                _, shown, _ = await stream.wait_for("refund_decision")
        after = await _pending(served)
        again = (await served.client.get("/api/dashboard", headers=AGENT)).json()
        queue = (await served.client.get("/api/agent/queue", headers=AGENT)).json()
        transcript = await customer.transcript()

    assert not rejected.is_error
    assert (shown["refund_id"], shown["decision"]) == (item["refund_id"], "rejected")
    assert "could not approve it. Reason: Damaged in use. No money has moved" in shown["text"]
    assert after == []
    assert _decisions(transcript) == [shown["text"]]  # told once, whatever looked again
    assert transcript["status"] == "active"  # the approval's hand-off went back to the assistant
    assert queue["queued"] == []
    for seen in (dashboard, again):
        approvals = seen["approvals"]
        assert (approvals["pending"], approvals["rejected"], approvals["rejected_amount"]) == (0, 1, 775.96)


async def test_the_customer_hears_of_a_decision_taken_elsewhere_with_no_console_open(tmp_path: Path) -> None:
    settings = web_settings(tmp_path, web=WebConfig(approvals_sync_s=0.05))
    async with serve(settings, targets_for(tmp_path)) as served:
        customer = await _request_refund(served, MORGAN)
        [link] = re.findall(r"passed your refund request (RF-[0-9A-F]{12})", customer.replies[-1])
        async with live(served.client, f"{customer.path}/events", customer.headers) as stream:
            async with _another_mcp_client(tmp_path) as elsewhere:
                approved = await elsewhere.call_tool("approve_refund", {"refund_id": link, "agent": "kim.lee"})
            with anyio.fail_after(30):
                _, shown, _ = await stream.wait_for("refund_decision")

    assert not approved.is_error
    assert (shown["refund_id"], shown["decision"]) == (link, "approved")
    assert shown["text"].startswith("Good news: your refund of $732.97 for order ORD-93514")


async def test_asking_again_after_a_rejection_is_told_it_was_declined_and_nothing_is_paid(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = await _request_refund(served, YAEL)
        [item] = await _pending(served)
        rejected = await served.client.post(
            f"/api/agent/refunds/{item['refund_id']}/reject", json={"reason": "Damaged in use."}, headers=AGENT
        )
        for line in YAEL[::2]:  # the same request again, and "yes"
            await customer.say(line)
        after = await _pending(served)
        dashboard = (await served.client.get("/api/dashboard", headers=AGENT)).json()

    assert rejected.status_code == 200, rejected.text
    told = customer.replies[-1]
    assert f"Refund {item['refund_id']} ($775.96) was already reviewed by our team and declined" in told
    assert "no money has moved" in told
    assert "refunded to" not in told and "Done" not in told
    assert told == told.strip()  # a reply ending in whitespace is an invalid history: the turn's tool calls were lost
    assert after == []  # no second request for a human to decide
    assert (dashboard["approvals"]["approved"], dashboard["approvals"]["rejected"]) == (0, 1)


async def test_a_refunds_block_without_the_agent_tools_hidden_says_what_to_configure(tmp_path: Path) -> None:
    settings = web_settings(tmp_path)
    servers = [s.model_copy(update={"hidden_tools": []}) if s.name == "refunds" else s for s in settings.servers]
    async with serve(settings.model_copy(update={"servers": servers}), targets_for(tmp_path)) as served:
        listed = await served.client.get("/api/agent/refunds", headers=AGENT)

    assert listed.status_code == 503
    assert listed.json()["error"]["message"] == (
        "The refunds server (refunds) offers the console no list_pending_refunds: the server must have it, and its "
        "block in the config must list it in hidden_tools (see docs/refund-approvals.md)."
    )
