"""Support KPIs: hand-computed arithmetic, storage, reopen detection, CSAT validation, the report and the CLI."""

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, event, select

from orchestrator.cli.kpi_report import metrics_command, render_table, render_terminal_chart, write_png_chart
from orchestrator.telemetry.kpi import (
    KpiPoint,
    KpiRecord,
    KpiStore,
    Outcome,
    customer_key,
    issue_key,
    summarize,
)
from switchboard_common.storage import Database

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
EMAIL = "jordan.lee@example.com"


def _rec(
    outcome: Outcome | None,
    seconds: float = 60.0,
    *,
    csat: int | None = None,
    confirmed: bool = False,
    reopened: bool = False,
) -> KpiRecord:
    ended = T0 + timedelta(seconds=seconds) if outcome else None
    return KpiRecord(
        conversation_id=f"c{id(object())}",
        started_at=T0,
        ended_at=ended,
        outcome=outcome,
        resolution_confirmed=confirmed,
        resolution_seconds=seconds if outcome else None,
        csat=csat,
        reopened=reopened,
    )


MIXED = [
    _rec("resolved_by_bot", 120, csat=5, confirmed=True),
    _rec("resolved_by_bot", 240, reopened=True),
    _rec("resolved_by_bot", 60, csat=4, confirmed=True),
    _rec("escalated", 600, csat=2),
    _rec("abandoned", 30),
    _rec(None),
]


@dataclass(frozen=True)
class Case:
    id: str
    records: list[KpiRecord]
    kpi: str
    value: float | None
    n: int
    met: bool | None


