"""PII guardrail: what is found, what is not, how masked text reads, and the input, output and log checks."""

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from orchestrator.hooks import InputVerdict, TurnContext
from orchestrator.policy import pii
from orchestrator.policy.pii import (
    PiiInputCheck,
    PiiKind,
    PiiLogFilter,
    PiiOutputCheck,
    find_pii,
    install_log_masking,
    luhn_valid,
    mask,
    mask_cards,
    scan_for_pii,
)

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    found: tuple[tuple[PiiKind, str], ...]


FOUND = [
    Case("visa-bare", "Card 4242424242424242 please", (("card", "4242424242424242"),)),
    Case("visa-spaces", "my card is 4242 4242 4242 4242.", (("card", "4242 4242 4242 4242"),)),
    Case("mastercard-dashes", "use 5555-5555-5555-4444 instead", (("card", "5555-5555-5555-4444"),)),
    Case("amex-4-6-5", "Amex 3782 822463 10005 ok", (("card", "3782 822463 10005"),)),
    Case("discover-bare", "6011111111111117", (("card", "6011111111111117"),)),
    Case("maestro-12-digits", "my card number is 675984103431?", (("card", "675984103431"),)),
    Case("email", "I'm jordan.lee@example.com.", (("email", "jordan.lee@example.com"),)),
    Case("email-plus-tag", "write to a.b+shop@mail.co.uk", (("email", "a.b+shop@mail.co.uk"),)),
    Case("phone-us-international", "call +1 312 555 0148 today", (("phone", "+1 312 555 0148"),)),
    Case("phone-us-parentheses", "call (312) 555-0148 today", (("phone", "(312) 555-0148"),)),
    Case("phone-us-dots", "fax 312.555.0148", (("phone", "312.555.0148"),)),
    Case("phone-uk", "London: +44 20 7946 0958", (("phone", "+44 20 7946 0958"),)),
    Case("phone-uk-trunk", "Desk: +41 (0)96 471 07 95", (("phone", "+41 (0)96 471 07 95"),)),
    Case("phone-france", "Paris : +33 6 12 34 56 78", (("phone", "+33 6 12 34 56 78"),)),
    Case("phone-france-national", "rappelez-moi au 06 12 34 56 78 svp", (("phone", "06 12 34 56 78"),)),
    Case("phone-extension", "Desk: 345-899-3560x4587", (("phone", "345-899-3560x4587"),)),
    Case("phone-bare-ten-digits", "Fax: 9498777106", (("phone", "9498777106"),)),
    Case("phone-bare-short-after-cue", "call me at 4673395", (("phone", "4673395"),)),
    Case("iban-gb-spaces", "IBAN GB82 WEST 1234 5698 7654 32 thanks", (("iban", "GB82 WEST 1234 5698 7654 32"),)),
    Case("iban-de-compact", "DE89370400440532013000", (("iban", "DE89370400440532013000"),)),
    Case("iban-lowercase", "my iban is gb42nawi04454264788619", (("iban", "gb42nawi04454264788619"),)),
    Case(
        "iban-france", "Mon IBAN : FR76 3000 6000 0112 3456 7890 189", (("iban", "FR76 3000 6000 0112 3456 7890 189"),)
    ),
    Case("ssn-dashes", "Here's my SSN: 078-05-1120", (("ssn", "078-05-1120"),)),
    Case("ssn-8xx-area-is-valid", "SSN 853-37-1694", (("ssn", "853-37-1694"),)),
    Case("ssn-bare-after-cue", "social security number is 078051120", (("ssn", "078051120"),)),
    Case("address-us", "ship to 1600 Pennsylvania Avenue NW", (("address", "1600 Pennsylvania Avenue"),)),
    Case("address-with-unit", "221B Baker Street, Apt. 4 London", (("address", "221B Baker Street, Apt. 4"),)),
    Case("address-abbreviated", "at 2450 Crown St today", (("address", "2450 Crown St"),)),
    Case("address-french", "J'habite au 12, rue de la Paix à Paris", (("address", "12, rue de la Paix"),)),
    Case("address-french-lowercase", "36 rue de pologne", (("address", "36 rue de pologne"),)),
    Case("address-german", "Friedhofstrasse 33, Wien", (("address", "Friedhofstrasse 33"),)),
    Case("address-italian", "Via Roma 131, Milano", (("address", "Via Roma 131"),)),
    Case("address-military", "PSC 3294, Box 9168\nAPO AA 61487", (("address", "PSC 3294, Box 9168\nAPO AA 61487"),)),
    Case(
        "several-kinds",
        "jo@example.com, 4242 4242 4242 4242, +1 312 555 0148",
        (("email", "jo@example.com"), ("card", "4242 4242 4242 4242"), ("phone", "+1 312 555 0148")),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in FOUND])
