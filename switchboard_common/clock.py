"""Time in one place: aware UTC datetimes, and today's date for demo data and eligibility windows."""

from datetime import UTC, date, datetime

__all__ = ["today", "utcnow"]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC."""
    return utcnow().date()