CASES = [
    # MIXED: 5 ended (3 resolved: 2 confirmed, 1 assumed; 1 escalated; 1 abandoned), 1 open.
    Case("mixed_csat_is_mean_of_given_ratings", MIXED, "csat", 11 / 3, 3, False),
    Case("mixed_auto_resolution_is_resolved_over_ended", MIXED, "auto_resolution", 3 / 5, 5, False),
    Case("mixed_escalation_at_exactly_20pct_is_missed", MIXED, "escalation", 1 / 5, 5, False),
    Case("mixed_resolution_time_averages_bot_resolutions_only", MIXED, "resolution_time", 140.0, 3, True),
    Case("mixed_reopen_is_over_bot_resolutions", MIXED, "reopen", 1 / 3, 3, False),
    Case("empty_csat_is_none", [], "csat", None, 0, None),
    Case("empty_auto_resolution_is_none", [], "auto_resolution", None, 0, None),
    Case("empty_escalation_is_none", [], "escalation", None, 0, None),
    Case("empty_resolution_time_is_none", [], "resolution_time", None, 0, None),
    Case("empty_reopen_is_none", [], "reopen", None, 0, None),
    Case("open_only_counts_nothing", [_rec(None), _rec(None)], "auto_resolution", None, 0, None),
    Case("escalations_only_have_no_resolution_time", [_rec("escalated")] * 2, "resolution_time", None, 0, None),
    Case("escalations_only_have_no_reopen_rate", [_rec("escalated")] * 2, "reopen", None, 0, None),
    Case("escalations_only_rate_is_one", [_rec("escalated")] * 2, "escalation", 1.0, 2, False),
    Case(
        "csat_exactly_4_2_is_missed", [_rec("resolved_by_bot", csat=c) for c in (5, 4, 4, 4, 4)], "csat", 4.2, 5, False
    ),
    Case("csat_above_4_2_is_met", [_rec("resolved_by_bot", csat=c) for c in (5, 5, 4, 4)], "csat", 4.5, 4, True),
    Case(
        "auto_resolution_exactly_70pct_is_missed",
        [_rec("resolved_by_bot")] * 7 + [_rec("abandoned")] * 3,
        "auto_resolution",
        0.7,
        10,
        False,
    ),
    Case(
        "auto_resolution_above_70pct_is_met",
        [_rec("resolved_by_bot")] * 3 + [_rec("escalated")],
        "auto_resolution",
        0.75,
        4,
        True,
    ),
    Case("resolution_time_exactly_3min_is_missed", [_rec("resolved_by_bot", 180)], "resolution_time", 180.0, 1, False),
    Case(
        "resolution_time_mean_of_30_60_90_180",
        [_rec("resolved_by_bot", s) for s in (30, 60, 90, 180)],
        "resolution_time",
        90.0,
        4,
        True,
    ),
    Case(
        "reopen_exactly_5pct_is_missed",
        [_rec("resolved_by_bot", reopened=True)] + [_rec("resolved_by_bot")] * 19,
        "reopen",
        0.05,
        20,
        False,
    ),
    Case(
        "reopen_of_escalated_conversation_does_not_count",
        [_rec("escalated", reopened=True), _rec("resolved_by_bot")],
        "reopen",
        0.0,
        1,
        True,
    ),
    Case(
        "escalation_below_20pct_is_met",
        [_rec("resolved_by_bot")] * 9 + [_rec("escalated")],
        "escalation",
        0.1,
        10,
        True,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_kpi_arithmetic_matches_hand_computed_values(case: Case) -> None:
    kpi = getattr(summarize(case.records), case.kpi)
    assert kpi.value == (pytest.approx(case.value) if case.value is not None else None)
    assert (kpi.n, kpi.met) == (case.n, case.met)


def test_summary_counts_outcomes_and_splits_confirmed_from_assumed() -> None:
    summary = summarize(MIXED)
    assert (summary.ended, summary.resolved_by_bot, summary.escalated, summary.abandoned) == (5, 3, 1, 1)
    assert (summary.resolved_confirmed, summary.resolved_assumed, summary.open_conversations) == (2, 1, 1)
    assert summary.confirmed_rate == pytest.approx(0.4)
    assert summary.assumed_rate == pytest.approx(0.2)
    assert [k.name for k in summary.kpis] == [
        "CSAT",
        "Auto-resolution rate",
        "Escalation rate",
        "Avg resolution time",
        "Reopen rate",
    ]


def test_empty_summary_has_no_rates_and_no_division_error() -> None:
    summary = summarize([])
    assert summary.confirmed_rate is None and summary.assumed_rate is None
    assert all(k.value is None and k.met is None for k in summary.kpis)


# --- keys --------------------------------------------------------------------------------------------------------


def test_customer_key_is_a_stable_case_insensitive_hash_without_the_email() -> None:
    key = customer_key(EMAIL)
    assert key == customer_key("  Jordan.Lee@Example.COM ")
    assert len(key) == 32 and all(ch in "0123456789abcdef" for ch in key)
    assert "jordan" not in key and "@" not in key
    assert customer_key(EMAIL, salt="pepper") != key
    assert customer_key("someone.else@example.com") != key


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"order_id": "ORD-78432"}, "order:ORD-78432", id="order_id_kept"),
        pytest.param({"order_id": " ord-78432 "}, "order:ORD-78432", id="order_id_normalised"),
        pytest.param({"order_id": "ORD-1", "topic": "refund"}, "order:ORD-1", id="order_wins_over_topic"),
        pytest.param({"topic": "Bluetooth pairing!"}, "topic:bluetooth_pairing", id="topic_slug"),
        pytest.param({"order_id": EMAIL}, None, id="email_as_order_id_refused"),
        pytest.param({"topic": "!!!"}, None, id="empty_slug"),
        pytest.param({}, None, id="nothing_known"),
    ],
)
def test_issue_key_normalises_orders_and_topics(kwargs: dict[str, str], expected: str | None) -> None:
    assert issue_key(**kwargs) == expected


# --- storage -----------------------------------------------------------------------------------------------------


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _get(store: KpiStore, conversation_id: str) -> KpiRecord:
    record = store.get(conversation_id)
    assert record is not None
    return record


@pytest.fixture
def store(db: Database) -> KpiStore:
    kpi = KpiStore(db, reopen_window_hours=72)
    kpi.prepare()
    return kpi


