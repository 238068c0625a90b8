"""Running the web app for tests: real in-memory MCP servers, a real uvicorn on 127.0.0.1, SSE parsing."""

import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
import uvicorn
from pydantic import SecretStr

from orchestrator.cli.serve import bind
from orchestrator.llm.model import ModelClient
from orchestrator.registry.registry import TargetFactory
from orchestrator.service import Orchestrator
from orchestrator.settings import Settings, WebConfig
from orchestrator.web import build_app
from orchestrator.web.hub import Hub
from tests.orchestrator.support import SERVERS, in_memory, real_targets, settings_for

TOKEN = "agent-token-for-tests"
AGENT = {"Authorization": f"Bearer {TOKEN}", "X-Agent-Name": "sam.rivera"}
CONSOLE_TOOLS = ["list_handoff_queue", "get_handoff", "claim_handoff", "add_handoff_reply", "resolve_handoff"]
REFUND_AGENT_TOOLS = ["list_pending_refunds", "get_refund", "approve_refund", "reject_refund"]
HIDDEN = {"escalation": CONSOLE_TOOLS, "refunds": REFUND_AGENT_TOOLS}
FLAGSHIP = (
    "Hi, I ordered a pair of headphones 2 weeks ago and they don't work. My order is ORD-78432.",
    "jordan.lee@example.com",
    "The Bluetooth won't connect to anything at all. I've tried with 3 different devices.",
    "Yes I've tried everything!! Nothing works. I want a refund.",
    "Yes, please go ahead.",
)


def web_settings(
    tmp_path: Path, *, database_url: str | None = None, token: str | None = TOKEN, web: WebConfig | None = None
) -> Settings:
    servers = [in_memory(n, hidden_tools=HIDDEN.get(n, [])) for n in SERVERS]
    settings = settings_for(tmp_path, servers)
    update: dict[str, Any] = {"agent_token": SecretStr(token) if token else None, "web": web or WebConfig()}
    if database_url is not None:
        update["database_url"] = database_url
    return settings.model_copy(update=update)


@dataclass
class Served:
    url: str
    orchestrator: Orchestrator
    client: httpx.AsyncClient
    hub: Hub


@asynccontextmanager
async def serve(
    settings: Settings,
    targets: dict[str, TargetFactory],
    *,
    model: ModelClient | None = None,
) -> AsyncGenerator[Served]:
    """The app on a real uvicorn bound to 127.0.0.1 (port chosen by the OS), and a client for it."""
    async with Orchestrator.open(settings, targets=targets, model=model, policies=True) as orchestrator:
        app = build_app(orchestrator)
        sock = bind("127.0.0.1", 0)
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1))
        url = f"http://127.0.0.1:{port}"
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(server.serve, [sock])
                async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                    try:
                        yield Served(url, orchestrator, client, app.state.hub)
                    finally:
                        server.should_exit = True
        finally:
            sock.close()


def targets_for(tmp_path: Path) -> dict[str, TargetFactory]:
    return real_targets(tmp_path)


def parse_sse(body: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of a complete SSE body (comments skipped)."""
    events: list[tuple[str, dict[str, Any]]] = []
    for block in body.split("\n\n"):
        name, data = "message", None
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
        if data is not None:
            events.append((name, data))
    return events


@dataclass
class Customer:
    """A customer of the web chat, through the HTTP API."""

    client: httpx.AsyncClient
    conversation_id: str = ""
    secret: str = ""
    replies: list[str] = field(default_factory=list[str])

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Conversation-Secret": self.secret}

    @property
    def path(self) -> str:
        return f"/api/conversations/{self.conversation_id}"

    async def start(self) -> dict[str, Any]:
        response = await self.client.post("/api/conversations", json={})
        assert response.status_code == 201, response.text
        body = response.json()
        self.conversation_id, self.secret = body["conversation_id"], body["secret"]
        return body

    async def say(self, text: str) -> list[tuple[str, dict[str, Any]]]:
        with anyio.fail_after(30):
            response = await self.client.post(f"{self.path}/messages", json={"text": text}, headers=self.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.text)
        assert events[-1][0] == "done", events
        self.replies.append(events[-1][1]["text"])
        return events

    async def transcript(self) -> dict[str, Any]:
        response = await self.client.get(self.path, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def live(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> AsyncGenerator["LiveStream"]:
    """An open event stream (`/events`), read event by event."""
    async with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(30, read=60)) as response:
        assert response.status_code == 200
        yield LiveStream(response.aiter_lines())


class LiveStream:
    def __init__(self, lines: AsyncIterator[str]) -> None:
        self.lines = lines
        self.seen: list[tuple[str, dict[str, Any], int | None]] = []

    async def next_event(self) -> tuple[str, dict[str, Any], int | None]:
        name, event_id = "message", None
        async for line in self.lines:
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                event = (name, json.loads(line[6:]), event_id)
                self.seen.append(event)
                return event
        raise AssertionError("the stream ended")

    async def wait_for(self, kind: str, *, seconds: float = 10) -> tuple[str, dict[str, Any], int | None]:
        with anyio.fail_after(seconds):
            while True:
                event = await self.next_event()
                if event[0] == kind:
                    return event


def kinds(events: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in events]
