"""The customer side of an eval conversation: scripted lines, or a simulated customer played by the fast model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..events import Usage
from ..llm.model import ModelClient, ModelRequest
from ..settings import ModelConfig
from ..storage.ledger import cost_usd, usage_of
from ..wire import TextBlock

if TYPE_CHECKING:
    from anthropic.types import MessageParam

__all__ = ["STOP", "Customer", "ScriptedCustomer", "SimulatedCustomer", "customer_prompt"]

STOP = "###STOP###"
"""What the simulated customer writes when the conversation is over for them (τ-bench's convention)."""
GREETING = "Hi! How can I help you today?"
MAX_CUSTOMER_CHARS = 2000

_PROMPT = """You are playing a customer who is chatting with the support assistant of an online store. \
Stay in that role for the whole conversation; you are never the assistant.

Your situation and what you want:
{instruction}

How to play it:
- Write only your next chat message: short, natural, usually one or two sentences.
- Give a detail (your name, zip code, email, an order id, which items, a payment method) only when the \
assistant asks for it or when you need it to make your request. Do not hand over everything at once.
- Never invent facts that your situation does not give. If you are asked for something you were not told, \
say you don't know or don't remember.
- Follow the preferences in your situation exactly, including what to do when your first choice is not possible.
- When the assistant asks you to confirm an action that matches what you want, say yes clearly.
- When everything you wanted is done, or cannot be done, or you are transferred to a human agent, reply with \
{stop} and nothing else."""


def customer_prompt(instruction: str) -> str:
    """The simulated customer's system prompt for one task."""
    return _PROMPT.format(instruction=instruction.strip(), stop=STOP)


class Customer(Protocol):
    """Produces the customer's next message from the assistant's last reply; None ends the conversation."""

    cost_usd: float

    async def next(self, reply: str | None) -> str | None:
        """The next customer message (`reply` is None before the first one)."""
        ...


class ScriptedCustomer:
    """Says its lines in order, whatever the assistant answers."""

    def __init__(self, lines: Sequence[str]) -> None:
        """Keep the lines."""
        self._lines = list(lines)
        self.cost_usd = 0.0

    async def next(self, reply: str | None) -> str | None:
        """The next scripted line, or None when they are all said."""
        return self._lines.pop(0) if self._lines else None


@dataclass
class SimulatedCustomer:
    """A customer played by the fast model from a task instruction; says STOP when done."""

    model: ModelClient
    config: ModelConfig
    instruction: str
    cost_usd: float = 0.0
    usage: Usage = Usage()

    def __post_init__(self) -> None:
        self._history: list[MessageParam] = [{"role": "user", "content": GREETING}]

    async def next(self, reply: str | None) -> str | None:
        """Ask the fast model for the customer's next message; None once it says STOP (or says nothing)."""
        if reply is not None:
            self._history.append({"role": "user", "content": reply or "(no answer)"})
        request = ModelRequest(
            model=self.config.fast,
            system=customer_prompt(self.instruction),
            messages=list(self._history),
            max_tokens=400,
        )
        message = await self.model.create(request)
        usage = usage_of(message)
        self.usage = self.usage + usage
        self.cost_usd += cost_usd(message.model, usage, self.config.prices) or 0.0
        said = "".join(b.text for b in message.content if isinstance(b, TextBlock)).strip()
        if not said or STOP in said:
            return None
        said = said[:MAX_CUSTOMER_CHARS]
        self._history.append({"role": "assistant", "content": said})
        return said