def test_a_conversation_is_recorded_from_start_to_outcome(store: KpiStore) -> None:
    store.start("c1", T0)
    store.record_turn("c1", T0 + timedelta(seconds=5))
    store.record_turn("c1", T0 + timedelta(seconds=50))
    store.record_outcome("c1", outcome="resolved_by_bot", at=T0 + timedelta(seconds=150), confirmed=True)
    store.record_csat("c1", 5)
    record = store.get("c1")
    assert record == KpiRecord(
        conversation_id="c1",
        started_at=T0,
        ended_at=T0 + timedelta(seconds=150),
        outcome="resolved_by_bot",
        resolution_confirmed=True,
        resolution_seconds=150.0,
        turns=2,
        csat=5,
    )


def test_a_turn_that_names_the_customer_and_issue_identifies_the_conversation_in_one_transaction(
    store: KpiStore, db: Database
) -> None:
    store.start("old", T0)
    store.identify("old", customer_key="k" * 32, issue_key="order:ORD-10001")
    store.record_outcome("old", outcome="resolved_by_bot", at=T0 + timedelta(minutes=5))
    begins: list[object] = []
    event.listen(db.engine, "begin", begins.append)
    later = T0 + timedelta(hours=1)
    assert store.record_turn("new", later, customer_key="k" * 32, issue_key="order:ORD-10001") == "old"
    assert store.record_turn("new", later + timedelta(seconds=30), issue_key="order:ORD-10001") == "old"
    assert store.record_turn("new", later + timedelta(seconds=60)) is None
    assert len(begins) == 3
    new, old = _get(store, "new"), _get(store, "old")
    assert (new.started_at, new.turns, new.customer_key, new.issue_key) == (later, 3, "k" * 32, "order:ORD-10001")
    assert (old.reopened, old.reopened_by) == (True, "new")


def test_starting_twice_keeps_the_first_start(store: KpiStore) -> None:
    store.start("c1", T0)
    store.start("c1", T0 + timedelta(hours=1))
    assert _get(store, "c1").started_at == T0


@pytest.mark.parametrize(
    ("csat", "outcome", "confirmed"),
    [
        pytest.param(4, "resolved_by_bot", True, id="csat_4_confirms"),
        pytest.param(5, "resolved_by_bot", True, id="csat_5_confirms"),
        pytest.param(3, "resolved_by_bot", False, id="csat_3_leaves_it_assumed"),
        pytest.param(5, "escalated", False, id="escalation_is_never_a_confirmed_resolution"),
    ],
)
def test_a_good_csat_confirms_a_bot_resolution_in_either_order(
    store: KpiStore, csat: int, outcome: Outcome, confirmed: bool
) -> None:
    store.start("before", T0)
    store.record_csat("before", csat)
    store.record_outcome("before", outcome=outcome, at=T0 + timedelta(minutes=1))
    store.start("after", T0)
    store.record_outcome("after", outcome=outcome, at=T0 + timedelta(minutes=1))
    store.record_csat("after", csat)
    assert [_get(store, c).resolution_confirmed for c in ("before", "after")] == [confirmed, confirmed]


@pytest.mark.parametrize(
    "score",
    [
        pytest.param(0, id="zero"),
        pytest.param(6, id="six"),
        pytest.param(-1, id="negative"),
        pytest.param(3.5, id="float"),
        pytest.param(True, id="bool"),
        pytest.param("5", id="string"),
    ],
)
def test_csat_outside_1_to_5_integers_is_refused(store: KpiStore, score: object) -> None:
    store.start("c1", T0)
    with pytest.raises(ValueError, match="CSAT must be an integer from 1 to 5"):
        store.record_csat("c1", score)  # pyright: ignore[reportArgumentType]
    assert _get(store, "c1").csat is None