def test_pii_is_found_with_its_kind_and_exact_text(case: Case) -> None:
    spans = find_pii(case.text)
    assert [(s.kind, s.text) for s in spans] == list(case.found)
    assert all(case.text[s.start : s.end] == s.text for s in spans)


NOT_PII = [
    pytest.param("Card 4242 4242 4242 4241 was declined", id="card-luhn-invalid"),
    pytest.param("4111111111111112", id="card-bare-luhn-invalid"),
    pytest.param("Where is ORD-78432?", id="order-id"),
    pytest.param("Ticket TCK-000123 is open", id="ticket-id"),
    pytest.param("It costs $89.99, or 1 299 000 € in total", id="prices"),
    pytest.param("Delivered on 2026-11-25 at 12:20:39, or 25.11.2026", id="dates"),
    pytest.param("Tracking 1Z999AA10123456784", id="ups-tracking-number"),
    pytest.param("Shipping takes 5-7 business days", id="day-range"),
    pytest.param("SKU WH-1000XM4, BT-HP-2041 and SKU-88213", id="product-skus"),
    pytest.param("Warranty 2019-2020, from 10.30-11.45", id="year-and-time-ranges"),
    pytest.param("server 192.168.1.10 and pi 3.14159265", id="ip-and-decimal"),
    pytest.param("cancel purchase 113542617735902", id="luhn-valid-order-number-after-order-word"),
    pytest.param("My zip code is 90010-170", id="postcode"),
    pytest.param("bad GB82 WEST 1234 5698 7654 33", id="iban-bad-checksum"),
    pytest.param("000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000", id="ssn-invalid-ranges"),
    pytest.param("123456789", id="nine-digits-without-ssn-word"),
    pytest.param("I waited 3 days on the road", id="number-and-lowercase-road"),
    pytest.param("Je voudrais un remboursement de 49,90 € pour la commande 78432.", id="french-amount"),
    pytest.param("@everyone hello @ 3 pm", id="at-signs"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("text", NOT_PII)
def test_text_without_pii_is_not_flagged(text: str) -> None:
    assert find_pii(text) == []
    assert mask(text) == text


MASKED = [
    pytest.param("card 4242 4242 4242 4242 ok", "card **** **** **** 4242 ok", id="card"),
    pytest.param("card 5555-5555-5555-4444", "card **** **** **** 4444", id="card-dashes"),
    pytest.param("I'm jordan.lee@example.com", "I'm j***@example.com", id="email"),
    pytest.param("call (312) 555-0148", "call (***) ***-0148", id="phone-parentheses"),
    pytest.param("call +44 20 7946 0958", "call +** ** **** 0958", id="phone-international"),
    pytest.param("IBAN GB82 WEST 1234 5698 7654 32.", "IBAN GB** **** **** 5432.", id="iban"),
    pytest.param("SSN: 078-05-1120", "SSN: ***-**-1120", id="ssn"),
    pytest.param("ship to 221B Baker Street please", "ship to [address] please", id="address"),
    pytest.param(
        "Bonjour, ma carte 4242 4242 4242 4242 a été débitée deux fois, appelez le +33 6 12 34 56 78.",
        "Bonjour, ma carte **** **** **** 4242 a été débitée deux fois, appelez le +** * ** ** 56 78.",
        id="french",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masked_text_stays_readable_and_keeps_the_last_four(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in FOUND])
def test_masking_removes_every_value_and_is_idempotent(case: Case) -> None:
    masked = mask(case.text)
    assert all(value not in masked for _, value in case.found)
    assert scan_for_pii(masked) == []
    assert mask(masked) == masked


def test_mask_can_be_limited_to_some_kinds() -> None:
    text = "jo@example.com paid with 4242 4242 4242 4242"
    assert mask(text, kinds=("email",)) == "j***@example.com paid with 4242 4242 4242 4242"
    assert mask_cards(text) == "jo@example.com paid with **** **** **** 4242"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        pytest.param("4242424242424242", True, id="visa"),
        pytest.param("378282246310005", True, id="amex"),
        pytest.param("4242424242424241", False, id="last-digit-off"),
        pytest.param("79927398713", True, id="textbook-example"),
    ],
)
def test_luhn_checksum(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_overlapping_candidates_keep_the_validated_kind() -> None:
    # The digits of a valid IBAN also look like a phone number; the IBAN wins and nothing else is reported.
    spans = find_pii("FR76 3000 6000 0112 3456 7890 189")
    assert [s.kind for s in spans] == ["iban"]


# Input check --------------------------------------------------------------------------------------------------


async def test_input_check_masks_the_card_but_keeps_the_email_for_verification() -> None:
    ctx = TurnContext("c1")
    text = "I'm jordan.lee@example.com, refund to card 4242 4242 4242 4242 please"
    verdict = await PiiInputCheck().check_input(text, ctx)
    assert verdict == InputVerdict(
        allow=True,
        text="I'm jordan.lee@example.com, refund to card **** **** **** 4242 please",
        reason="pii_masked",
    )
    assert ctx.flags == {"pii_masked": 1}


async def test_input_check_counts_masked_items_across_turns_without_storing_them() -> None:
    ctx = TurnContext("c1")
    check = PiiInputCheck()
    await check.check_input("SSN 078-05-1120 and IBAN GB82 WEST 1234 5698 7654 32", ctx)
    await check.check_input("card 5555-5555-5555-4444", ctx)
    assert ctx.flags == {"pii_masked": 3}
    assert "1120" not in repr(ctx.flags) and "4444" not in repr(ctx.flags)


async def test_input_check_allows_a_message_without_pii_unchanged() -> None:
    ctx = TurnContext("c1")
    verdict = await PiiInputCheck().check_input("Where is ORD-78432? It's jordan.lee@example.com", ctx)
    assert verdict == InputVerdict()  # the email stays: verification needs it
    assert ctx.flags == {}


async def test_input_check_masks_a_phone_number_the_model_never_needs() -> None:
    ctx = TurnContext("c1")
    verdict = await PiiInputCheck().check_input("Where is ORD-78432? Call me at +1 312 555 0148", ctx)
    assert verdict.text is not None and "0148" in verdict.text and "312 555" not in verdict.text
    assert ctx.flags == {"pii_masked": 1}


# Output check -------------------------------------------------------------------------------------------------


async def test_output_check_masks_another_customers_email_but_keeps_the_bound_one() -> None:
    ctx = TurnContext("c1", customer_email="jordan.lee@example.com")
    text = "Order ORD-78432 belongs to jordan.lee@example.com, not sam.roe@example.com."
    masked = await PiiOutputCheck().check_output(text, ctx)
    assert masked == "Order ORD-78432 belongs to jordan.lee@example.com, not s***@example.com."


async def test_output_check_never_shows_a_full_card_number() -> None:
    ctx = TurnContext("c1", latest_customer_text="my card is 4242 4242 4242 4242")
    masked = await PiiOutputCheck().check_output("I see card 4242 4242 4242 4242 on file.", ctx)
    assert masked == "I see card **** **** **** 4242 on file."


async def test_output_check_keeps_what_the_customer_just_wrote_and_company_contacts() -> None:
    ctx = TurnContext("c1", latest_customer_text="call me on (312) 555-0148, or mail sam@example.org")
    check = PiiOutputCheck(allowed_emails=["Support@ShopExpress.com"], allowed_phones=["+1 800 555 0199"])
    text = (
        "We'll call +1 312 555 0148 and mail sam@example.org. Reach us at support@shopexpress.com or "
        "1-800-555-0199. Your neighbour's number is 312-555-0177."
    )
    masked = await check.check_output(text, ctx)
    assert masked == (
        "We'll call +1 312 555 0148 and mail sam@example.org. Reach us at support@shopexpress.com or "
        "1-800-555-0199. Your neighbour's number is ***-***-0177."
    )


async def test_output_check_leaves_text_without_pii_alone() -> None:
    text = "Your order ORD-78432 ships in 5-7 business days."
    assert await PiiOutputCheck().check_output(text, TurnContext("c1")) == text


# Log masking --------------------------------------------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    log = logging.getLogger("test_pii.app")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    yield log, stream
    log.removeHandler(handler)


def test_log_filter_masks_pii_in_formatted_arguments(captured: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = captured
    install_log_masking(log)
    log.warning("refund for %s to card %s", "jordan.lee@example.com", "4242 4242 4242 4242")
    assert stream.getvalue() == "test_pii.app WARNING refund for j***@example.com to card **** **** **** 4242\n"


def test_log_filter_masks_exception_text(captured: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = captured
    install_log_masking(log)
    try:
        raise ValueError("bad SSN 078-05-1120 for sam@example.com")
    except ValueError:
        log.exception("lookup failed")
    output = stream.getvalue()
    assert "078-05-1120" not in output and "sam@example.com" not in output
    assert "ValueError: bad SSN ***-**-1120 for s***@example.com" in output


def test_log_filter_on_a_handler_masks_records_propagated_from_child_loggers(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    log, stream = captured
    install_log_masking(log)
    logging.getLogger("test_pii.app.orders").info("customer phone %s", "+44 20 7946 0958")
    assert stream.getvalue() == "test_pii.app.orders INFO customer phone +** ** **** 0958\n"


def test_installing_log_masking_twice_adds_one_filter(captured: tuple[logging.Logger, io.StringIO]) -> None:
    log, _ = captured
    install_log_masking(log)
    install_log_masking(log)
    assert [type(f) for f in log.handlers[0].filters] == [PiiLogFilter]


def test_log_filter_survives_arguments_that_do_not_fit_the_format() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "card %s %s", ("4242424242424242",), None)
    assert PiiLogFilter().filter(record) is True
    assert (record.msg, record.args) == ("card %s %s", None)


def test_install_log_masking_defaults_to_the_root_logger() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        install_log_masking()
        assert any(isinstance(f, PiiLogFilter) for f in handler.filters)
    finally:
        root.removeHandler(handler)


def test_public_names_are_sorted_and_importable() -> None:
    assert pii.__all__ == sorted(pii.__all__)
    assert all(hasattr(pii, name) for name in pii.__all__)


@pytest.mark.parametrize(
    "text",
    ["my credit card 314159265359 was charged twice", "Card number: 314159265359", "carte 314159265359 refusée"],
)
def test_twelve_luhn_valid_digits_after_a_card_word_are_a_card(text: str) -> None:
    masked = mask(text)
    assert "314159265359" not in masked
    assert "**** **** **** 5359" in masked


@pytest.mark.parametrize("text", ["reference 314159265359 on the label", "card 314159265358 (fails Luhn)"])
def test_twelve_digits_without_a_card_word_or_checksum_are_not_a_card(text: str) -> None:
    assert not [s for s in find_pii(text) if s.kind == "card"]
