"""`OfflineModel`: the deterministic, rule-based stand-in for Claude when no API key is set. It is not AI."""

import hashlib
import json
import re
from collections.abc import Mapping
from typing import cast

from ..llm.model import ModelRequest, TextCallback
from ..wire import Message, TextBlock, ToolUseBlock, Usage
from .actions import LOAD_TOOLS, Action, Call, Toolbox
from .conversation import Conversation, read_conversation
from .planner import plan

__all__ = ["MODEL_ID", "OfflineModel", "chunks"]

MODEL_ID = "offline-rules"
_CHUNK = re.compile(r".*?(?:[.!?:](?=\s)|\n|$)\s*", re.DOTALL)


def chunks(text: str) -> list[str]:
    """Split a reply into streaming pieces (sentences and lines) that join back to exactly `text`."""
    return [piece for piece in _CHUNK.findall(text) if piece]


def _tool_names(request: ModelRequest) -> list[str]:
    names: list[str] = []
    for tool in request.tools:
        name = cast(Mapping[str, object], tool).get("name")
        if isinstance(name, str):
            names.append(name)
    return names


_LISTED = re.compile(r"^- ([A-Za-z0-9_.-]{1,128}):", re.MULTILINE)


def _loadable(request: ModelRequest, conversation: Conversation) -> list[str]:
    """The deferred tools `load_tools` lists, less those already asked for in this turn (no loading loop)."""
    tool = next((cast(Mapping[str, object], t) for t in request.tools if t.get("name") == LOAD_TOOLS), None)
    description = tool.get("description") if tool is not None else None
    if not isinstance(description, str):
        return []
    asked = {n for e in conversation.current.calls(LOAD_TOOLS) for n in cast(list[object], e.args.get("names") or [])}
    return [name for name in _LISTED.findall(description) if name not in asked]


def _fingerprint(request: ModelRequest) -> str:
    payload = {
        "system": request.system,
        "messages": request.messages,
        "tools": _tool_names(request),
        "metadata": request.metadata,
    }
    return json.dumps(payload, sort_keys=True, default=repr, ensure_ascii=False)


class OfflineModel:
    """A `ModelClient` that reads the conversation with fixed rules and answers from tool results only.

    Same request, same response: no network, no randomness and no clock. Ids are derived from the request.
    """

    @property
    def label(self) -> str:
        """How the model is named to users."""
        return "offline rule-based model (not AI)"

    @property
    def offline(self) -> bool:
        """Always True: a local, rule-based model."""
        return True

    def decide(self, request: ModelRequest) -> Action:
        """The next step for a request, without building a message (useful for inspection)."""
        conversation = read_conversation(request.messages, request.metadata)
        return plan(conversation, Toolbox(_tool_names(request), _loadable(request, conversation)))

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """Answer one model call: a `tool_use` message, or a final text streamed to `on_text` per sentence."""
        action = self.decide(request)
        fingerprint = _fingerprint(request)
        digest = hashlib.sha256(fingerprint.encode()).hexdigest()
        input_tokens = len(fingerprint) // 4
        if isinstance(action, Call):
            use = ToolUseBlock(type="tool_use", id=f"toolu_offline_{digest[:20]}", name=action.name, input=action.args)
            output = json.dumps(action.args, sort_keys=True, default=str)
            return Message(
                id=f"msg_offline_{digest[:24]}",
                type="message",
                role="assistant",
                model=MODEL_ID,
                content=[use],
                stop_reason="tool_use",
                stop_sequence=None,
                usage=Usage(input_tokens=input_tokens, output_tokens=len(action.name + output) // 4),
            )
        if on_text is not None:
            for piece in chunks(action.text):
                await on_text(piece)
        return Message(
            id=f"msg_offline_{digest[:24]}",
            type="message",
            role="assistant",
            model=MODEL_ID,
            content=[TextBlock(type="text", text=action.text)],
            stop_reason="end_turn",
            stop_sequence=None,
            usage=Usage(input_tokens=input_tokens, output_tokens=len(action.text) // 4),
        )
