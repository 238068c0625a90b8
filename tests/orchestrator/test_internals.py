"""The output check that keeps internal markup and infrastructure error text away from the customer."""

from dataclasses import dataclass

import pytest

from orchestrator.hooks import TurnContext
from orchestrator.policy.internals import InternalsOutputCheck, scrub_internals

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    expected: str


CASES = [
    Case(
        "plain text is untouched",
        "Your order ORD-78432 shipped. Anything else?",
        "Your order ORD-78432 shipped. Anything else?",
    ),
    Case(
        "echoed markup and error",
        "<tool_output trust=\"data\">\nThe tool could not be run: MCP server 'refunds' is unavailable: boom. "
        "Shall I try again?",
        "One of our systems isn't responding right now. Shall I try again?",
    ),
    Case("closing tag", "Done.</tool_output>", "Done."),
    Case("defused tag", "[tool_output trust=data] ok", " ok"),
    Case(
        "a traceback line",
        "Sorry!\nTraceback (most recent call last): boom\nAnything else?",
        "Sorry!\nOne of our systems isn't responding right now. Anything else?",
    ),
    Case(
        "french",
        "Désolé, le MCP server refunds est en panne. Voulez-vous que je réessaie ?",
        "Un de nos systèmes ne répond pas pour le moment. Voulez-vous que je réessaie ?",
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_scrub_internals(case: Case) -> None:
    assert scrub_internals(case.text) == case.expected


async def test_the_output_check_applies_it() -> None:
    checked = await InternalsOutputCheck().check_output("JSON-RPC error -32000. Sorry about that!", TurnContext("c"))
    assert checked == "One of our systems isn't responding right now. Sorry about that!"
