"""The customer API over real HTTP on loopback: conversations, streamed turns, transcript, ending, rating."""

from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from orchestrator.errors import ModelError
from orchestrator.llm.model import ModelRequest, TextCallback
from orchestrator.offline import OfflineModel
from orchestrator.testing.scripted import ScriptedModel, text_reply
from orchestrator.web import desk
from orchestrator.wire import Message
from tests.web.support import FLAGSHIP, Customer, kinds, parse_sse, serve, targets_for, web_settings

pytestmark = pytest.mark.anyio


async def test_flagship_conversation_streams_tools_and_text_and_refunds(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        created = await customer.start()
        assert created["model"] == {"label": "offline rule-based model (not AI)", "offline": True}
        turns = [await customer.say(line) for line in FLAGSHIP]
        transcript = await customer.transcript()

    first = kinds(turns[0])
    assert "text" in first and first[-1] == "done"
    verify = turns[1]
    assert ("tool_started", {"id": verify[0][1]["id"], "name": "lookup_order", "server": "orders"}) == verify[0]
    finished = next(data for name, data in verify if name == "tool_finished")
    assert finished["name"] == "lookup_order" and finished["ok"] is True and finished["duration_ms"] >= 0
    refund = turns[-1]
    assert any(name == "tool_finished" and d["name"] == "process_refund" and d["ok"] for name, d in refund)
    streamed = "".join(d["text"] for name, d in refund if name == "text")
    assert streamed == refund[-1][1]["text"]
    assert "$89.99" in streamed and "4242" in streamed
    roles = [m["role"] for m in transcript["messages"]]
    assert roles == ["assistant"] + ["customer", "assistant"] * len(FLAGSHIP)
    assert transcript["status"] == "active"
    # The customer's email is masked in the stored transcript.
    assert "jordan.lee@example.com" not in str(transcript)


async def test_a_wrong_secret_and_an_unknown_id_both_look_like_not_found(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        wrong = await served.client.get(customer.path, headers={"X-Conversation-Secret": "guess"})
        missing = await served.client.get(customer.path)
        unknown = await served.client.get("/api/conversations/nope", headers=customer.headers)
        post = await served.client.post(
            f"{customer.path}/messages", json={"text": "hi"}, headers={"X-Conversation-Secret": "guess"}
        )
    for response in (wrong, missing, unknown, post):
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "no such conversation"}}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"text": ""}, 422, "invalid_request", id="empty"),
        pytest.param({"text": "   "}, 422, "invalid_request", id="blank"),
        pytest.param({"text": 42}, 422, "invalid_request", id="not-a-string"),
        pytest.param({"text": "x" * 4001}, 422, "invalid_request", id="too-long"),
        pytest.param([1, 2], 422, "invalid_request", id="not-an-object"),
    ],
)
async def test_bad_messages_get_a_json_error_and_change_nothing(
    tmp_path: Path, body: object, status: int, code: str
) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        before = await customer.transcript()
        response = await served.client.post(f"{customer.path}/messages", json=body, headers=customer.headers)
        after = await customer.transcript()
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert after == before


