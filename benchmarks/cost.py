"""What a support conversation costs on Claude: Switchboard's design against the seed article's, cold and warm.

Four conversations (the flagship ORD-78432 → Bluetooth help → refund, an FAQ-only one, an order status, a human
hand-off) run through the real orchestrator (shipped config, prompt, catalog and policies; the five servers in
memory) with `AnthropicModel` and the real SDK, against the fake Messages API with prompt-cache accounting: each
request is billed as Claude would bill it (cache reads and writes at the breakpoints the request carries, each
model's minimum cacheable length, 5-minute lifetime). **Tokens are estimated from characters** (about 4 per
token of compact JSON, plus the tool-use system prompt), so the dollars are estimates; the ratios between
designs, computed the same way, are what this measures.

The model's side is scripted (what a good reply would be), identical for both designs. The seed design is
priced on the same conversations: its system prompt and five tools, full history resent on every call, no
caching, and one Sonnet call per customer message for sentiment.

- cold: nothing cached when the conversation starts;
- warm: the static prefix (tools and system prompt) was cached by an earlier conversation minutes before.

Run: `.venv/bin/python benchmarks/cost.py [--write docs/cost.md]`.
"""

import argparse
import importlib
import platform
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import anyio
import httpx2
from anthropic import AsyncAnthropic
from cost_seed import SEED_SENTIMENT_OUTPUT, SEED_SENTIMENT_PROMPT, SEED_SYSTEM_PROMPT, SEED_TOOLS

from mcp_servers._common.runner import parse_args
from orchestrator import Orchestrator
from orchestrator.llm.anthropic_model import AnthropicModel
from orchestrator.settings import Settings, load_settings
from orchestrator.storage.ledger import cost_usd
from orchestrator.testing.fake_api import CacheAccounting, FakeMessagesAPI, JSONObject, text_message, tool_use_message
from switchboard_common.storage import Database

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("orders", "tickets", "faq", "refunds", "escalation")
JORDAN = "jordan.lee@example.com"
SECONDS_BETWEEN_TURNS = 20.0
GOALS = {"warm": 0.40, "cold": 0.60}


@dataclass(frozen=True)
class Conversation:
    name: str
    lines: tuple[str, ...]
    steps: tuple[JSONObject, ...]
    """The scripted Claude responses, in request order."""


