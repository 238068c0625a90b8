"""Support KPIs: one record per conversation outcome in SQL, and the arithmetic of the five KPIs.

No PII is stored here: the customer is a keyed hash of the bound email (`customer_key`), the issue is an
order id or a short topic slug (`issue_key`). Definitions (denominators are stated because they decide the
numbers):

- CSAT: mean of the 1-5 ratings given in conversations that ended in the window (goal > 4.2).
- auto-resolution rate: `resolved_by_bot` / ended conversations (goal > 70%); a resolution is *confirmed*
  when the customer said so, gave CSAT >= 4 or said "that fixed it", else *assumed* (the conversation
  ended without complaint). Both count as resolved; the split is reported alongside.
- escalation rate: `escalated` / ended conversations (goal < 20%).
- average resolution time: mean seconds from start to end of the `resolved_by_bot` conversations (goal < 180 s).
- reopen rate: `resolved_by_bot` conversations marked reopened / `resolved_by_bot` conversations (goal < 5%).
  A conversation is reopened when the same customer starts a conversation on the same issue within
  `reopen_window_hours` of its end.

A conversation belongs to the window in which it *ended*; open conversations are counted but enter no KPI.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from switchboard_common.storage import Database, UTCDateTime

from .events import Outcome
from .kpi_summary import Kpi, KpiPoint, KpiRecord, KpiSummary, KpiTargets, summarize

__all__ = [
    "Bucket",
    "Kpi",
    "KpiPoint",
    "KpiRecord",
    "KpiStore",
    "KpiSummary",
    "KpiTargets",
    "MIGRATIONS",
    "Outcome",
    "customer_key",
    "issue_key",
    "summarize",
]

Bucket = Literal["hour", "day", "week"]

_OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))
_GOALS = KpiTargets()
_ISSUE_KEY = re.compile(r"^(order|topic):[A-Za-z0-9_-]{1,64}$")

_meta = MetaData()
_conversations = Table(
    "kpi_conversations",
    _meta,
    Column("conversation_id", String(40), primary_key=True),
    Column("customer_key", String(64)),
    Column("issue_key", String(72)),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("outcome", String(16)),
    Column("resolution_confirmed", Integer, nullable=False, default=0),
    Column("resolution_seconds", Float),
    Column("turns", Integer, nullable=False, default=0),
    Column("csat", Integer),
    Column("reopened", Integer, nullable=False, default=0),
    Column("reopened_by", String(40)),
    Index("ix_kpi_conversations_ended_at", "ended_at"),
    Index("ix_kpi_conversations_customer_issue", "customer_key", "issue_key"),
)


_c = _conversations.c
# The statements of a turn, built once (see `storage/store.py`).
_EXISTS = select(_c.conversation_id).where(_c.conversation_id == bindparam("cid"))
_RECORD = select(_conversations).where(_c.conversation_id == bindparam("cid"))
_COUNT_TURN = (
    update(_conversations)
    .where(_c.conversation_id == bindparam("b_id"))
    .values(turns=_c.turns + 1)
    .returning(_c.customer_key, _c.issue_key, _c.started_at)
)
"""Counts a turn and returns what the reopen check needs; also sets the columns named by the other parameters."""
_REOPEN_CANDIDATES = select(_c.conversation_id, _c.started_at, _c.ended_at, _c.reopened, _c.reopened_by).where(
    _c.customer_key == bindparam("customer"),
    _c.issue_key == bindparam("issue"),
    _c.conversation_id != bindparam("cid"),
    _c.started_at <= bindparam("started", type_=UTCDateTime()),
)
_MARK_REOPENED = update(_conversations).where(_c.conversation_id == bindparam("b_id"))


def _v1(conn: Connection) -> None:
    _meta.create_all(conn)


MIGRATIONS = (_v1,)
"""The schema steps of the `kpi` component, applied by `KpiStore.prepare()`."""


def customer_key(email: str, *, salt: str = "") -> str:
    """A stable pseudonymous key for a customer: 32 hex digits of SHA-256 over the normalised email.

    Args:
        email: the verified customer's email (trimmed and lower-cased before hashing).
        salt: an optional deployment secret mixed in, so keys cannot be recomputed from a list of emails.
    """
    normalised = email.strip().lower()
    return hashlib.sha256(f"switchboard-kpi\x00{salt}\x00{normalised}".encode()).hexdigest()[:32]


def issue_key(*, order_id: str | None = None, topic: str | None = None) -> str | None:
    """The issue a conversation is about: `order:<ID>` when an order is known, else `topic:<slug>`.

    Order ids are upper-cased with spaces removed (`ord-78432` → `order:ORD-78432`); topics are lower-cased
    and reduced to `[a-z0-9_]` (`"Bluetooth pairing"` → `topic:bluetooth_pairing`). Anything that does not
    reduce to a valid key (empty, or an order id with characters ids never have, such as `@`) gives None.
    """
    if order_id is not None:
        candidate = "order:" + re.sub(r"\s+", "", order_id).upper()
        if _ISSUE_KEY.match(candidate):
            return candidate
        return None
    if topic is not None:
        slug = re.sub(r"[^a-z0-9]+", "_", topic.lower()).strip("_")[:64]
        return f"topic:{slug}" if slug else None
    return None


def _floor(at: datetime, bucket: Bucket) -> datetime:
    at = at.astimezone(UTC)
    if bucket == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


_STEP: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return at.astimezone(UTC)


class KpiStore:
    """Conversation outcomes in the `kpi_*` tables, and the KPIs computed from them. Every method is one transaction."""

    def __init__(
        self,
        db: Database,
        *,
        reopen_window_hours: float = 72.0,
        targets: KpiTargets = _GOALS,
    ) -> None:
        """Use `db` (call `prepare()` once); `reopen_window_hours` is `PolicyConfig.reopen_window_hours`."""
        if reopen_window_hours <= 0:
            raise ValueError("reopen_window_hours must be positive")
        self.db = db
        self.reopen_window = timedelta(hours=reopen_window_hours)
        self.targets = targets

    def prepare(self) -> None:
        """Create or migrate the KPI tables."""
        self.db.migrate("kpi", MIGRATIONS)

    def start(
        self, conversation_id: str, at: datetime, *, customer_key: str | None = None, issue_key: str | None = None
    ) -> str | None:
        """Record that a conversation started (a second call for the same id changes nothing).

        Returns:
            When both keys are given: the earlier conversation this one reopens (see `mark_reopen_if_any`).
        """
        _check_issue_key(issue_key)
        with self.db.write() as conn:
            if not self._start(conn, conversation_id, at, customer_key=customer_key, issue_key=issue_key):
                return None
            return self._mark_reopen(conn, conversation_id) if customer_key and issue_key else None

    def identify(
        self, conversation_id: str, *, customer_key: str | None = None, issue_key: str | None = None
    ) -> str | None:
        """Set the customer and/or issue once known, then mark an earlier conversation reopened if there is one.

        Returns:
            The id of the earlier conversation marked reopened, or None.

        Raises:
            KeyError: the conversation was never started.
        """
        _check_issue_key(issue_key)
        with self.db.write() as conn:
            self._require(conn, conversation_id)
            return self._identify(conn, conversation_id, customer_key, issue_key)

    def record_turn(
        self, conversation_id: str, at: datetime, *, customer_key: str | None = None, issue_key: str | None = None
    ) -> str | None:
        """Count one customer turn, starting the record at `at` if needed, in one transaction.

        With a `customer_key` or an `issue_key` it also does what `identify` does, in the same transaction.

        Returns:
            The id of the earlier conversation marked reopened, or None.
        """
        _check_issue_key(issue_key)
        keys: dict[str, Any] = {}
        if customer_key is not None:
            keys["customer_key"] = customer_key
        if issue_key is not None:
            keys["issue_key"] = issue_key
        with self.db.write() as conn:
            row = conn.execute(_COUNT_TURN, {"b_id": conversation_id, **keys}).mappings().first()
            if row is None:  # not started: the record begins with this turn
                self._start(conn, conversation_id, at, **keys)
                row = conn.execute(_COUNT_TURN, {"b_id": conversation_id}).mappings().one()
            return self._mark_reopen(conn, conversation_id, row) if keys else None

    def _start(
        self,
        conn: Connection,
        conversation_id: str,
        at: datetime,
        *,
        customer_key: str | None = None,
        issue_key: str | None = None,
    ) -> bool:
        """Insert the record unless it exists; whether it was inserted."""
        if self._exists(conn, conversation_id):
            return False
        conn.execute(
            insert(_conversations).values(
                conversation_id=conversation_id,
                customer_key=customer_key,
                issue_key=issue_key,
                started_at=_aware(at),
                resolution_confirmed=0,
                turns=0,
                reopened=0,
            )
        )
        return True

    def _identify(
        self, conn: Connection, conversation_id: str, customer_key: str | None, issue_key: str | None
    ) -> str | None:
        values: dict[str, Any] = {}
        if customer_key is not None:
            values["customer_key"] = customer_key
        if issue_key is not None:
            values["issue_key"] = issue_key
        if values:
            conn.execute(
                update(_conversations).where(_conversations.c.conversation_id == conversation_id).values(**values)
            )
        return self._mark_reopen(conn, conversation_id)

    def record_outcome(
        self,
        conversation_id: str,
        *,
        outcome: Outcome,
        at: datetime,
        confirmed: bool = False,
        turns: int | None = None,
    ) -> None:
        """Close a conversation with its outcome (a later call replaces an earlier outcome).

        Args:
            conversation_id: a started conversation.
            outcome: `resolved_by_bot`, `escalated` or `abandoned`.
            at: when it ended (not before it started).
            confirmed: the customer confirmed the resolution (ignored unless `resolved_by_bot`); a CSAT >= 4
                already recorded also confirms it.
            turns: the number of customer turns, when not counted with `record_turn`.

        Raises:
            KeyError: the conversation was never started.
            ValueError: unknown outcome, negative turns, or `at` before the start.
        """
        if outcome not in _OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {sorted(_OUTCOMES)}")
        if turns is not None and turns < 0:
            raise ValueError("turns must be >= 0")
        ended_at = _aware(at)
        with self.db.write() as conn:
            row = self._require(conn, conversation_id)
            seconds = (ended_at - row["started_at"]).total_seconds()
            if seconds < 0:
                raise ValueError("a conversation cannot end before it started")
            resolved = outcome == "resolved_by_bot"
            rated_well = row["csat"] is not None and row["csat"] >= 4
            values: dict[str, Any] = {
                "ended_at": ended_at,
                "outcome": outcome,
                "resolution_seconds": seconds,
                "resolution_confirmed": int(resolved and (confirmed or rated_well)),
            }
            if turns is not None:
                values["turns"] = turns
            conn.execute(
                update(_conversations).where(_conversations.c.conversation_id == conversation_id).values(**values)
            )

    def record_csat(self, conversation_id: str, score: int) -> None:
        """Store the customer's 1-5 rating; 4 or 5 confirms a bot resolution.

        Raises:
            ValueError: the score is not an integer from 1 to 5.
            KeyError: the conversation was never started.
        """
        if type(score) is not int or not 1 <= score <= 5:  # bool is an int subclass: refused too
            raise ValueError(f"CSAT must be an integer from 1 to 5, not {score!r}")
        with self.db.write() as conn:
            row = self._require(conn, conversation_id)
            values: dict[str, Any] = {"csat": score}
            if score >= 4 and row["outcome"] == "resolved_by_bot":
                values["resolution_confirmed"] = 1
            conn.execute(
                update(_conversations).where(_conversations.c.conversation_id == conversation_id).values(**values)
            )

    def mark_reopen_if_any(self, conversation_id: str) -> str | None:
        """Mark the latest earlier conversation of the same customer on the same issue as reopened.

        It qualifies when it ended (or, if never closed, started) at most `reopen_window` before this
        conversation started. Conversations without a customer or issue key are never matched.

        Returns:
            The id of the conversation marked reopened, or None.
        """
        with self.db.write() as conn:
            return self._mark_reopen(conn, conversation_id)

    def _mark_reopen(self, conn: Connection, conversation_id: str, row: RowMapping | None = None) -> str | None:
        """`mark_reopen_if_any` in `conn`; `row` is the conversation's record when the caller has it."""
        row = row or self._require(conn, conversation_id)
        if row["customer_key"] is None or row["issue_key"] is None:
            return None
        started: datetime = row["started_at"]
        candidates = conn.execute(
            _REOPEN_CANDIDATES,
            {"customer": row["customer_key"], "issue": row["issue_key"], "cid": conversation_id, "started": started},
        ).all()
        best: tuple[datetime, str] | None = None
        marked: set[str] = set()
        for other_id, other_start, other_end, reopened, reopened_by in candidates:
            last_seen: datetime = other_end or other_start
            if last_seen <= started and started - last_seen <= self.reopen_window:
                best = max(best, (last_seen, other_id)) if best else (last_seen, other_id)
            if reopened and reopened_by == conversation_id:
                marked.add(other_id)
        if best is None:
            return None
        if best[1] not in marked:  # each turn checks again; the mark is written once
            conn.execute(_MARK_REOPENED, {"b_id": best[1], "reopened": 1, "reopened_by": conversation_id})
        return best[1]

    def get(self, conversation_id: str) -> KpiRecord | None:
        """The stored record, or None."""
        with self.db.read() as conn:
            row = (
                conn.execute(select(_conversations).where(_conversations.c.conversation_id == conversation_id))
                .mappings()
                .first()
            )
        return _record(row) if row is not None else None

    def records(self, *, since: datetime | None = None, until: datetime | None = None) -> list[KpiRecord]:
        """Conversations that ended in `[since, until)`, plus those started there and still open."""
        c = _conversations.c
        ended = select(_conversations).where(c.ended_at.is_not(None))
        still_open = select(_conversations).where(c.ended_at.is_(None))
        if since is not None:
            ended = ended.where(c.ended_at >= _aware(since))
            still_open = still_open.where(c.started_at >= _aware(since))
        if until is not None:
            ended = ended.where(c.ended_at < _aware(until))
            still_open = still_open.where(c.started_at < _aware(until))
        with self.db.read() as conn:
            rows = [*conn.execute(ended.order_by(c.ended_at)).mappings(), *conn.execute(still_open).mappings()]
        return [_record(r) for r in rows]

    def summary(self, since: datetime | None = None, until: datetime | None = None) -> KpiSummary:
        """The five KPIs over conversations that ended in `[since, until)` (open ones are only counted)."""
        return summarize(self.records(since=since, until=until), since=since, until=until, targets=self.targets)

    def timeseries(
        self, bucket: Bucket = "day", *, since: datetime | None = None, until: datetime | None = None
    ) -> list[KpiPoint]:
        """The KPIs per UTC hour, day or ISO week (weeks start on Monday), by end time.

        Buckets run from the first to the last bucket holding an ended conversation; buckets without one are
        included with None values, so a chart shows the gaps.
        """
        if bucket not in _STEP:
            raise ValueError(f"unknown bucket {bucket!r}; expected hour, day or week")
        ended = [r for r in self.records(since=since, until=until) if r.ended_at is not None]
        groups: dict[datetime, list[KpiRecord]] = {}
        for record in ended:
            assert record.ended_at is not None
            groups.setdefault(_floor(record.ended_at, bucket), []).append(record)
        if not groups:
            return []
        step = _STEP[bucket]
        points: list[KpiPoint] = []
        start, last = min(groups), max(groups)
        while start <= last:
            end = start + step
            rows = groups.get(start, [])
            points.append(KpiPoint(start, end, summarize(rows, since=start, until=end, targets=self.targets)))
            start = end
        return points

    @staticmethod
    def _exists(conn: Connection, conversation_id: str) -> bool:
        return conn.execute(_EXISTS, {"cid": conversation_id}).first() is not None

    @staticmethod
    def _require(conn: Connection, conversation_id: str) -> RowMapping:
        row = conn.execute(_RECORD, {"cid": conversation_id}).mappings().first()
        if row is None:
            raise KeyError(conversation_id)
        return row


def _check_issue_key(key: str | None) -> None:
    if key is not None and not _ISSUE_KEY.match(key):
        raise ValueError("issue_key must look like 'order:<ID>' or 'topic:<slug>' (build it with issue_key())")


def _record(row: RowMapping) -> KpiRecord:
    return KpiRecord(
        conversation_id=row["conversation_id"],
        started_at=row["started_at"],
        customer_key=row["customer_key"],
        issue_key=row["issue_key"],
        ended_at=row["ended_at"],
        outcome=row["outcome"],
        resolution_confirmed=bool(row["resolution_confirmed"]),
        resolution_seconds=row["resolution_seconds"],
        turns=row["turns"],
        csat=row["csat"],
        reopened=bool(row["reopened"]),
        reopened_by=row["reopened_by"],
    )