async def test_invalid_json_is_refused(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        response = await served.client.post(
            "/api/conversations", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json() == {"error": {"code": "invalid_request", "message": "the body is not valid JSON"}}


class GatedModel:
    """The offline model, held at its first call until the test opens the gate."""

    def __init__(self) -> None:
        self.inner = OfflineModel()
        self.entered = anyio.Event()
        self.gate = anyio.Event()

    @property
    def label(self) -> str:
        return self.inner.label

    @property
    def offline(self) -> bool:
        return True

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        self.entered.set()
        await self.gate.wait()
        return await self.inner.create(request, on_text=on_text)


async def test_a_second_message_while_a_turn_runs_is_a_conflict(tmp_path: Path) -> None:
    model = GatedModel()
    async with serve(web_settings(tmp_path), targets_for(tmp_path), model=model) as served:
        customer = Customer(served.client)
        await customer.start()
        path = f"{customer.path}/messages"
        async with served.client.stream("POST", path, json={"text": FLAGSHIP[0]}, headers=customer.headers) as first:
            assert first.status_code == 200
            with anyio.fail_after(10):
                await model.entered.wait()
            second = await served.client.post(path, json={"text": "hello?"}, headers=customer.headers)
            model.gate.set()
            events = parse_sse((await first.aread()).decode())
        third = await customer.say("jordan.lee@example.com")
        said = [m["text"] for m in (await customer.transcript())["messages"] if m["role"] == "customer"]
    assert second.status_code == 409
    assert "hello?" not in said  # a refused message is not recorded
    assert second.json()["error"] == {"code": "conflict", "message": "Please wait for the current reply."}
    assert events[-1][0] == "done"
    assert third[-1][0] == "done"


class TurnGates:
    """One text reply per model call, each call held at its own gate until the test opens it."""

    def __init__(self, calls: int) -> None:
        self.entered = [anyio.Event() for _ in range(calls)]
        self.gates = [anyio.Event() for _ in range(calls)]
        self.calls = 0

    @property
    def label(self) -> str:
        return "gated"

    @property
    def offline(self) -> bool:
        return True

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        n, self.calls = self.calls, self.calls + 1
        self.entered[n].set()
        await self.gates[n].wait()
        return text_reply(f"reply {n}")


async def test_a_turn_whose_lease_ran_out_does_not_free_the_next_turn_s_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = TurnGates(4)
    model.gates[2].set()  # (were a third message let in, its turn would not hang the test)
    model.gates[3].set()
    async with serve(web_settings(tmp_path), targets_for(tmp_path), model=model) as served:
        customer = Customer(served.client)
        await customer.start()
        path = f"{customer.path}/messages"
        monkeypatch.setattr(desk, "TURN_LEASE", timedelta(seconds=-1))  # the first turn outlives its lease...
        async with served.client.stream("POST", path, json={"text": "one"}, headers=customer.headers) as first:
            assert first.status_code == 200
            with anyio.fail_after(10):
                await model.entered[0].wait()
            monkeypatch.undo()
            # ...so the same process's next turn takes the slot
            async with served.client.stream("POST", path, json={"text": "two"}, headers=customer.headers) as second:
                assert second.status_code == 200
                with anyio.fail_after(10):
                    await model.entered[1].wait()
                model.gates[0].set()
                stale = parse_sse((await first.aread()).decode())  # its save must free only the slot it took
                third = await served.client.post(path, json={"text": "three"}, headers=customer.headers)
                model.gates[1].set()
                current = parse_sse((await second.aread()).decode())
        after = await customer.say("four")
    assert stale[-1][0] == "done"
    assert third.status_code == 409  # the second turn still holds the slot
    assert current[-1][0] == "done"
    assert after[-1][1]["text"] == "reply 2"  # the second turn's end freed it


async def test_ending_then_rating_once(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        await customer.say("How long does shipping take?")
        end = await served.client.post(f"{customer.path}/end", json={}, headers=customer.headers)
        again = await served.client.post(f"{customer.path}/end", json={}, headers=customer.headers)
        late = await served.client.post(f"{customer.path}/messages", json={"text": "hi"}, headers=customer.headers)
        bad = await served.client.post(f"{customer.path}/csat", json={"score": 6}, headers=customer.headers)
        rated = await served.client.post(f"{customer.path}/csat", json={"score": 4}, headers=customer.headers)
        twice = await served.client.post(f"{customer.path}/csat", json={"score": 1}, headers=customer.headers)
        transcript = await customer.transcript()
        record = served.orchestrator.kpi.get(customer.conversation_id) if served.orchestrator.kpi else None
    assert end.json() == {"status": "ended", "outcome": "resolved_by_bot"}
    assert again.json() == {"status": "ended", "outcome": None}
    assert late.status_code == 409
    assert bad.status_code == 422
    assert rated.json() == {"csat": 4}
    assert twice.status_code == 409
    assert transcript["status"] == "ended" and transcript["csat"] == 4
    assert record is not None and record.csat == 4 and record.outcome == "resolved_by_bot"


async def test_rating_an_open_conversation_ends_it(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        await customer.say("How long does shipping take?")
        rated = await served.client.post(f"{customer.path}/csat", json={"score": 5}, headers=customer.headers)
        transcript = await customer.transcript()
        record = served.orchestrator.kpi.get(customer.conversation_id) if served.orchestrator.kpi else None
    assert rated.status_code == 200
    assert transcript["status"] == "ended"
    assert record is not None and record.csat == 5 and record.resolution_confirmed


async def test_a_turn_finishes_and_is_stored_when_the_customer_disconnects(tmp_path: Path) -> None:
    async with serve(web_settings(tmp_path), targets_for(tmp_path)) as served:
        customer = Customer(served.client)
        await customer.start()
        path = f"{customer.path}/messages"
        async with served.client.stream("POST", path, json={"text": FLAGSHIP[0]}, headers=customer.headers) as r:
            assert r.status_code == 200  # leave before reading anything
        with anyio.fail_after(10):
            while True:
                messages = (await customer.transcript())["messages"]
                if messages[-1]["role"] == "assistant" and len(messages) == 3:
                    break
                await anyio.wait_all_tasks_blocked()
    assert "ORD-78432" in messages[-1]["text"]


async def _failed_turn_then_another(tmp_path: Path, failure: Exception) -> tuple[str, str]:
    """(the SSE body of a turn whose model call raised `failure`, the reply to the next message)."""
    model = ScriptedModel([failure, text_reply("Hello again.")])
    async with serve(web_settings(tmp_path), targets_for(tmp_path), model=model) as served:
        customer = Customer(served.client)
        await customer.start()
        with anyio.fail_after(30):
            failed = await served.client.post(
                f"{customer.path}/messages", json={"text": "hi"}, headers=customer.headers
            )
        after = await customer.say("are you there?")
    return failed.text, after[-1][1]["text"]


async def test_a_bug_inside_a_turn_is_an_internal_error_logged_without_its_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    failed, after = await _failed_turn_then_another(tmp_path, ValueError("could not read jordan.lee@example.com"))
    assert parse_sse(failed)[-1] == (
        "error",
        {"code": "internal", "message": "Something went wrong on our side; please try again."},
    )
    assert after == "Hello again."  # the turn slot was freed: the conversation goes on
    (logged,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("web turn failed")]
    assert logged.startswith("web turn failed: ValueError (message withheld)\n")
    assert "jordan.lee" not in caplog.text


async def test_a_model_failure_tells_the_customer_to_retry_without_the_operator_s_detail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    detail = "the Anthropic API key was rejected (401): check ANTHROPIC_API_KEY [invalid x-api-key; request id req_9]"
    failed, after = await _failed_turn_then_another(tmp_path, ModelError(detail, status_code=401))
    name, data = parse_sse(failed)[-1]
    assert (name, data["code"]) == ("error", "unavailable")
    assert "try again" in data["message"]
    assert not any(word in failed for word in ("Anthropic", "API_KEY", "401", "req_9"))  # no operator detail
    assert "req_9" in caplog.text  # the operator finds it in the log
    assert after == "Hello again."  # the conversation goes on
