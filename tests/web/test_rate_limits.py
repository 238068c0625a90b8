"""Rate limits: new conversations per address, messages per conversation, failed agent sign-ins per address."""

from pathlib import Path

import httpx2 as httpx
import pytest

from orchestrator.settings import RateLimits, WebConfig
from tests.web.support import AGENT, Customer, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio

TIGHT = WebConfig(rate_limits=RateLimits(conversations="3/hour", messages="2/hour", agent_auth_failures="2/hour"))


def _from(url: str, address: str) -> httpx.AsyncClient:
    """A client whose connections leave from another loopback address (a different customer)."""
    return httpx.AsyncClient(base_url=url, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=address))


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 3600


async def test_new_conversations_are_limited_per_client_address(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, web=TIGHT), targets_for(tmp_path)) as served:
        for _ in range(3):
            await Customer(served.client).start()
        refused = await served.client.post("/api/conversations", json={})
        created = len(served.orchestrator.store.recent())
        async with _from(served.url, "127.0.0.2") as neighbour:
            other = await neighbour.post("/api/conversations", json={})
    _refused(refused)
    assert created == 3  # the refused request created nothing
    assert other.status_code == 201  # another address has its own window


async def test_messages_are_limited_per_conversation_and_a_refused_one_changes_nothing(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, web=TIGHT), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        await customer.say("How long does shipping take?")
        await customer.say("What is your return policy?")
        before = await customer.transcript()
        refused = await served.client.post(
            f"{customer.path}/messages", json={"text": "And international shipping?"}, headers=customer.headers
        )
        after = await customer.transcript()
        other = Customer(served.client)
        await other.start()
        events = await other.say("How long does shipping take?")
    _refused(refused)
    assert after == before
    assert events[-1][0] == "done"  # the limit is per conversation


async def test_repeated_wrong_agent_tokens_lock_out_that_address_only(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path, web=TIGHT), targets_for(tmp_path)) as served:
        wrong = {**AGENT, "Authorization": "Bearer not-the-token"}
        first = await served.client.get("/api/agent/queue", headers=wrong)
        right_meanwhile = await served.client.get("/api/agent/queue", headers=AGENT)
        second = await served.client.get("/api/agent/queue", headers=wrong)
        locked = await served.client.get("/api/agent/queue", headers=AGENT)
        metrics = await served.client.get("/metrics", headers=AGENT)
        async with _from(served.url, "127.0.0.3") as colleague:
            elsewhere = await colleague.get("/api/agent/queue", headers=AGENT)
    assert (first.status_code, second.status_code) == (401, 401)
    assert right_meanwhile.status_code == 200  # successes are not counted
    _refused(locked)  # even the right token waits once the window is full
    _refused(metrics)
    assert elsewhere.status_code == 200
