"""Hub: wakes event-stream subscribers when their conversation has news, across processes via LISTEN/NOTIFY."""

import logging
from collections import defaultdict
from collections.abc import Generator
from contextlib import contextmanager

import anyio
import psycopg
from sqlalchemy.engine import make_url

from .store import AGENT_KEY, NOTIFY_CHANNEL

__all__ = ["Hub", "libpq_conninfo"]

logger = logging.getLogger(__name__)


def libpq_conninfo(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as a libpq connection string (driver suffix dropped)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Hub:
    """Per-conversation wake-ups. Subscribers re-read their events from SQL when woken, so a wake-up is only a hint.

    Every wake-up for a conversation also wakes the agents' console (`AGENT_KEY`).
    """

    def __init__(self) -> None:
        """An idle hub; `listen()` adds cross-process wake-ups on PostgreSQL."""
        self._waiters: defaultdict[str, set[anyio.Event]] = defaultdict(set)
        self.listening = anyio.Event()
        """Set once the LISTEN connection is up (tests wait for it)."""

    @contextmanager
    def subscription(self, key: str) -> Generator["Subscription"]:
        """Watch `key` (a conversation id or `AGENT_KEY`) for as long as the block runs."""
        flags = self._waiters[key]
        sub = Subscription(flags)
        try:
            yield sub
        finally:
            flags.discard(sub.event)
            if not flags and self._waiters.get(key) is flags:
                del self._waiters[key]

    def wake(self, conversation_id: str) -> None:
        """Wake the subscribers of a conversation and the agents' console."""
        for key in (conversation_id, AGENT_KEY):
            for event in self._waiters.get(key, ()):
                event.set()

    def wake_all(self) -> None:
        """Wake every subscriber (after a lost connection, events may have been missed)."""
        for events in self._waiters.values():
            for event in events:
                event.set()

    async def listen(self, database_url: str, *, retry_s: float = 2.0) -> None:
        """LISTEN on PostgreSQL until cancelled, waking local subscribers for every NOTIFY; reconnects on failure."""
        conninfo = libpq_conninfo(database_url)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening.set()
                    self.wake_all()  # anything published while we were not listening
                    async for note in conn.notifies():
                        self.wake(note.payload)
            except psycopg.Error as exc:
                logger.warning("event listener lost its PostgreSQL connection (%s); retrying", type(exc).__name__)
                self.wake_all()
            await anyio.sleep(retry_s)


class Subscription:
    """One subscriber's wake-up flag; re-armed after each wait."""

    def __init__(self, flags: set[anyio.Event]) -> None:
        self._flags = flags
        self.event = anyio.Event()
        flags.add(self.event)

    async def wait(self, seconds: float) -> bool:
        """Wait for a wake-up or `seconds`; True when woken. Arms a fresh flag for the next wait."""
        woken = False
        with anyio.move_on_after(seconds):
            await self.event.wait()
            woken = True
        self._flags.discard(self.event)
        self.event = anyio.Event()
        self._flags.add(self.event)
        return woken
