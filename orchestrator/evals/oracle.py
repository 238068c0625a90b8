"""`OracleModel`: replays a task's ground-truth actions as tool calls, then states the required answers.

It stands where the model stands, so every action goes through the orchestrator's real tool path (loop,
policies, registry, MCP server): a task the oracle fails points at the server, the plumbing or the scorer.
"""

from collections.abc import Sequence

from ..llm.model import ModelRequest, TextCallback
from ..testing.scripted import text_reply, tool_use
from ..wire import Message
from .cases import Action

__all__ = ["OracleModel"]

MODEL_ID = "oracle"


class OracleModel:
    """A `ModelClient` for one trial: one `tool_use` per call for each action, then one text reply."""

    def __init__(self, actions: Sequence[Action], answers: Sequence[str] = ()) -> None:
        """Script the actions (in order) and the strings the final reply must contain."""
        self._actions = list(actions)
        self._answers = list(answers)
        self._next = 0

    @property
    def label(self) -> str:
        """How the model is named to users."""
        return "oracle (ground-truth actions)"

    @property
    def offline(self) -> bool:
        """True: a local script, not AI (the policies then score sentiment locally, as offline)."""
        return True

    async def create(self, request: ModelRequest, *, on_text: TextCallback | None = None) -> Message:
        """The next action as a tool call, or, once all are sent, the closing reply."""
        if self._next < len(self._actions):
            action = self._actions[self._next]
            self._next += 1
            return tool_use((action.name, dict(action.arguments)), input_tokens=0, output_tokens=0, model=MODEL_ID)
        text = "Done." if not self._answers else "Here is what you asked for: " + "; ".join(self._answers) + "."
        if on_text is not None:
            await on_text(text)
        return text_reply(text, input_tokens=0, output_tokens=0, model=MODEL_ID)