def test_unknown_conversations_raise_key_error(store: KpiStore) -> None:
    with pytest.raises(KeyError):
        store.record_csat("nope", 5)
    with pytest.raises(KeyError):
        store.record_outcome("nope", outcome="abandoned", at=T0)
    with pytest.raises(KeyError):
        store.identify("nope", customer_key="k")
    assert store.get("nope") is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"outcome": "solved", "at": T0 + timedelta(minutes=1)}, "unknown outcome", id="bad_outcome"),
        pytest.param({"outcome": "abandoned", "at": T0 - timedelta(seconds=1)}, "before it started", id="before"),
        pytest.param({"outcome": "abandoned", "at": T0, "turns": -1}, "turns", id="negative_turns"),
        pytest.param({"outcome": "abandoned", "at": datetime(2025, 3, 3, 10)}, "naive", id="naive_datetime"),
    ],
)
def test_invalid_outcomes_are_refused(store: KpiStore, kwargs: dict[str, object], message: str) -> None:
    store.start("c1", T0)
    with pytest.raises(ValueError, match=message):
        store.record_outcome("c1", **kwargs)  # pyright: ignore[reportArgumentType]


def test_a_malformed_issue_key_is_refused(store: KpiStore) -> None:
    with pytest.raises(ValueError, match="issue_key"):
        store.start("c1", T0, issue_key=f"order:{EMAIL}")


def test_summary_window_is_by_end_time_and_counts_open_conversations(store: KpiStore) -> None:
    day = timedelta(days=1)
    rows: list[tuple[str, datetime, Outcome]] = [
        ("early", T0 - 2 * day, "resolved_by_bot"),
        ("inside", T0, "escalated"),
        ("inside2", T0 + timedelta(hours=3), "resolved_by_bot"),
        ("late", T0 + 3 * day, "abandoned"),
    ]
    for cid, start, outcome in rows:
        store.start(cid, start)
        store.record_outcome(cid, outcome=outcome, at=start + timedelta(minutes=2))
    store.start("open", T0 + timedelta(hours=1))
    summary = store.summary(since=T0, until=T0 + day)
    assert (summary.ended, summary.escalated, summary.resolved_by_bot, summary.open_conversations) == (2, 1, 1, 1)
    assert summary.auto_resolution.value == pytest.approx(0.5)
    assert summary.resolution_time.value == pytest.approx(120.0)
    assert store.summary().ended == 4


def test_kpi_tables_hold_no_email(store: KpiStore, db: Database) -> None:
    store.start("c1", T0)
    store.identify("c1", customer_key=customer_key(EMAIL), issue_key=issue_key(order_id="ORD-78432"))
    store.record_outcome("c1", outcome="resolved_by_bot", at=T0 + timedelta(minutes=1))
    meta = MetaData()
    meta.reflect(db.engine)
    tables = [t for name, t in meta.tables.items() if name.startswith("kpi_")]
    assert tables
    with db.read() as conn:
        dumped = " ".join(str(row) for table in tables for row in conn.execute(select(table)))
    assert "ORD-78432" in dumped
    assert "@" not in dumped and "jordan" not in dumped.lower()


# --- reopen detection --------------------------------------------------------------------------------------------


def _conversation(
    store: KpiStore, cid: str, start: datetime, *, customer: str = EMAIL, order: str = "ORD-1", minutes: int = 5
) -> None:
    store.start(cid, start)
    store.identify(cid, customer_key=customer_key(customer), issue_key=issue_key(order_id=order))
    store.record_outcome(cid, outcome="resolved_by_bot", at=start + timedelta(minutes=minutes))


@pytest.mark.parametrize(
    ("gap", "customer", "order", "reopened"),
    [
        pytest.param(timedelta(hours=1), EMAIL, "ORD-1", True, id="back_after_an_hour"),
        pytest.param(timedelta(hours=72), EMAIL, "ORD-1", True, id="back_exactly_at_the_window"),
        pytest.param(timedelta(hours=72, seconds=1), EMAIL, "ORD-1", False, id="back_just_after_the_window"),
        pytest.param(timedelta(days=10), EMAIL, "ORD-1", False, id="back_ten_days_later"),
        pytest.param(timedelta(hours=1), EMAIL, "ORD-2", False, id="same_customer_other_issue"),
        pytest.param(timedelta(hours=1), "sam@example.com", "ORD-1", False, id="other_customer_same_issue"),
    ],
)
def test_the_earlier_conversation_is_marked_reopened_within_the_window(
    store: KpiStore, gap: timedelta, customer: str, order: str, reopened: bool
) -> None:
    _conversation(store, "first", T0)
    first_end = T0 + timedelta(minutes=5)
    store.start("second", first_end + gap)
    marked = store.identify("second", customer_key=customer_key(customer), issue_key=issue_key(order_id=order))
    assert marked == ("first" if reopened else None)
    first = store.get("first")
    assert first is not None and first.reopened is reopened
    assert first.reopened_by == ("second" if reopened else None)
    assert _get(store, "second").reopened is False


