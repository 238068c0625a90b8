"""`CircuitBreaker`: after consecutive timeouts a server's calls fail fast for a cool-down, then one probe decides."""

from dataclasses import dataclass
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half-open"]


@dataclass
class CircuitBreaker:
    """Counts consecutive timeouts of one server; all times are `anyio.current_time()` readings.

    Closed: calls go through. After `threshold` consecutive timeouts it opens: calls fail fast for `cooldown_s`.
    Then it is half-open: the next call is the probe (others keep failing fast while it runs); the probe's
    success closes it, its timeout opens it again. A fresh (re)connect of the server also closes it.
    """

    threshold: int
    cooldown_s: float
    timeouts: int = 0
    opened_at: float | None = None
    probing: bool = False

    def state(self, now: float) -> BreakerState:
        """The breaker's state at `now`."""
        if self.opened_at is None:
            return "closed"
        return "open" if self.probing or now < self.opened_at + self.cooldown_s else "half-open"

    def admit(self, now: float) -> float | None:
        """Let a call through (None; it may be the probe) or refuse it: seconds until a probe may run."""
        if self.opened_at is None:
            return None
        remaining = self.opened_at + self.cooldown_s - now
        if remaining > 0:
            return remaining
        if self.probing:
            return 0.0
        self.probing = True
        return None

    def succeeded(self) -> None:
        """A call was answered (a tool error counts: the server is responsive); the breaker closes."""
        self.timeouts, self.opened_at, self.probing = 0, None, False

    def timed_out(self, now: float) -> bool:
        """A call timed out; returns True when this opened (or re-opened) the breaker."""
        self.timeouts += 1
        was_probe, self.probing = self.probing, False
        if was_probe or self.timeouts >= self.threshold:
            self.opened_at = now
            return True
        return False

    def abandoned(self) -> None:
        """A call ended without an answer or a timeout (e.g. the connection dropped): a running probe ends."""
        self.probing = False
