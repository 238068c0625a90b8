"""The usage ledger's arithmetic: token usage of a model response and its price in USD (pure functions)."""

import re
from collections.abc import Mapping

from ..events import Usage
from ..settings import Price
from ..wire import Message

__all__ = ["cost_usd", "price_for", "usage_of"]

_PER_MILLION = 1_000_000
_SNAPSHOT = re.compile(r"(?P<alias>.+)-\d{8}")


def usage_of(message: Message) -> Usage:
    """The token usage reported on `message`; cache fields the API omitted (`None`) count as 0.

    Args:
        message: A response of the Messages API (streamed or not).

    Returns:
        The usage with `input_tokens` as the API reports it: uncached input only, cached tokens counted apart.
    """
    usage = message.usage
    split = usage.cache_creation
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_input_tokens=usage.cache_read_input_tokens or 0,
        cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
        cache_creation_1h_input_tokens=(split.ephemeral_1h_input_tokens or 0) if split is not None else 0,
    )


def price_for(model: str, prices: Mapping[str, Price]) -> Price | None:
    """The price of `model`: its own entry, else the entry of the alias it is a dated snapshot of.

    The API may answer with a snapshot id (`claude-haiku-4-5-20251001`) for a requested alias
    (`claude-haiku-4-5`), so an entry `X` also prices `X-YYYYMMDD`, and nothing else.

    Args:
        model: The model id, as requested or as returned in `Message.model`.
        prices: The configured price table (`ModelConfig.prices`).

    Returns:
        The matching price, or None when the model is not in the table.
    """
    if (price := prices.get(model)) is not None:
        return price
    if snapshot := _SNAPSHOT.fullmatch(model):
        return prices.get(snapshot.group("alias"))
    return None


def cost_usd(model: str, usage: Usage, prices: Mapping[str, Price]) -> float | None:
    """What one call cost, from per-million-token prices.

    `usage.input_tokens` excludes cached tokens (as the API reports it), so the four token counts are
    priced independently: input, output, cache reads and cache writes.

    Args:
        model: The model id (see `price_for` for how it is matched).
        usage: The call's token usage.
        prices: The configured price table (`ModelConfig.prices`).

    Returns:
        The cost in USD, or None when the model has no price (the caller flags it rather than guessing).
    """
    price = price_for(model, prices)
    if price is None:
        return None
    write_1h = price.cache_write_1h if price.cache_write_1h is not None else 2 * price.input
    written_1h = min(usage.cache_creation_1h_input_tokens, usage.cache_creation_input_tokens)
    return (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_input_tokens * price.cache_read
        + (usage.cache_creation_input_tokens - written_1h) * price.cache_write
        + written_1h * write_1h
    ) / _PER_MILLION
