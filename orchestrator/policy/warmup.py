"""Loading the local classifiers off the event loop, before the first customer message needs them."""

from functools import cache

from ..blocking import blocking
from . import abuse, injection, sentiment, topic

__all__ = ["load_classifiers_off_the_loop"]


@cache
def _load_classifiers() -> None:
    """Load every local classifier: the weights, the lexicons and the word counts (a second or two, once)."""
    text = "warm up"
    abuse.classify_abuse(text)
    injection.detect_injection(text)
    injection.scan_tool_output(text)
    topic.classify_topic(text)
    sentiment.score_local(text)


async def load_classifiers_off_the_loop() -> None:
    """Load the classifiers in a worker thread, once per process, before the first message uses them.

    Each loads on first use (start-up stays fast). Loaded inside the event loop by the first customer message
    after a start, they stalled every conversation, `/healthz` and server supervision: under load the heartbeat
    took the process's own MCP servers for frozen and restarted all five.
    """
    if _load_classifiers.cache_info().currsize == 0:
        await blocking(_load_classifiers)
