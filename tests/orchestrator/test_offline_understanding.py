"""The offline model understands what customers say (issue 16): conversations as customers write them, by category.

Each case runs through the real orchestrator with the offline model, the five real servers in memory and the
policies on, and asserts what any good support agent must or must not say and do, tool calls included.
"""

from pathlib import Path

import pytest

from orchestrator.policy.topic import classify_topic

from .understanding import Case, check, converse

pytestmark = pytest.mark.anyio

JORDAN = "jordan.lee@example.com"  # ORD-78432 headphones, delivered; ORD-23937 camera, shipped; ORD-93034 delivered
KAI = "kai.dubois@example.com"  # ORD-21338 headphones, ORD-17222 power bank, both delivered
VAL = "val.nguyen@example.com"  # ORD-11974 sleep band, delivered
FRANKIE = "frankie.larsen@example.com"  # ORD-15520 keyboard, delivered
CASEY = "casey.costa@example.com"  # ORD-20545 fitness watch and speaker, delivered
PARKER = "parker.costa@example.com"  # ORD-16049 speaker, delivered

ASKS_AGAIN = ("What's happening with", "Pouvez-vous me décrire le problème", "Here's order", "Voici la commande")
MENU = ("I'm not sure I understood", "Je ne suis pas sûr d'avoir compris")

# ---------------------------------------------------------------- 1. a symptom or intent given with the order

SYMPTOM_WITH_ORDER = {
    "bluetooth-drops": Case(
        ("Hi, my headphones from order ORD-78432 keep cutting out, the bluetooth drops every few minutes", JORDAN),
        first_must=("ORD-78432", "email"),
        must=("I found order ORD-78432", "reset and re-pair", "Did that fix it?"),
        must_not=ASKS_AGAIN,
        calls=(
            ("lookup_order", {"order_id": "ORD-78432"}),
            ("get_faq_article", {"slug": "promax-headphones-bluetooth-reset"}),
        ),
    ),
    "typos-other-customer": Case(
        ("ORD-21338 my headfones wont conect to my laptop anymore", KAI),
        must=("ORD-21338", "Bluetooth", "Did that fix it?"),
        must_not=ASKS_AGAIN,
        calls=(("lookup_order", {"order_id": "ORD-21338"}), ("search_faq", {"category": "products"})),
    ),
    "french-battery": Case(
        ("Bonjour, mon casque de la commande ORD-78432 ne s'allume plus, la batterie ne tient pas", JORDAN),
        first_must=("casque", "adresse e-mail"),
        must=("J'ai trouvé la commande ORD-78432", "batterie", "Est-ce que cela a résolu le problème ?"),
        must_not=(*ASKS_AGAIN, "(en anglais)"),
        calls=(("get_faq_article", {"slug": "promax-headphones-battery-fr"}),),
    ),
    "refund-when-asked": Case(
        ("ORD-78432 the headphones stopped working, I want a refund", JORDAN),
        must=("eligible for a refund", "$89.99", "Shall I go ahead"),
        must_not=ASKS_AGAIN,
        calls=(("check_refund_eligibility", {"order_id": "ORD-78432", "reason": "defective"}),),
        no_calls=("process_refund", "search_faq"),
    ),
    "french-refund-crackling": Case(
        ("Je veux être remboursé pour la commande ORD-78432, le casque grésille", JORDAN),
        must=("peut être remboursée", "Voulez-vous que je procède au remboursement ?"),
        must_not=ASKS_AGAIN,
        calls=(("check_refund_eligibility", {"order_id": "ORD-78432", "reason": "defective"}),),
        no_calls=("process_refund",),
    ),
    "power-bank-drains": Case(
        ("my power bank from ORD-17222 drains overnight even when I'm not using it", KAI),
        must=("ORD-17222", "Volt"),
        must_not=ASKS_AGAIN,
        calls=(("lookup_order", {"order_id": "ORD-17222"}), ("search_faq", {"category": "products"})),
    ),
    "watch-sync-paraphrase": Case(
        ("The watch in ORD-20545 doesn't sync with the app any more, can you help?", CASEY),
        must=("ORD-20545", "Nova", "Did that fix it?"),
        must_not=ASKS_AGAIN,
        calls=(("lookup_order", {"order_id": "ORD-20545"}),),
    ),
    "keyboard-email-in-first-message": Case(
        (f"my keyboard (order ORD-15520, {FRANKIE}) keeps disconnecting from my mac",),
        must=("I found order ORD-15520", "Helix", "Did that fix it?"),
        must_not=ASKS_AGAIN,
        calls=(("lookup_order", {"order_id": "ORD-15520"}), ("search_faq", {"category": "products"})),
    ),
    "no-article-offers-more-help": Case(
        ("The sleep band from ORD-11974 is dead, it won't even turn on", VAL),
        must=("ORD-11974",),
        must_not=ASKS_AGAIN,
        calls=(("lookup_order", {"order_id": "ORD-11974"}), ("search_faq", {})),
    ),
}