def test_reopen_window_follows_the_configured_hours(db: Database) -> None:
    store = KpiStore(db, reopen_window_hours=2)
    store.prepare()
    _conversation(store, "first", T0)
    _conversation(store, "second", T0 + timedelta(hours=3))
    assert _get(store, "first").reopened is False


def test_only_the_latest_earlier_conversation_is_marked(store: KpiStore) -> None:
    _conversation(store, "one", T0)
    _conversation(store, "two", T0 + timedelta(hours=1))
    _conversation(store, "three", T0 + timedelta(hours=2))
    assert [_get(store, c).reopened for c in ("one", "two", "three")] == [True, True, False]
    assert _get(store, "two").reopened_by == "three"


def test_starting_with_known_keys_marks_at_once_and_a_conversation_left_open_counts_from_its_start(
    store: KpiStore,
) -> None:
    key = customer_key(EMAIL)
    assert store.start("left", T0, customer_key=key, issue_key="topic:delivery") is None
    assert store.start("back", T0 + timedelta(hours=5), customer_key=key, issue_key="topic:delivery") == "left"
    assert store.start("back", T0 + timedelta(hours=6), customer_key=key, issue_key="topic:delivery") is None
    assert store.mark_reopen_if_any("back") == "left"
    assert _get(store, "left").reopened_by == "back"


def test_conversations_without_keys_are_never_matched(store: KpiStore) -> None:
    store.start("anonymous1", T0)
    store.record_outcome("anonymous1", outcome="abandoned", at=T0 + timedelta(minutes=1))
    store.start("anonymous2", T0 + timedelta(minutes=10))
    assert store.mark_reopen_if_any("anonymous2") is None
    assert store.identify("anonymous2", customer_key=customer_key(EMAIL)) is None


def test_reopen_rate_in_the_summary_comes_from_the_marks(store: KpiStore) -> None:
    _conversation(store, "first", T0)
    _conversation(store, "second", T0 + timedelta(hours=1))
    _conversation(store, "other", T0, customer="sam@example.com", order="ORD-9")
    assert store.summary().reopen.value == pytest.approx(1 / 3)


# --- time series -------------------------------------------------------------------------------------------------


def _ended(store: KpiStore, cid: str, at: datetime, outcome: Outcome = "resolved_by_bot") -> None:
    store.start(cid, at - timedelta(minutes=2))
    store.record_outcome(cid, outcome=outcome, at=at)


def test_daily_timeseries_includes_empty_days_between_data(store: KpiStore) -> None:
    _ended(store, "a", T0)
    _ended(store, "b", T0 + timedelta(hours=5), "escalated")
    _ended(store, "c", T0 + timedelta(days=2))
    points = store.timeseries("day")
    assert [p.start for p in points] == [T0.replace(hour=0) + timedelta(days=d) for d in range(3)]
    assert [p.summary.ended for p in points] == [2, 0, 1]
    assert [p.summary.escalation.value for p in points] == [0.5, None, 0.0]
    assert all(p.end - p.start == timedelta(days=1) for p in points)


def test_weekly_buckets_start_on_monday(store: KpiStore) -> None:
    _ended(store, "mon", T0)
    _ended(store, "sun", T0 + timedelta(days=6, hours=10))
    _ended(store, "next_mon", T0 + timedelta(days=7))
    points = store.timeseries("week")
    assert [(p.start, p.summary.ended) for p in points] == [
        (T0.replace(hour=0), 2),
        (T0.replace(hour=0) + timedelta(days=7), 1),
    ]


