"""Run blocking work (SQL, mostly) in a worker thread, so the event loop keeps serving other conversations."""

from collections.abc import Callable
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread

__all__ = ["blocking"]

P = ParamSpec("P")
T = TypeVar("T")


async def blocking(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`func(*args, **kwargs)` in anyio's worker threads.

    The call is not abandoned on cancellation: a transaction that has started finishes (commits or rolls back)
    before the caller sees the cancellation, so a dropped request never leaves a half-known write behind.
    """
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs))
