"""Refunds awaiting approval through the web API: the hand-off, the console's decision, the customer told live."""

from pathlib import Path
from typing import Any

import anyio
import pytest

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
