"""The identity contract between the orchestrator and the servers.

The orchestrator binds a verified customer to a conversation and sends it out of band, in the request
`_meta` of every `tools/call`, under `switchboard/customer` (the customer's email). The model never sees or
sets it. When a call carries a bound customer, a server refuses any argument naming another customer's
data; without one, the caller must prove identity with the order id plus the email on the order.
Refusals are one neutral message, so a caller cannot tell "no such order" from "someone else's order".
"""

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

__all__ = [
    "CUSTOMER_META_KEY",
    "Email",
    "IdentityError",
    "bound_customer",
    "check_customer",
    "normalise_email",
]

CUSTOMER_META_KEY = "switchboard/customer"
"""The request `_meta` key the orchestrator binds the verified customer's email under (docs/identity.md, "Wire
contract"). The orchestrator keeps its own copy of this key; the two packages never import each other."""

Email = Annotated[
    str,
    Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="The customer's email address, exactly as given by the customer.",
    ),
]


class IdentityError(ToolError):
    """The caller could not be matched to the data it named. The message never says which part failed."""


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def bound_customer(ctx: Context) -> str | None:
    """The customer bound to this call by the orchestrator, if any (normalised email).

    Consumes the `switchboard/customer` binding: a non-empty string under `CUSTOMER_META_KEY` in the request
    `_meta`; anything else (no `_meta`, no key, not a string, blank) means no binding.
    """
    meta = ctx.request_context.meta
    if not meta:
        return None
    value = meta.get(CUSTOMER_META_KEY)
    if isinstance(value, str) and value.strip():
        return normalise_email(value)
    return None


def check_customer(ctx: Context, claimed_email: str | None, owner_email: str | None, *, not_found: str) -> str:
    """Return the owner's email when the caller may act for them, else raise one neutral `IdentityError`.

    Args:
        ctx: The tool call's context (for the bound customer).
        claimed_email: The email the caller gave as an argument, if any.
        owner_email: The email on the record, or None when the record does not exist.
        not_found: The neutral message used for every refusal.
    """
    bound = bound_customer(ctx)
    claimed = normalise_email(claimed_email) if claimed_email else None
    owner = normalise_email(owner_email) if owner_email else None
    if owner is None:
        raise IdentityError(not_found)
    if bound is not None and (bound != owner or (claimed is not None and claimed != bound)):
        raise IdentityError(not_found)
    if bound is None and claimed != owner:
        raise IdentityError(not_found)
    return owner
