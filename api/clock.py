"""The one place that reads the clock, so tests can move time forward."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

_offset_seconds = 0.0


def now() -> datetime:
    """Timezone-aware UTC now (shifted in tests by `travel`)."""
    current = datetime.now(UTC)
    if _offset_seconds:
        from datetime import timedelta

        current += timedelta(seconds=_offset_seconds)
    return current


def business_today() -> date:
    """Today's date in Tokyo: what "today" means for closing days and validity."""
    return now().astimezone(TOKYO).date()


def travel(seconds: float) -> None:
    """Move the clock forward (tests only)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0