def _conversations() -> list[Conversation]:
    lookup: tuple[str, JSONObject] = ("lookup_order", {"order_id": "ORD-78432", "customer_email": JORDAN})
    return [
        Conversation(
            "flagship (order → Bluetooth help → refund)",
            (
                "Hi, my ProMax headphones from order ORD-78432 won't connect to my phone anymore",
                JORDAN,
                "I tried all of that and they still won't pair. I'd like a refund please.",
                "Yes, please go ahead with the refund.",
                "Thanks, that's all!",
            ),
            (
                text_message(
                    "I'm sorry your headphones won't connect. To look at order ORD-78432, could you give me the "
                    "email address on the order?"
                ),
                tool_use_message(lookup, ("search_faq", {"query": "ProMax headphones bluetooth won't connect"})),
                text_message(
                    "Thanks, Jordan. Your ProMax Audio Headphones were delivered last week. Let's try a reset:\n"
                    "- Turn the headphones off, then hold the power button for 7 seconds until the light flashes.\n"
                    "- Remove them from your phone's Bluetooth list.\n"
                    "- Pair them again as a new device.\n"
                    "Does that fix it?"
                ),
                tool_use_message(
                    ("check_refund_eligibility", {"order_id": "ORD-78432", "reason": "defective"}),
                ),
                text_message(
                    "I'm sorry the reset didn't help. Your order is eligible for a full refund of $89.99 to the "
                    "Visa card you paid with; it usually appears within 3-5 business days. Shall I go ahead?"
                ),
                tool_use_message(("process_refund", {"order_id": "ORD-78432", "reason": "defective"})),
                text_message(
                    "Done: your refund of $89.99 is on its way to your Visa card (reference in your email). "
                    "It should appear within 3-5 business days."
                ),
                text_message("You're welcome, Jordan. Enjoy the rest of your day!"),
            ),
        ),
        Conversation(
            "FAQ only",
            (
                "How long does a refund take to reach my card?",
                "And can I return something I already opened?",
                "Thanks!",
            ),
            (
                tool_use_message(("search_faq", {"query": "how long does a refund take"})),
                text_message(
                    "Once a refund is issued it takes 3-5 business days to reach a card, and up to 10 for some "
                    "banks. You get an email when we send it."
                ),
                tool_use_message(("search_faq", {"query": "return opened item"})),
                text_message(
                    "Yes: opened items can be returned within 30 days of delivery if they are unused and complete. "
                    "Damaged or used items are handled as a warranty claim instead."
                ),
                text_message("You're welcome!"),
            ),
        ),
        Conversation(
            "order status",
            (
                f"Where is my order ORD-78432? My email is {JORDAN}",
                "When does the return window close?",
                "Great, thanks",
            ),
            (
                tool_use_message(lookup),
                text_message(
                    "Your order ORD-78432 (ProMax Audio Headphones) was delivered last week by UPS. Anything "
                    "wrong with it?"
                ),
                text_message("Your 30-day return window for this order closes in about three weeks."),
                text_message("Happy to help!"),
            ),
        ),
        Conversation(
            "human hand-off",
            (
                "My order ORD-78432 arrived damaged and I want to talk to a real person, now.",
                "ok thanks",
            ),
            (
                tool_use_message(
                    (
                        "escalate_to_human",
                        {
                            "reason": "The customer asks for a person about a damaged delivery.",
                            "priority": "high",
                            "conversation_summary": "Order ORD-78432 arrived damaged; the customer wants a human.",
                        },
                    )
                ),
                text_message(
                    "I've passed your conversation to a colleague; you're first in the queue and they'll join "
                    "here shortly."
                ),
                text_message("You're welcome. A colleague will be with you soon."),
            ),
        ),
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _targets(db_url: str) -> dict[str, Callable[[], Any]]:
    targets: dict[str, Callable[[], Any]] = {}
    for name in SERVERS:
        main = importlib.import_module(f"mcp_servers.{name}.__main__")
        args = parse_args(name, [], {}, getattr(main, "add_arguments", None))
        server = main.build(Database(db_url), args)
        targets[name] = lambda server=server: server
    return targets


def _settings(workdir: Path, main_model: str) -> Settings:
    environ = {"SWITCHBOARD_DATABASE_URL": f"sqlite:///{workdir / 'orchestrator.db'}", "ANTHROPIC_API_KEY": "sk-x"}
    settings = load_settings(ROOT / "config" / "switchboard.toml", environ)
    return settings.model_copy(update={"model": settings.model.model_copy(update={"main": main_model})})


async def run_ours(
    conversation: Conversation, cache: CacheAccounting, clock: Clock, main_model: str
) -> tuple[float, list[JSONObject], list[int]]:
    """(dollars, the requests sent, output tokens per request) for one conversation through the orchestrator."""
    fake = FakeMessagesAPI(*conversation.steps, cache=cache)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        settings = _settings(workdir, main_model)
        client = AsyncAnthropic(
            api_key="sk-bench",
            base_url="http://fake-api",
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(fake.handle)),
        )
        model = AnthropicModel(settings.model, client=client)
        targets = _targets(f"sqlite:///{workdir / 'servers.db'}")
        async with Orchestrator.open(settings, model=model, targets=targets, policies=True) as orch:
            cid = orch.start()
            for line in conversation.lines:
                clock.now += SECONDS_BETWEEN_TURNS
                await orch.respond(cid, line)
            ledger = orch.store.ledger(cid)
        await client.close()
    fake.assert_complete()
    outputs = [e.usage.output_tokens for e in ledger]
    return sum(e.cost_usd for e in ledger), [body for _, body in fake.requests], outputs


def _plain_messages(messages: object) -> list[JSONObject]:
    """A request's `messages` (JSON from the fake API) without their cache_control marks."""
    plain: list[JSONObject] = []
    for message in cast(list[JSONObject], messages):
        content = message["content"]
        if isinstance(content, list):
            blocks = cast(list[JSONObject], content)
            content = [{k: v for k, v in block.items() if k != "cache_control"} for block in blocks]
        plain.append({"role": message["role"], "content": content})
    return plain


