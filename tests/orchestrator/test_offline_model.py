"""The offline rule-based model, driven directly with hand-built histories and tool results shaped like the servers'."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from anthropic.types import MessageParam, ToolParam
from anthropic.types import TextBlock as SdkTextBlock
from pydantic import BaseModel

from mcp_servers.escalation.models import Escalation
from mcp_servers.faq.models import Article, ArticleMatch, SearchResults
from mcp_servers.faq.store import parse_article
from mcp_servers.orders.models import Order, OrderItem, OrderList, OrderSummary
from mcp_servers.refunds.models import RefundEligibility, RefundOffer, RefundResult
from mcp_servers.tickets.models import TicketReceipt
from orchestrator.llm.model import ModelRequest
from orchestrator.offline import OfflineModel
from orchestrator.offline.intents import Intent, detect_intent, refund_reason, yes_or_no
from orchestrator.offline.lexicon import Lang, detect_language
from orchestrator.offline.model import chunks
from orchestrator.wire import Message, TextBlock, ToolUseBlock

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "jordan.lee@example.com"
ORDER_ID = "ORD-78432"
ALL_TOOLS = (
    "lookup_order",
    "verify_customer",
    "list_customer_orders",
    "create_ticket",
    "get_ticket",
    "list_tickets",
    "add_ticket_note",
    "update_ticket_status",
    "search_faq",
    "get_faq_article",
    "check_refund_eligibility",
    "process_refund",
    "escalate_to_human",
)
FLAGSHIP = (
    "Hi, I ordered a pair of headphones 2 weeks ago and they don't work. My order is ORD-78432.",
    EMAIL,
    "The Bluetooth won't connect to anything at all. I've tried with 3 different devices.",
    "Yes I've tried everything!! Nothing works. I want a refund.",
    "Yes, please go ahead.",
)
BLUETOOTH_SNIPPET = (
    "If your ProMax Audio Headphones will not connect, keep dropping the Bluetooth connection or pair with the wrong "
    "device, a Bluetooth reset clears the old pairings and fixes most problems. 1. Turn the headphones on and hold "
    "the power button for 10 seconds, then release it. 2. Hold the power button again until the LED blinks blue. "
    "The headphones are now in pairing mode."
)
REFUND_SNIPPET = (
    "How long it takes to show depends on the payment method: Credit and debit cards: 5-7 business days, depending "
    "on your bank. PayPal: usually within 3 business days, but allow up to 7. Gift card balance: refunded to the "
    "same gift card within 24 hours. We cannot send a refund to a different card or account than the one used to pay."
)
COMPETITOR = "I don't have information about other companies. How can I help you with ShopExpress?"
RESTRICTED = "I'm not qualified to answer that type of question. Can I help you with your order?"
COMPETITOR_FR = "Je n'ai pas d'informations sur les autres entreprises. Comment puis-je vous aider avec ShopExpress ?"
RESTRICTED_FR = "Je ne suis pas qualifié pour répondre à ce type de question. Puis-je vous aider avec votre commande ?"


# ---------------------------------------------------------------- results shaped by the servers' own models


def flagship_order(**changes: object) -> Order:
    order = Order(
        order_id=ORDER_ID,
        status="delivered",
        placed_on="2025-05-01",
        shipped_on="2025-05-02",
        delivered_on="2025-05-04",
        days_since_delivery=14,
        return_window_ends_on="2025-06-03",
        within_return_window=True,
        items=[
            OrderItem(sku="PMX-AUD-01", name="ProMax Audio Headphones", quantity=1, unit_price=89.99, line_total=89.99)
        ],
        subtotal=89.99,
        shipping=0.0,
        total=89.99,
        currency="USD",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipping_address="42 Maple Avenue, Springfield, IL, US",
        payment_method="Visa ending 4242",
        notes=None,
    )
    return order.model_copy(update=changes)


def bluetooth_search() -> SearchResults:
    match = ArticleMatch(
        slug="promax-headphones-bluetooth-reset",
        title="ProMax Audio Headphones won't connect over Bluetooth: reset and re-pair",
        category="products",
        snippet=BLUETOOTH_SNIPPET,
        score=11.72,
        uri="faq://articles/promax-headphones-bluetooth-reset",
    )
    return SearchResults(query="ProMax Audio Headphones bluetooth", category="products", results=[match], hint=None)


def bluetooth_article() -> Article:
    path = ROOT / "config" / "knowledge_base" / "promax-headphones-bluetooth-reset.md"
    title, category, tags, body = parse_article(path.read_text(encoding="utf-8"))
    return Article(
        slug="promax-headphones-bluetooth-reset",
        title=title,
        category=category,
        tags=list(tags),
        body=body,
        uri="faq://articles/promax-headphones-bluetooth-reset",
        updated_at="2025-05-01T00:00:00+00:00",
    )


def eligible(*, needs_approval: bool = False, amount: float = 89.99) -> RefundEligibility:
    return RefundEligibility(
        order_id=ORDER_ID,
        reason="defective",
        eligible=True,
        rule="needs_approval" if needs_approval else "eligible",
        explanation="Eligible: $89.99 back to the original payment method (Visa ending 4242) within 5-7 business days.",
        order_total=amount,
        refundable_remaining=amount,
        currency="USD",
        window_ends_on="2025-06-03",
        customer_gets=RefundOffer(
            amount=amount,
            currency="USD",
            method="original payment method: Visa ending 4242",
            timing="5-7 business days",
            needs_human_approval=needs_approval,
        ),
    )


def refunded(status: str = "refunded") -> RefundResult:
    return RefundResult.model_validate(
        {
            "refund_id": "RF-1A2B3C4D5E6F",
            "order_id": ORDER_ID,
            "status": status,
            "needs_human_approval": status == "pending_approval",
            "amount": 89.99,
            "currency": "USD",
            "method": "original payment method: Visa ending 4242",
            "expected": "5-7 business days" if status == "refunded" else "5-7 business days after approval",
            "message": "Refunded.",
            "replayed": False,
        }
    )


def handoff(position: int = 2) -> Escalation:
    return Escalation(
        handoff_id="HO-000007",
        status="queued",
        priority="normal",
        queue_position=position,
        estimated_wait="About 10 minutes (1 customer ahead).",
        already_open=False,
    )


# ---------------------------------------------------------------- driving the model like the loop does


class Chat:
    """Keeps a history the way `run_turn` builds it and drives `OfflineModel` one call at a time."""

    def __init__(self, tools: Sequence[str] = ALL_TOOLS, metadata: Mapping[str, str] | None = None) -> None:
        self.model = OfflineModel()
        self.tools: list[ToolParam] = [
            {"name": name, "description": name, "input_schema": {"type": "object"}} for name in tools
        ]
        self.metadata = dict(metadata or {})
        self.messages: list[MessageParam] = []
        self.streamed: list[str] = []
        self.offered = set(tools)

    async def step(self) -> Message:
        request = ModelRequest(
            model="offline-rules",
            system="You are Alex.",
            messages=list(self.messages),
            tools=self.tools,
            metadata=dict(self.metadata),
        )
        self.streamed = []

        async def on_text(delta: str) -> None:
            self.streamed.append(delta)

        message = await self.model.create(request, on_text=on_text)
        for block in message.content:
            if isinstance(block, ToolUseBlock):
                assert block.name in self.offered, f"called {block.name}, which was not offered"
        self.messages.append(message.to_param())
        self.last = message
        return message

    async def send(self, text: str) -> Message:
        self.messages.append({"role": "user", "content": text})
        return await self.step()

    async def result(self, value: BaseModel | str, *, is_error: bool = False) -> Message:
        ids = [b.id for b in self.last.content if isinstance(b, ToolUseBlock)]
        assert len(ids) == 1
        text = value if isinstance(value, str) else value.model_dump_json()
        self.messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": ids[0], "content": text, "is_error": is_error}],
            }
        )
        return await self.step()


def call_of(message: Message) -> tuple[str, dict[str, object]]:
    assert message.stop_reason == "tool_use"
    uses = [b for b in message.content if isinstance(b, ToolUseBlock)]
    assert len(uses) == 1
    assert isinstance(uses[0].input, dict)
    return uses[0].name, dict(uses[0].input)


def text_of(message: Message) -> str:
    assert message.stop_reason == "end_turn"
    assert not [b for b in message.content if isinstance(b, ToolUseBlock)]
    return "".join(b.text for b in message.content if isinstance(b, TextBlock))


async def verified_chat(first: str = "Where is my order ORD-78432?", tools: Sequence[str] = ALL_TOOLS) -> Chat:
    chat = Chat(tools)
    await chat.send(f"{first} My email is {EMAIL}.")
    await chat.result(flagship_order())
    return chat


# ---------------------------------------------------------------- the flagship conversation


async def test_flagship_conversation() -> None:
    chat = Chat()

    text = text_of(await chat.send(FLAGSHIP[0]))
    assert "email" in text and ORDER_ID in text and text.endswith("?")

    assert call_of(await chat.send(FLAGSHIP[1])) == ("lookup_order", {"order_id": ORDER_ID, "customer_email": EMAIL})
    text = text_of(await chat.result(flagship_order()))
    assert "delivered on May 4, 2025" in text and "within the 30-day return window" in text
    assert "What's happening with the headphones" in text and text.endswith("?")

    name, args = call_of(await chat.send(FLAGSHIP[2]))
    assert name == "search_faq" and args["category"] == "products"
    assert "ProMax" in str(args["query"]) and "Bluetooth" in str(args["query"])
    assert call_of(await chat.result(bluetooth_search())) == (
        "get_faq_article",
        {"slug": "promax-headphones-bluetooth-reset"},
    )
    text = text_of(await chat.result(bluetooth_article()))
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 4
    assert "hold the power button for 10 seconds" in bullets[0]
    assert "blinks blue" in bullets[1] and "pairing mode" in bullets[1]
    assert "Forget device" in bullets[2] and "old pairing" in bullets[2]
    assert text.endswith("?")

    name, args = call_of(await chat.send(FLAGSHIP[3]))
    assert (name, args) == (
        "check_refund_eligibility",
        {"order_id": ORDER_ID, "reason": "defective", "customer_email": EMAIL},
    )
    text = text_of(await chat.result(eligible()))
    assert "$89.99" in text and "original payment method (Visa ending 4242)" in text
    assert "5-7 business days" in text and text.endswith("Shall I go ahead with the refund?")

    name, args = call_of(await chat.send(FLAGSHIP[4]))
    assert (name, args) == ("process_refund", {"order_id": ORDER_ID, "reason": "defective", "customer_email": EMAIL})
    text = text_of(await chat.result(refunded()))
    assert "$89.99 has been refunded to your Visa ending 4242; it will appear within 5-7 business days" in text
    assert "RF-1A2B3C4D5E6F" in text and text.endswith("?")
    assert "".join(chat.streamed) == text and len(chat.streamed) > 1


async def run_flagship() -> list[Message]:
    chat = Chat()
    return [
        await chat.send(FLAGSHIP[0]),
        await chat.send(FLAGSHIP[1]),
        await chat.result(flagship_order()),
        await chat.send(FLAGSHIP[2]),
        await chat.result(bluetooth_search()),
        await chat.result(bluetooth_article()),
        await chat.send(FLAGSHIP[3]),
        await chat.result(eligible()),
        await chat.send(FLAGSHIP[4]),
        await chat.result(refunded()),
    ]


async def test_same_input_gives_the_same_output() -> None:
    first, second = await run_flagship(), await run_flagship()
    assert [m.model_dump() for m in first] == [m.model_dump() for m in second]
    assert len({m.id for m in first}) == len(first)


async def test_messages_are_real_anthropic_messages_with_usage_estimates() -> None:
    chat = Chat()
    asked = await chat.send(FLAGSHIP[0])
    text = text_of(asked)
    assert asked.model == "offline-rules" and asked.role == "assistant" and asked.type == "message"
    assert asked.usage.output_tokens == len(text) // 4 and asked.usage.input_tokens > 0
    lookup = await chat.send(EMAIL)
    assert call_of(lookup)[0] == "lookup_order"
    assert [b.id for b in lookup.content if isinstance(b, ToolUseBlock)][0].startswith("toolu_")


def test_label_says_it_is_not_ai() -> None:
    model = OfflineModel()
    assert model.label == "offline rule-based model (not AI)"
    assert model.offline is True


def test_chunks_join_back_to_the_text() -> None:
    text = "Done: $89.99 has been refunded.\n- one\n- two\n\nAnything else? Thanks!"
    parts = chunks(text)
    assert "".join(parts) == text and len(parts) >= 4


# ---------------------------------------------------------------- orders and identity


async def test_french_order_lookup() -> None:
    chat = Chat()
    text = text_of(await chat.send("Bonjour, où est ma commande ORD-78432 ?"))
    assert "adresse e-mail" in text and ORDER_ID in text
    assert call_of(await chat.send(EMAIL)) == ("lookup_order", {"order_id": ORDER_ID, "customer_email": EMAIL})
    text = text_of(await chat.result(flagship_order()))
    assert "livrée le 4 mai 2025" in text and "UPS, 1Z999AA10123456784" in text
    assert "délai de retour de 30 jours" in text and text.endswith("?")
    assert "42 Maple Avenue" not in text


async def test_order_status_asks_for_both_and_answers_tracking() -> None:
    chat = Chat()
    text = text_of(await chat.send("Where is my order?"))
    assert "ORD-12345" in text and "email" in text
    assert text_of(await chat.send("It's ORD-78432")).count("email") == 1
    assert call_of(await chat.send(EMAIL))[0] == "lookup_order"
    shipped = flagship_order(
        status="shipped",
        delivered_on=None,
        days_since_delivery=None,
        return_window_ends_on=None,
        within_return_window=None,
    )
    text = text_of(await chat.result(shipped))
    assert "shipped on May 2, 2025" in text and "1Z999AA10123456784" in text and "return window" not in text


async def test_identity_failure_asks_to_double_check() -> None:
    chat = Chat()
    await chat.send(f"Track ORD-11111 please, email {EMAIL}")
    text = text_of(await chat.result("No order matches that order number and email.", is_error=True))
    assert "double-check both" in text and "ORD-11111" in text


async def test_bound_customer_needs_no_email() -> None:
    chat = Chat(metadata={"customer_email": EMAIL})
    assert call_of(await chat.send("Where is ORD-78432?")) == (
        "lookup_order",
        {"order_id": ORDER_ID, "customer_email": EMAIL},
    )


async def test_namespaced_tool_names_are_called_as_offered() -> None:
    chat = Chat(tools=("orders__lookup_order", "faq__search_faq"))
    name, _ = call_of(await chat.send(f"Status of ORD-78432? {EMAIL}"))
    assert name == "orders__lookup_order"


# ---------------------------------------------------------------- refunds


async def test_no_cancels_the_refund() -> None:
    chat = Chat()
    assert call_of(await chat.send(f"I want a refund for ORD-78432, it arrived broken. {EMAIL}"))[0] == "lookup_order"
    assert call_of(await chat.result(flagship_order()))[0] == "check_refund_eligibility"
    assert text_of(await chat.result(eligible())).endswith("Shall I go ahead with the refund?")
    text = text_of(await chat.send("No"))
    assert "haven't refunded anything" in text
    assert all("process_refund" not in str(m) for m in chat.messages)


async def test_refund_reason_comes_from_the_conversation() -> None:
    chat = await verified_chat("I changed my mind about ORD-78432.")
    name, args = call_of(await chat.send("Can I get a refund?"))
    assert name == "check_refund_eligibility" and args["reason"] == "changed_mind"


async def test_not_eligible_explains_and_offers_a_ticket_or_human() -> None:
    chat = await verified_chat()
    await chat.send("I want a refund, it is defective")
    refusal = RefundEligibility(
        order_id=ORDER_ID,
        reason="defective",
        eligible=False,
        rule="outside_window",
        explanation="ORD-78432 was delivered on 2025-03-01; refunds are possible within 30 days of delivery.",
        order_total=89.99,
        refundable_remaining=89.99,
        currency="USD",
        window_ends_on="2025-03-31",
        customer_gets=None,
    )
    text = text_of(await chat.result(refusal))
    assert "ended on March 31, 2025" in text and "ticket" in text and "human agent" in text


async def test_large_refund_waits_for_approval() -> None:
    chat = await verified_chat()
    await chat.send("I want a refund, it is broken")
    text = text_of(await chat.result(eligible(needs_approval=True)))
    assert "approved by a team member" in text
    await chat.send("yes")
    text = text_of(await chat.result(refunded("pending_approval")))
    assert "no money has moved yet" in text and "RF-1A2B3C4D5E6F" in text


async def test_refused_refund_is_reported_faithfully() -> None:
    chat = await verified_chat()
    await chat.send("refund please, it doesn't work")
    await chat.result(eligible())
    await chat.send("go ahead")
    text = text_of(await chat.result("Nothing is left to refund on ORD-78432. Offer a ticket.", is_error=True))
    assert "declined it (Nothing is left to refund on ORD-78432)" in text


async def test_without_process_refund_it_offers_a_human() -> None:
    tools = tuple(t for t in ALL_TOOLS if t != "process_refund")
    chat = await verified_chat(tools=tools)
    await chat.send("I want a refund, it's broken")
    text = text_of(await chat.result(eligible()))
    assert "$89.99" in text and "can't process refunds here" in text and "human agent" in text
    text = text_of(await chat.send("yes"))
    assert "can't process refunds here" in text


@pytest.mark.parametrize(
    "first",
    [f"Where is ORD-78432? {EMAIL}", f"Refund ORD-78432 please, {EMAIL}", "I want to talk to a human", "hello"],
)
async def test_tools_not_offered_are_never_called(first: str) -> None:
    chat = Chat(tools=("search_faq",))
    text = text_of(await chat.send(first))
    assert text.endswith(("?", "!", "."))


# ---------------------------------------------------------------- FAQ, technical help, tickets, humans


async def test_faq_answers_from_the_snippet() -> None:
    chat = Chat()
    name, args = call_of(await chat.send("How long do refunds take?"))
    assert (name, args["query"], args["category"]) == ("search_faq", "How long do refunds take?", "returns")
    match = ArticleMatch(
        slug="refund-timing",
        title="How long does a refund take?",
        category="returns",
        snippet=REFUND_SNIPPET,
        score=2.9,
        uri="faq://articles/refund-timing",
    )
    text = text_of(await chat.result(SearchResults(query="q", category="returns", results=[match], hint=None)))
    assert "“How long does a refund take?”" in text and REFUND_SNIPPET in text and text.endswith("?")


async def test_faq_without_results_retries_then_offers_help() -> None:
    chat = Chat()
    await chat.send("What is your shipping policy for Mars?")
    empty = SearchResults(query="q", category="shipping", results=[], hint="No FAQ article matched.")
    name, args = call_of(await chat.result(empty))
    assert name == "search_faq" and "category" not in args
    text = text_of(await chat.result(empty.model_copy(update={"category": None})))
    assert "couldn't find" in text and "ticket" in text and "human agent" in text


async def test_technical_problem_then_ticket() -> None:
    chat = Chat()
    name, args = call_of(await chat.send("My ProMax headphones won't connect over bluetooth"))
    assert name == "search_faq"
    await chat.result(bluetooth_search())
    text = text_of(await chat.result(bluetooth_article()))
    assert "Did that fix it?" in text
    text = text_of(await chat.send("I tried all of that and it still doesn't work"))
    assert "email" in text
    name, args = call_of(await chat.send(EMAIL))
    assert name == "create_ticket"
    assert args["category"] == "technical" and args["priority"] == "medium" and args["customer_email"] == EMAIL
    assert str(args["subject"]).startswith("ProMax Audio Headphones:")
    assert "still doesn't work" in str(args["description"])
    receipt = TicketReceipt(
        ticket_id="TCK-000042",
        status="open",
        created_at=datetime(2025, 5, 18, tzinfo=UTC),
        customer_email=EMAIL,
        subject="s",
        category="technical",
        priority="medium",
    )
    text = text_of(await chat.result(receipt))
    assert "TCK-000042" in text and text.endswith("?")


async def test_fixed_problem_closes_politely() -> None:
    chat = Chat()
    await chat.send("My headphones won't pair")
    await chat.result(bluetooth_search())
    await chat.result(bluetooth_article())
    assert "glad" in text_of(await chat.send("Yes, that worked, thanks"))


async def test_human_request_escalates_with_a_summary() -> None:
    chat = await verified_chat("My headphones from ORD-78432 don't work.")
    name, args = call_of(await chat.send("I want to talk to a real person"))
    assert name == "escalate_to_human"
    assert args["reason"] == "customer asked for a human" and args["priority"] == "normal"
    assert args["customer_email"] == EMAIL
    summary = str(args["conversation_summary"])
    assert ORDER_ID in summary and "don't work" in summary and EMAIL not in summary
    text = text_of(await chat.result(handoff()))
    assert "HO-000007" in text and "number 2 in the queue" in text and "human agent will join" in text


async def test_angry_french_human_request_is_urgent() -> None:
    chat = Chat()
    name, args = call_of(await chat.send("C'est une arnaque, je veux parler à un humain"))
    assert name == "escalate_to_human" and args["priority"] == "urgent" and "customer_email" not in args
    text = text_of(await chat.result(handoff(1)))
    assert "conseiller" in text and "position 1" in text


# ---------------------------------------------------------------- boundaries and small talk


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("Is Amazon cheaper than you?", COMPETITOR),
        ("Do you price match Best Buy?", COMPETITOR),
        ("Should I take ibuprofen for my headache?", RESTRICTED),
        ("Should I invest in bitcoin?", RESTRICTED),
        ("Can I sue my landlord?", RESTRICTED),
        ("Est-ce que Fnac est moins cher que vous ?", COMPETITOR_FR),
        ("Quel médicament pour mon dos, je vous prie ?", RESTRICTED_FR),
    ],
)
async def test_refusals_are_exact(message: str, reply: str) -> None:
    assert text_of(await Chat().send(message)) == reply


async def test_off_topic_steers_back() -> None:
    text = text_of(await Chat().send("Tell me a joke"))
    assert "ShopExpress" in text and text.endswith("?")


@pytest.mark.parametrize(
    ("message", "needle"),
    [
        ("Hello!", "I'm Alex"),
        ("Bonjour", "je suis Alex"),
        ("thanks", "welcome"),
        ("bye", "great day"),
        ("qwerty", "not sure I understood"),
    ],
)
async def test_small_talk(message: str, needle: str) -> None:
    assert needle in text_of(await Chat().send(message))


# ---------------------------------------------------------------- the rules themselves


@pytest.mark.parametrize(
    ("texts", "reason"),
    [
        (["it doesn't work"], "defective"),
        (["Nothing works. I want a refund.", "they don't work"], "defective"),
        (["my parcel never arrived"], "not_received"),
        (["you sent me the wrong item"], "wrong_item"),
        (["I changed my mind"], "changed_mind"),
        (["le casque ne fonctionne pas"], "defective"),
        (["refund please"], "other"),
    ],
)
def test_refund_reasons(texts: list[str], reason: str) -> None:
    assert refund_reason(texts) == reason


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes, please go ahead.", True),
        ("ok do it", True),
        ("oui", True),
        ("d'accord", True),
        ("confirm", True),
        ("no", False),
        ("non merci", False),
        ("wait", False),
        ("what colour is it", None),
    ],
)
def test_yes_or_no(text: str, answer: bool | None) -> None:
    assert yes_or_no(text) is answer


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Bonjour, mon colis n'est pas arrivé", Lang.FR),
        ("Hi, my parcel has not arrived", Lang.EN),
        ("Je veux un remboursement", Lang.FR),
        (EMAIL, Lang.EN),
    ],
)
def test_language(text: str, lang: Lang) -> None:
    assert detect_language(text) is lang


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("How long do refunds take?", Intent.FAQ),
        ("I want a refund", Intent.REFUND),
        ("my watch won't sync", Intent.TECHNICAL),
        ("where's my package?", Intent.ORDER_STATUS),
        ("I'd like to speak to a representative", Intent.HUMAN),
        ("ORD-12345", Intent.INFO),
    ],
)
def test_intents(text: str, intent: Intent) -> None:
    assert detect_intent(text) is intent


async def test_condensed_summary_is_context_not_a_customer_message() -> None:
    chat = Chat()
    note = f"<conversation_summary>\nCustomer asked about {ORDER_ID} ({EMAIL}).\n</conversation_summary>"
    chat.messages.append(
        {
            "role": "user",
            "content": [{"type": "text", "text": note}, {"type": "text", "text": "Where is my order now?"}],
        }
    )
    name, args = call_of(await chat.step())
    assert (name, args) == ("lookup_order", {"order_id": ORDER_ID, "customer_email": EMAIL})


async def test_history_with_sdk_content_blocks() -> None:
    chat = Chat()
    chat.messages = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": [SdkTextBlock(type="text", text="Hi, how can I help?")]},
    ]
    assert "ORD-12345" in text_of(await chat.send("Where is my order?"))


async def test_a_new_product_problem_is_not_mixed_with_the_old_one() -> None:
    chat = Chat()
    await chat.send("my Nova watch won't sync")
    await chat.result(SearchResults(query="q", category="products", results=[], hint=None))
    await chat.result(SearchResults(query="q", category=None, results=[], hint=None))
    text = text_of(await chat.send("also my headphones are broken"))
    assert "What's happening with the headphones" in text


async def test_a_failed_verification_is_not_retried_without_new_details() -> None:
    chat = Chat()
    await chat.send(f"Where is ORD-78432? {EMAIL}")
    await chat.result("No order matches that order number and email.", is_error=True)
    assert "double-check" in text_of(await chat.send("I want a refund"))


async def test_order_history_for_a_verified_customer() -> None:
    assert "order numbers" in text_of(await Chat().send("Show me my orders"))
    chat = Chat(metadata={"customer_email": EMAIL})
    assert call_of(await chat.send("Show me my orders")) == ("list_customer_orders", {"customer_email": EMAIL})
    listing = OrderList(
        customer_email=EMAIL,
        orders=[
            OrderSummary(
                order_id=ORDER_ID,
                status="delivered",
                placed_on="2025-05-01",
                total=89.99,
                currency="USD",
                item_names=["ProMax Audio Headphones"],
            )
        ],
    )
    text = text_of(await chat.result(listing))
    assert "- ORD-78432: delivered, May 1, 2025, $89.99 (ProMax Audio Headphones)" in text and text.endswith("?")


async def test_a_deferred_tool_is_loaded_first_then_called_and_never_loaded_twice() -> None:
    chat = Chat(tools=[t for t in ALL_TOOLS if t != "list_customer_orders"], metadata={"customer_email": EMAIL})
    listed = "Load more tools (usable from your next step on):\n- list_customer_orders: List a customer's orders"
    chat.tools.append({"name": "load_tools", "description": listed, "input_schema": {"type": "object"}})
    chat.offered.add("load_tools")
    assert call_of(await chat.send("Show me my orders")) == ("load_tools", {"names": ["list_customer_orders"]})
    chat.tools.append({"name": "list_customer_orders", "description": "", "input_schema": {"type": "object"}})
    chat.offered.add("list_customer_orders")
    loaded = await chat.result("Loaded: list_customer_orders.")
    assert call_of(loaded) == ("list_customer_orders", {"customer_email": EMAIL})
    refused = Chat(tools=["load_tools"], metadata={"customer_email": EMAIL})
    refused.tools[0]["description"] = listed
    assert call_of(await refused.send("Show me my orders"))[0] == "load_tools"
    assert "list your orders" in text_of(await refused.result("No such tool to load.", is_error=True))


async def test_ticket_status() -> None:
    chat = Chat()
    assert "TCK-000123" in text_of(await chat.send("What's the status of my ticket?"))
    name, args = call_of(await chat.send(f"Ticket TCK-000042, {EMAIL}"))
    assert (name, args) == ("get_ticket", {"ticket_id": "TCK-000042", "customer_email": EMAIL})
    text = text_of(await chat.result("No ticket matches that ticket number and email.", is_error=True))
    assert "double-check" in text