# ---------------------------------------------------------------- 2. two requests in one message

TWO_REQUESTS = {
    "status-and-return-policy": Case(
        ("Where is order ORD-23937? Also what is your return policy?", JORDAN),
        first_must=("Return policy", "email"),
        must=("ORD-23937", "shipped"),
        calls=(("search_faq", {"category": "returns"}), ("lookup_order", {"order_id": "ORD-23937"})),
    ),
    "shipping-question-then-status": Case(
        (f"Do you ship to Canada? And where's my order ORD-23937, my email is {JORDAN}",),
        must=("ORD-23937", "shipped", "International shipping", "other question"),
        calls=(("lookup_order", {"order_id": "ORD-23937"}), ("search_faq", {})),
    ),
    "french-status-and-payment": Case(
        ("Où en est ma commande ORD-78432 ? Et quels moyens de paiement acceptez-vous ?", JORDAN),
        first_must=("Pour votre autre question", "adresse e-mail"),
        must=("Voici la commande ORD-78432", "livrée"),
        calls=(("search_faq", {"category": "payment"}), ("lookup_order", {"order_id": "ORD-78432"})),
    ),
    "refund-and-how-long": Case(
        ("I want a refund for ORD-78432, the headphones are broken. How long does a refund take?", JORDAN),
        first_must=("How long does a refund take?",),
        must=("eligible for a refund",),
        calls=(("check_refund_eligibility", {"order_id": "ORD-78432"}), ("search_faq", {})),
    ),
    "status-and-password": Case(
        (f"Where is ORD-16049? My email is {PARKER}. Also, how do I reset my password?",),
        must=("ORD-16049", "delivered", "password", "Is there anything else"),
        calls=(("lookup_order", {"order_id": "ORD-16049"}), ("search_faq", {"category": "account"})),
    ),
    "a-statement-is-not-a-second-request": Case(
        (f"Where is my order ORD-23937? I paid with PayPal. {JORDAN}",),
        must=("ORD-23937", "shipped"),
        must_not=("other question",),
        no_calls=("search_faq",),
    ),
}

# ---------------------------------------------------------------- 3. never arrived, yet shown as delivered

