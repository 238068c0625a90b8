"""Throttle: request rate limits of the web surface (moving windows from the `limits` library, in memory)."""

import math
import time
from typing import Literal, get_args

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ..settings import RateLimits
from .errors import WebError

__all__ = ["Rule", "Throttle"]

Rule = Literal["conversations", "messages", "agent_auth_failures"]

_MESSAGES: dict[Rule, str] = {
    "conversations": "Too many new conversations from your address; please try again later.",
    "messages": "You are sending messages faster than we can answer; please wait a moment.",
    "agent_auth_failures": "Too many failed sign-ins from your address; please try again later.",
}


class Throttle:
    """Counts requests per rule and key (a client address or a conversation id) in this process's memory.

    Several `serve` processes each count on their own, so the effective limit is per process.
    """

    def __init__(self, limits: RateLimits) -> None:
        """Rules from the `[web.rate_limits]` config."""
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[Rule, RateLimitItem] = {rule: parse(getattr(limits, rule)) for rule in get_args(Rule)}

    def hit(self, rule: Rule, key: str) -> None:
        """Count one request.

        Raises:
            WebError: `rate_limited` (429, with `Retry-After`) when the window is already full.
        """
        if not self._limiter.hit(self._items[rule], rule, key):
            raise self._refusal(rule, key)

    def check(self, rule: Rule, key: str) -> None:
        """Refuse if the window is full, without counting this request.

        Raises:
            WebError: `rate_limited` (429, with `Retry-After`).
        """
        if not self._limiter.test(self._items[rule], rule, key):
            raise self._refusal(rule, key)

    def _refusal(self, rule: Rule, key: str) -> WebError:
        reset_at, _remaining = self._limiter.get_window_stats(self._items[rule], rule, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        return WebError("rate_limited", _MESSAGES[rule], retry_after=retry_after)
