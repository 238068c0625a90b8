"""The moving windows behind the web rate limits, on a hand-driven clock."""

import threading

import pytest

from orchestrator.settings import RateLimits
from orchestrator.web.errors import WebError
from orchestrator.web.throttle import SWEEP_EVERY, MovingWindow, Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_takes_limit_hits_then_frees_one_as_the_oldest_leaves() -> None:
    clock = Clock()
    window = MovingWindow(3, 60, clock=clock)
    for step in range(3):
        clock.now = 1000.0 + step * 10
        assert window.hit("a")
    assert not window.hit("a") and not window.test("a")
    assert window.retry_in("a") == pytest.approx(40)  # the first hit (t=1000) leaves at t=1060
    assert window.hit("b")  # another key has its own window
    clock.now = 1060.0
    assert not window.hit("a")  # still in the window at its very end
    clock.now = 1060.5
    assert window.test("a") and window.retry_in("a") == 0
    assert window.hit("a")
    assert not window.hit("a")  # the second hit (t=1010) is the oldest kept now


def test_idle_keys_are_swept_and_no_thread_is_started() -> None:
    clock = Clock()
    window = MovingWindow(2, 1, clock=clock)
    threads = threading.active_count()
    for n in range(SWEEP_EVERY - 1):
        assert window.hit(f"conversation-{n}")
    assert window.keys() == SWEEP_EVERY - 1
    assert threading.active_count() == threads
    clock.now += 2  # every window is empty now; the next hit completes a sweep period
    assert window.hit("fresh")
    assert window.keys() == 1


def test_the_throttle_refuses_with_the_seconds_until_the_window_has_room() -> None:
    clock = Clock()
    throttle = Throttle(RateLimits(conversations="2/minute", messages="1/hour"), clock=clock)
    throttle.hit("conversations", "10.0.0.1")
    clock.now += 20.2
    throttle.hit("conversations", "10.0.0.1")
    with pytest.raises(WebError) as refused:
        throttle.hit("conversations", "10.0.0.1")
    assert refused.value.code == "rate_limited" and refused.value.retry_after == 40
    throttle.check("conversations", "10.0.0.2")
    throttle.hit("messages", "c1")
    with pytest.raises(WebError) as checked:
        throttle.check("messages", "c1")
    assert checked.value.retry_after == 3600