def price_seed(
    conversation: Conversation, requests: Sequence[JSONObject], outputs: Sequence[int], settings: Settings
) -> float:
    """The seed design on the same transcript: its prompt and tools, full history, no cache, Sonnet sentiment."""
    prices = settings.model.prices
    sonnet = "claude-sonnet-4-6"
    counter = CacheAccounting()
    total = 0.0
    for body, output in zip(requests, outputs, strict=True):
        seed_body: JSONObject = {
            "model": sonnet,
            "system": SEED_SYSTEM_PROMPT,
            "tools": SEED_TOOLS,
            "messages": _plain_messages(body["messages"]),
        }
        tokens = counter.input_tokens(seed_body)
        total += cost_usd(sonnet, _usage(tokens, output), prices) or 0.0
    for line in conversation.lines:
        sentiment: JSONObject = {
            "model": sonnet,
            "system": SEED_SENTIMENT_PROMPT,
            "messages": [{"role": "user", "content": line}],
        }
        total += cost_usd(sonnet, _usage(counter.input_tokens(sentiment), SEED_SENTIMENT_OUTPUT), prices) or 0.0
    return total


def _usage(input_tokens: int, output_tokens: int) -> Any:
    from orchestrator.events import Usage

    return Usage(input_tokens=input_tokens, output_tokens=output_tokens)


@dataclass
class Row:
    name: str
    seed: float
    cold: float
    warm: float
    haiku_cold: float
    haiku_warm: float


async def measure() -> list[Row]:
    rows: list[Row] = []
    conversations = _conversations()
    warmer = conversations[2]
    for conversation in conversations:
        clock = Clock()
        cold_cost, requests, outputs = await run_ours(
            conversation, CacheAccounting(clock=clock), clock, "claude-sonnet-4-6"
        )
        clock = Clock()
        warm_cache = CacheAccounting(clock=clock)
        await run_ours(
            warmer if conversation is not warmer else conversations[1], warm_cache, clock, "claude-sonnet-4-6"
        )
        clock.now += 120  # the next customer arrives two minutes later
        warm_cost, _, _ = await run_ours(conversation, warm_cache, clock, "claude-sonnet-4-6")
        clock = Clock()
        haiku_cold, _, _ = await run_ours(conversation, CacheAccounting(clock=clock), clock, "claude-haiku-4-5")
        clock = Clock()
        haiku_cache = CacheAccounting(clock=clock)
        await run_ours(
            warmer if conversation is not warmer else conversations[1], haiku_cache, clock, "claude-haiku-4-5"
        )
        clock.now += 120
        haiku_warm, _, _ = await run_ours(conversation, haiku_cache, clock, "claude-haiku-4-5")
        settings = _settings(Path(tempfile.gettempdir()), "claude-sonnet-4-6")
        seed = price_seed(conversation, requests, outputs, settings)
        rows.append(Row(conversation.name, seed, cold_cost, warm_cost, haiku_cold, haiku_warm))
        print(f"measured: {conversation.name}", file=sys.stderr)
    return rows


def render(rows: Sequence[Row]) -> str:
    lines = [
        "| conversation | seed design | Switchboard cold | ratio | Switchboard warm | ratio "
        "| all on Haiku 4.5 (cold / warm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | ${r.seed:.4f} | ${r.cold:.4f} | {r.cold / r.seed:.2f} | ${r.warm:.4f} | "
            f"{r.warm / r.seed:.2f} | ${r.haiku_cold:.4f} / ${r.haiku_warm:.4f} |"
        )
    seed, cold, warm = (sum(getattr(r, k) for r in rows) for k in ("seed", "cold", "warm"))
    hc, hw = sum(r.haiku_cold for r in rows), sum(r.haiku_warm for r in rows)
    lines.append(
        f"| **all four** | **${seed:.4f}** | **${cold:.4f}** | **{cold / seed:.2f}** | **${warm:.4f}** | "
        f"**{warm / seed:.2f}** | ${hc:.4f} / ${hw:.4f} |"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", type=Path, help="also write the results as Markdown to this file")
    args = parser.parse_args(argv)
    rows = anyio.run(measure)
    table = render(rows)
    flagship = rows[0]
    verdict = (
        f"Flagship: warm {flagship.warm / flagship.seed:.2f}x the seed (goal <= {GOALS['warm']:.2f}), "
        f"cold {flagship.cold / flagship.seed:.2f}x (goal <= {GOALS['cold']:.2f})."
    )
    machine = f"{platform.system()} {platform.machine()} · Python {platform.python_version()}"
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine}"
    print(table)
    print(verdict)
    if args.write:
        template = (ROOT / "benchmarks" / "cost_template.md").read_text(encoding="utf-8")
        args.write.write_text(template.format(stamp=stamp, table=table, verdict=verdict), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
