"""Process instances of `serve`: each registers itself and beats a heartbeat, so others can tell it died.

A customer turn's slot (`WebStore.begin_turn`) belongs to the instance running it. When that process is killed,
its heartbeat stops and any other (or the restarted) process takes the slot over once `turn_takeover_s` has
passed, instead of answering 409 until the turn's lease runs out.
"""

import logging
import threading
import uuid
from datetime import timedelta

import anyio
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import SQLAlchemyError

from switchboard_common.clock import utcnow
from switchboard_common.storage import Database

from .store import TurnOwner, web_conversations, web_instances

__all__ = ["INSTANCE_RETENTION", "Instance"]

logger = logging.getLogger(__name__)

INSTANCE_RETENTION = timedelta(days=1)
"""Rows of processes silent this long are deleted when another process starts."""


class Instance:
    """This process's row in `web_instances`: register, beat, retire."""

    def __init__(self, db: Database, *, heartbeat_s: float, takeover_s: float) -> None:
        """A new instance id; nothing is written until `register`."""
        self.db = db
        self.heartbeat_s = heartbeat_s
        self.owner = TurnOwner(uuid.uuid4().hex, timedelta(seconds=takeover_s))

    @property
    def instance_id(self) -> str:
        """The id written in `web_conversations.turn_owner` for the turns this process runs."""
        return self.owner.instance_id

    def register(self) -> None:
        """Record this process as alive (and forget processes silent for a day)."""
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(delete(web_instances).where(web_instances.c.heartbeat_at < now - INSTANCE_RETENTION))
            conn.execute(insert(web_instances).values(instance_id=self.instance_id, started_at=now, heartbeat_at=now))

    def beat(self) -> None:
        """Say the process is alive (re-registering it if its row was removed)."""
        now = utcnow()
        with self.db.write() as conn:
            found = conn.execute(
                update(web_instances).where(web_instances.c.instance_id == self.instance_id).values(heartbeat_at=now)
            )
            if found.rowcount == 0:
                conn.execute(
                    insert(web_instances).values(instance_id=self.instance_id, started_at=now, heartbeat_at=now)
                )

    def retire(self) -> None:
        """Stopping cleanly: free the turns this process still holds and remove its row."""
        with self.db.write() as conn:
            conn.execute(
                update(web_conversations)
                .where(web_conversations.c.turn_owner == self.instance_id)
                .values(turn_until=None, turn_owner=None)
            )
            conn.execute(delete(web_instances).where(web_instances.c.instance_id == self.instance_id))

    async def run(self) -> None:
        """Beat every `heartbeat_s` until cancelled.

        The beats come from a thread of their own, so a busy event loop (a model loading, a slow request) does
        not make a live process look dead; a frozen or killed process stops beating. A failed beat (database
        away) is logged and retried.
        """
        stop = threading.Event()
        thread = threading.Thread(target=self._beat_until, args=(stop,), name="switchboard-heartbeat", daemon=True)
        thread.start()
        try:
            await anyio.sleep_forever()
        finally:
            stop.set()
            thread.join(timeout=10)  # before `retire`: a late beat would register the instance again

    def _beat_until(self, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_s):
            try:
                self.beat()
            except SQLAlchemyError as exc:
                logger.warning("web instance heartbeat failed: %s", type(exc).__name__)