def test_hourly_buckets_and_explicit_turn_counts(store: KpiStore) -> None:
    store.start("a", T0)
    store.record_outcome("a", outcome="abandoned", at=T0 + timedelta(minutes=59), turns=4)
    _ended(store, "b", T0 + timedelta(hours=2, minutes=30))
    points = store.timeseries("hour")
    assert [(p.start.hour, p.summary.ended) for p in points] == [(9, 1), (10, 0), (11, 1)]
    assert _get(store, "a").turns == 4


def test_reopen_window_must_be_positive(db: Database) -> None:
    with pytest.raises(ValueError, match="positive"):
        KpiStore(db, reopen_window_hours=0)


def test_timeseries_of_nothing_is_empty_and_unknown_bucket_is_refused(store: KpiStore) -> None:
    assert store.timeseries("hour") == []
    with pytest.raises(ValueError, match="bucket"):
        store.timeseries("month")  # pyright: ignore[reportArgumentType]


# --- report ------------------------------------------------------------------------------------------------------


def test_table_shows_each_kpi_against_its_goal_with_marks_and_the_split() -> None:
    table = render_table(summarize(MIXED, since=T0))
    lines = table.splitlines()
    assert lines[0] == "Support KPIs · conversations ended from 2025-03-03 09:00 to now (UTC)"
    assert lines[1] == "5 ended: 3 resolved by the bot, 1 escalated, 1 abandoned; 1 still open"
    rows = {line[:24].strip(): line[24:].split() for line in lines[4:11]}
    assert rows == {
        "CSAT": ["3.67", ">", "4.2", "3", "✗"],
        "Auto-resolution rate": ["60.0%", ">", "70%", "5", "✗"],
        "confirmed": ["40.0%", "2"],
        "assumed": ["20.0%", "1"],
        "Escalation rate": ["20.0%", "<", "20%", "5", "✗"],
        "Avg resolution time": ["2m", "20s", "<", "3", "min", "3", "✓"],
        "Reopen rate": ["33.3%", "<", "5%", "3", "✗"],
    }


def test_table_without_data_shows_dashes_not_errors() -> None:
    table = render_table(summarize([]))
    assert "0 ended" in table
    assert table.count("—") == 7 and "✓" not in table and "✗" not in table


def _points() -> list[KpiPoint]:
    days = [
        [_rec("resolved_by_bot", 100, csat=5, confirmed=True), _rec("escalated")],
        [],
        [_rec("resolved_by_bot", 200, csat=3)] * 3,
    ]
    start = T0.replace(hour=0)
    return [
        KpiPoint(start + timedelta(days=i), start + timedelta(days=i + 1), summarize(rows))
        for i, rows in enumerate(days)
    ]


def test_terminal_chart_draws_one_line_per_kpi_with_gaps_for_empty_buckets() -> None:
    chart = render_terminal_chart(_points())
    lines = chart.splitlines()
    assert lines[0] == "KPIs per bucket, 2025-03-03 00:00 → 2025-03-06 00:00 UTC (3 buckets)"
    sparks = {line[:16].strip(): line.split("│")[1] for line in lines[1:]}
    assert sparks == {
        "CSAT": "█ ▅",
        "Auto-resolution": "▅ █",
        "Escalation": "█ ▁",
        "Resolution time": "▃ ▅",
        "Reopen": "▁ ▁",
        "Conversations": "▆▁█",
    }
    assert lines[1].endswith("3.00 ✗ (goal > 4.2)")
    assert lines[4].endswith("3m 20s ✗ (goal < 3 min)")


def test_terminal_chart_without_points_says_so() -> None:
    assert render_terminal_chart([]) == "No ended conversations yet: nothing to chart."


def test_terminal_chart_keeps_the_last_width_buckets() -> None:
    points = _points() * 10
    lines = render_terminal_chart(points, width=7).splitlines()
    assert all(len(line.split("│")[1]) == 7 for line in lines[1:])