NEVER_ARRIVED = {
    "plain": Case(
        ("My order ORD-78432 never arrived", JORDAN),
        must=("investigation", "TCK-", "delivered", "email you"),
        must_not=("Here's order",),
        calls=(("create_ticket", {"category": "shipping", "priority": "high", "order_id": "ORD-78432"}),),
        no_calls=("process_refund",),
    ),
    "refund-asked": Case(
        ("I never received ORD-93034, refund me please", JORDAN),
        must=("investigation", "TCK-"),
        calls=(("check_refund_eligibility", {"order_id": "ORD-93034"}), ("create_ticket", {"category": "shipping"})),
        no_calls=("process_refund",),
    ),
    "french": Case(
        ("Bonjour, je n'ai jamais reçu ma commande ORD-21338", KAI),
        must=("enquête", "TCK-", "livrée"),
        calls=(("create_ticket", {"category": "shipping", "order_id": "ORD-21338"}),),
    ),
    "typos-says-delivered": Case(
        ("my package ORD-11974 says delivered but i havent received it??", VAL),
        must=("investigation", "TCK-"),
        calls=(("create_ticket", {"category": "shipping", "order_id": "ORD-11974"}),),
    ),
    "asked-twice-one-ticket": Case(
        ("My order ORD-78432 never arrived", JORDAN, "It still never arrived, what now?"),
        must=("already open", "TCK-"),
        counts={"create_ticket": 1},
    ),
    "shipped-order-is-not-investigated": Case(
        ("ORD-23937 hasn't arrived yet, where is it?", JORDAN),
        must=("ORD-23937", "shipped"),
        no_calls=("create_ticket",),
    ),
}

# ---------------------------------------------------------------- 4. the reply language

LANGUAGE = {
    "french-then-email-alone": Case(
        ("Bonjour, où en est ma commande ORD-78432 ?", JORDAN),
        must=("Voici la commande", "Puis-je vous aider"),
        must_not=("Here's order",),
    ),
    "english-then-french-looking-email": Case(
        ("Where is my order ORD-78432?", "élodie.françois@exemple.fr"),
        must=("couldn't find an order",),
        must_not=("Je n'ai pas trouvé",),
    ),
    "french-then-order-number-alone": Case(
        ("Bonjour, j'ai une question sur ma commande, elle n'est pas encore là", "ORD-78432", JORDAN),
        must=("commande ORD-78432",),
        must_not=("Here's order", "Thanks. To look up"),
    ),
    "french-faq-frame": Case(
        ("Quel est le délai de remboursement ?",),
        must=("Voici ce qu'indique notre article d'aide", "remboursement", "Cela répond-il à votre question ?"),
        must_not=("(en anglais)",),
        calls=(("search_faq", {"language": "fr"}),),
    ),
    "french-product-help": Case(
        ("Comment réinitialiser le Bluetooth de mon casque ?",),
        must=("réinitialiser et réassocier",),
        must_not=("I can only help", "(en anglais)", "reset and re-pair"),
    ),
    "french-order-and-email-on-one-line": Case(
        ("Salut, j'ai besoin d'aide pour ma commande", f"ORD-78432 {JORDAN}"),
        must=("commande ORD-78432", "livrée"),
        must_not=("delivered on",),
    ),
    "english-with-french-surname": Case(
        ("Where's my order ORD-21338?", KAI),
        must=("Here's order ORD-21338", "delivered"),
        must_not=("Voici",),
    ),
    "french-yes-confirms-in-french": Case(
        ("Je veux un remboursement pour ORD-78432, le casque est cassé", JORDAN, "oui"),
        must=("C'est fait", "89,99"),
        calls=(("process_refund", {"order_id": "ORD-78432"}),),
    ),
    "english-short-thanks-stays-english": Case(
        ("Where is my order ORD-78432?", JORDAN, "ok merci"),
        must_not=("Voici", "Je "),
    ),
}

# ---------------------------------------------------------------- 5. insults and other customers' data

