"""PII guardrail: mask what `pii_spans` finds in customer messages, assistant replies and log records.

The same masking serves the input check (what the model is sent), the output check (what the customer is sent)
and the log filter (what is written to any log handler).
"""

import logging
from collections.abc import Collection, Sequence

from orchestrator.hooks import InputVerdict, TurnContext

from .pii_spans import PiiKind, PiiSpan, digits_of, find_pii, luhn_valid

__all__ = [
    "INPUT_MASKED_KINDS",
    "PiiInputCheck",
    "PiiKind",
    "PiiLogFilter",
    "PiiOutputCheck",
    "PiiSpan",
    "find_pii",
    "install_log_masking",
    "luhn_valid",
    "mask",
    "mask_cards",
    "scan_for_pii",
]

logger = logging.getLogger(__name__)

INPUT_MASKED_KINDS: frozenset[PiiKind] = frozenset({"card", "iban", "ssn", "phone", "address"})
"""What the input check masks before the model sees a message (emails must reach it: verification needs them)."""


def scan_for_pii(text: str) -> list[PiiSpan]:
    """Same as `find_pii`: for audits of logs and stored data (masked values are never found again)."""
    return find_pii(text)


def _mask_span(span: PiiSpan) -> str:
    if span.kind == "card":
        return "**** **** **** " + digits_of(span.text)[-4:]
    if span.kind == "email":
        local, _, domain = span.text.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if span.kind == "phone":
        keep = 4
        chars = list(span.text)
        for i in range(len(chars) - 1, -1, -1):
            if chars[i].isdigit():
                if keep:
                    keep -= 1
                else:
                    chars[i] = "*"
        return "".join(chars)
    if span.kind == "iban":
        compact = span.text.replace(" ", "").upper()
        return f"{compact[:2]}** **** **** {compact[-4:]}"
    if span.kind == "ssn":
        return "***-**-" + digits_of(span.text)[-4:]
    return "[address]"


def _apply(text: str, spans: Sequence[PiiSpan]) -> str:
    parts: list[str] = []
    last = 0
    for span in spans:
        parts.append(text[last : span.start])
        parts.append(_mask_span(span))
        last = span.end
    parts.append(text[last:])
    return "".join(parts)


def mask(text: str, *, kinds: Collection[PiiKind] | None = None) -> str:
    """Mask the PII in `text` (all kinds, or only `kinds`), keeping the text readable.

    Cards become `**** **** **** 4242`, emails `j***@example.com`, phones keep their last four digits and their
    punctuation (`(***) ***-0148`), IBANs `GB** **** **** 5432`, SSNs `***-**-6789`, addresses `[address]`.
    Masking is idempotent: a masked text contains nothing `find_pii` reports.
    """
    spans = find_pii(text)
    if kinds is not None:
        spans = [s for s in spans if s.kind in kinds]
    return _apply(text, spans) if spans else text


def mask_cards(text: str) -> str:
    """Mask only card numbers (for text sent to the model, which still needs emails to verify the customer)."""
    return mask(text, kinds=("card",))


class PiiInputCheck:
    """Input check: masks cards, IBANs, SSNs, phones and addresses before the model sees a message (never blocks)."""

    def __init__(self, kinds: Collection[PiiKind] = INPUT_MASKED_KINDS) -> None:
        """Create the check.

        Args:
            kinds: the kinds to mask in customer messages.
        """
        self.kinds = frozenset(kinds)

    async def check_input(self, text: str, ctx: TurnContext) -> InputVerdict:
        """Allow the message, rewritten when it carried PII; count the masked items in `ctx.flags["pii_masked"]`."""
        spans = [s for s in find_pii(text) if s.kind in self.kinds]
        if not spans:
            return InputVerdict()
        previous = ctx.flags.get("pii_masked", 0)
        ctx.flags["pii_masked"] = (previous if isinstance(previous, int) else 0) + len(spans)
        logger.info("masked %d PII item(s) in a customer message", len(spans))
        return InputVerdict(allow=True, text=_apply(text, spans), reason="pii_masked")


def _same_phone(a: str, b: str) -> bool:
    short, long = sorted((digits_of(a), digits_of(b)), key=len)
    return len(short) >= 7 and long.endswith(short)


class PiiOutputCheck:
    """Output check: no full card number, IBAN or SSN, and no email or phone that is not the customer's own.

    Allowed: the bound customer's email (`ctx.customer_email`), emails and phones the customer wrote in the
    latest message, and the configured company contacts (`allowed_emails`, `allowed_phones`). Everything
    else is masked.
    """

    def __init__(self, *, allowed_emails: Collection[str] = (), allowed_phones: Collection[str] = ()) -> None:
        """Create the check.

        Args:
            allowed_emails: company addresses the assistant may give out (e.g. support@...).
            allowed_phones: company phone numbers the assistant may give out.
        """
        self.allowed_emails = frozenset(e.lower() for e in allowed_emails)
        self.allowed_phones = tuple(allowed_phones)

    def _allowed(self, span: PiiSpan, ctx: TurnContext, customer_spans: Sequence[PiiSpan]) -> bool:
        if span.kind == "email":
            own = {s.text.lower() for s in customer_spans if s.kind == "email"}
            if ctx.customer_email:
                own.add(ctx.customer_email.lower())
            return span.text.lower() in own | self.allowed_emails
        if span.kind == "phone":
            own_phones = [s.text for s in customer_spans if s.kind == "phone"]
            return any(_same_phone(span.text, p) for p in [*own_phones, *self.allowed_phones])
        return span.kind == "address"

    async def check_output(self, text: str, ctx: TurnContext) -> str:
        """Return `text` with everything the customer must not see masked."""
        spans = find_pii(text)
        if not spans:
            return text
        customer_spans = find_pii(ctx.latest_customer_text) if ctx.latest_customer_text else []
        masked = [s for s in spans if not self._allowed(s, ctx, customer_spans)]
        if not masked:
            return text
        logger.info("masked %d PII item(s) in an assistant reply", len(masked))
        return _apply(text, masked)


class PiiLogFilter(logging.Filter):
    """Masks PII in every record it sees: the formatted message, the exception text and the stack text.

    Attach it to handlers (not loggers): a handler's filters also run for records propagated from child
    loggers, while a logger's own filters only see records logged on that exact logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (`msg` masked and formatted, `args` cleared); never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: keep the template only
            message = str(record.msg)
        record.msg = mask(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install_log_masking(target: logging.Logger | None = None) -> PiiLogFilter:
    """Add one `PiiLogFilter` to every handler of `target` (the root logger by default) and return it.

    Call it after logging is configured (after `logging.basicConfig` in `__main__`): handlers added later do
    not get the filter. Records from any logger that propagate to these handlers are masked. Calling it again
    adds nothing to handlers that already have a `PiiLogFilter`.
    """
    log = target if target is not None else logging.getLogger()
    pii_filter = PiiLogFilter()
    for handler in log.handlers:
        if not any(isinstance(f, PiiLogFilter) for f in handler.filters):
            handler.addFilter(pii_filter)
    return pii_filter