@pytest.mark.parametrize("points", [pytest.param(_points(), id="data"), pytest.param([], id="empty")])
def test_png_chart_is_written(tmp_path: Path, points: list[KpiPoint]) -> None:
    path = write_png_chart(points, tmp_path / "out" / "kpi.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert path.stat().st_size > 5000


# --- CLI ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def populated(sqlite_url: str) -> str:
    database = Database(sqlite_url)
    store = KpiStore(database)
    store.prepare()
    _ended(store, "a", T0)
    store.record_csat("a", 5)
    _ended(store, "b", T0 + timedelta(days=1), "escalated")
    database.dispose()
    return sqlite_url


def test_metrics_command_prints_the_table_and_chart_and_writes_a_png(populated: str, tmp_path: Path) -> None:
    png = tmp_path / "kpi.png"
    result = CliRunner().invoke(
        metrics_command, ["--db", populated, "--since", "2025-03-01", "--png", str(png)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Support KPIs · conversations ended from 2025-03-01 00:00 to now (UTC)" in result.output
    assert "2 ended: 1 resolved by the bot, 1 escalated, 0 abandoned; 0 still open" in result.output
    assert "KPIs per bucket, 2025-03-03 00:00 → 2025-03-05 00:00 UTC (2 buckets)" in result.output
    assert f"chart written to {png}" in result.output
    assert png.read_bytes().startswith(b"\x89PNG")


def test_metrics_command_reads_the_database_url_from_the_context_object(populated: str) -> None:
    result = CliRunner().invoke(
        metrics_command,
        ["--since", "2025-03-04", "--until", "2025-03-05T00:00:00+00:00"],
        obj={"database_url": populated},
    )
    assert result.exit_code == 0, result.output
    assert "1 ended: 0 resolved by the bot, 1 escalated" in result.output


def test_metrics_command_relative_since_excludes_old_conversations(populated: str) -> None:
    result = CliRunner().invoke(metrics_command, ["--db", populated, "--since", "7d"])
    assert result.exit_code == 0, result.output
    assert "0 ended" in result.output and "No ended conversations yet" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--since", "yesterday"], "use 7d, 24h, 2w", id="bad_since"),
        pytest.param(["--since", "2025-03-05", "--until", "2025-03-01"], "--since must be before --until", id="order"),
        pytest.param(["--bucket", "month"], "month", id="bad_bucket"),
    ],
)
def test_metrics_command_rejects_bad_options(populated: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(metrics_command, ["--db", populated, *args])
    assert result.exit_code == 2
    assert message in result.output


def test_metrics_command_under_the_switchboard_group_uses_the_configured_database(populated: str) -> None:
    from orchestrator.cli.commands import cli

    result = CliRunner().invoke(
        cli, ["--offline", "metrics"], env={"SWITCHBOARD_DATABASE_URL": populated, "SWITCHBOARD_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    assert "2 ended: 1 resolved by the bot, 1 escalated" in result.output


def test_metrics_command_reports_a_broken_config(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = CliRunner().invoke(metrics_command, [], obj={"config": missing, "offline": True})
    assert result.exit_code == 1 and "config file not found" in result.output


def test_metrics_command_without_a_database_is_a_usage_error() -> None:
    result = CliRunner().invoke(metrics_command, [])
    assert result.exit_code == 2 and "no database: pass --db URL" in result.output


def test_metrics_command_reports_an_unusable_database_url() -> None:
    result = CliRunner().invoke(metrics_command, ["--db", "mysql://nope"])
    assert result.exit_code == 1 and "unsupported database" in result.output


@pytest.mark.parametrize(
    "module",
    [
        pytest.param("orchestrator.telemetry.kpi", id="kpi"),
        pytest.param("orchestrator.cli.kpi_report", id="kpi_report"),
        pytest.param("orchestrator.telemetry.prometheus", id="prometheus"),
        pytest.param("orchestrator.telemetry.tracing", id="tracing"),
        pytest.param("orchestrator.telemetry.events", id="events"),
    ],
)
def test_public_names_are_sorted_and_importable(module: str) -> None:
    imported = importlib.import_module(module)
    names: list[str] = imported.__all__
    assert names == sorted(names)
    assert all(hasattr(imported, name) for name in names)
