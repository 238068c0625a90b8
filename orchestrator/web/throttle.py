"""Throttle: request rate limits of the web surface (moving windows, in this process's memory)."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal, get_args

from limits import parse

from ..settings import RateLimits
from .errors import WebError

__all__ = ["MovingWindow", "Rule", "Throttle"]

Rule = Literal["conversations", "messages", "agent_auth_failures"]

_MESSAGES: dict[Rule, str] = {
    "conversations": "Too many new conversations from your address; please try again later.",
    "messages": "You are sending messages faster than we can answer; please wait a moment.",
    "agent_auth_failures": "Too many failed sign-ins from your address; please try again later.",
}
SWEEP_EVERY = 1024
"""Hits between two sweeps of the keys whose window is empty (memory stays bounded by the keys in use)."""


class MovingWindow:
    """At most `limit` hits per key in any `window_s` seconds; thread-safe.

    Keeps each key's last `limit` hit times. Unlike `limits`' `MemoryStorage`, which starts a timer thread
    after every idle spell to expire entries (a new thread on most requests of a busy server), expiry here
    is a check on the oldest kept time, and idle keys are dropped by a sweep every `SWEEP_EVERY` hits.
    """

    def __init__(self, limit: int, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`limit` >= 1 hits per `window_s` seconds, timed by `clock`."""
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._until_sweep = SWEEP_EVERY

    def hit(self, key: str) -> bool:
        """Count a hit unless the window is full; whether it was counted."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque(maxlen=self.limit)
            elif self._full(hits, now):
                return False
            hits.append(now)
            self._until_sweep -= 1
            if self._until_sweep <= 0:
                self._sweep(now)
            return True

    def test(self, key: str) -> bool:
        """Whether a hit would be counted now (nothing is counted)."""
        with self._lock:
            hits = self._hits.get(key)
            return hits is None or not self._full(hits, self._clock())

    def retry_in(self, key: str) -> float:
        """Seconds until the window has room again (0 when it has room now)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None or not self._full(hits, now):
                return 0.0
            return hits[0] + self.window_s - now

    def keys(self) -> int:
        """How many keys are kept (for tests of the sweep)."""
        with self._lock:
            return len(self._hits)

    def _full(self, hits: deque[float], now: float) -> bool:
        return len(hits) >= self.limit and hits[0] >= now - self.window_s

    def _sweep(self, now: float) -> None:
        self._until_sweep = SWEEP_EVERY
        idle = [key for key, hits in self._hits.items() if hits[-1] < now - self.window_s]
        for key in idle:
            del self._hits[key]


class Throttle:
    """Counts requests per rule and key (a client address or a conversation id) in this process's memory.

    Several `serve` processes each count on their own, so the effective limit is per process.
    """

    def __init__(self, limits: RateLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Rules from the `[web.rate_limits]` config (`N/second|minute|hour|day`, parsed by `limits`)."""
        self._windows: dict[Rule, MovingWindow] = {}
        for rule in get_args(Rule):
            item = parse(getattr(limits, rule))
            self._windows[rule] = MovingWindow(item.amount, float(item.get_expiry()), clock=clock)

    def hit(self, rule: Rule, key: str) -> None:
        """Count one request.

        Raises:
            WebError: `rate_limited` (429, with `Retry-After`) when the window is already full.
        """
        if not self._windows[rule].hit(key):
            raise self._refusal(rule, key)

    def check(self, rule: Rule, key: str) -> None:
        """Refuse if the window is full, without counting this request.

        Raises:
            WebError: `rate_limited` (429, with `Retry-After`).
        """
        if not self._windows[rule].test(key):
            raise self._refusal(rule, key)

    def _refusal(self, rule: Rule, key: str) -> WebError:
        retry_after = max(1, math.ceil(self._windows[rule].retry_in(key)))
        return WebError("rate_limited", _MESSAGES[rule], retry_after=retry_after)