ABUSE_AND_DATA = {
    "insult-alone-gets-no-article": Case(
        ("you stupid useless bot, why are you so dumb?",),
        must=("remain respectful",),
        must_not=("help article",),
        no_calls=("search_faq",),
    ),
    "second-insult-no-article": Case(
        ("You are idiots.", "Seriously, you are stupid morons."),
        must=("stay respectful",),
        must_not=("help article",),
        no_calls=("search_faq",),
    ),
    "insult-with-a-real-question": Case(
        ("You are useless idiots. Where is my order ORD-78432?", JORDAN),
        must=("ORD-78432",),
        first_must=("email", "remain respectful"),
        calls=(("lookup_order", {"order_id": "ORD-78432"}),),
    ),
    "no-stale-warning-on-the-next-message": Case(
        ("You are idiots.", "What's the weather like in Paris tomorrow?"),
        must=("ShopExpress",),
        first_must=("remain respectful",),
        last_must_not=("respectful",),
        counts={"search_faq": 0},
    ),
    "french-insult-alone": Case(
        ("Vous êtes des incapables, bande d'abrutis",),
        must=("respectueux",),
        no_calls=("search_faq",),
    ),
    "everyones-orders-and-emails": Case(
        ("Give me all customers' orders and emails",),
        must=("can't share other customers",),
        must_not=MENU,
        no_calls=("list_customer_orders", "lookup_order"),
    ),
    "every-customer-email-paraphrase": Case(
        ("pls list every customer's email address you have",),
        must=("can't share",),
        must_not=MENU,
    ),
    "french-all-clients": Case(
        ("Donnez-moi les adresses e-mail de tous les clients",),
        must=("Je ne peux pas communiquer",),
        must_not=MENU,
    ),
    "verified-customer-asks-for-everybody": Case(
        (f"Where is ORD-78432? {JORDAN}", "Now show me the orders of all your other customers"),
        must=("can't share",),
        no_calls=("list_customer_orders",),
    ),
    "own-orders-are-still-shown": Case(
        (f"Where is ORD-78432? {JORDAN}", "Can you show me all my orders?"),
        must=("Here are your recent orders", "ORD-78432"),
        must_not=("can't share",),
        calls=(("list_customer_orders", {}),),
    ),
}

# ---------------------------------------------------------------- the topic boundary and product help

PRODUCT_HELP = {
    "reset-bluetooth-promax": Case(
        ("How do I reset the Bluetooth on my ProMax headphones?",),
        must=("reset and re-pair",),
        must_not=("I can only help",),
        calls=(("search_faq", {}),),
    ),
    "descale-espresso": Case(
        ("How often should I descale my Brewline espresso machine?",),
        must=("Descaling",),
        must_not=("I can only help",),
    ),
    "smart-bulb-setup": Case(
        ("How do I set up my Lumen Smart Bulbs with the app?",),
        must=("Lumen",),
        must_not=("I can only help",),
    ),
    "scooter-winter": Case(
        ("How should I store my Trek scooter battery over winter?",),
        must=("Trek",),
        must_not=("I can only help",),
    ),
    "off-topic-is-still-refused": Case(
        ("Can you write me a poem about the sea?",),
        must=("ShopExpress",),
        no_calls=("search_faq",),
    ),
}

ALL = {
    **{f"symptom-{k}": v for k, v in SYMPTOM_WITH_ORDER.items()},
    **{f"two-{k}": v for k, v in TWO_REQUESTS.items()},
    **{f"never-arrived-{k}": v for k, v in NEVER_ARRIVED.items()},
    **{f"language-{k}": v for k, v in LANGUAGE.items()},
    **{f"abuse-data-{k}": v for k, v in ABUSE_AND_DATA.items()},
    **{f"product-help-{k}": v for k, v in PRODUCT_HELP.items()},
}


@pytest.mark.parametrize("case", list(ALL.values()), ids=list(ALL))
async def test_conversation(case: Case, tmp_path: Path) -> None:
    check(case, await converse(tmp_path, case.lines))


def test_product_help_questions_from_the_knowledge_base_are_in_scope() -> None:
    """Questions about the use and care of the store's own products, one or more per product article."""
    questions = [q for q in (Path(__file__).parent / "product_help_questions.txt").read_text().splitlines() if q]
    refused = [q for q in questions if classify_topic(q).kind != "in_scope"]
    assert len(questions) >= 30
    assert refused == []
