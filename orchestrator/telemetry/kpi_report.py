"""The KPI report: a terminal table against the targets, terminal and PNG charts, and `switchboard metrics`."""

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import click

from mcp_servers._common.clock import utcnow

from ..cli.context import context_settings
from ..policy.approvals import ApprovalStats, ApprovalStore
from .kpi import Bucket, Kpi, KpiPoint, KpiStore, KpiSummary

__all__ = ["metrics_command", "render_approvals", "render_table", "render_terminal_chart", "write_png_chart"]

_BLOCKS = "▁▂▃▄▅▆▇█"
_RELATIVE = re.compile(r"^(\d+)([hdw])$")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _format(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "—"
    if kpi.unit == "ratio":
        return f"{value * 100:.1f}%"
    if kpi.unit == "seconds":
        return _duration(value)
    return f"{value:.2f}"


def _goal(kpi: Kpi) -> str:
    sign = ">" if kpi.direction == "above" else "<"
    if kpi.unit == "ratio":
        return f"{sign} {kpi.target * 100:g}%"
    if kpi.unit == "seconds":
        return f"{sign} {kpi.target / 60:g} min" if kpi.target >= 60 else f"{sign} {kpi.target:g} s"
    return f"{sign} {kpi.target:g}"


def _mark(kpi: Kpi) -> str:
    return {True: "✓", False: "✗", None: "·"}[kpi.met]


def render_table(summary: KpiSummary) -> str:
    """The five KPIs against their targets (✓ met, ✗ missed, · no data) with the confirmed/assumed split."""
    since = f"{summary.since:%Y-%m-%d %H:%M}" if summary.since else "the beginning"
    until = f"{summary.until:%Y-%m-%d %H:%M}" if summary.until else "now"
    lines = [
        f"Support KPIs · conversations ended from {since} to {until} (UTC)",
        f"{summary.ended} ended: {summary.resolved_by_bot} resolved by the bot, {summary.escalated} escalated, "
        f"{summary.abandoned} abandoned; {summary.open_conversations} still open",
        "",
        f"{'KPI':<24} {'value':>9} {'goal':>9} {'n':>6}  met",
    ]
    for kpi in summary.kpis:
        lines.append(f"{kpi.name:<24} {_format(kpi, kpi.value):>9} {_goal(kpi):>9} {kpi.n:>6}  {_mark(kpi)}")
        if kpi is summary.auto_resolution:
            rates = (summary.confirmed_rate, summary.assumed_rate)
            confirmed, assumed = (_format(kpi, r) for r in rates)
            lines.append(f"{'  confirmed':<24} {confirmed:>9} {'':>9} {summary.resolved_confirmed:>6}")
            lines.append(f"{'  assumed':<24} {assumed:>9} {'':>9} {summary.resolved_assumed:>6}")
    lines.append("")
    lines.append("confirmed: the customer said it was resolved or rated it 4-5; assumed: it ended without complaint.")
    lines.append("Rates are over ended conversations; resolution time and reopen rate over bot resolutions.")
    return "\n".join(lines)


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def render_approvals(stats: ApprovalStats) -> str:
    """The refund approval KPIs: pending now, time to decision, approved and rejected amounts in the period."""
    mean = _duration(stats.mean_decision_s) if stats.mean_decision_s is not None else "—"
    longest = _duration(stats.max_decision_s) if stats.max_decision_s is not None else "—"
    return "\n".join(
        [
            "Refund approvals (amounts in the orders' currency)",
            f"{'pending now':<24} {stats.pending:>9} {_dollars(stats.pending_cents):>14}",
            f"{'approved':<24} {stats.approved:>9} {_dollars(stats.approved_cents):>14}",
            f"{'rejected':<24} {stats.rejected:>9} {_dollars(stats.rejected_cents):>14}",
            f"{'time to decision':<24} {mean:>9}  (mean; longest {longest})",
        ]
    )


_SERIES: tuple[tuple[str, Callable[[KpiSummary], Kpi]], ...] = (
    ("CSAT", lambda s: s.csat),
    ("Auto-resolution", lambda s: s.auto_resolution),
    ("Escalation", lambda s: s.escalation),
    ("Resolution time", lambda s: s.resolution_time),
    ("Reopen", lambda s: s.reopen),
)


def _scale(kpis: Sequence[Kpi]) -> tuple[float, float]:
    """CSAT on 1-5; anything else from 0 to twice its goal or its maximum if higher (rates at most 100%)."""
    if kpis[0].unit == "score":
        return 1.0, 5.0
    high = max([k.value for k in kpis if k.value is not None] + [2 * kpis[0].target])
    return 0.0, min(high, 1.0) if kpis[0].unit == "ratio" else high


def _spark(values: Sequence[float | None], low: float, high: float) -> str:
    span = high - low
    chars: list[str] = []
    for value in values:
        if value is None:
            chars.append(" ")
            continue
        level = 0 if span <= 0 else round((min(max(value, low), high) - low) / span * (len(_BLOCKS) - 1))
        chars.append(_BLOCKS[level])
    return "".join(chars)


def render_terminal_chart(points: Sequence[KpiPoint], *, width: int = 60) -> str:
    """Sparklines of the five KPIs and the conversation volume over time (the last `width` buckets).

    CSAT is drawn on 1-5 and every other line from 0 to twice its goal (or its maximum, if higher), so the goal
    sits at mid-height; blanks are buckets without data. Each line ends with the latest value and its mark.
    """
    if not points:
        return "No ended conversations yet: nothing to chart."
    shown = list(points[-width:])
    first, last = shown[0], shown[-1]
    lines = [f"KPIs per bucket, {first.start:%Y-%m-%d %H:%M} → {last.end:%Y-%m-%d %H:%M} UTC ({len(shown)} buckets)"]
    for label, pick in _SERIES:
        kpis = [pick(p.summary) for p in shown]
        values = [k.value for k in kpis]
        low, high = _scale(kpis)
        latest = next((k for k in reversed(kpis) if k.value is not None), kpis[-1])
        tail = f"{_format(latest, latest.value)} {_mark(latest)} (goal {_goal(latest)})"
        lines.append(f"{label:<16} │{_spark(values, low, high)}│ {tail}")
    volume = [float(p.summary.ended) for p in shown]
    top = max(volume)
    lines.append(f"{'Conversations':<16} │{_spark(volume, 0.0, top)}│ max {top:.0f} per bucket")
    return "\n".join(lines)


def write_png_chart(points: Sequence[KpiPoint], path: Path) -> Path:
    """Draw the five KPIs over time with their goals as dashed lines into a PNG file; return the path.

    Uses matplotlib's Agg canvas directly (no pyplot, no global backend switch), imported only here.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 10), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(_SERIES), 1, sharex=True)
    starts = [p.start for p in points]
    for ax, (label, pick) in zip(axes, _SERIES, strict=True):
        kpis = [pick(p.summary) for p in points]
        scale = 100.0 if kpis and kpis[0].unit == "ratio" else (1 / 60 if kpis and kpis[0].unit == "seconds" else 1.0)
        values = [k.value * scale if k.value is not None else float("nan") for k in kpis]
        ax.plot(starts, values, marker="o", linewidth=1.5)
        if kpis:
            ax.axhline(kpis[0].target * scale, linestyle="--", color="grey", linewidth=1)
        unit = {100.0: " (%)", 1 / 60: " (min)"}.get(scale, "")
        ax.set_ylabel(f"{label}{unit}")
        ax.grid(True, alpha=0.3)
    figure.suptitle("Switchboard support KPIs (dashed: goal)")  # pyright: ignore[reportUnknownMemberType] - **kwargs untyped
    if not points:
        axes[0].text(0.5, 0.5, "no ended conversations", ha="center", va="center", transform=axes[0].transAxes)
    figure.autofmt_xdate()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)  # pyright: ignore[reportUnknownMemberType] - **kwargs untyped
    return path


def _parse_when(value: str, now: datetime) -> datetime:
    """`7d`, `24h`, `2w` (relative to now), `2025-01-31` or an ISO datetime (UTC when no zone is given)."""
    if match := _RELATIVE.match(value.strip()):
        amount, unit = int(match[1]), match[2]
        return now - {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: use 7d, 24h, 2w, 2025-01-31 or 2025-01-31T09:00") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _database_url(ctx: click.Context, db: str | None) -> str:
    if db:
        return db
    raw: object = ctx.obj
    obj = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
    if url := obj.get("database_url"):
        return str(url)
    if "config" in obj:  # the `switchboard` group: the configured database
        return context_settings(ctx).database_url
    raise click.UsageError("no database: pass --db URL")


@click.command("metrics")
@click.option("--since", default=None, help="Start of the period: 7d, 24h, 2w, 2025-01-31 or an ISO datetime.")
@click.option("--until", default=None, help="End of the period (exclusive), same formats; default now.")
@click.option("--bucket", type=click.Choice(["hour", "day", "week"]), default="day", show_default=True)
@click.option("--png", "png", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Also write a PNG.")
@click.option("--db", default=None, help="Database URL (default: the context's database_url, else the config's).")
@click.pass_context
def metrics_command(
    ctx: click.Context, since: str | None, until: str | None, bucket: Bucket, png: Path | None, db: str | None
) -> None:
    """Support KPIs against their targets, with a chart over time (terminal, and PNG with --png)."""
    from mcp_servers._common.storage import Database, DatabaseError

    now = utcnow()
    start = _parse_when(since, now) if since else None
    end = _parse_when(until, now) if until else None
    if start and end and start >= end:
        raise click.BadParameter("--since must be before --until")
    try:
        database = Database(_database_url(ctx, db))
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        store = KpiStore(database)
        store.prepare()
        summary = store.summary(since=start, until=end)
        points = store.timeseries(bucket, since=start, until=end)
        followed = ApprovalStore(database)
        followed.prepare()
        approvals = followed.stats(since=start, until=end)
    finally:
        database.dispose()
    click.echo(render_table(summary))
    click.echo()
    click.echo(render_approvals(approvals))
    click.echo()
    click.echo(render_terminal_chart(points))
    if png is not None:
        click.echo(f"chart written to {write_png_chart(points, png)}")
